using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Storage;
using Berth.Client;
using Berth.Server.Client;
using Berth.Server.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Scheduling.Tests;

/// <summary>A real Berth server in this process (which runs the PV controller) plus the scheduler under test.</summary>
public sealed class Cluster : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private BerthServer _server = null!;
    private EventRecorder _events = null!;
    private Task _running = Task.CompletedTask;
    private string _dir = "";

    public IApiClient Client { get; private set; } = null!;
    public Scheduler Scheduler { get; private set; } = null!;
    public const string Ns = "default";

    /// <param name="schedulerView">What the scheduler talks through (default: the in-process client itself).</param>
    public static async Task<Cluster> StartAsync(Func<IApiClient, IApiClient>? schedulerView = null)
    {
        var c = new Cluster { _dir = TempDirectory.Create("berth-sched-") };
        c._server = await BerthServer.StartAsync(new ServerOptions { DataDir = c._dir, Listen = "127.0.0.1:0", DisabledControllers = new HashSet<string> { ControllerNames.Scheduler, ControllerNames.NodeAgent } }, NullLoggerFactory.Instance);
        c.Client = new InProcessClient(c._server.Store);
        var client = schedulerView?.Invoke(c.Client) ?? c.Client;
        var informers = new InformerFactory(client);
        c._events = new EventRecorder(c.Client, Scheduler.SchedulerName);
        c.Scheduler = new Scheduler(client, informers, c._events, null);
        await informers.StartAsync(c._stop.Token);
        c._running = c.Scheduler.RunAsync(2, c._stop.Token);
        return c;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { await _running.WaitAsync(TimeSpan.FromSeconds(10)); } catch (Exception) { }
        await _events.DisposeAsync();
        await _server.DisposeAsync();
        TempDirectory.Delete(_dir);
    }

    // ------------------------------------------------------------------ objects

    public static Dictionary<string, Quantity> Q(params (string K, string V)[] kv) => kv.ToDictionary(x => x.K, x => Quantity.Parse(x.V));

    public Task<Node> NodeAsync(string name, string cpu = "4", string memory = "8Gi", bool ready = true, Dictionary<string, string>? labels = null)
    {
        var l = labels ?? new Dictionary<string, string>();
        l.TryAdd("kubernetes.io/hostname", name);
        return Client.CreateAsync(new Node
        {
            Metadata = new ObjectMeta { Name = name, Labels = l },
            Status = new NodeStatus
            {
                Capacity = Q(("cpu", cpu), ("memory", memory), ("pods", "110")),
                Allocatable = Q(("cpu", cpu), ("memory", memory), ("pods", "110")),
                Conditions = [new NodeCondition { Type = "Ready", Status = ready ? "True" : "False", Reason = "KubeletReady" }],
            },
        });
    }

    public Task<StorageClass> ClassAsync(string name, string provisioner, string mode)
        => Client.CreateAsync(new StorageClass { Metadata = new ObjectMeta { Name = name }, Provisioner = provisioner, VolumeBindingMode = mode });

    public Task<PersistentVolume> VolumeAsync(string name, string size, string cls, string? node = null, ObjectReference? claimRef = null)
        => Client.CreateAsync(new PersistentVolume
        {
            Metadata = new ObjectMeta { Name = name },
            Spec = new PersistentVolumeSpec
            {
                Capacity = Q(("storage", size)),
                AccessModes = ["ReadWriteOnce"],
                StorageClassName = cls,
                ClaimRef = claimRef,
                HostPath = node is null ? new HostPathVolumeSource { Path = "/tmp/" + name } : null,
                Local = node is null ? null : new LocalVolumeSource { Path = "/mnt/" + name },
                NodeAffinity = node is null ? null : new VolumeNodeAffinity
                {
                    Required = new NodeSelector
                    {
                        NodeSelectorTerms = [new NodeSelectorTerm { MatchExpressions = [new NodeSelectorRequirement { Key = "kubernetes.io/hostname", Operator = "In", Values = [node] }] }],
                    },
                },
            },
        });

    public Task<PersistentVolumeClaim> ClaimAsync(string name, string size, string cls, List<string>? finalizers = null)
        => Client.CreateAsync(new PersistentVolumeClaim
        {
            Metadata = new ObjectMeta { Name = name, Namespace = Ns, Finalizers = finalizers },
            Spec = new PersistentVolumeClaimSpec
            {
                AccessModes = ["ReadWriteOnce"],
                StorageClassName = cls,
                Resources = new VolumeResourceRequirements { Requests = Q(("storage", size)) },
            },
        });

    public Task<Pod> PodAsync(string name, string[]? claims = null, string? cpu = null, Dictionary<string, string>? nodeSelector = null)
        => Client.CreateAsync(new Pod
        {
            Metadata = new ObjectMeta { Name = name, Namespace = Ns },
            Spec = new PodSpec
            {
                Containers = [new Container
                {
                    Name = "c", Image = "nginx",
                    Resources = cpu is null ? null : new ResourceRequirements { Requests = Q(("cpu", cpu)) },
                }],
                NodeSelector = nodeSelector,
                Volumes = (claims ?? []).Select((c, i) => new Volume { Name = "v" + i, PersistentVolumeClaim = new PersistentVolumeClaimVolumeSource { ClaimName = c } }).ToList(),
            },
        });

    // ------------------------------------------------------------------ waiting

    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what, int seconds = 20) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var v = await probe();
            if (v is not null) return v;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("timed out waiting for " + what);
            await Task.Delay(50);
        }
    }

    public Task<Pod> ScheduledAsync(string pod, int seconds = 20)
        => EventuallyAsync(async () =>
        {
            var p = await Client.GetAsync<Pod>(Ns, pod);
            return string.IsNullOrEmpty(p.Spec?.NodeName) ? null : p;
        }, $"pod {pod} to be scheduled", seconds);

    /// <summary>The first event about the object with this reason (and, if given, a message containing <paramref name="contains"/>).</summary>
    public Task<Event> EventAsync(string name, string reason, string? contains = null, int seconds = 20)
        => EventuallyAsync(async () =>
        {
            var list = await Client.ListAsync<Event>(Ns);
            return list.Items.FirstOrDefault(e => e.InvolvedObject?.Name == name && e.Reason == reason
                && (contains is null || (e.Message ?? "").Contains(contains, StringComparison.Ordinal)));
        }, $"event {reason} on {name}", seconds);

    public async Task<PodCondition?> ScheduledConditionAsync(string pod)
        => (await Client.GetAsync<Pod>(Ns, pod)).Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
}
