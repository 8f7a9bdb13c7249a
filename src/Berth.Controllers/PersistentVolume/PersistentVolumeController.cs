using System.Collections.Concurrent;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Storage;
using Berth.Client;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.PersistentVolumes;

/// <summary>
/// The PersistentVolume binder (upstream's persistentvolume-controller): binds claims to volumes with the rules of
/// <see cref="VolumeMatcher"/>, moves both through their phases, hands claims to provisioners, and reclaims
/// released volumes. Keys are "pv:NAME" and "pvc:NS/NAME"; each sync reads the caches and moves the world one step.
/// Writes are resourceVersion-checked, so two claims can never take one volume, whatever the interleaving or restart.
/// </summary>
public sealed partial class PersistentVolumeController : Controller, IReclaimHost
{
    public const string Component = "persistentvolume-controller";
    private static readonly TimeSpan RepeatEventsEvery = TimeSpan.FromSeconds(15);

    private readonly IApiClient _client;
    private readonly SharedInformer<PersistentVolume> _volumes;
    private readonly SharedInformer<PersistentVolumeClaim> _claims;
    private readonly SharedInformer<StorageClass> _classes;
    private readonly SharedInformer<Pod> _pods;
    private readonly EventRecorder _events;
    private readonly VolumeReclaimer _reclaimer;
    private readonly VolumeIndex _index = new();
    /// <summary>Volumes a worker is binding right now: other workers look elsewhere instead of colliding.</summary>
    private readonly ConcurrentDictionary<string, string> _reserved = new();
    /// <summary>What was last said about a pending claim, so that events repeat only when something changed (or every 15 s).</summary>
    private readonly ConcurrentDictionary<string, (string Said, DateTime At)> _lastSaid = new();

    public const string UnboundClassIndex = "unbound-by-class";
    public const string ClaimUserIndex = "claims-used";

    /// <param name="recyclers">The Recycle policy's scrubbers, one per volume source; by default hostPath only (the host
    /// adds NFS, which needs libnfs).</param>
    public PersistentVolumeController(IApiClient client, InformerFactory informers, EventRecorder events, ILogger? log = null,
        IReadOnlyList<IVolumeRecycler>? recyclers = null)
        : base(Component, log)
    {
        _client = client;
        _events = events;
        _volumes = informers.For<PersistentVolume>();
        _claims = informers.For<PersistentVolumeClaim>();
        _classes = informers.For<StorageClass>();
        _pods = informers.For<Pod>();
        _reclaimer = new VolumeReclaimer(client, events, Log, this, recyclers ?? [new HostPathRecycler()]);
        WaitFor(_volumes); WaitFor(_claims); WaitFor(_classes); WaitFor(_pods);

        _claims.AddIndex(UnboundClassIndex, c => string.IsNullOrEmpty(c.Spec?.VolumeName) ? [VolumeMatcher.ClaimClass(c)] : []);
        _pods.AddIndex(ClaimUserIndex, p => (p.Spec?.Volumes ?? []).Where(v => v.PersistentVolumeClaim?.ClaimName is { Length: > 0 })
            .Select(v => p.Metadata.Namespace + "/" + v.PersistentVolumeClaim!.ClaimName));

        _volumes.AddEventHandler(OnVolume, (_, pv) => OnVolume(pv), pv => { _index.Remove(pv.Metadata.Name!); Queue.Add("pv:" + pv.Metadata.Name); });
        _claims.AddEventHandler(c => EnqueueClaim(c), (_, c) => EnqueueClaim(c), c =>
        {
            _lastSaid.TryRemove(c.Metadata.Uid ?? "", out _);
            // The volume bound to a deleted claim is released now, not at the next resync.
            if (c.Spec?.VolumeName is { Length: > 0 } v) Queue.Add("pv:" + v);
        });
        _classes.AddEventHandler(sc => EnqueueUnbound(sc.Metadata.Name!, all: sc.IsDefault), (_, sc) => EnqueueUnbound(sc.Metadata.Name!, sc.IsDefault), null);
        _pods.AddEventHandler(p => EnqueuePodClaims(p), (_, p) => EnqueuePodClaims(p), p => EnqueuePodClaims(p));
    }

    private void EnqueueClaim(PersistentVolumeClaim c) => Queue.Add("pvc:" + c.Metadata.Namespace + "/" + c.Metadata.Name);

    private void OnVolume(PersistentVolume pv)
    {
        UpsertIfNewer(pv);
        Queue.Add("pv:" + pv.Metadata.Name);
        // A volume that can now be chosen wakes the pending claims that might want it; a pre-bound one wakes its claim.
        if (pv.Spec?.ClaimRef is { Name.Length: > 0 } r) Queue.Add("pvc:" + r.Namespace + "/" + r.Name);
        else if (pv.Status?.Phase is "Available" or "Pending" or null) EnqueueUnbound(VolumeMatcher.VolumeClass(pv), all: false);
    }

    private void EnqueueUnbound(string className, bool all)
    {
        // A new default class concerns claims without a class too (retroactive default).
        foreach (var c in _claims.ByIndex(UnboundClassIndex, className)) EnqueueClaim(c);
        if (all) foreach (var c in _claims.ByIndex(UnboundClassIndex, "")) if (c.Spec?.StorageClassName is null) EnqueueClaim(c);
    }

    private void EnqueuePodClaims(Pod p)
    {
        foreach (var v in p.Spec?.Volumes ?? [])
            if (v.PersistentVolumeClaim?.ClaimName is { Length: > 0 } n) Queue.Add("pvc:" + p.Metadata.Namespace + "/" + n);
    }

    /// <summary>Keeps the index at the newest version seen, whether from the informer or from our own writes.</summary>
    private void UpsertIfNewer(PersistentVolume pv)
    {
        var cur = _index.Get(pv.Metadata.Name!);
        if (cur is not null && Rv(cur) > Rv(pv)) return;
        _index.Upsert(pv);
    }

    private static long Rv(KubeObject o) => long.TryParse(o.Metadata.ResourceVersion, out var v) ? v : 0;

    protected override Task SyncAsync(string key, CancellationToken ct)
    {
        if (key.StartsWith("pv:", StringComparison.Ordinal))
        {
            var pv = _volumes.Get(key[3..]);
            return pv is null ? Task.CompletedTask : SyncVolumeAsync(Newest(pv), ct);
        }
        var claim = _claims.Get(key[4..]);
        return claim is null ? Task.CompletedTask : SyncClaimAsync(claim, ct);
    }

    /// <summary>A private copy of the newest version we know of a volume.</summary>
    private PersistentVolume Newest(PersistentVolume pv)
    {
        var indexed = _index.Get(pv.Metadata.Name!);
        return KubeObjects.DeepCopy(indexed is not null && Rv(indexed) > Rv(pv) ? indexed : pv);
    }

    private PersistentVolume? VolumeByName(string name)
    {
        var pv = _volumes.Get(name);
        return pv is null ? null : Newest(pv);
    }

    /// <summary>upstream's isVolumeUsed: the pods, not terminated, using the claim a released volume was bound to —
    /// unless a new claim of that name exists (then they use that one).</summary>
    private List<string> PodsUsingReleasedClaim(PersistentVolume pv)
    {
        var users = new List<string>();
        var r = pv.Spec?.ClaimRef;
        if (r is null || _claims.Get(r.Namespace, r.Name!) is not null) return users;
        foreach (var p in _pods.ByIndex(ClaimUserIndex, r.Namespace + "/" + r.Name))
            if (p.Status?.Phase is not ("Succeeded" or "Failed")) users.Add(p.Metadata.Namespace + "/" + p.Metadata.Name);
        users.Sort(StringComparer.Ordinal);
        return users;
    }

    List<string> IReclaimHost.PodsUsingReleasedClaim(PersistentVolume pv) => PodsUsingReleasedClaim(pv);
    Task<PersistentVolume> IReclaimHost.WriteVolumeAsync(PersistentVolume pv, bool status, CancellationToken ct) => WriteVolumeAsync(pv, status, ct);
    Task<PersistentVolume> IReclaimHost.SetVolumePhaseAsync(PersistentVolume pv, string phase, string? message, CancellationToken ct) => SetVolumePhaseAsync(pv, phase, message, ct);

    // ------------------------------------------------------------------ writes

    private async Task<PersistentVolume> WriteVolumeAsync(PersistentVolume pv, bool status, CancellationToken ct)
    {
        var written = status ? await _client.UpdateStatusAsync(pv, ct) : await _client.UpdateAsync(pv, ct);
        UpsertIfNewer(written);
        return KubeObjects.DeepCopy(written);
    }

    private async Task<PersistentVolume> SetVolumePhaseAsync(PersistentVolume pv, string phase, string? message, CancellationToken ct)
    {
        if (pv.Status?.Phase == phase && (message is null || pv.Status.Message == message)) return pv;
        pv.Status ??= new PersistentVolumeStatus();
        pv.Status.Phase = phase;
        pv.Status.Message = message;
        pv.Status.LastPhaseTransitionTime = DateTimeOffset.UtcNow;
        return await WriteVolumeAsync(pv, status: true, ct);
    }

    /// <summary>Writes the claim's phase (and, binding, the volume's modes and capacity) unless it has them; <paramref name="c"/>
    /// may be the informer's object and is not changed.</summary>
    private async Task<PersistentVolumeClaim> SetClaimPhaseAsync(PersistentVolumeClaim c, string phase, PersistentVolume? pv, CancellationToken ct)
    {
        bool same = c.Status?.Phase == phase;
        if (pv is not null)
        {
            same &= c.Status?.AccessModes is { } modes && modes.SequenceEqual(pv.Spec?.AccessModes ?? [])
                && c.Status.Capacity is { } capacity && capacity.TryGetValue("storage", out var have) && have == VolumeMatcher.VolumeCapacity(pv);
        }
        if (same) return c;
        var st = c.Status is null ? new PersistentVolumeClaimStatus() : KubeObjects.CopyOf(c.Status);
        st.Phase = phase;
        if (pv is not null)
        {
            st.AccessModes = pv.Spec?.AccessModes is { } m ? new List<string>(m) : null;
            st.Capacity = pv.Spec?.Capacity is { } cap ? new Dictionary<string, Quantity>(cap) : null;
        }
        else if (phase == "Lost") { /* upstream keeps the last capacity and modes */ }
        return await _client.UpdateStatusAsync(KubeObjects.WithStatus(c, st), ct);
    }

    /// <summary>Emits an event unless the same was said about this object in the last 15 s (upstream repeats at each resync).</summary>
    private void Say(KubeObject obj, string type, string reason, string message)
    {
        var key = (obj.Metadata.Uid ?? "") + "|" + reason;
        var now = DateTime.UtcNow;
        if (_lastSaid.TryGetValue(key, out var last) && last.Said == message && now - last.At < RepeatEventsEvery) return;
        _lastSaid[key] = (message, now);
        _events.Event(obj, type, reason, message);
    }
}
