using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Kubelet.ClusterDns;

/// <summary>
/// The cluster DNS server: UDP and TCP (RFC 7766, two-byte length prefix) on one address and port, normally the pod
/// bridge's gateway address, port 53. Cluster-domain questions are answered by <see cref="ClusterDnsResolver"/> from
/// the caches; other names are forwarded (<see cref="DnsForwarder"/>), SERVFAIL if no upstream answers. A malformed
/// query gets FORMERR when its header is readable and is dropped otherwise; nothing a client sends can stop the loops.
/// </summary>
public sealed class ClusterDnsServer : IAsyncDisposable
{
    private const int MaxTcpClients = 64;
    private static readonly TimeSpan TcpIdle = TimeSpan.FromSeconds(10);
    private readonly ClusterDnsResolver _resolver;
    private readonly DnsForwarder _forwarder;
    private readonly ILogger _log;
    private readonly Socket _udp;
    private readonly TcpListener _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _udpLoop;
    private readonly Task _tcpLoop;
    private int _tcpClients;
    private int _disposed;

    private ClusterDnsServer(ClusterDnsResolver resolver, DnsForwarder forwarder, IPEndPoint at, ILogger log)
    {
        _resolver = resolver;
        _forwarder = forwarder;
        _log = log;
        // Port 0: the port UDP is given may be taken for TCP (a free UDP port says nothing of TCP); then another.
        for (int attempt = 1; ; attempt++)
        {
            try { (_udp, _tcp) = Listen(at); break; }
            catch (InvalidOperationException e) when (at.Port == 0 && attempt < 10
                && e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }) { }
        }
        EndPoint = (IPEndPoint)_udp.LocalEndPoint!;
        _udpLoop = Task.Run(UdpLoopAsync);
        _tcpLoop = Task.Run(TcpLoopAsync);
    }

    /// <summary>Binds UDP on <paramref name="at"/>, and TCP on the port UDP got.</summary>
    private static (Socket Udp, TcpListener Tcp) Listen(IPEndPoint at)
    {
        var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try { udp.Bind(at); }
        catch (SocketException e)
        {
            udp.Dispose();
            throw new InvalidOperationException($"the cluster DNS server cannot listen on {at} (udp): {e.Message}", e);
        }
        var bound = (IPEndPoint)udp.LocalEndPoint!;
        var tcp = new TcpListener(bound);
        try
        {
            tcp.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            tcp.Start();
            return (udp, tcp);
        }
        catch (SocketException e)
        {
            udp.Dispose();
            tcp.Stop();
            throw new InvalidOperationException($"the cluster DNS server cannot listen on {bound} (tcp): {e.Message}", e);
        }
    }

    /// <summary>Starts serving on <paramref name="at"/> (port 0: a free UDP port, and TCP on the same number).</summary>
    public static ClusterDnsServer Start(ClusterDnsResolver resolver, DnsForwarder forwarder, IPEndPoint at, ILogger? log = null)
        => new(resolver, forwarder, at, log ?? NullLogger.Instance);

    public IPEndPoint EndPoint { get; }

    /// <summary>The reply to one query message, or null to stay silent (not even a header to answer).</summary>
    public async Task<byte[]?> HandleAsync(byte[] query, int maxUdpSize, CancellationToken ct)
    {
        DnsMessage q;
        try { q = DnsMessage.Parse(query); }
        catch (DnsFormatException)
        {
            if (!DnsMessage.TryReadId(query, out var id) || (query[2] & 0x80) != 0) return null;
            return new DnsMessage { Id = id, IsResponse = true, Rcode = DnsRcode.FormErr }.Write();
        }
        if (q.IsResponse) return null; // never answer answers (reflection loops)
        var r = new DnsMessage { Id = q.Id, IsResponse = true, Opcode = q.Opcode, RecursionDesired = q.RecursionDesired, RecursionAvailable = true };
        r.Questions.AddRange(q.Questions);
        int limit = maxUdpSize;
        if (q.EdnsUdpSize is { } edns)
        {
            limit = maxUdpSize == ushort.MaxValue ? maxUdpSize : Math.Clamp((int)edns, 512, 4096);
            r.Additional.Add(DnsRecord.Opt(4096));
        }
        if (q.Opcode != 0) { r.Rcode = DnsRcode.NotImp; return r.Write(limit); }
        if (q.Questions.Count != 1) { r.Rcode = DnsRcode.FormErr; return r.Write(limit); }
        var question = q.Questions[0];
        if (question.Class == DnsType.ClassIN && _resolver.IsInZone(question.Name))
        {
            var answers = new DnsMessage();
            _resolver.Answer(question, answers);
            r.Authoritative = true;
            r.Rcode = answers.Rcode;
            r.Answers.AddRange(answers.Answers);
            r.Authority.AddRange(answers.Authority);
            r.Additional.InsertRange(0, answers.Additional);
            return r.Write(limit);
        }
        if (await _forwarder.ForwardAsync(query, q.Id, ct) is { } upstream) return upstream;
        r.Rcode = DnsRcode.ServFail;
        return r.Write(limit);
    }

    private async Task UdpLoopAsync()
    {
        var buf = new byte[65535];
        var any = new IPEndPoint(IPAddress.Any, 0);
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            SocketReceiveFromResult got;
            try { got = await _udp.ReceiveFromAsync(buf, SocketFlags.None, any, ct); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException e)
            {
                // ICMP errors from earlier replies surface here (ConnectionReset); the socket itself is fine.
                _log.LogDebug("dns: udp receive: {Error}", e.SocketErrorCode);
                continue;
            }
            var query = buf.AsSpan(0, got.ReceivedBytes).ToArray();
            var client = got.RemoteEndPoint;
            _ = Task.Run(async () =>
            {
                try
                {
                    if (await HandleAsync(query, 512, ct) is { } reply) await _udp.SendToAsync(reply, SocketFlags.None, client, ct);
                }
                catch (OperationCanceledException) { }
                catch (ObjectDisposedException) { }
                catch (Exception e) { _log.LogWarning("dns: udp query from {Client} failed: {Error}", client, e.Message); }
            }, CancellationToken.None);
        }
    }

    private async Task TcpLoopAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            Socket conn;
            try { conn = await _tcp.AcceptSocketAsync(ct); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; }
            if (Interlocked.Increment(ref _tcpClients) > MaxTcpClients)
            {
                Interlocked.Decrement(ref _tcpClients);
                conn.Dispose();
                continue;
            }
            _ = Task.Run(async () =>
            {
                try { await ServeTcpAsync(conn, ct); }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
                catch (Exception e) { _log.LogWarning("dns: tcp client failed: {Error}", e.Message); }
                finally
                {
                    conn.Dispose();
                    Interlocked.Decrement(ref _tcpClients);
                }
            }, CancellationToken.None);
        }
    }

    private async Task ServeTcpAsync(Socket conn, CancellationToken ct)
    {
        var len = new byte[2];
        while (true)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
            idle.CancelAfter(TcpIdle);
            if (!await ReadExactlyAsync(conn, len, idle.Token)) return;
            var query = new byte[BinaryPrimitives.ReadUInt16BigEndian(len)];
            if (!await ReadExactlyAsync(conn, query, idle.Token)) return;
            var reply = await HandleAsync(query, ushort.MaxValue, ct);
            if (reply is null) return;
            var framed = new byte[reply.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)reply.Length);
            reply.CopyTo(framed, 2);
            await conn.SendAsync(framed, SocketFlags.None, ct);
        }
    }

    private static async Task<bool> ReadExactlyAsync(Socket s, byte[] buf, CancellationToken ct)
    {
        int got = 0;
        while (got < buf.Length)
        {
            int n = await s.ReceiveAsync(buf.AsMemory(got), SocketFlags.None, ct);
            if (n == 0) return false;
            got += n;
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stop.Cancel();
        _udp.Dispose();
        _tcp.Stop();
        try { await Task.WhenAll(_udpLoop, _tcpLoop).WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or ObjectDisposedException or SocketException) { }
        _stop.Dispose();
    }
}
