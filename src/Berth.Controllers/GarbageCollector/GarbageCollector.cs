using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Meta;
using Berth.Client;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.GarbageCollection;

/// <summary>
/// kubernetes pkg/controller/garbagecollector: deletes objects whose owners are gone, and carries out the
/// Foreground and Orphan propagation policies (the <c>foregroundDeletion</c> and <c>orphan</c> finalizers).
/// <para>It watches every built-in kind except Events (upstream ignores them too) through the shared informers; each
/// informer carries an index owner uid → dependents. Keys are "group/version/Kind|namespace|name" (core as "v1/Kind",
/// namespace empty for cluster-scoped objects). A sync looks at one object:</para>
/// <list type="bullet">
/// <item>being deleted with <c>orphan</c>: its dependents lose their ownerReference to it, then the finalizer goes;</item>
/// <item>being deleted with <c>foregroundDeletion</c>: its dependents are queued (their own sync deletes them); once
/// none with blockOwnerDeletion remains, the finalizer goes;</item>
/// <item>not being deleted, with ownerReferences: owners are classified as present, absent (no object of that kind and
/// name in its namespace — cluster scope for cluster-scoped kinds — with that uid; confirmed by a live read) or
/// waiting (being deleted in the foreground). With a present owner, the references to absent and waiting owners are
/// removed; with none, the object is deleted (Foreground when an owner waits, else as its own finalizers ask,
/// else Background).</item>
/// </list>
/// Every write is conditional (a resourceVersion in merge patches, uid and resourceVersion preconditions on deletes),
/// so a decision made on a stale cache fails with Conflict and is re-made; NotFound counts as done.
/// </summary>
public sealed class GarbageCollector : Controller
{
    public const string OwnerUidIndex = "berth.io/gc-owner-uid";
    public const string OrphanFinalizer = "orphan";
    public const string ForegroundFinalizer = "foregroundDeletion";

    private readonly IReadOnlyList<KindAccess> _all;
    private readonly List<KindAccess> _watched = new();
    private readonly Dictionary<string, KindAccess> _byGvk = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Group, string Kind), KindAccess> _byGroupKind = new();
    // Owners confirmed absent by a live read (upstream's absentOwnerCache), keyed by uid, kind, name and the namespace looked
    // in (a reference resolved in the wrong namespace or kind is absent there, not everywhere). A uid is never reused,
    // so "absent" is final; the set only spares live reads for the other dependents of the same gone owner.
    private readonly ConcurrentDictionary<string, byte> _absentOwners = new(StringComparer.Ordinal);
    private const int AbsentOwnersMax = 10_000;

    public GarbageCollector(IApiClient client, InformerFactory informers, ILogger? log = null) : base("garbage-collector", log)
    {
        _all = KindAccess.ForAllKinds(client);
        var storages = new HashSet<string>(StringComparer.Ordinal);
        foreach (var k in _all)
        {
            _byGvk[k.Gvk] = k;
            _byGroupKind.TryAdd((k.Info.Group, k.Info.Kind), k);
            if (IsIgnored(k) || !storages.Add(k.Storage)) continue;
            var kind = k;
            var inf = k.Watch(informers, OwnerUidIndex, OwnerUids,
                o => OnAdd(kind, o), (a, b) => OnUpdate(kind, a, b), o => OnDelete(kind, o));
            WaitFor(inf);
            _watched.Add(k);
        }
    }

    /// <summary>The kinds whose objects are garbage collected (every built-in kind but Events).</summary>
    public IReadOnlyList<KindInfo> WatchedKinds => _watched.Select(k => k.Info).ToList();

    /// <summary>As upstream's ignoredResources: events are never owners' dependents worth a watch.</summary>
    private static bool IsIgnored(KindAccess k) => k.Info.Kind == "Event" && k.Info.Group is "" or "events.k8s.io";

    private static IEnumerable<string> OwnerUids(KubeObject o)
        => o.Metadata.OwnerReferences is { Count: > 0 } refs
            ? refs.Select(r => r.Uid).Where(u => !string.IsNullOrEmpty(u)).Distinct()
            : [];

    // ------------------------------------------------------------------ keys

    public static string KeyOf(KindInfo kind, string? ns, string name)
        => kind.GroupVersion + "/" + kind.Kind + "|" + (kind.Namespaced ? ns ?? "" : "") + "|" + name;

    private static string KeyOf(KindAccess kind, KubeObject o) => KeyOf(kind.Info, o.Metadata.Namespace, o.Metadata.Name ?? "");

    private bool TryParse(string key, out KindAccess kind, out string? ns, out string name)
    {
        kind = null!;
        ns = null;
        name = "";
        var parts = key.Split('|');
        if (parts.Length != 3 || !_byGvk.TryGetValue(parts[0], out var k)) return false;
        kind = k;
        ns = parts[1].Length == 0 ? null : parts[1];
        name = parts[2];
        return true;
    }

    // ------------------------------------------------------------------ events

    private void OnAdd(KindAccess kind, KubeObject o)
    {
        Queue.Add(KeyOf(kind, o));
        EnqueueOwners(kind, o);
        EnqueueDependents(o.Metadata.Uid);
    }

    private void OnUpdate(KindAccess kind, KubeObject old, KubeObject o)
    {
        if (ReferenceEquals(old, o)) { Queue.Add(KeyOf(kind, o)); return; } // resync
        if (!Relevant(old, o)) return;
        Queue.Add(KeyOf(kind, o));
        EnqueueOwners(kind, old);
        EnqueueOwners(kind, o);
        EnqueueDependents(o.Metadata.Uid);
        if (old.Metadata.Uid != o.Metadata.Uid) EnqueueDependents(old.Metadata.Uid);
    }

    private void OnDelete(KindAccess kind, KubeObject o)
    {
        EnqueueOwners(kind, o);
        EnqueueDependents(o.Metadata.Uid);
    }

    /// <summary>Whether an update touches what the collector looks at: identity, deletion, finalizers, ownerReferences.</summary>
    private static bool Relevant(KubeObject a, KubeObject b)
    {
        var (x, y) = (a.Metadata, b.Metadata);
        if (x.Uid != y.Uid || (x.DeletionTimestamp is null) != (y.DeletionTimestamp is null)) return true;
        if (!(x.Finalizers ?? []).SequenceEqual(y.Finalizers ?? [])) return true;
        var rx = x.OwnerReferences ?? [];
        var ry = y.OwnerReferences ?? [];
        if (rx.Count != ry.Count) return true;
        for (int i = 0; i < rx.Count; i++)
            if (rx[i].Uid != ry[i].Uid || rx[i].Name != ry[i].Name || rx[i].Kind != ry[i].Kind
                || rx[i].ApiVersion != ry[i].ApiVersion || rx[i].BlockOwnerDeletion != ry[i].BlockOwnerDeletion)
                return true;
        return false;
    }

    private void EnqueueOwners(KindAccess kind, KubeObject o)
    {
        if (o.Metadata.OwnerReferences is not { Count: > 0 } refs) return;
        foreach (var r in refs)
            if (ResolveKind(r) is { } ok && (!ok.Namespaced || kind.Namespaced))
                Queue.Add(KeyOf(ok.Info, o.Metadata.Namespace, r.Name));
    }

    private void EnqueueDependents(string? uid)
    {
        if (string.IsNullOrEmpty(uid)) return;
        foreach (var k in _watched)
            foreach (var d in k.ByIndex(OwnerUidIndex, uid))
                Queue.Add(KeyOf(k, d));
    }

    private KindAccess? ResolveKind(OwnerReference r)
        => _byGroupKind.TryGetValue((KindAccess.GroupOf(r.ApiVersion), r.Kind), out var k) ? k : null;

    // ------------------------------------------------------------------ sync

    protected override async Task SyncAsync(string key, CancellationToken ct)
    {
        if (!TryParse(key, out var kind, out var ns, out var name))
        {
            Log.LogWarning("garbage collector: ignoring malformed key {Key}", key);
            return;
        }
        var obj = kind.GetCached(ns, name);
        if (obj is null) return; // gone: its dependents and owners were queued by the delete event
        var m = obj.Metadata;
        if (m.DeletionTimestamp is not null)
        {
            // Orphaning first: a dependent must lose its reference before a foreground pass could delete it.
            if (m.HasFinalizer(OrphanFinalizer)) await OrphanDependentsAsync(kind, obj, key, ct);
            else if (m.HasFinalizer(ForegroundFinalizer)) await ProcessDeletingDependentsAsync(kind, obj, key, ct);
            return; // an object being deleted otherwise is left to whoever holds it
        }
        if (m.OwnerReferences is { Count: > 0 }) await AttemptToDeleteAsync(kind, obj, key, ct);
    }

    private sealed record Dependent(KindAccess Kind, KubeObject Object, OwnerReference Ref);

    /// <summary>Cached objects with an ownerReference to <paramref name="owner"/> that resolves to it (same namespace
    /// unless the owner is cluster-scoped).</summary>
    private List<Dependent> DependentsOf(KindAccess ownerKind, KubeObject owner)
    {
        var uid = owner.Metadata.Uid;
        var result = new List<Dependent>();
        if (string.IsNullOrEmpty(uid)) return result;
        foreach (var k in _watched)
        {
            if (ownerKind.Namespaced && !k.Namespaced) continue;
            foreach (var d in k.ByIndex(OwnerUidIndex, uid))
            {
                if (ownerKind.Namespaced && d.Metadata.Namespace != owner.Metadata.Namespace) continue;
                var r = d.Metadata.OwnerReferences?.FirstOrDefault(x => x.Uid == uid);
                if (r is not null) result.Add(new Dependent(k, d, r));
            }
        }
        return result;
    }

    private async Task OrphanDependentsAsync(KindAccess kind, KubeObject owner, string key, CancellationToken ct)
    {
        var uid = owner.Metadata.Uid!;
        foreach (var d in DependentsOf(kind, owner))
        {
            if (!await TryPatchMetaAsync(d.Kind, d.Object, m => RemoveOwnerRefs(m, u => u == uid), ct))
            {
                Queue.AddRateLimited(key);
                return;
            }
            Log.LogDebug("garbage collector: orphaned {Dependent} from {Owner}", KeyOf(d.Kind, d.Object), key);
        }
        if (await TryPatchMetaAsync(kind, owner, m => RemoveFinalizer(m, OrphanFinalizer), ct))
            Log.LogInformation("garbage collector: orphaned the dependents of {Owner}", key);
        else Queue.AddRateLimited(key);
    }

    private async Task ProcessDeletingDependentsAsync(KindAccess kind, KubeObject owner, string key, CancellationToken ct)
    {
        var deps = DependentsOf(kind, owner);
        var blocking = deps.Where(d => d.Ref.BlockOwnerDeletion == true).ToList();
        if (blocking.Count == 0)
        {
            if (await TryPatchMetaAsync(kind, owner, m => RemoveFinalizer(m, ForegroundFinalizer), ct))
                Log.LogInformation("garbage collector: dependents of {Owner} are gone; removed {Finalizer}", key, ForegroundFinalizer);
            else Queue.AddRateLimited(key);
            return;
        }
        // The dependents' own syncs delete them (or drop the reference when another owner keeps them); their delete
        // events queue this owner again.
        foreach (var d in deps)
            if (d.Object.Metadata.DeletionTimestamp is null || d.Object.Metadata.HasFinalizer(ForegroundFinalizer))
                Queue.Add(KeyOf(d.Kind, d.Object));
    }

    private enum OwnerState { Present, Absent, Waiting, Unresolvable }

    private async Task<OwnerState> ClassifyAsync(KindAccess kind, KubeObject item, OwnerReference r, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(r.Uid) || string.IsNullOrEmpty(r.Name)) return OwnerState.Unresolvable;
        var ok = ResolveKind(r);
        // An owner of an unknown kind, or a namespaced owner of a cluster-scoped object, cannot be resolved: upstream
        // never collects such an object, and neither do we.
        if (ok is null || (ok.Namespaced && !kind.Namespaced)) return OwnerState.Unresolvable;
        var ns = ok.Namespaced ? item.Metadata.Namespace : null;
        var owner = ok.GetCached(ns, r.Name);
        if (owner is null || owner.Metadata.Uid != r.Uid)
        {
            var absentKey = r.Uid + "|" + ok.Gvk + "|" + ns + "|" + r.Name;
            if (_absentOwners.ContainsKey(absentKey)) return OwnerState.Absent;
            // The cache may lag (the owner may have been created a moment ago): only a live read says "absent".
            owner = await ok.GetLiveAsync(ns, r.Name, ct);
            if (owner is null || owner.Metadata.Uid != r.Uid)
            {
                if (_absentOwners.Count >= AbsentOwnersMax) _absentOwners.Clear();
                _absentOwners.TryAdd(absentKey, 0);
                return OwnerState.Absent;
            }
        }
        var m = owner.Metadata;
        return m.DeletionTimestamp is not null && m.HasFinalizer(ForegroundFinalizer) ? OwnerState.Waiting : OwnerState.Present;
    }

    private async Task AttemptToDeleteAsync(KindAccess kind, KubeObject item, string key, CancellationToken ct)
    {
        var refs = item.Metadata.OwnerReferences!;
        var absent = new HashSet<string>(StringComparer.Ordinal);
        var waiting = new HashSet<string>(StringComparer.Ordinal);
        int present = 0;
        foreach (var r in refs)
        {
            switch (await ClassifyAsync(kind, item, r, ct))
            {
                case OwnerState.Absent: absent.Add(r.Uid); break;
                case OwnerState.Waiting: waiting.Add(r.Uid); break;
                default: present++; break;
            }
        }

        if (present > 0)
        {
            if (absent.Count == 0 && waiting.Count == 0) return;
            // Some owner keeps the object: it only loses the references to owners that are gone or going.
            if (await TryPatchMetaAsync(kind, item, m => RemoveOwnerRefs(m, u => absent.Contains(u) || waiting.Contains(u)), ct))
                Log.LogInformation("garbage collector: removed {Count} dangling ownerReference(s) from {Key}", absent.Count + waiting.Count, key);
            else Queue.AddRateLimited(key);
            return;
        }

        string policy;
        if (waiting.Count > 0)
        {
            // If a dependent of this object is itself deleting its dependents, a cycle could block everyone: make this
            // object's references non-blocking first (upstream's unblockOwnerReferences).
            if (DependentsOf(kind, item).Any(d => d.Object.Metadata.DeletionTimestamp is not null && d.Object.Metadata.HasFinalizer(ForegroundFinalizer)))
            {
                if (!await TryPatchMetaAsync(kind, item, UnblockOwnerRefs, ct)) { Queue.AddRateLimited(key); return; }
                item = kind.GetCached(item.Metadata.Namespace, item.Metadata.Name!) is { } fresh && fresh.Metadata.Uid == item.Metadata.Uid ? fresh : item;
            }
            policy = "Foreground";
        }
        else if (item.Metadata.HasFinalizer(OrphanFinalizer)) policy = "Orphan";
        else if (item.Metadata.HasFinalizer(ForegroundFinalizer)) policy = "Foreground";
        else policy = "Background";

        try
        {
            var left = await kind.DeleteAsync(item.Metadata.Namespace, item.Metadata.Name!, new DeleteRequest
            {
                PropagationPolicy = policy,
                PreconditionUid = item.Metadata.Uid,
                PreconditionResourceVersion = item.Metadata.ResourceVersion,
            }, ct);
            Log.LogInformation("garbage collector: deleted {Key} (owners gone; propagation {Policy}){Held}", key, policy, left is null ? "" : ", held by finalizers");
        }
        catch (ApiStatusException e) when (e.IsNotFound) { }
        catch (ApiStatusException e) when (e.IsConflict)
        {
            // Changed since we looked (or replaced under the same name): decide again on the newer state.
            Queue.AddRateLimited(key);
        }
    }

    // ------------------------------------------------------------------ writes

    /// <summary>
    /// Applies <paramref name="build"/> (the metadata fields to merge, or null when nothing is to change) as a merge
    /// patch carrying the object's resourceVersion as a precondition. On Conflict it re-reads the object live and
    /// retries (a few times). True when done (including: nothing to change, object gone or replaced); false when the
    /// conflicts went on.
    /// </summary>
    private async Task<bool> TryPatchMetaAsync(KindAccess kind, KubeObject start, Func<ObjectMeta, JsonObject?> build, CancellationToken ct)
    {
        var ns = start.Metadata.Namespace;
        var name = start.Metadata.Name!;
        var uid = start.Metadata.Uid;
        var current = start;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            var fields = build(current.Metadata);
            if (fields is null) return true;
            fields["resourceVersion"] = current.Metadata.ResourceVersion;
            var patch = new JsonObject { ["metadata"] = fields }.ToJsonString();
            try
            {
                await kind.MergePatchAsync(ns, name, patch, ct);
                return true;
            }
            catch (ApiStatusException e) when (e.IsNotFound) { return true; }
            catch (ApiStatusException e) when (e.IsConflict)
            {
                var live = await kind.GetLiveAsync(ns, name, ct);
                if (live is null || live.Metadata.Uid != uid) return true;
                current = live;
            }
        }
        return false;
    }

    private static JsonObject? RemoveOwnerRefs(ObjectMeta m, Func<string, bool> remove)
    {
        var refs = m.OwnerReferences ?? [];
        var kept = refs.Where(r => !remove(r.Uid)).ToList();
        if (kept.Count == refs.Count) return null;
        return new JsonObject { ["ownerReferences"] = kept.Count == 0 ? null : JsonSerializer.SerializeToNode(kept, KubeJson.Options) };
    }

    private static JsonObject? UnblockOwnerRefs(ObjectMeta m)
    {
        var refs = m.OwnerReferences ?? [];
        if (!refs.Any(r => r.BlockOwnerDeletion == true)) return null;
        var node = JsonSerializer.SerializeToNode(refs, KubeJson.Options)!.AsArray();
        foreach (var r in node)
            if (r is JsonObject o && o["blockOwnerDeletion"] is not null) o["blockOwnerDeletion"] = false;
        return new JsonObject { ["ownerReferences"] = node };
    }

    private static JsonObject? RemoveFinalizer(ObjectMeta m, string finalizer)
    {
        if (!m.HasFinalizer(finalizer)) return null;
        var kept = m.Finalizers!.Where(f => f != finalizer).ToList();
        return new JsonObject { ["finalizers"] = kept.Count == 0 ? null : JsonSerializer.SerializeToNode(kept, KubeJson.Options) };
    }
}
