namespace Berth.Controllers.PersistentVolumes;

/// <summary>The annotations, finalizers and event reasons of the PV binder, spelled as upstream.</summary>
public static class Ann
{
    public const string BindCompleted = "pv.kubernetes.io/bind-completed";
    public const string BoundByController = "pv.kubernetes.io/bound-by-controller";
    public const string ProvisionedBy = "pv.kubernetes.io/provisioned-by";
    public const string StorageProvisioner = "volume.kubernetes.io/storage-provisioner";
    public const string BetaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner";
    public const string SelectedNode = "volume.kubernetes.io/selected-node";
    public const string PvProtection = Berth.Api.Core.PersistentVolume.ProtectionFinalizer;
    public const string PvcProtection = Berth.Api.Core.PersistentVolumeClaim.ProtectionFinalizer;
    public const string Yes = "yes";
    public const string NoProvisioner = "kubernetes.io/no-provisioner";
}
