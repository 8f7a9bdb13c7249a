using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Storage;
using Berth.Client;
using Berth.Controllers.PersistentVolumes;
using Microsoft.Extensions.Logging;

namespace Berth.Scheduling;

/// <summary>
/// kube-scheduler for pods whose schedulerName is "default-scheduler" (or unset), as an API client: informers on
/// pods, nodes, claims, volumes and classes; a work queue of unscheduled pods; a level-triggered sync per pod.
/// <para>A scheduling cycle (serial, under one lock, on cached state) runs the VolumeBinding PreFilter, then per node
/// NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit and VolumeBinding Filter, scores the feasible
/// nodes (least requested, ties by name) and "assumes" the pod on the chosen node (its requests and chosen volumes
/// count at once for later cycles). PreBind then writes the static volume bindings (PV claimRef) and provisioning
/// requests (claim selected-node), and the pod waits — asynchronously: its key is requeued, no worker blocks —
/// until every claim is Bound; Bind sets spec.nodeName and PodScheduled=True.</para>
/// <para>Unschedulable pods are retried when something they might wait for changes (claims, volumes, classes,
/// nodes, pods leaving nodes), with a backoff of at most 10 s as a safety net. Everything is recomputed from the
/// API state, so a restart in the middle of PreBind simply re-evaluates (a half-written binding is found again as
/// a pre-bound volume or a claim's selected-node).</para>
/// </summary>
public sealed class Scheduler : Controller
{
    public const string SchedulerName = "default-scheduler";
    public const string ReasonBindConflict = "node(s) didn't find available persistent volumes to bind";
    public const string ReasonNodeConflict = "node(s) had volume node affinity conflict";
    public const string ReasonPvNotExist = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";
    public const string ReasonUnboundImmediate = "pod has unbound immediate PersistentVolumeClaims";
    public const string ReasonTooManyPods = "Too many pods";
    public const string ReasonUnschedulable = "Unschedulable";
    public const string ReasonSchedulerError = "SchedulerError";

    private const string NodeIndex = "scheduler-node";
    private const string ClaimIndex = "scheduler-claims";
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan BindPollEvery = TimeSpan.FromSeconds(2);

    private readonly IApiClient _client;
    private readonly EventRecorder _events;
    private readonly SharedInformer<Pod> _pods;
    private readonly SharedInformer<Node> _nodes;
    private readonly SharedInformer<PersistentVolumeClaim> _claims;
    private readonly SharedInformer<PersistentVolume> _volumes;
    private readonly SharedInformer<StorageClass> _classes;
    private readonly VolumeIndex _index = new();
    private readonly Lock _cycle = new();
    /// <summary>Pods reserved on a node (from the scheduling cycle until the informer shows them bound), by pod key. Under _cycle.</summary>
    private readonly Dictionary<string, Assumed> _assumed = new(StringComparer.Ordinal);
    /// <summary>Pods that failed to schedule, with their number of attempts (for the safety-net backoff).</summary>
    private readonly ConcurrentDictionary<string, int> _unschedulable = new(StringComparer.Ordinal);

    /// <summary>How long PreBind waits for the claims to be bound (upstream's bind timeout, 600 s).</summary>
    public TimeSpan BindTimeout { get; set; } = TimeSpan.FromSeconds(600);

    private sealed class Assumed
    {
        public required string Uid { get; init; }
        public required string Node { get; init; }
        public required Resources Requests { get; init; }
        /// <summary>Claim key → the volume chosen for it (static binding).</summary>
        public Dictionary<string, string> StaticBindings { get; init; } = new(StringComparer.Ordinal);
        /// <summary>Claims to be provisioned on the node.</summary>
        public HashSet<string> Provisioning { get; init; } = new(StringComparer.Ordinal);
        /// <summary>Claim key → the resourceVersion of our selected-node write (the informer may not show it yet).</summary>
        public Dictionary<string, long> SelectedNodeWrites { get; } = new(StringComparer.Ordinal);
        public DateTime Deadline { get; set; }
        public bool VolumesWritten { get; set; }
        public bool Bound { get; set; }
    }

    public Scheduler(IApiClient client, InformerFactory informers, EventRecorder events, ILogger? log = null)
        : base(SchedulerName, log)
    {
        _client = client;
        _events = events;
        _pods = informers.For<Pod>();
        _nodes = informers.For<Node>();
        _claims = informers.For<PersistentVolumeClaim>();
        _volumes = informers.For<PersistentVolume>();
        _classes = informers.For<StorageClass>();
        WaitFor(_pods); WaitFor(_nodes); WaitFor(_claims); WaitFor(_volumes); WaitFor(_classes);

        _pods.AddIndex(NodeIndex, p => OccupiesNode(p) ? [p.Spec!.NodeName!] : []);
        _pods.AddIndex(ClaimIndex, p => ClaimNames(p).Select(c => p.Metadata.Namespace + "/" + c.Name));

        _pods.AddEventHandler(OnPodAdd, OnPodUpdate, OnPodDelete);
        _nodes.AddEventHandler(_ => MoveAllUnschedulable(), (o, n) => { if (NodeChangeMatters(o, n)) MoveAllUnschedulable(); }, null);
        _claims.AddEventHandler(EnqueueClaimUsers, (_, c) => EnqueueClaimUsers(c), EnqueueClaimUsers);
        _volumes.AddEventHandler(OnVolume, (_, pv) => OnVolume(pv), pv => { _index.Remove(pv.Metadata.Name!); MoveAllUnschedulable(); });
        _classes.AddEventHandler(_ => MoveAllUnschedulable(), (_, _) => MoveAllUnschedulable(), null);
    }

    // ------------------------------------------------------------------ event handlers

    /// <summary>Pods this scheduler is responsible for.</summary>
    public static bool Responsible(Pod p) => p.Spec?.SchedulerName is null or "" or SchedulerName;

    private static bool Terminal(Pod p) => p.Status?.Phase is "Succeeded" or "Failed";

    /// <summary>A pod that uses a node's resources: assigned and not finished.</summary>
    private static bool OccupiesNode(Pod p) => !string.IsNullOrEmpty(p.Spec?.NodeName) && !Terminal(p);

    private static bool NeedsScheduling(Pod p)
        => string.IsNullOrEmpty(p.Spec?.NodeName) && p.Metadata.DeletionTimestamp is null && !Terminal(p) && Responsible(p);

    private void OnPodAdd(Pod p)
    {
        if (NeedsScheduling(p)) Enqueue(p);
        else if (!string.IsNullOrEmpty(p.Spec?.NodeName)) ForgetAssumedIfBound(p);
    }

    private void OnPodUpdate(Pod old, Pod p)
    {
        if (!string.IsNullOrEmpty(p.Spec?.NodeName))
        {
            ForgetAssumedIfBound(p);
            _unschedulable.TryRemove(KubeObjects.KeyOf(p), out _);
            if (OccupiesNode(old) && !OccupiesNode(p)) MoveAllUnschedulable(); // finished: its resources are free
            return;
        }
        if (!NeedsScheduling(p)) return;
        // Our own status writes must not re-trigger a cycle: only a new or changed spec/labels/deletion does.
        if (!string.IsNullOrEmpty(old.Spec?.NodeName) || !SameJson(old.Spec, p.Spec) || !SameJson(old.Metadata.Labels, p.Metadata.Labels)
            || old.Metadata.Uid != p.Metadata.Uid)
            Enqueue(p);
    }

    private void OnPodDelete(Pod p)
    {
        var key = KubeObjects.KeyOf(p);
        _unschedulable.TryRemove(key, out _);
        bool freed = OccupiesNode(p);
        lock (_cycle) freed |= _assumed.Remove(key);
        if (freed) MoveAllUnschedulable();
    }

    private void ForgetAssumedIfBound(Pod p)
    {
        var key = KubeObjects.KeyOf(p);
        lock (_cycle)
        {
            if (_assumed.TryGetValue(key, out var a) && (a.Uid != p.Metadata.Uid || a.Node == p.Spec?.NodeName || a.Bound))
                _assumed.Remove(key);
        }
    }

    private static bool SameJson<T>(T a, T b)
        => JsonSerializer.Serialize(a, KubeJson.Options) == JsonSerializer.Serialize(b, KubeJson.Options);

    /// <summary>Node updates that can make a pod fit: schedulability, labels, taints, allocatable, readiness.</summary>
    private static bool NodeChangeMatters(Node o, Node n)
        => o.Spec?.Unschedulable != n.Spec?.Unschedulable
           || !SameJson(o.Metadata.Labels, n.Metadata.Labels)
           || !SameJson(o.Spec?.Taints, n.Spec?.Taints)
           || !SameJson(o.Status?.Allocatable, n.Status?.Allocatable)
           || ReadyStatus(o) != ReadyStatus(n);

    private static string? ReadyStatus(Node n) => n.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status;

    private void EnqueueClaimUsers(PersistentVolumeClaim c)
    {
        foreach (var p in _pods.ByIndex(ClaimIndex, c.Metadata.Namespace + "/" + c.Metadata.Name))
            if (NeedsScheduling(p)) Enqueue(p);
    }

    private void OnVolume(PersistentVolume pv)
    {
        UpsertIfNewer(pv);
        if (pv.Spec?.ClaimRef is { Name.Length: > 0 } r)
            foreach (var p in _pods.ByIndex(ClaimIndex, r.Namespace + "/" + r.Name))
                if (NeedsScheduling(p)) Enqueue(p);
        MoveAllUnschedulable();
    }

    private void MoveAllUnschedulable()
    {
        foreach (var key in _unschedulable.Keys) Queue.Add(key);
    }

    private void UpsertIfNewer(PersistentVolume pv)
    {
        var cur = _index.Get(pv.Metadata.Name!);
        if (cur is not null && Rv(cur) > Rv(pv)) return;
        _index.Upsert(pv);
    }

    private static long Rv(KubeObject o) => long.TryParse(o.Metadata.ResourceVersion, out var v) ? v : 0;

    // ------------------------------------------------------------------ sync

    protected override async Task SyncAsync(string key, CancellationToken ct)
    {
        var pod = _pods.Get(key);
        if (pod is null || !NeedsScheduling(pod) || pod.Spec?.SchedulingGates is { Count: > 0 })
        {
            _unschedulable.TryRemove(key, out _);
            if (pod is null || pod.Metadata.DeletionTimestamp is not null || Terminal(pod)) ForgetAssumed(key, null);
            return;
        }

        Assumed? assumed;
        lock (_cycle)
        {
            _assumed.TryGetValue(key, out assumed);
            if (assumed is not null && assumed.Uid != pod.Metadata.Uid) { _assumed.Remove(key); assumed = null; }
        }
        if (assumed is not null)
        {
            if (!assumed.Bound) await ContinueBindingAsync(key, pod, assumed, ct);
            return;
        }

        var outcome = ScheduleOne(key, pod);
        if (outcome.Failure is { } failure)
        {
            await RecordFailureAsync(pod, ReasonUnschedulable, failure, ct);
            var attempts = _unschedulable.AddOrUpdate(key, 1, (_, n) => n + 1);
            Queue.AddAfter(key, Backoff(attempts));
            return;
        }
        _unschedulable.TryRemove(key, out _);
        await ContinueBindingAsync(key, pod, outcome.Assumed!, ct);
    }

    private static TimeSpan Backoff(int attempts)
        => TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(attempts - 1, 10))));

    private void ForgetAssumed(string key, string? uid)
    {
        bool removed;
        lock (_cycle)
        {
            removed = _assumed.TryGetValue(key, out var a) && (uid is null || a.Uid == uid) && _assumed.Remove(key);
        }
        if (removed) MoveAllUnschedulable();
    }

    // ------------------------------------------------------------------ the scheduling cycle

    private readonly record struct Outcome(string? Failure, Assumed? Assumed);

    private sealed record ClaimSet(List<PersistentVolumeClaim> Bound, List<PersistentVolumeClaim> Delayed);

    private sealed record NodePlan(Dictionary<string, string> Static, HashSet<string> Provision);

    /// <summary>PreFilter, Filter, Score and Reserve on cached state, under the cycle lock. Pure apart from the assume.</summary>
    private Outcome ScheduleOne(string key, Pod pod)
    {
        lock (_cycle)
        {
            var nodes = _nodes.List().OrderBy(n => n.Metadata.Name, StringComparer.Ordinal).ToList();
            if (nodes.Count == 0) return new(FitError.NoNodesAvailable, null);

            var preFilter = PreFilterVolumes(pod, out var claims);
            if (preFilter is not null)
            {
                var all = nodes.Select(_ => FilterStatus.Unresolved(preFilter)).ToList();
                return new(FitError.Format(nodes.Count, preFilter, [], PostFilter(pod, nodes, all)), null);
            }

            var requests = Resources.PodRequests(pod);
            var statuses = new List<FilterStatus>(nodes.Count);
            var feasible = new List<(Node Node, NodePlan Plan, double Score)>();
            foreach (var node in nodes)
            {
                var status = Filter(key, pod, node, requests, claims!, out var plan);
                if (status is null) feasible.Add((node, plan!, Score(key, node, requests)));
                else statuses.Add(status);
            }
            if (feasible.Count == 0)
                return new(FitError.Format(nodes.Count, null, statuses, PostFilter(pod, nodes, statuses)), null);

            // Highest score wins; nodes are in name order, so the first best is the smallest name.
            var best = feasible[0];
            foreach (var f in feasible.Skip(1)) if (f.Score > best.Score) best = f;

            var a = new Assumed
            {
                Uid = pod.Metadata.Uid ?? "",
                Node = best.Node.Metadata.Name!,
                Requests = requests,
                StaticBindings = best.Plan.Static,
                Provisioning = best.Plan.Provision,
                Deadline = DateTime.UtcNow + BindTimeout,
            };
            _assumed[key] = a;
            return new(null, a);
        }
    }

    /// <summary>The claim names of the pod's volumes (persistentVolumeClaim, or generic ephemeral: "&lt;pod&gt;-&lt;volume&gt;").</summary>
    private static IEnumerable<(string Name, bool Ephemeral)> ClaimNames(Pod p)
    {
        foreach (var v in p.Spec?.Volumes ?? [])
        {
            if (v.PersistentVolumeClaim?.ClaimName is { Length: > 0 } n) yield return (n, false);
            else if (v.Ephemeral is not null) yield return (p.Metadata.Name + "-" + v.Name, true);
        }
    }

    /// <summary>VolumeBinding PreFilter (podHasPVCs + GetPodVolumeClaims); the unschedulable message, or null.</summary>
    private string? PreFilterVolumes(Pod pod, out ClaimSet? claims)
    {
        claims = null;
        var ns = pod.Metadata.Namespace;
        var list = new List<PersistentVolumeClaim>();
        foreach (var (name, ephemeral) in ClaimNames(pod))
        {
            var c = _claims.Get(ns, name);
            if (c is null)
                return ephemeral
                    ? $"waiting for ephemeral volume controller to create the persistentvolumeclaim \"{name}\""
                    : $"persistentvolumeclaim \"{name}\" not found";
            if (c.Status?.Phase == VolumeConstants.Lost)
                return $"persistentvolumeclaim \"{name}\" bound to non-existent persistentvolume \"{c.Spec?.VolumeName}\"";
            if (c.Metadata.DeletionTimestamp is not null)
                return $"persistentvolumeclaim \"{name}\" is being deleted";
            list.Add(c);
        }
        var set = new ClaimSet([], []);
        bool immediate = false;
        foreach (var c in list.DistinctBy(c => c.Metadata.Name))
        {
            if (FullyBound(c)) set.Bound.Add(c);
            else if (IsDelayBinding(c) && string.IsNullOrEmpty(c.Spec?.VolumeName)) set.Delayed.Add(c);
            else immediate = true; // pre-bound (volumeName set) claims count as immediate, as upstream
        }
        if (immediate) return ReasonUnboundImmediate;
        claims = set;
        return null;
    }

    private static bool FullyBound(PersistentVolumeClaim c)
        => !string.IsNullOrEmpty(c.Spec?.VolumeName) && c.Metadata.Annotations?.ContainsKey(Ann.BindCompleted) == true;

    /// <summary>IsDelayBindingMode: the claim's class exists and is WaitForFirstConsumer (a missing class is not delayed).</summary>
    private bool IsDelayBinding(PersistentVolumeClaim c)
    {
        var cls = VolumeMatcher.ClaimClass(c);
        if (cls.Length == 0) return false;
        return _classes.Get(null, cls)?.VolumeBindingMode == VolumeBindingModes.WaitForFirstConsumer;
    }

    /// <summary>Every Filter plugin for one node, in upstream's order; null when the node fits (then <paramref name="plan"/> says how its volumes get bound).</summary>
    private FilterStatus? Filter(string key, Pod pod, Node node, Resources requests, ClaimSet claims, out NodePlan? plan)
    {
        plan = null;
        if (NodePredicates.CheckTaints(pod, node) is { } taint) return FilterStatus.Unresolved(taint);
        if (!NodePredicates.MatchesPodAffinity(pod, node)) return FilterStatus.Unresolved(NodePredicates.ReasonAffinity);
        var fit = FitResources(node, requests, Usage(node.Metadata.Name!, key, null));
        if (fit.Count > 0) return new FilterStatus(false, fit);
        var reasons = FilterVolumes(key, node, claims, out plan);
        return reasons.Count > 0 ? new FilterStatus(true, reasons) : null;
    }

    /// <summary>NodeResourcesFit: pod count, then cpu and memory against allocatable minus what the node's pods request.</summary>
    private static List<string> FitResources(Node node, Resources requests, (Resources Used, int Pods) usage)
    {
        var reasons = new List<string>();
        var alloc = node.Status?.Allocatable;
        if (alloc is not null && alloc.TryGetValue("pods", out var podsQ) && usage.Pods + 1 > podsQ.Value)
            reasons.Add(ReasonTooManyPods);
        if (requests.MilliCpu == 0 && requests.Memory == 0) return reasons;
        var free = Resources.Of(alloc);
        if (requests.MilliCpu > 0 && requests.MilliCpu > free.MilliCpu - usage.Used.MilliCpu) reasons.Add("Insufficient cpu");
        if (requests.Memory > 0 && requests.Memory > free.Memory - usage.Used.Memory) reasons.Add("Insufficient memory");
        return reasons;
    }

    /// <summary>What the node's pods (bound ones from the cache, plus pods assumed on it) request; <paramref name="except"/> is left out.</summary>
    private (Resources Used, int Pods) Usage(string node, string except, Func<Pod, bool>? skip, bool nonZero = false)
    {
        // Runs twice per pod scheduled over every pod of the node: no key strings, and each cached pod's requests once.
        Resources used = default;
        int count = 0;
        foreach (var p in _pods.ByIndex(NodeIndex, node))
        {
            if (HasKey(p, except) || (skip is not null && skip(p))) continue;
            var r = RequestsOf.GetValue(p, static pod => new StrongBox<Resources>(Resources.PodRequests(pod))).Value;
            used += nonZero ? r.NonZero() : r;
            count++;
        }
        foreach (var (k, a) in _assumed)
        {
            if (a.Node != node || k == except) continue;
            if (_pods.Get(k) is { } cached && OccupiesNode(cached) && cached.Spec!.NodeName == node) continue; // counted above
            used += nonZero ? a.Requests.NonZero() : a.Requests;
            count++;
        }
        return (used, count);
    }

    /// <summary>Requests of the informer's pods, which are never changed (a new version is a new instance).</summary>
    private static readonly ConditionalWeakTable<Pod, StrongBox<Resources>> RequestsOf = new();

    /// <summary>Whether the pod's "namespace/name" is <paramref name="key"/>, without building the key.</summary>
    private static bool HasKey(Pod p, string key)
    {
        var ns = p.Metadata.Namespace ?? "";
        var name = p.Metadata.Name ?? "";
        if (ns.Length == 0) return key == name;
        return key.Length == ns.Length + 1 + name.Length && key[ns.Length] == '/'
            && key.AsSpan(0, ns.Length).SequenceEqual(ns) && key.AsSpan(ns.Length + 1).SequenceEqual(name);
    }

    /// <summary>
    /// VolumeBinding Filter (FindPodVolumes): bound claims need their PV's node affinity to match; unbound delayed
    /// claims need a static match on this node (VolumeMatcher.FindBest, smallest claims first, excluding volumes
    /// chosen for this pod's other claims or reserved by other pods) or a class that can provision here.
    /// </summary>
    private List<string> FilterVolumes(string key, Node node, ClaimSet claims, out NodePlan plan)
    {
        plan = new NodePlan(new(StringComparer.Ordinal), new(StringComparer.Ordinal));
        var reasons = new List<string>();
        bool boundOk = true, pvsFound = true, unboundOk = true;
        var nodeName = node.Metadata.Name!;

        foreach (var c in claims.Bound)
        {
            var pv = _index.Get(c.Spec!.VolumeName!);
            if (pv is null) { pvsFound = false; continue; }
            if (!NodePredicates.MatchesVolume(pv, node)) boundOk = false;
        }

        if (claims.Delayed.Count > 0)
        {
            var toMatch = new List<PersistentVolumeClaim>();
            var toProvision = new List<PersistentVolumeClaim>();
            foreach (var c in claims.Delayed)
            {
                if (c.Metadata.Annotation(Ann.SelectedNode) is { } selected)
                {
                    if (selected != nodeName) { unboundOk = false; goto done; } // pinned to another node
                    toProvision.Add(c);
                }
                else toMatch.Add(c);
            }

            var excluded = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (k, a) in _assumed) if (k != key) excluded.UnionWith(a.StaticBindings.Values);
            foreach (var c in toMatch.OrderBy(c => VolumeMatcher.RequestedStorage(c)))
            {
                var pv = VolumeMatcher.FindBest(c, _index, delayedBinding: false, excluded, v => NodePredicates.MatchesVolume(v, node));
                if (pv is null) { toProvision.Add(c); continue; }
                excluded.Add(pv.Metadata.Name!);
                plan.Static[KubeObjects.KeyOf(c)] = pv.Metadata.Name!;
            }

            foreach (var c in toProvision)
            {
                var cls = _classes.Get(null, VolumeMatcher.ClaimClass(c));
                if (cls is null || string.IsNullOrEmpty(cls.Provisioner) || cls.Provisioner == Ann.NoProvisioner
                    || !NodePredicates.MatchesTopology(cls.AllowedTopologies, node.Metadata.Labels))
                {
                    unboundOk = false;
                    break;
                }
                plan.Provision.Add(KubeObjects.KeyOf(c));
            }
        }
    done:
        if (!boundOk) reasons.Add(ReasonNodeConflict);
        if (!unboundOk) reasons.Add(ReasonBindConflict);
        if (!pvsFound) reasons.Add(ReasonPvNotExist);
        return reasons;
    }

    /// <summary>NodeResourcesFit's LeastAllocated score (cpu and memory equally weighted, requests of 0 count as upstream's defaults).</summary>
    private double Score(string key, Node node, Resources requests)
    {
        var alloc = Resources.Of(node.Status?.Allocatable);
        var used = Usage(node.Metadata.Name!, key, null, nonZero: true).Used + requests.NonZero();
        static double Part(long capacity, long requested)
            => capacity <= 0 || requested > capacity ? 0 : (capacity - requested) * 100.0 / capacity;
        return (Part(alloc.MilliCpu, used.MilliCpu) + Part(alloc.Memory, used.Memory)) / 2;
    }

    /// <summary>
    /// The default preemption plugin's verdict, without evicting anything: nodes rejected as unresolvable are "not
    /// helpful"; on the others, the pods of lower priority are the only possible victims.
    /// </summary>
    private string PostFilter(Pod pod, List<Node> nodes, List<FilterStatus> statuses)
    {
        if (pod.Spec?.PreemptionPolicy == "Never") return "preemption: " + FitError.NotEligibleNever.TrimEnd('.');
        var priority = pod.Spec?.Priority ?? 0;
        var requests = Resources.PodRequests(pod);
        var key = KubeObjects.KeyOf(pod);
        var verdicts = new List<FilterStatus>(nodes.Count);
        // Only called when every node was rejected: statuses[i] is nodes[i]'s (a prefilter failure rejects all, unresolvable).
        foreach (var (node, s) in nodes.Zip(statuses))
        {
            if (s.Unresolvable) { verdicts.Add(FilterStatus.Unresolved(FitError.PreemptionNotHelpful)); continue; }
            bool Lower(Pod p) => (p.Spec?.Priority ?? 0) < priority;
            if (!_pods.ByIndex(NodeIndex, node.Metadata.Name!).Any(Lower)) { verdicts.Add(FilterStatus.Unresolved(FitError.NoVictims)); continue; }
            // Would evicting every lower-priority pod make room? If not, that is the reason; if so, upstream would
            // preempt — Berth does not (yet), so the node is reported as offering no victims.
            var fit = FitResources(node, requests, Usage(node.Metadata.Name!, key, Lower));
            verdicts.Add(fit.Count > 0 ? new FilterStatus(false, fit) : FilterStatus.Unresolved(FitError.NoVictims));
        }
        return FitError.Preemption(nodes.Count, verdicts);
    }

    // ------------------------------------------------------------------ PreBind, waiting, Bind

    private async Task ContinueBindingAsync(string key, Pod pod, Assumed a, CancellationToken ct)
    {
        string? error;
        try
        {
            if (!a.VolumesWritten)
            {
                await WriteVolumeBindingsAsync(pod, a, ct);
                a.VolumesWritten = true;
            }
            error = CheckBindings(pod, a, out var allBound);
            if (error is null && !allBound)
            {
                if (DateTime.UtcNow < a.Deadline)
                {
                    var left = a.Deadline - DateTime.UtcNow;
                    Queue.AddAfter(key, left < BindPollEvery ? left : BindPollEvery);
                    return;
                }
                error = "timed out waiting for the condition";
            }
        }
        catch (ApiStatusException e)
        {
            error = e.Message;
        }
        if (error is not null)
        {
            lock (_cycle) _assumed.Remove(key);
            MoveAllUnschedulable();
            Log.LogInformation("scheduler: binding volumes of {Pod} failed: {Error}", key, error);
            await RecordFailureAsync(pod, ReasonSchedulerError, $"running PreBind plugin \"VolumeBinding\": binding volumes: {error}", ct);
            var attempts = _unschedulable.AddOrUpdate(key, 1, (_, n) => n + 1);
            Queue.AddAfter(key, Backoff(attempts));
            return;
        }
        await BindAsync(key, pod, a, ct);
    }

    /// <summary>PreBind's API writes: claimRef (+ bound-by-controller) on statically chosen volumes, selected-node on claims to provision.</summary>
    private async Task WriteVolumeBindingsAsync(Pod pod, Assumed a, CancellationToken ct)
    {
        foreach (var (claimKey, pvName) in a.StaticBindings)
        {
            var claim = _claims.Get(claimKey) ?? throw ApiStatusException.FromCode(404, "NotFound", $"persistentvolumeclaim \"{KubeObjects.SplitKey(claimKey).Name}\" not found");
            var cached = _index.Get(pvName) ?? throw ApiStatusException.FromCode(404, "NotFound", $"persistentvolumes \"{pvName}\" not found");
            if (cached.Spec?.ClaimRef is not null && VolumeMatcher.IsVolumeBoundToClaim(cached, claim)) continue; // done before (or pre-bound)
            // The index is the newest version: if another claim took the volume since it was chosen, writing with this
            // resourceVersion would succeed and steal it. That is the conflict the write's resourceVersion check stands for.
            if (cached.Spec?.ClaimRef is { } taken)
                throw ApiStatusException.FromCode(409, "Conflict", $"volume \"{pvName}\" was bound to claim \"{taken.Namespace}/{taken.Name}\" since it was chosen");
            var pv = KubeObjects.DeepCopy(cached);
            pv.Spec ??= new PersistentVolumeSpec();
            pv.Spec.ClaimRef = new ObjectReference
            {
                Kind = "PersistentVolumeClaim",
                ApiVersion = "v1",
                Namespace = claim.Metadata.Namespace,
                Name = claim.Metadata.Name,
                Uid = claim.Metadata.Uid,
                ResourceVersion = claim.Metadata.ResourceVersion,
            };
            (pv.Metadata.Annotations ??= new())[Ann.BoundByController] = Ann.Yes;
            var updated = await _client.UpdateAsync(pv, ct); // resourceVersion-checked: a volume taken meanwhile is a conflict
            UpsertIfNewer(updated);
        }
        foreach (var claimKey in a.Provisioning)
        {
            var cached = _claims.Get(claimKey) ?? throw ApiStatusException.FromCode(404, "NotFound", $"persistentvolumeclaim \"{KubeObjects.SplitKey(claimKey).Name}\" not found");
            if (cached.Metadata.Annotation(Ann.SelectedNode) == a.Node) continue;
            var claim = KubeObjects.DeepCopy(cached);
            (claim.Metadata.Annotations ??= new())[Ann.SelectedNode] = a.Node;
            a.SelectedNodeWrites[claimKey] = Rv(await _client.UpdateAsync(claim, ct));
        }
    }

    /// <summary>checkBindings: an error when a binding was undone, else whether every claim of the pod is Bound.</summary>
    private string? CheckBindings(Pod pod, Assumed a, out bool allBound)
    {
        allBound = true;
        foreach (var (name, _) in ClaimNames(pod))
        {
            var key = pod.Metadata.Namespace + "/" + name;
            var claim = _claims.Get(key);
            if (claim is null) return $"persistentvolumeclaim \"{name}\" not found";
            if (claim.Metadata.DeletionTimestamp is not null) return $"persistentvolumeclaim \"{name}\" is being deleted";
            if (FullyBound(claim) && claim.Status?.Phase == VolumeConstants.Bound) continue;
            allBound = false;
            if (a.Provisioning.Contains(key) && claim.Metadata.Annotation(Ann.SelectedNode) != a.Node)
            {
                // A cache older than our own write is waiting (upstream checks its assume cache, which holds the write);
                // only a newer version without the annotation is a reset.
                if (a.SelectedNodeWrites.TryGetValue(key, out var written) && Rv(claim) < written) continue;
                return $"selectedNode annotation reset for PVC \"{name}\"";
            }
            if (a.StaticBindings.TryGetValue(key, out var pvName))
            {
                var pv = _index.Get(pvName);
                if (pv is null) return $"pv \"{pvName}\" not found";
                if (pv.Spec?.ClaimRef is null || string.IsNullOrEmpty(pv.Spec.ClaimRef.Uid)) return $"ClaimRef got reset for pv \"{pvName}\"";
                if (!VolumeMatcher.IsVolumeBoundToClaim(pv, claim)) return $"ClaimRef got changed for pv \"{pvName}\"";
            }
        }
        return null;
    }

    /// <summary>Bind: POST pods/NAME/binding (spec.nodeName and PodScheduled=True in one write), then the Scheduled event.</summary>
    private async Task BindAsync(string key, Pod pod, Assumed a, CancellationToken ct)
    {
        var (ns, name) = KubeObjects.SplitKey(key);
        if (pod.Metadata.Uid != a.Uid) { ForgetAssumed(key, null); return; }
        if (!string.IsNullOrEmpty(pod.Spec?.NodeName)) { a.Bound = true; return; } // bound by someone (or an earlier us)
        try { await _client.BindPodAsync(ns ?? "default", name, a.Node, a.Uid, ct); }
        catch (ApiStatusException e) when (e.IsNotFound) { ForgetAssumed(key, null); return; }
        catch (ApiStatusException e) when (e.IsConflict)
        {
            // Already assigned (by an earlier attempt of ours whose answer was lost, or by someone else), being deleted,
            // or another pod of the same name: the informer's next view of it decides.
            Log.LogInformation("scheduler: binding {Pod} to {Node}: {Message}", key, a.Node, e.Message);
            ForgetAssumed(key, null);
            return;
        }
        a.Bound = true;
        lock (_cycle) { if (_pods.Get(key)?.Spec?.NodeName is { Length: > 0 }) _assumed.Remove(key); }
        _events.Event(pod, EventRecorder.Normal, "Scheduled", $"Successfully assigned {ns}/{name} to {a.Node}");
        Log.LogInformation("scheduler: bound {Pod} to {Node}", key, a.Node);
    }

    /// <summary>Unschedulable (or a binding error): the Warning event and PodScheduled=False with the message.</summary>
    private async Task RecordFailureAsync(Pod pod, string reason, string message, CancellationToken ct)
    {
        _events.Event(pod, EventRecorder.Warning, "FailedScheduling", FitError.Truncate(message));
        await UpdateConditionAsync(pod, c =>
        {
            if (c is { Status: "False" } && c.Reason == reason && c.Message == message) return null;
            return new PodCondition
            {
                Type = "PodScheduled", Status = "False", Reason = reason, Message = message,
                LastTransitionTime = c is { Status: "False" } ? c.LastTransitionTime : DateTimeOffset.UtcNow,
            };
        }, ct);
    }

    /// <summary>Writes the PodScheduled condition <paramref name="want"/> computes from the current one (null: nothing to do); retries conflicts on a fresh read.</summary>
    private async Task UpdateConditionAsync(Pod pod, Func<PodCondition?, PodCondition?> want, CancellationToken ct)
    {
        var current = pod;
        for (int attempt = 0; ; attempt++)
        {
            // Only the status is written: copy that, not the whole pod (current may be the informer's).
            var status = current.Status is { } s ? KubeObjects.CopyOf(s) : new PodStatus();
            var conditions = status.Conditions ??= new List<PodCondition>();
            var i = conditions.FindIndex(c => c.Type == "PodScheduled");
            var next = want(i >= 0 ? conditions[i] : null);
            if (next is null) return;
            if (i >= 0) conditions[i] = next; else conditions.Add(next);
            try { await _client.UpdateStatusAsync(KubeObjects.WithStatus(current, status), ct); return; }
            catch (ApiStatusException e) when (e.IsNotFound) { return; }
            catch (ApiStatusException e) when (e.IsConflict && attempt < 5)
            {
                current = await _client.GetAsync<Pod>(pod.Metadata.Namespace, pod.Metadata.Name!, ct);
                if (current.Metadata.Uid != pod.Metadata.Uid) return;
            }
        }
    }
}
