using Berth.Api.Core;
using Berth.Api.Meta;

namespace Berth.Provisioners.Framework;

/// <summary>The annotations, condition types and event reasons a provisioner and a resizer use, spelled as upstream
/// (sig-storage-lib-external-provisioner and external-resizer).</summary>
public static class StorageNames
{
    public const string StorageProvisioner = "volume.kubernetes.io/storage-provisioner";
    public const string BetaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner";
    public const string SelectedNode = "volume.kubernetes.io/selected-node";
    public const string ProvisionedBy = "pv.kubernetes.io/provisioned-by";
    public const string BetaStorageClass = "volume.beta.kubernetes.io/storage-class";
    public const string HostnameLabel = "kubernetes.io/hostname";

    public const string ConditionResizing = "Resizing";
    public const string ConditionFileSystemResizePending = "FileSystemResizePending";

    /// <summary>The provisioner a claim is addressed to: the new annotation first, then the beta one (as the library).</summary>
    public static string? ClaimProvisioner(PersistentVolumeClaim claim)
        => claim.Metadata.Annotation(StorageProvisioner) ?? claim.Metadata.Annotation(BetaStorageProvisioner);

    /// <summary>The claim's class: spec.storageClassName, else the beta annotation, else "" (upstream GetPersistentVolumeClaimClass).</summary>
    public static string ClaimClass(PersistentVolumeClaim claim)
        => claim.Spec?.StorageClassName ?? claim.Metadata.Annotation(BetaStorageClass) ?? "";

    /// <summary>The claim's storage request (zero when absent).</summary>
    public static Quantity Request(PersistentVolumeClaim claim)
        => claim.Spec?.Resources?.Requests is { } r && r.TryGetValue(VolumeConstants.Storage, out var q) ? q : Quantity.Zero;

    /// <summary>The claim's status.capacity storage (zero when absent).</summary>
    public static Quantity Capacity(PersistentVolumeClaim claim)
        => claim.Status?.Capacity is { } c && c.TryGetValue(VolumeConstants.Storage, out var q) ? q : Quantity.Zero;

    /// <summary>The volume's spec.capacity storage (zero when absent).</summary>
    public static Quantity Capacity(PersistentVolume pv)
        => pv.Spec?.Capacity is { } c && c.TryGetValue(VolumeConstants.Storage, out var q) ? q : Quantity.Zero;

    /// <summary>"pvc-" + the claim's uid: the name of the volume provisioned for it, stable across retries and crashes.</summary>
    public static string VolumeNameFor(PersistentVolumeClaim claim) => "pvc-" + claim.Metadata.Uid;
}
