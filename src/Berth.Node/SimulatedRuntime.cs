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
    /// <summary>How long containers take to exit after SIGTERM (at most the grace period). A real stop is never instant:
    /// the process exits, the runtime tears the sandbox down, volumes are unmounted. With an instant stop, a StatefulSet
    /// pod is deleted and recreated between the two reads `kubectl delete` makes before it watches, and kubectl then
    /// waits for the new pod's deletion forever.</summary>
    public TimeSpan StopDelay { get; init; } = TimeSpan.Zero;
    /// <summary>How long a container with <see cref="SimulatedRuntime.ExitCodeAnnotation"/> runs before it exits.</summary>
    public TimeSpan RunDuration { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>First CrashLoopBackOff delay; it doubles per restart up to <see cref="MaxRestartBackoff"/> (kubelet: 10 s, 5 min).</summary>
    public TimeSpan RestartBackoff { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan MaxRestartBackoff { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Pod IPs are allocated from this IPv4 range.</summary>
    public string PodCidr { get; init; } = "10.88.0.0/16";
    /// <summary>Where containers' CRI log files (and exec working directories) go; default a fresh directory under /tmp,
    /// removed per pod when the pod stops.</summary>
    public string? StateDirectory { get; init; }
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
/// <item><c>berth.io/simulate-log-every: "1s"</c> — each run of a container logs <c>tick N</c> at this interval.</item>
/// </list>
/// Logs: each run of a container writes a CRI log file (<c>DIR/ns_name_uid/container/N.log</c>) with a start line
/// (<c>simulated container "c" started (run N)</c>), the ticks above, and an exit line, so <c>kubectl logs</c>, <c>-f</c> and
/// <c>--previous</c> have something real to read.
/// Exec: there is no container, so <c>kubectl exec</c> runs the command as a process on this host, in a per-pod working
/// directory, with the container's literal <c>env</c> values, <c>HOSTNAME</c> set to the pod's name, and the server's
/// user. Port-forward: simulated pods have no network, so their ports are this host's (127.0.0.1) ports.
/// Restarting the process loses every simulated pod; the agent then starts them again.
/// </summary>
public sealed class SimulatedRuntime : IPodRuntime, Streaming.IPortForwardTarget
{
    public const string ReadyAnnotation = "berth.io/simulate-ready";
    public const string ExitCodeAnnotation = "berth.io/simulate-exit-code";
    public const string IgnoreSigtermAnnotation = "berth.io/simulate-ignore-sigterm";
    public const string LogEveryAnnotation = "berth.io/simulate-log-every";

    private readonly SimulatedRuntimeOptions _opts;
    private readonly TimeProvider _clock;
    private readonly object _lock = new();
    private readonly Dictionary<string, SimPod> _pods = new(StringComparer.Ordinal);
    private readonly HashSet<uint> _usedIps = new();
    private readonly uint _netBase;
    private readonly uint _netSize;
    private uint _nextIp;
    private readonly string _stateDir;

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
        _stateDir = _opts.StateDirectory ?? Path.Combine(Path.GetTempPath(), "berth-simulated-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        // Simulated pods die with the process, so a directory of our own making goes with it.
        if (_opts.StateDirectory is null) AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveStateDirectory();
    }

    private void RemoveStateDirectory()
    {
        try { if (Directory.Exists(_stateDir)) Directory.Delete(_stateDir, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
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
            p = new SimPod(new PodRef(pod.Metadata.Namespace ?? "", pod.Metadata.Name ?? "", uid), ip, FormatIp(ip), Now(), pod,
                Path.Combine(_stateDir, $"{pod.Metadata.Namespace}_{pod.Metadata.Name}_{uid}"));
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
        var grace = TimeSpan.FromSeconds(Math.Max(0, gracePeriodSeconds));
        var exitAfter = p.IgnoreSigterm ? grace : (_opts.StopDelay < grace ? _opts.StopDelay : grace);
        if (exitAfter > TimeSpan.Zero)
        {
            lock (p) p.Terminating = true;
            await Task.Delay(exitAfter, _clock, ct);
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
        try { if (Directory.Exists(p.Dir)) Directory.Delete(p.Dir, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* a log reader may hold a file; the directory is a temporary one */ }
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
                string log;
                lock (p)
                {
                    c.Start(Now(), NewId());
                    log = Path.Combine(p.Dir, c.Name, c.Runs.Count.ToString(CultureInfo.InvariantCulture) + ".log");
                    c.Runs.Add(log);
                }
                Directory.CreateDirectory(Path.GetDirectoryName(log)!);
                AppendLog(log, "stdout", $"simulated container \"{c.Name}\" started (run {c.Runs.Count - 1})");
                using var ticks = p.LogEvery is { } every ? StartTicks(log, every, ct) : null;
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
                    AppendLog(log, code == 0 ? "stdout" : "stderr", $"simulated container \"{c.Name}\" exiting with code {code}");
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

    /// <summary>Appends one full line to a CRI log file (the runtime's side of what the kubelet reads).</summary>
    private void AppendLog(string path, string stream, string text)
    {
        try { File.AppendAllText(path, Streaming.CriLogEntry.Format(_clock.GetUtcNow(), stream, false, text) + "\n"); }
        catch (IOException) { /* the pod's directory went away with the pod */ }
    }

    /// <summary>Logs "tick N" every <paramref name="every"/> until disposed or cancelled.</summary>
    private IDisposable StartTicks(string log, TimeSpan every, CancellationToken ct)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _ = Task.Run(async () =>
        {
            for (int n = 1; ; n++)
            {
                try { await Task.Delay(every, _clock, stop.Token); } catch (OperationCanceledException) { return; }
                AppendLog(log, "stdout", "tick " + n.ToString(CultureInfo.InvariantCulture));
            }
        }, CancellationToken.None);
        return stop;
    }

    public string? ContainerLogPath(string podUid, string containerName, bool previous)
    {
        SimPod? p;
        lock (_lock) _pods.TryGetValue(podUid, out p);
        if (p is null) return null;
        lock (p)
        {
            var c = p.Containers.Find(x => x.Name == containerName);
            if (c is null || c.Runs.Count == 0) return null;
            // Between runs (CrashLoopBackOff) the last run is both the current and the previous one, as for the kubelet.
            bool waiting = c.State == ContainerRunState.Waiting;
            if (!previous) return c.Runs[^1];
            if (waiting) return c.LastTermination is null ? null : c.Runs[^1];
            return c.Runs.Count >= 2 ? c.Runs[^2] : null;
        }
    }

    public async Task<int> ExecAsync(string podUid, string containerName, IReadOnlyList<string> command, ExecStreams streams, CancellationToken ct)
    {
        SimPod? p;
        lock (_lock) _pods.TryGetValue(podUid, out p);
        if (p is null) throw new InvalidOperationException("pod not found");
        Api.Core.Container? spec;
        lock (p)
        {
            var c = p.Containers.Find(x => x.Name == containerName);
            if (c is null || c.State != ContainerRunState.Running) throw new InvalidOperationException($"container not found (\"{containerName}\")");
            spec = p.Specs.Find(x => x.Name == containerName);
        }
        if (command.Count == 0) throw new InvalidOperationException("command is required");
        var work = Path.Combine(p.Dir, containerName, "exec");
        Directory.CreateDirectory(work);
        var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["HOSTNAME"] = p.Ref.Name };
        foreach (var e in spec?.Env ?? []) if (e.Name is { } n && e.Value is { } v) env[n] = v;
        return await Streaming.HostProcess.RunAsync(command, work, env, streams, ct);
    }

    public (string Host, int Port) PortForwardTarget(string podUid, int port) => ("127.0.0.1", port);

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
        public SimPod(PodRef r, uint? ipOffset, string? ip, DateTimeOffset created, Pod pod, string dir)
        {
            Ref = r;
            Dir = dir;
            Specs = pod.Spec?.Containers ?? [];
            IpOffset = ipOffset;
            Ip = ip;
            CreatedAt = created;
            var ann = pod.Metadata.Annotations ?? new Dictionary<string, string>();
            NotReady = ann.TryGetValue(ReadyAnnotation, out var r1) && string.Equals(r1, "false", StringComparison.OrdinalIgnoreCase);
            if (ann.TryGetValue(ExitCodeAnnotation, out var ec) && int.TryParse(ec, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code)) ExitCode = code;
            IgnoreSigterm = ann.TryGetValue(IgnoreSigtermAnnotation, out var ig) && string.Equals(ig, "true", StringComparison.OrdinalIgnoreCase);
            RestartPolicy = pod.Spec?.RestartPolicy ?? "Always";
            if (ann.TryGetValue(LogEveryAnnotation, out var le) && ParseDuration(le) is { } every) LogEvery = every;
            Containers = (pod.Spec?.Containers ?? []).Select(c => new SimContainer(c.Name ?? "", c.Image ?? "")).ToList();
        }

        /// <summary>"500ms", "2s", "1m" (a positive whole number and a unit), else null.</summary>
        private static TimeSpan? ParseDuration(string s)
        {
            int i = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
            if (i == 0 || !int.TryParse(s.AsSpan(0, i), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0) return null;
            return s[i..] switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                _ => null,
            };
        }

        public PodRef Ref { get; }
        /// <summary>The pod's log files and exec working directories.</summary>
        public string Dir { get; }
        public List<Api.Core.Container> Specs { get; }
        public TimeSpan? LogEvery { get; }
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
        /// <summary>The log file of every run so far, oldest first.</summary>
        public List<string> Runs { get; } = new();

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
