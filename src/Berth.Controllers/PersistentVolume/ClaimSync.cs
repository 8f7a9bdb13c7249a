using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Storage;
using Berth.Client;

namespace Berth.Controllers.PersistentVolumes;

public sealed partial class PersistentVolumeController
{
    // The claim a sync is given is the informer's shared object, as upstream's: most syncs of a claim write nothing
    // (a pending claim that still has no volume), so a write copies what it changes, and only then.

    private async Task SyncClaimAsync(PersistentVolumeClaim claim, CancellationToken ct)
    {
        if (claim.Status?.Phase == "Lost") return; // terminal, as upstream
        if (claim.Metadata.Annotation(Ann.BindCompleted) is null) await SyncUnboundClaimAsync(claim, ct);
        else await SyncBoundClaimAsync(claim, ct);
    }

    private async Task SyncUnboundClaimAsync(PersistentVolumeClaim claim, CancellationToken ct)
    {
        var volumeName = claim.Spec?.VolumeName;
        if (string.IsNullOrEmpty(volumeName))
        {
            bool delayed = IsDelayedBinding(claim);
            for (int attempt = 0; attempt < 4; attempt++)
            {
                var excluded = new HashSet<string>(_reserved.Keys, StringComparer.Ordinal);
                var pv = VolumeMatcher.FindBest(claim, _index, delayed, excluded);
                if (pv is null)
                {
                    await NoMatchAsync(claim, delayed, ct);
                    return;
                }
                if (!_reserved.TryAdd(pv.Metadata.Name!, ClaimKey(claim))) continue; // another worker is binding it
                try
                {
                    // The index may have moved on since FindBest looked: another worker can have bound this volume and let go
                    // of it in between. Bind only a volume that is still free (or already ours): never take another claim's.
                    var newest = Newest(pv);
                    if (newest.Metadata.DeletionTimestamp is not null
                        || (newest.Spec?.ClaimRef is not null && !VolumeMatcher.IsVolumeBoundToClaim(newest, claim))) continue;
                    await BindAsync(newest, claim, ct);
                }
                finally { _reserved.TryRemove(pv.Metadata.Name!, out _); }
                return;
            }
            throw new InvalidOperationException("every matching volume is being bound by another worker; retrying");
        }

        var requested = VolumeByName(volumeName);
        if (requested is null)
        {
            await EnsurePendingAsync(claim, ct); // the volume may be created later; its event wakes us
            return;
        }
        if (requested.Spec?.ClaimRef is null)
        {
            if (VolumeMatcher.CheckClaimSideBinding(claim, requested) is { } reason)
            {
                Say(claim, EventRecorder.Warning, "VolumeMismatch", $"Cannot bind to requested volume \"{volumeName}\": {reason}");
                await EnsurePendingAsync(claim, ct);
                return;
            }
        }
        else if (!VolumeMatcher.IsVolumeBoundToClaim(requested, claim))
        {
            Say(claim, EventRecorder.Warning, "FailedBinding", $"volume \"{volumeName}\" already bound to a different claim.");
            await EnsurePendingAsync(claim, ct);
            return;
        }
        if (!_reserved.TryAdd(volumeName, ClaimKey(claim))) throw new InvalidOperationException($"volume {volumeName} is being bound by another worker; retrying");
        try { await BindAsync(requested, claim, ct); }
        finally { _reserved.TryRemove(volumeName, out _); }
    }

    private async Task SyncBoundClaimAsync(PersistentVolumeClaim claim, CancellationToken ct)
    {
        var volumeName = claim.Spec?.VolumeName;
        if (string.IsNullOrEmpty(volumeName))
        {
            await SetClaimPhaseAsync(claim, "Lost", null, ct);
            Say(claim, EventRecorder.Warning, "ClaimLost", "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!");
            return;
        }
        var pv = VolumeByName(volumeName);
        if (pv is null)
        {
            await SetClaimPhaseAsync(claim, "Lost", null, ct);
            Say(claim, EventRecorder.Warning, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
            return;
        }
        if (pv.Spec?.ClaimRef is null || VolumeMatcher.IsVolumeBoundToClaim(pv, claim))
        {
            // Either a bind that stopped half-way or the volume lost its claimRef: (re)bind; every step is idempotent.
            await BindAsync(pv, claim, ct);
            return;
        }
        await SetClaimPhaseAsync(claim, "Lost", null, ct);
        Say(claim, EventRecorder.Warning, "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly");
    }

    /// <summary>
    /// Binds in upstream's order, each step skipped when already done: the volume's claimRef, the volume's phase,
    /// the claim's volumeName and annotations, the claim's status. A crash between steps is finished by the next sync.
    /// </summary>
    private async Task BindAsync(PersistentVolume pv, PersistentVolumeClaim claim, CancellationToken ct)
    {
        var spec = pv.Spec ??= new PersistentVolumeSpec();
        var cr = spec.ClaimRef;
        if (cr is null || cr.Namespace != claim.Metadata.Namespace || cr.Name != claim.Metadata.Name || cr.Uid != claim.Metadata.Uid)
        {
            // A volume the controller picked (no claimRef before) is marked bound-by-controller; a user's pre-bind is not.
            if (cr is null) (pv.Metadata.Annotations ??= new())[Ann.BoundByController] = Ann.Yes;
            spec.ClaimRef = new ObjectReference
            {
                Kind = "PersistentVolumeClaim",
                ApiVersion = "v1",
                Namespace = claim.Metadata.Namespace,
                Name = claim.Metadata.Name,
                Uid = claim.Metadata.Uid,
                ResourceVersion = claim.Metadata.ResourceVersion,
            };
            pv = await WriteVolumeAsync(pv, status: false, ct);
        }
        if (pv.Status?.Phase != "Bound") pv = await SetVolumePhaseAsync(pv, "Bound", null, ct);

        bool setVolumeName = claim.Spec?.VolumeName != pv.Metadata.Name;
        if (setVolumeName || claim.Metadata.Annotation(Ann.BindCompleted) is null)
        {
            var copy = KubeObjects.DeepCopy(claim);
            var annotations = copy.Metadata.Annotations ??= new();
            if (setVolumeName)
            {
                (copy.Spec ??= new PersistentVolumeClaimSpec()).VolumeName = pv.Metadata.Name;
                annotations[Ann.BoundByController] = Ann.Yes;
            }
            annotations[Ann.BindCompleted] = Ann.Yes;
            claim = await _client.UpdateAsync(copy, ct);
        }
        await SetClaimPhaseAsync(claim, "Bound", pv, ct);
        _lastSaid.TryRemove((claim.Metadata.Uid ?? "") + "|FailedBinding", out _);
    }

    private async Task EnsurePendingAsync(PersistentVolumeClaim claim, CancellationToken ct)
    {
        if (claim.Status?.Phase != "Pending") await SetClaimPhaseAsync(claim, "Pending", null, ct);
    }

    private static string ClaimKey(PersistentVolumeClaim c) => c.Metadata.Namespace + "/" + c.Metadata.Name;

    /// <summary>Delayed binding: the claim's class exists and waits for the first consumer (a missing class does not delay).</summary>
    private bool IsDelayedBinding(PersistentVolumeClaim claim)
    {
        var cls = VolumeMatcher.ClaimClass(claim);
        return cls.Length > 0 && _classes.Get(cls)?.VolumeBindingMode == "WaitForFirstConsumer";
    }

    /// <summary>No volume fits: wait for a consumer, take the default class, ask a provisioner, or say why not.</summary>
    private async Task NoMatchAsync(PersistentVolumeClaim claim, bool delayed, CancellationToken ct)
    {
        if (delayed && claim.Metadata.Annotation(Ann.SelectedNode) is null)
        {
            var waiting = _pods.ByIndex(ClaimUserIndex, ClaimKey(claim))
                .Where(p => string.IsNullOrEmpty(p.Spec?.NodeName)).Select(p => p.Metadata.Name!).OrderBy(n => n, StringComparer.Ordinal).ToList();
            if (waiting.Count == 0)
                Say(claim, EventRecorder.Normal, "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
            else
                Say(claim, EventRecorder.Normal, "WaitForPodScheduled", waiting.Count == 1
                    ? $"waiting for pod {waiting[0]} to be scheduled"
                    : $"waiting for pods {string.Join(",", waiting)} to be scheduled");
            await EnsurePendingAsync(claim, ct);
            return;
        }

        if (claim.Spec?.StorageClassName is null && claim.Metadata.Annotation(VolumeMatcher.BetaStorageClassAnnotation) is null
            && StorageClass.PickDefault(_classes.List()) is { } def)
        {
            // Retroactive default class: the claim was created before any default existed.
            var copy = KubeObjects.DeepCopy(claim);
            (copy.Spec ??= new PersistentVolumeClaimSpec()).StorageClassName = def.Metadata.Name;
            await _client.UpdateAsync(copy, ct);
            return;
        }

        var className = VolumeMatcher.ClaimClass(claim);
        if (className.Length == 0)
        {
            Say(claim, EventRecorder.Normal, "FailedBinding", "no persistent volumes available for this claim and no storage class is set");
            ExplainPending(claim);
        }
        else await RequestProvisioningAsync(claim, className, ct);
        await EnsurePendingAsync(claim, ct);
    }

    private async Task RequestProvisioningAsync(PersistentVolumeClaim claim, string className, CancellationToken ct)
    {
        var sc = _classes.Get(className);
        if (sc is null)
        {
            Say(claim, EventRecorder.Warning, "ProvisioningFailed", $"storageclass.storage.k8s.io \"{className}\" not found");
            ExplainPending(claim);
            return;
        }
        var provisioner = sc.Provisioner ?? "";
        if (provisioner.StartsWith("kubernetes.io/", StringComparison.Ordinal))
        {
            // In-tree provisioners are not built in (yet); kubernetes.io/no-provisioner never provisions.
            Say(claim, EventRecorder.Warning, "ProvisioningFailed", $"no volume plugin matched name: {provisioner}");
            ExplainPending(claim);
            return;
        }
        if (claim.Metadata.Annotation(Ann.StorageProvisioner) != provisioner || claim.Metadata.Annotation(Ann.BetaStorageProvisioner) != provisioner)
        {
            var copy = KubeObjects.DeepCopy(claim);
            var ann = copy.Metadata.Annotations ??= new();
            ann[Ann.StorageProvisioner] = provisioner;
            ann[Ann.BetaStorageProvisioner] = provisioner;
            claim = await _client.UpdateAsync(copy, ct);
        }
        Say(claim, EventRecorder.Normal, "ExternalProvisioning",
            $"Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.");
    }

    /// <summary>Berth's answer to "why is my claim Pending": the volumes that came closest, one event line each.</summary>
    private void ExplainPending(PersistentVolumeClaim claim)
    {
        var key = (claim.Metadata.Uid ?? "") + "|explain";
        var now = DateTime.UtcNow;
        if (_lastSaid.TryGetValue(key, out var last) && now - last.At < RepeatEventsEvery) return;
        var lines = VolumeMatcher.Explain(claim, _index.All, 5);
        var said = string.Join("\n", lines);
        _lastSaid[key] = (said, now);
        if (said == last.Said) return;
        foreach (var line in lines) _events.Event(claim, EventRecorder.Normal, "VolumeNotChosen", line);
    }
}
