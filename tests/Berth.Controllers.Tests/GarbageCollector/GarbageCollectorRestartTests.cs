using Berth.Api.Core;
using Berth.Client;
using Berth.Controllers.GarbageCollection;

namespace Berth.Controllers.Tests.GarbageCollection;

/// <summary>
/// A collector "crashes" after a few writes (every later write fails, then it is stopped); a new one, started from
/// scratch, must finish the job with nothing lost or done twice. On a bare store, so no other collector interferes.
/// </summary>
public sealed class GarbageCollectorRestartTests(BareStoreFixture fx) : IClassFixture<BareStoreFixture>
{
    private IApiClient C => fx.Client;

    [Fact]
    public async Task Restart_after_a_crash_mid_orphaning_converges()
    {
        var ns = await Kube.NamespaceAsync(C);
        var owner = await Kube.CmAsync(C, ns, "owner");
        for (int i = 0; i < 5; i++) await Kube.CmAsync(C, ns, "dep" + i, Kube.Ref(owner));
        await C.DeleteAsync<ConfigMap>(ns, "owner", new DeleteRequest { PropagationPolicy = "Orphan" });

        // First run: two dependents are patched, then the process "dies".
        var crashing = new CrashingClient(C, ns, writeBudget: 2);
        await using (var first = RunningController.Gc(crashing, workers: 1))
            await crashing.Crashed.WaitAsync(TimeSpan.FromSeconds(10));
        var deps = await C.ListAsync<ConfigMap>(ns);
        Assert.Equal(2, deps.Items.Count(d => d.Metadata.Name!.StartsWith("dep") && d.Metadata.OwnerReferences is null));
        Assert.Contains(GarbageCollector.OrphanFinalizer, (await C.GetAsync<ConfigMap>(ns, "owner")).Metadata.Finalizers!);

        // Second run converges: every dependent orphaned, none deleted, the owner gone.
        await using var second = RunningController.Gc(C);
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(C, ns, "owner"), "the owner to go");
        for (int i = 0; i < 5; i++) Assert.Null((await C.GetAsync<ConfigMap>(ns, "dep" + i)).Metadata.OwnerReferences);
    }

    [Fact]
    public async Task Restart_after_a_crash_mid_foreground_converges()
    {
        var ns = await Kube.NamespaceAsync(C);
        var owner = await Kube.CmAsync(C, ns, "owner");
        for (int i = 0; i < 4; i++)
        {
            var child = await Kube.CmAsync(C, ns, "child" + i, Kube.Ref(owner, block: true));
            await Kube.CmAsync(C, ns, "grandchild" + i, Kube.Ref(child, block: true));
        }
        await C.DeleteAsync<ConfigMap>(ns, "owner", new DeleteRequest { PropagationPolicy = "Foreground" });

        var crashing = new CrashingClient(C, ns, writeBudget: 3);
        await using (var first = RunningController.Gc(crashing, workers: 2))
            await crashing.Crashed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(await Kube.TryGetAsync<ConfigMap>(C, ns, "owner"));
        var left = (await C.ListAsync<ConfigMap>(ns)).Items.Count(d => d.Metadata.Name!.Contains("child"));
        Assert.True(left > 0, "the first run must stop before the end");

        await using var second = RunningController.Gc(C);
        await Kube.EventuallyAsync(() => Kube.GoneAsync<ConfigMap>(C, ns, "owner"), "the owner to go");
        Assert.DoesNotContain((await C.ListAsync<ConfigMap>(ns)).Items, d => d.Metadata.Name!.Contains("child"));
    }

    [Fact]
    public async Task Restart_after_a_crash_mid_background_converges()
    {
        var ns = await Kube.NamespaceAsync(C);
        var owner = await Kube.CmAsync(C, ns, "owner");
        for (int i = 0; i < 8; i++) await Kube.CmAsync(C, ns, "dep" + i, Kube.Ref(owner));
        await Kube.CmAsync(C, ns, "bystander");
        await C.DeleteAsync<ConfigMap>(ns, "owner");

        var crashing = new CrashingClient(C, ns, writeBudget: 3);
        await using (var first = RunningController.Gc(crashing, workers: 1))
            await crashing.Crashed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(5, (await C.ListAsync<ConfigMap>(ns)).Items.Count(d => d.Metadata.Name!.StartsWith("dep")));

        await using var second = RunningController.Gc(C);
        await Kube.EventuallyAsync(async () => !(await C.ListAsync<ConfigMap>(ns)).Items.Any(d => d.Metadata.Name!.StartsWith("dep")), "every dependent to be collected");
        Assert.NotNull(await Kube.TryGetAsync<ConfigMap>(C, ns, "bystander"));
    }
}
