using System.Globalization;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Api.Validation;

namespace Berth.Api.Strategies.Workloads;

/// <summary>
/// core/v1 Service: SetDefaults_Service, the registry's clusterIP/ipFamily normalisation, ValidateService(Update)
/// and printService. Cluster IPs and node ports come from optional allocators (the strategy holds no state).
/// </summary>
public sealed class ServiceStrategy : ResourceStrategy<Service>
{
    private static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];
    private static readonly string[] Types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

    /// <summary>Allocates a cluster IP for a new service that needs one and names none; null leaves it unset.</summary>
    public Func<Service, string?>? ClusterIPAllocator { get; set; }

    /// <summary>Allocates a node port for a NodePort/LoadBalancer port that names none; null leaves it unset.</summary>
    public Func<Service, ServicePort, int?>? NodePortAllocator { get; set; }

    private static bool IsHeadless(Service s)
    {
        var spec = s.Spec ?? new ServiceSpec();
        return spec.ClusterIPs is { Count: > 0 } ips ? ips.Count == 1 && ips[0] == "None" : spec.ClusterIP == "None";
    }

    private static bool NeedsNodePort(string? type) => type is "NodePort" or "LoadBalancer";

    protected override void PrepareForCreate(Service obj)
    {
        obj.Status = new ServiceStatus { LoadBalancer = new LoadBalancerStatus() };
        var spec = obj.Spec ??= new ServiceSpec();
        var type = string.IsNullOrEmpty(spec.Type) ? "ClusterIP" : spec.Type;
        if (!string.IsNullOrEmpty(spec.ClusterIP) && (spec.ClusterIPs is null || spec.ClusterIPs.Count == 0)) spec.ClusterIPs = [spec.ClusterIP];
        if (type == "ExternalName") return;

        bool headless = IsHeadless(obj);
        bool noSelector = spec.Selector is null || spec.Selector.Count == 0;
        if (string.IsNullOrEmpty(spec.IpFamilyPolicy)) spec.IpFamilyPolicy = headless && noSelector ? "RequireDualStack" : "SingleStack";
        if (spec.IpFamilies is null || spec.IpFamilies.Count == 0)
        {
            var first = spec.ClusterIPs is { Count: > 0 } ips && ips[0] != "None" && ips[0].Contains(':') ? "IPv6" : "IPv4";
            spec.IpFamilies = spec.IpFamilyPolicy == "RequireDualStack" ? [first, first == "IPv4" ? "IPv6" : "IPv4"] : [first];
        }

        if (string.IsNullOrEmpty(spec.ClusterIP) && ClusterIPAllocator?.Invoke(obj) is { Length: > 0 } ip)
        {
            spec.ClusterIP = ip;
            spec.ClusterIPs = [ip];
        }
        if (NeedsNodePort(type) && NodePortAllocator is not null)
            foreach (var p in spec.Ports ?? [])
                if ((p.NodePort ?? 0) == 0 && NodePortAllocator(obj, p) is { } np) p.NodePort = np;
    }

    protected override void Default(Service obj)
    {
        var spec = obj.Spec ??= new ServiceSpec();
        if (string.IsNullOrEmpty(spec.SessionAffinity)) spec.SessionAffinity = "None";
        if (spec.SessionAffinity == "None") spec.SessionAffinityConfig = null;
        if (spec.SessionAffinity == "ClientIP" && spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds is null)
            spec.SessionAffinityConfig = new SessionAffinityConfig { ClientIP = new ClientIPConfig { TimeoutSeconds = 10800 } };
        if (string.IsNullOrEmpty(spec.Type)) spec.Type = "ClusterIP";
        foreach (var p in spec.Ports ?? [])
        {
            if (string.IsNullOrEmpty(p.Protocol)) p.Protocol = "TCP";
            if (p.TargetPort is not { } t || t == IntOrString.FromInt(0) || t == IntOrString.FromString(""))
                p.TargetPort = IntOrString.FromInt(p.Port ?? 0);
        }
        if (NeedsNodePort(spec.Type) && string.IsNullOrEmpty(spec.ExternalTrafficPolicy)) spec.ExternalTrafficPolicy = "Cluster";
        if (spec.InternalTrafficPolicy is null && spec.Type is "NodePort" or "LoadBalancer" or "ClusterIP") spec.InternalTrafficPolicy = "Cluster";
        if (spec.Type == "LoadBalancer") spec.AllocateLoadBalancerNodePorts ??= true;
    }

    protected override void Validate(Service obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new ServiceSpec();
        var path = FieldPath.Root.Child("spec");
        var ports = spec.Ports ?? [];
        bool headless = IsHeadless(obj);
        if (ports.Count == 0 && !headless && spec.Type != "ExternalName") errors.Add(FieldError.Required(path.Child("ports")));

        switch (spec.Type)
        {
            case "LoadBalancer":
                if (headless) errors.Add(FieldError.Invalid(path.Child("clusterIP"), spec.ClusterIP ?? "", "may not be set to 'None' for LoadBalancer services"));
                for (int i = 0; i < ports.Count; i++)
                    if (ports[i].Port == 10250)
                        errors.Add(FieldError.Invalid(path.Child("ports").Index(i), 10250, "may not expose port 10250 externally since it is used by kubelet"));
                break;
            case "NodePort":
                if (headless) errors.Add(FieldError.Invalid(path.Child("clusterIP"), spec.ClusterIP ?? "", "may not be set to 'None' for NodePort services"));
                break;
            case "ExternalName":
                if (spec.ClusterIPs is { Count: > 0 }) errors.Add(FieldError.Forbidden(path.Child("clusterIPs"), "may not be set for ExternalName services"));
                if (spec.IpFamilies is { Count: > 0 }) errors.Add(FieldError.Forbidden(path.Child("ipFamilies"), "may not be set for ExternalName services"));
                if (spec.IpFamilyPolicy is not null) errors.Add(FieldError.Forbidden(path.Child("ipFamilyPolicy"), "may not be set for ExternalName services"));
                var cname = (spec.ExternalName ?? "").TrimEnd('.');
                if (cname.Length > 0) Util.Dns1123Subdomain(cname, path.Child("externalName"), errors);
                else errors.Add(FieldError.Required(path.Child("externalName")));
                break;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < ports.Count; i++)
        {
            var sp = ports[i];
            var p = path.Child("ports").Index(i);
            if (ports.Count > 1 && string.IsNullOrEmpty(sp.Name)) errors.Add(FieldError.Required(p.Child("name")));
            else if (!string.IsNullOrEmpty(sp.Name))
            {
                Util.Dns1123Label(sp.Name, p.Child("name"), errors);
                if (!names.Add(sp.Name)) errors.Add(FieldError.Duplicate(p.Child("name"), sp.Name));
            }
            foreach (var m in Util.PortNum(sp.Port ?? 0)) errors.Add(FieldError.Invalid(p.Child("port"), sp.Port ?? 0, m));
            if (string.IsNullOrEmpty(sp.Protocol)) errors.Add(FieldError.Required(p.Child("protocol")));
            else if (!Protocols.Contains(sp.Protocol)) errors.Add(FieldError.NotSupported(p.Child("protocol"), sp.Protocol, Protocols));
            Util.PortNumOrName(sp.TargetPort, p.Child("targetPort"), errors);
        }

        switch (spec.SessionAffinity)
        {
            case null or "": errors.Add(FieldError.Required(path.Child("sessionAffinity"))); break;
            case "ClientIP" or "None": break;
            default: errors.Add(FieldError.NotSupported(path.Child("sessionAffinity"), spec.SessionAffinity, ["ClientIP", "None"])); break;
        }
        if (spec.SessionAffinity == "ClientIP" && spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds is { } ts && (ts <= 0 || ts > 86400))
            errors.Add(FieldError.Invalid(path.Child("sessionAffinityConfig", "clientIP", "timeoutSeconds"), ts, "must be greater than 0 and less than 86400"));
        else if (spec.SessionAffinity == "None" && spec.SessionAffinityConfig is not null)
            errors.Add(FieldError.Forbidden(path.Child("sessionAffinityConfig"), "must not be set when session affinity is None"));

        ClusterIPs(obj, path, errors);

        if (string.IsNullOrEmpty(spec.Type)) errors.Add(FieldError.Required(path.Child("type")));
        else if (!Types.Contains(spec.Type)) errors.Add(FieldError.NotSupported(path.Child("type"), spec.Type, Types));

        if (spec.Type == "ClusterIP")
            for (int i = 0; i < ports.Count; i++)
                if ((ports[i].NodePort ?? 0) != 0)
                    errors.Add(FieldError.Forbidden(path.Child("ports").Index(i).Child("nodePort"), "may not be used when `type` is 'ClusterIP'"));

        var nodePorts = new HashSet<(string?, int)>();
        for (int i = 0; i < ports.Count; i++)
            if (ports[i].NodePort is { } np && np != 0 && !nodePorts.Add((ports[i].Protocol, np)))
                errors.Add(FieldError.Duplicate(path.Child("ports").Index(i).Child("nodePort"), np));

        var seen = new HashSet<(string?, int)>();
        for (int i = 0; i < ports.Count; i++)
        {
            var key = (ports[i].Protocol, ports[i].Port ?? 0);
            if (!seen.Add(key))
                errors.Add(FieldError.Duplicate(path.Child("ports").Index(i), new GoValue(
                    $"core.ServicePort{{Name:\"\", Protocol:{FieldError.Quote(key.Protocol ?? "")}, AppProtocol:(*string)(nil), Port:{key.Item2.ToString(CultureInfo.InvariantCulture)}, TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:\"\"}}, NodePort:0}}")));
        }

        if (spec.ExternalTrafficPolicy is { Length: > 0 } etp && etp is not ("Cluster" or "Local"))
            errors.Add(FieldError.NotSupported(path.Child("externalTrafficPolicy"), etp, ["Cluster", "Local"]));
        if (spec.InternalTrafficPolicy is { } itp && itp is not ("Cluster" or "Local"))
            errors.Add(FieldError.NotSupported(path.Child("internalTrafficPolicy"), itp, ["Cluster", "Local"]));
    }

    /// <summary>ValidateServiceClusterIPsRelatedFields.</summary>
    private static void ClusterIPs(Service obj, FieldPath path, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new ServiceSpec();
        if (spec.Type == "ExternalName") return;
        var ipsPath = path.Child("clusterIPs");
        var ips = spec.ClusterIPs ?? [];
        if (!string.IsNullOrEmpty(spec.ClusterIP))
        {
            if (ips.Count == 0) errors.Add(FieldError.Required(ipsPath));
            else if (ips[0] != spec.ClusterIP) errors.Add(FieldError.Invalid(ipsPath, GoFormat.StringSlice(ips), "first value must match `clusterIP`"));
        }
        else if (ips.Count != 0) errors.Add(FieldError.Invalid(ipsPath, GoFormat.StringSlice(ips), "must be empty when `clusterIP` is not specified"));

        var families = spec.IpFamilies ?? [];
        var seenFamilies = new HashSet<string>();
        for (int i = 0; i < families.Count; i++)
        {
            if (families[i] is not ("IPv4" or "IPv6")) errors.Add(FieldError.NotSupported(path.Child("ipFamilies").Index(i), families[i], ["IPv4", "IPv6"]));
            if (!seenFamilies.Add(families[i])) errors.Add(FieldError.Duplicate(path.Child("ipFamilies").Index(i), families[i]));
        }
        if (spec.IpFamilyPolicy is { } pol && pol is not ("SingleStack" or "PreferDualStack" or "RequireDualStack"))
            errors.Add(FieldError.NotSupported(path.Child("ipFamilyPolicy"), pol, ["PreferDualStack", "RequireDualStack", "SingleStack"]));

        bool invalid = false;
        for (int i = 0; i < ips.Count; i++)
        {
            if (i == 0 && ips[i] == "None")
            {
                if (ips.Count > 1)
                {
                    invalid = true;
                    errors.Add(FieldError.Invalid(ipsPath, GoFormat.StringSlice(ips), "'None' must be the first and only value"));
                }
                continue;
            }
            if (!System.Net.IPAddress.TryParse(ips[i], out _))
            {
                invalid = true;
                errors.Add(FieldError.Invalid(ipsPath.Index(i), ips[i], "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
            }
        }
        if (ips.Count > 2) errors.Add(FieldError.Invalid(ipsPath, GoFormat.StringSlice(ips), "may only hold up to 2 values"));
        if (invalid) return;
        if (ips.Count > 1 && ips[0].Contains(':') == ips[1].Contains(':'))
            errors.Add(FieldError.Invalid(ipsPath, GoFormat.StringSlice(ips), "may specify no more than one IP for each IP family"));
        if (!IsHeadless(obj))
            for (int i = 0; i < ips.Count && i < families.Count; i++)
            {
                bool v6 = ips[i].Contains(':');
                if (families[i] == "IPv4" && v6) errors.Add(FieldError.Invalid(ipsPath.Index(i), ips[i], $"expected an IPv4 value as indicated by `ipFamilies[{i}]`"));
                if (families[i] == "IPv6" && !v6) errors.Add(FieldError.Invalid(ipsPath.Index(i), ips[i], $"expected an IPv6 value as indicated by `ipFamilies[{i}]`"));
            }
    }

    /// <summary>
    /// The registry's update preparation (patchAllocatedValues/normalizeClusterIPs: a client that omits allocated
    /// values keeps them), then validateUpgradeDowngradeClusterIPs.
    /// </summary>
    protected override void ValidateUpdate(Service obj, Service old, List<FieldError> errors)
    {
        var spec = obj.Spec ??= new ServiceSpec();
        var oldSpec = old.Spec ?? new ServiceSpec();
        if (spec.Type != "ExternalName" && oldSpec.Type != "ExternalName")
        {
            if (string.IsNullOrEmpty(spec.ClusterIP) && (spec.ClusterIPs is null || spec.ClusterIPs.Count == 0))
            {
                spec.ClusterIP = oldSpec.ClusterIP;
                spec.ClusterIPs = oldSpec.ClusterIPs is null ? null : [.. oldSpec.ClusterIPs];
            }
            else if (!string.IsNullOrEmpty(spec.ClusterIP) && (spec.ClusterIPs is null || spec.ClusterIPs.Count == 0))
                spec.ClusterIPs = [spec.ClusterIP];
            if (spec.IpFamilies is null || spec.IpFamilies.Count == 0) spec.IpFamilies = oldSpec.IpFamilies is null ? null : [.. oldSpec.IpFamilies];
            spec.IpFamilyPolicy ??= oldSpec.IpFamilyPolicy;
        }
        if (NeedsNodePort(spec.Type) && NeedsNodePort(oldSpec.Type))
        {
            var used = new HashSet<int>((spec.Ports ?? []).Where(p => p.NodePort is > 0).Select(p => p.NodePort!.Value));
            var byName = new Dictionary<string, int>();
            foreach (var p in oldSpec.Ports ?? []) byName[p.Name ?? ""] = p.NodePort ?? 0;
            foreach (var p in spec.Ports ?? [])
                if ((p.NodePort ?? 0) == 0 && byName.TryGetValue(p.Name ?? "", out var np) && np != 0 && !used.Contains(np)) p.NodePort = np;
        }
        if (spec.Type == oldSpec.Type && spec.HealthCheckNodePort is null) spec.HealthCheckNodePort = oldSpec.HealthCheckNodePort;

        var updateErrors = new List<FieldError>();
        if (spec.Type != "ExternalName" && oldSpec.Type != "ExternalName" && !(IsHeadless(obj) && IsHeadless(old)))
        {
            var oldIps = oldSpec.ClusterIPs ?? [];
            var newIps = spec.ClusterIPs ?? [];
            var ipsPath = FieldPath.Root.Child("spec").Child("clusterIPs");
            var shown = GoFormat.StringSlice(spec.ClusterIPs);
            if (oldIps.Count == newIps.Count)
            {
                for (int i = 0; i < oldIps.Count; i++)
                    if (oldIps[i] != newIps[i]) updateErrors.Add(FieldError.Invalid(ipsPath.Index(i), shown, "may not change once set"));
            }
            else if (oldIps.Count > newIps.Count)
            {
                if (newIps.Count == 0) updateErrors.Add(FieldError.Invalid(ipsPath.Index(0), shown, "primary clusterIP can not be unset"));
                if (oldIps.Count > 0 && newIps.Count > 0 && newIps[0] != oldIps[0]) updateErrors.Add(FieldError.Invalid(ipsPath.Index(0), shown, "may not change once set"));
                if (newIps.Count == 1 && spec.IpFamilyPolicy != "SingleStack")
                    updateErrors.Add(FieldError.Invalid(ipsPath.Index(0), shown, "`ipFamilyPolicy` must be set to 'SingleStack' when releasing the secondary clusterIP"));
            }
            else if (oldIps.Count > 0 && newIps[0] != oldIps[0])
                updateErrors.Add(FieldError.Invalid(ipsPath.Index(0), shown, "may not change once set"));
        }
        // Upstream reports these before the general service validation.
        errors.InsertRange(0, updateErrors);
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Util.NameColumn,
        new("Type", "string", "", "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer."),
        new("Cluster-IP", "string", "", "clusterIP is the IP address of the service and is usually assigned randomly."),
        new("External-IP", "string", "", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
        new("Port(s)", "string", "", "The list of ports that are exposed by this service."),
        Util.AgeColumn,
        new("Selector", "string", "", "Route service traffic to pods with label keys and values matching this selector.", 1),
    ];

    protected override object?[] Row(Service obj, DateTimeOffset now)
    {
        var spec = obj.Spec ?? new ServiceSpec();
        var internalIP = spec.ClusterIPs is { Count: > 0 } ips ? ips[0] : Printing.None;
        var portText = string.Join(",", (spec.Ports ?? []).Select(p =>
            (p.NodePort ?? 0) > 0 ? $"{p.Port ?? 0}:{p.NodePort}/{p.Protocol}" : $"{p.Port ?? 0}/{p.Protocol}"));
        if (portText.Length == 0) portText = Printing.None;
        var selector = spec.Selector is { Count: > 0 } sel
            ? string.Join(",", sel.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value))
            : Printing.None;
        return [obj.Metadata.Name, spec.Type ?? "", internalIP, ExternalIP(obj), portText, Printing.Age(obj.Metadata.CreationTimestamp, now), selector];
    }

    /// <summary>getServiceExternalIP (non-wide: load-balancer addresses clipped to 16 characters).</summary>
    private static string ExternalIP(Service svc)
    {
        var spec = svc.Spec ?? new ServiceSpec();
        var external = spec.ExternalIPs ?? [];
        switch (spec.Type)
        {
            case "ClusterIP":
            case "NodePort":
                return external.Count > 0 ? string.Join(",", external) : Printing.None;
            case "LoadBalancer":
                var lb = string.Join(",", (svc.Status?.LoadBalancer?.Ingress ?? [])
                    .Select(i => !string.IsNullOrEmpty(i.Ip) ? i.Ip : i.Hostname)
                    .Where(s => !string.IsNullOrEmpty(s)).Distinct().OrderBy(s => s, StringComparer.Ordinal));
                if (lb.Length > 16) lb = lb[..13] + "...";
                if (external.Count > 0) return string.Join(",", (lb.Length > 0 ? lb.Split(',') : []).Concat(external));
                return lb.Length > 0 ? lb : "<pending>";
            case "ExternalName":
                return spec.ExternalName ?? "";
        }
        return Printing.Unknown;
    }
}
