using System.Text;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;
using Berth.Kubelet.Runc;

namespace Berth.Kubelet.Tests.Runc;

/// <summary>The node agent with the process runtime against a real API server: what the agent resolves reaches the container.</summary>
public sealed class ProcessAgentTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private IApiClient C => fx.Client;

    [Fact]
    public async Task A_pod_gets_its_claim_secret_env_and_configMap_files_and_ends_Succeeded()
    {
        Assert.True(Environment.UserName == "root", "the process runtime tests need root");
        var dir = TempDirectory.Create("berth-agent-rt-");
        var runtime = new ProcessRuntime(new ProcessRuntimeOptions { StateDir = Path.Combine(dir, "node"), Network = new PointToPointPodNetwork() });
        var node = T.Unique("node");
        var agent = new NodeAgent(C, new NodeAgentOptions { NodeName = node, Runtime = runtime, PodResync = TimeSpan.FromSeconds(5) });
        using var cts = new CancellationTokenSource();
        var run = Task.Run(() => agent.RunAsync(cts.Token));
        try
        {
            var ns = await T.NamespaceAsync(C);
            var pvDir = Path.Combine(dir, "pv");
            Directory.CreateDirectory(pvDir);
            var pvName = T.Unique("pv");
            await C.CreateAsync(new PersistentVolume
            {
                Metadata = new ObjectMeta { Name = pvName },
                Spec = new PersistentVolumeSpec
                {
                    Capacity = new() { ["storage"] = Quantity.Parse("1Gi") }, AccessModes = ["ReadWriteOnce"], StorageClassName = "manual",
                    HostPath = new HostPathVolumeSource { Path = pvDir },
                },
            });
            await C.CreateAsync(new PersistentVolumeClaim
            {
                Metadata = new ObjectMeta { Name = "claim", Namespace = ns },
                Spec = new PersistentVolumeClaimSpec
                {
                    AccessModes = ["ReadWriteOnce"], StorageClassName = "manual", VolumeName = pvName,
                    Resources = new VolumeResourceRequirements { Requests = new() { ["storage"] = Quantity.Parse("1Gi") } },
                },
            });
            await C.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "cfg", Namespace = ns }, Data = new() { ["greeting"] = "hello" } });
            await C.CreateAsync(new Secret { Metadata = new ObjectMeta { Name = "sec", Namespace = ns }, Data = new() { ["password"] = Encoding.UTF8.GetBytes("s3cret") } });
            await C.CreateAsync(new Pod
            {
                Metadata = new ObjectMeta { Name = "job", Namespace = ns },
                Spec = new PodSpec
                {
                    NodeName = node, RestartPolicy = "Never",
                    Containers = [new Container
                    {
                        Name = "c", Image = "busybox",
                        Command = ["sh", "-c", "echo \"$(cat /etc/cfg/greeting) $PASSWORD $NS\" > /data/out"],
                        Env =
                        [
                            new EnvVar { Name = "PASSWORD", ValueFrom = new EnvVarSource { SecretKeyRef = new SecretKeySelector { Name = "sec", Key = "password" } } },
                            new EnvVar { Name = "NS", ValueFrom = new EnvVarSource { FieldRef = new ObjectFieldSelector { FieldPath = "metadata.namespace" } } },
                        ],
                        VolumeMounts = [new VolumeMount { Name = "cfg", MountPath = "/etc/cfg" }, new VolumeMount { Name = "data", MountPath = "/data" }],
                    }],
                    Volumes =
                    [
                        new Volume { Name = "cfg", ConfigMap = new ConfigMapVolumeSource { Name = "cfg" } },
                        new Volume { Name = "data", PersistentVolumeClaim = new PersistentVolumeClaimVolumeSource { ClaimName = "claim" } },
                    ],
                },
            });
            var done = await T.PodWhereAsync(C, ns, "job", p => p.Status?.Phase is "Succeeded" or "Failed", "finished", 25);
            Assert.Equal("Succeeded", done.Status!.Phase);
            Assert.Equal($"hello s3cret {ns}\n", File.ReadAllText(Path.Combine(pvDir, "out")));
            Assert.Equal("berth-runc://1.1", (await C.GetAsync<Api.Core.Node>(null, node)).Status!.NodeInfo!.ContainerRuntimeVersion);

            await C.DeleteAsync<Pod>(ns, "job", new DeleteRequest());
            await T.EventuallyAsync(async () =>
            {
                try { await C.GetAsync<Pod>(ns, "job"); return null; }
                catch (ApiStatusException e) when (e.IsNotFound) { return ""; }
            }, "pod deleted");
            Assert.Empty(runtime.ListPods());
        }
        finally
        {
            cts.Cancel();
            try { await run.WaitAsync(TimeSpan.FromSeconds(10)); } catch (OperationCanceledException) { }
            foreach (var p in runtime.ListPods()) await runtime.StopPodAsync(new Pod { Metadata = new ObjectMeta { Uid = p.Pod.Uid } }, 0, default);
            TempDirectory.Delete(dir);
        }
    }
}
