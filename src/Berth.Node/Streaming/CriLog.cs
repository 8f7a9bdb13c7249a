using System.Globalization;
using System.Text;

namespace Berth.Kubelet.Streaming;

/// <summary>One line of a CRI log file: <c>2024-01-02T03:04:05.123456789Z stdout F text</c> (P for a partial line).</summary>
public readonly record struct CriLogEntry(DateTimeOffset Time, string TimeText, string Stream, bool Partial, string Text)
{
    /// <summary>Parses one line (without its newline); null for a malformed line, which readers skip as the kubelet does.</summary>
    public static CriLogEntry? Parse(string line)
    {
        var s1 = line.IndexOf(' ');
        if (s1 <= 0) return null;
        var s2 = line.IndexOf(' ', s1 + 1);
        if (s2 < 0) return null;
        var ts = line[..s1];
        if (!DateTimeOffset.TryParse(ts, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)) return null;
        var stream = line[(s1 + 1)..s2];
        if (stream is not ("stdout" or "stderr")) return null;
        // The tag field is optional in the oldest CRI format; "P" marks a partial line, anything else a full one.
        var rest = line[(s2 + 1)..];
        bool partial = false;
        var s3 = rest.IndexOf(' ');
        var tag = s3 < 0 ? rest : rest[..s3];
        if (tag is "P" or "F")
        {
            partial = tag == "P";
            rest = s3 < 0 ? "" : rest[(s3 + 1)..];
        }
        return new CriLogEntry(time, ts, stream, partial, rest);
    }

    /// <summary>Formats a line as a runtime writes it (RFC 3339 with nanoseconds, as the kubelet's RFC3339NanoFixed).</summary>
    public static string Format(DateTimeOffset time, string stream, bool partial, string text)
        => FormatTime(time) + " " + stream + (partial ? " P " : " F ") + text;

    public static string FormatTime(DateTimeOffset time)
        => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "00Z";
}

/// <summary>What a log request asks for (the kubelet's PodLogOptions, minus the container).</summary>
public sealed record LogReadOptions
{
    public bool Follow { get; init; }
    public bool Timestamps { get; init; }
    /// <summary>Only the last N lines (null: all).</summary>
    public long? TailLines { get; init; }
    /// <summary>Only entries at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }
    /// <summary>Stop after this many bytes of output.</summary>
    public long? LimitBytes { get; init; }
    /// <summary>While following, how often the file is checked for new lines.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);
    /// <summary>Where stderr entries go instead of the output (attach keeps the two streams apart); null: both to the output.</summary>
    public Stream? StderrOutput { get; init; }
}

/// <summary>
/// Reads a container's CRI log file and writes what <c>kubectl logs</c> shows: each entry's text (a newline after full
/// lines, none after partial ones), optionally prefixed by its timestamp at the start of each line; the last N lines;
/// entries since a time; and, when following, lines appended later, including a switch to a new file when the runtime
/// starts a new run (or rotates the file), until the container stops.
/// </summary>
public static class CriLogReader
{
    /// <param name="currentPath">While following: the path of the container's current log (null when gone); a different
    /// path than the one being read means a new run began.</param>
    /// <param name="running">While following: whether the container still runs; following ends once it does not and the
    /// file has nothing new.</param>
    public static async Task CopyAsync(string path, LogReadOptions opts, Stream output, Func<string?>? currentPath, Func<bool>? running, CancellationToken ct)
    {
        var writer = new LogWriter(output, opts);
        var errors = opts.StderrOutput is { } stderr ? new LogWriter(stderr, opts) : writer;
        var file = Open(path);
        try
        {
            var reader = new LineReader(file);
            if (opts.TailLines is { } tail) SkipToTail(reader, file, tail);
            while (!ct.IsCancellationRequested && !writer.Full)
            {
                var line = reader.ReadLine();
                if (line is not null)
                {
                    if (CriLogEntry.Parse(line) is { } e && (opts.Since is not { } since || e.Time >= since)) (e.Stream == "stderr" ? errors : writer).Write(e);
                    continue;
                }
                await writer.FlushAsync(ct);
                if (errors != writer) await errors.FlushAsync(ct);
                if (!opts.Follow) return;
                // Nothing new: a new run or a rotated file takes over; a stopped container ends the stream.
                var now = currentPath?.Invoke();
                if (now is not null && now != path)
                {
                    file.Dispose();
                    path = now;
                    file = Open(path);
                    reader = new LineReader(file);
                    continue;
                }
                if (Rotated(path, file))
                {
                    file.Dispose();
                    file = Open(path);
                    reader = new LineReader(file);
                    continue;
                }
                if (running is not null && !running())
                {
                    // One last look: the runtime may have written its final lines just before it stopped.
                    if (reader.ReadLine() is { } last) { if (CriLogEntry.Parse(last) is { } e) (e.Stream == "stderr" ? errors : writer).Write(e); continue; }
                    return;
                }
                await Task.Delay(opts.PollInterval, ct);
            }
            await writer.FlushAsync(ct);
            if (errors != writer) await errors.FlushAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally { file.Dispose(); }
    }

    private static FileStream Open(string path)
        => new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.SequentialScan);

    /// <summary>The file at <paramref name="path"/> is no longer the one open (replaced, or truncated below our position).</summary>
    private static bool Rotated(string path, FileStream open)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) return false;
            if (info.Length < open.Position) return true;
            // Linux names an open file's current path in /proc/self/fd: renamed away or deleted means it was replaced.
            var fd = open.SafeFileHandle.DangerousGetHandle().ToInt64();
            var link = new FileInfo("/proc/self/fd/" + fd.ToString(CultureInfo.InvariantCulture));
            return link.Exists && link.LinkTarget is { } target && target != Path.GetFullPath(path);
        }
        catch (IOException) { return false; }
    }

    /// <summary>Positions <paramref name="reader"/> at the start of the last <paramref name="n"/> full lines.</summary>
    private static void SkipToTail(LineReader reader, FileStream file, long n)
    {
        // Count logical lines (F entries end one) from the end; a simple forward pass keeps the offsets of the last n.
        var starts = new Queue<long>();
        long lineStart = 0;
        bool inLine = false;
        while (true)
        {
            var pos = reader.Position;
            var line = reader.ReadLine();
            if (line is null) break;
            if (CriLogEntry.Parse(line) is not { } e) continue;
            if (!inLine) { lineStart = pos; inLine = true; }
            if (!e.Partial)
            {
                starts.Enqueue(lineStart);
                if (starts.Count > n) starts.Dequeue();
                inLine = false;
            }
        }
        long target = n == 0 ? reader.Position : starts.Count > 0 ? starts.Peek() : (inLine ? lineStart : reader.Position);
        reader.Seek(target);
    }

    /// <summary>Reads '\n'-terminated lines; an unterminated tail is left for a later read (the runtime is mid-write).</summary>
    private sealed class LineReader(FileStream file)
    {
        private readonly byte[] _buf = new byte[8192];
        private int _start, _end;
        private readonly MemoryStream _pending = new();
        private long _consumed; // file offset just after the last line returned

        public long Position => _consumed;

        public void Seek(long offset)
        {
            file.Position = offset;
            _start = _end = 0;
            _pending.SetLength(0);
            _consumed = offset;
        }

        public string? ReadLine()
        {
            while (true)
            {
                var nl = Array.IndexOf(_buf, (byte)'\n', _start, _end - _start);
                if (nl >= 0)
                {
                    string line;
                    if (_pending.Length > 0)
                    {
                        _pending.Write(_buf, _start, nl - _start);
                        line = Encoding.UTF8.GetString(_pending.GetBuffer(), 0, (int)_pending.Length);
                        _consumed += _pending.Length + 1;
                        _pending.SetLength(0);
                    }
                    else
                    {
                        line = Encoding.UTF8.GetString(_buf, _start, nl - _start);
                        _consumed += nl - _start + 1;
                    }
                    _start = nl + 1;
                    return line;
                }
                _pending.Write(_buf, _start, _end - _start);
                _start = _end = 0;
                var n = file.Read(_buf, 0, _buf.Length);
                if (n == 0)
                {
                    // Keep the partial bytes for the next call, but re-read them from the file so Position stays exact.
                    file.Position -= _pending.Length;
                    _pending.SetLength(0);
                    return null;
                }
                _end = n;
            }
        }
    }

    /// <summary>Formats entries for the client: timestamps at line starts, the byte limit.</summary>
    private sealed class LogWriter(Stream output, LogReadOptions opts)
    {
        private readonly MemoryStream _buf = new();
        private long _written;
        private bool _midLine;

        public bool Full => opts.LimitBytes is { } l && _written >= l;

        public void Write(CriLogEntry e)
        {
            if (Full) return;
            var text = (opts.Timestamps && !_midLine ? e.TimeText + " " : "") + e.Text + (e.Partial ? "" : "\n");
            _midLine = e.Partial;
            var bytes = Encoding.UTF8.GetBytes(text);
            var n = bytes.Length;
            if (opts.LimitBytes is { } limit && _written + n > limit) n = (int)(limit - _written);
            _buf.Write(bytes, 0, n);
            _written += n;
        }

        public async Task FlushAsync(CancellationToken ct)
        {
            if (_buf.Length == 0) return;
            await output.WriteAsync(_buf.GetBuffer().AsMemory(0, (int)_buf.Length), ct);
            await output.FlushAsync(ct);
            _buf.SetLength(0);
        }
    }
}
