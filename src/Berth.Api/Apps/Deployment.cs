using System.Text.Json.Serialization;
using System.ComponentModel;
using Berth.Api.Core;
using Berth.Api.Meta;

namespace Berth.Api.Apps;

[Description("Deployment enables declarative updates for Pods and ReplicaSets.")]
public sealed class Deployment : KubeObject
{
    [Description("Specification of the desired behavior of the Deployment.")]
    [JsonPropertyOrder(1)]
    public DeploymentSpec? Spec { get; set; }
    [Description("Most recently observed status of the Deployment.")]
    [JsonPropertyOrder(1)]
    public DeploymentStatus? Status { get; set; }
}

public sealed class DeploymentList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<Deployment> Items { get; set; } = new();
}

[Description("DeploymentSpec is the specification of the desired behavior of the Deployment.")]
public sealed class DeploymentSpec : Extensible
{
    [Description("Number of desired pods. Defaults to 1.")]
    public int? Replicas { get; set; }
    [Description("Label selector for pods. It must match the pod template's labels.")]
    public LabelSelector? Selector { get; set; }
    [Description("Template describes the pods that will be created.")]
    public PodTemplateSpec? Template { get; set; }
    [Description("The deployment strategy to use to replace existing pods with new ones.")]
    public DeploymentStrategy? Strategy { get; set; }
    public int? MinReadySeconds { get; set; }
    public int? RevisionHistoryLimit { get; set; }
    public bool? Paused { get; set; }
    public int? ProgressDeadlineSeconds { get; set; }
}

[Description("DeploymentStrategy describes how to replace existing pods with new ones.")]
public sealed class DeploymentStrategy : Extensible
{
    [Description("Type of deployment. Can be \"Recreate\" or \"RollingUpdate\". Default is RollingUpdate.")]
    public string? Type { get; set; }
    public RollingUpdateDeployment? RollingUpdate { get; set; }
}

public sealed class RollingUpdateDeployment : Extensible
{
    public IntOrString? MaxUnavailable { get; set; }
    public IntOrString? MaxSurge { get; set; }
}

[Description("DeploymentStatus is the most recently observed status of the Deployment.")]
public sealed class DeploymentStatus : Extensible
{
    public long? ObservedGeneration { get; set; }
    public int? Replicas { get; set; }
    public int? UpdatedReplicas { get; set; }
    public int? ReadyReplicas { get; set; }
    public int? AvailableReplicas { get; set; }
    public int? UnavailableReplicas { get; set; }
    public List<DeploymentCondition>? Conditions { get; set; }
    public int? CollisionCount { get; set; }
}

public sealed class DeploymentCondition : Extensible
{
    public string? Type { get; set; }
    public string? Status { get; set; }
    public DateTimeOffset? LastUpdateTime { get; set; }
    public DateTimeOffset? LastTransitionTime { get; set; }
    public string? Reason { get; set; }
    public string? Message { get; set; }
}
