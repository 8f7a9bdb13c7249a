using System.ComponentModel;
using System.Text.Json.Serialization;
using Berth.Api.Meta;

namespace Berth.Api.Core;

[Description("PersistentVolume (PV) is a storage resource provisioned by an administrator. It is analogous to a node.")]
public sealed class PersistentVolume : KubeObject
{
    /// <summary>Added at creation; removed once the volume is no longer Bound (pv-protection).</summary>
    public const string ProtectionFinalizer = "kubernetes.io/pv-protection";

    [Description("spec defines a specification of a persistent volume owned by the cluster. Provisioned by an administrator.")]
    [JsonPropertyOrder(1)]
    public PersistentVolumeSpec? Spec { get; set; }
    [Description("status represents the current information/status for the persistent volume. Populated by the system. Read-only.")]
    [JsonPropertyOrder(1)]
    public PersistentVolumeStatus? Status { get; set; }
}

public sealed class PersistentVolumeList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<PersistentVolume> Items { get; set; } = new();
}

[Description("PersistentVolumeSpec is the specification of a persistent volume.")]
public sealed class PersistentVolumeSpec : PersistentVolumeSourceFields
{
    [Description("capacity is the description of the persistent volume's resources and capacity.")]
    public Dictionary<string, Quantity>? Capacity { get; set; }
    [Description("accessModes contains all ways the volume can be mounted.")]
    public List<string>? AccessModes { get; set; }
    [Description("claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC.")]
    public ObjectReference? ClaimRef { get; set; }
    [Description("persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated).")]
    public string? PersistentVolumeReclaimPolicy { get; set; }
    [Description("storageClassName is the name of StorageClass to which this persistent volume belongs. Empty value means that this volume does not belong to any StorageClass.")]
    public string? StorageClassName { get; set; }
    [Description("mountOptions is the list of mount options, e.g. [\"ro\", \"soft\"]. Not validated - mount will simply fail if one is invalid.")]
    public List<string>? MountOptions { get; set; }
    [Description("volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.")]
    public string? VolumeMode { get; set; }
    [Description("nodeAffinity defines constraints that limit what nodes this volume can be accessed from.")]
    public VolumeNodeAffinity? NodeAffinity { get; set; }
    [Description("Name of VolumeAttributesClass to which this persistent volume belongs.")]
    public string? VolumeAttributesClassName { get; set; }
}

[Description("PersistentVolumeStatus is the current status of a persistent volume.")]
public sealed class PersistentVolumeStatus : Extensible
{
    [Description("phase indicates if a volume is available, bound to a claim, or released by a claim.")]
    public string? Phase { get; set; }
    [Description("message is a human-readable message indicating details about why the volume is in this state.")]
    public string? Message { get; set; }
    [Description("reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.")]
    public string? Reason { get; set; }
    [Description("lastPhaseTransitionTime is the time the phase transitioned from one to another and automatically resets to current time everytime a volume phase transitions.")]
    public DateTimeOffset? LastPhaseTransitionTime { get; set; }
}

[Description("VolumeNodeAffinity defines constraints that limit what nodes this volume can be accessed from.")]
public sealed class VolumeNodeAffinity : Extensible
{
    [Description("required specifies hard node constraints that must be met.")]
    public NodeSelector? Required { get; set; }
}

[Description("A node selector represents the union of the results of one or more label queries over a set of nodes.")]
public sealed class NodeSelector : Extensible
{
    [Description("Required. A list of node selector terms. The terms are ORed.")]
    public List<NodeSelectorTerm>? NodeSelectorTerms { get; set; }
}

[Description("A null or empty node selector term matches no objects. The requirements of them are ANDed.")]
public sealed class NodeSelectorTerm : Extensible
{
    [Description("A list of node selector requirements by node's labels.")]
    public List<NodeSelectorRequirement>? MatchExpressions { get; set; }
    [Description("A list of node selector requirements by node's fields.")]
    public List<NodeSelectorRequirement>? MatchFields { get; set; }
}

[Description("A node selector requirement is a selector that contains values, a key, and an operator that relates the key and values.")]
public sealed class NodeSelectorRequirement : Extensible
{
    public string? Key { get; set; }
    [Description("Represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists, DoesNotExist. Gt, and Lt.")]
    public string? Operator { get; set; }
    public List<string>? Values { get; set; }
}

/// <summary>Well-known values of the PV/PVC enums.</summary>
public static class VolumeConstants
{
    public const string ReadWriteOnce = "ReadWriteOnce";
    public const string ReadOnlyMany = "ReadOnlyMany";
    public const string ReadWriteMany = "ReadWriteMany";
    public const string ReadWriteOncePod = "ReadWriteOncePod";
    public static readonly string[] AccessModes = [ReadOnlyMany, ReadWriteMany, ReadWriteOnce, ReadWriteOncePod];

    public const string Retain = "Retain";
    public const string Delete = "Delete";
    public const string Recycle = "Recycle";

    public const string Filesystem = "Filesystem";
    public const string Block = "Block";

    public const string Pending = "Pending";
    public const string Available = "Available";
    public const string Bound = "Bound";
    public const string Released = "Released";
    public const string Failed = "Failed";
    public const string Lost = "Lost";

    public const string Storage = "storage";
}
