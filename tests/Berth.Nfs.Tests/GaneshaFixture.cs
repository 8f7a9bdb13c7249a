using Berth.Nfs;
using Berth.Nfs.Ganesha;

namespace Berth.Nfs.Tests;

/// <summary>One real nfs-ganesha per test class, on a free port (test classes run in parallel), exporting a fresh temp
/// directory. Needs root and the nfs-ganesha packages, like CI.</summary>
public sealed class GaneshaFixture : IAsyncLifetime
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "berth-nfs-test-" + Guid.NewGuid().ToString("N")[..8]);
    public string Export => Path.Combine(Root, "export");
    public GaneshaServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (Environment.UserName != "root") throw new InvalidOperationException("NFS tests need root (nfs-ganesha serves as root)");
        if (GaneshaServer.FindBinary() is null)
            throw new InvalidOperationException("NFS tests need nfs-ganesha: apt-get install nfs-ganesha nfs-ganesha-vfs");
        Server = await GaneshaServer.StartAsync(Export, GaneshaServer.FreePort(), Path.Combine(Root, "state"));
    }

    public NfsClient Connect() => Server.Connect();

    public async Task DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
        TempDirectory.Delete(Root);
    }
}
