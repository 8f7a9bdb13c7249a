using System.ComponentModel;
using System.Text.Json.Serialization;
using Berth.Api.Meta;

namespace Berth.Api.Core;

/// <summary>SecretReference: a Secret by name and namespace (PV sources may point across namespaces).</summary>
public sealed class SecretReference : Extensible
{
    [Description("name is unique within a namespace to reference a secret resource.")]
    public string? Name { get; set; }
    [Description("namespace defines the space within which the secret name must be unique.")]
    public string? Namespace { get; set; }
}

[Description("Represents an NFS mount that lasts the lifetime of a pod.")]
public sealed class NFSVolumeSource : Extensible
{
    [Description("server is the hostname or IP address of the NFS server.")]
    public string? Server { get; set; }
    [Description("path that is exported by the NFS server.")]
    public string? Path { get; set; }
    [Description("readOnly here will force the NFS export to be mounted with read-only permissions. Defaults to false.")]
    public bool? ReadOnly { get; set; }
}

[Description("Represents a Rados Block Device mount that lasts the lifetime of a pod (persistent volume form).")]
public sealed class RBDPersistentVolumeSource : Extensible
{
    [Description("monitors is a collection of Ceph monitors.")]
    public List<string>? Monitors { get; set; }
    [Description("image is the rados image name.")]
    public string? Image { get; set; }
    [Description("fsType is the filesystem type of the volume that you want to mount.")]
    public string? FsType { get; set; }
    [Description("pool is the rados pool name. Default is rbd.")]
    public string? Pool { get; set; }
    [Description("user is the rados user name. Default is admin.")]
    public string? User { get; set; }
    [Description("keyring is the path to key ring for RBDUser. Default is /etc/ceph/keyring.")]
    public string? Keyring { get; set; }
    [Description("secretRef is name of the authentication secret for RBDUser. If provided overrides keyring.")]
    public SecretReference? SecretRef { get; set; }
    [Description("readOnly here will force the ReadOnly setting in VolumeMounts. Defaults to false.")]
    public bool? ReadOnly { get; set; }
}

[Description("Represents a Rados Block Device mount that lasts the lifetime of a pod.")]
public sealed class RBDVolumeSource : Extensible
{
    [Description("monitors is a collection of Ceph monitors.")]
    public List<string>? Monitors { get; set; }
    [Description("image is the rados image name.")]
    public string? Image { get; set; }
    public string? FsType { get; set; }
    public string? Pool { get; set; }
    public string? User { get; set; }
    public string? Keyring { get; set; }
    [Description("secretRef is name of the authentication secret for RBDUser (in the pod's namespace).")]
    public LocalObjectReference? SecretRef { get; set; }
    public bool? ReadOnly { get; set; }
}

[Description("Represents a host path mapped into a pod.")]
public sealed class HostPathVolumeSource : Extensible
{
    [Description("path of the directory on the host.")]
    public string? Path { get; set; }
    [Description("type for HostPath Volume. Defaults to \"\".")]
    public string? Type { get; set; }
}

[Description("Local represents directly-attached storage with node affinity.")]
public sealed class LocalVolumeSource : Extensible
{
    [Description("path of the full path to the volume on the node.")]
    public string? Path { get; set; }
    public string? FsType { get; set; }
}

[Description("Represents storage that is managed by an external CSI volume driver.")]
public sealed class CSIPersistentVolumeSource : Extensible
{
    [Description("driver is the name of the driver to use for this volume.")]
    public string? Driver { get; set; }
    [Description("volumeHandle is the unique volume name returned by the CSI volume plugin's CreateVolume.")]
    public string? VolumeHandle { get; set; }
    public bool? ReadOnly { get; set; }
    public string? FsType { get; set; }
    public Dictionary<string, string>? VolumeAttributes { get; set; }
    public SecretReference? ControllerPublishSecretRef { get; set; }
    public SecretReference? NodeStageSecretRef { get; set; }
    public SecretReference? NodePublishSecretRef { get; set; }
    public SecretReference? ControllerExpandSecretRef { get; set; }
    public SecretReference? NodeExpandSecretRef { get; set; }
}

[Description("Represents a source location of a volume to mount, managed by an external CSI driver.")]
public sealed class CSIVolumeSource : Extensible
{
    public string? Driver { get; set; }
    public bool? ReadOnly { get; set; }
    public string? FsType { get; set; }
    public Dictionary<string, string>? VolumeAttributes { get; set; }
    public LocalObjectReference? NodePublishSecretRef { get; set; }
}

public sealed class ISCSIPersistentVolumeSource : Extensible
{
    public string? TargetPortal { get; set; }
    [JsonPropertyName("iqn")]
    public string? IQN { get; set; }
    public int? Lun { get; set; }
    public string? IscsiInterface { get; set; }
    public string? FsType { get; set; }
    public bool? ReadOnly { get; set; }
    public List<string>? Portals { get; set; }
    public bool? ChapAuthDiscovery { get; set; }
    public bool? ChapAuthSession { get; set; }
    public SecretReference? SecretRef { get; set; }
    public string? InitiatorName { get; set; }
}

public sealed class ISCSIVolumeSource : Extensible
{
    public string? TargetPortal { get; set; }
    [JsonPropertyName("iqn")]
    public string? IQN { get; set; }
    public int? Lun { get; set; }
    public string? IscsiInterface { get; set; }
    public string? FsType { get; set; }
    public bool? ReadOnly { get; set; }
    public List<string>? Portals { get; set; }
    public bool? ChapAuthDiscovery { get; set; }
    public bool? ChapAuthSession { get; set; }
    public LocalObjectReference? SecretRef { get; set; }
    public string? InitiatorName { get; set; }
}

public sealed class CephFSPersistentVolumeSource : Extensible
{
    public List<string>? Monitors { get; set; }
    public string? Path { get; set; }
    public string? User { get; set; }
    public string? SecretFile { get; set; }
    public SecretReference? SecretRef { get; set; }
    public bool? ReadOnly { get; set; }
}

public sealed class CephFSVolumeSource : Extensible
{
    public List<string>? Monitors { get; set; }
    public string? Path { get; set; }
    public string? User { get; set; }
    public string? SecretFile { get; set; }
    public LocalObjectReference? SecretRef { get; set; }
    public bool? ReadOnly { get; set; }
}

public sealed class FCVolumeSource : Extensible
{
    [JsonPropertyName("targetWWNs")]
    public List<string>? TargetWWNs { get; set; }
    public int? Lun { get; set; }
    public string? FsType { get; set; }
    public bool? ReadOnly { get; set; }
    public List<string>? Wwids { get; set; }
}

public sealed class FlexPersistentVolumeSource : Extensible
{
    public string? Driver { get; set; }
    public string? FsType { get; set; }
    public SecretReference? SecretRef { get; set; }
    public bool? ReadOnly { get; set; }
    public Dictionary<string, string>? Options { get; set; }
}

public sealed class FlexVolumeSource : Extensible
{
    public string? Driver { get; set; }
    public string? FsType { get; set; }
    public LocalObjectReference? SecretRef { get; set; }
    public bool? ReadOnly { get; set; }
    public Dictionary<string, string>? Options { get; set; }
}

public sealed class GlusterfsPersistentVolumeSource : Extensible
{
    public string? Endpoints { get; set; }
    public string? Path { get; set; }
    public bool? ReadOnly { get; set; }
    public string? EndpointsNamespace { get; set; }
}

public sealed class GlusterfsVolumeSource : Extensible
{
    public string? Endpoints { get; set; }
    public string? Path { get; set; }
    public bool? ReadOnly { get; set; }
}

public sealed class AWSElasticBlockStoreVolumeSource : Extensible
{
    [JsonPropertyName("volumeID")]
    public string? VolumeID { get; set; }
    public string? FsType { get; set; }
    public int? Partition { get; set; }
    public bool? ReadOnly { get; set; }
}

public sealed class GCEPersistentDiskVolumeSource : Extensible
{
    [JsonPropertyName("pdName")]
    public string? PdName { get; set; }
    public string? FsType { get; set; }
    public int? Partition { get; set; }
    public bool? ReadOnly { get; set; }
}

public sealed class AzureDiskVolumeSource : Extensible
{
    public string? DiskName { get; set; }
    [JsonPropertyName("diskURI")]
    public string? DiskURI { get; set; }
    public string? CachingMode { get; set; }
    public string? FsType { get; set; }
    public bool? ReadOnly { get; set; }
    public string? Kind { get; set; }
}

public sealed class AzureFilePersistentVolumeSource : Extensible
{
    public string? SecretName { get; set; }
    public string? ShareName { get; set; }
    public bool? ReadOnly { get; set; }
    public string? SecretNamespace { get; set; }
}

public sealed class AzureFileVolumeSource : Extensible
{
    public string? SecretName { get; set; }
    public string? ShareName { get; set; }
    public bool? ReadOnly { get; set; }
}

public sealed class CinderPersistentVolumeSource : Extensible
{
    [JsonPropertyName("volumeID")]
    public string? VolumeID { get; set; }
    public string? FsType { get; set; }
    public bool? ReadOnly { get; set; }
    public SecretReference? SecretRef { get; set; }
}

public sealed class VsphereVirtualDiskVolumeSource : Extensible
{
    public string? VolumePath { get; set; }
    public string? FsType { get; set; }
    public string? StoragePolicyName { get; set; }
    [JsonPropertyName("storagePolicyID")]
    public string? StoragePolicyID { get; set; }
}

[Description("Represents an empty directory for a pod.")]
public sealed class EmptyDirVolumeSource : Extensible
{
    [Description("medium represents what type of storage medium should back this directory (\"\" or \"Memory\").")]
    public string? Medium { get; set; }
    [Description("sizeLimit is the total amount of local storage required for this EmptyDir volume.")]
    public Quantity? SizeLimit { get; set; }
}

[Description("References the user's PVC in the same namespace.")]
public sealed class PersistentVolumeClaimVolumeSource : Extensible
{
    [Description("claimName is the name of a PersistentVolumeClaim in the same namespace as the pod using this volume.")]
    public string? ClaimName { get; set; }
    [Description("readOnly will force the ReadOnly setting in VolumeMounts. Default false.")]
    public bool? ReadOnly { get; set; }
}

public sealed class KeyToPath : Extensible
{
    public string? Key { get; set; }
    public string? Path { get; set; }
    public int? Mode { get; set; }
}

[Description("Adapts a ConfigMap into a volume.")]
public sealed class ConfigMapVolumeSource : Extensible
{
    public string? Name { get; set; }
    public List<KeyToPath>? Items { get; set; }
    public int? DefaultMode { get; set; }
    public bool? Optional { get; set; }
}

[Description("Adapts a Secret into a volume.")]
public sealed class SecretVolumeSource : Extensible
{
    public string? SecretName { get; set; }
    public List<KeyToPath>? Items { get; set; }
    public int? DefaultMode { get; set; }
    public bool? Optional { get; set; }
}

public sealed class DownwardAPIVolumeFile : Extensible
{
    public string? Path { get; set; }
    public ObjectFieldSelector? FieldRef { get; set; }
    public ResourceFieldSelector? ResourceFieldRef { get; set; }
    public int? Mode { get; set; }
}

[Description("Represents downward API info for projecting into a projected volume.")]
public sealed class DownwardAPIVolumeSource : Extensible
{
    public List<DownwardAPIVolumeFile>? Items { get; set; }
    public int? DefaultMode { get; set; }
}

public sealed class DownwardAPIProjection : Extensible
{
    public List<DownwardAPIVolumeFile>? Items { get; set; }
}

public sealed class ConfigMapProjection : Extensible
{
    public string? Name { get; set; }
    public List<KeyToPath>? Items { get; set; }
    public bool? Optional { get; set; }
}

public sealed class SecretProjection : Extensible
{
    public string? Name { get; set; }
    public List<KeyToPath>? Items { get; set; }
    public bool? Optional { get; set; }
}

public sealed class ServiceAccountTokenProjection : Extensible
{
    public string? Audience { get; set; }
    public long? ExpirationSeconds { get; set; }
    public string? Path { get; set; }
}

public sealed class ClusterTrustBundleProjection : Extensible
{
    public string? Name { get; set; }
    public string? SignerName { get; set; }
    public LabelSelector? LabelSelector { get; set; }
    public bool? Optional { get; set; }
    public string? Path { get; set; }
}

public sealed class VolumeProjection : Extensible
{
    public SecretProjection? Secret { get; set; }
    public DownwardAPIProjection? DownwardAPI { get; set; }
    public ConfigMapProjection? ConfigMap { get; set; }
    public ServiceAccountTokenProjection? ServiceAccountToken { get; set; }
    public ClusterTrustBundleProjection? ClusterTrustBundle { get; set; }
}

[Description("Represents a projected volume source.")]
public sealed class ProjectedVolumeSource : Extensible
{
    public List<VolumeProjection>? Sources { get; set; }
    public int? DefaultMode { get; set; }
}

public sealed class PersistentVolumeClaimTemplate : Extensible
{
    public ObjectMeta? Metadata { get; set; }
    public PersistentVolumeClaimSpec? Spec { get; set; }
}

[Description("Represents an ephemeral volume that is handled by a normal storage driver.")]
public sealed class EphemeralVolumeSource : Extensible
{
    [Description("Will be used to create a stand-alone PVC to provision the volume.")]
    public PersistentVolumeClaimTemplate? VolumeClaimTemplate { get; set; }
}

public sealed class GitRepoVolumeSource : Extensible
{
    public string? Repository { get; set; }
    public string? Revision { get; set; }
    public string? Directory { get; set; }
}

public sealed class ImageVolumeSource : Extensible
{
    public string? Reference { get; set; }
    public string? PullPolicy { get; set; }
}

/// <summary>The PV's volume sources (PersistentVolumeSource): exactly one is set.</summary>
public abstract class PersistentVolumeSourceFields : Extensible
{
    [Description("hostPath represents a directory on the host. Provisioned by a developer or tester.")]
    public HostPathVolumeSource? HostPath { get; set; }
    [Description("nfs represents an NFS mount on the host. Provisioned by an admin.")]
    [JsonPropertyName("nfs")]
    public NFSVolumeSource? NFS { get; set; }
    [Description("rbd represents a Rados Block Device mount on the host that shares a pod's lifetime.")]
    [JsonPropertyName("rbd")]
    public RBDPersistentVolumeSource? RBD { get; set; }
    [Description("local represents directly-attached storage with node affinity.")]
    public LocalVolumeSource? Local { get; set; }
    [Description("csi represents storage that is handled by an external CSI driver.")]
    [JsonPropertyName("csi")]
    public CSIPersistentVolumeSource? CSI { get; set; }
    [Description("iscsi represents an ISCSI Disk resource that is attached to a kubelet's host machine.")]
    [JsonPropertyName("iscsi")]
    public ISCSIPersistentVolumeSource? ISCSI { get; set; }
    [JsonPropertyName("cephfs")]
    public CephFSPersistentVolumeSource? CephFS { get; set; }
    [JsonPropertyName("fc")]
    public FCVolumeSource? FC { get; set; }
    public FlexPersistentVolumeSource? FlexVolume { get; set; }
    public GlusterfsPersistentVolumeSource? Glusterfs { get; set; }
    public AWSElasticBlockStoreVolumeSource? AwsElasticBlockStore { get; set; }
    public GCEPersistentDiskVolumeSource? GcePersistentDisk { get; set; }
    public AzureDiskVolumeSource? AzureDisk { get; set; }
    public AzureFilePersistentVolumeSource? AzureFile { get; set; }
    public CinderPersistentVolumeSource? Cinder { get; set; }
    public VsphereVirtualDiskVolumeSource? VsphereVolume { get; set; }
}
