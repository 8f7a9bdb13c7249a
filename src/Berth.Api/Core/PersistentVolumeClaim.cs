using System.Text.Json.Serialization;
using System.ComponentModel;
using Berth.Api.Meta;

namespace Berth.Api.Core;

[Description("PersistentVolumeClaim is a user's request for and claim to a persistent volume.")]
public sealed class PersistentVolumeClaim : KubeObject
{
    /// <summary>Added at creation; removed once no running pod uses the claim (pvc-protection).</summary>
    public const string ProtectionFinalizer = "kubernetes.io/pvc-protection";

    [Description("spec defines the desired characteristics of a volume requested by a pod author.")]
    [JsonPropertyOrder(1)]
    public PersistentVolumeClaimSpec? Spec { get; set; }
    [Description("status represents the current information/status of a persistent volume claim. Read-only.")]
    [JsonPropertyOrder(1)]
    public PersistentVolumeClaimStatus? Status { get; set; }
}

public sealed class PersistentVolumeClaimList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<PersistentVolumeClaim> Items { get; set; } = new();
}

[Description("PersistentVolumeClaimSpec describes the common attributes of storage devices and allows a Source for provider-specific attributes.")]
public sealed class PersistentVolumeClaimSpec : Extensible
{
    [Description("accessModes contains the desired access modes the volume should have.")]
    public List<string>? AccessModes { get; set; }
    [Description("selector is a label query over volumes to consider for binding.")]
    public LabelSelector? Selector { get; set; }
    [Description("resources represents the minimum resources the volume should have.")]
    public VolumeResourceRequirements? Resources { get; set; }
    [Description("volumeName is the binding reference to the PersistentVolume backing this claim.")]
    public string? VolumeName { get; set; }
    [Description("storageClassName is the name of the StorageClass required by the claim.")]
    public string? StorageClassName { get; set; }
    [Description("volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.")]
    public string? VolumeMode { get; set; }
    [Description("dataSource field can be used to specify either an existing VolumeSnapshot object, an existing PVC or an existing custom resource.")]
    public TypedLocalObjectReference? DataSource { get; set; }
    [Description("dataSourceRef specifies the object from which to populate the volume with data, if a non-empty volume is desired.")]
    public TypedObjectReference? DataSourceRef { get; set; }
    [Description("volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.")]
    public string? VolumeAttributesClassName { get; set; }
}

[Description("VolumeResourceRequirements describes the storage resource requirements for a volume.")]
public sealed class VolumeResourceRequirements : Extensible
{
    [Description("Limits describes the maximum amount of compute resources allowed.")]
    public Dictionary<string, Quantity>? Limits { get; set; }
    [Description("Requests describes the minimum amount of compute resources required.")]
    public Dictionary<string, Quantity>? Requests { get; set; }
}

[Description("TypedLocalObjectReference contains enough information to let you locate the typed referenced object inside the same namespace.")]
public sealed class TypedLocalObjectReference : Extensible
{
    public string? ApiGroup { get; set; }
    public string? Kind { get; set; }
    public string? Name { get; set; }
}

public sealed class TypedObjectReference : Extensible
{
    public string? ApiGroup { get; set; }
    public string? Kind { get; set; }
    public string? Name { get; set; }
    public string? Namespace { get; set; }
}

[Description("PersistentVolumeClaimStatus is the current status of a persistent volume claim.")]
public sealed class PersistentVolumeClaimStatus : Extensible
{
    [Description("phase represents the current phase of PersistentVolumeClaim.")]
    public string? Phase { get; set; }
    [Description("accessModes contains the actual access modes the volume backing the PVC has.")]
    public List<string>? AccessModes { get; set; }
    [Description("capacity represents the actual resources of the underlying volume.")]
    public Dictionary<string, Quantity>? Capacity { get; set; }
    [Description("conditions is the current Condition of persistent volume claim. If underlying persistent volume is being resized then the Condition will be set to 'Resizing'.")]
    public List<PersistentVolumeClaimCondition>? Conditions { get; set; }
    [Description("allocatedResources tracks the resources allocated to a PVC including its capacity.")]
    public Dictionary<string, Quantity>? AllocatedResources { get; set; }
    [Description("allocatedResourceStatuses stores status of resource being resized for the given PVC.")]
    public Dictionary<string, string>? AllocatedResourceStatuses { get; set; }
    [Description("currentVolumeAttributesClassName is the current name of the VolumeAttributesClass the PVC is using.")]
    public string? CurrentVolumeAttributesClassName { get; set; }
    public ModifyVolumeStatus? ModifyVolumeStatus { get; set; }
}

public sealed class ModifyVolumeStatus : Extensible
{
    public string? TargetVolumeAttributesClassName { get; set; }
    public string? Status { get; set; }
}

[Description("PersistentVolumeClaimCondition contains details about state of pvc.")]
public sealed class PersistentVolumeClaimCondition : Extensible
{
    public string? Type { get; set; }
    public string? Status { get; set; }
    public DateTimeOffset? LastProbeTime { get; set; }
    public DateTimeOffset? LastTransitionTime { get; set; }
    public string? Reason { get; set; }
    public string? Message { get; set; }
}
