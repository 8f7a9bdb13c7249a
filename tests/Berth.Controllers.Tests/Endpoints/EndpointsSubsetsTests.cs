using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Controllers.ServiceEndpoints;

namespace Berth.Controllers.Tests.Endpoints;

/// <summary>What the endpoints controller computes for a service and its pods (no API involved).</summary>
public sealed class EndpointsSubsetsTests
{
    private static Service Svc(string name = "nginx", bool headless = true, bool publishNotReady = false, params ServicePort[] ports) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default" },
        Spec = new ServiceSpec
        {
            ClusterIP = headless ? "None" : "10.96.0.10",
            Selector = new() { ["app"] = "nginx" },
            PublishNotReadyAddresses = publishNotReady,
            Ports = ports.Length == 0 ? null : ports.ToList(),
        },
    };

    private static ServicePort Port(string? name, int port, IntOrString? target = null, string? protocol = null) => new()
    {
        Name = name, Port = port, Protocol = protocol, TargetPort = target,
    };

    private static Pod Pod(string name, string? ip, bool ready = true, string? hostname = null, string? subdomain = null,
        string phase = "Running", string? restartPolicy = null, bool deleting = false, int containerPort = 8080) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = name, Namespace = "default", Uid = "uid-" + name, ResourceVersion = "7",
            Labels = new() { ["app"] = "nginx" }, DeletionTimestamp = deleting ? DateTimeOffset.UnixEpoch : null,
        },
        Spec = new PodSpec
        {
            NodeName = "n1", Hostname = hostname, Subdomain = subdomain, RestartPolicy = restartPolicy,
            Containers = [new Container { Name = "c", Image = "nginx", Ports = [new ContainerPort { Name = "http", ContainerPortNumber = containerPort }] }],
        },
        Status = new PodStatus
        {
            Phase = phase,
            PodIP = ip,
            PodIPs = ip is null ? null : [new PodIP { Ip = ip }],
            Conditions = [new PodCondition { Type = "Ready", Status = ready ? "True" : "False" }],
        },
    };

    [Fact]
    public void OnlyPodUpdatesThatEndpointsShowEnqueueTheService()
    {
        var before = Pod("web-0", "10.88.0.2", ready: false, hostname: "web-0", subdomain: "nginx");
        // A status write that changes only what endpoints do not show (another condition, container states).
        var other = Pod("web-0", "10.88.0.2", ready: false, hostname: "web-0", subdomain: "nginx");
        other.Status!.Conditions!.Add(new PodCondition { Type = "ContainersReady", Status = "False" });
        other.Metadata.ResourceVersion = "8";
        Assert.False(EndpointsController.EndpointsMayChange(before, other));
        Assert.True(EndpointsController.EndpointsMayChange(before, before)); // a resync always counts

        Assert.True(EndpointsController.EndpointsMayChange(before, Pod("web-0", "10.88.0.2", ready: true, hostname: "web-0", subdomain: "nginx")));
        Assert.True(EndpointsController.EndpointsMayChange(before, Pod("web-0", "10.88.0.3", ready: false, hostname: "web-0", subdomain: "nginx")));
        Assert.True(EndpointsController.EndpointsMayChange(before, Pod("web-0", "10.88.0.2", ready: false, hostname: "web-0", subdomain: "nginx", deleting: true)));
        Assert.True(EndpointsController.EndpointsMayChange(before, Pod("web-0", "10.88.0.2", ready: false, hostname: "web-0", subdomain: "nginx", phase: "Failed")));
        Assert.True(EndpointsController.EndpointsMayChange(before, Pod("web-0", "10.88.0.2", ready: false, hostname: "web-0", subdomain: "other")));
        var relabelled = Pod("web-0", "10.88.0.2", ready: false, hostname: "web-0", subdomain: "nginx");
        relabelled.Metadata.Labels!["app"] = "db";
        Assert.True(EndpointsController.EndpointsMayChange(before, relabelled));
    }

    [Fact]
    public void ReadyAndNotReadyPodsWithHostnamesSortedByIp()
    {
        var subsets = EndpointsController.ComputeSubsets(Svc(ports: Port("web", 80, "http")),
        [
            Pod("web-1", "10.88.0.9", hostname: "web-1", subdomain: "nginx"),
            Pod("web-0", "10.88.0.10", hostname: "web-0", subdomain: "nginx"),
            Pod("web-2", "10.88.0.3", ready: false, hostname: "web-2", subdomain: "other"),
            Pod("no-ip", null),
        ]);
        var s = Assert.Single(subsets);
        Assert.Equal(["10.88.0.10", "10.88.0.9"], s.Addresses!.Select(a => a.Ip)); // string order, as upstream
        Assert.Equal(["web-0", "web-1"], s.Addresses!.Select(a => a.Hostname));
        var nr = Assert.Single(s.NotReadyAddresses!);
        Assert.Null(nr.Hostname); // subdomain names another service
        Assert.Equal(("Pod", "web-2", "uid-web-2", "n1"), (nr.TargetRef!.Kind, nr.TargetRef.Name, nr.TargetRef.Uid, nr.NodeName));
        Assert.Null(nr.TargetRef.ResourceVersion);
        var p = Assert.Single(s.Ports!);
        Assert.Equal(("web", 8080, "TCP"), (p.Name, p.Port, p.Protocol));
    }

    [Fact]
    public void PublishNotReadyAddressesListsEveryPodAsReady()
    {
        var subsets = EndpointsController.ComputeSubsets(Svc(publishNotReady: true, ports: Port("web", 80, 8080)),
            [Pod("a", "10.88.0.2", ready: false), Pod("b", "10.88.0.3", ready: false, deleting: true)]);
        var s = Assert.Single(subsets);
        Assert.Equal(2, s.Addresses!.Count);
        Assert.Null(s.NotReadyAddresses);
    }

    [Fact]
    public void FinishedAndDeletingPodsAreLeftOut()
    {
        var subsets = EndpointsController.ComputeSubsets(Svc(ports: Port(null, 80)),
        [
            Pod("done", "10.88.0.2", phase: "Succeeded", restartPolicy: "Never"),
            Pod("failed", "10.88.0.3", phase: "Failed", restartPolicy: "OnFailure", ready: false),
            Pod("going", "10.88.0.4", deleting: true),
        ]);
        var s = Assert.Single(subsets);
        Assert.Null(s.Addresses);
        Assert.Equal("10.88.0.3", Assert.Single(s.NotReadyAddresses!).Ip); // OnFailure: a failed pod may still restart
        Assert.Equal(80, s.Ports!.Single().Port); // no targetPort: the service port
    }

    [Fact]
    public void PodsResolvingNamedPortsDifferentlyGetSeparateSubsets()
    {
        var subsets = EndpointsController.ComputeSubsets(Svc(ports: Port("web", 80, "http")),
            [Pod("a", "10.88.0.2", containerPort: 8080), Pod("b", "10.88.0.3", containerPort: 9090), Pod("c", "10.88.0.4", containerPort: 8080)]);
        Assert.Equal(2, subsets.Count);
        Assert.Equal(["10.88.0.2", "10.88.0.4"], subsets.Single(s => s.Ports![0].Port == 8080).Addresses!.Select(a => a.Ip));
        Assert.Equal("10.88.0.3", subsets.Single(s => s.Ports![0].Port == 9090).Addresses!.Single().Ip);
    }

    [Fact]
    public void UnknownNamedPortOrMissingPortsSkipThePod()
    {
        Assert.Empty(EndpointsController.ComputeSubsets(Svc(ports: Port("web", 80, "nope")), [Pod("a", "10.88.0.2")]));
        Assert.Empty(EndpointsController.ComputeSubsets(Svc(headless: false), [Pod("a", "10.88.0.2")]));
        var headless = Assert.Single(EndpointsController.ComputeSubsets(Svc(), [Pod("a", "10.88.0.2")]));
        Assert.Null(headless.Ports);
        Assert.Single(headless.Addresses!);
    }

    [Fact]
    public void SubsetComparisonIgnoresTargetRefResourceVersion()
    {
        var a = EndpointsController.ComputeSubsets(Svc(ports: Port("web", 80)), [Pod("a", "10.88.0.2")]);
        var b = EndpointsController.ComputeSubsets(Svc(ports: Port("web", 80)), [Pod("a", "10.88.0.2")]);
        b[0].Addresses![0].TargetRef!.ResourceVersion = "99";
        Assert.True(EndpointsController.SameSubsets(a, b));
        Assert.True(EndpointsController.SameSubsets(null, []));
        b[0].Addresses![0].Ip = "10.88.0.5";
        Assert.False(EndpointsController.SameSubsets(a, b));
    }
}
