using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;
using Berth.Controllers.Namespaces;
using Berth.Controllers.Tests.GarbageCollection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Controllers.Tests.Namespaces;

public sealed class NamespaceControllerTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private const string PvcProtection = "kubernetes.io/pvc-protection";
    private IApiClient C => fx.Client;

    private static RunningController Start(IApiClient c)
        => RunningController.Start(c, (client, f) => new NamespaceController(client, f, NullLogger.Instance) { RecheckDelay = TimeSpan.FromMilliseconds(200) });

    private static PersistentVolumeClaim Pvc(string ns, string name) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Spec = new PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            Resources = new VolumeResourceRequirements { Requests = new() { ["storage"] = Quantity.Parse("1Gi") } },
        },
    };

    private async Task<Namespace?> NsAsync(string name) => await Kube.TryGetAsync<Namespace>(C, null, name);

    private async Task<int> CountAsync(string ns)
        => (await C.ListAsync<ConfigMap>(ns)).Items.Count + (await C.ListAsync<Secret>(ns)).Items.Count
           + (await C.ListAsync<PersistentVolumeClaim>(ns)).Items.Count;

    [Fact]
    public async Task Deleting_a_namespace_empties_it_and_waits_for_finalizers()
    {
        const string ns = "t1";
        await C.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = ns } });
        await C.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = "t1-neighbour" } });
        for (int i = 0; i < 3; i++) await Kube.CmAsync(C, ns, "cm" + i);
        await Kube.CmAsync(C, ns, "held", ["test.berth.io/hold"]);
        await Kube.CmAsync(C, "t1-neighbour", "cm0");
        for (int i = 0; i < 2; i++) await C.CreateAsync(Pvc(ns, "pvc" + i));
        await C.CreateAsync(new Secret { Metadata = new ObjectMeta { Name = "s", Namespace = ns }, StringData = new() { ["a"] = "b" } });
        await using var ctl = Start(C);

        var deleting = await C.DeleteAsync<Namespace>(null, ns);
        Assert.NotNull(deleting);

        // Everything free to go goes; what finalizers hold stays, and so does the namespace, Terminating.
        await Kube.EventuallyAsync(async () => await CountAsync(ns) == 3
            && (await C.GetAsync<ConfigMap>(ns, "held")).Metadata.DeletionTimestamp is not null, "all but the held objects to be deleted");
        Assert.Null(await Kube.TryGetAsync<Secret>(C, ns, "s"));
        Assert.NotNull((await C.GetAsync<ConfigMap>(ns, "held")).Metadata.DeletionTimestamp);
        Assert.NotNull((await C.GetAsync<PersistentVolumeClaim>(ns, "pvc0")).Metadata.DeletionTimestamp);
        var n = await NsAsync(ns);
        Assert.NotNull(n);
        Assert.Equal("Terminating", n!.Status!.Phase);
        Assert.Contains(NamespaceController.KubernetesFinalizer, n.Spec!.Finalizers!);

        // The PVC protection controller's part: the claims are not in use.
        for (int i = 0; i < 2; i++) await Kube.RemoveFinalizerAsync<PersistentVolumeClaim>(C, ns, "pvc" + i, PvcProtection);
        await Kube.EventuallyAsync(async () => await CountAsync(ns) == 1, "the claims to go");
        Assert.NotNull(await NsAsync(ns)); // still held by "held"

        await Kube.RemoveFinalizerAsync<ConfigMap>(C, ns, "held", "test.berth.io/hold");
        await Kube.EventuallyAsync(async () => await NsAsync(ns) is null, "the namespace to go");

        // The neighbour is untouched.
        Assert.Equal("Active", (await C.GetAsync<Namespace>(null, "t1-neighbour")).Status!.Phase);
        Assert.NotNull(await Kube.TryGetAsync<ConfigMap>(C, "t1-neighbour", "cm0"));
    }

    [Fact]
    public async Task A_namespace_that_is_not_deleted_is_left_alone()
    {
        var ns = await Kube.NamespaceAsync(C);
        await Kube.CmAsync(C, ns, "cm");
        await using var ctl = Start(C);
        // A deleted, empty namespace next to it is processed: once it is gone the controller has run.
        var empty = await Kube.NamespaceAsync(C, "empty");
        await C.DeleteAsync<Namespace>(null, empty);
        await Kube.EventuallyAsync(async () => await NsAsync(empty) is null, "the empty namespace to go");
        Assert.NotNull(await Kube.TryGetAsync<ConfigMap>(C, ns, "cm"));
        Assert.Contains(NamespaceController.KubernetesFinalizer, (await C.GetAsync<Namespace>(null, ns)).Spec!.Finalizers!);
    }

    [Fact]
    public async Task Restart_after_a_crash_mid_deletion_converges()
    {
        var ns = await Kube.NamespaceAsync(C);
        for (int i = 0; i < 6; i++) await Kube.CmAsync(C, ns, "cm" + i);
        await C.DeleteAsync<Namespace>(null, ns);

        var crashing = new CrashingClient(C, ns, writeBudget: 3);
        await using (var first = Start(crashing))
            await crashing.Crashed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(await NsAsync(ns));
        Assert.True((await C.ListAsync<ConfigMap>(ns)).Items.Count > 0, "the first run must stop before the end");

        await using var second = Start(C);
        await Kube.EventuallyAsync(async () => await NsAsync(ns) is null, "the namespace to go");
        Assert.Empty((await C.ListAsync<ConfigMap>(ns)).Items);
    }
}
