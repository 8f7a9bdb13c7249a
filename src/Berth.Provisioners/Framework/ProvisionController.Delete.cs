using Berth.Api.Core;
using Berth.Client;
using Microsoft.Extensions.Logging;

namespace Berth.Provisioners.Framework;

public sealed partial class ProvisionController
{
    /// <summary>A volume we provisioned whose claim is gone and whose policy is Delete: delete the storage, then the PV
    /// object (upstream's shouldDelete + deleteVolumeOperation). A crash between the two deletes the (already gone)
    /// storage again, which succeeds.</summary>
    private async Task SyncVolumeAsync(PersistentVolume pv, CancellationToken ct)
    {
        if (!ShouldDelete(pv)) return;
        if (!_deleted.ContainsKey(pv.Metadata.Name!)) await DeleteStorageAsync(pv, ct);
        try { await _client.DeleteAsync<PersistentVolume>(null, pv.Metadata.Name!, null, ct); }
        catch (ApiStatusException e) when (e.IsNotFound) { }
        Log.LogInformation("deleted volume {Volume} and its storage", pv.Metadata.Name);
    }

    private async Task DeleteStorageAsync(PersistentVolume pv, CancellationToken ct)
    {
        var className = pv.Spec?.StorageClassName;
        var sc = string.IsNullOrEmpty(className) ? null : _classes.Get(className);
        try
        {
            await _provisioner.DeleteAsync(pv, sc, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            Log.LogWarning("deleting the storage of volume {Volume} failed: {Error}", pv.Metadata.Name, e.Message);
            _events.Event(pv, EventRecorder.Warning, "VolumeFailedDelete", e.Message);
            // As the PV controller does for a failed deleter: the volume shows Failed with the reason (deletion is still retried).
            if (pv.Status?.Phase != VolumeConstants.Failed || pv.Status.Message != e.Message)
            {
                pv.Status ??= new PersistentVolumeStatus();
                pv.Status.Phase = VolumeConstants.Failed;
                pv.Status.Message = e.Message;
                pv.Status.LastPhaseTransitionTime = DateTimeOffset.UtcNow;
                try { await _client.UpdateStatusAsync(pv, ct); }
                catch (ApiStatusException ue) when (ue.IsConflict || ue.IsNotFound) { /* the next sync sees the newer object */ }
            }
            throw new ProvisioningException(e.Message, e);
        }
        _deleted[pv.Metadata.Name!] = 0;
    }

    /// <summary>Ours (provisioned-by), not being deleted, released (or failed on an earlier delete), reclaim policy Delete.</summary>
    private bool ShouldDelete(PersistentVolume pv)
        => pv.Metadata.Annotation(StorageNames.ProvisionedBy) == Options.ProvisionerName
           && pv.Metadata.DeletionTimestamp is null
           && pv.Status?.Phase is VolumeConstants.Released or VolumeConstants.Failed
           && pv.Spec?.PersistentVolumeReclaimPolicy == VolumeConstants.Delete;
}
