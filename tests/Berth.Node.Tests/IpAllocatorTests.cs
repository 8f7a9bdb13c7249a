using Berth.Kubelet.Network;

namespace Berth.Kubelet.Tests;

/// <summary>File-per-address IPAM: no duplicates, restart keeps allocations, stale ones can be freed, round-robin reuse.</summary>
public sealed class IpAllocatorTests : IDisposable
{
    private readonly string _dir = TempDirectory.Create("berth-ipam-");

    public void Dispose() => TempDirectory.Delete(_dir);

    [Fact]
    public void AllocationsAreUniqueStableAndSurviveARestart()
    {
        var cidr = Ipv4Cidr.Parse("10.77.0.0/29"); // .2 to .6 for pods
        var a = new IpAllocator(_dir, cidr);
        var ips = Enumerable.Range(0, 5).Select(i => a.Allocate("pod-" + i)).ToList();
        Assert.Equal(["10.77.0.2", "10.77.0.3", "10.77.0.4", "10.77.0.5", "10.77.0.6"], ips);
        Assert.Equal("10.77.0.3", a.Allocate("pod-1")); // idempotent
        Assert.Throws<InvalidOperationException>(() => a.Allocate("pod-x"));

        var restarted = new IpAllocator(_dir, cidr);
        Assert.Equal("10.77.0.5", restarted.Get("pod-3"));
        restarted.Release("pod-1");
        Assert.Equal(1, restarted.ReleaseUnless(uid => uid != "pod-4"));
        // Round-robin after the last given address: .6 was last and .2 is taken, so .3 comes next, then .6.
        Assert.Equal("10.77.0.3", restarted.Allocate("pod-y"));
        Assert.Equal("10.77.0.6", restarted.Allocate("pod-z"));
        Assert.Equal(["10.77.0.2", "10.77.0.3", "10.77.0.4", "10.77.0.5", "10.77.0.6", "last_reserved_ip"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void TwoAllocatorsOnOneDirectoryNeverShareAnAddress()
    {
        var cidr = Ipv4Cidr.Parse("10.77.0.0/24");
        var a = new IpAllocator(_dir, cidr);
        var b = new IpAllocator(_dir, cidr);
        var fromA = Enumerable.Range(0, 20).Select(i => a.Allocate("a" + i));
        var fromB = Enumerable.Range(0, 20).Select(i => b.Allocate("b" + i));
        var all = fromA.Zip(fromB).SelectMany(p => new[] { p.First, p.Second }).ToList();
        Assert.Equal(40, all.Distinct().Count());
    }

    [Fact]
    public void AnEmptyFileFromACrashIsNotAnAllocation()
    {
        var cidr = Ipv4Cidr.Parse("10.77.0.0/24");
        File.WriteAllText(Path.Combine(_dir, "10.77.0.2"), "");
        var a = new IpAllocator(_dir, cidr);
        Assert.Equal("10.77.0.2", a.Allocate("p"));
    }
}
