using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Storage;
using Berth.Client;
using Microsoft.Extensions.Logging;

namespace Berth.Provisioners.Framework;

public sealed partial class ProvisionController
{
    /// <summary>A claim without a volume: provision when it is addressed to us, its class is ours, and (WaitForFirstConsumer)
    /// the scheduler has chosen a node (upstream's shouldProvision + provisionClaimOperation).</summary>
    private async Task SyncWaitingClaimAsync(PersistentVolumeClaim claim, CancellationToken ct)
    {
        if (!IsAddressedToUs(claim)) return;
        var className = StorageNames.ClaimClass(claim);
        // A missing class is reported by the PV controller; the class informer wakes the claim when it appears.
        if (_classes.Get(className) is not { } sc || sc.Provisioner != Options.ProvisionerName) return;
        var selectedNode = claim.Metadata.Annotation(StorageNames.SelectedNode);
        if (sc.VolumeBindingMode == VolumeBindingModes.WaitForFirstConsumer && string.IsNullOrEmpty(selectedNode)) return;

        var pvName = StorageNames.VolumeNameFor(claim);
        if (_volumes.Get(pvName) is not null || _created.ContainsKey(pvName)) return; // already provisioned

        if (claim.Spec?.VolumeMode == VolumeConstants.Block && !_provisioner.SupportsBlock)
        {
            _events.Event(claim, EventRecorder.Warning, "ProvisioningFailed", $"{Options.ProvisionerName} does not support block volume provisioning");
            return; // permanent: not retried
        }

        Node? node = null;
        if (!string.IsNullOrEmpty(selectedNode))
        {
            node = await FindNodeAsync(selectedNode, ct);
            if (node is null)
            {
                // The node went away after the scheduler chose it: let the scheduler choose again (upstream does the same).
                _events.Event(claim, EventRecorder.Warning, "ProvisioningFailed", $"failed to get target node: node \"{selectedNode}\" not found");
                await RescheduleAsync(claim, ct);
                return;
            }
        }

        var request = new ProvisionRequest { PvName = pvName, Claim = claim, StorageClass = sc, SelectedNode = node };
        _events.Event(claim, EventRecorder.Normal, "Provisioning", $"External provisioner is provisioning volume for claim \"{claim.Metadata.Namespace}/{claim.Metadata.Name}\"");
        ProvisionedVolume result;
        try
        {
            result = await _provisioner.ProvisionAsync(request, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var message = $"failed to provision volume with StorageClass \"{sc.Metadata.Name}\": {e.Message}";
            _events.Event(claim, EventRecorder.Warning, "ProvisioningFailed", message);
            if (e is ProvisioningException { Reschedule: true } && !string.IsNullOrEmpty(selectedNode))
            {
                await RescheduleAsync(claim, ct);
                return;
            }
            throw new ProvisioningException(message, e); // retried with back-off
        }

        // The storage exists and the PV does not yet: a crash here is the case the PV name's determinism is for.
        FaultInjection.Hit(FaultInjection.ProvisionAfterStorage);

        var pv = BuildVolume(request, result);
        try
        {
            await _client.CreateAsync(pv, ct);
        }
        catch (ApiStatusException e) when (e.IsAlreadyExists)
        {
            Log.LogInformation("volume {Volume} for claim {Namespace}/{Claim} already exists; reusing it", pvName, claim.Metadata.Namespace, claim.Metadata.Name);
        }
        _created[pvName] = 0;
        Log.LogInformation("provisioned volume {Volume} for claim {Namespace}/{Claim}", pvName, claim.Metadata.Namespace, claim.Metadata.Name);
        _events.Event(claim, EventRecorder.Normal, "ProvisioningSucceeded", $"Successfully provisioned volume {pvName}");
    }

    private async Task<Node?> FindNodeAsync(string name, CancellationToken ct)
    {
        if (_nodes.Get(name) is { } cached) return cached;
        try { return await _client.GetAsync<Node>(null, name, ct); } // the cache may lag behind a node that just registered
        catch (ApiStatusException e) when (e.IsNotFound) { return null; }
    }

    /// <summary>Removes selected-node so the scheduler picks a node again (upstream's rescheduleProvisioning).</summary>
    private async Task RescheduleAsync(PersistentVolumeClaim claim, CancellationToken ct)
    {
        if (claim.Metadata.Annotations?.Remove(StorageNames.SelectedNode) != true) return;
        await _client.UpdateAsync(claim, ct); // resourceVersion-checked: a conflict is retried with a fresh claim
    }

    /// <summary>The PV for a provisioned volume: pre-bound to the claim (with its uid), the class's reclaim policy and
    /// mount options, the claim's modes, volume mode and request, and the provisioner's source and node affinity.</summary>
    public static PersistentVolume BuildVolume(ProvisionRequest request, ProvisionedVolume result, string? provisionerName = null)
    {
        var claim = request.Claim;
        var sc = request.StorageClass;
        var annotations = new Dictionary<string, string>();
        if (result.Annotations is not null) foreach (var (k, v) in result.Annotations) annotations[k] = v;
        annotations[StorageNames.ProvisionedBy] = provisionerName ?? sc.Provisioner ?? "";
        var capacity = result.CapacityBytes is { } bytes && bytes != request.RequestedBytes ? Quantity.FromBytes(bytes) : StorageNames.Request(claim);
        var spec = new PersistentVolumeSpec
        {
            Capacity = new Dictionary<string, Quantity> { [VolumeConstants.Storage] = capacity },
            AccessModes = claim.Spec?.AccessModes is { } modes ? new List<string>(modes) : null,
            VolumeMode = claim.Spec?.VolumeMode ?? VolumeConstants.Filesystem,
            PersistentVolumeReclaimPolicy = sc.ReclaimPolicy ?? VolumeConstants.Delete,
            MountOptions = sc.MountOptions is { Count: > 0 } mo ? new List<string>(mo) : null,
            StorageClassName = StorageNames.ClaimClass(claim),
            NodeAffinity = result.NodeAffinity,
            ClaimRef = new ObjectReference
            {
                Kind = "PersistentVolumeClaim",
                ApiVersion = "v1",
                Namespace = claim.Metadata.Namespace,
                Name = claim.Metadata.Name,
                Uid = claim.Metadata.Uid,
                ResourceVersion = claim.Metadata.ResourceVersion,
            },
        };
        result.SetSource(spec);
        return new PersistentVolume
        {
            Metadata = new ObjectMeta { Name = request.PvName, Annotations = annotations },
            Spec = spec,
        };
    }
}
