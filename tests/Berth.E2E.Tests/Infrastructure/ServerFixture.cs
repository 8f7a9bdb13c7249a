namespace Berth.E2E.Tests.Infrastructure;

/// <summary>One ./berth server shared by the tests of a class (they run one after another).</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public BerthProcess Berth { get; private set; } = null!;
    public Kubectl Kubectl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Berth = await BerthProcess.StartAsync();
        Kubectl = new Kubectl(Berth.Kubeconfig);
    }

    public async Task DisposeAsync() => await Berth.DisposeAsync();

    public static string Manifest(string name) => Path.Combine(AppContext.BaseDirectory, "Manifests", name);
}
