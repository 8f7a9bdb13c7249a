using System.ComponentModel;
using System.Text.Json.Serialization;
using Berth.Api.Meta;

namespace Berth.Api.Core;

[Description("Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).")]
public sealed class Node : KubeObject
{
    [Description("Spec defines the behavior of a node.")]
    [JsonPropertyOrder(1)]
    public NodeSpec? Spec { get; set; }
    [Description("Most recently observed status of the node. Populated by the system. Read-only.")]
    [JsonPropertyOrder(1)]
    public NodeStatus? Status { get; set; }
}

public sealed class NodeList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<Node> Items { get; set; } = new();
}

[Description("NodeSpec describes the attributes that a node is created with.")]
public sealed class NodeSpec : Extensible
{
    [Description("PodCIDR represents the pod IP range assigned to the node.")]
    [JsonPropertyName("podCIDR")]
    public string? PodCIDR { get; set; }
    [JsonPropertyName("podCIDRs")]
    public List<string>? PodCIDRs { get; set; }
    [Description("ID of the node assigned by the cloud provider in the format: <ProviderName>://<ProviderSpecificNodeID>")]
    [JsonPropertyName("providerID")]
    public string? ProviderID { get; set; }
    [Description("Unschedulable controls node schedulability of new pods. By default, node is schedulable.")]
    public bool? Unschedulable { get; set; }
    [Description("If specified, the node's taints.")]
    public List<Taint>? Taints { get; set; }
    [JsonPropertyName("externalID")]
    public string? ExternalID { get; set; }
}

[Description("The node this Taint is attached to has the \"effect\" on any pod that does not tolerate the Taint.")]
public sealed class Taint : Extensible
{
    public string? Key { get; set; }
    public string? Value { get; set; }
    public string? Effect { get; set; }
    public DateTimeOffset? TimeAdded { get; set; }
}

[Description("NodeStatus is information about the current status of a node.")]
public sealed class NodeStatus : Extensible
{
    [Description("Capacity represents the total resources of a node.")]
    public Dictionary<string, Quantity>? Capacity { get; set; }
    [Description("Allocatable represents the resources of a node that are available for scheduling.")]
    public Dictionary<string, Quantity>? Allocatable { get; set; }
    public string? Phase { get; set; }
    [Description("Conditions is an array of current observed node conditions.")]
    public List<NodeCondition>? Conditions { get; set; }
    [Description("List of addresses reachable to the node.")]
    public List<NodeAddress>? Addresses { get; set; }
    public NodeDaemonEndpoints? DaemonEndpoints { get; set; }
    [Description("Set of ids/uuids to uniquely identify the node.")]
    public NodeSystemInfo? NodeInfo { get; set; }
    public List<ContainerImage>? Images { get; set; }
    public List<string>? VolumesInUse { get; set; }
    public List<AttachedVolume>? VolumesAttached { get; set; }
    public NodeFeatures? Features { get; set; }
    public List<NodeRuntimeHandler>? RuntimeHandlers { get; set; }
}

public sealed class NodeCondition : Extensible
{
    public string? Type { get; set; }
    public string? Status { get; set; }
    public DateTimeOffset? LastHeartbeatTime { get; set; }
    public DateTimeOffset? LastTransitionTime { get; set; }
    public string? Reason { get; set; }
    public string? Message { get; set; }
}

public sealed class NodeAddress : Extensible
{
    public string? Type { get; set; }
    public string? Address { get; set; }
}

public sealed class NodeDaemonEndpoints : Extensible
{
    public DaemonEndpoint? KubeletEndpoint { get; set; }
}

public sealed class DaemonEndpoint : Extensible
{
    [JsonPropertyName("Port")]
    public int? Port { get; set; }
}

public sealed class NodeSystemInfo : Extensible
{
    [JsonPropertyName("machineID")]
    public string? MachineID { get; set; }
    [JsonPropertyName("systemUUID")]
    public string? SystemUUID { get; set; }
    [JsonPropertyName("bootID")]
    public string? BootID { get; set; }
    public string? KernelVersion { get; set; }
    public string? OsImage { get; set; }
    public string? ContainerRuntimeVersion { get; set; }
    public string? KubeletVersion { get; set; }
    public string? KubeProxyVersion { get; set; }
    public string? OperatingSystem { get; set; }
    public string? Architecture { get; set; }
}

public sealed class ContainerImage : Extensible
{
    public List<string>? Names { get; set; }
    public long? SizeBytes { get; set; }
}

public sealed class AttachedVolume : Extensible
{
    public string? Name { get; set; }
    public string? DevicePath { get; set; }
}

public sealed class NodeFeatures : Extensible
{
    public bool? SupplementalGroupsPolicy { get; set; }
}

public sealed class NodeRuntimeHandler : Extensible
{
    public string? Name { get; set; }
    public NodeRuntimeHandlerFeatures? Features { get; set; }
}

public sealed class NodeRuntimeHandlerFeatures : Extensible
{
    public bool? RecursiveReadOnlyMounts { get; set; }
    public bool? UserNamespaces { get; set; }
}
