using System.Text.Json.Serialization;
using System.ComponentModel;
using Berth.Api.Core;
using Berth.Api.Meta;

namespace Berth.Api.Apps;

[Description("StatefulSet represents a set of pods with consistent identities. Identities are defined as network (a single stable DNS and hostname) and storage (as many VolumeClaims as requested).")]
public sealed class StatefulSet : KubeObject
{
    [Description("Spec defines the desired identities of pods in this set.")]
    [JsonPropertyOrder(1)]
    public StatefulSetSpec? Spec { get; set; }
    [Description("Status is the current status of Pods in this StatefulSet. This data may be out of date by some window of time.")]
    [JsonPropertyOrder(1)]
    public StatefulSetStatus? Status { get; set; }
}

public sealed class StatefulSetList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<StatefulSet> Items { get; set; } = new();
}

[Description("A StatefulSetSpec is the specification of a StatefulSet.")]
public sealed class StatefulSetSpec : Extensible
{
    [Description("replicas is the desired number of replicas of the given Template. If unspecified, defaults to 1.")]
    public int? Replicas { get; set; }
    [Description("selector is a label query over pods that should match the replica count. It must match the pod template's labels.")]
    public LabelSelector? Selector { get; set; }
    [Description("template is the object that describes the pod that will be created if insufficient replicas are detected.")]
    public PodTemplateSpec? Template { get; set; }
    [Description("volumeClaimTemplates is a list of claims that pods are allowed to reference. Every claim in this list must have at least one matching (by name) volumeMount in one container in the template.")]
    public List<PersistentVolumeClaim>? VolumeClaimTemplates { get; set; }
    [Description("serviceName is the name of the service that governs this StatefulSet. Pods get DNS/hostnames that follow the pattern: pod-specific-string.serviceName.default.svc.cluster.local")]
    public string? ServiceName { get; set; }
    [Description("podManagementPolicy controls how pods are created during initial scale up, when replacing pods on nodes, or when scaling down. OrderedReady (default) or Parallel.")]
    public string? PodManagementPolicy { get; set; }
    [Description("updateStrategy indicates the StatefulSetUpdateStrategy that will be employed to update Pods in the StatefulSet when a revision is made to Template.")]
    public StatefulSetUpdateStrategy? UpdateStrategy { get; set; }
    [Description("revisionHistoryLimit is the maximum number of revisions that will be maintained in the StatefulSet's revision history. Defaults to 10.")]
    public int? RevisionHistoryLimit { get; set; }
    [Description("Minimum number of seconds for which a newly created pod should be ready without any of its container crashing for it to be considered available.")]
    public int? MinReadySeconds { get; set; }
    [Description("persistentVolumeClaimRetentionPolicy describes the lifecycle of persistent volume claims created from volumeClaimTemplates.")]
    public StatefulSetPersistentVolumeClaimRetentionPolicy? PersistentVolumeClaimRetentionPolicy { get; set; }
    [Description("ordinals controls the numbering of replica indices in a StatefulSet.")]
    public StatefulSetOrdinals? Ordinals { get; set; }
}

[Description("StatefulSetUpdateStrategy indicates the strategy that the StatefulSet controller will use to perform updates.")]
public sealed class StatefulSetUpdateStrategy : Extensible
{
    [Description("Type indicates the type of the StatefulSetUpdateStrategy. Default is RollingUpdate.")]
    public string? Type { get; set; }
    [Description("RollingUpdate is used to communicate parameters when Type is RollingUpdateStatefulSetStrategyType.")]
    public RollingUpdateStatefulSetStrategy? RollingUpdate { get; set; }
}

[Description("RollingUpdateStatefulSetStrategy is used to communicate parameter for RollingUpdateStatefulSetStrategyType.")]
public sealed class RollingUpdateStatefulSetStrategy : Extensible
{
    [Description("Partition indicates the ordinal at which the StatefulSet should be partitioned for updates. Default value is 0.")]
    public int? Partition { get; set; }
    /// <summary>A number or a percentage.</summary>
    [Description("The maximum number of pods that can be unavailable during the update.")]
    public IntOrString? MaxUnavailable { get; set; }
}

[Description("StatefulSetPersistentVolumeClaimRetentionPolicy describes the policy used for PVCs created from the StatefulSet VolumeClaimTemplates.")]
public sealed class StatefulSetPersistentVolumeClaimRetentionPolicy : Extensible
{
    [Description("WhenDeleted specifies what happens to PVCs created from StatefulSet VolumeClaimTemplates when the StatefulSet is deleted: Retain (default) or Delete.")]
    public string? WhenDeleted { get; set; }
    [Description("WhenScaled specifies what happens to PVCs created from StatefulSet VolumeClaimTemplates when the StatefulSet is scaled down: Retain (default) or Delete.")]
    public string? WhenScaled { get; set; }
}

[Description("StatefulSetOrdinals describes the policy used for replica ordinal assignment in this StatefulSet.")]
public sealed class StatefulSetOrdinals : Extensible
{
    [Description("start is the number representing the first replica's index. Defaults to 0.")]
    public int? Start { get; set; }
}

[Description("StatefulSetStatus represents the current state of a StatefulSet.")]
public sealed class StatefulSetStatus : Extensible
{
    [Description("observedGeneration is the most recent generation observed for this StatefulSet.")]
    public long? ObservedGeneration { get; set; }
    [Description("replicas is the number of Pods created by the StatefulSet controller.")]
    public int? Replicas { get; set; }
    [Description("readyReplicas is the number of pods created for this StatefulSet with a Ready Condition.")]
    public int? ReadyReplicas { get; set; }
    [Description("currentReplicas is the number of Pods created by the StatefulSet controller from the StatefulSet version indicated by currentRevision.")]
    public int? CurrentReplicas { get; set; }
    [Description("updatedReplicas is the number of Pods created by the StatefulSet controller from the StatefulSet version indicated by updateRevision.")]
    public int? UpdatedReplicas { get; set; }
    [Description("Total number of available pods (ready for at least minReadySeconds) targeted by this statefulset.")]
    public int? AvailableReplicas { get; set; }
    [Description("currentRevision, if not empty, indicates the version of the StatefulSet used to generate Pods in the sequence [0,currentReplicas).")]
    public string? CurrentRevision { get; set; }
    [Description("updateRevision, if not empty, indicates the version of the StatefulSet used to generate Pods in the sequence [replicas-updatedReplicas,replicas)")]
    public string? UpdateRevision { get; set; }
    [Description("collisionCount is the count of hash collisions for the StatefulSet.")]
    public int? CollisionCount { get; set; }
    [Description("Represents the latest available observations of a statefulset's current state.")]
    public List<StatefulSetCondition>? Conditions { get; set; }
}

public sealed class StatefulSetCondition : Extensible
{
    public string? Type { get; set; }
    public string? Status { get; set; }
    public DateTimeOffset? LastTransitionTime { get; set; }
    public string? Reason { get; set; }
    public string? Message { get; set; }
}
