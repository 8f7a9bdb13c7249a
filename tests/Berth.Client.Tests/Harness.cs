using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;
using Berth.Server.Client;
using Berth.Server.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Client.Tests;

public enum ClientKind { Http, InProcess }

/// <summary>A real Berth server in this process (SQLite in a temp dir, HTTPS on a free loopback port).
/// The temp dir it makes is deleted when it is disposed; a data dir passed in belongs to the caller.</summary>
public sealed class ServerHarness : IAsyncDisposable
{
    private bool _ownsDataDir, _disposed;
    public BerthServer Server { get; private set; } = null!;
    public string DataDir { get; private init; } = "";
    private HttpApiClient? _http;

    public static async Task<ServerHarness> StartAsync(string? dataDir = null)
    {
        var h = new ServerHarness { DataDir = dataDir ?? TempDirectory.Create("berth-client-"), _ownsDataDir = dataDir is null };
        h.Server = await BerthServer.StartAsync(new ServerOptions { DataDir = h.DataDir, Listen = "127.0.0.1:0", DisabledControllers = new HashSet<string> { ControllerNames.Scheduler, ControllerNames.NodeAgent } }, NullLoggerFactory.Instance);
        return h;
    }

    /// <summary>HTTP clients are built from the kubeconfig the server writes (exercising FromKubeconfig).</summary>
    public IApiClient Client(ClientKind kind) => kind == ClientKind.Http
        ? _http ??= HttpApiClient.FromKubeconfig(Server.KubeconfigPath)
        : new InProcessClient(Server.Store);

    /// <summary>Stops this server and starts another on the same data dir, which passes to the new one.</summary>
    public async Task<ServerHarness> RestartAsync()
    {
        var owns = _ownsDataDir;
        _ownsDataDir = false;
        await DisposeAsync();
        var next = await StartAsync(DataDir);
        next._ownsDataDir = owns;
        return next;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        _http?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
        if (_ownsDataDir) TempDirectory.Delete(DataDir);
    }
}

public sealed class ServerFixture : IAsyncLifetime
{
    public ServerHarness Harness { get; private set; } = null!;
    public async Task InitializeAsync() => Harness = await ServerHarness.StartAsync();
    public async Task DisposeAsync() => await Harness.DisposeAsync();
}

public static class Util
{
    private static int _n;

    public static async Task<string> NewNamespaceAsync(IApiClient c, string prefix = "t")
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _n)}-{Guid.NewGuid().ToString("N")[..6]}";
        await c.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = name } });
        return name;
    }

    public static ConfigMap Cm(string ns, string name, Dictionary<string, string>? data = null, Dictionary<string, string>? labels = null)
        => new() { Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = labels }, Data = data };

    /// <summary>Polls until the condition holds; fails the test with the message otherwise.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> cond, string what, double seconds = 10)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            if (await cond()) return;
            await Task.Delay(25);
        }
        Assert.Fail("timed out waiting for " + what);
    }

    public static Task EventuallyAsync(Func<bool> cond, string what, double seconds = 10)
        => EventuallyAsync(() => Task.FromResult(cond()), what, seconds);
}
