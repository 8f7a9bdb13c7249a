using System.Collections.Concurrent;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Storage;
using Berth.Client;
using Berth.Provisioners.Framework;
using Berth.Server.Client;
using Berth.Server.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Provisioners.Tests;

/// <summary>
/// A real Berth server in this process (SQLite in a temp dir, HTTPS on a free port) with the PV controller and the
/// protection controllers, but without the built-in local-path provisioner, the scheduler and the node agent: each test
/// runs the provisioner it is about.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public BerthServer Server { get; private set; } = null!;
    public string DataDir { get; } = TempDirectory.Create("berth-prov-");
    public IApiClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await BerthServer.StartAsync(new ServerOptions
        {
            DataDir = DataDir, Listen = "127.0.0.1:0",
            DisabledControllers = new HashSet<string>
            {
                ControllerNames.LocalPathProvisioner, ControllerNames.NodeAgent, ControllerNames.Scheduler,
                ControllerNames.StatefulSet, ControllerNames.Endpoints, ControllerNames.GarbageCollector,
            },
        }, NullLoggerFactory.Instance);
        Client = new InProcessClient(Server.Store);
    }

    public async Task DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
        TempDirectory.Delete(DataDir);
    }
}

/// <summary>A ProvisionController with its own informers, recorder and workers, running until disposed.</summary>
public sealed class RunningProvisioner : IAsyncDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _run;
    private readonly EventRecorder _events;

    public RunningProvisioner(IApiClient client, IVolumeProvisioner provisioner, string name, InformerFactory? shared = null)
    {
        var informers = shared ?? new InformerFactory(client);
        var options = new ProvisionControllerOptions { ProvisionerName = name, Workers = 4 };
        _events = new EventRecorder(client, options.Component);
        Controller = new ProvisionController(client, informers, provisioner, options, _events, NullLogger.Instance);
        if (shared is null) informers.StartAsync(_cts.Token); // a shared factory is started by its owner
        _run = Task.Run(() => Controller.RunAsync(options.Workers, _cts.Token));
    }

    public ProvisionController Controller { get; }

    public async ValueTask DisposeAsync()
    {
        _cts.Cancel();
        try { await _run.WaitAsync(TimeSpan.FromSeconds(10)); } catch (OperationCanceledException) { }
        await _events.DisposeAsync();
        _cts.Dispose();
    }
}

/// <summary>An in-memory backend: records calls, can fail a number of times first.</summary>
public sealed class FakeProvisioner : IVolumeProvisioner
{
    public ConcurrentDictionary<string, int> Provisioned { get; } = new();
    public ConcurrentQueue<string> Deleted { get; } = new();
    public ConcurrentQueue<(string Pv, long Bytes)> Expanded { get; } = new();
    public ConcurrentQueue<string?> SelectedNodes { get; } = new();
    public int FailProvisions;
    public int FailDeletes;
    public bool Reschedule;

    public Task<ProvisionedVolume> ProvisionAsync(ProvisionRequest request, CancellationToken ct)
    {
        SelectedNodes.Enqueue(request.SelectedNode?.Metadata.Name);
        if (Interlocked.Decrement(ref FailProvisions) >= 0) throw new ProvisioningException("disk on fire") { Reschedule = Reschedule };
        Provisioned.AddOrUpdate(request.PvName, 1, (_, n) => n + 1);
        return Task.FromResult(new ProvisionedVolume
        {
            SetSource = spec => spec.HostPath = new HostPathVolumeSource { Path = "/fake/" + request.PvName },
            Annotations = new Dictionary<string, string> { ["fake.example.com/id"] = request.PvName },
        });
    }

    public Task DeleteAsync(PersistentVolume volume, StorageClass? storageClass, CancellationToken ct)
    {
        if (Interlocked.Decrement(ref FailDeletes) >= 0) throw new ProvisioningException("device busy");
        Deleted.Enqueue(volume.Metadata.Name!);
        return Task.CompletedTask;
    }

    public Task<long> ExpandAsync(PersistentVolume volume, long newSizeBytes, CancellationToken ct)
    {
        Expanded.Enqueue((volume.Metadata.Name!, newSizeBytes));
        return Task.FromResult(newSizeBytes);
    }
}

public static class Objects
{
    public static StorageClass Class(string name, string provisioner, string mode = VolumeBindingModes.Immediate, string? reclaim = null,
        bool expand = false, List<string>? mountOptions = null, Dictionary<string, string>? parameters = null) => new()
    {
        Metadata = new ObjectMeta { Name = name },
        Provisioner = provisioner,
        VolumeBindingMode = mode,
        ReclaimPolicy = reclaim,
        AllowVolumeExpansion = expand,
        MountOptions = mountOptions,
        Parameters = parameters,
    };

    public static PersistentVolumeClaim Claim(string ns, string name, string? className, string size = "1Gi", string mode = "ReadWriteOnce") => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Spec = new PersistentVolumeClaimSpec
        {
            AccessModes = [mode],
            StorageClassName = className,
            Resources = new VolumeResourceRequirements { Requests = new() { ["storage"] = Quantity.Parse(size) } },
        },
    };

    public static async Task<string> NamespaceAsync(IApiClient client)
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..8];
        await client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = name } });
        return name;
    }

    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what, double seconds = 15) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await probe() is { } v) return v;
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException("timed out waiting for " + what);
            await Task.Delay(50);
        }
    }

    public static async Task<List<Event>> EventsAsync(IApiClient client, string ns, string objectName)
    {
        var list = await client.ListAsync<Event>(ns);
        return list.Items.Where(e => e.InvolvedObject?.Name == objectName).ToList();
    }

    public static async Task<Event> EventAsync(IApiClient client, string ns, string objectName, string reason, double seconds = 15)
        => await EventuallyAsync(async () => (await EventsAsync(client, ns, objectName)).FirstOrDefault(e => e.Reason == reason), $"event {reason} on {objectName}", seconds);

    public static async Task<PersistentVolume?> TryGetVolumeAsync(IApiClient client, string name)
    {
        try { return await client.GetAsync<PersistentVolume>(null, name); }
        catch (ApiStatusException e) when (e.IsNotFound) { return null; }
    }
}
