using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;
using Berth.Controllers.GarbageCollection;

namespace Berth.Controllers.Tests.GarbageCollection;

/// <summary>The garbage collector against a real in-process server through the InProcessClient.</summary>
public sealed class GarbageCollectorTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private const string Hold = "test.berth.io/hold";
    private IApiClient C => fx.Client;

    private static OwnerReference Nobody(string name = "nobody") => new()
    {
        ApiVersion = "v1", Kind = "ConfigMap", Name = name, Uid = Guid.NewGuid().ToString(),
    };

    /// <summary>A dependent of an owner that never existed: once it is gone, the collector has processed what came before it.</summary>
    private async Task CanaryAsync(string ns)
    {
        var name = "canary-" + Guid.NewGuid().ToString("N")[..6];
        await Kube.CmAsync(C, ns, name, Nobody());
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(C, ns, name), "the canary to be collected");
    }

    [Fact]
    public async Task Background_dependent_of_a_deleted_owner_is_deleted()
    {
        var ns = await Kube.NamespaceAsync(C);
        var owner = await Kube.CmAsync(C, ns, "owner");
        await Kube.CmAsync(C, ns, "dep", Kube.Ref(owner));
        await Kube.CmAsync(C, ns, "grandchild", Kube.Ref(await C.GetAsync<ConfigMap>(ns, "dep")));
        await Kube.CmAsync(C, ns, "bystander");
        await using var gc = RunningController.Gc(C);

        await CanaryAsync(ns);
        Assert.NotNull(await Kube.TryGetAsync<ConfigMap>(C, ns, "dep")); // its owner is there

        Assert.Null(await C.DeleteAsync<ConfigMap>(ns, "owner")); // Background: the owner goes at once
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(C, ns, "dep"), "dep to be collected");
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(C, ns, "grandchild"), "grandchild to be collected");
        Assert.NotNull(await Kube.TryGetAsync<ConfigMap>(C, ns, "bystander"));
    }

    [Fact]
    public async Task Dependent_with_two_owners_loses_only_the_dangling_reference()
    {
        var ns = await Kube.NamespaceAsync(C);
        var a = await Kube.CmAsync(C, ns, "a");
        var b = await Kube.CmAsync(C, ns, "b");
        await Kube.CmAsync(C, ns, "dep", Kube.Ref(a), Kube.Ref(b, block: true));
        await using var gc = RunningController.Gc(C);

        await C.DeleteAsync<ConfigMap>(ns, "a");
        await Kube.EventuallyAsync(async () => (await C.GetAsync<ConfigMap>(ns, "dep")).Metadata.OwnerReferences?.Count == 1, "the reference to a to go");
        var dep = await C.GetAsync<ConfigMap>(ns, "dep");
        var left = Assert.Single(dep.Metadata.OwnerReferences!);
        Assert.Equal(b.Metadata.Uid, left.Uid);
        Assert.True(left.BlockOwnerDeletion); // the remaining reference is kept as it was
        Assert.Null(dep.Metadata.DeletionTimestamp);

        await C.DeleteAsync<ConfigMap>(ns, "b");
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(C, ns, "dep"), "dep to be collected once b is gone too");
    }

    [Fact]
    public async Task Foreground_owner_waits_for_its_blocking_dependents()
    {
        var ns = await Kube.NamespaceAsync(C);
        var owner = await Kube.CmAsync(C, ns, "owner");
        var child = await Kube.CmAsync(C, ns, "child", Kube.Ref(owner, block: true));
        await Kube.CmAsync(C, ns, "grandchild", Kube.Ref(child, block: true));
        await Kube.CmAsync(C, ns, "held", ["test.berth.io/hold"], Kube.Ref(owner, block: true));
        await Kube.CmAsync(C, ns, "loose", Kube.Ref(owner, block: false));
        await using var gc = RunningController.Gc(C);
        await CanaryAsync(ns);

        var deleting = await C.DeleteAsync<ConfigMap>(ns, "owner", new DeleteRequest { PropagationPolicy = "Foreground" });
        Assert.NotNull(deleting);
        Assert.Contains(GarbageCollector.ForegroundFinalizer, deleting!.Metadata.Finalizers!);

        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(C, ns, "grandchild"), "grandchild to be deleted");
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(C, ns, "child"), "child to be deleted");
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(C, ns, "loose"), "the non-blocking dependent to be deleted too");
        await Kube.EventuallyAsync(async () => (await C.GetAsync<ConfigMap>(ns, "held")).Metadata.DeletionTimestamp is not null, "held to be deleting");

        // "held" blocks: the owner stays, marked, for as long as "held" is there.
        var o = await C.GetAsync<ConfigMap>(ns, "owner");
        Assert.NotNull(o.Metadata.DeletionTimestamp);
        Assert.Contains(GarbageCollector.ForegroundFinalizer, o.Metadata.Finalizers!);

        await Kube.RemoveFinalizerAsync<ConfigMap>(C, ns, "held", "test.berth.io/hold");
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(C, ns, "held"), "held to go");
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(C, ns, "owner"), "the owner to go once nothing blocks it");
    }

    [Fact]
    public async Task Foreground_dependent_kept_by_another_owner_only_drops_the_reference()
    {
        var ns = await Kube.NamespaceAsync(C);
        var owner = await Kube.CmAsync(C, ns, "owner");
        var other = await Kube.CmAsync(C, ns, "other");
        await Kube.CmAsync(C, ns, "shared", Kube.Ref(owner, block: true), Kube.Ref(other));
        await using var gc = RunningController.Gc(C);

        await C.DeleteAsync<ConfigMap>(ns, "owner", new DeleteRequest { PropagationPolicy = "Foreground" });
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(C, ns, "owner"), "the owner to go");
        var shared = await C.GetAsync<ConfigMap>(ns, "shared");
        Assert.Null(shared.Metadata.DeletionTimestamp);
        Assert.Equal(other.Metadata.Uid, Assert.Single(shared.Metadata.OwnerReferences!).Uid);
    }

    [Fact]
    public async Task Orphan_dependents_survive_without_the_reference_and_the_owner_goes()
    {
        var ns = await Kube.NamespaceAsync(C);
        var owner = await Kube.CmAsync(C, ns, "owner");
        var other = await Kube.CmAsync(C, ns, "other");
        for (int i = 0; i < 3; i++) await Kube.CmAsync(C, ns, "dep" + i, Kube.Ref(owner, block: true));
        await Kube.CmAsync(C, ns, "two", Kube.Ref(owner), Kube.Ref(other));
        await using var gc = RunningController.Gc(C);

        var deleting = await C.DeleteAsync<ConfigMap>(ns, "owner", new DeleteRequest { PropagationPolicy = "Orphan" });
        Assert.Contains(GarbageCollector.OrphanFinalizer, deleting!.Metadata.Finalizers!);
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(C, ns, "owner"), "the owner to go");

        for (int i = 0; i < 3; i++)
        {
            var d = await C.GetAsync<ConfigMap>(ns, "dep" + i);
            Assert.Null(d.Metadata.OwnerReferences);
            Assert.Null(d.Metadata.DeletionTimestamp);
        }
        var two = await C.GetAsync<ConfigMap>(ns, "two");
        Assert.Equal(other.Metadata.Uid, Assert.Single(two.Metadata.OwnerReferences!).Uid);

        // Orphans stay orphans: nothing collects them later.
        await CanaryAsync(ns);
        Assert.NotNull(await Kube.TryGetAsync<ConfigMap>(C, ns, "dep0"));
    }

    [Fact]
    public async Task Reference_with_a_stale_uid_counts_as_gone()
    {
        var ns = await Kube.NamespaceAsync(C);
        var first = await Kube.CmAsync(C, ns, "owner");
        await Kube.CmAsync(C, ns, "dep", Kube.Ref(first));
        await C.DeleteAsync<ConfigMap>(ns, "owner");
        var second = await Kube.CmAsync(C, ns, "owner"); // re-created under the same name: another object
        Assert.NotEqual(first.Metadata.Uid, second.Metadata.Uid);
        await Kube.CmAsync(C, ns, "dep-current", Kube.Ref(second));

        await using var gc = RunningController.Gc(C);
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(C, ns, "dep"), "the dependent of the old owner to be collected");
        await CanaryAsync(ns);
        Assert.NotNull(await Kube.TryGetAsync<ConfigMap>(C, ns, "owner"));
        Assert.NotNull(await Kube.TryGetAsync<ConfigMap>(C, ns, "dep-current"));
    }

    [Fact]
    public async Task Owner_in_another_namespace_does_not_count()
    {
        // A namespaced owner resolves in the dependent's namespace: an object of that name elsewhere is not it.
        var ns = await Kube.NamespaceAsync(C);
        var elsewhere = await Kube.NamespaceAsync(C, "elsewhere");
        var owner = await Kube.CmAsync(C, elsewhere, "owner");
        await Kube.CmAsync(C, ns, "dep", Kube.Ref(owner));
        await using var gc = RunningController.Gc(C);
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(C, ns, "dep"), "the dependent to be collected");
        Assert.NotNull(await Kube.TryGetAsync<ConfigMap>(C, elsewhere, "owner"));
    }

    [Fact]
    public async Task Cluster_scoped_owner_of_namespaced_dependent()
    {
        var ns = await Kube.NamespaceAsync(C);
        var pvName = "gc-" + ns;
        var pv = await C.CreateAsync(new PersistentVolume
        {
            Metadata = new ObjectMeta { Name = pvName, Finalizers = [Hold] },
            Spec = new PersistentVolumeSpec
            {
                Capacity = new() { ["storage"] = Quantity.Parse("1Gi") },
                AccessModes = ["ReadWriteOnce"],
                HostPath = new HostPathVolumeSource { Path = "/tmp/" + pvName },
            },
        });
        await Kube.CmAsync(C, ns, "dep", Kube.Ref(pv));
        // A reference to a node that is not there: gone, so this one is collected.
        await Kube.CmAsync(C, ns, "dep-node", new OwnerReference { ApiVersion = "v1", Kind = "Node", Name = "no-such-node", Uid = Guid.NewGuid().ToString() });
        await using var gc = RunningController.Gc(C);
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(C, ns, "dep-node"), "the dependent of a missing node to be collected");
        Assert.NotNull(await Kube.TryGetAsync<ConfigMap>(C, ns, "dep"));

        // Deleted but held by a finalizer: the owner still exists, so its dependent stays.
        Assert.NotNull(await C.DeleteAsync<PersistentVolume>(null, pvName));
        await CanaryAsync(ns);
        Assert.NotNull(await Kube.TryGetAsync<ConfigMap>(C, ns, "dep"));
        Assert.NotNull((await C.GetAsync<PersistentVolume>(null, pvName)).Metadata.DeletionTimestamp);

        // The server's pv-protection controller releases an unbound PV by itself; ours goes too.
        await Kube.RemoveFinalizerAsync<PersistentVolume>(C, null, pvName, Hold);
        await Kube.RemoveFinalizerAsync<PersistentVolume>(C, null, pvName, "kubernetes.io/pv-protection");
        await Kube.EventuallyAsync(() => Kube.GoneAsync<PersistentVolume>(C, null, pvName), "the PV to go");
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(C, ns, "dep"), "the PV's dependent to be collected");
    }

    [Fact]
    public async Task Owner_missing_from_a_lagging_cache_is_read_live_and_kept()
    {
        var ns = await Kube.NamespaceAsync(C);
        // Secret events reach the collector 3 s late; ConfigMap events at once.
        await using var gc = RunningController.Gc(new LaggingWatchClient(C, typeof(Secret), TimeSpan.FromSeconds(3)));
        await CanaryAsync(ns);
        var owner = await C.CreateAsync(new Secret { Metadata = new ObjectMeta { Name = "owner", Namespace = ns } });
        await Kube.CmAsync(C, ns, "dep", Kube.Ref(owner));
        await CanaryAsync(ns); // the dependent was seen and judged while its owner was not in the cache yet
        Assert.NotNull(await Kube.TryGetAsync<ConfigMap>(C, ns, "dep"));
    }

    [Fact]
    public void Every_kind_but_events_is_watched()
    {
        var gc = new GarbageCollector(C, new InformerFactory(C));
        var kinds = gc.WatchedKinds.Select(k => k.GroupVersion + "/" + k.Kind).ToHashSet();
        foreach (var k in new[] { "v1/ConfigMap", "v1/Secret", "v1/Pod", "v1/PersistentVolume", "v1/PersistentVolumeClaim", "v1/Namespace",
                     "apps/v1/StatefulSet", "apps/v1/Deployment", "apps/v1/ControllerRevision", "rbac.authorization.k8s.io/v1/ClusterRole" })
            Assert.Contains(k, kinds);
        Assert.DoesNotContain(kinds, k => k.EndsWith("/Event"));
    }

    [Fact]
    public async Task Unknown_owner_kind_is_never_collected()
    {
        var ns = await Kube.NamespaceAsync(C);
        await Kube.CmAsync(C, ns, "dep", new OwnerReference { ApiVersion = "example.com/v1", Kind = "Widget", Name = "w", Uid = Guid.NewGuid().ToString() });
        await using var gc = RunningController.Gc(C);
        await CanaryAsync(ns);
        var dep = await C.GetAsync<ConfigMap>(ns, "dep");
        Assert.Single(dep.Metadata.OwnerReferences!);
    }
}
