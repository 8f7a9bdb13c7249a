using System.Diagnostics;
using Berth.Kubelet.Network;
using Xunit.Abstractions;

namespace Berth.Kubelet.Tests;

/// <summary>The bridge network for real, as root: namespaces, veths, addresses, reachability, restart and teardown.</summary>
public sealed class PodNetworkTests(ITestOutputHelper output)
{
    [Fact]
    public async Task PodsReachEachOtherAndTheHostReachesThem()
    {
        await using var net = await TestNet.CreateAsync();
        var network = await BridgeNetwork.CreateAsync(net.BridgeOptions);
        var a = await network.SetUpAsync(TestNet.Pod("a"), default);
        var reqB = TestNet.Pod("b");
        var b = await network.SetUpAsync(reqB, default);

        Assert.NotEqual(a.Ip, b.Ip);
        Assert.True(network.Cidr.Contains(Ipv4Cidr.ToUInt(System.Net.IPAddress.Parse(a.Ip))));
        Assert.True(File.Exists(a.NetnsPath), a.NetnsPath);
        Assert.Equal(b, await network.SetUpAsync(reqB, default)); // idempotent

        // Inside the pod: eth0 with its address, lo up, default route via the bridge.
        var addr = await TestNet.ExecAsync(b, "ip", "-4", "addr", "show");
        Assert.Contains($"inet {b.Ip}/24", addr.Stdout);
        Assert.Contains("inet 127.0.0.1/8", addr.Stdout);
        Assert.Contains($"default via {net.Gateway} dev eth0", (await TestNet.ExecAsync(b, "ip", "route")).Stdout);

        var ping = await TestNet.ExecAsync(a, "busybox", "ping", "-c", "1", "-W", "2", b.Ip);
        Assert.True(ping.Ok, $"ping a→b: {ping.Stdout}{ping.Stderr}");

        await net.ServeAsync(b, 8080, "hello from b");
        // Host → pod.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        Assert.Equal("hello from b", await http.GetStringAsync($"http://{b.Ip}:8080/"));
        // Pod → pod over TCP.
        Assert.Equal("hello from b", await TestNet.HttpGetFromAsync(a, b.Ip, 8080));

        await network.TearDownAsync(reqB.Uid, default);
        Assert.False(File.Exists(b.NetnsPath));
        Assert.False(Directory.Exists("/sys/class/net/" + BridgeNetwork.HostVethName(reqB.Uid)));
        Assert.DoesNotContain(reqB.Uid, network.Allocations.Keys);
        await network.TearDownAsync(reqB.Uid, default); // tearing down twice does nothing
        var gone = await TestNet.ExecAsync(a, "busybox", "ping", "-c", "1", "-W", "1", b.Ip);
        Assert.False(gone.Ok, "b's address still answers after teardown");
    }

    [Fact]
    public async Task ARestartedNetworkKeepsLiveAddressesAndFreesStaleOnes()
    {
        await using var net = await TestNet.CreateAsync();
        var first = await BridgeNetwork.CreateAsync(net.BridgeOptions);
        var reqA = TestNet.Pod("a");
        var reqB = TestNet.Pod("b");
        var a = await first.SetUpAsync(reqA, default);
        var b = await first.SetUpAsync(reqB, default);
        // b's namespace disappears while the agent is down (a reboot, an operator): its address must come back.
        await HostCommand.CheckAsync("ip", ["netns", "del", Path.GetFileName(b.NetnsPath)]);

        var second = await BridgeNetwork.CreateAsync(net.BridgeOptions);
        Assert.Equal(new Dictionary<string, string> { [reqA.Uid] = a.Ip }, second.Allocations);
        Assert.Equal(a, await second.SetUpAsync(reqA, default));
        var c = await second.SetUpAsync(TestNet.Pod("c"), default);
        Assert.NotEqual(a.Ip, c.Ip);
        var ping = await TestNet.ExecAsync(c, "busybox", "ping", "-c", "1", "-W", "2", a.Ip);
        Assert.True(ping.Ok, $"ping c→a after restart: {ping.Stdout}{ping.Stderr}");

        // The state directory is lost (a data directory deleted under running pods): the namespaces on the bridge that
        // no allocation accounts for are removed, so their addresses cannot be handed out twice.
        Directory.Delete(net.BridgeOptions.StateDir, true);
        var third = await BridgeNetwork.CreateAsync(net.BridgeOptions);
        Assert.Empty(third.Allocations);
        Assert.False(File.Exists(a.NetnsPath));
        Assert.False(File.Exists(c.NetnsPath));
    }

    [Fact]
    public async Task SetUpAndTearDownTimes()
    {
        await using var net = await TestNet.CreateAsync();
        var network = await BridgeNetwork.CreateAsync(net.BridgeOptions);
        const int pods = 20;
        var reqs = Enumerable.Range(0, pods).Select(i => TestNet.Pod("p" + i)).ToList();
        var setUp = new List<double>();
        var sw = Stopwatch.StartNew();
        foreach (var r in reqs)
        {
            sw.Restart();
            await network.SetUpAsync(r, default);
            setUp.Add(sw.Elapsed.TotalMilliseconds);
        }
        sw.Restart();
        await Task.WhenAll(Enumerable.Range(0, pods).Select(i => network.SetUpAsync(TestNet.Pod("q" + i), default)));
        var parallel = sw.Elapsed.TotalMilliseconds;
        Assert.Equal(2 * pods, network.Allocations.Values.Distinct().Count());
        var tearDown = new List<double>();
        foreach (var r in reqs)
        {
            sw.Restart();
            await network.TearDownAsync(r.Uid, default);
            tearDown.Add(sw.Elapsed.TotalMilliseconds);
        }
        setUp.Sort();
        tearDown.Sort();
        output.WriteLine($"pod network set-up: p50 {setUp[pods / 2]:0.0} ms, max {setUp[^1]:0.0} ms; {pods} in parallel: {parallel:0} ms; tear-down p50 {tearDown[pods / 2]:0.0} ms, max {tearDown[^1]:0.0} ms");
        Assert.True(setUp[pods / 2] < 500, $"set-up p50 {setUp[pods / 2]} ms");
        Assert.Equal(pods, network.Allocations.Count);
    }
}
