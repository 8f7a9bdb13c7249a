using System.Collections.Concurrent;
using System.Diagnostics;
using Berth.Kubelet.Network;

namespace Berth.Kubelet.Tests.Runc;

/// <summary>
/// A minimal pod network for the runtime tests (the product uses <see cref="BridgeNetwork"/>): per pod a network namespace and a veth pair with a /30
/// of its own in 10.252.0.0/14 (outside the 10.200–249 range TestNet draws from) (host side .1, pod side .2), so the host reaches each pod's address; pods do not reach each
/// other and there is no DNS server behind <see cref="DnsServer"/>. Idempotent, and a restarted agent finds a pod's
/// namespace and address again. Only namespaces it creates receive traffic.
/// </summary>
public sealed class PointToPointPodNetwork : IPodNetwork
{
    private readonly ConcurrentDictionary<string, PodNetworkStatus> _pods = new();
    private readonly HashSet<int> _blocks = new();

    public string DnsServer { get; init; } = "10.96.0.10";
    public string ClusterDomain { get; init; } = "cluster.local";

    public Task<PodNetworkStatus> SetUpAsync(PodNetworkRequest request, CancellationToken ct)
    {
        lock (_blocks)
        {
            if (_pods.TryGetValue(request.Uid, out var s)) return Task.FromResult(s);
            var id = request.Uid.Replace("-", "");
            id = id.Length >= 10 ? id[..10] : id;
            var ns = "bp-" + id;
            var host = "bph" + id;
            if (File.Exists("/run/netns/" + ns))
            {
                // Adopt: the pod side's address is in the namespace.
                var addr = Ip(true, "-n", ns, "-4", "-o", "addr", "show", "dev", "eth0");
                var f = addr.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var i = Array.IndexOf(f, "inet");
                if (i >= 0 && i + 1 < f.Length)
                {
                    s = new PodNetworkStatus("/run/netns/" + ns, f[i + 1].Split('/')[0]);
                    _blocks.Add(BlockOf(s.Ip));
                    return Task.FromResult(_pods[request.Uid] = s);
                }
                Ip(false, "netns", "del", ns);
            }
            int block = (int)(BitConverter.ToUInt32(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(request.Uid))) % 65536);
            while (_blocks.Contains(block) || block == 0) block = (block + 1) % 65536;
            _blocks.Add(block);
            var b = 10 << 24 | 252 << 16 | block << 2; // 10.252.0.0/14 in /30s
            string At(int off) { var a = b + off; return $"{a >> 24 & 255}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}"; }
            Ip(false, "netns", "add", ns);
            Ip(false, "link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", ns);
            Ip(false, "addr", "add", At(1) + "/30", "dev", host);
            Ip(false, "link", "set", host, "up");
            Ip(false, "-n", ns, "addr", "add", At(2) + "/30", "dev", "eth0");
            Ip(false, "-n", ns, "link", "set", "eth0", "up");
            Ip(false, "-n", ns, "link", "set", "lo", "up");
            Ip(false, "-n", ns, "route", "add", "default", "via", At(1));
            s = new PodNetworkStatus("/run/netns/" + ns, At(2));
            _pods[request.Uid] = s;
            return Task.FromResult(s);
        }
    }

    public Task TearDownAsync(string podUid, CancellationToken ct)
    {
        lock (_blocks)
        {
            var id = podUid.Replace("-", "");
            var ns = "bp-" + (id.Length >= 10 ? id[..10] : id);
            if (_pods.TryRemove(podUid, out var s)) _blocks.Remove(BlockOf(s.Ip));
            if (File.Exists("/run/netns/" + ns)) Ip(false, "netns", "del", ns); // the veth pair goes with it
        }
        return Task.CompletedTask;
    }

    private static int BlockOf(string ip)
    {
        var p = ip.Split('.');
        return ((int.Parse(p[1]) - 200) << 14 | int.Parse(p[2]) << 6 | int.Parse(p[3]) >> 2) & 65535;
    }

    private static string Ip(bool tolerant, params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi) ?? throw new InvalidOperationException("cannot run ip");
        var o = p.StandardOutput.ReadToEnd();
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 && !tolerant) throw new InvalidOperationException($"ip {string.Join(' ', args)}: {err.Trim()}");
        return o;
    }
}
