using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;
using Berth.Server.Client;
using Berth.Server.Admission;
using Berth.Server.Hosting;
using Berth.Server.Storage;
using Berth.Store.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Controllers.Tests.GarbageCollection;

/// <summary>A real Berth server in this process: SQLite in a temp dir, HTTPS on a free loopback port.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private HttpApiClient? _http;

    public BerthServer Server { get; private set; } = null!;
    public string DataDir { get; } = TempDirectory.Create("berth-ctl-");

    /// <summary>The in-process client (ResourceStore directly).</summary>
    public IApiClient Client { get; private set; } = null!;

    /// <summary>A client over HTTPS, built from the kubeconfig the server writes.</summary>
    public IApiClient Http => _http ??= HttpApiClient.FromKubeconfig(Server.KubeconfigPath);

    public async Task InitializeAsync()
    {
        Server = await BerthServer.StartAsync(new ServerOptions { DataDir = DataDir, Listen = "127.0.0.1:0", DisabledControllers = new HashSet<string> { ControllerNames.GarbageCollector, ControllerNames.Namespace, ControllerNames.NodeAgent } }, NullLoggerFactory.Instance);
        Client = new InProcessClient(Server.Store);
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
        TempDirectory.Delete(DataDir);
    }
}

/// <summary>
/// The storage stack of a Berth server (SQLite in a temp dir, watch cache, ResourceStore with the admission chain,
/// bootstrap namespaces) without HTTP and without the controllers <see cref="BerthServer"/> runs. For the crash/restart
/// tests: there the controller under test must be the only one writing, or another instance would finish the job the
/// "crashed" one left half done.
/// </summary>
public sealed class BareStoreFixture : IAsyncLifetime
{
    private SqliteStore? _kv;
    private ObjectCache? _cache;

    public string DataDir { get; } = TempDirectory.Create("berth-ctl-store-");
    public IApiClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _kv = await SqliteStore.OpenAsync(Path.Combine(DataDir, "store.db"), SqliteStoreOptions.Production);
        var allocator = new ServiceAllocator();
        var registry = BuiltinRegistry.Create(allocator);
        _cache = new ObjectCache(_kv, registry, NullLogger.Instance);
        await _cache.StartAsync(CancellationToken.None);
        var store = new ResourceStore(_kv, _cache, registry, AdmissionChain.Create());
        allocator.Attach(store);
        await Bootstrap.EnsureAsync(store, CancellationToken.None);
        Client = new InProcessClient(store);
    }

    public async Task DisposeAsync()
    {
        if (_cache is not null) await _cache.DisposeAsync();
        if (_kv is not null) await _kv.DisposeAsync();
        TempDirectory.Delete(DataDir);
    }
}

/// <summary>A controller with its own informer factory and workers, running until disposed (a controller-manager process).</summary>
public sealed class RunningController : IAsyncDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _run;

    private RunningController(Controller c, InformerFactory f, int workers)
    {
        Controller = c;
        Informers = f;
        f.StartAsync(_cts.Token);
        _run = Task.Run(() => c.RunAsync(workers, _cts.Token));
    }

    public Controller Controller { get; }
    public InformerFactory Informers { get; }

    public static RunningController Start(IApiClient client, Func<IApiClient, InformerFactory, Controller> make, int workers = 2)
    {
        var f = new InformerFactory(client);
        return new RunningController(make(client, f), f, workers);
    }

    public static RunningController Gc(IApiClient client, int workers = 2)
        => Start(client, (c, f) => new Berth.Controllers.GarbageCollection.GarbageCollector(c, f, NullLogger.Instance), workers);

    /// <summary>Stops workers and informers (as a crash would, minus the in-flight call) and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        _cts.Cancel();
        try { await _run.WaitAsync(TimeSpan.FromSeconds(10)); }
        catch (OperationCanceledException) { }
        _cts.Dispose();
    }
}

/// <summary>
/// An API client that "crashes" after a number of writes into one namespace: every later write there throws, as if the
/// process had died right after the last one that went through. Reads, and writes elsewhere (other tests' objects on the
/// shared server), keep working.
/// </summary>
public sealed class CrashingClient(IApiClient inner, string ns, int writeBudget) : DelegatingApiClient(inner)
{
    private int _left = writeBudget;
    private readonly TaskCompletionSource _crashed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a write is refused (the budget is spent and the controller tried one more).</summary>
    public Task Crashed => _crashed.Task;

    private void Write(string? objectNs)
    {
        if (objectNs != ns) return;
        if (Interlocked.Decrement(ref _left) < 0)
        {
            _crashed.TrySetResult();
            throw new InvalidOperationException("injected crash: no more writes");
        }
    }

    public override Task<T> CreateAsync<T>(T obj, CancellationToken ct = default) { Write(obj.Metadata.Namespace); return base.CreateAsync(obj, ct); }
    public override Task<T> UpdateAsync<T>(T obj, CancellationToken ct = default) { Write(obj is Namespace ? obj.Metadata.Name : obj.Metadata.Namespace); return base.UpdateAsync(obj, ct); }
    public override Task<T> UpdateStatusAsync<T>(T obj, CancellationToken ct = default) { Write(obj is Namespace ? obj.Metadata.Name : obj.Metadata.Namespace); return base.UpdateStatusAsync(obj, ct); }
    public override Task<T> PatchAsync<T>(string? ns, string name, PatchType type, string patchJson, string? subresource = null, CancellationToken ct = default)
    { Write(ns); return base.PatchAsync<T>(ns, name, type, patchJson, subresource, ct); }
    public override Task<T?> DeleteAsync<T>(string? ns, string name, DeleteRequest? opts = null, CancellationToken ct = default) where T : class
    { Write(ns); return base.DeleteAsync<T>(ns, name, opts, ct); }
    public override Task BindPodAsync(string ns, string name, string nodeName, string? uid = null, CancellationToken ct = default)
    { Write(ns); return base.BindPodAsync(ns, name, nodeName, uid, ct); }
}

public static class Kube
{
    private static int _n;

    public static async Task<string> NamespaceAsync(IApiClient c, [CallerMemberName] string prefix = "t")
    {
        var name = $"{new string(prefix.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(30).ToArray())}-{Interlocked.Increment(ref _n)}";
        await c.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = name } });
        return name;
    }

    public static OwnerReference Ref(KubeObject owner, bool block = false, string? uid = null) => new()
    {
        ApiVersion = owner.ApiVersion ?? "v1",
        Kind = owner.Kind ?? owner.GetType().Name,
        Name = owner.Metadata.Name!,
        Uid = uid ?? owner.Metadata.Uid!,
        BlockOwnerDeletion = block ? true : null,
    };

    public static Task<ConfigMap> CmAsync(IApiClient c, string ns, string name, params OwnerReference[] owners)
        => CmAsync(c, ns, name, null, owners);

    public static Task<ConfigMap> CmAsync(IApiClient c, string ns, string name, List<string>? finalizers, params OwnerReference[] owners)
        => c.CreateAsync(new ConfigMap
        {
            Metadata = new ObjectMeta
            {
                Name = name,
                Namespace = ns,
                OwnerReferences = owners.Length == 0 ? null : owners.ToList(),
                Finalizers = finalizers,
            },
            Data = new Dictionary<string, string> { ["k"] = name },
        });

    public static async Task<TObj?> TryGetAsync<TObj>(IApiClient c, string? ns, string name) where TObj : KubeObject
    {
        try { return await c.GetAsync<TObj>(ns, name); }
        catch (ApiStatusException e) when (e.IsNotFound) { return null; }
    }

    public static async Task<bool> GoneAsync<TObj>(IApiClient c, string? ns, string name) where TObj : KubeObject
        => await TryGetAsync<TObj>(c, ns, name) is null;

    /// <summary>Removes a finalizer (as the controller owning it would): a resourceVersion-checked merge patch; gone is fine.</summary>
    public static async Task RemoveFinalizerAsync<TObj>(IApiClient c, string? ns, string name, string finalizer) where TObj : KubeObject
    {
        while (true)
        {
            var o = await TryGetAsync<TObj>(c, ns, name);
            if (o is null) return; // gone already (another controller removed the last finalizer)
            var kept = (o.Metadata.Finalizers ?? []).Where(f => f != finalizer).ToList();
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["resourceVersion"] = o.Metadata.ResourceVersion,
                    ["finalizers"] = kept.Count == 0 ? null : JsonSerializer.SerializeToNode(kept),
                },
            };
            try { await c.PatchAsync<TObj>(ns, name, PatchType.Merge, patch.ToJsonString()); return; }
            catch (ApiStatusException e) when (e.IsConflict) { }
            catch (ApiStatusException e) when (e.IsNotFound) { return; }
        }
    }

    /// <summary>Polls until the condition holds, failing the test after the deadline.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> cond, string what, double seconds = 10)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await cond()) return;
            if (DateTime.UtcNow > until) Assert.Fail("timed out waiting for " + what);
            await Task.Delay(20);
        }
    }
}
