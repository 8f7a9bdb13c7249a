using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;
using Berth.Kubelet.ClusterDns;
using Berth.Kubelet.Network;
using Xunit.Abstractions;

namespace Berth.Kubelet.Tests;

/// <summary>
/// The whole node network against a real API server, as root: pods in namespaces on a bridge, the DNS server on the
/// bridge's address asked by busybox nslookup from inside a pod, and ClusterIP DNAT from the host, from another pod
/// and from the backend itself (hairpin).
/// </summary>
public sealed class PodNetworkHostTests(ServerFixture fx, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    private IApiClient C => fx.Client;

    [Fact]
    public async Task PodsResolveClusterNamesAndReachClusterIPs()
    {
        await using var net = await TestNet.CreateAsync();
        await using var host = await PodNetworkHost.StartAsync(C, net.HostOptions);
        Assert.Equal(net.Gateway, host.Network.DnsServer);
        Assert.Equal("cluster.local", host.Network.ClusterDomain);

        var client = await host.Network.SetUpAsync(TestNet.Pod("client"), default);
        var web0 = await host.Network.SetUpAsync(TestNet.Pod("web-0"), default);
        var web1 = await host.Network.SetUpAsync(TestNet.Pod("web-1"), default);
        await net.ServeAsync(web0, 8080, "hello web-0");
        await net.ServeAsync(web1, 8080, "hello web-1");

        var ns = await T.NamespaceAsync(C);
        var (clusterIP, _) = await ClusterDnsTests.CreateServicesAsync(C, ns, web0.Ip, web1.Ip);
        int syncsBefore = host.Proxy.Syncs;
        await C.CreateAsync(new Endpoints
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = ns },
            Subsets = [new EndpointSubset
            {
                Addresses = [new EndpointAddress { Ip = web0.Ip }, new EndpointAddress { Ip = web1.Ip }],
                Ports = [new EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
            }],
        });
        await WaitForRuleAsync(net, clusterIP, present: true);
        Assert.True(host.Proxy.Syncs > syncsBefore);
        output.WriteLine($"service proxy: last sync {host.Proxy.LastSyncDuration.TotalMilliseconds:0} ms");

        // DNS from inside a pod, asking the bridge's address as the pod's resolv.conf will.
        var suffix = $"{ns}.svc.cluster.local";
        Assert.Equal([web0.Ip], await NslookupAsync(client, $"web-0.nginx.{suffix}", net.Gateway));
        Assert.Equal([clusterIP], await NslookupAsync(client, $"web.{suffix}", net.Gateway));
        Assert.Equal(new[] { web0.Ip, web1.Ip }.Order(StringComparer.Ordinal), await NslookupAsync(client, $"nginx.{suffix}", net.Gateway));
        var missing = await TestNet.ExecAsync(client, "busybox", "nslookup", $"nope.{suffix}", net.Gateway);
        Assert.Contains("NXDOMAIN", missing.Stdout + missing.Stderr);
        // Short names through the search path of the pod's resolv.conf (ndots:5 tries ns.svc.cluster.local first), with
        // glibc's resolver (busybox nslookup ignores search domains).
        net.WriteResolvConf(client, net.Gateway, ns);
        foreach (var (shortName, want) in new[] { ("web-0.nginx", web0.Ip), ("web", clusterIP), ($"web.{ns}", clusterIP), ($"web.{ns}.svc", clusterIP) })
        {
            var r = await TestNet.ExecAsync(client, "getent", "ahostsv4", shortName);
            Assert.True(r.Ok && r.Stdout.StartsWith(want + " "), $"getent ahostsv4 {shortName} in a pod: exit {r.ExitCode} {r.Stdout}{r.Stderr}");
        }

        // ClusterIP:80 → a ready endpoint's 8080: from the host, from another pod, and from a backend to itself.
        var seen = new HashSet<string>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (int i = 0; i < 20 && seen.Count < 2; i++) seen.Add(await http.GetStringAsync($"http://{clusterIP}/"));
        Assert.Equal(["hello web-0", "hello web-1"], seen.Order());
        Assert.StartsWith("hello web-", await TestNet.HttpGetFromAsync(client, clusterIP, 80));
        for (int i = 0; i < 4; i++) Assert.StartsWith("hello web-", await TestNet.HttpGetFromAsync(web0, clusterIP, 80));

        // Without endpoints the port is rejected at once instead of leaving the node.
        await C.DeleteAsync<Endpoints>(ns, "web");
        await WaitForRuleAsync(net, clusterIP, present: false);
        using var refused = new TcpClient();
        var e = await Assert.ThrowsAsync<SocketException>(() => refused.ConnectAsync(IPAddress.Parse(clusterIP), 80).WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);

        // A restarted host rebuilds the same rules from the API and keeps the pods' addresses.
        await C.CreateAsync(new Endpoints
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = ns },
            Subsets = [new EndpointSubset { Addresses = [new EndpointAddress { Ip = web1.Ip }], Ports = [new EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }] }],
        });
        await WaitForRuleAsync(net, clusterIP, present: true);
        await host.DisposeAsync();
        await using var again = await PodNetworkHost.StartAsync(C, net.HostOptions);
        Assert.Equal(3, again.Network.Allocations.Count);
        await T.EventuallyAsync(() => Task.FromResult(again.Proxy.Syncs > 0 ? "" : null), "first sync after restart");
        Assert.Equal("hello web-1", await http.GetStringAsync($"http://{clusterIP}/"));
        Assert.Equal("hello web-1", await TestNet.HttpGetFromAsync(web1, clusterIP, 80)); // its only endpoint is itself: hairpin
        Assert.Equal([web0.Ip], await NslookupAsync(client, $"web-0.nginx.{suffix}", net.Gateway));
    }

    /// <summary>The A records busybox nslookup prints for a name (its "Address:" lines after the server's own).</summary>
    private static async Task<List<string>> NslookupAsync(PodNetworkStatus pod, string name, string server)
    {
        var r = await TestNet.ExecAsync(pod, "busybox", "nslookup", "-type=a", name, server);
        Assert.True(r.Ok, $"nslookup {name} {server}: {r.Stdout}{r.Stderr}");
        var ips = new List<string>();
        bool pastServer = false;
        foreach (var line in r.Stdout.Split('\n'))
        {
            if (line.StartsWith("Name:")) pastServer = true;
            if (pastServer && line.StartsWith("Address:")) ips.Add(line["Address:".Length..].Trim());
        }
        ips.Sort(StringComparer.Ordinal);
        return ips;
    }

    private static async Task WaitForRuleAsync(TestNet net, string clusterIP, bool present)
    {
        await T.EventuallyAsync(async () =>
        {
            var save = await HostCommand.CheckAsync("iptables-save", ["-t", "nat"]);
            bool has = save.Contains($"-A {net.ChainPrefix}-SERVICES") && save.Contains($"-d {clusterIP}/32") && save.Contains($"-j {net.ChainPrefix}-SVC-");
            return has == present ? "" : null;
        }, $"DNAT rule for {clusterIP} {(present ? "installed" : "removed")}");
    }
}
