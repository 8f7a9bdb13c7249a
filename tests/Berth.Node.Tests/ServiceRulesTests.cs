using Berth.Kubelet.Runc;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Kubelet.Network;

namespace Berth.Kubelet.Tests;

/// <summary>The iptables-restore document the service proxy applies: one function of services, endpoints and existing chains.</summary>
public sealed class ServiceRulesTests
{
    private static readonly ServiceRulesOptions Opts = new() { ChainPrefix = "BX", BridgeName = "bx0", PodCidr = "10.77.0.0/16" };

    private static Service Svc(string name, string? clusterIP, params ServicePort[] ports) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default" },
        Spec = new ServiceSpec { ClusterIP = clusterIP, Ports = [.. ports] },
    };

    private static Endpoints Eps(string name, string portName, int port, params string[] ips) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default" },
        Subsets = [new EndpointSubset
        {
            Addresses = [.. ips.Select(ip => new EndpointAddress { Ip = ip })],
            Ports = [new EndpointPort { Name = portName, Port = port, Protocol = "TCP" }],
        }],
    };

    [Fact]
    public void ClusterIPPortSpreadsOverReadyEndpointsAndMarksHairpin()
    {
        var svc = Svc("web", "10.96.0.10", new ServicePort { Name = "http", Port = 80, Protocol = "TCP", TargetPort = IntOrString.FromInt(8080) });
        var eps = Eps("web", "http", 8080, "10.77.0.3", "10.77.0.2", "10.77.0.4");
        var doc = ServiceRules.Build([svc], (ns, n) => n == "web" ? eps : null, Opts, []);
        var svcChain = "BX-SVC-" + ServiceRules.Hash("default/web:httptcp");
        Assert.Contains($"-A BX-SERVICES -m comment --comment \"default/web:http cluster IP\" -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j {svcChain}\n", doc);
        // Three endpoints: 1/3, then 1/2, then the rest, in address order.
        var lines = doc.Split('\n').Where(l => l.StartsWith("-A " + svcChain)).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Contains("--probability 0.3333333333", lines[0]);
        Assert.Contains("--probability 0.5000000000", lines[1]);
        Assert.DoesNotContain("statistic", lines[2]);
        Assert.Contains("-j DNAT --to-destination 10.77.0.2:8080", doc);
        Assert.Contains("-j DNAT --to-destination 10.77.0.4:8080", doc);
        Assert.Contains("-s 10.77.0.3/32 -j MARK --or-mark 0x4000", doc);
        Assert.Contains("-A BX-POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE", doc);
        Assert.Contains("-A BX-FORWARD -i bx0 -j DROP", doc);
        Assert.All(doc.Split('\n').Where(l => l.StartsWith(':')), l => Assert.True(l.IndexOf(' ') - 1 <= 28, l));
    }

    [Fact]
    public void PortWithoutEndpointsIsRejectedAndHeadlessServicesGetNoRules()
    {
        var svc = Svc("lonely", "10.96.0.11", new ServicePort { Name = "dns", Port = 53, Protocol = "UDP" });
        var headless = Svc("nginx", "None", new ServicePort { Name = "web", Port = 80 });
        var doc = ServiceRules.Build([svc, headless], (_, _) => null, Opts, []);
        Assert.Contains("-A BX-SERVICES -m comment --comment \"default/lonely:dns has no endpoints\" -d 10.96.0.11/32 -p udp -m udp --dport 53 -j REJECT", doc);
        Assert.DoesNotContain("nginx", doc);
        Assert.DoesNotContain("-SVC-", doc);
    }

    [Fact]
    public void ChainsThatNoLongerBelongAreFlushedAndDeleted()
    {
        var doc = ServiceRules.Build([], (_, _) => null, Opts, ["BX-SVC-OLDOLDOLDOLDOLDO", "BX-SERVICES", "OTHER-SVC-X"]);
        Assert.Contains(":BX-SVC-OLDOLDOLDOLDOLDO - [0:0]\n", doc);
        Assert.Contains("-X BX-SVC-OLDOLDOLDOLDOLDO\n", doc);
        Assert.DoesNotContain("OTHER", doc);
        Assert.DoesNotContain("-X BX-SERVICES", doc);
    }
}

/// <summary>The name files a pod's containers get, byte for byte as the kubelet writes them.</summary>
public sealed class PodNameFilesTests
{
    [Fact]
    public void HostsFileNamesThePodAndItsFqdnWithASubdomain()
    {
        var hosts = PodEtcFiles.Hosts(Pod("default", "web-0", "web-0", "nginx"), "10.88.0.7", "cluster.local");
        Assert.StartsWith("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n", hosts);
        Assert.EndsWith("\n10.88.0.7\tweb-0.nginx.default.svc.cluster.local\tweb-0\n", hosts);
        var plain = PodEtcFiles.Hosts(Pod("default", "task-pv-pod", null, null), "10.88.0.8", "cluster.local");
        Assert.EndsWith("\n10.88.0.8\ttask-pv-pod\n", plain);
    }

    [Fact]
    public void ResolvConfSearchesTheNamespaceFirst()
        => Assert.Equal("search ns1.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.88.0.1\noptions ndots:5\n",
            PodEtcFiles.ResolvConf(Pod("ns1", "p", null, null), "10.88.0.1", "cluster.local"));

    private static Berth.Api.Core.Pod Pod(string ns, string name, string? hostname, string? subdomain) => new()
    {
        Metadata = new Berth.Api.Meta.ObjectMeta { Namespace = ns, Name = name, Uid = "uid" },
        Spec = new Berth.Api.Core.PodSpec { Hostname = hostname, Subdomain = subdomain },
    };
}
