using System.Text;
using Berth.Kubelet.Streaming;

namespace Berth.Kubelet.Tests.Streaming;

public sealed class CriLogReaderTests : IDisposable
{
    private readonly string _dir = TempDirectory.Create("berth-crilog-");
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public void Dispose() => TempDirectory.Delete(_dir);

    private string Log(string name, params string[] lines)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));
        return path;
    }

    private static string Line(int second, string text, bool partial = false, string stream = "stdout")
        => CriLogEntry.Format(T0.AddSeconds(second), stream, partial, text);

    private static async Task<string> ReadAsync(string path, LogReadOptions opts)
    {
        var ms = new MemoryStream();
        await CriLogReader.CopyAsync(path, opts, ms, null, null, CancellationToken.None);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    [Fact]
    public async Task Partial_lines_join_and_both_streams_are_shown()
    {
        var path = Log("0.log", Line(0, "hel", partial: true), Line(0, "lo"), Line(1, "oops", stream: "stderr"), "garbage line");
        Assert.Equal("hello\noops\n", await ReadAsync(path, new LogReadOptions()));
    }

    [Fact]
    public async Task Timestamps_prefix_each_line_once()
    {
        var path = Log("0.log", Line(0, "a", partial: true), Line(1, "b"), Line(2, "c"));
        var text = await ReadAsync(path, new LogReadOptions { Timestamps = true });
        Assert.Equal("2026-01-02T03:04:05.000000000Z ab\n2026-01-02T03:04:07.000000000Z c\n", text);
    }

    [Fact]
    public async Task Tail_counts_whole_lines_from_the_end()
    {
        var path = Log("0.log", Line(0, "one"), Line(1, "tw", partial: true), Line(1, "o"), Line(2, "three"));
        Assert.Equal("three\n", await ReadAsync(path, new LogReadOptions { TailLines = 1 }));
        Assert.Equal("two\nthree\n", await ReadAsync(path, new LogReadOptions { TailLines = 2 }));
        Assert.Equal("one\ntwo\nthree\n", await ReadAsync(path, new LogReadOptions { TailLines = 10 }));
        Assert.Equal("", await ReadAsync(path, new LogReadOptions { TailLines = 0 }));
    }

    [Fact]
    public async Task Since_and_limit_bytes_cut_the_output()
    {
        var path = Log("0.log", Line(0, "old"), Line(10, "new"), Line(20, "newer"));
        Assert.Equal("new\nnewer\n", await ReadAsync(path, new LogReadOptions { Since = T0.AddSeconds(5) }));
        Assert.Equal("old\nne", await ReadAsync(path, new LogReadOptions { LimitBytes = 6 }));
    }

    [Fact]
    public async Task Follow_sees_appends_then_a_new_run_and_ends_when_the_container_stops()
    {
        var run0 = Log("0.log", Line(0, "first"));
        var run1 = Path.Combine(_dir, "1.log");
        string current = run0;
        bool running = true;
        var output = new BlockingOutput();
        var follow = CriLogReader.CopyAsync(run0, new LogReadOptions { Follow = true, PollInterval = TimeSpan.FromMilliseconds(20) },
            output, () => current, () => running, CancellationToken.None);

        await output.WaitForAsync("first\n");
        // The runtime's write arrives in two pieces: nothing shows until the file line is complete.
        var second = Line(1, "second") + "\n";
        File.AppendAllText(run0, second[..20]);
        await Task.Delay(100);
        Assert.Equal("first\n", output.Text);
        File.AppendAllText(run0, second[20..]);
        await output.WaitForAsync("first\nsecond\n");

        // The container restarts: the reader moves to the new run's file.
        File.WriteAllText(run1, Line(5, "run one") + "\n");
        current = run1;
        await output.WaitForAsync("first\nsecond\nrun one\n");
        Assert.False(follow.IsCompleted);

        File.AppendAllText(run1, Line(6, "last words") + "\n");
        running = false;
        await follow.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("first\nsecond\nrun one\nlast words\n", output.Text);
    }

    [Fact]
    public async Task Follow_reopens_a_rotated_file()
    {
        var path = Log("0.log", Line(0, "before"));
        var output = new BlockingOutput();
        using var cts = new CancellationTokenSource();
        var follow = CriLogReader.CopyAsync(path, new LogReadOptions { Follow = true, PollInterval = TimeSpan.FromMilliseconds(20) },
            output, () => path, () => true, cts.Token);
        await output.WaitForAsync("before\n");
        File.Move(path, path + ".1");
        File.WriteAllText(path, Line(1, "after") + "\n");
        await output.WaitForAsync("before\nafter\n");
        cts.Cancel();
        await follow.WaitAsync(TimeSpan.FromSeconds(5));
    }

    /// <summary>Collects what the reader writes and lets a test wait for it.</summary>
    private sealed class BlockingOutput : MemoryStream
    {
        public string Text { get { lock (this) return Encoding.UTF8.GetString(ToArray()); } }

        public override void Write(byte[] buffer, int offset, int count) { lock (this) base.Write(buffer, offset, count); }
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) { Write(buffer, offset, count); return Task.CompletedTask; }
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) { Write(buffer.ToArray(), 0, buffer.Length); return ValueTask.CompletedTask; }

        public async Task WaitForAsync(string expected)
        {
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (Text != expected)
            {
                if (DateTime.UtcNow > deadline) Assert.Equal(expected, Text);
                await Task.Delay(10);
            }
        }
    }
}
