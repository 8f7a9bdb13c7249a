using Berth.Controllers.Tests;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;

namespace Berth.Scheduling.Tests;

/// <summary>The scheduler against a real in-process server (with its PV controller); acceptance scenarios 19, 26–30 and the node filters.</summary>
public sealed class SchedulerTests
{
    private const string NotHelpful1 = "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..";

    [Fact]
    public async Task Scenario29_unbound_immediate_claim_keeps_the_pod_pending_until_a_volume_binds_it()
    {
        await using var c = await Cluster.StartAsync();
        await c.NodeAsync("n1");
        await c.ClaimAsync("www-web-0", "1Gi", "");
        await c.PodAsync("web-0", ["www-web-0"]);

        var ev = await c.EventAsync("web-0", "FailedScheduling");
        Assert.Equal("Warning", ev.Type);
        Assert.Equal(Scheduler.SchedulerName, ev.Source?.Component);
        Assert.Equal("0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. " + NotHelpful1, ev.Message);
        var cond = await Cluster.EventuallyAsync(() => c.ScheduledConditionAsync("web-0"), "PodScheduled condition");
        Assert.Equal(("False", "Unschedulable"), (cond.Status, cond.Reason));
        Assert.Equal(ev.Message, cond.Message);
        Assert.True(string.IsNullOrEmpty((await c.Client.GetAsync<Pod>(Cluster.Ns, "web-0")).Spec?.NodeName));

        await c.VolumeAsync("pv1", "5Gi", "");
        var pod = await c.ScheduledAsync("web-0");
        Assert.Equal("n1", pod.Spec!.NodeName);
        var scheduled = await c.EventAsync("web-0", "Scheduled");
        Assert.Equal("Successfully assigned default/web-0 to n1", scheduled.Message);
        var ok = await Cluster.EventuallyAsync(async () => (await c.ScheduledConditionAsync("web-0")) is { Status: "True" } x ? x : null, "PodScheduled=True");
        Assert.Null(ok.Reason);
    }

    [Fact]
    public async Task Scenario30_missing_claim_then_created_claim_schedules_the_pod()
    {
        await using var c = await Cluster.StartAsync();
        await c.NodeAsync("n1");
        await c.PodAsync("web-0", ["data"]);
        var ev = await c.EventAsync("web-0", "FailedScheduling");
        Assert.Equal("0/1 nodes are available: persistentvolumeclaim \"data\" not found. " + NotHelpful1, ev.Message);

        await c.VolumeAsync("pv1", "1Gi", "");
        await c.ClaimAsync("data", "1Gi", "");
        Assert.Equal("n1", (await c.ScheduledAsync("web-0")).Spec!.NodeName);
    }

    [Fact]
    public async Task Scenario19_claim_being_deleted_is_reported()
    {
        await using var c = await Cluster.StartAsync();
        await c.NodeAsync("n1");
        await c.ClaimAsync("x", "1Gi", "", finalizers: ["example.com/hold"]);
        await c.Client.DeleteAsync<PersistentVolumeClaim>(Cluster.Ns, "x");
        await c.PodAsync("p", ["x"]);
        // The scheduler's claim cache may see the pod before the claim's deletion (a first attempt then reports something
        // else, as upstream's would); the deletion is reported once it has arrived.
        var ev = await c.EventAsync("p", "FailedScheduling", contains: "is being deleted");
        Assert.Equal("0/1 nodes are available: persistentvolumeclaim \"x\" is being deleted. " + NotHelpful1, ev.Message);
    }

    [Fact]
    public async Task Scenario26_27_wait_for_first_consumer_claim_is_provisioned_on_the_chosen_node()
    {
        await using var c = await Cluster.StartAsync();
        await c.NodeAsync("n1");
        await c.ClassAsync("wffc", "example.com/ext", "WaitForFirstConsumer");
        var claim = await c.ClaimAsync("c", "1Gi", "wffc");
        await c.PodAsync("p", ["c"]);

        // PreBind: the claim gets selected-node; the PV controller hands it to the external provisioner.
        var selected = await Cluster.EventuallyAsync(async () =>
        {
            var cl = await c.Client.GetAsync<PersistentVolumeClaim>(Cluster.Ns, "c");
            return cl.Metadata.Annotation("volume.kubernetes.io/selected-node");
        }, "selected-node");
        Assert.Equal("n1", selected);
        Assert.True(string.IsNullOrEmpty((await c.Client.GetAsync<Pod>(Cluster.Ns, "p")).Spec?.NodeName)); // waits for the claim

        // The "provisioner": a PV pre-bound to the claim.
        await c.VolumeAsync("pvc-" + claim.Metadata.Uid, "1Gi", "wffc", claimRef: new ObjectReference
        {
            Kind = "PersistentVolumeClaim", Namespace = Cluster.Ns, Name = "c", Uid = claim.Metadata.Uid,
        });
        var pod = await c.ScheduledAsync("p");
        Assert.Equal("n1", pod.Spec!.NodeName);
        var bound = await c.Client.GetAsync<PersistentVolumeClaim>(Cluster.Ns, "c");
        Assert.Equal("Bound", bound.Status?.Phase);
    }

    /// <summary>The scheduler's cache shows its own selected-node write late: that is waiting for the cache, not the
    /// "selectedNode annotation reset" failure (which the first pod of a fresh `berth up` used to report).</summary>
    [Fact]
    public async Task A_claim_cache_behind_the_schedulers_own_write_is_not_a_reset()
    {
        await using var c = await Cluster.StartAsync(client => new LaggingWatchClient(client, typeof(PersistentVolumeClaim), TimeSpan.FromMilliseconds(700)));
        await c.NodeAsync("n1");
        await c.ClassAsync("wffc", "example.com/ext", "WaitForFirstConsumer");
        var claim = await c.ClaimAsync("c", "1Gi", "wffc");
        await c.PodAsync("p", ["c"]);
        await Cluster.EventuallyAsync(async () =>
            (await c.Client.GetAsync<PersistentVolumeClaim>(Cluster.Ns, "c")).Metadata.Annotation("volume.kubernetes.io/selected-node"), "selected-node");
        await c.VolumeAsync("pvc-" + claim.Metadata.Uid, "1Gi", "wffc", claimRef: new ObjectReference
        {
            Kind = "PersistentVolumeClaim", Namespace = Cluster.Ns, Name = "c", Uid = claim.Metadata.Uid,
        });
        Assert.Equal("n1", (await c.ScheduledAsync("p")).Spec!.NodeName);
        var events = await c.Client.ListAsync<Event>(Cluster.Ns);
        // (Its cache also learns of the claim late, so a first "not found" FailedScheduling is upstream's answer too.)
        Assert.DoesNotContain(events.Items, e => e.Message?.Contains("selectedNode annotation reset") == true);
    }

    [Fact]
    public async Task Scenario28_local_volumes_bind_the_one_on_the_selected_node()
    {
        await using var c = await Cluster.StartAsync();
        await c.NodeAsync("n1");
        await c.NodeAsync("n2");
        await c.ClassAsync("local", "kubernetes.io/no-provisioner", "WaitForFirstConsumer");
        await c.VolumeAsync("l1", "5Gi", "local", node: "n1");
        await c.VolumeAsync("l2", "5Gi", "local", node: "n2");
        await c.ClaimAsync("data", "1Gi", "local");
        await c.PodAsync("p", ["data"], nodeSelector: new() { ["kubernetes.io/hostname"] = "n2" });

        Assert.Equal("n2", (await c.ScheduledAsync("p")).Spec!.NodeName);
        var claim = await c.Client.GetAsync<PersistentVolumeClaim>(Cluster.Ns, "data");
        Assert.Equal(("l2", "Bound"), (claim.Spec?.VolumeName, claim.Status?.Phase));
        var l2 = await c.Client.GetAsync<PersistentVolume>(null, "l2");
        Assert.Equal("data", l2.Spec?.ClaimRef?.Name);
        Assert.Null((await c.Client.GetAsync<PersistentVolume>(null, "l1")).Spec?.ClaimRef);

        // A second pod wanting a local volume on n2 finds none left; n1's volume does not help it there.
        await c.ClaimAsync("data2", "1Gi", "local");
        await c.PodAsync("q", ["data2"], nodeSelector: new() { ["kubernetes.io/hostname"] = "n2" });
        var ev = await c.EventAsync("q", "FailedScheduling");
        Assert.Equal("0/2 nodes are available: 1 node(s) didn't find available persistent volumes to bind, 1 node(s) didn't match Pod's node affinity/selector. "
            + "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling..", ev.Message);
    }

    [Fact]
    public async Task Wait_for_first_consumer_without_volumes_or_provisioner_is_unschedulable()
    {
        await using var c = await Cluster.StartAsync();
        await c.NodeAsync("n1");
        await c.ClassAsync("local", "kubernetes.io/no-provisioner", "WaitForFirstConsumer");
        await c.ClaimAsync("data", "1Gi", "local");
        await c.PodAsync("p", ["data"]);
        var ev = await c.EventAsync("p", "FailedScheduling");
        Assert.Equal("0/1 nodes are available: 1 node(s) didn't find available persistent volumes to bind. " + NotHelpful1, ev.Message);

        await c.VolumeAsync("l1", "5Gi", "local", node: "n1"); // a volume appears: retried at once
        Assert.Equal("n1", (await c.ScheduledAsync("p")).Spec!.NodeName);
    }

    [Fact]
    public async Task Too_big_for_every_node_reports_insufficient_cpu_and_assumed_pods_count()
    {
        await using var c = await Cluster.StartAsync();
        await c.NodeAsync("n1", cpu: "2");
        await c.NodeAsync("n2", cpu: "2");
        await c.PodAsync("big", cpu: "3");
        var ev = await c.EventAsync("big", "FailedScheduling");
        Assert.Equal("0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod..", ev.Message);

        // Least requested: a 1.5-cpu pod each on n1 and n2, then a third finds no room (the first two count even before the informer sees them).
        await c.PodAsync("a", cpu: "1500m");
        await c.PodAsync("b", cpu: "1500m");
        var a = await c.ScheduledAsync("a");
        var b = await c.ScheduledAsync("b");
        Assert.NotEqual(a.Spec!.NodeName, b.Spec!.NodeName);
        await c.PodAsync("d", cpu: "1");
        var full = await c.EventAsync("d", "FailedScheduling");
        Assert.StartsWith("0/2 nodes are available: 2 Insufficient cpu.", full.Message);

        // Deleting a pod frees its share: d is retried and fits.
        await c.Client.DeleteAsync<Pod>(Cluster.Ns, "a", new DeleteRequest { GracePeriodSeconds = 0 });
        await Cluster.EventuallyAsync(async () => (await c.Client.ListAsync<Pod>(Cluster.Ns)).Items.Any(p => p.Metadata.Name == "a") ? null : "gone", "pod a gone");
        Assert.Equal(a.Spec.NodeName, (await c.ScheduledAsync("d")).Spec!.NodeName);
    }

    [Fact]
    public async Task Node_selector_mismatch_then_labelled_node()
    {
        await using var c = await Cluster.StartAsync();
        await c.NodeAsync("n1");
        await c.PodAsync("p", nodeSelector: new() { ["disk"] = "ssd" });
        var ev = await c.EventAsync("p", "FailedScheduling");
        Assert.Equal("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. " + NotHelpful1, ev.Message);

        await c.NodeAsync("n2", labels: new() { ["disk"] = "ssd" });
        Assert.Equal("n2", (await c.ScheduledAsync("p")).Spec!.NodeName);
    }

    [Fact]
    public async Task No_ready_node_then_node_becomes_ready()
    {
        await using var c = await Cluster.StartAsync();
        await c.NodeAsync("n1", ready: false);
        await c.PodAsync("p");
        var ev = await c.EventAsync("p", "FailedScheduling");
        Assert.Equal("0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. " + NotHelpful1, ev.Message);

        var node = await c.Client.GetAsync<Node>(null, "n1");
        node.Status!.Conditions![0].Status = "True";
        await c.Client.UpdateStatusAsync(node);
        Assert.Equal("n1", (await c.ScheduledAsync("p")).Spec!.NodeName);
    }

    [Fact]
    public async Task No_nodes_at_all_then_a_node_is_added()
    {
        await using var c = await Cluster.StartAsync();
        await c.PodAsync("p");
        var ev = await c.EventAsync("p", "FailedScheduling");
        Assert.Equal("no nodes available to schedule pods", ev.Message);
        var cond = await Cluster.EventuallyAsync(() => c.ScheduledConditionAsync("p"), "PodScheduled condition");
        Assert.Equal(("False", "Unschedulable", "no nodes available to schedule pods"), (cond.Status, cond.Reason, cond.Message));

        await c.NodeAsync("n1");
        Assert.Equal("n1", (await c.ScheduledAsync("p", seconds: 5)).Spec!.NodeName);
    }

    [Fact]
    public async Task Two_claims_of_one_pod_take_distinct_volumes_and_volume_affinity_decides_the_node()
    {
        await using var c = await Cluster.StartAsync();
        await c.NodeAsync("n1");
        await c.NodeAsync("n2");
        await c.ClassAsync("local", "kubernetes.io/no-provisioner", "WaitForFirstConsumer");
        await c.VolumeAsync("a1", "5Gi", "local", node: "n2");
        await c.VolumeAsync("a2", "5Gi", "local", node: "n2");
        await c.VolumeAsync("b1", "5Gi", "local", node: "n1");
        await c.ClaimAsync("x", "1Gi", "local");
        await c.ClaimAsync("y", "2Gi", "local");
        await c.PodAsync("p", ["x", "y"]);

        // n1 has one volume for two claims; only n2 fits, each claim gets its own volume there.
        Assert.Equal("n2", (await c.ScheduledAsync("p")).Spec!.NodeName);
        var x = await c.Client.GetAsync<PersistentVolumeClaim>(Cluster.Ns, "x");
        var y = await c.Client.GetAsync<PersistentVolumeClaim>(Cluster.Ns, "y");
        Assert.Equal(new[] { "a1", "a2" }, new[] { x.Spec!.VolumeName!, y.Spec!.VolumeName! }.Order());

        // A pod using the bound claims must go where their volumes are.
        await c.PodAsync("q", ["x"]);
        Assert.Equal("n2", (await c.ScheduledAsync("q")).Spec!.NodeName);
    }
}
