using Berth.Api.Apps;
using Berth.Api.Core;
using Berth.Client;
using Berth.Controllers.StatefulSets;

namespace Berth.Controllers.Tests.StatefulSets;

/// <summary>Acceptance scenarios 42–51 of the storage spec against a real in-process server; the test plays the kubelet.</summary>
public sealed class StatefulSetControllerTests
{
    private static bool Ready(Pod p) => p.Status?.Phase == "Running" && p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    [Fact]
    public async Task Scenario42_ordered_ready_creates_claim_then_pod_one_ordinal_at_a_time()
    {
        await using var h = await StsHarness.StartAsync();
        await h.CreatePvsAsync(3);
        await h.Client.CreateAsync(StsHarness.Web());

        await h.WaitPodAsync("web-0");
        await h.WaitStatusAsync(s => s.Replicas == 1, "status replicas 1");
        Assert.Null(await h.GetAsync<Pod>("web-1")); // web-0 is not Ready yet
        await h.WaitMessagesAsync(m => m.Count >= 2, "2 events");
        Assert.Equal(["create Claim www-web-0 Pod web-0 in StatefulSet web success", "create Pod web-0 in StatefulSet web successful"], await h.MessagesAsync());

        var set = await h.SetAsync();
        var web0 = (await h.GetAsync<Pod>("web-0"))!;
        Assert.Equal("web-0", web0.Spec!.Hostname);
        Assert.Equal("nginx", web0.Spec.Subdomain);
        Assert.Equal("web-0", web0.Metadata.Labels!["statefulset.kubernetes.io/pod-name"]);
        Assert.Equal("0", web0.Metadata.Labels["apps.kubernetes.io/pod-index"]);
        Assert.Equal("nginx", web0.Metadata.Labels["app"]);
        Assert.Equal(set.Status!.UpdateRevision, web0.Metadata.Labels["controller-revision-hash"]);
        var owner = Assert.Single(web0.Metadata.OwnerReferences!);
        Assert.Equal(("apps/v1", "StatefulSet", "web", set.Metadata.Uid, true, true), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, owner.Controller, owner.BlockOwnerDeletion));
        Assert.Equal("www-web-0", web0.Spec.Volumes!.Single(v => v.Name == "www").PersistentVolumeClaim!.ClaimName);
        var claim0 = (await h.GetAsync<PersistentVolumeClaim>("www-web-0"))!;
        Assert.Equal("nginx", claim0.Metadata.Labels!["app"]);
        Assert.Equal("data", claim0.Metadata.Labels["tier"]);
        Assert.Null(claim0.Metadata.OwnerReferences); // Retain/Retain: no owners

        await h.SetReadyAsync("web-0");
        await h.WaitPodAsync("web-1");
        await h.SetReadyAsync("web-1");
        await h.WaitPodAsync("web-2");
        await h.SetReadyAsync("web-2");
        await h.WaitStatusAsync(s => s.ReadyReplicas == 3 && s.Replicas == 3 && s.AvailableReplicas == 3 && s.CurrentRevision == s.UpdateRevision, "3/3 ready");

        Assert.Equal(["web-0", "web-1", "web-2"], await h.PodNamesAsync());
        Assert.Equal(["www-web-0", "www-web-1", "www-web-2"], await h.ClaimNamesAsync());
        await StsHarness.EventuallyAsync(async () => (await h.Client.ListAsync<PersistentVolumeClaim>(StsHarness.Ns)).Items.All(c => c.Status?.Phase == "Bound"), "claims bound");
        await h.WaitMessagesAsync(m => m.Count >= 6, "6 events");
        var events = await h.EventsAsync();
        Assert.Equal([
            "create Claim www-web-0 Pod web-0 in StatefulSet web success", "create Pod web-0 in StatefulSet web successful",
            "create Claim www-web-1 Pod web-1 in StatefulSet web success", "create Pod web-1 in StatefulSet web successful",
            "create Claim www-web-2 Pod web-2 in StatefulSet web success", "create Pod web-2 in StatefulSet web successful",
        ], events.Select(e => e.Message));
        Assert.All(events, e => Assert.Equal(("Normal", "SuccessfulCreate", "statefulset-controller", 1), (e.Type, e.Reason, e.Source!.Component, e.Count)));
        var fresh = await h.SetAsync();
        Assert.Equal(fresh.Metadata.Generation, fresh.Status!.ObservedGeneration);
        Assert.Equal(0, fresh.Status.CollisionCount);
    }

    [Fact]
    public async Task Scenario43_without_volumes_only_the_first_pod_and_claim_exist()
    {
        await using var h = await StsHarness.StartAsync();
        await h.Client.CreateAsync(StsHarness.Web());
        await h.WaitStatusAsync(s => s.Replicas == 1 && s.UpdateRevision is not null, "status replicas 1");
        var set = await h.SetAsync();
        Assert.Equal(0, set.Status!.ReadyReplicas);
        Assert.Equal(["web-0"], await h.PodNamesAsync());
        Assert.Equal(["www-web-0"], await h.ClaimNamesAsync());
        Assert.Equal("Pending", (await h.GetAsync<PersistentVolumeClaim>("www-web-0"))!.Status?.Phase);
    }

    [Fact]
    public async Task Scenario44_parallel_creates_every_pod_and_claim_at_once()
    {
        await using var h = await StsHarness.StartAsync();
        await h.CreatePvsAsync(3);
        await h.Client.CreateAsync(StsHarness.Web(policy: "Parallel"));
        await h.WaitStatusAsync(s => s.Replicas == 3, "3 pods created");
        Assert.Equal(["web-0", "web-1", "web-2"], await h.PodNamesAsync());
        Assert.Equal(["www-web-0", "www-web-1", "www-web-2"], await h.ClaimNamesAsync());
        Assert.Equal(0, (await h.SetAsync()).Status!.ReadyReplicas); // nobody waited for readiness
        await h.WaitMessagesAsync(m => m.Count >= 6, "6 events");
        var messages = await h.MessagesAsync();
        for (int i = 0; i < 3; i++)
        {
            // Within one pod, its claim comes before it.
            Assert.True(messages.IndexOf($"create Claim www-web-{i} Pod web-{i} in StatefulSet web success") < messages.IndexOf($"create Pod web-{i} in StatefulSet web successful"));
        }
        Assert.Equal(6, messages.Count);
    }

    [Fact]
    public async Task Scenario45_scale_down_deletes_highest_first_waiting_for_each_to_go_and_keeps_claims()
    {
        await using var h = await StsHarness.StartAsync();
        await h.CreatePvsAsync(3);
        h.Kubelet();
        // Pods carry a finalizer so that each stays Terminating until the test lets it go.
        await h.Client.CreateAsync(StsHarness.Web(podFinalizers: "example.com/hold"));
        await h.WaitStatusAsync(s => s.ReadyReplicas == 3, "3 ready");
        await h.ModifyAsync<StatefulSet>("web", s => s.Spec!.Replicas = 0);

        foreach (var (victim, rest) in new[] { ("web-2", new[] { "web-1", "web-0" }), ("web-1", new[] { "web-0" }), ("web-0", Array.Empty<string>()) })
        {
            await h.WaitPodAsync(victim, p => p.Metadata.DeletionTimestamp is not null);
            // The status counts the terminating pod out of currentReplicas: the controller has seen it, and waits.
            await h.WaitStatusAsync(s => s.CurrentReplicas == rest.Length, $"currentReplicas {rest.Length}");
            foreach (var r in rest) Assert.Null((await h.GetAsync<Pod>(r))!.Metadata.DeletionTimestamp);
            await h.ModifyAsync<Pod>(victim, p => p.Metadata.Finalizers = null);
            await h.WaitGoneAsync(victim);
        }
        await h.WaitStatusAsync(s => s.Replicas == 0, "replicas 0");
        await h.WaitMessagesAsync(m => m.Count(x => x.StartsWith("delete", StringComparison.Ordinal)) >= 3, "3 delete events");
        Assert.Equal(["delete Pod web-2 in StatefulSet web successful", "delete Pod web-1 in StatefulSet web successful", "delete Pod web-0 in StatefulSet web successful"],
            (await h.MessagesAsync()).Where(m => m.StartsWith("delete", StringComparison.Ordinal)));
        Assert.Equal(["www-web-0", "www-web-1", "www-web-2"], await h.ClaimNamesAsync());
    }

    [Fact]
    public async Task Scenario46_47_retention_policy_owners_pod_refs_for_condemned_set_refs_for_the_rest()
    {
        await using var h = await StsHarness.StartAsync();
        await h.CreatePvsAsync(3);
        h.Kubelet();
        await h.Client.CreateAsync(StsHarness.Web(retention: """{"whenDeleted":"Delete","whenScaled":"Delete"}""", podFinalizers: "example.com/hold"));
        await h.WaitStatusAsync(s => s.ReadyReplicas == 3, "3 ready");
        var set = await h.SetAsync();
        await StsHarness.EventuallyAsync(async () => (await h.Client.ListAsync<PersistentVolumeClaim>(StsHarness.Ns)).Items
            .All(c => c.Metadata.OwnerReferences?.SingleOrDefault() is { Kind: "StatefulSet", Controller: true } r && r.Uid == set.Metadata.Uid), "set refs on claims");

        var pods = new Dictionary<string, string>();
        foreach (var n in new[] { "web-1", "web-2" }) pods[n] = (await h.GetAsync<Pod>(n))!.Metadata.Uid!;
        await h.ModifyAsync<StatefulSet>("web", s => s.Spec!.Replicas = 1);
        await h.WaitPodAsync("web-2", p => p.Metadata.DeletionTimestamp is not null);
        // Both condemned claims got their pod as controller before any pod went; the kept one still has the set.
        foreach (var i in new[] { 1, 2 })
        {
            var c = (await h.GetAsync<PersistentVolumeClaim>($"www-web-{i}"))!;
            var r = Assert.Single(c.Metadata.OwnerReferences!);
            Assert.Equal(("v1", "Pod", $"web-{i}", pods[$"web-{i}"], true, true), (r.ApiVersion, r.Kind, r.Name, r.Uid, r.Controller, r.BlockOwnerDeletion));
        }
        var kept = Assert.Single((await h.GetAsync<PersistentVolumeClaim>("www-web-0"))!.Metadata.OwnerReferences!);
        Assert.Equal(("StatefulSet", set.Metadata.Uid), (kept.Kind, kept.Uid));
        await h.ModifyAsync<Pod>("web-2", p => p.Metadata.Finalizers = null);
        await h.WaitPodAsync("web-1", p => p.Metadata.DeletionTimestamp is not null);
        await h.ModifyAsync<Pod>("web-1", p => p.Metadata.Finalizers = null);
        await h.WaitStatusAsync(s => s.Replicas == 1, "1 replica");
    }

    [Fact]
    public async Task Scenario48_partition_rolling_update_then_full_rollout_highest_first()
    {
        await using var h = await StsHarness.StartAsync();
        h.Kubelet();
        await h.Client.CreateAsync(StsHarness.Web(claims: false));
        await h.WaitStatusAsync(s => s.ReadyReplicas == 3 && s.CurrentRevision == s.UpdateRevision, "3 ready at r1");
        var r1 = (await h.SetAsync()).Status!.CurrentRevision!;
        var rev1 = (await h.GetAsync<ControllerRevision>(r1))!;
        Assert.Equal(1, rev1.Revision);
        Assert.Equal("nginx", rev1.Metadata.Labels!["app"]);
        Assert.Equal(r1, "web-" + rev1.Metadata.Labels["controller.kubernetes.io/hash"]);
        Assert.True(rev1.Metadata.OwnerReferences!.Single().Controller);

        await h.ModifyAsync<StatefulSet>("web", s =>
        {
            s.Spec!.Template!.Spec!.Containers![0].Image = "registry.k8s.io/nginx-slim:0.9";
            (s.Spec.UpdateStrategy!.RollingUpdate ??= new RollingUpdateStatefulSetStrategy()).Partition = 2;
        });
        await h.WaitStatusAsync(s => s.UpdateRevision != r1 && s.UpdatedReplicas == 1 && s.ReadyReplicas == 3, "web-2 updated and ready");
        var st = (await h.SetAsync()).Status!;
        var r2 = st.UpdateRevision!;
        Assert.Matches("^web-[bcdfghjklmnpqrstvwxz2456789]+$", r2);
        Assert.Equal((2, r1), (st.CurrentReplicas, st.CurrentRevision));
        Assert.Equal(2, (await h.GetAsync<ControllerRevision>(r2))!.Revision);
        Assert.Equal(r2, (await h.GetAsync<Pod>("web-2"))!.Metadata.Labels!["controller-revision-hash"]);
        Assert.Equal("registry.k8s.io/nginx-slim:0.9", (await h.GetAsync<Pod>("web-2"))!.Spec!.Containers![0].Image);
        foreach (var n in new[] { "web-0", "web-1" }) Assert.Equal(r1, (await h.GetAsync<Pod>(n))!.Metadata.Labels!["controller-revision-hash"]);

        await h.ModifyAsync<StatefulSet>("web", s => s.Spec!.UpdateStrategy!.RollingUpdate!.Partition = 0);
        await h.WaitStatusAsync(s => s.UpdatedReplicas == 3 && s.ReadyReplicas == 3 && s.CurrentRevision == r2, "rollout complete");
        await h.WaitMessagesAsync(m => m.Count(x => x.StartsWith("delete", StringComparison.Ordinal)) >= 3, "3 delete events");
        Assert.Equal(["delete Pod web-2 in StatefulSet web successful", "delete Pod web-1 in StatefulSet web successful", "delete Pod web-0 in StatefulSet web successful"],
            (await h.MessagesAsync()).Where(m => m.StartsWith("delete", StringComparison.Ordinal)));
        foreach (var n in new[] { "web-0", "web-1", "web-2" }) Assert.Equal(r2, (await h.GetAsync<Pod>(n))!.Metadata.Labels!["controller-revision-hash"]);

        // Rolling back re-uses revision r1, renumbered 3.
        await h.ModifyAsync<StatefulSet>("web", s => s.Spec!.Template!.Spec!.Containers![0].Image = "registry.k8s.io/nginx-slim:0.8");
        await h.WaitStatusAsync(s => s.UpdateRevision == r1 && s.CurrentRevision == r1 && s.UpdatedReplicas == 3 && s.ReadyReplicas == 3, "rolled back");
        Assert.Equal(3, (await h.GetAsync<ControllerRevision>(r1))!.Revision);
        Assert.Equal(2, (await h.Client.ListAsync<ControllerRevision>(StsHarness.Ns)).Items.Count);
    }

    [Fact]
    public async Task Scenario49_on_delete_changes_no_pod_until_one_is_deleted()
    {
        await using var h = await StsHarness.StartAsync();
        await h.CreatePvsAsync(3);
        h.Kubelet();
        await h.Client.CreateAsync(StsHarness.Web(updateStrategy: """{"type":"OnDelete"}"""));
        await h.WaitStatusAsync(s => s.ReadyReplicas == 3, "3 ready");
        var r1 = (await h.SetAsync()).Status!.UpdateRevision!;
        var uids = new Dictionary<string, string>();
        foreach (var n in new[] { "web-0", "web-1", "web-2" }) uids[n] = (await h.GetAsync<Pod>(n))!.Metadata.Uid!;

        await h.ModifyAsync<StatefulSet>("web", s => s.Spec!.Template!.Spec!.Containers![0].Image = "registry.k8s.io/nginx-slim:0.9");
        await h.WaitStatusAsync(s => s.UpdateRevision != r1 && s.ObservedGeneration == 2, "new update revision");
        var r2 = (await h.SetAsync()).Status!.UpdateRevision!;
        foreach (var (n, uid) in uids) Assert.Equal(uid, (await h.GetAsync<Pod>(n))!.Metadata.Uid);

        // A user deletes web-1: it comes back with the same name and claim, at the new revision.
        await h.Client.DeleteAsync<Pod>(StsHarness.Ns, "web-1");
        await h.WaitPodAsync("web-1", p => p.Metadata.Uid != uids["web-1"] && Ready(p));
        var web1 = (await h.GetAsync<Pod>("web-1"))!;
        Assert.Equal(r2, web1.Metadata.Labels!["controller-revision-hash"]);
        Assert.Equal("www-web-1", web1.Spec!.Volumes!.Single(v => v.Name == "www").PersistentVolumeClaim!.ClaimName);
        await h.WaitStatusAsync(s => s.UpdatedReplicas == 1 && s.CurrentReplicas == 2 && s.CurrentRevision == r1, "1 updated, 2 current");
        foreach (var n in new[] { "web-0", "web-2" }) Assert.Equal(uids[n], (await h.GetAsync<Pod>(n))!.Metadata.Uid);
        Assert.Equal(["www-web-0", "www-web-1", "www-web-2"], await h.ClaimNamesAsync());
    }

    [Fact]
    public async Task Scenario50_failed_pod_is_deleted_and_recreated()
    {
        await using var h = await StsHarness.StartAsync();
        h.Kubelet(n => n != "web-1");
        await h.Client.CreateAsync(StsHarness.Web(replicas: 2, claims: false));
        await h.WaitPodAsync("web-1");
        var uid = (await h.GetAsync<Pod>("web-1"))!.Metadata.Uid;
        await h.SetPhaseAsync("web-1", "Failed");
        await h.WaitPodAsync("web-1", p => p.Metadata.Uid != uid);
        await StsHarness.EventuallyAsync(async () => (await h.EventsAsync()).Any(e => e.Message == "create Pod web-1 in StatefulSet web successful" && e.Count == 2), "second create event");
        var events = await h.EventsAsync();
        Assert.Contains(events, e => e.Reason == "RecreatingFailedPod" && e.Type == "Warning" && e.Message == "StatefulSet default/web is recreating failed Pod web-1");
        Assert.Contains(events, e => e.Reason == "SuccessfulDelete" && e.Message == "delete Pod web-1 in StatefulSet web successful");
        Assert.Equal(2, events.Single(e => e.Message == "create Pod web-1 in StatefulSet web successful").Count); // identical events aggregate
    }

    [Fact]
    public async Task Scenario51_claim_being_deleted_blocks_the_pod_with_FailedCreate_then_recovers()
    {
        await using var h = await StsHarness.StartAsync(controller: false);
        await h.Client.CreateAsync(StsHarness.Parse<PersistentVolumeClaim>("""
            {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"www-web-0","namespace":"default","finalizers":["example.com/hold"]},
             "spec":{"accessModes":["ReadWriteOnce"],"storageClassName":"","resources":{"requests":{"storage":"1Gi"}}}}
            """));
        await h.Client.DeleteAsync<PersistentVolumeClaim>(StsHarness.Ns, "www-web-0");
        await h.StartControllerAsync();
        await h.Client.CreateAsync(StsHarness.Web(replicas: 1));
        await h.WaitMessagesAsync(m => m.Contains("create Pod web-0 in StatefulSet web failed error: pvc www-web-0 is being deleted"), "FailedCreate");
        var failed = (await h.EventsAsync()).First(e => e.Reason == "FailedCreate");
        Assert.Equal("Warning", failed.Type);
        Assert.Null(await h.GetAsync<Pod>("web-0"));

        // Once the old claim is gone, a new one and the pod are created.
        await h.ModifyAsync<PersistentVolumeClaim>("www-web-0", c => c.Metadata.Finalizers = c.Metadata.Finalizers!.Where(f => f != "example.com/hold").ToList());
        await h.WaitPodAsync("web-0");
        var claim = (await h.GetAsync<PersistentVolumeClaim>("www-web-0"))!;
        Assert.Null(claim.Metadata.DeletionTimestamp);
        await h.WaitMessagesAsync(m => m.Contains("create Pod web-0 in StatefulSet web successful"), "create event");
    }

    [Fact]
    public async Task Restart_midway_converges_without_duplicates_and_reuses_a_claim_created_before_the_crash()
    {
        await using var h = await StsHarness.StartAsync(controller: false);
        await h.CreatePvsAsync(3);
        // As if a previous incarnation had created web-1's claim and crashed before the pod.
        await h.Client.CreateAsync(StsHarness.Parse<PersistentVolumeClaim>("""
            {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"www-web-1","namespace":"default","labels":{"app":"nginx","tier":"data"}},
             "spec":{"accessModes":["ReadWriteOnce"],"storageClassName":"","resources":{"requests":{"storage":"1Gi"}}}}
            """));
        await h.StartControllerAsync();
        await h.Client.CreateAsync(StsHarness.Web());
        await h.WaitPodAsync("web-0");
        await h.StopControllerAsync();

        await h.SetReadyAsync("web-0");
        h.Kubelet();
        await h.StartControllerAsync();
        await h.WaitStatusAsync(s => s.ReadyReplicas == 3 && s.CurrentRevision == s.UpdateRevision, "3 ready after restart");
        await h.StopControllerAsync();
        await h.StartControllerAsync(); // a further restart at rest changes nothing
        await h.WaitStatusAsync(s => s.ReadyReplicas == 3, "still 3");

        Assert.Equal(["web-0", "web-1", "web-2"], await h.PodNamesAsync());
        Assert.Equal(["www-web-0", "www-web-1", "www-web-2"], await h.ClaimNamesAsync());
        await h.WaitMessagesAsync(m => m.Count >= 5, "5 events");
        var events = await h.EventsAsync();
        Assert.All(events, e => Assert.Equal(1, e.Count));
        Assert.Equal([
            "create Claim www-web-0 Pod web-0 in StatefulSet web success", "create Pod web-0 in StatefulSet web successful",
            "create Pod web-1 in StatefulSet web successful",
            "create Claim www-web-2 Pod web-2 in StatefulSet web success", "create Pod web-2 in StatefulSet web successful",
        ], events.Select(e => e.Message));
        Assert.Single(await h.Client.ListAsync<ControllerRevision>(StsHarness.Ns) is var l ? l.Items : []);
    }

    [Fact]
    public async Task User_deleted_pod_comes_back_with_same_name_and_claim_in_ordered_mode()
    {
        await using var h = await StsHarness.StartAsync();
        await h.CreatePvsAsync(2);
        h.Kubelet();
        await h.Client.CreateAsync(StsHarness.Web(replicas: 2));
        await h.WaitStatusAsync(s => s.ReadyReplicas == 2, "2 ready");
        var old = (await h.GetAsync<Pod>("web-0"))!;
        var claimUid = (await h.GetAsync<PersistentVolumeClaim>("www-web-0"))!.Metadata.Uid;
        await h.Client.DeleteAsync<Pod>(StsHarness.Ns, "web-0");
        await h.WaitPodAsync("web-0", p => p.Metadata.Uid != old.Metadata.Uid && Ready(p));
        Assert.Equal("www-web-0", (await h.GetAsync<Pod>("web-0"))!.Spec!.Volumes!.Single(v => v.Name == "www").PersistentVolumeClaim!.ClaimName);
        Assert.Equal(claimUid, (await h.GetAsync<PersistentVolumeClaim>("www-web-0"))!.Metadata.Uid);
        await h.WaitStatusAsync(s => s.ReadyReplicas == 2, "2 ready again");
    }
}
