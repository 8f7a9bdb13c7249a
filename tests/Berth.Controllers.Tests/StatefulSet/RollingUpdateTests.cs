using System.Text.Json;
using Berth.Api.Apps;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Controllers.StatefulSets;

namespace Berth.Controllers.Tests.StatefulSets;

/// <summary>Rolling updates beyond one pod at a time: maxUnavailable (upstream's MaxUnavailableStatefulSet) and the opt-in stuck-rollout recovery.</summary>
public sealed class RollingUpdateTests
{
    private const string Good = "registry.k8s.io/nginx-slim:0.8";
    private const string Broken = "registry.k8s.io/nginx-slim:broken";
    private const string Fixed = "registry.k8s.io/nginx-slim:0.9";

    private static string Revision(Pod? p) => p?.Metadata.Labels?["controller-revision-hash"] ?? "";

    private static async Task<List<string>> DeletesAsync(StsHarness h)
        => (await h.MessagesAsync()).Where(m => m.StartsWith("delete Pod", StringComparison.Ordinal)).ToList();

    [Theory]
    [InlineData(null, 5, 1)]
    [InlineData("3", 5, 3)]
    [InlineData("\"40%\"", 5, 2)]     // rounded down
    [InlineData("\"10%\"", 5, 1)]     // 0 after rounding: at least 1
    [InlineData("\"100%\"", 5, 5)]
    public void MaxUnavailable_is_an_int_or_a_percentage_of_replicas_rounded_down_and_at_least_one(string? json, int replicas, int expected)
    {
        var value = json is null ? (IntOrString?)null : JsonSerializer.Deserialize<IntOrString>(json, KubeJson.Options);
        Assert.True(StatefulSetUtils.TryMaxUnavailable(value, replicas, out var n, out var error), error);
        Assert.Equal(expected, n);
    }

    [Fact]
    public void A_maxUnavailable_that_is_not_a_percentage_is_an_error_with_upstreams_message()
    {
        Assert.False(StatefulSetUtils.TryMaxUnavailable(IntOrString.FromString("two"), 5, out _, out var error));
        Assert.Equal("invalid value for IntOrString: invalid type: string is not a percentage", error);
    }

    [Fact]
    public async Task MaxUnavailable_deletes_that_many_pods_at_once_highest_first_and_keeps_the_partition()
    {
        await using var h = await StsHarness.StartAsync();
        bool kubeletOn = true;
        h.KubeletFor(_ => Volatile.Read(ref kubeletOn));
        await h.Client.CreateAsync(StsHarness.Web(replicas: 5, claims: false,
            updateStrategy: """{"type":"RollingUpdate","rollingUpdate":{"partition":1,"maxUnavailable":"40%"}}"""));
        await h.WaitStatusAsync(s => s.ReadyReplicas == 5 && s.CurrentRevision == s.UpdateRevision, "5 ready at r1");
        var r1 = (await h.SetAsync()).Status!.CurrentRevision!;

        // With the kubelet stopped, the update takes down two pods (40% of 5) at once, the two highest, and no third.
        Volatile.Write(ref kubeletOn, false);
        await h.ModifyAsync<StatefulSet>("web", s => s.Spec!.Template!.Spec!.Containers![0].Image = Fixed);
        await StsHarness.EventuallyAsync(async () => (await DeletesAsync(h)).Count >= 2, "two pods deleted for update");
        await Task.Delay(700);
        Assert.Equal(["delete Pod web-4 in StatefulSet web successful", "delete Pod web-3 in StatefulSet web successful"], await DeletesAsync(h));
        foreach (var n in new[] { "web-0", "web-1", "web-2" }) Assert.Equal(r1, Revision(await h.GetAsync<Pod>(n)));

        // Ready again: the rollout goes on two at a time and stops at the partition (web-0 keeps r1).
        Volatile.Write(ref kubeletOn, true);
        await h.WaitStatusAsync(s => s.UpdatedReplicas == 4 && s.ReadyReplicas == 5 && s.CurrentReplicas == 1, "4 updated, web-0 at the partition");
        var st = (await h.SetAsync()).Status!;
        Assert.Equal(r1, st.CurrentRevision);
        Assert.Equal(r1, Revision(await h.GetAsync<Pod>("web-0")));
        foreach (var n in new[] { "web-1", "web-2", "web-3", "web-4" }) Assert.Equal(st.UpdateRevision, Revision(await h.GetAsync<Pod>(n)));
        Assert.Equal(["web-4", "web-3", "web-2", "web-1"], (await DeletesAsync(h)).Select(m => m.Split(' ')[2]));
    }

    [Fact]
    public async Task MaxUnavailable_counts_every_unavailable_replica()
    {
        await using var h = await StsHarness.StartAsync();
        bool kubeletOn = true;
        h.KubeletFor(_ => Volatile.Read(ref kubeletOn));
        await h.Client.CreateAsync(StsHarness.Web(replicas: 4, claims: false, policy: "Parallel",
            updateStrategy: """{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":2}}"""));
        await h.WaitStatusAsync(s => s.ReadyReplicas == 4, "4 ready");
        // web-0 turns unready (as a failing readiness probe would): it takes one of the two unavailable slots.
        Volatile.Write(ref kubeletOn, false);
        await h.SetPhaseAsync("web-0", "Running");
        await h.WaitStatusAsync(s => s.ReadyReplicas == 3, "web-0 unready");
        await h.ModifyAsync<StatefulSet>("web", s => s.Spec!.Template!.Spec!.Containers![0].Image = Fixed);
        await StsHarness.EventuallyAsync(async () => (await DeletesAsync(h)).Count >= 1, "one pod deleted for update");
        await Task.Delay(700);
        Assert.Equal(["delete Pod web-3 in StatefulSet web successful"], await DeletesAsync(h));
    }

    [Fact]
    public async Task Without_the_annotation_a_rollout_to_a_broken_template_stays_stuck_as_upstream_with_it_the_fix_rolls_out()
    {
        await using var h = await StsHarness.StartAsync();
        h.KubeletFor(p => p.Spec?.Containers?[0].Image != Broken); // the broken image never becomes Ready
        await h.Client.CreateAsync(StsHarness.Web(replicas: 3, claims: false, image: Good));
        await h.WaitStatusAsync(s => s.ReadyReplicas == 3 && s.CurrentRevision == s.UpdateRevision, "3 ready");
        var r1 = (await h.SetAsync()).Status!.CurrentRevision!;

        // A broken template: web-2 is replaced and never becomes Ready; the rollout stops there.
        await h.ModifyAsync<StatefulSet>("web", s => s.Spec!.Template!.Spec!.Containers![0].Image = Broken);
        await h.WaitPodAsync("web-2", p => Revision(p) != r1);
        var broken = (await h.GetAsync<Pod>("web-2"))!;
        var r2 = Revision(broken);

        // The template is fixed: upstream waits for the broken pod forever (kubernetes #67250).
        await h.ModifyAsync<StatefulSet>("web", s => s.Spec!.Template!.Spec!.Containers![0].Image = Fixed);
        await h.WaitStatusAsync(s => s.UpdateRevision != r1 && s.UpdateRevision != r2, "update revision r3");
        await Task.Delay(1500);
        Assert.Equal(broken.Metadata.Uid, (await h.GetAsync<Pod>("web-2"))!.Metadata.Uid);
        foreach (var n in new[] { "web-0", "web-1" }) Assert.Equal(r1, Revision(await h.GetAsync<Pod>(n)));
        Assert.DoesNotContain(await h.EventsAsync(), e => e.Reason == "RecreatingStuckPod");

        // Opting in: the broken pod is recreated at the fixed revision and the rollout completes, highest ordinal first.
        await h.ModifyAsync<StatefulSet>("web", s => (s.Metadata.Annotations ??= new())[StatefulSetUtils.RecoverStuckRolloutAnnotation] = "true");
        await h.WaitStatusAsync(s => s.UpdatedReplicas == 3 && s.ReadyReplicas == 3 && s.CurrentRevision == s.UpdateRevision, "fixed rollout complete");
        var r3 = (await h.SetAsync()).Status!.UpdateRevision!;
        foreach (var n in new[] { "web-0", "web-1", "web-2" }) Assert.Equal(r3, Revision(await h.GetAsync<Pod>(n)));
        // Events are written by the recorder after the change they report: wait for it.
        await StsHarness.EventuallyAsync(async () => (await h.EventsAsync()).Any(e => e.Reason == "RecreatingStuckPod"), "RecreatingStuckPod event");
        var events = await h.EventsAsync();
        // (A pod the rolling update deletes may come back once more at the old revision while the set's cached status
        // is behind, as upstream's newVersionedStatefulSetPod does; such a Pending pod is recreated the same way.)
        var stuck = events.First(e => e.Reason == "RecreatingStuckPod");
        Assert.Equal($"StatefulSet default/web is recreating Pod web-2: it is not Ready at revision {r2} and the update revision is {r3}", stuck.Message);
        Assert.Equal("Normal", stuck.Type);
        Assert.Equal("delete Pod web-2 in StatefulSet web successful", (await DeletesAsync(h))[0]);
    }

    [Fact]
    public async Task Recovery_leaves_pods_below_the_partition_alone()
    {
        await using var h = await StsHarness.StartAsync();
        h.KubeletFor(p => p.Spec?.Containers?[0].Image != Broken);
        var set = StsHarness.Web(replicas: 3, claims: false, image: Good,
            updateStrategy: """{"type":"RollingUpdate","rollingUpdate":{"partition":2}}""");
        set.Metadata.Annotations = new() { [StatefulSetUtils.RecoverStuckRolloutAnnotation] = "true" };
        await h.Client.CreateAsync(set);
        await h.WaitStatusAsync(s => s.ReadyReplicas == 3, "3 ready");
        var r1 = (await h.SetAsync()).Status!.CurrentRevision!;
        // web-1 (below the partition) becomes unready; a template change must not replace it.
        await h.SetPhaseAsync("web-1", "Running");
        var uid1 = (await h.GetAsync<Pod>("web-1"))!.Metadata.Uid;
        await h.ModifyAsync<StatefulSet>("web", s => s.Spec!.Template!.Spec!.Containers![0].Image = Fixed);
        await h.WaitStatusAsync(s => s.UpdateRevision != r1, "update revision r2");
        await Task.Delay(1000);
        Assert.Equal(uid1, (await h.GetAsync<Pod>("web-1"))!.Metadata.Uid);
        Assert.Equal(r1, Revision(await h.GetAsync<Pod>("web-2"))); // web-1 blocks the ordered pass before web-2
        Assert.DoesNotContain(await h.EventsAsync(), e => e.Reason == "RecreatingStuckPod");
    }

    [Fact]
    public async Task MinReadySeconds_holds_availableReplicas_and_the_next_ordinal_until_a_pod_has_been_ready_that_long()
    {
        await using var h = await StsHarness.StartAsync();
        h.Kubelet();
        var set = StsHarness.Web(replicas: 2, claims: false);
        set.Spec!.MinReadySeconds = 3;
        await h.Client.CreateAsync(set);
        await h.WaitStatusAsync(s => s.ReadyReplicas == 1, "web-0 ready");
        var st = (await h.SetAsync()).Status!;
        Assert.Equal(0, st.AvailableReplicas ?? 0);
        Assert.Null(await h.GetAsync<Pod>("web-1")); // OrderedReady waits for web-0 to be available, not just Ready
        // Once web-0 is available web-1 is created and made Ready at once, so (ready 1, available 1) may last only a
        // moment: wait for "available" and judge web-1's readiness separately.
        await h.WaitStatusAsync(s => s.AvailableReplicas >= 1, "web-0 available after 3 s");
        await h.WaitStatusAsync(s => s.ReadyReplicas == 2 && s.AvailableReplicas == 1, "web-1 ready, not yet available");
        await h.WaitStatusAsync(s => s.AvailableReplicas == 2, "both available");
    }
}
