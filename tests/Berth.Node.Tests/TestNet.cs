using System.Diagnostics;
using Berth.Kubelet.Network;

namespace Berth.Kubelet.Tests;

/// <summary>
/// A private pod network for one test: its own bridge name, a free /24 from 10.200–249.x, its own netns and iptables
/// chain prefixes and state directory, so tests (and a Berth on the default 10.88 bridge) never clash. Disposing kills
/// the processes it started and removes every namespace, the bridge and the chains.
/// </summary>
public sealed class TestNet : IAsyncDisposable
{
    private readonly List<Process> _processes = new();
    private readonly List<string> _etcNetns = new();

    private TestNet(string id, string cidr)
    {
        Id = id;
        PodCidr = cidr;
        StateDir = TempDirectory.Create("berth-net-");
    }

    public string Id { get; }
    public string BridgeName => "bt" + Id;
    public string NetnsPrefix => "bt" + Id + "-";
    public string ChainPrefix => "BT" + Id[..5];
    public string PodCidr { get; }
    public string Gateway => Ipv4Cidr.Format(Ipv4Cidr.Parse(PodCidr).Gateway);
    public string StateDir { get; }

    public BridgeNetworkOptions BridgeOptions => new() { StateDir = Path.Combine(StateDir, "ips"), BridgeName = BridgeName, PodCidr = PodCidr, NetnsPrefix = NetnsPrefix };

    public PodNetworkOptions HostOptions => new()
    {
        StateDir = StateDir, BridgeName = BridgeName, PodCidr = PodCidr, NetnsPrefix = NetnsPrefix, ChainPrefix = ChainPrefix,
        ForwardTimeout = TimeSpan.FromMilliseconds(500),
    };

    public ServiceRulesOptions RuleOptions => new() { ChainPrefix = ChainPrefix, BridgeName = BridgeName, PodCidr = PodCidr };

    /// <summary>A fresh network; fails with a clear message when not root or iproute2/iptables are missing.</summary>
    public static async Task<TestNet> CreateAsync()
    {
        Assert.True(Environment.IsPrivilegedProcess,
            "pod network tests need root (network namespaces, bridges and iptables); CI runs them as root");
        foreach (var tool in new[] { "ip", "iptables", "iptables-restore", "busybox" })
            Assert.True(OnPath(tool), $"pod network tests need `{tool}` (packages iproute2, iptables, busybox)");
        var routes = (await HostCommand.CheckAsync("ip", ["-4", "route", "show"])) + await HostCommand.CheckAsync("ip", ["-4", "addr", "show"]);
        for (int attempt = 0; attempt < 100; attempt++)
        {
            var b = Random.Shared.Next(200, 250);
            var c = Random.Shared.Next(0, 256);
            if (routes.Contains($"10.{b}.{c}.")) continue;
            return new TestNet(Guid.NewGuid().ToString("N")[..8], $"10.{b}.{c}.0/24");
        }
        throw new InvalidOperationException("no free 10.2xx.x.0/24 for a test bridge");
    }

    private static bool OnPath(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/sbin"))
            if (File.Exists(Path.Combine(dir, tool))) return true;
        return false;
    }

    public static PodNetworkRequest Pod(string name) => new("default", name, Guid.NewGuid().ToString(), name, null);

    /// <summary>Runs a program inside a pod's namespace (ip netns exec bind-mounts /etc/netns/NAME/* over /etc).</summary>
    public static Task<HostCommandResult> ExecAsync(PodNetworkStatus pod, params string[] args)
        => HostCommand.RunAsync("ip", ["netns", "exec", Path.GetFileName(pod.NetnsPath), .. args], timeout: TimeSpan.FromSeconds(20));

    /// <summary>
    /// GET / from inside a pod with busybox nc (busybox wget crashes on these machines): the body; fails the test
    /// with what nc printed if no response came.
    /// </summary>
    public static async Task<string> HttpGetFromAsync(PodNetworkStatus pod, string host, int port)
    {
        var r = await HostCommand.RunAsync("ip", ["netns", "exec", Path.GetFileName(pod.NetnsPath), "busybox", "nc", "-w", "3", host, port.ToString()],
            $"GET / HTTP/1.0\r\nHost: {host}\r\n\r\n", timeout: TimeSpan.FromSeconds(10));
        var body = r.Stdout.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(r.Ok && body >= 0, $"GET http://{host}:{port}/ from {pod.NetnsPath}: exit {r.ExitCode} {r.Stderr} {r.Stdout}");
        return r.Stdout[(body + 4)..];
    }

    /// <summary>Gives the pod's namespace a resolv.conf the way the kubelet writes it (used by `ip netns exec`).</summary>
    public void WriteResolvConf(PodNetworkStatus pod, string dnsServer, string ns, string domain = "cluster.local")
    {
        var dir = Path.Combine("/etc/netns", Path.GetFileName(pod.NetnsPath));
        Directory.CreateDirectory(dir);
        _etcNetns.Add(dir);
        File.WriteAllText(Path.Combine(dir, "resolv.conf"), Berth.Kubelet.Runc.PodEtcFiles.ResolvConf(
            new Berth.Api.Core.Pod { Metadata = new Berth.Api.Meta.ObjectMeta { Namespace = ns } }, dnsServer, domain));
    }

    /// <summary>busybox httpd serving <paramref name="body"/> as /index.html on the port, inside the pod; killed on dispose.</summary>
    public async Task ServeAsync(PodNetworkStatus pod, int port, string body)
    {
        var root = Path.Combine(StateDir, "www-" + Path.GetFileName(pod.NetnsPath));
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "index.html"), body);
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", Path.GetFileName(pod.NetnsPath), "busybox", "httpd", "-f", "-p", port.ToString(), "-h", root }) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _processes.Add(p);
        // Ready when the port accepts (from the host, which reaches every pod).
        for (int i = 0; i < 100; i++)
        {
            using (var probe = new System.Net.Sockets.TcpClient())
            {
                try
                {
                    await probe.ConnectAsync(System.Net.IPAddress.Parse(pod.Ip), port).WaitAsync(TimeSpan.FromSeconds(1));
                    return;
                }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or TimeoutException) { }
            }
            if (p.HasExited) Assert.Fail($"httpd in {pod.NetnsPath} exited {p.ExitCode}: {await p.StandardError.ReadToEndAsync()}");
            await Task.Delay(20);
        }
        Assert.Fail($"httpd in {pod.NetnsPath} did not listen on {port}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
        {
            try { if (!p.HasExited) p.Kill(); p.WaitForExit(5000); } catch (InvalidOperationException) { }
            p.Dispose();
        }
        if (Directory.Exists("/run/netns"))
            foreach (var ns in Directory.GetFiles("/run/netns", NetnsPrefix + "*"))
                await HostCommand.RunAsync("ip", ["netns", "del", Path.GetFileName(ns)]);
        foreach (var dir in _etcNetns) TempDirectory.Delete(dir);
        await HostCommand.RunAsync("ip", ["link", "del", BridgeName]);
        await ServiceProxy.RemoveAllAsync(RuleOptions);
        TempDirectory.Delete(StateDir);
    }
}
