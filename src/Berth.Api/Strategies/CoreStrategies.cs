using System.Globalization;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Registry;
using static Berth.Api.Strategies.StrategySupport;

namespace Berth.Api.Strategies;

/// <summary>The minimal strategy: NAME and AGE columns, no defaults or validation beyond metadata (the server's).</summary>
public sealed class BasicStrategy<T> : ResourceStrategy<T> where T : KubeObject
{
    private readonly IScaleAccessor? _scale;
    public BasicStrategy(IScaleAccessor? scale = null) { _scale = scale; }
    public override IScaleAccessor? Scale => _scale;
}

internal static class Cols
{
    public static TableColumn Name => new("Name", "string", "name", "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.");
    public static TableColumn Age => new("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created.");
}

/// <summary>namespaces: status Active and the kubernetes finalizer on create, the metadata.name label, status.phase field.</summary>
public sealed class NamespaceStrategy : ResourceStrategy<Namespace>
{
    protected override void PrepareForCreate(Namespace ns)
    {
        ns.Status = new NamespaceStatus { Phase = "Active" };
        var spec = ns.Spec ??= new NamespaceSpec();
        spec.Finalizers ??= new List<string>();
        if (!spec.Finalizers.Contains("kubernetes")) spec.Finalizers.Add("kubernetes");
    }

    protected override void Default(Namespace ns)
    {
        if (!string.IsNullOrEmpty(ns.Metadata.Name))
            (ns.Metadata.Labels ??= new Dictionary<string, string>())["kubernetes.io/metadata.name"] = ns.Metadata.Name;
        ns.Status ??= new NamespaceStatus();
        if (string.IsNullOrEmpty(ns.Status.Phase)) ns.Status.Phase = "Active";
    }

    protected override void AddSelectableFields(Namespace ns, Dictionary<string, string> fields)
        => fields["status.phase"] = ns.Status?.Phase ?? "";

    /// <summary>The namespace controller empties the namespace, then clears spec.finalizers; only then does it go.</summary>
    protected override bool HoldsDeletion(Namespace ns) => ns.Spec?.Finalizers is { Count: > 0 };

    protected override void PrepareForDelete(Namespace ns) => (ns.Status ??= new NamespaceStatus()).Phase = "Terminating";

    public override IReadOnlyList<TableColumn> Columns { get; } =
        [Cols.Name, new("Status", "string", "", "The status of the namespace"), Cols.Age];

    protected override object?[] Row(Namespace ns, DateTimeOffset now)
        => [ns.Metadata.Name, ns.Status?.Phase ?? "", Printing.Age(ns.Metadata.CreationTimestamp, now)];
}

public sealed class ServiceAccountStrategy : ResourceStrategy<ServiceAccount>
{
    public override IReadOnlyList<TableColumn> Columns { get; } =
        [Cols.Name, new("Secrets", "string", "", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."), Cols.Age];

    protected override object?[] Row(ServiceAccount sa, DateTimeOffset now)
        => [sa.Metadata.Name, (long)(sa.Secrets?.Count ?? 0), Printing.Age(sa.Metadata.CreationTimestamp, now)];
}

public sealed class EndpointsStrategy : ResourceStrategy<Endpoints>
{
    public override IReadOnlyList<TableColumn> Columns { get; } =
        [Cols.Name, new("Endpoints", "string", "", "Endpoints is the list of endpoints in this service."), Cols.Age];

    protected override object?[] Row(Endpoints ep, DateTimeOffset now)
        => [ep.Metadata.Name, FormatEndpoints(ep), Printing.Age(ep.Metadata.CreationTimestamp, now)];

    /// <summary>formatEndpoints: up to three ip:port entries, then " + N more...".</summary>
    public static string FormatEndpoints(Endpoints ep)
    {
        if (ep.Subsets is null || ep.Subsets.Count == 0) return Printing.None;
        const int max = 3;
        var list = new List<string>();
        bool more = false;
        int count = 0;
        foreach (var ss in ep.Subsets)
        {
            var addrs = ss.Addresses ?? [];
            if (ss.Ports is null || ss.Ports.Count == 0)
            {
                count += addrs.Count;
                foreach (var a in addrs)
                {
                    if (list.Count == max) { more = true; break; }
                    list.Add(a.Ip ?? "");
                }
                continue;
            }
            foreach (var port in ss.Ports)
            {
                count += addrs.Count;
                foreach (var a in addrs)
                {
                    if (list.Count == max) { more = true; break; }
                    var ip = a.Ip ?? "";
                    var host = ip.Contains(':') ? "[" + ip + "]" : ip;
                    list.Add(host + ":" + (port.Port ?? 0).ToString(CultureInfo.InvariantCulture));
                }
            }
        }
        var ret = string.Join(",", list);
        return more ? $"{ret} + {count - max} more..." : ret;
    }
}

/// <summary>nodes: allocatable defaults to capacity; STATUS/ROLES/VERSION columns; spec.unschedulable field.</summary>
public sealed class NodeStrategy : ResourceStrategy<Node>
{
    protected override void Default(Node node)
    {
        if (node.Status is { Allocatable: null, Capacity: not null } st)
            st.Allocatable = new Dictionary<string, Quantity>(st.Capacity);
    }

    protected override void AddSelectableFields(Node node, Dictionary<string, string> fields)
        => fields["spec.unschedulable"] = node.Spec?.Unschedulable == true ? "true" : "false";

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Cols.Name,
        new("Status", "string", "", "The status of the node"),
        new("Roles", "string", "", "The roles of the node"),
        Cols.Age,
        new("Version", "string", "", "Kubelet Version reported by the node."),
        new("Internal-IP", "string", "", "List of addresses reachable to the node.", 1),
        new("External-IP", "string", "", "List of addresses reachable to the node.", 1),
        new("OS-Image", "string", "", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1),
        new("Kernel-Version", "string", "", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
        new("Container-Runtime", "string", "", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1),
    ];

    protected override object?[] Row(Node node, DateTimeOffset now)
    {
        var status = new List<string>();
        var ready = node.Status?.Conditions?.LastOrDefault(c => c.Type == "Ready");
        if (ready is not null) status.Add(ready.Status == "True" ? "Ready" : "NotReady");
        if (status.Count == 0) status.Add("Unknown");
        if (node.Spec?.Unschedulable == true) status.Add("SchedulingDisabled");

        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (k, v) in node.Metadata.Labels ?? [])
        {
            if (k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
            {
                var role = k["node-role.kubernetes.io/".Length..];
                if (role.Length > 0) roles.Add(role);
            }
            else if (k == "kubernetes.io/role" && v.Length > 0) roles.Add(v);
        }
        var info = node.Status?.NodeInfo;
        string Or(string? s) => string.IsNullOrEmpty(s) ? Printing.Unknown : s;
        string Addr(string type) => node.Status?.Addresses?.FirstOrDefault(a => a.Type == type)?.Address ?? Printing.None;
        return
        [
            node.Metadata.Name, string.Join(",", status), roles.Count == 0 ? Printing.None : string.Join(",", roles),
            Printing.Age(node.Metadata.CreationTimestamp, now), info?.KubeletVersion ?? "",
            Addr("InternalIP"), Addr("ExternalIP"), Or(info?.OsImage), Or(info?.KernelVersion), Or(info?.ContainerRuntimeVersion),
        ];
    }
}

/// <summary>The event printer and field set shared by core/v1 and events.k8s.io/v1 Events (one storage).</summary>
internal static class EventPrinting
{
    public static readonly IReadOnlyList<TableColumn> Columns =
    [
        new("Last Seen", "string", "", "The time at which the most recent occurrence of this event was recorded."),
        new("Type", "string", "", "Type of this event (Normal, Warning), new types could be added in the future"),
        new("Reason", "string", "", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
        new("Object", "string", "", "The object that this event is about."),
        new("Subobject", "string", "", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.", 1),
        new("Source", "string", "", "The component reporting this event. Should be a short machine understandable string.", 1),
        new("Message", "string", "", "A human-readable description of the status of this operation."),
        new("First Seen", "string", "", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", 1),
        new("Count", "string", "", "The number of times this event has occurred.", 1),
        new("Name", "string", "name", "Name must be unique within a namespace.", 1),
    ];

    public static object?[] Row(string? name, ObjectReference? involved, string? type, string? reason, string? message,
        string? sourceComponent, string? sourceHost, string? reportingController, string? reportingInstance,
        DateTimeOffset? firstTimestamp, DateTimeOffset? lastTimestamp, DateTimeOffset? eventTime, int? count,
        int? seriesCount, DateTimeOffset? seriesLastObserved, bool hasSeries, DateTimeOffset now)
    {
        var first = firstTimestamp is null ? Printing.Age(eventTime, now) : Printing.Age(firstTimestamp, now);
        var last = lastTimestamp is null ? first : Printing.Age(lastTimestamp, now);
        long n = count ?? 0;
        if (hasSeries) { last = Printing.Age(seriesLastObserved, now); n = seriesCount ?? 0; }
        else if (n == 0) n = 1;
        var kind = (involved?.Kind ?? "").ToLowerInvariant();
        var target = string.IsNullOrEmpty(involved?.Name) ? kind : kind + "/" + involved!.Name;
        var component = string.IsNullOrEmpty(sourceComponent) ? reportingController ?? "" : sourceComponent;
        var instance = string.IsNullOrEmpty(sourceHost) ? reportingInstance ?? "" : sourceHost;
        var source = instance.Length == 0 ? component : component + ", " + instance;
        return [last, type ?? "", reason ?? "", target, involved?.FieldPath ?? "", source, (message ?? "").Trim(), first, n, name];
    }

    public static void Fields(ObjectReference? o, string? reason, string? reportingController, string? sourceComponent, string? type, Dictionary<string, string> fields)
    {
        fields["involvedObject.kind"] = o?.Kind ?? "";
        fields["involvedObject.namespace"] = o?.Namespace ?? "";
        fields["involvedObject.name"] = o?.Name ?? "";
        fields["involvedObject.uid"] = o?.Uid ?? "";
        fields["involvedObject.apiVersion"] = o?.ApiVersion ?? "";
        fields["involvedObject.resourceVersion"] = o?.ResourceVersion ?? "";
        fields["involvedObject.fieldPath"] = o?.FieldPath ?? "";
        fields["reason"] = reason ?? "";
        fields["reportingComponent"] = reportingController ?? "";
        fields["source"] = string.IsNullOrEmpty(sourceComponent) ? reportingController ?? "" : sourceComponent;
        fields["type"] = type ?? "";
    }
}

public sealed class EventStrategy : ResourceStrategy<Event>
{
    public override IReadOnlyList<TableColumn> Columns => EventPrinting.Columns;

    protected override object?[] Row(Event e, DateTimeOffset now)
        => EventPrinting.Row(e.Metadata.Name, e.InvolvedObject, e.Type, e.Reason, e.Message, e.Source?.Component, e.Source?.Host,
            e.ReportingComponent, e.ReportingInstance, e.FirstTimestamp, e.LastTimestamp, e.EventTime, e.Count,
            e.Series?.Count, e.Series?.LastObservedTime, e.Series is not null, now);

    protected override void AddSelectableFields(Event e, Dictionary<string, string> fields)
        => EventPrinting.Fields(e.InvolvedObject, e.Reason, e.ReportingComponent, e.Source?.Component, e.Type, fields);
}

/// <summary>events.k8s.io/v1 Events: same table and field set as core Events (regarding = involvedObject, note = message).</summary>
public sealed class EventsV1Strategy : ResourceStrategy<Berth.Api.Events.Event>
{
    public override IReadOnlyList<TableColumn> Columns => EventPrinting.Columns;

    protected override object?[] Row(Berth.Api.Events.Event e, DateTimeOffset now)
        => EventPrinting.Row(e.Metadata.Name, e.Regarding, e.Type, e.Reason, e.Note, e.DeprecatedSource?.Component, e.DeprecatedSource?.Host,
            e.ReportingController, e.ReportingInstance, e.DeprecatedFirstTimestamp, e.DeprecatedLastTimestamp, e.EventTime, e.DeprecatedCount,
            e.Series?.Count, e.Series?.LastObservedTime, e.Series is not null, now);

    protected override void AddSelectableFields(Berth.Api.Events.Event e, Dictionary<string, string> fields)
        => EventPrinting.Fields(e.Regarding, e.Reason, e.ReportingController, e.DeprecatedSource?.Component, e.Type, fields);
}

public sealed class LeaseStrategy : ResourceStrategy<Berth.Api.Coordination.Lease>
{
    public override IReadOnlyList<TableColumn> Columns { get; } =
        [Cols.Name, new("Holder", "string", "", "holderIdentity contains the identity of the holder of a current lease."), Cols.Age];

    protected override object?[] Row(Berth.Api.Coordination.Lease l, DateTimeOffset now)
        => [l.Metadata.Name, l.Spec?.HolderIdentity ?? "", Printing.Age(l.Metadata.CreationTimestamp, now)];
}

