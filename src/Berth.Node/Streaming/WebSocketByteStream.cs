using System.Net.WebSockets;

namespace Berth.Kubelet.Streaming;

/// <summary>A WebSocket as a byte stream: each write is one binary message, reads run across message boundaries (the
/// "SPDY over WebSocket" tunnel of kubectl port-forward carries SPDY frames this way).</summary>
public sealed class WebSocketByteStream(WebSocket ws) : Stream
{
    private readonly SemaphoreSlim _send = new(1, 1);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        while (true)
        {
            if (ws.State is not (WebSocketState.Open or WebSocketState.CloseSent)) return 0;
            var r = await ws.ReceiveAsync(buffer, ct);
            if (r.MessageType == WebSocketMessageType.Close) return 0;
            if (r.Count > 0) return r.Count;
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        await _send.WaitAsync(ct);
        try { await ws.SendAsync(buffer, WebSocketMessageType.Binary, true, ct); }
        finally { _send.Release(); }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
