using Berth.Api.Core;
using Berth.Client;

namespace Berth.Controllers.PersistentVolumes;

public sealed partial class PersistentVolumeController
{
    private async Task SyncVolumeAsync(PersistentVolume pv, CancellationToken ct)
    {
        var cr = pv.Spec?.ClaimRef;
        if (cr is null || string.IsNullOrEmpty(cr.Uid))
        {
            // Unused, or reserved for a claim by name: available (the claim's sync binds a reservation).
            if (pv.Status?.Phase != "Available") await SetVolumePhaseAsync(pv, "Available", null, ct);
            return;
        }

        var claim = await FindClaimAsync(cr.Namespace, cr.Name!, ct);
        if (claim is null || claim.Metadata.Uid != cr.Uid)
        {
            // The claim is gone (or deleted and re-created under the same name): the volume is released.
            if (pv.Status?.Phase is not ("Released" or "Failed")) pv = await SetVolumePhaseAsync(pv, "Released", null, ct);
            await ReclaimAsync(pv, ct);
            return;
        }

        if (string.IsNullOrEmpty(claim.Spec?.VolumeName))
        {
            if (VolumeMatcher.VolumeModeMismatch(claim, pv))
            {
                Say(pv, EventRecorder.Warning, "VolumeMismatch", $"Cannot bind PersistentVolume to requested PersistentVolumeClaim \"{claim.Metadata.Name}\" due to incompatible volumeMode.");
                Say(claim, EventRecorder.Warning, "VolumeMismatch", $"Cannot bind PersistentVolume \"{pv.Metadata.Name}\" to requested PersistentVolumeClaim due to incompatible volumeMode.");
                return;
            }
            // A bind in progress, or a user's pre-bind: the claim's sync completes it.
            Queue.Add("pvc:" + claim.Metadata.Namespace + "/" + claim.Metadata.Name);
            return;
        }

        if (claim.Spec.VolumeName == pv.Metadata.Name)
        {
            if (pv.Status?.Phase != "Bound") await SetVolumePhaseAsync(pv, "Bound", null, ct);
            return;
        }

        // The claim is bound to another volume.
        if (pv.Metadata.Annotation(Ann.ProvisionedBy) is not null && pv.Spec?.PersistentVolumeReclaimPolicy == "Delete")
        {
            if (pv.Status?.Phase is not ("Released" or "Failed")) pv = await SetVolumePhaseAsync(pv, "Released", null, ct);
            await ReclaimAsync(pv, ct);
            return;
        }
        if (pv.Metadata.Annotation(Ann.BoundByController) is not null)
        {
            pv.Spec!.ClaimRef = null;
            pv.Metadata.Annotations!.Remove(Ann.BoundByController);
        }
        else
        {
            cr.Uid = null;
            cr.ResourceVersion = null;
        }
        pv = await WriteVolumeAsync(pv, status: false, ct);
        await SetVolumePhaseAsync(pv, "Available", null, ct);
    }

    private async Task ReclaimAsync(PersistentVolume pv, CancellationToken ct)
    {
        if (await _reclaimer.ReclaimAsync(pv, ct) is { } later) Queue.AddAfter("pv:" + pv.Metadata.Name, later);
    }

    /// <summary>The claim from the cache, or — when the cache does not have it yet — from the API, so a volume is
    /// never released because of a cache that lags behind.</summary>
    private async Task<PersistentVolumeClaim?> FindClaimAsync(string? ns, string name, CancellationToken ct)
    {
        var cached = _claims.Get(ns, name);
        if (cached is not null) return cached;
        try { return await _client.GetAsync<PersistentVolumeClaim>(ns, name, ct); }
        catch (ApiStatusException e) when (e.IsNotFound) { return null; }
    }
}
