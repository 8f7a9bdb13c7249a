using Berth.Api.Core;
using Berth.Api.Storage;

namespace Berth.Provisioners.Framework;

/// <summary>
/// One kind of storage that can create and delete volumes on demand (the role of sig-storage-lib-external-provisioner's
/// <c>Provisioner</c> interface). The ProvisionController does everything Kubernetes-facing (watching claims,
/// events, the PV object, retries, leader election); an implementation only touches its storage.
/// <para>Both calls must be idempotent: the controller may call them again after a crash at any point, with the same
/// request (the PV name is <c>pvc-&lt;claim uid&gt;</c>, so it is stable across retries). Provisioning storage that already
/// exists for the same PV name returns the same source rather than creating a second one.</para>
/// </summary>
public interface IVolumeProvisioner
{
    /// <summary>Creates (or finds, after a crash) the storage for <paramref name="request"/> and returns how to reach it.</summary>
    /// <exception cref="ProvisioningException">The storage cannot be created; the message goes into the ProvisioningFailed event.</exception>
    Task<ProvisionedVolume> ProvisionAsync(ProvisionRequest request, CancellationToken ct);

    /// <summary>Deletes (or archives, or keeps, as the class says) the storage behind <paramref name="volume"/>. Deleting
    /// storage that is already gone succeeds.</summary>
    /// <exception cref="ProvisioningException">The storage cannot be deleted; the message goes into the VolumeFailedDelete event.</exception>
    Task DeleteAsync(PersistentVolume volume, StorageClass? storageClass, CancellationToken ct);

    /// <summary>Grows the storage behind <paramref name="volume"/> to at least <paramref name="newSizeBytes"/> and returns the
    /// size it now has. Backends without quotas just record the size (return it unchanged).</summary>
    Task<long> ExpandAsync(PersistentVolume volume, long newSizeBytes, CancellationToken ct) => Task.FromResult(newSizeBytes);

    /// <summary>Whether claims with <c>volumeMode: Block</c> can be provisioned (upstream's BlockProvisioner); when not,
    /// they fail with "&lt;name&gt; does not support block volume provisioning" and are not retried.</summary>
    bool SupportsBlock => false;
}

/// <summary>What to provision: the claim, its class, the chosen PV name and (WaitForFirstConsumer) the selected node.</summary>
public sealed record ProvisionRequest
{
    /// <summary>"pvc-" + the claim's uid.</summary>
    public required string PvName { get; init; }
    public required PersistentVolumeClaim Claim { get; init; }
    public required StorageClass StorageClass { get; init; }
    /// <summary>The node from volume.kubernetes.io/selected-node, when the class waits for the first consumer.</summary>
    public Node? SelectedNode { get; init; }
    /// <summary>The class's parameters (never null).</summary>
    public IReadOnlyDictionary<string, string> Parameters =>
        StorageClass.Parameters ?? (IReadOnlyDictionary<string, string>)new Dictionary<string, string>();
    /// <summary>The claim's storage request in bytes (0 when absent).</summary>
    public long RequestedBytes => Claim.Spec?.Resources?.Requests is { } r && r.TryGetValue("storage", out var q) ? q.Value : 0;
}

/// <summary>
/// Where the new volume lives. The controller builds the PV from it: name, claimRef, capacity (the claim's request unless
/// <see cref="CapacityBytes"/> says otherwise), access modes, volume mode, the class's reclaim policy and mount options,
/// and the <c>pv.kubernetes.io/provisioned-by</c> annotation.
/// </summary>
public sealed record ProvisionedVolume
{
    /// <summary>The volume source, e.g. <c>new PersistentVolumeSourceFields { Nfs = … }</c>; copied onto the PV spec.</summary>
    public required Action<PersistentVolumeSpec> SetSource { get; init; }
    /// <summary>Node affinity for node-local storage (local-path), else null.</summary>
    public VolumeNodeAffinity? NodeAffinity { get; init; }
    /// <summary>The real size when it differs from the request.</summary>
    public long? CapacityBytes { get; init; }
    /// <summary>Extra annotations for the PV (e.g. where an archived directory went).</summary>
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}

/// <summary>A provisioning or deletion failure with a message meant for the user (events, PV status).</summary>
public sealed class ProvisioningException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The selected node cannot take this volume (upstream's ProvisioningReschedule): the controller removes
    /// <c>volume.kubernetes.io/selected-node</c> so that the scheduler picks a node again.</summary>
    public bool Reschedule { get; init; }
}
