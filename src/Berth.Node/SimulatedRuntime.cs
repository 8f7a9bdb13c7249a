using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Berth.Api.Core;

namespace Berth.Kubelet;

public sealed record SimulatedRuntimeOptions
{
    /// <summary>From StartPodAsync until the containers run (the ContainerCreating window).</summary>
    public TimeSpan StartDelay { get; init; } = TimeSpan.Zero;
    /// <summary>From a container's start until it is Ready.</summary>
    public TimeSpan ReadyDelay { get; init; } = TimeSpan.Zero;
    /// <summary>How long a container with <see cref="SimulatedRuntime.ExitCodeAnnotation"/> runs before it exits.</summary>
    public TimeSpan RunDuration { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>First CrashLoopBackOff delay; it doubles per restart up to <see cref="MaxRestartBackoff"/> (kubelet: 10 s, 5 min).</summary>
    public TimeSpan RestartBackoff { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan MaxRestartBackoff { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Pod IPs are allocated from this IPv4 range.</summary>
    public string PodCidr { get; init; } = "10.88.0.0/16";
}

/// <summary>
/// A runtime that runs nothing (as KWOK): pods are Running after <see cref="SimulatedRuntimeOptions.StartDelay"/> and their
/// containers Ready after <see cref="SimulatedRuntimeOptions.ReadyDelay"/>; IPs come from 10.88.0.0/16. Per pod, annotations
/// change the simulation (read when the pod starts):
/// <list type="bullet">
/// <item><c>berth.io/simulate-ready: "false"</c> — containers run but never become ready (see also <see cref="SetReady"/>).</item>
/// <item><c>berth.io/simulate-exit-code: "N"</c> — containers exit with N after <see cref="SimulatedRuntimeOptions.RunDuration"/>;
/// restartPolicy Always (or OnFailure with N ≠ 0) restarts them after a CrashLoopBackOff wait, else they stay terminated.</item>
/// <item><c>berth.io/simulate-ignore-sigterm: "true"</c> — on stop, containers run until the grace period ends and are killed (137).</item>
/// </list>
/// Restarting the process loses every simulated pod; the agent then starts them again.
/// </summary>
public sealed class SimulatedRuntime : IPodRuntime
{
    public const string ReadyAnnotation = "berth.io/simulate-ready";
    public const string ExitCodeAnnotation = "berth.io/simulate-exit-code";
    public const string IgnoreSigtermAnnotation = "berth.io/simulate-ignore-sigterm";

    private readonly SimulatedRuntimeOptions _opts;
    private readonly TimeProvider _clock;
    private readonly object _lock = new();
    private readonly Dictionary<string, SimPod> _pods = new(StringComparer.Ordinal);
    private readonly HashSet<uint> _usedIps = new();
    private readonly uint _netBase;
    private readonly uint _netSize;
    private uint _nextIp;

    public SimulatedRuntime(SimulatedRuntimeOptions? options = null, TimeProvider? clock = null)
    {
        _opts = options ?? new SimulatedRuntimeOptions();
        _clock = clock ?? TimeProvider.System;
        var parts = _opts.PodCidr.Split('/');
        var prefix = int.Parse(parts[1], CultureInfo.InvariantCulture);
        if (prefix is < 8 or > 30) throw new ArgumentException("PodCidr prefix must be between /8 and /30");
        var bytes = IPAddress.Parse(parts[0]).GetAddressBytes();
        _netSize = 1u << (32 - prefix);
        _netBase = ((uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3]) & ~(_netSize - 1);
        _nextIp = 2; // .0 is the network, .1 the bridge
    }

    public string RuntimeVersion => "berth-simulated://1.0";

    public event Action<PodRef>? PodChanged;

    /// <summary>Test hook: forces the readiness of every container of a pod (null returns to the annotation's choice).</summary>
    public void SetReady(string podUid, bool? ready)
    {
        SimPod? p;
        lock (_lock) _pods.TryGetValue(podUid, out p);
        if (p is null) return;
        lock (p) p.ReadyOverride = ready;
        Changed(p);
    }

    /// <summary>How many pod IPs are in use.</summary>
    public int AllocatedIps { get { lock (_lock) return _usedIps.Count; } }

    public Task<PodSandboxStatus> StartPodAsync(Pod pod, CancellationToken ct)
    {
        var uid = pod.Metadata.Uid ?? throw new ArgumentException("pod has no uid");
        SimPod p;
        lock (_lock)
        {
            if (_pods.TryGetValue(uid, out var existing)) return Task.FromResult(existing.Snapshot());
            var ip = AllocateIp();
            p = new SimPod(new PodRef(pod.Metadata.Namespace ?? "", pod.Metadata.Name ?? "", uid), ip, FormatIp(ip), Now(), pod);
            _pods[uid] = p;
        }
        foreach (var c in p.Containers)
            c.Task = Task.Run(() => RunContainerAsync(p, c, p.Stop.Token), CancellationToken.None);
        Changed(p);
        return Task.FromResult(p.Snapshot());
    }

    public async Task StopPodAsync(Pod pod, long gracePeriodSeconds, CancellationToken ct)
    {
        SimPod? p;
        lock (_lock) _pods.TryGetValue(pod.Metadata.Uid ?? "", out p);
        if (p is null) return;
        if (p.IgnoreSigterm && gracePeriodSeconds > 0)
        {
            lock (p) p.Terminating = true;
            await Task.Delay(TimeSpan.FromSeconds(gracePeriodSeconds), _clock, ct);
        }
        p.Stop.Cancel();
        try { await Task.WhenAll(p.Containers.Select(c => c.Task)); } catch (OperationCanceledException) { }
        var now = Now();
        lock (p)
        {
            foreach (var c in p.Containers)
                if (c.State == ContainerRunState.Running)
                {
                    bool killed = p.IgnoreSigterm;
                    c.Terminate(killed ? 137 : 0, killed ? "Error" : "Completed", now, killed ? 9 : null);
                }
        }
        lock (_lock)
        {
            if (_pods.Remove(p.Ref.Uid) && p.IpOffset is { } ip) _usedIps.Remove(ip);
        }
        Changed(p);
    }

    public PodSandboxStatus? Status(string podUid)
    {
        SimPod? p;
        lock (_lock) _pods.TryGetValue(podUid, out p);
        return p?.Snapshot();
    }

    public IReadOnlyList<PodSandboxStatus> ListPods()
    {
        List<SimPod> all;
        lock (_lock) all = _pods.Values.ToList();
        return all.Select(p => p.Snapshot()).ToList();
    }

    // ------------------------------------------------------------------ simulation

    private async Task RunContainerAsync(SimPod p, SimContainer c, CancellationToken ct)
    {
        try
        {
            if (_opts.StartDelay > TimeSpan.Zero) await Task.Delay(_opts.StartDelay, _clock, ct);
            var backoff = _opts.RestartBackoff;
            while (true)
            {
                lock (p) c.Start(Now(), NewId());
                Changed(p);
                if (_opts.ReadyDelay > TimeSpan.Zero) await Task.Delay(_opts.ReadyDelay, _clock, ct);
                lock (p) c.ReadyDelayPassed = true;
                Changed(p);
                if (p.ExitCode is not { } code)
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, _clock, ct);
                    return;
                }
                var remaining = _opts.RunDuration - _opts.ReadyDelay;
                if (remaining > TimeSpan.Zero) await Task.Delay(remaining, _clock, ct);
                bool restart = p.RestartPolicy == "Always" || (p.RestartPolicy == "OnFailure" && code != 0);
                lock (p)
                {
                    if (p.Terminating) return;
                    c.Terminate(code, code == 0 ? "Completed" : "Error", Now(), null);
                }
                Changed(p);
                if (!restart) return;
                lock (p)
                {
                    c.RestartCount++;
                    c.LastTermination = c.Termination;
                    c.Termination = null;
                    c.State = ContainerRunState.Waiting;
                    c.Reason = "CrashLoopBackOff";
                    c.Message = $"back-off {FormatDuration(backoff)} restarting failed container={c.Name} pod={p.Ref.Name}_{p.Ref.Namespace}({p.Ref.Uid})";
                }
                Changed(p);
                await Task.Delay(backoff, _clock, ct);
                backoff = backoff * 2 > _opts.MaxRestartBackoff ? _opts.MaxRestartBackoff : backoff * 2;
            }
        }
        catch (OperationCanceledException) { }
    }

    private static string FormatDuration(TimeSpan d)
    {
        if (d.TotalSeconds < 1) return ((int)d.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        if (d.TotalMinutes < 1) return ((int)d.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
        return $"{(int)d.TotalMinutes}m{d.Seconds}s";
    }

    private void Changed(SimPod p)
    {
        try { PodChanged?.Invoke(p.Ref); } catch { /* a subscriber's failure is not the runtime's */ }
    }

    private DateTimeOffset Now()
    {
        var t = _clock.GetUtcNow();
        return new DateTimeOffset(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>Under _lock.</summary>
    private uint? AllocateIp()
    {
        var usable = _netSize - 3; // network, bridge, broadcast
        for (uint i = 0; i < usable; i++)
        {
            var offset = _nextIp;
            _nextIp = _nextIp + 1 >= _netSize - 1 ? 2 : _nextIp + 1;
            if (_usedIps.Add(offset)) return offset;
        }
        return null;
    }

    private string? FormatIp(uint? offset)
    {
        if (offset is not { } o) return null;
        var a = _netBase + o;
        return $"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}";
    }

    private sealed class SimPod
    {
        public SimPod(PodRef r, uint? ipOffset, string? ip, DateTimeOffset created, Pod pod)
        {
            Ref = r;
            IpOffset = ipOffset;
            Ip = ip;
            CreatedAt = created;
            var ann = pod.Metadata.Annotations ?? new Dictionary<string, string>();
            NotReady = ann.TryGetValue(ReadyAnnotation, out var r1) && string.Equals(r1, "false", StringComparison.OrdinalIgnoreCase);
            if (ann.TryGetValue(ExitCodeAnnotation, out var ec) && int.TryParse(ec, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code)) ExitCode = code;
            IgnoreSigterm = ann.TryGetValue(IgnoreSigtermAnnotation, out var ig) && string.Equals(ig, "true", StringComparison.OrdinalIgnoreCase);
            RestartPolicy = pod.Spec?.RestartPolicy ?? "Always";
            Containers = (pod.Spec?.Containers ?? []).Select(c => new SimContainer(c.Name ?? "", c.Image ?? "")).ToList();
        }

        public PodRef Ref { get; }
        public uint? IpOffset { get; }
        public string? Ip { get; }
        public DateTimeOffset CreatedAt { get; }
        public bool NotReady { get; }
        public int? ExitCode { get; }
        public bool IgnoreSigterm { get; }
        public string RestartPolicy { get; }
        public bool? ReadyOverride { get; set; }
        public bool Terminating { get; set; }
        public List<SimContainer> Containers { get; }
        public CancellationTokenSource Stop { get; } = new();

        public PodSandboxStatus Snapshot()
        {
            lock (this)
            {
                bool ready = ReadyOverride ?? !NotReady;
                return new PodSandboxStatus
                {
                    Pod = Ref,
                    Ip = Ip,
                    CreatedAt = CreatedAt,
                    Containers = Containers.Select(c => c.Snapshot(ready && !Terminating)).ToList(),
                };
            }
        }
    }

    private sealed class SimContainer(string name, string image)
    {
        public string Name { get; } = name;
        public string Image { get; } = image;
        /// <summary>Computed once: status snapshots are taken on every pod sync.</summary>
        private readonly string _imageId = ImageId(image);
        public Task Task { get; set; } = Task.CompletedTask;
        public ContainerRunState State { get; set; } = ContainerRunState.Waiting;
        public string? Reason { get; set; } = "ContainerCreating";
        public string? Message { get; set; }
        public string Id { get; set; } = "";
        public DateTimeOffset? StartedAt { get; set; }
        public bool Started { get; set; }
        public bool ReadyDelayPassed { get; set; }
        public int RestartCount { get; set; }
        public ContainerTermination? Termination { get; set; }
        public ContainerTermination? LastTermination { get; set; }

        public void Start(DateTimeOffset now, string id)
        {
            State = ContainerRunState.Running;
            Reason = null;
            Message = null;
            Id = id;
            StartedAt = now;
            Started = true;
            ReadyDelayPassed = false;
        }

        public void Terminate(int code, string reason, DateTimeOffset now, int? signal)
        {
            State = ContainerRunState.Terminated;
            Termination = new ContainerTermination(code, reason, StartedAt, now, Id, signal);
            ReadyDelayPassed = false;
            Started = false;
        }

        public ContainerRuntimeStatus Snapshot(bool podReady) => new()
        {
            Name = Name,
            Image = Image,
            ImageId = _imageId,
            ContainerId = Id,
            State = State,
            Reason = State == ContainerRunState.Terminated ? Termination?.Reason : Reason,
            Message = Message,
            ExitCode = State == ContainerRunState.Terminated ? Termination?.ExitCode : null,
            Signal = State == ContainerRunState.Terminated ? Termination?.Signal : null,
            StartedAt = State == ContainerRunState.Terminated ? Termination?.StartedAt : State == ContainerRunState.Running ? StartedAt : null,
            FinishedAt = State == ContainerRunState.Terminated ? Termination?.FinishedAt : null,
            Ready = State == ContainerRunState.Running && ReadyDelayPassed && podReady,
            Started = State == ContainerRunState.Running && Started,
            RestartCount = RestartCount,
            LastTermination = LastTermination,
        };
    }

    /// <summary>A stable fake digest reference for an image ("docker.io/library/nginx@sha256:…").</summary>
    public static string ImageId(string image)
    {
        var repo = image;
        var at = repo.IndexOf('@');
        if (at >= 0) return Qualify(repo[..at]) + repo[at..];
        var slash = repo.LastIndexOf('/');
        var colon = repo.LastIndexOf(':');
        if (colon > slash) repo = repo[..colon];
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(image)));
        return Qualify(repo) + "@sha256:" + digest;
    }

    private static string Qualify(string repo)
    {
        var first = repo.Split('/')[0];
        bool hasRegistry = repo.Contains('/') && (first.Contains('.') || first.Contains(':') || first == "localhost");
        if (hasRegistry) return repo;
        return "docker.io/" + (repo.Contains('/') ? repo : "library/" + repo);
    }
}
