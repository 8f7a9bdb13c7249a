using System.ComponentModel;
using System.Text.Json.Serialization;
using Berth.Api.Meta;

namespace Berth.Api.Core;

[Description("Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.")]
public sealed class Service : KubeObject
{
    [Description("Spec defines the behavior of a service.")]
    [JsonPropertyOrder(1)]
    public ServiceSpec? Spec { get; set; }
    [Description("Most recently observed status of the service. Populated by the system. Read-only.")]
    [JsonPropertyOrder(1)]
    public ServiceStatus? Status { get; set; }
}

public sealed class ServiceList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<Service> Items { get; set; } = new();
}

[Description("ServiceSpec describes the attributes that a user creates on a service.")]
public sealed class ServiceSpec : Extensible
{
    [Description("The list of ports that are exposed by this service.")]
    public List<ServicePort>? Ports { get; set; }
    [Description("Route service traffic to pods with label keys and values matching this selector.")]
    public Dictionary<string, string>? Selector { get; set; }
    [Description("clusterIP is the IP address of the service; \"None\" makes a headless service.")]
    [JsonPropertyName("clusterIP")]
    public string? ClusterIP { get; set; }
    [Description("ClusterIPs is a list of IP addresses assigned to this service.")]
    [JsonPropertyName("clusterIPs")]
    public List<string>? ClusterIPs { get; set; }
    [Description("type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.")]
    public string? Type { get; set; }
    [Description("externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.")]
    [JsonPropertyName("externalIPs")]
    public List<string>? ExternalIPs { get; set; }
    [Description("Supports \"ClientIP\" and \"None\". Used to maintain session affinity. Defaults to None.")]
    public string? SessionAffinity { get; set; }
    [JsonPropertyName("loadBalancerIP")]
    public string? LoadBalancerIP { get; set; }
    public List<string>? LoadBalancerSourceRanges { get; set; }
    public string? ExternalName { get; set; }
    public string? ExternalTrafficPolicy { get; set; }
    public int? HealthCheckNodePort { get; set; }
    [Description("publishNotReadyAddresses indicates that any agent which deals with endpoints for this Service should disregard any indications of ready/not-ready.")]
    public bool? PublishNotReadyAddresses { get; set; }
    public SessionAffinityConfig? SessionAffinityConfig { get; set; }
    [Description("IPFamilies is a list of IP families (e.g. IPv4, IPv6) assigned to this service.")]
    public List<string>? IpFamilies { get; set; }
    [Description("IPFamilyPolicy represents the dual-stack-ness requested or required by this Service.")]
    public string? IpFamilyPolicy { get; set; }
    public bool? AllocateLoadBalancerNodePorts { get; set; }
    public string? LoadBalancerClass { get; set; }
    [Description("InternalTrafficPolicy describes how nodes distribute service traffic they receive on the ClusterIP.")]
    public string? InternalTrafficPolicy { get; set; }
    public string? TrafficDistribution { get; set; }
}

public sealed class SessionAffinityConfig : Extensible
{
    public ClientIPConfig? ClientIP { get; set; }
}

public sealed class ClientIPConfig : Extensible
{
    public int? TimeoutSeconds { get; set; }
}

[Description("ServicePort contains information on service's port.")]
public sealed class ServicePort : Extensible
{
    [Description("The name of this port within the service.")]
    public string? Name { get; set; }
    [Description("The IP protocol for this port. Supports \"TCP\", \"UDP\", and \"SCTP\". Default is TCP.")]
    public string? Protocol { get; set; }
    [Description("The application protocol for this port.")]
    public string? AppProtocol { get; set; }
    [Description("The port that will be exposed by this service.")]
    public int? Port { get; set; }
    /// <summary>A number or a named container port.</summary>
    [Description("Number or name of the port to access on the pods targeted by the service.")]
    public IntOrString? TargetPort { get; set; }
    [Description("The port on each node on which this service is exposed when type is NodePort or LoadBalancer.")]
    public int? NodePort { get; set; }
}

[Description("ServiceStatus represents the current status of a service.")]
public sealed class ServiceStatus : Extensible
{
    [Description("LoadBalancer contains the current status of the load-balancer, if one is present.")]
    public LoadBalancerStatus? LoadBalancer { get; set; }
    public List<Condition>? Conditions { get; set; }
}

public sealed class LoadBalancerStatus : Extensible
{
    public List<LoadBalancerIngress>? Ingress { get; set; }
}

public sealed class LoadBalancerIngress : Extensible
{
    public string? Ip { get; set; }
    public string? Hostname { get; set; }
    public string? IpMode { get; set; }
    public List<PortStatus>? Ports { get; set; }
}

public sealed class PortStatus : Extensible
{
    public int? Port { get; set; }
    public string? Protocol { get; set; }
    public string? Error { get; set; }
}

[Description("Endpoints is a collection of endpoints that implement the actual service.")]
public sealed class Endpoints : KubeObject
{
    [Description("The set of all endpoints is the union of all subsets.")]
    [JsonPropertyOrder(1)]
    public List<EndpointSubset>? Subsets { get; set; }
}

public sealed class EndpointsList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<Endpoints> Items { get; set; } = new();
}

[Description("EndpointSubset is a group of addresses with a common set of ports.")]
public sealed class EndpointSubset : Extensible
{
    [Description("IP addresses which offer the related ports that are marked as ready.")]
    public List<EndpointAddress>? Addresses { get; set; }
    [Description("IP addresses which offer the related ports but are not currently marked as ready.")]
    public List<EndpointAddress>? NotReadyAddresses { get; set; }
    [Description("Port numbers available on the related IP addresses.")]
    public List<EndpointPort>? Ports { get; set; }
}

public sealed class EndpointAddress : Extensible
{
    public string? Ip { get; set; }
    public string? Hostname { get; set; }
    public string? NodeName { get; set; }
    public ObjectReference? TargetRef { get; set; }
}

public sealed class EndpointPort : Extensible
{
    public string? Name { get; set; }
    public int? Port { get; set; }
    public string? Protocol { get; set; }
    public string? AppProtocol { get; set; }
}
