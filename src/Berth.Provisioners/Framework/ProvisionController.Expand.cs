using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;
using Microsoft.Extensions.Logging;

namespace Berth.Provisioners.Framework;

public sealed partial class ProvisionController
{
    /// <summary>
    /// A bound claim on one of our volumes whose request exceeds its capacity: the external-resizer's work, without the
    /// node step (these backends have no file system to grow). Condition Resizing + event Resizing, the storage grows,
    /// the PV's capacity, then the claim's status.capacity + event VolumeResizeSuccessful, the condition removed.
    /// The admission plugin has already refused shrinking and classes that forbid expansion.
    /// </summary>
    private async Task SyncBoundClaimAsync(PersistentVolumeClaim claim, CancellationToken ct)
    {
        if (claim.Status?.Phase != VolumeConstants.Bound) return;
        if (_volumes.Get(claim.Spec!.VolumeName!) is not { } cached) return;
        if (cached.Metadata.Annotation(StorageNames.ProvisionedBy) != Options.ProvisionerName) return;
        if (cached.Spec?.ClaimRef?.Uid != claim.Metadata.Uid) return;

        var request = StorageNames.Request(claim);
        bool resizing = HasCondition(claim, StorageNames.ConditionResizing);
        if (request.CompareTo(StorageNames.Capacity(claim)) <= 0 && !resizing) return;

        var pv = KubeObjects.DeepCopy(cached);
        if (StorageNames.Capacity(pv).CompareTo(request) < 0)
        {
            if (!resizing) claim = await MarkResizingAsync(claim, ct);
            _events.Event(claim, EventRecorder.Normal, "Resizing", $"External resizer is resizing volume {pv.Metadata.Name}");
            long grown;
            try
            {
                grown = await _provisioner.ExpandAsync(pv, request.Value, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                var message = $"resize volume \"{pv.Metadata.Name}\" by resizer \"{Options.ProvisionerName}\" failed: {e.Message}";
                _events.Event(claim, EventRecorder.Warning, "VolumeResizeFailed", message);
                throw new ProvisioningException(message, e);
            }
            pv.Spec!.Capacity ??= new();
            pv.Spec.Capacity[VolumeConstants.Storage] = grown == request.Value ? request : Quantity.FromBytes(grown);
            pv = await _client.UpdateAsync(pv, ct);
        }
        await MarkResizeFinishedAsync(claim, StorageNames.Capacity(pv), ct);
    }

    private static bool HasCondition(PersistentVolumeClaim claim, string type)
    {
        foreach (var c in claim.Status?.Conditions ?? []) if (c.Type == type) return true;
        return false;
    }

    private async Task<PersistentVolumeClaim> MarkResizingAsync(PersistentVolumeClaim claim, CancellationToken ct)
    {
        var st = claim.Status ??= new PersistentVolumeClaimStatus();
        var conditions = new List<PersistentVolumeClaimCondition>();
        foreach (var c in st.Conditions ?? []) if (c.Type is not (StorageNames.ConditionResizing or StorageNames.ConditionFileSystemResizePending)) conditions.Add(c);
        conditions.Add(new PersistentVolumeClaimCondition { Type = StorageNames.ConditionResizing, Status = "True", LastTransitionTime = DateTimeOffset.UtcNow });
        st.Conditions = conditions;
        return await _client.UpdateStatusAsync(claim, ct);
    }

    /// <summary>status.capacity = the volume's size, resize conditions removed, one VolumeResizeSuccessful event. The PV
    /// controller may have copied the new capacity already (it keeps the claim's capacity equal to its volume's); the
    /// Resizing condition tells that the resize is still ours to finish.</summary>
    private async Task MarkResizeFinishedAsync(PersistentVolumeClaim claim, Quantity size, CancellationToken ct)
    {
        var st = claim.Status ??= new PersistentVolumeClaimStatus();
        var conditions = new List<PersistentVolumeClaimCondition>();
        foreach (var c in st.Conditions ?? []) if (c.Type is not (StorageNames.ConditionResizing or StorageNames.ConditionFileSystemResizePending)) conditions.Add(c);
        st.Conditions = conditions.Count == 0 ? null : conditions;
        st.Capacity ??= new();
        st.Capacity[VolumeConstants.Storage] = size;
        await _client.UpdateStatusAsync(claim, ct);
        Log.LogInformation("resized volume {Volume} of claim {Namespace}/{Claim} to {Size}", claim.Spec?.VolumeName, claim.Metadata.Namespace, claim.Metadata.Name, size);
        _events.Event(claim, EventRecorder.Normal, "VolumeResizeSuccessful", "Resize volume succeeded");
    }
}
