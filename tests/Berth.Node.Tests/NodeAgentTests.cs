using System.Diagnostics;
using Berth.Api.Coordination;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;

namespace Berth.Kubelet.Tests;

public sealed class NodeAgentTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private IApiClient C => fx.Client;

    [Fact]
    public async Task RegistersReadyNodeAndRenewsLease()
    {
        var name = T.Unique("node");
        await using var a = RunningAgent.Start(C, name, leaseEvery: TimeSpan.FromMilliseconds(300));
        var node = await T.EventuallyAsync(async () =>
        {
            var n = await C.GetAsync<Api.Core.Node>(null, name);
            return n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true ? n : null;
        }, "node Ready");

        Assert.Equal(name, node.Metadata.Labels!["kubernetes.io/hostname"]);
        Assert.Equal("linux", node.Metadata.Labels["kubernetes.io/os"]);
        Assert.Equal("amd64", node.Metadata.Labels["kubernetes.io/arch"]);
        var st = node.Status!;
        Assert.Equal(Environment.ProcessorCount.ToString(), st.Capacity!["cpu"].ToString());
        Assert.Equal("110", st.Capacity["pods"].ToString());
        Assert.EndsWith("Ki", st.Capacity["memory"].ToString());
        Assert.True(st.Capacity["memory"].Value > 0);
        Assert.Equal("110", st.Allocatable!["pods"].ToString());
        var ready = st.Conditions!.Single(c => c.Type == "Ready");
        Assert.Equal(("KubeletReady", "kubelet is posting ready status"), (ready.Reason, ready.Message));
        Assert.NotNull(ready.LastHeartbeatTime);
        foreach (var t in new[] { "MemoryPressure", "DiskPressure", "PIDPressure" })
            Assert.Equal("False", st.Conditions!.Single(c => c.Type == t).Status);
        Assert.Contains(st.Addresses!, x => x.Type == "InternalIP" && x.Address == "127.0.0.1");
        Assert.Contains(st.Addresses!, x => x.Type == "Hostname" && x.Address == name);
        Assert.Equal("v1.32.0-berth", st.NodeInfo!.KubeletVersion);
        Assert.Equal("berth-simulated://1.0", st.NodeInfo.ContainerRuntimeVersion);
        Assert.Equal(("linux", "amd64"), (st.NodeInfo.OperatingSystem, st.NodeInfo.Architecture));
        Assert.False(string.IsNullOrEmpty(st.NodeInfo.KernelVersion));
        Assert.False(string.IsNullOrEmpty(st.NodeInfo.OsImage));

        var lease = await T.EventuallyAsync(async () => await C.GetAsync<Lease>("kube-node-lease", name), "lease");
        Assert.Equal(name, lease.Spec!.HolderIdentity);
        Assert.Equal(40, lease.Spec.LeaseDurationSeconds);
        Assert.Equal("Node", lease.Metadata.OwnerReferences!.Single().Kind);
        var first = lease.Spec.RenewTime!.Value;
        await T.EventuallyAsync(async () =>
        {
            var l = await C.GetAsync<Lease>("kube-node-lease", name);
            return l.Spec!.RenewTime > first ? l : null;
        }, "lease renewed");
    }

    [Fact]
    public async Task PodBecomesRunningAndReady()
    {
        var ns = await T.NamespaceAsync(C);
        var node = T.Unique("node");
        await using var a = RunningAgent.Start(C, node);
        await C.CreateAsync(T.Pod(ns, "web", node));
        var pod = await T.PodWhereAsync(C, ns, "web", p => p.Status?.Phase == "Running" && T.Cond(p, "Ready") == "True", "Running and Ready");

        var st = pod.Status!;
        Assert.StartsWith("10.88.", st.PodIP);
        Assert.Equal(st.PodIP, st.PodIPs!.Single().Ip);
        Assert.Equal("127.0.0.1", st.HostIP);
        Assert.Equal("127.0.0.1", st.HostIPs!.Single().Ip);
        Assert.NotNull(st.StartTime);
        foreach (var t in new[] { "PodReadyToStartContainers", "Initialized", "ContainersReady", "PodScheduled" })
            Assert.Equal("True", T.Cond(pod, t));
        Assert.All(st.Conditions!, c => Assert.NotNull(c.LastTransitionTime));
        var cs = st.ContainerStatuses!.Single();
        Assert.Equal(("nginx", "nginx:1.27"), (cs.Name, cs.Image));
        Assert.StartsWith("docker.io/library/nginx@sha256:", cs.ImageID);
        Assert.StartsWith("berth://", cs.ContainerID);
        Assert.NotNull(cs.State!.Running!.StartedAt);
        Assert.Equal((true, true, 0), (cs.Ready, cs.Started, cs.RestartCount));

        // Only changes are written: the status settles.
        await Task.Delay(600);
        var again = await C.GetAsync<Pod>(ns, "web");
        Assert.Equal(pod.Metadata.ResourceVersion, again.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task SimulateReadyFalseKeepsPodNotReadyUntilSetReady()
    {
        var ns = await T.NamespaceAsync(C);
        var node = T.Unique("node");
        await using var a = RunningAgent.Start(C, node);
        var created = await C.CreateAsync(T.Pod(ns, "slow", node, annotations: new() { [SimulatedRuntime.ReadyAnnotation] = "false" }));
        var pod = await T.PodWhereAsync(C, ns, "slow", p => p.Status?.Phase == "Running", "Running");
        await Task.Delay(300);
        pod = await C.GetAsync<Pod>(ns, "slow");
        Assert.Equal("False", T.Cond(pod, "Ready"));
        Assert.Equal("False", T.Cond(pod, "ContainersReady"));
        Assert.Equal("ContainersNotReady", pod.Status!.Conditions!.Single(c => c.Type == "Ready").Reason);
        Assert.False(pod.Status.ContainerStatuses!.Single().Ready);

        a.Runtime.SetReady(created.Metadata.Uid!, true);
        await T.PodWhereAsync(C, ns, "slow", p => T.Cond(p, "Ready") == "True", "Ready after SetReady");
    }

    [Fact]
    public async Task ExitCodesWithRestartPolicyNeverEndThePod()
    {
        var ns = await T.NamespaceAsync(C);
        var node = T.Unique("node");
        await using var a = RunningAgent.Start(C, node);
        await C.CreateAsync(T.Pod(ns, "fails", node, new() { [SimulatedRuntime.ExitCodeAnnotation] = "3" }, "Never"));
        await C.CreateAsync(T.Pod(ns, "works", node, new() { [SimulatedRuntime.ExitCodeAnnotation] = "0" }, "Never"));
        var failed = await T.PodWhereAsync(C, ns, "fails", p => p.Status?.Phase == "Failed", "Failed");
        var t = failed.Status!.ContainerStatuses!.Single().State!.Terminated!;
        Assert.Equal((3, "Error"), (t.ExitCode, t.Reason));
        Assert.Equal("PodCompleted", failed.Status.Conditions!.Single(c => c.Type == "Ready").Reason);
        var ok = await T.PodWhereAsync(C, ns, "works", p => p.Status?.Phase == "Succeeded", "Succeeded");
        Assert.Equal("Completed", ok.Status!.ContainerStatuses!.Single().State!.Terminated!.Reason);
        Assert.Equal(0, ok.Status.ContainerStatuses!.Single().RestartCount);
    }

    [Fact]
    public async Task RestartPolicyAlwaysCrashLoops()
    {
        var ns = await T.NamespaceAsync(C);
        var node = T.Unique("node");
        await using var a = RunningAgent.Start(C, node);
        await C.CreateAsync(T.Pod(ns, "crash", node, new() { [SimulatedRuntime.ExitCodeAnnotation] = "1" }));
        bool sawBackOff = false;
        var pod = await T.PodWhereAsync(C, ns, "crash", p =>
        {
            var cs = p.Status?.ContainerStatuses?.SingleOrDefault();
            if (cs?.State?.Waiting?.Reason == "CrashLoopBackOff") sawBackOff = true;
            return cs?.RestartCount >= 2 && sawBackOff;
        }, "restartCount >= 2 with CrashLoopBackOff", 15);
        Assert.Equal("Running", pod.Status!.Phase);
        var cs = pod.Status.ContainerStatuses!.Single();
        Assert.Equal(1, cs.LastState!.Terminated!.ExitCode);
        Assert.Equal("Error", cs.LastState.Terminated.Reason);
    }

    [Fact]
    public async Task DeletedPodIsStoppedWithItsGracePeriodThenRemoved()
    {
        var ns = await T.NamespaceAsync(C);
        var node = T.Unique("node");
        await using var a = RunningAgent.Start(C, node);
        await C.CreateAsync(T.Pod(ns, "quick", node));
        await C.CreateAsync(T.Pod(ns, "stubborn", node, new() { [SimulatedRuntime.IgnoreSigtermAnnotation] = "true" }, grace: 2));
        await T.PodWhereAsync(C, ns, "quick", p => p.Status?.Phase == "Running", "Running");
        await T.PodWhereAsync(C, ns, "stubborn", p => p.Status?.Phase == "Running", "Running");
        var ipsBefore = a.Runtime.AllocatedIps;

        var sw = Stopwatch.StartNew();
        var pending = await C.DeleteAsync<Pod>(ns, "stubborn");
        Assert.NotNull(pending); // graceful: kept until the agent finishes
        Assert.Equal(2, pending!.Metadata.DeletionGracePeriodSeconds);
        await C.DeleteAsync<Pod>(ns, "quick");
        await T.EventuallyAsync(async () => (await C.ListAsync<Pod>(ns)).Items.All(p => p.Metadata.Name != "quick") ? "" : null, "quick gone", 5);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1.8), $"quick pod took {sw.Elapsed}");
        var still = await C.GetAsync<Pod>(ns, "stubborn"); // still inside its grace period
        Assert.NotNull(still.Metadata.DeletionTimestamp);
        await T.EventuallyAsync(async () => (await C.ListAsync<Pod>(ns)).Items.Count == 0 ? "" : null, "stubborn gone", 8);
        Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(1.9), $"grace not honoured: {sw.Elapsed}");
        Assert.Equal(ipsBefore - 2, a.Runtime.AllocatedIps);
    }

    /// <summary>Every stop's end wakes the pod's worker, which then deletes the pod: with no resync to fall back on, a
    /// wake-up the worker misses (it looked before the stop counted as finished) leaves a pod terminating for good.
    /// (On the old code — re-queued from inside the stop task — a pod of the 600 was left terminating in one run of three on 2 cores.)</summary>
    [Fact]
    public async Task EveryDeletedPodIsRemovedWithoutWaitingForAResync()
    {
        var ns = await T.NamespaceAsync(C);
        var node = T.Unique("node");
        var runtime = new SimulatedRuntime(RunningAgent.FastRuntime with { StopDelay = TimeSpan.FromMilliseconds(20) });
        await using var a = RunningAgent.Start(C, node, runtime, podResync: TimeSpan.FromHours(1));
        const int count = 60;
        for (int round = 0; round < 10; round++)
        {
            for (int i = 0; i < count; i++) await C.CreateAsync(T.Pod(ns, $"p{i}", node));
            await T.EventuallyAsync(async () => (await C.ListAsync<Pod>(ns)).Items.Count(p => p.Status?.Phase == "Running") == count ? "" : null, "all Running", 30);
            await Parallel.ForAsync(0, count, async (i, ct) => await C.DeleteAsync<Pod>(ns, $"p{i}", null, ct));
            await T.EventuallyAsync(async () =>
            {
                var left = (await C.ListAsync<Pod>(ns)).Items;
                return left.Count == 0 ? "" : null;
            }, $"round {round}: every pod gone", 20);
        }
    }

    [Fact]
    public async Task PodWaitsForItsClaimToBeBound()
    {
        var ns = await T.NamespaceAsync(C);
        var node = T.Unique("node");
        await using var a = RunningAgent.Start(C, node);
        await C.CreateAsync(new PersistentVolumeClaim
        {
            Metadata = new ObjectMeta { Name = "data", Namespace = ns },
            Spec = new PersistentVolumeClaimSpec
            {
                AccessModes = ["ReadWriteOnce"], StorageClassName = "",
                Resources = new VolumeResourceRequirements { Requests = new() { ["storage"] = Quantity.Parse("1Gi") } },
            },
        });
        await C.CreateAsync(T.Pod(ns, "db", node, claim: "data"));
        var pod = await T.PodWhereAsync(C, ns, "db", p => p.Status?.ContainerStatuses is { Count: 1 }, "container statuses");
        Assert.Equal("Pending", pod.Status!.Phase);
        Assert.Equal("ContainerCreating", pod.Status.ContainerStatuses![0].State!.Waiting!.Reason);
        Assert.Null(pod.Status.PodIP);
        await T.EventuallyAsync(async () =>
        {
            var evs = await C.ListAsync<Event>(ns);
            return evs.Items.FirstOrDefault(e => e.Reason == "FailedMount" && e.InvolvedObject?.Name == "db");
        }, "FailedMount event");
        await Task.Delay(300);
        Assert.Equal("Pending", (await C.GetAsync<Pod>(ns, "db")).Status!.Phase);

        await C.CreateAsync(new PersistentVolume
        {
            Metadata = new ObjectMeta { Name = T.Unique("pv") },
            Spec = new PersistentVolumeSpec
            {
                Capacity = new() { ["storage"] = Quantity.Parse("1Gi") }, AccessModes = ["ReadWriteOnce"], StorageClassName = "",
                PersistentVolumeReclaimPolicy = "Retain", HostPath = new HostPathVolumeSource { Path = "/tmp/berth-test-pv" },
                ClaimRef = new ObjectReference { Kind = "PersistentVolumeClaim", Namespace = ns, Name = "data" },
            },
        });
        pod = await T.PodWhereAsync(C, ns, "db", p => p.Status?.Phase == "Running" && T.Cond(p, "Ready") == "True", "Running once bound", 15);
        Assert.StartsWith("10.88.", pod.Status!.PodIP);
    }

    [Fact]
    public async Task RestartedAgentAdoptsRunningPodsAndStopsOrphans()
    {
        var ns = await T.NamespaceAsync(C);
        var node = T.Unique("node");
        var runtime = new SimulatedRuntime(RunningAgent.FastRuntime);
        string ip;
        await using (var a = RunningAgent.Start(C, node, runtime))
        {
            await C.CreateAsync(T.Pod(ns, "keep", node));
            await C.CreateAsync(T.Pod(ns, "orphan", node));
            ip = (await T.PodWhereAsync(C, ns, "keep", p => T.Cond(p, "Ready") == "True", "Ready")).Status!.PodIP!;
            await T.PodWhereAsync(C, ns, "orphan", p => T.Cond(p, "Ready") == "True", "Ready");
        }
        // While the agent is down the pod is force-deleted: nobody stops its containers.
        await C.DeleteAsync<Pod>(ns, "orphan", new DeleteRequest { GracePeriodSeconds = 0 });
        Assert.Equal(2, runtime.ListPods().Count(s => s.Pod.Namespace == ns));

        await using var b = RunningAgent.Start(C, node, runtime);
        await T.EventuallyAsync(() => Task.FromResult(runtime.ListPods().Count(s => s.Pod.Namespace == ns) == 1 ? "" : null), "orphan stopped");
        var keep = await C.GetAsync<Pod>(ns, "keep");
        Assert.Equal(ip, keep.Status!.PodIP); // adopted, not restarted
        Assert.Equal(0, keep.Status.ContainerStatuses!.Single().RestartCount);
    }
}
