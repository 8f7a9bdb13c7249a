using Berth.Api.Core;
using Berth.Client;
using Berth.Kubelet.Network;

namespace Berth.Kubelet.ClusterDns;

/// <summary>
/// Answers names in the cluster domain from the Service and Endpoints caches, as CoreDNS's kubernetes plugin does
/// (the DNS-based service discovery spec):
/// <list type="bullet">
/// <item><c>svc.ns.svc.DOMAIN</c>: A of the ClusterIP; for a headless Service, A of every ready endpoint address;
/// CNAME for an ExternalName Service.</item>
/// <item><c>host.svc.ns.svc.DOMAIN</c>: A of the endpoint address with that hostname (StatefulSet pods) or whose
/// dashed IP it is.</item>
/// <item><c>_port._proto.svc.ns.svc.DOMAIN</c>: SRV of a named port (target the service, or each endpoint's name).</item>
/// <item><c>a-b-c-d.ns.pod.DOMAIN</c>: A of that address.</item>
/// </list>
/// Anything else in the domain is NXDOMAIN (a name that exists but has no record of the asked type: NODATA), with the
/// zone's SOA so resolvers cache the negative answer for <see cref="Ttl"/> seconds.
/// </summary>
public sealed class ClusterDnsResolver
{
    public const uint Ttl = 5;
    private readonly SharedInformer<Service> _services;
    private readonly SharedInformer<Endpoints> _endpoints;
    private readonly string _domain;
    private readonly string _dotDomain;
    private readonly DnsRecord _soa;

    public ClusterDnsResolver(SharedInformer<Service> services, SharedInformer<Endpoints> endpoints, string clusterDomain)
    {
        _services = services;
        _endpoints = endpoints;
        _domain = clusterDomain.Trim('.').ToLowerInvariant();
        _dotDomain = "." + _domain;
        _soa = DnsRecord.Soa(_domain, Ttl, "ns.dns." + _domain, "hostmaster." + _domain, 1, 7200, 1800, 86400, Ttl);
    }

    public string ClusterDomain => _domain;

    /// <summary>Whether the name is ours to answer (the cluster domain or below it).</summary>
    public bool IsInZone(string name)
    {
        var n = name.TrimEnd('.');
        return n.Equals(_domain, StringComparison.OrdinalIgnoreCase) || n.EndsWith(_dotDomain, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Fills <paramref name="response"/>'s rcode and sections for a question inside the zone.</summary>
    public void Answer(DnsQuestion q, DnsMessage response)
    {
        response.Authoritative = true;
        var name = q.Name.TrimEnd('.');
        var lower = name.ToLowerInvariant();
        var rest = lower.Length == _domain.Length ? [] : lower[..^_dotDomain.Length].Split('.');
        bool exists = rest.Length switch
        {
            0 => true,
            1 => rest[0] is "svc" or "pod",
            _ when rest[^1] == "svc" => AnswerService(name, rest, q.Type, response),
            3 when rest[^1] == "pod" => AnswerPod(name, rest, q.Type, response),
            _ => false,
        };
        if (!exists) response.Rcode = DnsRcode.NXDomain;
        if (response.Answers.Count == 0) response.Authority.Add(_soa);
    }

    /// <summary>Names under svc.DOMAIN (rest = labels before the domain, ending in "svc"); returns whether the name exists.</summary>
    private bool AnswerService(string name, string[] rest, ushort qtype, DnsMessage r)
    {
        switch (rest.Length)
        {
            case 2: // ns.svc: exists while the namespace has services (we do not watch namespaces)
                return _services.ByIndex(SharedInformer<Service>.NamespaceIndex, rest[0]).Count > 0;
            case 3: // svc.ns.svc
            {
                var svc = _services.Get(rest[1], rest[0]);
                if (svc?.Spec is not { } spec) return false;
                if (spec.Type == "ExternalName")
                {
                    if (!string.IsNullOrEmpty(spec.ExternalName) && qtype is DnsType.A or DnsType.CNAME or DnsType.ANY)
                        r.Answers.Add(DnsRecord.Cname(name, Ttl, spec.ExternalName));
                    return true;
                }
                if (qtype is not (DnsType.A or DnsType.ANY)) return true;
                if (!IsHeadless(spec))
                {
                    if (Ipv4Cidr.TryParseAddress(spec.ClusterIP ?? "", out var cip)) r.Answers.Add(DnsRecord.A(name, Ttl, cip));
                    return true;
                }
                var eps = _endpoints.Get(rest[1], rest[0]);
                foreach (var subset in eps?.Subsets ?? [])
                    foreach (var a in subset.Addresses ?? [])
                        if (Ipv4Cidr.TryParseAddress(a.Ip ?? "", out var ip)) AddUniqueA(r, name, ip);
                return true;
            }
            case 4: // host.svc.ns.svc
            {
                if (_services.Get(rest[2], rest[1]) is null) return false;
                var eps = _endpoints.Get(rest[2], rest[1]);
                bool found = false;
                foreach (var subset in eps?.Subsets ?? [])
                    foreach (var a in subset.Addresses ?? [])
                    {
                        if (!Ipv4Cidr.TryParseAddress(a.Ip ?? "", out var ip)) continue;
                        if (!string.Equals(a.Hostname, rest[0], StringComparison.OrdinalIgnoreCase) && Dashed(ip) != rest[0]) continue;
                        found = true;
                        if (qtype is DnsType.A or DnsType.ANY) AddUniqueA(r, name, ip);
                    }
                return found;
            }
            case 5 when rest[0].StartsWith('_') && rest[1].StartsWith('_'): // _port._proto.svc.ns.svc
                return AnswerSrv(name, rest[0][1..], rest[1][1..], rest[2], rest[3], qtype, r);
            default:
                return false;
        }
    }

    private bool AnswerSrv(string name, string port, string proto, string svcName, string ns, ushort qtype, DnsMessage r)
    {
        var svc = _services.Get(ns, svcName);
        if (svc?.Spec is not { } spec) return false;
        ServicePort? sp = null;
        foreach (var p in spec.Ports ?? [])
            if (string.Equals(p.Name, port, StringComparison.OrdinalIgnoreCase) && string.Equals(p.Protocol ?? "TCP", proto, StringComparison.OrdinalIgnoreCase)) sp = p;
        if (sp is null) return false;
        if (qtype is not (DnsType.SRV or DnsType.ANY)) return true;
        var svcFqdn = $"{svcName}.{ns}.svc.{_domain}";
        if (!IsHeadless(spec))
        {
            r.Answers.Add(DnsRecord.Srv(name, Ttl, 0, 100, (ushort)(sp.Port ?? 0), svcFqdn));
            if (Ipv4Cidr.TryParseAddress(spec.ClusterIP ?? "", out var cip)) r.Additional.Add(DnsRecord.A(svcFqdn, Ttl, cip));
            return true;
        }
        var eps = _endpoints.Get(ns, svcName);
        foreach (var subset in eps?.Subsets ?? [])
        {
            int? target = null;
            foreach (var ep in subset.Ports ?? [])
                if (string.Equals(ep.Name, sp.Name, StringComparison.OrdinalIgnoreCase)) target = ep.Port;
            if (target is null) continue;
            foreach (var a in subset.Addresses ?? [])
            {
                if (!Ipv4Cidr.TryParseAddress(a.Ip ?? "", out var ip)) continue;
                var host = $"{(string.IsNullOrEmpty(a.Hostname) ? Dashed(ip) : a.Hostname)}.{svcFqdn}";
                r.Answers.Add(DnsRecord.Srv(name, Ttl, 0, 100, (ushort)target.Value, host));
                r.Additional.Add(DnsRecord.A(host, Ttl, ip));
            }
        }
        return true;
    }

    /// <summary>a-b-c-d.ns.pod: the address the name spells (CoreDNS's "pods insecure").</summary>
    private static bool AnswerPod(string name, string[] rest, ushort qtype, DnsMessage r)
    {
        var parts = rest[0].Split('-');
        if (parts.Length != 4 || !Ipv4Cidr.TryParseAddress(string.Join('.', parts), out var ip)) return false;
        if (qtype is DnsType.A or DnsType.ANY) r.Answers.Add(DnsRecord.A(name, Ttl, ip));
        return true;
    }

    private static void AddUniqueA(DnsMessage r, string name, uint ip)
    {
        foreach (var a in r.Answers)
            if (a.Type == DnsType.A && (uint)(a.Data[0] << 24 | a.Data[1] << 16 | a.Data[2] << 8 | a.Data[3]) == ip) return;
        r.Answers.Add(DnsRecord.A(name, Ttl, ip));
    }

    private static string Dashed(uint ip) => Ipv4Cidr.Format(ip).Replace('.', '-');

    private static bool IsHeadless(ServiceSpec spec) => spec.ClusterIP is null or "" or "None";
}
