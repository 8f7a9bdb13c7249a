using System.Text.Json.Serialization;
using System.ComponentModel;
using Berth.Api.Meta;

namespace Berth.Api.Storage;

[Description("StorageClass describes the parameters for a class of storage for which PersistentVolumes can be dynamically provisioned. StorageClasses are non-namespaced.")]
public sealed class StorageClass : KubeObject
{
    [Description("provisioner indicates the type of the provisioner.")]
    [JsonPropertyOrder(1)]
    public string? Provisioner { get; set; }
    [Description("parameters holds the parameters for the provisioner that should create volumes of this storage class.")]
    [JsonPropertyOrder(1)]
    public Dictionary<string, string>? Parameters { get; set; }
    [Description("reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.")]
    [JsonPropertyOrder(1)]
    public string? ReclaimPolicy { get; set; }
    [Description("mountOptions controls the mountOptions for dynamically provisioned PersistentVolumes of this storage class.")]
    [JsonPropertyOrder(1)]
    public List<string>? MountOptions { get; set; }
    [Description("allowVolumeExpansion shows whether the storage class allow volume expand.")]
    [JsonPropertyOrder(1)]
    public bool? AllowVolumeExpansion { get; set; }
    [Description("volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound. When unset, VolumeBindingImmediate is used.")]
    [JsonPropertyOrder(1)]
    public string? VolumeBindingMode { get; set; }
    [Description("allowedTopologies restrict the node topologies where volumes can be dynamically provisioned.")]
    [JsonPropertyOrder(1)]
    public List<TopologySelectorTerm>? AllowedTopologies { get; set; }

    public const string IsDefaultAnnotation = "storageclass.kubernetes.io/is-default-class";
    public const string BetaIsDefaultAnnotation = "storageclass.beta.kubernetes.io/is-default-class";

    /// <summary>True when either default-class annotation is "true" (storageutil.IsDefaultAnnotation).</summary>
    [JsonIgnore]
    public bool IsDefault => Metadata.Annotation(IsDefaultAnnotation) == "true" || Metadata.Annotation(BetaIsDefaultAnnotation) == "true";

    /// <summary>The default class among these: of those marked default, the newest (ties by name), as upstream since 1.26.</summary>
    public static StorageClass? PickDefault(IEnumerable<StorageClass> classes)
    {
        StorageClass? best = null;
        foreach (var sc in classes)
        {
            if (!sc.IsDefault) continue;
            if (best is null) { best = sc; continue; }
            var c = Nullable.Compare(sc.Metadata.CreationTimestamp, best.Metadata.CreationTimestamp);
            if (c > 0 || (c == 0 && string.CompareOrdinal(sc.Metadata.Name, best.Metadata.Name) < 0)) best = sc;
        }
        return best;
    }
}

public sealed class StorageClassList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<StorageClass> Items { get; set; } = new();
}

[Description("A topology selector term represents the result of label queries.")]
public sealed class TopologySelectorTerm : Extensible
{
    [Description("A list of topology selector requirements by labels.")]
    public List<TopologySelectorLabelRequirement>? MatchLabelExpressions { get; set; }
}

public sealed class TopologySelectorLabelRequirement : Extensible
{
    public string? Key { get; set; }
    public List<string>? Values { get; set; }
}

public static class VolumeBindingModes
{
    public const string Immediate = "Immediate";
    public const string WaitForFirstConsumer = "WaitForFirstConsumer";
}
