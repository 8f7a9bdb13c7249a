using System.ComponentModel;
using System.Text.Json.Serialization;
using Berth.Api.Meta;

namespace Berth.Api.Core;

[Description("Volume represents a named volume in a pod that may be accessed by any container in the pod.")]
public sealed class Volume : Extensible
{
    [Description("name of the volume. Must be a DNS_LABEL and unique within the pod.")]
    public string? Name { get; set; }

    [Description("hostPath represents a pre-existing file or directory on the host machine that is directly exposed to the container.")]
    public HostPathVolumeSource? HostPath { get; set; }
    [Description("emptyDir represents a temporary directory that shares a pod's lifetime.")]
    public EmptyDirVolumeSource? EmptyDir { get; set; }
    [Description("persistentVolumeClaimVolumeSource represents a reference to a PersistentVolumeClaim in the same namespace.")]
    public PersistentVolumeClaimVolumeSource? PersistentVolumeClaim { get; set; }
    [Description("nfs represents an NFS mount on the host that shares a pod's lifetime.")]
    [JsonPropertyName("nfs")]
    public NFSVolumeSource? NFS { get; set; }
    [Description("rbd represents a Rados Block Device mount on the host that shares a pod's lifetime.")]
    [JsonPropertyName("rbd")]
    public RBDVolumeSource? RBD { get; set; }
    [Description("configMap represents a configMap that should populate this volume.")]
    public ConfigMapVolumeSource? ConfigMap { get; set; }
    [Description("secret represents a secret that should populate this volume.")]
    public SecretVolumeSource? Secret { get; set; }
    [Description("projected items for all in one resources secrets, configmaps, and downward API.")]
    public ProjectedVolumeSource? Projected { get; set; }
    [Description("downwardAPI represents downward API about the pod that should populate this volume.")]
    public DownwardAPIVolumeSource? DownwardAPI { get; set; }
    [Description("csi (Container Storage Interface) represents ephemeral storage that is handled by certain external CSI drivers.")]
    [JsonPropertyName("csi")]
    public CSIVolumeSource? CSI { get; set; }
    [Description("ephemeral represents a volume that is handled by a cluster storage driver.")]
    public EphemeralVolumeSource? Ephemeral { get; set; }
    [JsonPropertyName("iscsi")]
    public ISCSIVolumeSource? ISCSI { get; set; }
    [JsonPropertyName("cephfs")]
    public CephFSVolumeSource? CephFS { get; set; }
    [JsonPropertyName("fc")]
    public FCVolumeSource? FC { get; set; }
    public FlexVolumeSource? FlexVolume { get; set; }
    public GlusterfsVolumeSource? Glusterfs { get; set; }
    public GitRepoVolumeSource? GitRepo { get; set; }
    public AWSElasticBlockStoreVolumeSource? AwsElasticBlockStore { get; set; }
    public GCEPersistentDiskVolumeSource? GcePersistentDisk { get; set; }
    public AzureDiskVolumeSource? AzureDisk { get; set; }
    public AzureFileVolumeSource? AzureFile { get; set; }
    public VsphereVirtualDiskVolumeSource? VsphereVolume { get; set; }
    public ImageVolumeSource? Image { get; set; }
}
