using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Kubelet.Network;

/// <summary>
/// The bridge plugin's job, done with iproute2: a Linux bridge with the pod CIDR's first address, and per pod a network
/// namespace (/run/netns/…) joined to the bridge by a veth pair (host end on the bridge, eth0 inside) with an address
/// from <see cref="IpAllocator"/>, loopback up and a default route via the bridge. Every step is idempotent, so SetUp
/// after a crash halfway through completes the pod's network; namespaces outlive the agent, so a restart keeps them.
/// Commands go to <c>ip -batch</c> as argument lists: names are derived from hashes, never from pod-controlled text.
/// </summary>
public sealed class BridgeNetwork : IPodNetwork
{
    private const string NetnsDir = "/run/netns";
    private readonly BridgeNetworkOptions _opts;
    private readonly ILogger _log;
    private readonly Ipv4Cidr _cidr;
    private readonly IpAllocator _ipam;
    // Striped per-pod locks: SetUp and TearDown of one pod never interleave; different pods mostly run in parallel.
    private readonly SemaphoreSlim[] _podLocks = CreateLocks(64);

    private BridgeNetwork(BridgeNetworkOptions opts, ILogger log)
    {
        _opts = opts;
        _log = log;
        _cidr = Ipv4Cidr.Parse(opts.PodCidr);
        if (opts.BridgeName.Length is 0 or > 15) throw new ArgumentException($"invalid bridge name {opts.BridgeName}: 1 to 15 characters");
        _ipam = new IpAllocator(opts.StateDir, _cidr);
        Gateway = Ipv4Cidr.Format(_cidr.Gateway);
    }

    /// <summary>Makes sure the bridge exists, is addressed and up, and frees addresses whose namespaces are gone.</summary>
    public static async Task<BridgeNetwork> CreateAsync(BridgeNetworkOptions opts, ILogger? log = null, CancellationToken ct = default)
    {
        var n = new BridgeNetwork(opts, log ?? NullLogger.Instance);
        await n.EnsureBridgeAsync(ct);
        var freed = n._ipam.ReleaseUnless(uid => File.Exists(n.NetnsPath(uid)));
        if (freed > 0) n._log.LogInformation("pod network: freed {Count} addresses whose namespaces are gone", freed);
        await n.RemoveOrphansAsync(ct);
        return n;
    }

    /// <summary>
    /// Removes namespaces on this bridge that no allocation accounts for (the state directory was lost, e.g. a data
    /// directory deleted under a running node): their addresses are unknown to the IPAM and would be handed out twice.
    /// An allocation is always written before its namespace is made and freed after it is deleted, so a namespace
    /// without one is never a pod in flight.
    /// </summary>
    private async Task RemoveOrphansAsync(CancellationToken ct)
    {
        if (!Directory.Exists(NetnsDir)) return;
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var uid in _ipam.Allocations.Keys) known.Add(Hash(uid));
        foreach (var path in Directory.GetFiles(NetnsDir, _opts.NetnsPrefix + "*"))
        {
            var hash = Path.GetFileName(path)[_opts.NetnsPrefix.Length..];
            if (known.Contains(hash)) continue;
            var master = new FileInfo($"/sys/class/net/bv{hash}/master").LinkTarget;
            if (master is null || Path.GetFileName(master) != _opts.BridgeName) continue; // not provably ours
            _log.LogWarning("pod network: removing namespace {Netns}: on bridge {Bridge} but without an address allocation", Path.GetFileName(path), _opts.BridgeName);
            await IgnoreMissingAsync(["link", "del", "bv" + hash], ct);
            await IgnoreMissingAsync(["netns", "del", Path.GetFileName(path)], ct);
        }
    }

    public string DnsServer => Gateway;
    public string ClusterDomain => _opts.ClusterDomain;
    public string Gateway { get; }
    public string BridgeName => _opts.BridgeName;
    public Ipv4Cidr Cidr => _cidr;
    /// <summary>Pod UID → address, for every pod that has one.</summary>
    public IReadOnlyDictionary<string, string> Allocations => _ipam.Allocations;

    /// <summary>The namespace's name: the prefix and 12 hex digits of the UID's SHA-256 (UIDs never reach a command line).</summary>
    public string NetnsName(string podUid) => _opts.NetnsPrefix + Hash(podUid);
    public string NetnsPath(string podUid) => Path.Combine(NetnsDir, NetnsName(podUid));
    /// <summary>The host end of the pod's veth pair ("bv" + 12 hex digits: 14 of the 15 characters Linux allows).</summary>
    public static string HostVethName(string podUid) => "bv" + Hash(podUid);

    public async Task<PodNetworkStatus> SetUpAsync(PodNetworkRequest request, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var gate = LockFor(request.Uid);
        await gate.WaitAsync(ct);
        try
        {
            var ip = _ipam.Allocate(request.Uid);
            var netns = NetnsName(request.Uid);
            var veth = HostVethName(request.Uid);
            var host = new StringBuilder();
            if (!File.Exists(NetnsPath(request.Uid))) host.Append("netns add ").Append(netns).Append('\n');
            // A veth pair lives or dies as one: the host end is missing iff the pod's eth0 is too.
            if (!Directory.Exists("/sys/class/net/" + veth)) host.Append("link add ").Append(veth).Append(" type veth peer name eth0 netns ").Append(netns).Append('\n');
            host.Append("link set ").Append(veth).Append(" master ").Append(_opts.BridgeName).Append('\n');
            host.Append("link set ").Append(veth).Append(" up\n");
            // Hairpin: a pod that reaches itself through a ClusterIP gets its packets back on the port they came from.
            host.Append("link set dev ").Append(veth).Append(" type bridge_slave hairpin on\n");
            await HostCommand.CheckAsync("ip", ["-batch", "-"], host.ToString(), ct);
            var pod = $"addr replace {ip}/{_cidr.PrefixLength} dev eth0\nlink set eth0 up\nlink set lo up\nroute replace default via {Gateway}\n";
            await HostCommand.CheckAsync("ip", ["-netns", netns, "-batch", "-"], pod, ct);
            _log.LogDebug("pod network: {Ns}/{Name} has {Ip} in {Netns} ({Ms} ms)", request.Namespace, request.Name, ip, netns, sw.ElapsedMilliseconds);
            return new PodNetworkStatus(NetnsPath(request.Uid), ip);
        }
        finally { gate.Release(); }
    }

    public async Task TearDownAsync(string podUid, CancellationToken ct)
    {
        var gate = LockFor(podUid);
        await gate.WaitAsync(ct);
        try
        {
            var veth = HostVethName(podUid);
            // The veth goes first: if a process still holds the namespace, deleting only the name would leave eth0 alive.
            if (Directory.Exists("/sys/class/net/" + veth)) await IgnoreMissingAsync(["link", "del", veth], ct);
            if (File.Exists(NetnsPath(podUid))) await IgnoreMissingAsync(["netns", "del", NetnsName(podUid)], ct);
            _ipam.Release(podUid);
        }
        finally { gate.Release(); }
    }

    private async Task EnsureBridgeAsync(CancellationToken ct)
    {
        var br = _opts.BridgeName;
        if (!Directory.Exists("/sys/class/net/" + br))
        {
            var add = await HostCommand.RunAsync("ip", ["link", "add", "name", br, "type", "bridge"], ct: ct);
            if (!add.Ok && !Directory.Exists("/sys/class/net/" + br))
                throw new HostCommandException($"cannot create the pod bridge {br}: {add.Stderr.Trim()}");
        }
        await HostCommand.CheckAsync("ip", ["-batch", "-"], $"addr replace {Gateway}/{_cidr.PrefixLength} dev {br}\nlink set {br} up\n", ct);
    }

    private static async Task IgnoreMissingAsync(string[] args, CancellationToken ct)
    {
        var r = await HostCommand.RunAsync("ip", args, ct: ct);
        // A concurrent teardown or the kernel (the peer went with its namespace) may have removed it already.
        if (!r.Ok && !r.Stderr.Contains("No such file") && !r.Stderr.Contains("Cannot find device") && !r.Stderr.Contains("does not exist"))
            throw new HostCommandException($"ip {string.Join(' ', args)} exited {r.ExitCode}: {r.Stderr.Trim()}");
    }

    private SemaphoreSlim LockFor(string podUid) => _podLocks[(uint)StringComparer.Ordinal.GetHashCode(podUid) % (uint)_podLocks.Length];

    private static SemaphoreSlim[] CreateLocks(int n)
    {
        var locks = new SemaphoreSlim[n];
        for (int i = 0; i < n; i++) locks[i] = new SemaphoreSlim(1, 1);
        return locks;
    }

    private static string Hash(string s)
    {
        Span<byte> h = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(s), h);
        return Convert.ToHexStringLower(h[..6]);
    }
}
