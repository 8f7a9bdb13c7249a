using System.Diagnostics;
using Berth.Api.Core;
using Berth.Client;
using Microsoft.Extensions.Logging;

namespace Berth.Kubelet.Network;

/// <summary>
/// The node's kube-proxy (iptables mode): watches Services and Endpoints and, on any change, rewrites its own chains
/// in one iptables-restore --noflush (<see cref="ServiceRules"/>), so ClusterIP:port reaches a ready endpoint from the
/// host (nat OUTPUT) and from pods (nat PREROUTING). Every sync rebuilds from the caches and the chains found in the
/// kernel, so a restart or a crash between syncs converges; rules are left in place on shutdown.
/// </summary>
public sealed class ServiceProxy : Controller
{
    private const string SyncKey = "all";
    private readonly SharedInformer<Service> _services;
    private readonly SharedInformer<Endpoints> _endpoints;
    private readonly ServiceRulesOptions _opts;
    private bool _hooked;

    public ServiceProxy(InformerFactory informers, ServiceRulesOptions opts, ILogger? log = null) : base("service-proxy", log)
    {
        if (opts.ChainPrefix.Length is 0 or > 7) throw new ArgumentException($"invalid chain prefix {opts.ChainPrefix}: 1 to 7 characters");
        _opts = opts;
        _services = informers.For<Service>();
        _endpoints = informers.For<Endpoints>();
        _services.AddEventHandler(_ => Queue.Add(SyncKey), (_, _) => Queue.Add(SyncKey), _ => Queue.Add(SyncKey));
        _endpoints.AddEventHandler(_ => Queue.Add(SyncKey), (o, n) => { if (o.Metadata.ResourceVersion != n.Metadata.ResourceVersion) Queue.Add(SyncKey); }, _ => Queue.Add(SyncKey));
        WaitFor(_services);
        WaitFor(_endpoints);
        Queue.Add(SyncKey); // the first sync runs even with no services: it installs the forward rules and hooks
    }

    /// <summary>How many syncs have been applied, and how long the last one took (for tests and benchmarks).</summary>
    public int Syncs { get; private set; }
    public TimeSpan LastSyncDuration { get; private set; }

    protected override async Task SyncAsync(string key, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var existing = await NatChainsAsync(_opts.ChainPrefix, ct);
        var doc = ServiceRules.Build(_services.List(), (ns, name) => _endpoints.Get(ns, name), _opts, existing);
        try
        {
            await HostCommand.CheckAsync("iptables-restore", ["-w", "--noflush"], doc, ct);
            if (!_hooked) await EnsureHooksAsync(ct);
        }
        catch
        {
            _hooked = false; // look at the hooks again next time: someone may have flushed the built-in chains
            throw;
        }
        _hooked = true;
        LastSyncDuration = sw.Elapsed;
        Syncs++;
        Log.LogDebug("service-proxy: rules for {Count} services applied in {Ms} ms", _services.Count, sw.ElapsedMilliseconds);
    }

    /// <summary>Host settings the rules need: forwarding (pod → ClusterIP → pod is routed), and bridged packets through iptables.</summary>
    public static ServiceRulesOptions PrepareHost(ServiceRulesOptions opts, ILogger log)
    {
        TryWrite("/proc/sys/net/ipv4/ip_forward", "1", log);
        const string brnf = "/proc/sys/net/bridge/bridge-nf-call-iptables";
        if (File.Exists(brnf) && TryWrite(brnf, "1", log)) return opts;
        log.LogWarning("service-proxy: {Path} is not available; masquerading all pod traffic to ClusterIPs", brnf);
        return opts with { MasqueradeAllPodTraffic = true };
    }

    private static bool TryWrite(string path, string value, ILogger log)
    {
        try
        {
            if (File.Exists(path) && File.ReadAllText(path).Trim() == value) return true;
            File.WriteAllText(path, value);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogWarning("service-proxy: cannot set {Path} to {Value}: {Error}", path, value, e.Message);
            return false;
        }
    }

    /// <summary>The jumps from the built-in chains into ours, each inserted first unless already there.</summary>
    private static IEnumerable<(string Table, string Chain, string[] Rule)> Hooks(ServiceRulesOptions o)
    {
        var svc = ServiceRules.ServicesChain(o.ChainPrefix);
        string[] comment = ["-m", "comment", "--comment", "berth service portals"];
        yield return ("nat", "PREROUTING", [.. comment, "-j", svc]);
        yield return ("nat", "OUTPUT", [.. comment, "-j", svc]);
        yield return ("nat", "POSTROUTING", ["-m", "comment", "--comment", "berth masquerade", "-j", ServiceRules.PostroutingChain(o.ChainPrefix)]);
        yield return ("filter", "FORWARD", ["-m", "comment", "--comment", "berth pod forwarding", "-j", ServiceRules.ForwardChain(o.ChainPrefix)]);
        yield return ("filter", "FORWARD", ["-m", "conntrack", "--ctstate", "NEW", .. comment, "-j", svc]);
        yield return ("filter", "OUTPUT", ["-m", "conntrack", "--ctstate", "NEW", .. comment, "-j", svc]);
    }

    private async Task EnsureHooksAsync(CancellationToken ct)
    {
        foreach (var (table, chain, rule) in Hooks(_opts))
        {
            var check = await HostCommand.RunAsync("iptables", ["-w", "-t", table, "-C", chain, .. rule], ct: ct);
            if (check.Ok) continue;
            await HostCommand.CheckAsync("iptables", ["-w", "-t", table, "-I", chain, "1", .. rule], ct: ct);
        }
    }

    /// <summary>The nat chains whose names start with the prefix, as the kernel has them now.</summary>
    private static async Task<List<string>> NatChainsAsync(string prefix, CancellationToken ct)
    {
        var save = await HostCommand.CheckAsync("iptables-save", ["-t", "nat"], ct: ct);
        var chains = new List<string>();
        foreach (var line in save.Split('\n'))
        {
            if (!line.StartsWith(':' + prefix + '-', StringComparison.Ordinal)) continue;
            var end = line.IndexOf(' ');
            chains.Add(end < 0 ? line[1..] : line[1..end]);
        }
        return chains;
    }

    /// <summary>Removes every hook and chain of this prefix (for tests, and for taking a node's network down for good).</summary>
    public static async Task RemoveAllAsync(ServiceRulesOptions o, CancellationToken ct = default)
    {
        foreach (var (table, chain, rule) in Hooks(o))
            while ((await HostCommand.RunAsync("iptables", ["-w", "-t", table, "-D", chain, .. rule], ct: ct)).Ok) { }
        var nat = await NatChainsAsync(o.ChainPrefix, ct);
        var doc = new System.Text.StringBuilder("*filter\n");
        string[] filterChains = [ServiceRules.ServicesChain(o.ChainPrefix), ServiceRules.ForwardChain(o.ChainPrefix)];
        var filterSave = await HostCommand.CheckAsync("iptables-save", ["-t", "filter"], ct: ct);
        foreach (var c in filterChains) if (filterSave.Contains(':' + c + ' ')) doc.Append(':').Append(c).Append(" - [0:0]\n");
        foreach (var c in filterChains) if (filterSave.Contains(':' + c + ' ')) doc.Append("-X ").Append(c).Append('\n');
        doc.Append("COMMIT\n*nat\n");
        foreach (var c in nat) doc.Append(':').Append(c).Append(" - [0:0]\n");
        foreach (var c in nat) doc.Append("-X ").Append(c).Append('\n');
        doc.Append("COMMIT\n");
        await HostCommand.CheckAsync("iptables-restore", ["-w", "--noflush"], doc.ToString(), ct);
    }
}
