using Berth.Api.Core;
using Berth.Client;
using Berth.Controllers.GarbageCollection;

namespace Berth.Controllers.Tests.GarbageCollection;

/// <summary>The same collector code with its informers and writes over HTTPS (HttpApiClient).</summary>
public sealed class GarbageCollectorHttpTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Background_foreground_and_orphan_over_https()
    {
        var c = fx.Http;
        var ns = await Kube.NamespaceAsync(c);
        var bg = await Kube.CmAsync(c, ns, "bg");
        await Kube.CmAsync(c, ns, "bg-dep", Kube.Ref(bg));
        var fg = await Kube.CmAsync(c, ns, "fg");
        await Kube.CmAsync(c, ns, "fg-dep", ["test.berth.io/hold"], Kube.Ref(fg, block: true));
        var or = await Kube.CmAsync(c, ns, "or");
        await Kube.CmAsync(c, ns, "or-dep", Kube.Ref(or));
        await using var gc = RunningController.Gc(c);

        await c.DeleteAsync<ConfigMap>(ns, "bg");
        await c.DeleteAsync<ConfigMap>(ns, "fg", new DeleteRequest { PropagationPolicy = "Foreground" });
        await c.DeleteAsync<ConfigMap>(ns, "or", new DeleteRequest { PropagationPolicy = "Orphan" });

        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(c, ns, "bg-dep"), "the background dependent to be collected");
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(c, ns, "or"), "the orphaning owner to go");
        Assert.Null((await c.GetAsync<ConfigMap>(ns, "or-dep")).Metadata.OwnerReferences);

        await Kube.EventuallyAsync(async () => (await c.GetAsync<ConfigMap>(ns, "fg-dep")).Metadata.DeletionTimestamp is not null, "the foreground dependent to be deleting");
        Assert.Contains(GarbageCollector.ForegroundFinalizer, (await c.GetAsync<ConfigMap>(ns, "fg")).Metadata.Finalizers!);
        await Kube.RemoveFinalizerAsync<ConfigMap>(c, ns, "fg-dep", "test.berth.io/hold");
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(c, ns, "fg"), "the foreground owner to go");
    }
}
