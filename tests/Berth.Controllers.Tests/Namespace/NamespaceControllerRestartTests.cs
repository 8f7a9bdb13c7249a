using Berth.Api.Core;
using Berth.Client;
using Berth.Controllers.Tests.GarbageCollection;

namespace Berth.Controllers.Tests.Namespaces;

/// <summary>A namespace controller that "crashes" mid-way is replaced by a new one, which finishes. On a bare store.</summary>
public sealed class NamespaceControllerRestartTests(BareStoreFixture fx) : IClassFixture<BareStoreFixture>
{
    private IApiClient C => fx.Client;
    private static RunningController Start(IApiClient c) => NamespaceControllerTests.Start(c);
    private async Task<Namespace?> NsAsync(string name) => await Kube.TryGetAsync<Namespace>(C, null, name);

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
