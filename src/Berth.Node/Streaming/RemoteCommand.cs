using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Berth.Kubelet.Streaming;

/// <summary>What an exec request asks for (the kubelet's query parameters).</summary>
public sealed record ExecRequest(IReadOnlyList<string> Command, bool Stdin, bool Stdout, bool Stderr, bool Tty);

/// <summary>
/// The server side of Kubernetes' remote command protocol over WebSocket (<c>v5.channel.k8s.io</c>, and
/// <c>v4.channel.k8s.io</c>): every binary message starts with a channel byte — 0 stdin, 1 stdout, 2 stderr, 3 the error
/// channel (a metav1.Status once the command ends; a non-zero exit is reason NonZeroExitCode with cause ExitCode),
/// 4 terminal resizes (JSON {"Width","Height"}); v5 adds 255, "close channel N" (the client's end of stdin).
/// </summary>
public static class RemoteCommand
{
    public const string V5 = "v5.channel.k8s.io";
    public const string V4 = "v4.channel.k8s.io";
    /// <summary>Ours, best first.</summary>
    public static readonly string[] Protocols = [V5, V4];

    private const byte StdinChannel = 0, StdoutChannel = 1, StderrChannel = 2, ErrorChannel = 3, ResizeChannel = 4, CloseSignal = 255;

    /// <summary>The best protocol both sides speak, or null.</summary>
    public static string? Negotiate(IList<string> requested)
    {
        foreach (var p in Protocols) if (requested.Contains(p)) return p;
        return null;
    }

    /// <summary>Runs one exec session on an accepted WebSocket; <paramref name="run"/> returns the command's exit code or
    /// throws <see cref="InvalidOperationException"/> with a message for the client.</summary>
    public static async Task ServeAsync(WebSocket ws, string protocol, ExecRequest req, Func<ExecStreams, CancellationToken, Task<int>> run, CancellationToken ct)
    {
        var send = new SemaphoreSlim(1, 1);
        var stdin = req.Stdin ? new Pipe() : null;
        var resize = req.Tty ? Channel.CreateUnbounded<(ushort, ushort)>() : null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var receive = ReceiveAsync(ws, protocol, stdin, resize, stop);

        var streams = new ExecStreams
        {
            Stdin = stdin?.Reader.AsStream(),
            Stdout = req.Stdout ? new ChannelStream(ws, send, StdoutChannel) : null,
            Stderr = req.Stderr && !req.Tty ? new ChannelStream(ws, send, StderrChannel) : null,
            Tty = req.Tty,
            Resize = resize?.Reader,
        };
        JsonObject status;
        try
        {
            var code = await run(streams, stop.Token);
            status = code == 0
                ? new JsonObject { ["metadata"] = new JsonObject(), ["status"] = "Success" }
                : new JsonObject
                {
                    ["metadata"] = new JsonObject(),
                    ["status"] = "Failure",
                    ["message"] = $"command terminated with non-zero exit code: error executing command [{string.Join(" ", req.Command)}], exit code {code}",
                    ["reason"] = "NonZeroExitCode",
                    ["details"] = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ExitCode", ["message"] = code.ToString(System.Globalization.CultureInfo.InvariantCulture) }) },
                };
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return; // the client went away; the command was killed
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
        {
            status = new JsonObject { ["metadata"] = new JsonObject(), ["status"] = "Failure", ["message"] = e.Message, ["reason"] = "InternalError" };
        }
        try
        {
            await SendAsync(ws, send, ErrorChannel, JsonSerializer.SerializeToUtf8Bytes(status), ct);
            await send.WaitAsync(ct);
            try { await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", ct); }
            finally { send.Release(); }
            // Let the client's close frame arrive so the connection ends cleanly; a silent client is not waited for long.
            await receive.WaitAsync(TimeSpan.FromSeconds(5), ct);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or TimeoutException) { }
        finally
        {
            stop.Cancel();
            stdin?.Writer.Complete();
        }
    }

    /// <summary>Reads the client's messages until it closes; a client that goes away ends the session (<paramref name="session"/>
    /// is cancelled, which kills the command).</summary>
    private static async Task ReceiveAsync(WebSocket ws, string protocol, Pipe? stdin, Channel<(ushort, ushort)>? resize, CancellationTokenSource session)
    {
        var ct = session.Token;
        var buf = new byte[32 * 1024];
        var msg = new MemoryStream();
        try
        {
            while (true)
            {
                msg.SetLength(0);
                WebSocketReceiveResult r;
                do
                {
                    r = await ws.ReceiveAsync(buf, ct);
                    if (r.MessageType == WebSocketMessageType.Close) return;
                    msg.Write(buf, 0, r.Count);
                } while (!r.EndOfMessage);
                if (msg.Length == 0) continue;
                var m = msg.GetBuffer().AsMemory(0, (int)msg.Length);
                switch (m.Span[0])
                {
                    case StdinChannel when stdin is not null:
                        if (m.Length > 1) await stdin.Writer.WriteAsync(m[1..], ct);
                        break;
                    case ResizeChannel when resize is not null:
                        try
                        {
                            var size = JsonNode.Parse(m.Span[1..]);
                            resize.Writer.TryWrite(((ushort)(size?["Width"]?.GetValue<int>() ?? 0), (ushort)(size?["Height"]?.GetValue<int>() ?? 0)));
                        }
                        catch (JsonException) { }
                        break;
                    case CloseSignal when protocol == V5 && m.Length > 1 && m.Span[1] == StdinChannel:
                        stdin?.Writer.Complete();
                        stdin = null;
                        break;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or InvalidOperationException) { }
        finally
        {
            stdin?.Writer.Complete();
            resize?.Writer.TryComplete();
            try { session.Cancel(); } catch (ObjectDisposedException) { }
        }
    }

    private static async Task SendAsync(WebSocket ws, SemaphoreSlim send, byte channel, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var frame = new byte[data.Length + 1];
        frame[0] = channel;
        data.CopyTo(frame.AsMemory(1));
        await send.WaitAsync(ct);
        try { await ws.SendAsync(frame, WebSocketMessageType.Binary, true, ct); }
        finally { send.Release(); }
    }

    /// <summary>Writes become messages on one output channel.</summary>
    private sealed class ChannelStream(WebSocket ws, SemaphoreSlim send, byte channel) : Stream
    {
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
            => new(SendAsync(ws, send, channel, buffer, ct));
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => SendAsync(ws, send, channel, buffer.AsMemory(offset, count), ct);
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, default).GetAwaiter().GetResult();
        public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;
        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
