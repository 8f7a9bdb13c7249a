using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Berth.Api.Core;

namespace Berth.Kubelet.Network;

/// <summary>The node-level settings the service rules depend on.</summary>
public sealed record ServiceRulesOptions
{
    /// <summary>Chain names start with PREFIX- (BERTH-SERVICES, BERTH-SVC-…): at most 7 characters, so hashed names fit iptables' 28.</summary>
    public string ChainPrefix { get; init; } = "BERTH";
    public string BridgeName { get; init; } = "berth0";
    public string PodCidr { get; init; } = "10.88.0.0/16";
    /// <summary>Pods may reach addresses beyond the node (masqueraded to the host's address); off, such packets are dropped.</summary>
    public bool AllowEgress { get; init; }
    /// <summary>
    /// Masquerade all pod → ClusterIP traffic. Needed when bridged packets skip iptables (no br_netfilter): the backend's
    /// reply would otherwise go straight back over the bridge without being un-DNATed.
    /// </summary>
    public bool MasqueradeAllPodTraffic { get; init; }
}

/// <summary>
/// kube-proxy's iptables mode as one iptables-restore document: per ClusterIP port a PREFIX-SVC-hash chain that
/// picks an endpoint with <c>statistic --mode random</c>, per endpoint a PREFIX-SEP-hash chain that DNATs (and marks a
/// pod reaching itself for masquerade, so the reply comes back through the host); ports without ready endpoints are
/// REJECTed in the filter table. The document lists every chain it owns, so restoring it with --noflush replaces them
/// whole and deletes chains that no longer belong: the result depends only on the input, whatever the previous state.
/// </summary>
public static class ServiceRules
{
    public const string MasqMark = "0x4000/0x4000";

    public static string ServicesChain(string prefix) => prefix + "-SERVICES";
    public static string PostroutingChain(string prefix) => prefix + "-POSTROUTING";
    public static string ForwardChain(string prefix) => prefix + "-FORWARD";

    /// <summary>Whether a nat chain name is one of the per-service or per-endpoint chains this prefix owns.</summary>
    public static bool IsDynamicChain(string prefix, string chain) => chain.StartsWith(prefix + "-SVC-", StringComparison.Ordinal) || chain.StartsWith(prefix + "-SEP-", StringComparison.Ordinal);

    public static string Build(IReadOnlyList<Service> services, Func<string, string, Endpoints?> endpoints, ServiceRulesOptions o, IReadOnlyCollection<string> existingNatChains)
    {
        var p = o.ChainPrefix;
        var filterRules = new StringBuilder();
        var natChains = new List<string> { ServicesChain(p), PostroutingChain(p) };
        var natRules = new StringBuilder();

        natRules.Append("-A ").Append(PostroutingChain(p)).Append(" -m mark --mark ").Append(MasqMark).Append(" -j MASQUERADE\n");
        if (o.AllowEgress) natRules.Append("-A ").Append(PostroutingChain(p)).Append(" -s ").Append(o.PodCidr).Append(" ! -o ").Append(o.BridgeName).Append(" -j MASQUERADE\n");

        foreach (var svc in Sorted(services))
        {
            var spec = svc.Spec;
            if (spec is null || spec.Type == "ExternalName" || !Ipv4Cidr.TryParseAddress(spec.ClusterIP ?? "", out _)) continue;
            var ns = svc.Metadata.Namespace ?? "";
            var name = svc.Metadata.Name ?? "";
            var eps = endpoints(ns, name);
            foreach (var sp in spec.Ports ?? [])
            {
                var proto = (sp.Protocol ?? "TCP").ToLowerInvariant();
                if (proto is not ("tcp" or "udp") || sp.Port is not { } port) continue;
                var portName = $"{ns}/{name}:{sp.Name}";
                var match = $"-d {spec.ClusterIP}/32 -p {proto} -m {proto} --dport {port}";
                var targets = Targets(eps, sp, proto);
                if (targets.Count == 0)
                {
                    filterRules.Append("-A ").Append(ServicesChain(p)).Append(" -m comment --comment \"").Append(portName).Append(" has no endpoints\" ")
                        .Append(match).Append(" -j REJECT --reject-with icmp-port-unreachable\n");
                    continue;
                }
                var svcChain = $"{p}-SVC-{Hash(portName + proto)}";
                natChains.Add(svcChain);
                natRules.Append("-A ").Append(ServicesChain(p)).Append(" -m comment --comment \"").Append(portName).Append(" cluster IP\" ")
                    .Append(match).Append(" -j ").Append(svcChain).Append('\n');
                if (o.MasqueradeAllPodTraffic) natRules.Append("-A ").Append(svcChain).Append(" -s ").Append(o.PodCidr).Append(" -j MARK --or-mark 0x4000\n");
                for (int i = 0; i < targets.Count; i++)
                {
                    var (ip, tport) = targets[i];
                    var sepChain = $"{p}-SEP-{Hash(portName + proto + ip + ":" + tport)}";
                    natChains.Add(sepChain);
                    natRules.Append("-A ").Append(svcChain);
                    int left = targets.Count - i;
                    if (left > 1) natRules.Append(" -m statistic --mode random --probability ").Append((1.0 / left).ToString("0.0000000000", CultureInfo.InvariantCulture));
                    natRules.Append(" -j ").Append(sepChain).Append('\n');
                    natRules.Append("-A ").Append(sepChain).Append(" -s ").Append(ip).Append("/32 -j MARK --or-mark 0x4000\n");
                    natRules.Append("-A ").Append(sepChain).Append(" -p ").Append(proto).Append(" -m ").Append(proto).Append(" -j DNAT --to-destination ").Append(ip).Append(':').Append(tport).Append('\n');
                }
            }
        }

        var doc = new StringBuilder();
        doc.Append("*filter\n");
        doc.Append(':').Append(ServicesChain(p)).Append(" - [0:0]\n");
        doc.Append(':').Append(ForwardChain(p)).Append(" - [0:0]\n");
        doc.Append(filterRules);
        doc.Append("-A ").Append(ForwardChain(p)).Append(" -i ").Append(o.BridgeName).Append(" -o ").Append(o.BridgeName).Append(" -j ACCEPT\n");
        if (o.AllowEgress)
        {
            doc.Append("-A ").Append(ForwardChain(p)).Append(" -i ").Append(o.BridgeName).Append(" -j ACCEPT\n");
            doc.Append("-A ").Append(ForwardChain(p)).Append(" -o ").Append(o.BridgeName).Append(" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
        }
        else
        {
            // Only addresses on the node receive pod traffic: what a pod sends beyond the bridge is dropped here.
            doc.Append("-A ").Append(ForwardChain(p)).Append(" -i ").Append(o.BridgeName).Append(" -j DROP\n");
        }
        doc.Append("COMMIT\n*nat\n");
        var keep = new HashSet<string>(natChains, StringComparer.Ordinal);
        foreach (var c in natChains) doc.Append(':').Append(c).Append(" - [0:0]\n");
        var stale = new List<string>();
        foreach (var c in existingNatChains)
            if (IsDynamicChain(p, c) && !keep.Contains(c)) stale.Add(c);
        stale.Sort(StringComparer.Ordinal);
        foreach (var c in stale) doc.Append(':').Append(c).Append(" - [0:0]\n");
        doc.Append(natRules);
        foreach (var c in stale) doc.Append("-X ").Append(c).Append('\n');
        doc.Append("COMMIT\n");
        return doc.ToString();
    }

    /// <summary>The ready (ip, port) pairs behind a service port: the endpoint port with the same name and protocol.</summary>
    private static List<(string Ip, int Port)> Targets(Endpoints? eps, ServicePort sp, string proto)
    {
        var list = new List<(string, int)>();
        foreach (var subset in eps?.Subsets ?? [])
        {
            int? port = null;
            foreach (var ep in subset.Ports ?? [])
                if ((ep.Name ?? "") == (sp.Name ?? "") && (ep.Protocol ?? "TCP").Equals(proto, StringComparison.OrdinalIgnoreCase)) port = ep.Port;
            if (port is null) continue;
            foreach (var a in subset.Addresses ?? [])
                if (Ipv4Cidr.TryParseAddress(a.Ip ?? "", out _)) list.Add((a.Ip!, port.Value));
        }
        list.Sort((x, y) => string.CompareOrdinal(x.Item1, y.Item1));
        return list;
    }

    private static List<Service> Sorted(IReadOnlyList<Service> services)
    {
        var list = new List<Service>(services);
        list.Sort((a, b) => string.CompareOrdinal(a.Metadata.Namespace + "/" + a.Metadata.Name, b.Metadata.Namespace + "/" + b.Metadata.Name));
        return list;
    }

    /// <summary>16 characters of base32(SHA-256), as kube-proxy names its chains.</summary>
    public static string Hash(string s)
    {
        Span<byte> h = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(s), h);
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var sb = new StringBuilder(16);
        int bits = 0, acc = 0, i = 0;
        while (sb.Length < 16)
        {
            if (bits < 5) { acc = (acc << 8) | h[i++]; bits += 8; }
            sb.Append(alphabet[(acc >> (bits - 5)) & 31]);
            bits -= 5;
        }
        return sb.ToString();
    }
}
