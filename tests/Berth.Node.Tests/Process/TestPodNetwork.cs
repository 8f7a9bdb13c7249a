using System.Collections.Concurrent;
using System.Diagnostics;
using Berth.Kubelet.Network;

namespace Berth.Kubelet.Tests.Process;

/// <summary>
/// A stand-in for the node's pod network in runtime tests: per pod a network namespace and a veth pair with a /30 of its
/// own (host side .1, pod side .2), so the host reaches the pod's address without a bridge. Only namespaces it creates
/// receive traffic.
/// </summary>
public sealed class TestPodNetwork : IPodNetwork
{
    private static int _next = Random.Shared.Next(0, 4000);
    private readonly ConcurrentDictionary<string, PodNetworkStatus> _pods = new();

    public string DnsServer => "10.96.0.10";
    public string ClusterDomain => "cluster.local";
    public int TornDown;

    public Task<PodNetworkStatus> SetUpAsync(PodNetworkRequest request, CancellationToken ct)
    {
        lock (_pods)
        {
            if (_pods.TryGetValue(request.Uid, out var s)) return Task.FromResult(s);
            var n = Interlocked.Increment(ref _next) % 16000;
            var id = request.Uid.Replace("-", "")[..10];
            var ns = "bt-" + id;
            var host = "bth" + id;
            var baseIp = $"10.{200 + n / 4096}.{n / 16 % 256}.{n % 16 * 16}";
            var prefix = baseIp[..baseIp.LastIndexOf('.')];
            var last = int.Parse(baseIp[(baseIp.LastIndexOf('.') + 1)..]);
            var hostIp = $"{prefix}.{last + 1}";
            var podIp = $"{prefix}.{last + 2}";
            Ip("netns", "add", ns);
            Ip("link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", ns);
            Ip("addr", "add", hostIp + "/30", "dev", host);
            Ip("link", "set", host, "up");
            Ip("-n", ns, "addr", "add", podIp + "/30", "dev", "eth0");
            Ip("-n", ns, "link", "set", "eth0", "up");
            Ip("-n", ns, "link", "set", "lo", "up");
            s = new PodNetworkStatus("/run/netns/" + ns, podIp);
            _pods[request.Uid] = s;
            return Task.FromResult(s);
        }
    }

    public Task TearDownAsync(string podUid, CancellationToken ct)
    {
        if (_pods.TryRemove(podUid, out var s))
        {
            Interlocked.Increment(ref TornDown);
            var ns = Path.GetFileName(s.NetnsPath);
            Ip("netns", "del", ns); // the veth pair goes with it
        }
        return Task.CompletedTask;
    }

    /// <summary>Removes every namespace this network made (test clean-up).</summary>
    public void DeleteAll()
    {
        foreach (var uid in _pods.Keys) TearDownAsync(uid, default).Wait();
    }

    private static void Ip(params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"ip {string.Join(' ', args)}: {err.Trim()}");
    }
}
