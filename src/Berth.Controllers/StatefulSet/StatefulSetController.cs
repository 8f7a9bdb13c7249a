using Berth.Api.Apps;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Selectors;
using Berth.Client;
using Microsoft.Extensions.Logging;
using static Berth.Controllers.StatefulSets.StatefulSetUtils;

namespace Berth.Controllers.StatefulSets;

/// <summary>
/// The StatefulSet controller (upstream's statefulset-controller, pkg/controller/statefulset): stable pod identities
/// <c>&lt;set&gt;-&lt;ordinal&gt;</c> with their claims, ordered or parallel scaling, rolling and on-delete updates through
/// ControllerRevisions, PVC retention via ownerReferences, and status. Keys are "ns/name" of sets; every sync reads
/// the caches and moves the world one step; creates tolerate AlreadyExists and deletes NotFound (and are
/// UID-preconditioned), so a crash at any point followed by a restart converges.
/// </summary>
public sealed partial class StatefulSetController : Controller, IAsyncDisposable
{
    public const string Component = "statefulset-controller";
    private const string OwnerIndex = "statefulset-controller-uid";
    /// <summary>How many creates or deletes a Parallel set issues at once.</summary>
    public const int MaxBurst = 16;

    private readonly IApiClient _client;
    private readonly EventRecorder _events;
    private readonly EventRecorder? _ownEvents;
    private readonly SharedInformer<StatefulSet> _sets;
    private readonly SharedInformer<Pod> _pods;
    private readonly SharedInformer<PersistentVolumeClaim> _claims;
    private readonly SharedInformer<ControllerRevision> _revisions;

    public StatefulSetController(IApiClient client, InformerFactory informers, EventRecorder events, ILogger? log = null)
        : base(Component, log)
    {
        _client = client;
        // Events carry source.component "statefulset-controller": a recorder for another component is not reused.
        if (events.Component == Component) _events = events;
        else _events = _ownEvents = new EventRecorder(client, Component, events.Host, log);
        _sets = informers.For<StatefulSet>();
        _pods = informers.For<Pod>();
        _claims = informers.For<PersistentVolumeClaim>();
        _revisions = informers.For<ControllerRevision>();
        WaitFor(_sets); WaitFor(_pods); WaitFor(_claims); WaitFor(_revisions);

        TryAddIndex(_pods, OwnerIndex, p => ControllerOf(p) is { Kind: "StatefulSet" } r ? [r.Uid] : []);
        TryAddIndex(_revisions, OwnerIndex, r => ControllerOf(r) is { Kind: "StatefulSet" } o ? [o.Uid] : []);

        _sets.AddEventHandler(Enqueue, (_, s) => Enqueue(s), Enqueue);
        _pods.AddEventHandler(OnPodAdd, OnPodUpdate, OnPodDelete);
        _claims.AddEventHandler(OnClaim, (_, c) => OnClaim(c), OnClaim);
        _revisions.AddEventHandler(OnRevision, (_, r) => OnRevision(r), OnRevision);
    }

    private static void TryAddIndex<T>(SharedInformer<T> inf, string name, Func<T, IEnumerable<string>> fn) where T : KubeObject
    {
        try { inf.AddIndex(name, fn); }
        catch (InvalidOperationException) { /* another instance (a restarted controller) already added the same index */ }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownEvents is not null) await _ownEvents.DisposeAsync();
    }

    // ------------------------------------------------------------------ event mapping

    /// <summary>The set a controller reference points at, if it is still that set (same UID).</summary>
    private StatefulSet? Resolve(string? ns, OwnerReference? r)
    {
        if (r is null || r.Kind != "StatefulSet") return null;
        var set = _sets.Get(ns, r.Name);
        return set is not null && set.Metadata.Uid == r.Uid ? set : null;
    }

    private IEnumerable<StatefulSet> SetsSelecting(Pod p)
    {
        foreach (var s in _sets.ByIndex(SharedInformer<StatefulSet>.NamespaceIndex, p.Metadata.Namespace ?? ""))
            if (s.Spec?.Selector is { } sel && (sel.MatchLabels?.Count > 0 || sel.MatchExpressions?.Count > 0) && LabelSelectors.Matches(sel, p.Metadata.Labels))
                yield return s;
    }

    private void OnPodAdd(Pod p)
    {
        if (p.Metadata.DeletionTimestamp is not null) { OnPodDelete(p); return; }
        if (ControllerOf(p) is { } r) { if (Resolve(p.Metadata.Namespace, r) is { } set) Enqueue(set); return; }
        foreach (var s in SetsSelecting(p)) Enqueue(s);
    }

    private void OnPodUpdate(Pod old, Pod cur)
    {
        if (old.Metadata.ResourceVersion == cur.Metadata.ResourceVersion && ReferenceEquals(old, cur)) { OnPodAdd(cur); return; } // resync
        var oldRef = ControllerOf(old);
        var curRef = ControllerOf(cur);
        if (oldRef is not null && (curRef is null || oldRef.Uid != curRef.Uid) && Resolve(old.Metadata.Namespace, oldRef) is { } oldSet) Enqueue(oldSet);
        if (curRef is not null)
        {
            if (Resolve(cur.Metadata.Namespace, curRef) is { } set)
            {
                Enqueue(set);
                var minReady = set.Spec?.MinReadySeconds ?? 0;
                if (minReady > 0 && !IsReady(old) && IsReady(cur)) EnqueueAfter(set, TimeSpan.FromSeconds(minReady) + TimeSpan.FromMilliseconds(100));
            }
            return;
        }
        foreach (var s in SetsSelecting(cur)) Enqueue(s);
    }

    private void OnPodDelete(Pod p)
    {
        if (Resolve(p.Metadata.Namespace, ControllerOf(p)) is { } set) Enqueue(set);
    }

    /// <summary>A claim concerns the set that owns it, the set of the pod that owns it, and any set whose name pattern it fits.</summary>
    private void OnClaim(PersistentVolumeClaim c)
    {
        var ns = c.Metadata.Namespace;
        foreach (var r in c.Metadata.OwnerReferences ?? [])
        {
            if (r.Kind == "StatefulSet" && Resolve(ns, r) is { } s) Enqueue(s);
            else if (r.Kind == "Pod" && _pods.Get(ns, r.Name) is { } pod && Resolve(ns, ControllerOf(pod)) is { } ps) Enqueue(ps);
        }
        var name = c.Metadata.Name ?? "";
        foreach (var s in _sets.ByIndex(SharedInformer<StatefulSet>.NamespaceIndex, ns ?? ""))
            foreach (var t in s.Spec?.VolumeClaimTemplates ?? [])
            {
                var prefix = $"{t.Metadata.Name}-{s.Metadata.Name}-";
                if (name.StartsWith(prefix, StringComparison.Ordinal) && name.Length > prefix.Length && name[prefix.Length..].All(char.IsAsciiDigit))
                {
                    Enqueue(s);
                    break;
                }
            }
    }

    private void OnRevision(ControllerRevision r)
    {
        if (Resolve(r.Metadata.Namespace, ControllerOf(r)) is { } set) Enqueue(set);
    }

    // ------------------------------------------------------------------ sync

    protected override async Task SyncAsync(string key, CancellationToken ct)
    {
        var cached = _sets.Get(key);
        if (cached is null) return; // deleted: dependents go with the garbage collector
        var set = KubeObjects.DeepCopy(cached);
        if (!LabelSelectors.TryAsSelector(set.Spec?.Selector, out var selector, out var error))
        {
            Log.LogWarning("statefulset {Key}: invalid selector: {Error}", key, error);
            return;
        }
        if (set.Spec?.Selector is not { } sel || (sel.MatchLabels?.Count ?? 0) + (sel.MatchExpressions?.Count ?? 0) == 0)
        {
            Log.LogWarning("statefulset {Key} has an empty selector, which would match every pod; skipping", key);
            return;
        }
        var revisions = await ClaimRevisionsAsync(set, selector, ct);
        var pods = await ClaimPodsAsync(set, selector, ct);
        var status = await UpdateStatefulSetAsync(set, pods, revisions, ct);

        // Pods that are ready but not yet available need another look when minReadySeconds has passed.
        var minReady = set.Spec?.MinReadySeconds ?? 0;
        if (minReady > 0 && status.AvailableReplicas != Replicas(set))
        {
            var now = DateTimeOffset.UtcNow;
            var next = pods.Select(p => AvailableIn(p, minReady, now)).Where(t => t is not null).Select(t => t!.Value).DefaultIfEmpty(TimeSpan.FromSeconds(minReady)).Min();
            EnqueueAfter(set, next + TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>getPodsForStatefulSet with ClaimPods: owned pods that still match; orphans that match (and are named like members) are adopted; owned pods that no longer match are released.</summary>
    private async Task<List<Pod>> ClaimPodsAsync(StatefulSet set, LabelSelectorExpr selector, CancellationToken ct)
    {
        var result = new List<Pod>();
        var uid = set.Metadata.Uid ?? "";
        bool Match(Pod p) => selector.Matches(p.Metadata.Labels) && IsMemberOf(set, p);
        foreach (var p in _pods.ByIndex(OwnerIndex, uid))
        {
            if (p.Metadata.Namespace != set.Metadata.Namespace) continue;
            if (Match(p)) { result.Add(p); continue; }
            if (set.Metadata.DeletionTimestamp is not null || p.Metadata.DeletionTimestamp is not null) continue;
            var copy = KubeObjects.DeepCopy(p);
            copy.Metadata.OwnerReferences = copy.Metadata.OwnerReferences!.Where(r => r.Uid != uid).ToList();
            try { await _client.UpdateAsync(copy, ct); Log.LogInformation("released pod {Pod} from statefulset {Set}", p.Metadata.Name, set.Metadata.Name); }
            catch (ApiStatusException e) when (e.IsNotFound) { }
        }
        if (set.Metadata.DeletionTimestamp is not null) return result;
        foreach (var p in _pods.ByIndex(SharedInformer<Pod>.NamespaceIndex, set.Metadata.Namespace ?? ""))
        {
            if (ControllerOf(p) is not null || p.Metadata.DeletionTimestamp is not null || !Match(p)) continue;
            var copy = KubeObjects.DeepCopy(p);
            (copy.Metadata.OwnerReferences ??= []).Add(ControllerRef(set));
            try { result.Add(await _client.UpdateAsync(copy, ct)); Log.LogInformation("adopted pod {Pod} into statefulset {Set}", p.Metadata.Name, set.Metadata.Name); }
            catch (ApiStatusException e) when (e.IsNotFound) { }
        }
        return result;
    }

    /// <summary>ListRevisions + adoptOrphanRevisions: revisions matching the selector that the set controls, or orphans (adopted now).</summary>
    private async Task<List<ControllerRevision>> ClaimRevisionsAsync(StatefulSet set, LabelSelectorExpr selector, CancellationToken ct)
    {
        var result = new List<ControllerRevision>();
        foreach (var r in _revisions.ByIndex(OwnerIndex, set.Metadata.Uid ?? ""))
            if (r.Metadata.Namespace == set.Metadata.Namespace && selector.Matches(r.Metadata.Labels)) result.Add(KubeObjects.DeepCopy(r));
        if (set.Metadata.DeletionTimestamp is not null) return result;
        foreach (var r in _revisions.ByIndex(SharedInformer<ControllerRevision>.NamespaceIndex, set.Metadata.Namespace ?? ""))
        {
            if (ControllerOf(r) is not null || !selector.Matches(r.Metadata.Labels) || r.Metadata.DeletionTimestamp is not null) continue;
            var copy = KubeObjects.DeepCopy(r);
            (copy.Metadata.OwnerReferences ??= []).Add(ControllerRef(set));
            try { result.Add(await _client.UpdateAsync(copy, ct)); }
            catch (ApiStatusException e) when (e.IsNotFound) { }
        }
        return result;
    }
}
