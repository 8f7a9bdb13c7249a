using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;
using Berth.Controllers.Namespaces;
using Berth.Controllers.Tests.GarbageCollection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Controllers.Tests.Namespaces;

/// <summary>The namespace controller on a real server (which runs its own controllers, e.g. PVC protection).</summary>
public sealed class NamespaceControllerTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private const string Hold = "test.berth.io/hold";
    private const string PvcProtection = "kubernetes.io/pvc-protection";
    private IApiClient C => fx.Client;

    internal static RunningController Start(IApiClient c)
        => RunningController.Start(c, (client, f) => new NamespaceController(client, f, NullLogger.Instance) { RecheckDelay = TimeSpan.FromMilliseconds(200) });

    private static PersistentVolumeClaim Pvc(string ns, string name, List<string>? finalizers = null) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns, Finalizers = finalizers },
        Spec = new PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            Resources = new VolumeResourceRequirements { Requests = new() { ["storage"] = Quantity.Parse("1Gi") } },
        },
    };

    private async Task<Namespace?> NsAsync(string name) => await Kube.TryGetAsync<Namespace>(C, null, name);

    /// <summary>"Kind/name" of the config maps, secrets and claims in the namespace.</summary>
    private async Task<HashSet<string>> Names(string ns)
        => (await C.ListAsync<ConfigMap>(ns)).Items.Select(o => "ConfigMap/" + o.Metadata.Name)
            .Concat((await C.ListAsync<Secret>(ns)).Items.Select(o => "Secret/" + o.Metadata.Name))
            .Concat((await C.ListAsync<PersistentVolumeClaim>(ns)).Items.Select(o => "PersistentVolumeClaim/" + o.Metadata.Name))
            .ToHashSet();

    [Fact]
    public async Task Deleting_a_namespace_empties_it_and_waits_for_finalizers()
    {
        const string ns = "t1";
        await C.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = ns } });
        await C.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = "t1-neighbour" } });
        for (int i = 0; i < 3; i++) await Kube.CmAsync(C, ns, "cm" + i);
        await Kube.CmAsync(C, ns, "held", [Hold]);
        await Kube.CmAsync(C, "t1-neighbour", "cm0");
        for (int i = 0; i < 2; i++) await C.CreateAsync(Pvc(ns, "pvc" + i));
        await C.CreateAsync(Pvc(ns, "pvc-held", [Hold]));
        await C.CreateAsync(new Secret { Metadata = new ObjectMeta { Name = "s", Namespace = ns }, StringData = new() { ["a"] = "b" } });
        Assert.Contains(PvcProtection, (await C.GetAsync<PersistentVolumeClaim>(ns, "pvc0")).Metadata.Finalizers!);
        await using var ctl = Start(C);

        var deleting = await C.DeleteAsync<Namespace>(null, ns);
        Assert.NotNull(deleting);

        // Everything free to go goes (the claims once the server's pvc-protection controller releases them); what our
        // finalizer holds stays, and so does the namespace, Terminating.
        await Kube.EventuallyAsync(async () => (await Names(ns)).SetEquals(["ConfigMap/held", "PersistentVolumeClaim/pvc-held"])
            && (await C.GetAsync<ConfigMap>(ns, "held")).Metadata.DeletionTimestamp is not null
            && (await C.GetAsync<PersistentVolumeClaim>(ns, "pvc-held")).Metadata.DeletionTimestamp is not null,
            "all but the held objects to be deleted");
        var n = await NsAsync(ns);
        Assert.NotNull(n);
        Assert.Equal("Terminating", n!.Status!.Phase);
        Assert.Contains(NamespaceController.KubernetesFinalizer, n.Spec!.Finalizers!);

        await Kube.RemoveFinalizerAsync<PersistentVolumeClaim>(C, ns, "pvc-held", Hold);
        await Kube.RemoveFinalizerAsync<PersistentVolumeClaim>(C, ns, "pvc-held", PvcProtection);
        await Kube.EventuallyAsync(async () => (await Names(ns)).SetEquals(["ConfigMap/held"]), "the held claim to go");
        Assert.Equal("Terminating", (await NsAsync(ns))?.Status?.Phase); // still held by the config map

        await Kube.RemoveFinalizerAsync<ConfigMap>(C, ns, "held", Hold);
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
}
