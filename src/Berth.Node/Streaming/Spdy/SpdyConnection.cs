using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Berth.Kubelet.Streaming.Spdy;

/// <summary>
/// The server side of a SPDY/3.1 connection as Kubernetes' streaming protocols use it (moby/spdystream on the client):
/// the client opens streams (SYN_STREAM with headers), each is accepted with an empty SYN_REPLY and handed to the
/// handler; DATA frames carry bytes, a FIN flag half-closes; PINGs are echoed. Flow control is not enforced by
/// spdystream, so WINDOW_UPDATE and SETTINGS are read and ignored.
/// </summary>
public sealed class SpdyConnection
{
    private const int ControlBit = unchecked((int)0x80000000);
    private const ushort Version = 3;
    private const ushort SynStream = 1, SynReply = 2, RstStream = 3, Ping = 6, GoAway = 7;
    private const byte FlagFin = 0x01;
    private const int MaxFrame = 1 << 24;

    private readonly Stream _io;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly HeaderCodec _headers = new();
    private readonly ConcurrentDictionary<int, SpdyStream> _streams = new();
    private readonly Func<SpdyStream, Task> _onStream;
    private int _lastStreamId;

    public SpdyConnection(Stream io, Func<SpdyStream, Task> onStream)
    {
        _io = io;
        _onStream = onStream;
    }

    /// <summary>Reads frames until the peer goes away or <paramref name="ct"/> ends; stream handlers run concurrently.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var head = new byte[8];
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (!await ReadFullAsync(head, ct)) return;
                var first = BinaryPrimitives.ReadInt32BigEndian(head);
                var flags = head[4];
                var length = (head[5] << 16) | (head[6] << 8) | head[7];
                var payload = length == 0 ? [] : new byte[length];
                if (length > 0 && !await ReadFullAsync(payload, ct)) return;
                if ((first & ControlBit) != 0)
                {
                    var type = (ushort)(first & 0xFFFF);
                    if (!await OnControlAsync(type, flags, payload, ct)) return;
                }
                else if (_streams.TryGetValue(first & 0x7FFFFFFF, out var s))
                {
                    if (payload.Length > 0) s.Receive(payload);
                    if ((flags & FlagFin) != 0) s.ReceiveFin();
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidDataException) { }
        finally
        {
            foreach (var s in _streams.Values) s.Abort();
        }
    }

    private async Task<bool> OnControlAsync(ushort type, byte flags, byte[] p, CancellationToken ct)
    {
        switch (type)
        {
            case SynStream:
            {
                if (p.Length < 10) throw new InvalidDataException("short SYN_STREAM");
                var id = BinaryPrimitives.ReadInt32BigEndian(p) & 0x7FFFFFFF;
                var headers = _headers.Decode(p.AsSpan(10));
                var s = new SpdyStream(this, id, headers);
                _streams[id] = s;
                _lastStreamId = id;
                await SendControlAsync(SynReply, 0, StreamIdAnd(id, _headers.Encode([])), ct);
                if ((flags & FlagFin) != 0) s.ReceiveFin();
                _ = Task.Run(async () =>
                {
                    try { await _onStream(s); }
                    catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException) { }
                }, CancellationToken.None);
                return true;
            }
            case RstStream:
                if (p.Length >= 4 && _streams.TryRemove(BinaryPrimitives.ReadInt32BigEndian(p) & 0x7FFFFFFF, out var reset)) reset.Abort();
                return true;
            case Ping:
                await SendControlAsync(Ping, 0, p, ct);
                return true;
            case GoAway:
                return false;
            default: // SETTINGS, HEADERS, WINDOW_UPDATE, NOOP: nothing to do
                return true;
        }
    }

    private static byte[] StreamIdAnd(int id, byte[] rest)
    {
        var b = new byte[4 + rest.Length];
        BinaryPrimitives.WriteInt32BigEndian(b, id);
        rest.CopyTo(b, 4);
        return b;
    }

    private async Task SendControlAsync(ushort type, byte flags, byte[] payload, CancellationToken ct)
    {
        var frame = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)(0x8000 | Version));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), type);
        WriteFlagsLength(frame, flags, payload.Length);
        payload.CopyTo(frame, 8);
        await WriteFrameAsync(frame, ct);
    }

    internal async Task SendDataAsync(int streamId, ReadOnlyMemory<byte> data, bool fin, CancellationToken ct)
    {
        do
        {
            var n = Math.Min(data.Length, 64 * 1024);
            var frame = new byte[8 + n];
            BinaryPrimitives.WriteInt32BigEndian(frame, streamId & 0x7FFFFFFF);
            bool last = n == data.Length;
            WriteFlagsLength(frame, last && fin ? FlagFin : (byte)0, n);
            data[..n].CopyTo(frame.AsMemory(8));
            await WriteFrameAsync(frame, ct);
            data = data[n..];
        } while (data.Length > 0);
    }

    internal void Forget(int streamId) => _streams.TryRemove(streamId, out _);

    /// <summary>Tells the peer the session ends (GOAWAY, status OK).</summary>
    public async Task GoAwayAsync(CancellationToken ct)
    {
        var p = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(p, _lastStreamId);
        try { await SendControlAsync(GoAway, 0, p, ct); }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException) { }
    }

    private static void WriteFlagsLength(byte[] frame, byte flags, int length)
    {
        if (length >= MaxFrame) throw new ArgumentOutOfRangeException(nameof(length));
        frame[4] = flags;
        frame[5] = (byte)(length >> 16);
        frame[6] = (byte)(length >> 8);
        frame[7] = (byte)length;
    }

    private async Task WriteFrameAsync(byte[] frame, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            await _io.WriteAsync(frame, ct);
            await _io.FlushAsync(ct);
        }
        finally { _writeLock.Release(); }
    }

    private async Task<bool> ReadFullAsync(byte[] buf, CancellationToken ct)
    {
        int got = 0;
        while (got < buf.Length)
        {
            var n = await _io.ReadAsync(buf.AsMemory(got), ct);
            if (n == 0) return false;
            got += n;
        }
        return true;
    }
}

/// <summary>One SPDY stream: the client's headers, its bytes to read (until its FIN), and a way to write and half-close.</summary>
public sealed class SpdyStream
{
    private readonly SpdyConnection _conn;
    private readonly Channel<byte[]> _input = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private byte[]? _current;
    private int _offset;
    private int _closedWrite;

    internal SpdyStream(SpdyConnection conn, int id, List<KeyValuePair<string, string>> headers)
    {
        _conn = conn;
        Id = id;
        Headers = headers;
    }

    public int Id { get; }
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    public string? Header(string name)
    {
        foreach (var (k, v) in Headers) if (string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) return v;
        return null;
    }

    internal void Receive(byte[] data) => _input.Writer.TryWrite(data);
    internal void ReceiveFin() => _input.Writer.TryComplete();
    internal void Abort() => _input.Writer.TryComplete();

    /// <summary>Reads the peer's bytes; 0 once it half-closed the stream.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> into, CancellationToken ct)
    {
        while (_current is null || _offset == _current.Length)
        {
            if (!await _input.Reader.WaitToReadAsync(ct)) return 0;
            if (_input.Reader.TryRead(out var next)) { _current = next; _offset = 0; }
        }
        var n = Math.Min(into.Length, _current.Length - _offset);
        _current.AsMemory(_offset, n).CopyTo(into);
        _offset += n;
        return n;
    }

    public Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
        => Volatile.Read(ref _closedWrite) == 1 ? throw new IOException("stream closed") : _conn.SendDataAsync(Id, data, false, ct);

    /// <summary>Half-closes our side (an empty DATA frame with FIN); once.</summary>
    public async Task CloseWriteAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _closedWrite, 1) == 1) return;
        try { await _conn.SendDataAsync(Id, ReadOnlyMemory<byte>.Empty, true, ct); }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException) { }
    }

    /// <summary>Done with the stream on this side.</summary>
    public void Forget() => _conn.Forget(Id);
}
