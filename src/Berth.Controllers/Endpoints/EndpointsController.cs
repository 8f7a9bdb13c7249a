using System.Text.Json;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.ServiceEndpoints;

/// <summary>
/// Upstream's endpoints controller (pkg/controller/endpoint): for every Service with a selector keeps the core/v1
/// Endpoints object of the same name equal to the pods the selector matches — ready pods in addresses, the others in
/// notReadyAddresses (all in addresses with publishNotReadyAddresses) — with ports resolved against each pod's named
/// container ports. Services without a selector are left alone (their Endpoints are the user's). When a Service goes its
/// Endpoints are deleted. Writes happen only when the computed object differs from the current one.
/// </summary>
public sealed class EndpointsController : Controller
{
    public const string HeadlessLabel = "service.kubernetes.io/headless";

    private readonly IApiClient _client;
    private readonly SharedInformer<Service> _services;
    private readonly SharedInformer<Pod> _pods;
    private readonly SharedInformer<Endpoints> _endpoints;

    public EndpointsController(IApiClient client, InformerFactory informers, ILogger? log = null) : base("endpoints-controller", log)
    {
        _client = client;
        _services = informers.For<Service>();
        _pods = informers.For<Pod>();
        _endpoints = informers.For<Endpoints>();
        WaitFor(_services); WaitFor(_pods); WaitFor(_endpoints);
        _services.AddEventHandler(Enqueue, (_, s) => Enqueue(s), Enqueue);
        _pods.AddEventHandler(p => EnqueueServicesOf(p, null), (o, p) => { if (EndpointsMayChange(o, p)) EnqueueServicesOf(p, o); }, p => EnqueueServicesOf(p, null));
        // Someone else changed or deleted an Endpoints object we manage: put it back.
        _endpoints.AddEventHandler(null, (_, e) => EnqueueIfManaged(e), EnqueueIfManaged);
    }

    private void EnqueueIfManaged(Endpoints e)
    {
        if (_services.Get(e.Metadata.Namespace, e.Metadata.Name ?? "") is { Spec.Selector: { Count: > 0 } }) Enqueue(e);
    }

    private void EnqueueServicesOf(Pod pod, Pod? old)
    {
        foreach (var svc in _services.ByIndex(SharedInformer<Service>.NamespaceIndex, pod.Metadata.Namespace ?? ""))
        {
            if (svc.Spec?.Selector is not { Count: > 0 } sel) continue;
            if (Matches(sel, pod.Metadata.Labels) || (old is not null && Matches(sel, old.Metadata.Labels))) Enqueue(svc);
        }
    }

    /// <summary>
    /// Whether a pod update can change an Endpoints object (upstream's podEndpointsChanged, plus label changes): a pod
    /// writes its status several times on its way to Ready, and each sync of a service with many pods is O(its pods),
    /// so updates that touch nothing endpoints show (conditions other than Ready, container states) enqueue nothing.
    /// </summary>
    public static bool EndpointsMayChange(Pod old, Pod cur)
    {
        if (ReferenceEquals(old, cur)) return true; // a resync
        var (o, c) = (old.Spec, cur.Spec);
        return old.Metadata.Uid != cur.Metadata.Uid
            || old.Metadata.DeletionTimestamp != cur.Metadata.DeletionTimestamp
            || !SameLabels(old.Metadata.Labels, cur.Metadata.Labels ?? new Dictionary<string, string>())
            || PodIp(old) != PodIp(cur)
            || old.Status?.Phase != cur.Status?.Phase
            || IsPodReady(old) != IsPodReady(cur)
            || o?.NodeName != c?.NodeName || o?.Hostname != c?.Hostname || o?.Subdomain != c?.Subdomain;
    }

    public static bool Matches(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string>? labels)
    {
        foreach (var (k, v) in selector)
            if (labels is null || !labels.TryGetValue(k, out var lv) || lv != v) return false;
        return true;
    }

    protected override async Task SyncAsync(string key, CancellationToken ct)
    {
        var (ns, name) = KubeObjects.SplitKey(key);
        var svc = _services.Get(key);
        if (svc is null)
        {
            if (_endpoints.Get(key) is null) return;
            try { await _client.DeleteAsync<Endpoints>(ns, name, null, ct); }
            catch (ApiStatusException e) when (e.IsNotFound) { }
            return;
        }
        if (svc.Spec?.Selector is not { Count: > 0 } selector) return;

        var pods = _pods.ByIndex(SharedInformer<Pod>.NamespaceIndex, ns ?? "").Where(p => Matches(selector, p.Metadata.Labels));
        var subsets = ComputeSubsets(svc, pods);
        var labels = new Dictionary<string, string>(svc.Metadata.Labels ?? new Dictionary<string, string>());
        if (svc.Spec.ClusterIP == "None") labels[HeadlessLabel] = "";

        var current = _endpoints.Get(key);
        if (current is null)
        {
            try
            {
                await _client.CreateAsync(new Endpoints
                {
                    Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = labels },
                    Subsets = subsets.Count > 0 ? subsets : null,
                }, ct);
            }
            catch (ApiStatusException e) when (e.IsAlreadyExists)
            {
                // Our cache is behind: the informer's add re-queues the service.
            }
            return;
        }
        if (SameSubsets(current.Subsets, subsets) && SameLabels(current.Metadata.Labels, labels)) return;
        var copy = KubeObjects.DeepCopy(current);
        copy.Subsets = subsets.Count > 0 ? subsets : null;
        copy.Metadata.Labels = labels;
        await _client.UpdateAsync(copy, ct); // 409: retried with backoff after the informer catches up
    }

    private static bool SameLabels(Dictionary<string, string>? a, Dictionary<string, string> b)
        => (a?.Count ?? 0) == b.Count && b.All(kv => a!.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>Equal ignoring targetRef.resourceVersion (upstream's endpointSubsetsEqualIgnoreResourceVersion).</summary>
    public static bool SameSubsets(List<EndpointSubset>? a, List<EndpointSubset>? b)
    {
        static string Norm(List<EndpointSubset>? s)
        {
            var copy = JsonSerializer.Deserialize<List<EndpointSubset>>(JsonSerializer.Serialize(s ?? [], KubeJson.Options), KubeJson.Options) ?? [];
            foreach (var sub in copy)
                foreach (var addr in (sub.Addresses ?? []).Concat(sub.NotReadyAddresses ?? []))
                    if (addr.TargetRef is not null) addr.TargetRef.ResourceVersion = null;
            return JsonSerializer.Serialize(copy, KubeJson.Options);
        }
        return Norm(a) == Norm(b);
    }

    /// <summary>
    /// endpointsliceutil.ShouldPodBeInEndpoints: the pod has an IP, is not being deleted (unless terminating pods are
    /// tolerated) and has not finished for good.
    /// </summary>
    public static bool ShouldPodBeInEndpoints(Pod pod, bool includeTerminating)
    {
        if (string.IsNullOrEmpty(PodIp(pod))) return false;
        if (!includeTerminating && pod.Metadata.DeletionTimestamp is not null) return false;
        var phase = pod.Status?.Phase;
        return (pod.Spec?.RestartPolicy ?? "Always") switch
        {
            "Never" => phase is not ("Failed" or "Succeeded"),
            "OnFailure" => phase != "Succeeded",
            _ => true,
        };
    }

    private static string? PodIp(Pod pod)
        => pod.Status?.PodIPs is { Count: > 0 } ips && !string.IsNullOrEmpty(ips[0].Ip) ? ips[0].Ip : pod.Status?.PodIP;

    public static bool IsPodReady(Pod pod) => (pod.Status?.Conditions ?? []).Any(c => c.Type == "Ready" && c.Status == "True");

    /// <summary>podutil.FindPort: a numeric targetPort as is; a named one looked up in the pod's container ports (same protocol).</summary>
    public static int? FindPort(Pod pod, ServicePort sp)
    {
        var protocol = sp.Protocol ?? "TCP";
        if (sp.TargetPort is not { } tp) return sp.Port;
        if (tp.IsInt) return tp.IntVal != 0 ? tp.IntVal : sp.Port;
        var portName = tp.StrVal;
        if (portName.Length == 0) return sp.Port;
        if (int.TryParse(portName, out var parsed)) return parsed;
        foreach (var c in pod.Spec?.Containers ?? [])
            foreach (var p in c.Ports ?? [])
                if (p.Name == portName && (p.Protocol ?? "TCP") == protocol) return p.ContainerPortNumber;
        return null;
    }

    /// <summary>The subsets of a service's Endpoints for the given (selected) pods, packed and sorted deterministically.</summary>
    public static List<EndpointSubset> ComputeSubsets(Service svc, IEnumerable<Pod> pods)
    {
        var spec = svc.Spec ?? new ServiceSpec();
        bool tolerateUnready = spec.PublishNotReadyAddresses == true;
        var servicePorts = spec.Ports ?? [];
        // (address, ready, ports) per pod; then grouped by identical port sets (endpoints.RepackSubsets).
        var entries = new List<(EndpointAddress Address, bool Ready, List<EndpointPort> Ports)>();
        foreach (var pod in pods)
        {
            if (!ShouldPodBeInEndpoints(pod, tolerateUnready)) continue;
            var addr = new EndpointAddress
            {
                Ip = PodIp(pod),
                NodeName = string.IsNullOrEmpty(pod.Spec?.NodeName) ? null : pod.Spec.NodeName,
                TargetRef = new ObjectReference { Kind = "Pod", Namespace = pod.Metadata.Namespace, Name = pod.Metadata.Name, Uid = pod.Metadata.Uid },
            };
            if (pod.Spec?.Hostname is { Length: > 0 } host && pod.Spec.Subdomain == svc.Metadata.Name && pod.Metadata.Namespace == svc.Metadata.Namespace)
                addr.Hostname = host;
            bool ready = tolerateUnready || IsPodReady(pod);
            var ports = new List<EndpointPort>();
            if (servicePorts.Count == 0)
            {
                if (spec.ClusterIP != "None") continue; // a service without ports has endpoints only when headless
            }
            else
            {
                foreach (var sp in servicePorts)
                {
                    if (FindPort(pod, sp) is not { } port) continue; // upstream logs and skips this port for the pod
                    ports.Add(new EndpointPort { Name = string.IsNullOrEmpty(sp.Name) ? null : sp.Name, Port = port, Protocol = sp.Protocol ?? "TCP", AppProtocol = sp.AppProtocol });
                }
                if (ports.Count == 0) continue;
            }
            entries.Add((addr, ready, ports));
        }

        static string PortKey(EndpointPort p) => $"{p.Name}\u0000{p.Port:D5}\u0000{p.Protocol}\u0000{p.AppProtocol}";
        var subsets = new List<(string Key, EndpointSubset Subset)>();
        foreach (var group in entries.GroupBy(e => string.Join("\u0001", e.Ports.Select(PortKey).Distinct().Order(StringComparer.Ordinal))))
        {
            var ports = group.First().Ports.DistinctBy(PortKey).OrderBy(PortKey, StringComparer.Ordinal).ToList();
            var ready = Sorted(group.Where(e => e.Ready).Select(e => e.Address));
            var notReady = Sorted(group.Where(e => !e.Ready).Select(e => e.Address));
            subsets.Add((group.Key, new EndpointSubset
            {
                Addresses = ready.Count > 0 ? ready : null,
                NotReadyAddresses = notReady.Count > 0 ? notReady : null,
                Ports = ports.Count > 0 ? ports : null,
            }));
        }
        return subsets.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Subset).ToList();
    }

    private static List<EndpointAddress> Sorted(IEnumerable<EndpointAddress> addrs)
        => addrs.OrderBy(a => a.Ip, StringComparer.Ordinal).ThenBy(a => a.TargetRef?.Uid, StringComparer.Ordinal).ToList();
}
