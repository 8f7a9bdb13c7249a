using System.Net;
using System.Net.Sockets;

namespace Berth.Kubelet.ClusterDns;

/// <summary>
/// Sends names outside the cluster domain to the host's resolvers (the nameserver lines of /etc/resolv.conf), one fresh
/// UDP socket per query so answers cannot be confused. Each upstream gets a bounded wait; with none answering the caller
/// replies SERVFAIL at once rather than letting the pod's resolver hang.
/// </summary>
public sealed class DnsForwarder
{
    private readonly IPEndPoint[] _upstreams;
    private readonly TimeSpan _timeout;

    public DnsForwarder(IReadOnlyList<IPEndPoint> upstreams, TimeSpan timeout)
    {
        _upstreams = [.. upstreams];
        _timeout = timeout;
    }

    public IReadOnlyList<IPEndPoint> Upstreams => _upstreams;

    /// <summary>The IPv4 nameservers of a resolv.conf, leaving out <paramref name="self"/> (a loop) and unreadable lines.</summary>
    public static List<IPEndPoint> ReadResolvConf(string path, IPAddress? self)
    {
        var list = new List<IPEndPoint>();
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (IOException) { return list; }
        catch (UnauthorizedAccessException) { return list; }
        foreach (var raw in lines)
        {
            var parts = raw.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || parts[0] != "nameserver") continue;
            if (!IPAddress.TryParse(parts[1], out var ip) || ip.AddressFamily != AddressFamily.InterNetwork) continue;
            if (self is not null && ip.Equals(self)) continue;
            list.Add(new IPEndPoint(ip, 53));
        }
        return list;
    }

    /// <summary>The upstream's answer to <paramref name="query"/> (same id), or null if none answered in time.</summary>
    public async Task<byte[]?> ForwardAsync(byte[] query, ushort id, CancellationToken ct)
    {
        foreach (var upstream in _upstreams)
        {
            using var sock = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(_timeout);
            try
            {
                await sock.ConnectAsync(upstream, limit.Token);
                await sock.SendAsync(query, SocketFlags.None, limit.Token);
                var buf = new byte[65535];
                while (true)
                {
                    int n = await sock.ReceiveAsync(buf, SocketFlags.None, limit.Token);
                    // A stray datagram with another id is not our answer; keep waiting until the deadline.
                    if (n >= DnsMessage.HeaderLength && (buf[0] << 8 | buf[1]) == id) return buf.AsSpan(0, n).ToArray();
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
            catch (SocketException) { } // unreachable (ICMP refused): try the next one
        }
        return null;
    }
}
