using System.Collections.Concurrent;
using System.Globalization;
using Berth.Api.Coordination;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Kubelet;

/// <summary>
/// The kubelet's role, as an ordinary API client (works in-process and over HTTPS): registers the Node, renews its Lease in
/// kube-node-lease, posts the Node's conditions, and runs the pods bound to it through an <see cref="IPodRuntime"/>.
/// <para>Pods are watched with <c>spec.nodeName=&lt;node&gt;</c>; each sync is level-triggered: start the pod if the runtime
/// does not run it (once its persistentVolumeClaims are Bound), write its status when it differs, and for a pod being
/// deleted stop it with its grace period and then finish the delete with grace 0. Runtime sandboxes without a pod are
/// stopped. After a restart, sandboxes the runtime still runs are adopted (their status is re-read, not restarted).</para>
/// </summary>
public sealed class NodeAgent
{
    public const string Component = "kubelet";
    public const string LeaseNamespace = "kube-node-lease";
    private const string ClaimsIndex = "claims";

    private readonly IApiClient _client;
    private readonly NodeAgentOptions _opts;
    private readonly ILogger _log;
    private readonly TimeProvider _clock;
    private readonly HostFacts _host;
    private readonly SharedInformer<Pod> _pods;
    private readonly SharedInformer<PersistentVolumeClaim> _claims;
    private readonly PodWorkers _workers;
    private readonly PodLaunchResolver _resolver;
    private readonly ConcurrentDictionary<string, Task> _stopping = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _mountWarned = new(StringComparer.Ordinal);
    private EventRecorder? _events;
    private string? _nodeUid;
    private int _started;
    private int _kubeletPort = 10250;

    public NodeAgent(IApiClient client, NodeAgentOptions? options = null, ILogger? log = null, TimeProvider? clock = null, HostFacts? host = null)
    {
        _client = client;
        _opts = options ?? new NodeAgentOptions();
        _log = log ?? NullLogger.Instance;
        _clock = clock ?? TimeProvider.System;
        _host = host ?? HostFacts.Read();
        Runtime = _opts.Runtime ?? new SimulatedRuntime(new SimulatedRuntimeOptions { StartDelay = _opts.StartDelay, ReadyDelay = _opts.ReadyDelay, StopDelay = _opts.StopDelay }, _clock);
        _pods = new SharedInformer<Pod>(client, null, new InformerOptions
        {
            FieldSelector = "spec.nodeName=" + NodeName,
            ResyncPeriod = _opts.PodResync,
        }, _log);
        _claims = _opts.SharedInformers?.For<PersistentVolumeClaim>() ?? new SharedInformer<PersistentVolumeClaim>(client, null, null, _log);
        _pods.AddIndex(ClaimsIndex, p => ClaimsOf(p).Select(c => p.Metadata.Namespace + "/" + c));
        _resolver = new PodLaunchResolver(client);
        _workers = new PodWorkers(this, _log);
        _workers.Wait(_pods);
        _workers.Wait(_claims);
        _pods.AddEventHandler(p => _workers.Enqueue(p), (_, p) => _workers.Enqueue(p), p => _workers.Enqueue(p));
        _claims.AddEventHandler(ClaimChanged, (_, c) => ClaimChanged(c), null);
    }

    public string NodeName => _opts.NodeName;
    public IPodRuntime Runtime { get; }

    /// <summary>Runs until <paramref name="ct"/> is cancelled (once per instance). Pods keep running in the runtime afterwards.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1) throw new InvalidOperationException("the node agent is already running");
        await using var events = new EventRecorder(_client, Component, NodeName, _log, _clock);
        _events = events;
        Action<PodRef> onChange = r => _workers.Queue.Add(KubeObjects.KeyOf(r.Namespace, r.Name));
        Runtime.PodChanged += onChange;
        await using var kubelet = _opts.KubeletServer is { } ks
            ? new Streaming.KubeletServer(ks, Runtime, (ns, name) => _pods.Get(KubeObjects.KeyOf(ns, name)), _log)
            : null;
        try
        {
            if (kubelet is not null)
            {
                await kubelet.StartAsync(ct);
                _kubeletPort = kubelet.Port;
            }
            await RegisterWithRetryAsync(ct);
            if (ct.IsCancellationRequested) return;
            _pods.Start(ct);
            _claims.Start(ct);
            var adopt = Task.Run(async () =>
            {
                try
                {
                    await _pods.WaitForSyncAsync(ct);
                    foreach (var s in Runtime.ListPods()) _workers.Queue.Add(KubeObjects.KeyOf(s.Pod.Namespace, s.Pod.Name));
                }
                catch (OperationCanceledException) { }
            }, CancellationToken.None);
            await Task.WhenAll(
                _workers.RunAsync(_opts.Workers, ct),
                LoopAsync("lease", _opts.LeaseRenewInterval, RenewLeaseAsync, ct),
                LoopAsync("node status", _opts.NodeStatusInterval, SyncNodeStatusAsync, ct),
                adopt);
        }
        finally
        {
            Runtime.PodChanged -= onChange;
            _events = null;
        }
    }

    private async Task LoopAsync(string what, TimeSpan period, Func<CancellationToken, Task> action, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try { await action(ct); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e) { _log.LogWarning("node {Node}: {What} update failed: {Error}", NodeName, what, e.Message); }
            try { await Task.Delay(period, _clock, ct); } catch (OperationCanceledException) { return; }
        }
    }

    // ------------------------------------------------------------------ node

    private async Task RegisterWithRetryAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await RegisterAsync(ct);
                _events?.Event(new Api.Core.Node { Metadata = new ObjectMeta { Name = NodeName, Uid = NodeName } }, EventRecorder.Normal, "Starting", "Starting kubelet.");
                return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                _log.LogWarning("node {Node}: registration failed: {Error}; retrying in {Delay}", NodeName, e.Message, delay);
                try { await Task.Delay(delay, _clock, ct); } catch (OperationCanceledException) { return; }
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 7000));
            }
        }
    }

    private Dictionary<string, string> NodeLabels() => new()
    {
        ["beta.kubernetes.io/arch"] = _host.Architecture,
        ["beta.kubernetes.io/os"] = _host.OperatingSystem,
        ["kubernetes.io/arch"] = _host.Architecture,
        ["kubernetes.io/hostname"] = NodeName,
        ["kubernetes.io/os"] = _host.OperatingSystem,
    };

    /// <summary>Creates the Node, or takes over an existing one (adding our labels), then posts its status.</summary>
    private async Task RegisterAsync(CancellationToken ct)
    {
        Api.Core.Node node;
        try
        {
            node = await _client.CreateAsync(new Api.Core.Node
            {
                Metadata = new ObjectMeta
                {
                    Name = NodeName,
                    Labels = NodeLabels(),
                    Annotations = new() { ["node.alpha.kubernetes.io/ttl"] = "0", ["volumes.kubernetes.io/controller-managed-attach-detach"] = "true" },
                },
                Spec = new NodeSpec(),
                Status = BuildNodeStatus(null),
            }, ct);
            _log.LogInformation("node {Node} registered", NodeName);
        }
        catch (ApiStatusException e) when (e.IsAlreadyExists)
        {
            node = await _client.GetAsync<Api.Core.Node>(null, NodeName, ct);
            var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
            bool changed = false;
            foreach (var (k, v) in NodeLabels())
                if (!labels.TryGetValue(k, out var cur) || cur != v) { labels[k] = v; changed = true; }
            if (changed)
            {
                node.Metadata.Labels = labels;
                node = await _client.UpdateAsync(node, ct);
            }
            _log.LogInformation("node {Node} already registered; taking it over", NodeName);
        }
        _nodeUid = node.Metadata.Uid;
        await PostNodeStatusAsync(node, ct);
    }

    private async Task SyncNodeStatusAsync(CancellationToken ct)
    {
        Api.Core.Node node;
        try { node = await _client.GetAsync<Api.Core.Node>(null, NodeName, ct); }
        catch (ApiStatusException e) when (e.IsNotFound)
        {
            _log.LogWarning("node {Node} was deleted; registering again", NodeName);
            await RegisterAsync(ct);
            return;
        }
        _nodeUid = node.Metadata.Uid;
        await PostNodeStatusAsync(node, ct);
    }

    private async Task PostNodeStatusAsync(Api.Core.Node node, CancellationToken ct)
    {
        node.Status = BuildNodeStatus(node.Status);
        await _client.UpdateStatusAsync(node, ct);
    }

    /// <summary>The node's status; conditions keep their lastTransitionTime while their status holds, heartbeats are now.</summary>
    public NodeStatus BuildNodeStatus(NodeStatus? old)
    {
        var now = PodStatusBuilder.Truncate(_clock.GetUtcNow());
        var capacity = new Dictionary<string, Quantity>
        {
            ["cpu"] = Quantity.Parse(_host.Cpus.ToString(CultureInfo.InvariantCulture)),
            ["ephemeral-storage"] = Quantity.Parse(((_host.EphemeralStorageBytes / 1024).ToString(CultureInfo.InvariantCulture)) + "Ki"),
            ["hugepages-1Gi"] = Quantity.Parse("0"),
            ["hugepages-2Mi"] = Quantity.Parse("0"),
            ["memory"] = Quantity.Parse(_host.MemoryKiB.ToString(CultureInfo.InvariantCulture) + "Ki"),
            ["pods"] = Quantity.Parse(_opts.MaxPods.ToString(CultureInfo.InvariantCulture)),
        };
        NodeCondition Cond(string type, string status, string reason, string message)
        {
            var prior = old?.Conditions?.FirstOrDefault(c => c.Type == type);
            return new NodeCondition
            {
                Type = type, Status = status, Reason = reason, Message = message, LastHeartbeatTime = now,
                LastTransitionTime = prior is not null && prior.Status == status && prior.LastTransitionTime is not null ? prior.LastTransitionTime : now,
            };
        }
        var status = old ?? new NodeStatus();
        status.Capacity = capacity;
        status.Allocatable = new Dictionary<string, Quantity>(capacity);
        status.Conditions =
        [
            Cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            Cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            Cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            Cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ];
        status.Addresses =
        [
            new NodeAddress { Type = "InternalIP", Address = _opts.InternalIP },
            new NodeAddress { Type = "Hostname", Address = NodeName },
        ];
        status.DaemonEndpoints = new NodeDaemonEndpoints { KubeletEndpoint = new DaemonEndpoint { Port = _kubeletPort } };
        status.NodeInfo = new NodeSystemInfo
        {
            MachineID = _host.MachineId,
            SystemUUID = _host.MachineId,
            BootID = _host.BootId,
            KernelVersion = _host.KernelVersion,
            OsImage = _host.OsImage,
            ContainerRuntimeVersion = Runtime.RuntimeVersion,
            KubeletVersion = _opts.KubeletVersion,
            KubeProxyVersion = "",
            OperatingSystem = _host.OperatingSystem,
            Architecture = _host.Architecture,
        };
        return status;
    }

    private async Task RenewLeaseAsync(CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        Lease lease;
        try { lease = await _client.GetAsync<Lease>(LeaseNamespace, NodeName, ct); }
        catch (ApiStatusException e) when (e.IsNotFound)
        {
            await _client.CreateAsync(new Lease
            {
                Metadata = new ObjectMeta
                {
                    Name = NodeName,
                    Namespace = LeaseNamespace,
                    OwnerReferences = _nodeUid is null ? null : [new OwnerReference { ApiVersion = "v1", Kind = "Node", Name = NodeName, Uid = _nodeUid }],
                },
                Spec = new LeaseSpec { HolderIdentity = NodeName, LeaseDurationSeconds = _opts.LeaseDurationSeconds, RenewTime = now },
            }, ct);
            return;
        }
        lease.Spec ??= new LeaseSpec();
        lease.Spec.HolderIdentity = NodeName;
        lease.Spec.LeaseDurationSeconds = _opts.LeaseDurationSeconds;
        lease.Spec.RenewTime = now;
        if (_nodeUid is not null && lease.Metadata.OwnerReferences is not { Count: > 0 })
            lease.Metadata.OwnerReferences = [new OwnerReference { ApiVersion = "v1", Kind = "Node", Name = NodeName, Uid = _nodeUid }];
        await _client.UpdateAsync(lease, ct); // a 409 (someone else wrote it) is retried on the next tick
    }

    // ------------------------------------------------------------------ pods

    private static IEnumerable<string> ClaimsOf(Pod p)
        => (p.Spec?.Volumes ?? []).Where(v => v.PersistentVolumeClaim?.ClaimName is { Length: > 0 }).Select(v => v.PersistentVolumeClaim!.ClaimName!);

    private void ClaimChanged(PersistentVolumeClaim c)
    {
        foreach (var p in _pods.ByIndex(ClaimsIndex, KubeObjects.KeyOf(c))) _workers.Enqueue(p);
    }

    private sealed class PodWorkers(NodeAgent agent, ILogger log) : Controller("node-agent", log)
    {
        public void Wait(ISharedInformer informer) => WaitFor(informer);
        protected override Task SyncAsync(string key, CancellationToken ct) => agent.SyncPodAsync(key, ct);
    }

    private DateTimeOffset Now => _clock.GetUtcNow();

    private async Task SyncPodAsync(string key, CancellationToken ct)
    {
        var (ns, name) = KubeObjects.SplitKey(key);
        var pod = _pods.Get(key);

        // Sandboxes for this name that belong to no current pod (deleted, or replaced by a pod with a new uid). Looked for
        // only while the current pod has no sandbox: an orphan is found before its replacement starts, and listing every
        // sandbox on each status sync would cost O(pods) per sync.
        if (pod?.Metadata.Uid is not { } current || Runtime.Status(current) is null)
            foreach (var s in Runtime.ListPods())
                if (s.Pod.Namespace == (ns ?? "") && s.Pod.Name == name && s.Pod.Uid != pod?.Metadata.Uid && !_stopping.ContainsKey(s.Pod.Uid))
                {
                    _log.LogInformation("node {Node}: stopping orphaned pod {Key} ({Uid})", NodeName, key, s.Pod.Uid);
                    StartStop(key, new Pod { Metadata = new ObjectMeta { Namespace = s.Pod.Namespace, Name = s.Pod.Name, Uid = s.Pod.Uid } }, 0, ct);
                }

        if (pod is null || pod.Spec?.NodeName != NodeName || pod.Metadata.Uid is not { } uid) return;

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            await TerminateAsync(key, pod, uid, ct);
            return;
        }

        if (Runtime.Status(uid) is null)
        {
            if (pod.Status?.Phase is "Succeeded" or "Failed") return; // finished pods are never started again
            var unbound = (pod.Spec?.Volumes ?? [])
                .Where(v => v.PersistentVolumeClaim?.ClaimName is { Length: > 0 } c && _claims.Get(ns, c)?.Status?.Phase != "Bound")
                .ToList();
            if (unbound.Count > 0)
            {
                if (_mountWarned.TryAdd(uid, 0))
                {
                    var vols = string.Join(" ", unbound.Select(v => v.Name));
                    var claim = unbound[0].PersistentVolumeClaim!.ClaimName;
                    _events?.Event(pod, EventRecorder.Warning, "FailedMount",
                        $"Unable to attach or mount volumes: unmounted volumes=[{vols}], unattached volumes=[{vols}]: error processing PVC {ns}/{claim}: PVC is not bound");
                }
                await WriteStatusAsync(pod, p => PodStatusBuilder.Waiting(p, _opts.InternalIP, Now), ct);
                return; // the claim's change re-queues the pod
            }
            _mountWarned.TryRemove(uid, out _);
            try
            {
                var launch = await _resolver.ResolveAsync(pod, c => _claims.Get(ns, c), ct);
                await Runtime.StartPodAsync(launch, ct);
            }
            catch (Exception e) when (e is PodLaunchException or InvalidOperationException or IOException)
            {
                // A missing configMap/secret or a volume that cannot be set up: say so, and retry with the queue's back-off.
                var configError = e is PodLaunchException { Reason: "CreateContainerConfigError" };
                _events?.Event(pod, EventRecorder.Warning, configError ? "Failed" : "FailedMount", configError ? "Error: " + e.Message : e.Message);
                await WriteStatusAsync(pod, p => PodStatusBuilder.Waiting(p, _opts.InternalIP, Now, configError ? "CreateContainerConfigError" : "ContainerCreating"), ct);
                throw;
            }
            foreach (var c in pod.Spec?.Containers ?? [])
            {
                _events?.Event(pod, EventRecorder.Normal, "Pulled", $"Container image \"{c.Image}\" already present on machine");
                _events?.Event(pod, EventRecorder.Normal, "Created", $"Created container: {c.Name}");
                _events?.Event(pod, EventRecorder.Normal, "Started", $"Started container {c.Name}");
            }
        }

        var sandbox = Runtime.Status(uid);
        if (sandbox is null) return; // stopped meanwhile; the runtime's event re-queues
        await WriteStatusAsync(pod, p => PodStatusBuilder.FromSandbox(p, Runtime.Status(uid) ?? sandbox, _opts.InternalIP, Now), ct);
    }

    private void StartStop(string key, Pod pod, long grace, CancellationToken ct)
    {
        var uid = pod.Metadata.Uid!;
        Task? started = null;
        var stopping = _stopping.GetOrAdd(uid, _ => started = Task.Run(() => Runtime.StopPodAsync(pod, grace, ct), CancellationToken.None));
        // The pod is re-queued by a continuation, once the task is complete: re-queued from inside the task (a finally),
        // the worker could look before the task counted as completed, return, and leave the pod terminating until the
        // next resync (a minute).
        if (ReferenceEquals(started, stopping))
            stopping.ContinueWith(_ => _workers.Queue.Add(key), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task TerminateAsync(string key, Pod pod, string uid, CancellationToken ct)
    {
        if (_stopping.TryGetValue(uid, out var stopping))
        {
            if (!stopping.IsCompleted) return; // its completion re-queues the pod
            _stopping.TryRemove(uid, out _);
            await stopping; // a failed stop throws: retried with backoff
        }
        if (Runtime.Status(uid) is not null)
        {
            var grace = pod.Metadata.DeletionGracePeriodSeconds ?? pod.Spec?.TerminationGracePeriodSeconds ?? 30;
            foreach (var c in pod.Spec?.Containers ?? [])
                _events?.Event(pod, EventRecorder.Normal, "Killing", $"Stopping container {c.Name}");
            StartStop(key, pod, grace, ct);
            return;
        }
        _mountWarned.TryRemove(uid, out _);
        try
        {
            await _client.DeleteAsync<Pod>(pod.Metadata.Namespace, pod.Metadata.Name!, new DeleteRequest { GracePeriodSeconds = 0, PreconditionUid = uid }, ct);
        }
        catch (ApiStatusException e) when (e.IsNotFound || e.IsConflict) { } // gone, or replaced by a pod with another uid
    }

    /// <summary>Writes the status <paramref name="build"/> computes, if it differs; on a conflict re-reads the pod once.</summary>
    private async Task WriteStatusAsync(Pod pod, Func<Pod, PodStatus> build, CancellationToken ct)
    {
        var status = build(pod);
        if (PodStatusBuilder.Same(status, pod.Status)) return;
        try
        {
            await _client.UpdateStatusAsync(KubeObjects.WithStatus(pod, status), ct);
            return;
        }
        catch (ApiStatusException e) when (e.IsNotFound) { return; }
        catch (ApiStatusException e) when (e.IsConflict) { }
        Pod fresh;
        try { fresh = await _client.GetAsync<Pod>(pod.Metadata.Namespace, pod.Metadata.Name!, ct); }
        catch (ApiStatusException e) when (e.IsNotFound) { return; }
        if (fresh.Metadata.Uid != pod.Metadata.Uid || fresh.Metadata.DeletionTimestamp is not null) { _workers.Queue.Add(KubeObjects.KeyOf(pod)); return; }
        status = build(fresh);
        if (PodStatusBuilder.Same(status, fresh.Status)) return;
        fresh.Status = status;
        await _client.UpdateStatusAsync(fresh, ct); // a second conflict is retried with backoff
    }
}
