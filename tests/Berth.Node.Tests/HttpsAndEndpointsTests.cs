using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;
using Berth.Controllers.ServiceEndpoints;

namespace Berth.Kubelet.Tests;

/// <summary>The agent over HTTPS, and the endpoints controller fed by the agent's pod statuses (the headless StatefulSet shape).</summary>
public sealed class HttpsAndEndpointsTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private IApiClient C => fx.Client;

    [Fact]
    public async Task AgentWorksOverHttps()
    {
        using var http = HttpApiClient.FromKubeconfig(fx.Server.KubeconfigPath);
        var ns = await T.NamespaceAsync(C);
        var node = T.Unique("remote");
        await using var a = RunningAgent.Start(http, node);
        await T.EventuallyAsync(async () =>
        {
            var n = await C.GetAsync<Api.Core.Node>(null, node);
            return n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true ? n : null;
        }, "node Ready");
        await C.CreateAsync(T.Pod(ns, "web", node));
        var pod = await T.PodWhereAsync(C, ns, "web", p => p.Status?.Phase == "Running" && T.Cond(p, "Ready") == "True", "Running over HTTPS");
        Assert.StartsWith("10.88.", pod.Status!.PodIP);
        await C.DeleteAsync<Pod>(ns, "web", new DeleteRequest { GracePeriodSeconds = 1 });
        await T.EventuallyAsync(async () => (await C.ListAsync<Pod>(ns)).Items.Count == 0 ? "" : null, "pod gone", 8);
    }

    [Fact]
    public async Task HeadlessServiceEndpointsFollowPodReadiness()
    {
        var ns = await T.NamespaceAsync(C);
        var node = T.Unique("node");
        await using var a = RunningAgent.Start(C, node);
        using var cts = new CancellationTokenSource();
        var informers = new InformerFactory(C);
        var ctrl = new EndpointsController(C, informers);
        await informers.StartAsync(cts.Token);
        var run = ctrl.RunAsync(2, cts.Token);
        try
        {
            await C.CreateAsync(new Service
            {
                Metadata = new ObjectMeta { Name = "nginx", Namespace = ns, Labels = new() { ["app"] = "nginx" } },
                Spec = new ServiceSpec
                {
                    ClusterIP = "None",
                    Selector = new() { ["app"] = "nginx" },
                    Ports = [new ServicePort { Name = "web", Port = 80, TargetPort = IntOrString.FromString("web") }],
                },
            });
            var labels = new Dictionary<string, string> { ["app"] = "nginx" };
            var web0 = await C.CreateAsync(T.Pod(ns, "web-0", node, labels: labels, hostname: "web-0", subdomain: "nginx"));
            var web1 = await C.CreateAsync(T.Pod(ns, "web-1", node, labels: labels, hostname: "web-1", subdomain: "nginx"));

            var ep = await T.EventuallyAsync(async () =>
            {
                var e = await C.GetAsync<Endpoints>(ns, "nginx");
                return e.Subsets is [{ Addresses.Count: 2 }] ? e : null;
            }, "two ready addresses");
            var subset = ep.Subsets![0];
            Assert.Null(subset.NotReadyAddresses);
            Assert.Equal(["web-0", "web-1"], subset.Addresses!.Select(x => x.Hostname).Order());
            Assert.All(subset.Addresses!, x =>
            {
                Assert.StartsWith("10.88.", x.Ip);
                Assert.Equal(node, x.NodeName);
                Assert.Equal("Pod", x.TargetRef!.Kind);
                Assert.Equal(ns, x.TargetRef.Namespace);
            });
            Assert.Equal(subset.Addresses!.Select(x => x.Ip).Order(StringComparer.Ordinal), subset.Addresses!.Select(x => x.Ip));
            var port = Assert.Single(subset.Ports!);
            Assert.Equal(("web", 80, "TCP"), (port.Name, port.Port, port.Protocol));
            Assert.Equal("", ep.Metadata.Labels![EndpointsController.HeadlessLabel]);

            // web-1 stops being ready: it moves to notReadyAddresses.
            a.Runtime.SetReady(web1.Metadata.Uid!, false);
            ep = await T.EventuallyAsync(async () =>
            {
                var e = await C.GetAsync<Endpoints>(ns, "nginx");
                return e.Subsets is [{ Addresses.Count: 1, NotReadyAddresses.Count: 1 }] ? e : null;
            }, "web-1 not ready");
            Assert.Equal("web-0", ep.Subsets![0].Addresses![0].TargetRef!.Name);
            Assert.Equal("web-1", ep.Subsets[0].NotReadyAddresses![0].TargetRef!.Name);
            Assert.Equal(web0.Metadata.Uid, ep.Subsets[0].Addresses![0].TargetRef!.Uid);

            await C.DeleteAsync<Service>(ns, "nginx");
            await T.EventuallyAsync(async () => (await C.ListAsync<Endpoints>(ns)).Items.Count == 0 ? "" : null, "endpoints deleted");
        }
        finally
        {
            cts.Cancel();
            await run;
        }
    }
}
