using System.Diagnostics;
using Berth.Api.Core;
using Berth.Kubelet.Images;
using Berth.Kubelet.Network;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Kubelet.Runc;

public sealed record ProcessRuntimeOptions
{
    /// <summary>The runtime's state: pods/UID/… (bundles, writable layers, logs, volumes), the shim binary, image files.</summary>
    public required string StateDir { get; init; }
    public required IPodNetwork Network { get; init; }
    /// <summary>Volume plugins for persistent volume kinds beyond hostPath and local (NFS, RBD…).</summary>
    public IReadOnlyList<IVolumeMounter> Mounters { get; init; } = [];
    /// <summary>First restart back-off (after the immediate first restart); doubles up to <see cref="MaxBackoff"/>. Kubelet: 10 s, 5 min.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>How often a running container's exit file is looked for.</summary>
    public TimeSpan ExitPoll { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>The store <c>berth image import</c> fills (DATA/images); null: built-in images only.</summary>
    public string? ImageStoreDir { get; init; }
}

/// <summary>
/// Runs pods as runc containers ("berth-runc://1.1"): per pod a network namespace from <see cref="IPodNetwork"/>, the
/// kubelet's /etc files and the volumes; per container an OCI bundle whose root is an overlay of the host's <c>/</c> with
/// a writable layer that lasts as long as the pod, tini as PID 1, and a shim (ours, in C) that outlives the agent, writes
/// the CRI log and records the exit code. Everything is kept under <see cref="ProcessRuntimeOptions.StateDir"/>/pods, so a
/// restarted agent adopts the pods that still run.
/// </summary>
public sealed class ProcessRuntime : IPodRuntime, Streaming.IAttachTarget
{
    private readonly object _lock = new();
    private readonly Dictionary<string, ProcessPod> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SemaphoreSlim> _starting = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _detach = new();

    public ProcessRuntime(ProcessRuntimeOptions options, ILogger? log = null)
    {
        Options = options;
        Log = log ?? NullLogger.Instance;
        Directory.CreateDirectory(options.StateDir);
        Tools = HostTools.Find(options.StateDir);
        Images = new ImageCatalog(options.StateDir, options.ImageStoreDir is { } images ? new ImageStore(images) : null);
        Cgroups = new Cgroups();
        // Shims re-parent to us rather than to init while we run (we reap them when their container ends).
        Native.BecomeSubreaper();
        Adopt();
    }

    public string RuntimeVersion => "berth-runc://1.1";
    public event Action<PodRef>? PodChanged;

    /// <summary>
    /// Stops watching the pods without touching them (the agent is going away): containers keep running, their shims keep
    /// logging, and the next runtime over the same state directory adopts them.
    /// </summary>
    public void Detach() => _detach.Cancel();

    internal CancellationToken Detached => _detach.Token;
    internal ProcessRuntimeOptions Options { get; }
    internal ILogger Log { get; }
    internal HostTools Tools { get; }
    internal ImageCatalog Images { get; }
    internal Cgroups Cgroups { get; }
    private string PodsDir => Path.Combine(Options.StateDir, "pods");

    internal void RaiseChanged(PodRef r)
    {
        try { PodChanged?.Invoke(r); } catch { /* a subscriber's failure is not the runtime's */ }
    }

    internal Task<CommandRunner.Result> Runc(IEnumerable<string> args, TimeSpan timeout, CancellationToken ct = default)
        => CommandRunner.RunAsync(Tools.Runc, args, timeout, ct);

    // ------------------------------------------------------------------ IPodRuntime

    public Task<PodSandboxStatus> StartPodAsync(Pod pod, CancellationToken ct) => StartPodAsync(new PodLaunch(pod), ct);

    public async Task<PodSandboxStatus> StartPodAsync(PodLaunch launch, CancellationToken ct)
    {
        var pod = launch.Pod;
        var uid = pod.Metadata.Uid ?? throw new ArgumentException("pod has no uid");
        SemaphoreSlim gate;
        lock (_lock)
        {
            if (_pods.TryGetValue(uid, out var existing)) return existing.Snapshot();
            if (!_starting.TryGetValue(uid, out gate!)) _starting[uid] = gate = new SemaphoreSlim(1, 1);
        }
        await gate.WaitAsync(ct);
        try
        {
            lock (_lock) if (_pods.TryGetValue(uid, out var existing)) return existing.Snapshot();
            var dir = Path.Combine(PodsDir, uid);
            Directory.CreateDirectory(dir);
            var record = new PodRecord
            {
                Uid = uid,
                Namespace = pod.Metadata.Namespace ?? "",
                Name = pod.Metadata.Name ?? "",
                CreatedAt = PodStatusBuilder.Truncate(DateTimeOffset.UtcNow),
                Pod = pod,
                ClaimVolumes = new Dictionary<string, PersistentVolume>(launch.ClaimVolumes),
            };
            var p = new ProcessPod(this, record, dir);
            p.Volumes = await PodVolumes.SetUpAsync(launch, dir, Options.Mounters, ct);
            if (pod.Spec?.HostNetwork == true) record.Ip = pod.Status?.HostIP ?? "127.0.0.1";
            else
            {
                var net = await Options.Network.SetUpAsync(new PodNetworkRequest(record.Namespace, record.Name, uid, p.Hostname, pod.Spec?.Subdomain), ct);
                record.Ip = net.Ip;
                record.NetnsPath = net.NetnsPath;
            }
            WriteEtcFiles(p);
            StateFiles.Write(Path.Combine(dir, "pod.json"), record);
            foreach (var c in pod.Spec?.InitContainers ?? []) p.InitContainers.Add(new ContainerRunner(p, this, c, null, isInit: true));
            foreach (var c in pod.Spec?.Containers ?? []) p.Containers.Add(new ContainerRunner(p, this, c, null));
            lock (_lock) _pods[uid] = p;
            p.Run();
            p.Changed();
            return p.Snapshot();
        }
        finally
        {
            gate.Release();
            lock (_lock) _starting.Remove(uid);
        }
    }

    public async Task StopPodAsync(Pod pod, long gracePeriodSeconds, CancellationToken ct)
    {
        var uid = pod.Metadata.Uid ?? "";
        ProcessPod? p;
        lock (_lock) _pods.TryGetValue(uid, out p);
        if (p is null)
        {
            // Not adopted (e.g. half-created before a crash): still clean what is on disk.
            var dir = Path.Combine(PodsDir, uid);
            if (uid.Length > 0 && Directory.Exists(dir)) await CleanUpAsync(dir, uid, null, ct);
            return;
        }
        p.Terminating = true;
        p.Changed();
        var grace = TimeSpan.FromSeconds(Math.Max(0, gracePeriodSeconds));
        var stops = new List<Task>();
        foreach (var c in p.All) stops.Add(c.StopAsync(grace));
        await Task.WhenAll(stops);
        await CleanUpAsync(p.Dir, uid, p.Volumes, ct);
        lock (_lock) _pods.Remove(uid);
        p.Changed();
    }

    private async Task CleanUpAsync(string dir, string uid, IReadOnlyDictionary<string, HostVolume>? volumes, CancellationToken ct)
    {
        var containers = Path.Combine(dir, "containers");
        if (Directory.Exists(containers))
            foreach (var c in Directory.GetDirectories(containers))
            {
                var rec = StateFiles.Read<ContainerRecord>(Path.Combine(c, "state.json"));
                if (rec is { RunId.Length: > 0 }) await Runc(["delete", "-f", rec.RunId], TimeSpan.FromSeconds(10), ct);
                Native.Unmount(Path.Combine(c, "rootfs"));
            }
        await PodVolumes.TearDownAsync(dir, volumes, ct);
        await Options.Network.TearDownAsync(uid, ct);
        // Never delete through a mount that is still there (a volume's data would go with it).
        if (Native.MountsUnder(dir) is { } busy)
        {
            Log.LogWarning("pod {Uid}: {Mount} is still mounted; keeping {Dir}", uid, busy, dir);
            return;
        }
        try { Directory.Delete(dir, true); }
        catch (IOException e) { Log.LogWarning("pod {Uid}: cannot remove {Dir}: {Error}", uid, dir, e.Message); }
    }

    public PodSandboxStatus? Status(string podUid)
    {
        ProcessPod? p;
        lock (_lock) _pods.TryGetValue(podUid, out p);
        return p?.Snapshot();
    }

    public IReadOnlyList<PodSandboxStatus> ListPods()
    {
        var all = new List<ProcessPod>();
        lock (_lock) all.AddRange(_pods.Values);
        var list = new List<PodSandboxStatus>(all.Count);
        foreach (var p in all) list.Add(p.Snapshot());
        return list;
    }

    public string? ContainerLogPath(string podUid, string containerName, bool previous)
    {
        ProcessPod? p;
        lock (_lock) _pods.TryGetValue(podUid, out p);
        return p?.Container(containerName)?.LogPath(previous);
    }

    public async Task<int> ExecAsync(string podUid, string containerName, IReadOnlyList<string> command, ExecStreams streams, CancellationToken ct)
    {
        ProcessPod? p;
        lock (_lock) _pods.TryGetValue(podUid, out p);
        if (p is null) throw new InvalidOperationException($"pod with uid {podUid} does not run on this node");
        var c = p.Container(containerName) ?? throw new InvalidOperationException($"container {containerName} is not valid for pod {p.Ref.Name}");
        var id = c.RunningId ?? throw new InvalidOperationException($"container {containerName} is not running");
        if (command.Count == 0) throw new InvalidOperationException("you must specify at least one command for the container");
        return await ContainerExec.RunAsync(Tools.Runc, id, command, streams, ct);
    }

    public Stream? OpenStdin(string podUid, string containerName)
    {
        ProcessPod? p;
        lock (_lock) _pods.TryGetValue(podUid, out p);
        return p?.Container(containerName)?.OpenStdin();
    }

    // ------------------------------------------------------------------ files and adoption

    private void WriteEtcFiles(ProcessPod p)
    {
        var etc = Path.Combine(p.Dir, "etc");
        Directory.CreateDirectory(etc);
        var pod = p.Record.Pod;
        var ip = p.Record.Ip ?? "";
        File.WriteAllText(Path.Combine(etc, "hosts"), pod.Spec?.HostNetwork == true ? File.ReadAllText("/etc/hosts") : PodEtcFiles.Hosts(pod, ip, Options.Network.ClusterDomain));
        File.WriteAllText(Path.Combine(etc, "resolv.conf"), PodEtcFiles.ResolvConf(pod, Options.Network.DnsServer, Options.Network.ClusterDomain));
        File.WriteAllText(Path.Combine(etc, "hostname"), p.Hostname + "\n");
    }

    /// <summary>Takes over the pods a previous agent left running (their records under pods/).</summary>
    private void Adopt()
    {
        if (!Directory.Exists(PodsDir)) return;
        var sw = Stopwatch.StartNew();
        foreach (var dir in Directory.GetDirectories(PodsDir))
        {
            var record = StateFiles.Read<PodRecord>(Path.Combine(dir, "pod.json"));
            if (record is null || record.Uid.Length == 0)
            {
                // A start that crashed before its record: nothing runs there (the agent restarts the pod afresh).
                Log.LogInformation("removing incomplete pod state {Dir}", dir);
                _ = CleanUpAsync(dir, Path.GetFileName(dir), null, CancellationToken.None);
                continue;
            }
            var p = new ProcessPod(this, record, dir);
            // Volumes are re-resolved from what is on disk (mounters are idempotent).
            var volumes = new Dictionary<string, HostVolume>(StringComparer.Ordinal);
            try
            {
                volumes = PodVolumes.SetUpAsync(new PodLaunch(record.Pod) { ClaimVolumes = record.ClaimVolumes, VolumeFiles = ExistingFiles(dir, record.Pod) }, dir, Options.Mounters, CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException) { Log.LogWarning("pod {Uid}: volumes: {Error}", record.Uid, e.Message); }
            p.Volumes = volumes;
            ContainerRecord? Rec(Container c) => StateFiles.Read<ContainerRecord>(Path.Combine(dir, "containers", c.Name ?? "", "state.json"));
            foreach (var c in record.Pod.Spec?.InitContainers ?? []) p.InitContainers.Add(new ContainerRunner(p, this, c, Rec(c), isInit: true));
            foreach (var c in record.Pod.Spec?.Containers ?? []) p.Containers.Add(new ContainerRunner(p, this, c, Rec(c)));
            lock (_lock) _pods[record.Uid] = p;
            p.Run();
            if (record.NetnsPath is not null)
            {
                // Lets the network re-register the pod's address (it is idempotent and keeps an existing namespace).
                var req = new PodNetworkRequest(record.Namespace, record.Name, record.Uid, p.Hostname, record.Pod.Spec?.Subdomain);
                _ = Task.Run(async () =>
                {
                    try { await Options.Network.SetUpAsync(req, CancellationToken.None); }
                    catch (Exception e) { Log.LogWarning("pod {Uid}: network: {Error}", record.Uid, e.Message); }
                });
            }
        }
        Log.LogInformation("adopted {Count} pods in {Ms} ms", _pods.Count, sw.ElapsedMilliseconds);
    }

    /// <summary>configMap/secret volumes were written at the first start: keep them as they are (their files are re-read).</summary>
    private static Dictionary<string, IReadOnlyList<VolumeFile>> ExistingFiles(string dir, Pod pod)
    {
        var result = new Dictionary<string, IReadOnlyList<VolumeFile>>();
        foreach (var v in pod.Spec?.Volumes ?? [])
        {
            if (v.ConfigMap is null && v.Secret is null && v.Projected is null && v.DownwardAPI is null) continue;
            var vd = Path.Combine(dir, "volumes", v.Name ?? "");
            var files = new List<VolumeFile>();
            if (Directory.Exists(vd))
                foreach (var f in Directory.GetFiles(vd, "*", SearchOption.AllDirectories))
                    files.Add(new VolumeFile(Path.GetRelativePath(vd, f), File.ReadAllBytes(f), Native.GetMode(f)));
            result[v.Name ?? ""] = files;
        }
        return result;
    }
}
