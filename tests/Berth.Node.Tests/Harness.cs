using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;
using Berth.Server.Client;
using Berth.Server.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Kubelet.Tests;

/// <summary>One real Berth server (SQLite in a temp dir, HTTPS on a free loopback port) per test class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public BerthServer Server { get; private set; } = null!;
    public IApiClient Client { get; private set; } = null!;
    private string _dir = "";

    public async Task InitializeAsync()
    {
        _dir = TempDirectory.Create("berth-node-");
        Server = await BerthServer.StartAsync(new ServerOptions { DataDir = _dir, Listen = "127.0.0.1:0", DisabledControllers = new HashSet<string> { ControllerNames.NodeAgent, ControllerNames.Endpoints, ControllerNames.Scheduler } }, NullLoggerFactory.Instance);
        Client = new InProcessClient(Server.Store);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        TempDirectory.Delete(_dir);
    }
}

/// <summary>A running NodeAgent; disposing stops it.</summary>
public sealed class RunningAgent : IAsyncDisposable
{
    private readonly CancellationTokenSource _cts = new();
    public NodeAgent Agent { get; }
    public SimulatedRuntime Runtime { get; }
    public Task Run { get; }

    private RunningAgent(NodeAgent agent, SimulatedRuntime runtime)
    {
        Agent = agent;
        Runtime = runtime;
        Run = Task.Run(() => agent.RunAsync(_cts.Token));
    }

    public static SimulatedRuntimeOptions FastRuntime => new()
    {
        RunDuration = TimeSpan.FromMilliseconds(150),
        RestartBackoff = TimeSpan.FromMilliseconds(300),
        MaxRestartBackoff = TimeSpan.FromSeconds(1),
    };

    public static RunningAgent Start(IApiClient client, string nodeName, SimulatedRuntime? runtime = null, TimeSpan? leaseEvery = null,
        TimeSpan? podResync = null)
    {
        runtime ??= new SimulatedRuntime(FastRuntime);
        var agent = new NodeAgent(client, new NodeAgentOptions
        {
            NodeName = nodeName,
            Runtime = runtime,
            LeaseRenewInterval = leaseEvery ?? TimeSpan.FromSeconds(10),
            PodResync = podResync ?? TimeSpan.FromSeconds(5),
        });
        return new RunningAgent(agent, runtime);
    }

    public async ValueTask DisposeAsync()
    {
        _cts.Cancel();
        try { await Run.WaitAsync(TimeSpan.FromSeconds(10)); } catch (OperationCanceledException) { }
        _cts.Dispose();
    }
}

public static class T
{
    private static int _n;

    public static string Unique(string prefix) => $"{prefix}-{Interlocked.Increment(ref _n)}-{Guid.NewGuid().ToString("N")[..5]}";

    public static async Task<string> NamespaceAsync(IApiClient c)
    {
        var name = Unique("ns");
        await c.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = name } });
        return name;
    }

    public static Pod Pod(string ns, string name, string node, Dictionary<string, string>? annotations = null, string? restartPolicy = null,
        Dictionary<string, string>? labels = null, long? grace = null, string? hostname = null, string? subdomain = null, string? claim = null) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns, Annotations = annotations, Labels = labels },
        Spec = new PodSpec
        {
            NodeName = node,
            RestartPolicy = restartPolicy,
            TerminationGracePeriodSeconds = grace,
            Hostname = hostname,
            Subdomain = subdomain,
            Containers = [new Container
            {
                Name = "nginx", Image = "nginx:1.27",
                Ports = [new ContainerPort { Name = "web", ContainerPortNumber = 80 }],
                VolumeMounts = claim is null ? null : [new VolumeMount { Name = "data", MountPath = "/data" }],
            }],
            Volumes = claim is null ? null : [new Volume { Name = "data", PersistentVolumeClaim = new PersistentVolumeClaimVolumeSource { ClaimName = claim } }],
        },
    };

    /// <summary>Polls until <paramref name="probe"/> returns non-null; fails with the last value seen otherwise.</summary>
    public static async Task<TR> EventuallyAsync<TR>(Func<Task<TR?>> probe, string what, double seconds = 10) where TR : class
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        Exception? last = null;
        while (DateTime.UtcNow < until)
        {
            try
            {
                if (await probe() is { } r) return r;
            }
            catch (ApiStatusException e) { last = e; }
            await Task.Delay(50);
        }
        Assert.Fail($"timed out after {seconds}s waiting for {what}{(last is null ? "" : ": " + last.Message)}");
        return null!;
    }

    public static Task<Pod> PodWhereAsync(IApiClient c, string ns, string name, Func<Pod, bool> cond, string what, double seconds = 10)
        => EventuallyAsync(async () =>
        {
            var p = await c.GetAsync<Pod>(ns, name);
            return cond(p) ? p : null;
        }, $"pod {name}: {what}", seconds);

    public static string? Cond(Pod p, string type) => p.Status?.Conditions?.FirstOrDefault(c => c.Type == type)?.Status;
}
