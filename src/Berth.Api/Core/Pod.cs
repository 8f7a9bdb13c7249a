using System.ComponentModel;
using System.Text.Json.Serialization;
using Berth.Api.Meta;

namespace Berth.Api.Core;

[Description("Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.")]
public sealed class Pod : KubeObject
{
    [Description("Specification of the desired behavior of the pod.")]
    [JsonPropertyOrder(1)]
    public PodSpec? Spec { get; set; }
    [Description("Most recently observed status of the pod. This data may not be up to date. Populated by the system. Read-only.")]
    [JsonPropertyOrder(1)]
    public PodStatus? Status { get; set; }
}

public sealed class PodList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<Pod> Items { get; set; } = new();
}

[Description("PodTemplateSpec describes the data a pod should have when created from a template.")]
public sealed class PodTemplateSpec : Extensible
{
    [Description("Standard object's metadata.")]
    public ObjectMeta? Metadata { get; set; }
    [Description("Specification of the desired behavior of the pod.")]
    public PodSpec? Spec { get; set; }
}

[Description("PodSpec is a description of a pod.")]
public sealed class PodSpec : Extensible
{
    [Description("List of volumes that can be mounted by containers belonging to the pod.")]
    public List<Volume>? Volumes { get; set; }
    [Description("List of initialization containers belonging to the pod.")]
    public List<Container>? InitContainers { get; set; }
    [Description("List of containers belonging to the pod.")]
    public List<Container>? Containers { get; set; }
    public List<EphemeralContainer>? EphemeralContainers { get; set; }
    [Description("Restart policy for all containers within the pod. One of Always, OnFailure, Never. Default to Always.")]
    public string? RestartPolicy { get; set; }
    [Description("Optional duration in seconds the pod needs to terminate gracefully. Defaults to 30 seconds.")]
    public long? TerminationGracePeriodSeconds { get; set; }
    [Description("Optional duration in seconds the pod may be active on the node relative to StartTime before the system will actively try to mark it failed and kill associated containers.")]
    public long? ActiveDeadlineSeconds { get; set; }
    [Description("Set DNS policy for the pod. Defaults to \"ClusterFirst\".")]
    public string? DnsPolicy { get; set; }
    [Description("NodeSelector is a selector which must be true for the pod to fit on a node.")]
    public Dictionary<string, string>? NodeSelector { get; set; }
    [Description("ServiceAccountName is the name of the ServiceAccount to use to run this pod.")]
    public string? ServiceAccountName { get; set; }
    [Description("DeprecatedServiceAccount is a deprecated alias for ServiceAccountName.")]
    public string? ServiceAccount { get; set; }
    [Description("AutomountServiceAccountToken indicates whether a service account token should be automatically mounted.")]
    public bool? AutomountServiceAccountToken { get; set; }
    [Description("NodeName indicates in which node this pod is scheduled.")]
    public string? NodeName { get; set; }
    [Description("Host networking requested for this pod.")]
    public bool? HostNetwork { get; set; }
    [Description("Use the host's pid namespace.")]
    [JsonPropertyName("hostPID")]
    public bool? HostPID { get; set; }
    [Description("Use the host's ipc namespace.")]
    [JsonPropertyName("hostIPC")]
    public bool? HostIPC { get; set; }
    public bool? ShareProcessNamespace { get; set; }
    [Description("SecurityContext holds pod-level security attributes and common container settings.")]
    public PodSecurityContext? SecurityContext { get; set; }
    [Description("ImagePullSecrets is an optional list of references to secrets in the same namespace to use for pulling any of the images used by this PodSpec.")]
    public List<LocalObjectReference>? ImagePullSecrets { get; set; }
    [Description("Specifies the hostname of the Pod. If not specified, the pod's hostname will be set to a system-defined value.")]
    public string? Hostname { get; set; }
    [Description("If specified, the fully qualified Pod hostname will be \"<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>\".")]
    public string? Subdomain { get; set; }
    [Description("If specified, the pod's scheduling constraints.")]
    public Affinity? Affinity { get; set; }
    [Description("If specified, the pod will be dispatched by specified scheduler.")]
    public string? SchedulerName { get; set; }
    [Description("If specified, the pod's tolerations.")]
    public List<Toleration>? Tolerations { get; set; }
    public List<HostAlias>? HostAliases { get; set; }
    [Description("If specified, indicates the pod's priority.")]
    public string? PriorityClassName { get; set; }
    [Description("The priority value.")]
    public int? Priority { get; set; }
    [Description("Specifies the DNS parameters of a pod.")]
    public PodDNSConfig? DnsConfig { get; set; }
    [Description("If specified, all readiness gates will be evaluated for pod readiness.")]
    public List<PodReadinessGate>? ReadinessGates { get; set; }
    public string? RuntimeClassName { get; set; }
    [Description("EnableServiceLinks indicates whether information about services should be injected into pod's environment variables. Optional: Defaults to true.")]
    public bool? EnableServiceLinks { get; set; }
    public string? PreemptionPolicy { get; set; }
    public Dictionary<string, Quantity>? Overhead { get; set; }
    public List<TopologySpreadConstraint>? TopologySpreadConstraints { get; set; }
    [JsonPropertyName("setHostnameAsFQDN")]
    public bool? SetHostnameAsFQDN { get; set; }
    public PodOS? Os { get; set; }
    public bool? HostUsers { get; set; }
    public List<PodSchedulingGate>? SchedulingGates { get; set; }
    public List<PodResourceClaim>? ResourceClaims { get; set; }
    public ResourceRequirements? Resources { get; set; }
}

public sealed class EphemeralContainer : Extensible
{
    public string? Name { get; set; }
    public string? Image { get; set; }
    public List<string>? Command { get; set; }
    public List<string>? Args { get; set; }
    public string? TargetContainerName { get; set; }
}

public sealed class HostAlias : Extensible
{
    public string? Ip { get; set; }
    public List<string>? Hostnames { get; set; }
}

public sealed class PodDNSConfig : Extensible
{
    public List<string>? Nameservers { get; set; }
    public List<string>? Searches { get; set; }
    public List<PodDNSConfigOption>? Options { get; set; }
}

public sealed class PodDNSConfigOption : Extensible
{
    public string? Name { get; set; }
    public string? Value { get; set; }
}

public sealed class PodReadinessGate : Extensible
{
    public string? ConditionType { get; set; }
}

public sealed class PodSchedulingGate : Extensible
{
    public string? Name { get; set; }
}

public sealed class PodResourceClaim : Extensible
{
    public string? Name { get; set; }
    public string? ResourceClaimName { get; set; }
    public string? ResourceClaimTemplateName { get; set; }
}

public sealed class PodOS : Extensible
{
    public string? Name { get; set; }
}

public sealed class TopologySpreadConstraint : Extensible
{
    public int? MaxSkew { get; set; }
    public string? TopologyKey { get; set; }
    public string? WhenUnsatisfiable { get; set; }
    public LabelSelector? LabelSelector { get; set; }
    public int? MinDomains { get; set; }
    public string? NodeAffinityPolicy { get; set; }
    public string? NodeTaintsPolicy { get; set; }
    public List<string>? MatchLabelKeys { get; set; }
}

public sealed class Sysctl : Extensible
{
    public string? Name { get; set; }
    public string? Value { get; set; }
}

[Description("PodSecurityContext holds pod-level security attributes and common container settings.")]
public sealed class PodSecurityContext : Extensible
{
    [JsonPropertyName("seLinuxOptions")]
    public SELinuxOptions? SeLinuxOptions { get; set; }
    public WindowsSecurityContextOptions? WindowsOptions { get; set; }
    public long? RunAsUser { get; set; }
    public long? RunAsGroup { get; set; }
    public bool? RunAsNonRoot { get; set; }
    public List<long>? SupplementalGroups { get; set; }
    public string? SupplementalGroupsPolicy { get; set; }
    [Description("A special supplemental group that applies to all containers in a pod; volumes are made owned by it.")]
    public long? FsGroup { get; set; }
    public List<Sysctl>? Sysctls { get; set; }
    public string? FsGroupChangePolicy { get; set; }
    public SeccompProfile? SeccompProfile { get; set; }
    public AppArmorProfile? AppArmorProfile { get; set; }
    [JsonPropertyName("seLinuxChangePolicy")]
    public string? SeLinuxChangePolicy { get; set; }
}

[Description("Affinity is a group of affinity scheduling rules.")]
public sealed class Affinity : Extensible
{
    [Description("Describes node affinity scheduling rules for the pod.")]
    public NodeAffinity? NodeAffinity { get; set; }
    [Description("Describes pod affinity scheduling rules.")]
    public PodAffinity? PodAffinity { get; set; }
    [Description("Describes pod anti-affinity scheduling rules.")]
    public PodAntiAffinity? PodAntiAffinity { get; set; }
}

public sealed class NodeAffinity : Extensible
{
    public NodeSelector? RequiredDuringSchedulingIgnoredDuringExecution { get; set; }
    public List<PreferredSchedulingTerm>? PreferredDuringSchedulingIgnoredDuringExecution { get; set; }
}

public sealed class PreferredSchedulingTerm : Extensible
{
    public int? Weight { get; set; }
    public NodeSelectorTerm? Preference { get; set; }
}

public sealed class PodAffinity : Extensible
{
    public List<PodAffinityTerm>? RequiredDuringSchedulingIgnoredDuringExecution { get; set; }
    public List<WeightedPodAffinityTerm>? PreferredDuringSchedulingIgnoredDuringExecution { get; set; }
}

public sealed class PodAntiAffinity : Extensible
{
    public List<PodAffinityTerm>? RequiredDuringSchedulingIgnoredDuringExecution { get; set; }
    public List<WeightedPodAffinityTerm>? PreferredDuringSchedulingIgnoredDuringExecution { get; set; }
}

public sealed class PodAffinityTerm : Extensible
{
    public LabelSelector? LabelSelector { get; set; }
    public List<string>? Namespaces { get; set; }
    public string? TopologyKey { get; set; }
    public LabelSelector? NamespaceSelector { get; set; }
    public List<string>? MatchLabelKeys { get; set; }
    public List<string>? MismatchLabelKeys { get; set; }
}

public sealed class WeightedPodAffinityTerm : Extensible
{
    public int? Weight { get; set; }
    public PodAffinityTerm? PodAffinityTerm { get; set; }
}

[Description("The pod this Toleration is attached to tolerates any taint that matches the triple <key,value,effect> using the matching operator <operator>.")]
public sealed class Toleration : Extensible
{
    public string? Key { get; set; }
    public string? Operator { get; set; }
    public string? Value { get; set; }
    public string? Effect { get; set; }
    public long? TolerationSeconds { get; set; }
}

[Description("PodStatus represents information about the status of a pod.")]
public sealed class PodStatus : Extensible
{
    [Description("The phase of a Pod is a simple, high-level summary of where the Pod is in its lifecycle: Pending, Running, Succeeded, Failed, Unknown.")]
    public string? Phase { get; set; }
    [Description("Current service state of pod.")]
    public List<PodCondition>? Conditions { get; set; }
    [Description("A human readable message indicating details about why the pod is in this condition.")]
    public string? Message { get; set; }
    [Description("A brief CamelCase message indicating details about why the pod is in this state.")]
    public string? Reason { get; set; }
    [Description("nominatedNodeName is set only when this pod preempts other pods on the node.")]
    public string? NominatedNodeName { get; set; }
    [Description("hostIP holds the IP address of the host to which the pod is assigned.")]
    [JsonPropertyName("hostIP")]
    public string? HostIP { get; set; }
    [JsonPropertyName("hostIPs")]
    public List<HostIP>? HostIPs { get; set; }
    [Description("podIP address allocated to the pod. Routable at least within the cluster.")]
    [JsonPropertyName("podIP")]
    public string? PodIP { get; set; }
    [JsonPropertyName("podIPs")]
    public List<PodIP>? PodIPs { get; set; }
    [Description("RFC 3339 date and time at which the object was acknowledged by the Kubelet.")]
    public DateTimeOffset? StartTime { get; set; }
    [Description("Statuses of init containers in this pod.")]
    public List<ContainerStatus>? InitContainerStatuses { get; set; }
    [Description("Statuses of containers in this pod.")]
    public List<ContainerStatus>? ContainerStatuses { get; set; }
    [Description("The Quality of Service (QOS) classification assigned to the pod based on resource requirements.")]
    public string? QosClass { get; set; }
    public List<ContainerStatus>? EphemeralContainerStatuses { get; set; }
    public string? Resize { get; set; }
    public List<PodResourceClaimStatus>? ResourceClaimStatuses { get; set; }
}

public sealed class PodResourceClaimStatus : Extensible
{
    public string? Name { get; set; }
    public string? ResourceClaimName { get; set; }
}

public sealed class HostIP : Extensible
{
    public string? Ip { get; set; }
}

public sealed class PodIP : Extensible
{
    public string? Ip { get; set; }
}

[Description("PodCondition contains details for the current condition of this pod.")]
public sealed class PodCondition : Extensible
{
    public string? Type { get; set; }
    public string? Status { get; set; }
    public DateTimeOffset? LastProbeTime { get; set; }
    public DateTimeOffset? LastTransitionTime { get; set; }
    public string? Reason { get; set; }
    public string? Message { get; set; }
}

[Description("ContainerStatus contains details for the current status of this container.")]
public sealed class ContainerStatus : Extensible
{
    public string? Name { get; set; }
    [Description("State holds details about the container's current condition.")]
    public ContainerState? State { get; set; }
    [Description("LastTerminationState holds the last termination state of the container.")]
    public ContainerState? LastState { get; set; }
    [Description("Ready specifies whether the container is currently passing its readiness check.")]
    public bool? Ready { get; set; }
    [Description("RestartCount holds the number of times the container has been restarted.")]
    public int? RestartCount { get; set; }
    public string? Image { get; set; }
    [JsonPropertyName("imageID")]
    public string? ImageID { get; set; }
    [JsonPropertyName("containerID")]
    public string? ContainerID { get; set; }
    [Description("Started indicates whether the container has finished its postStart lifecycle hook and passed its startup probe.")]
    public bool? Started { get; set; }
    public Dictionary<string, Quantity>? AllocatedResources { get; set; }
    public ResourceRequirements? Resources { get; set; }
    public List<VolumeMountStatus>? VolumeMounts { get; set; }
}

public sealed class VolumeMountStatus : Extensible
{
    public string? Name { get; set; }
    public string? MountPath { get; set; }
    public bool? ReadOnly { get; set; }
    public string? RecursiveReadOnly { get; set; }
}

public sealed class ContainerState : Extensible
{
    public ContainerStateWaiting? Waiting { get; set; }
    public ContainerStateRunning? Running { get; set; }
    public ContainerStateTerminated? Terminated { get; set; }
}

public sealed class ContainerStateWaiting : Extensible
{
    public string? Reason { get; set; }
    public string? Message { get; set; }
}

public sealed class ContainerStateRunning : Extensible
{
    public DateTimeOffset? StartedAt { get; set; }
}

public sealed class ContainerStateTerminated : Extensible
{
    public int? ExitCode { get; set; }
    public int? Signal { get; set; }
    public string? Reason { get; set; }
    public string? Message { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    [JsonPropertyName("containerID")]
    public string? ContainerID { get; set; }
}

[Description("Binding ties one object to another; for example, a pod is bound to a node by a scheduler.")]
public sealed class Binding : KubeObject
{
    [Description("The target object that you want to bind to the standard object.")]
    public ObjectReference? Target { get; set; }
}
