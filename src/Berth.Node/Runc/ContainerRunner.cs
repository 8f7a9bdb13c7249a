using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Berth.Api.Core;
using Berth.Kubelet.Images;
using Microsoft.Extensions.Logging;

namespace Berth.Kubelet.Runc;

/// <summary>
/// One container of a pod, from its first start to the pod's stop: starts runs through the shim, notices their exits,
/// restarts them by the pod's restartPolicy with upstream's back-off (immediately, then 10 s doubling to 5 min; reset
/// after 10 min without a crash), and runs the probes of the current run. Its <see cref="ContainerRecord"/> on disk lets a
/// restarted agent take over a run that is still going.
/// </summary>
internal sealed class ContainerRunner
{
    private readonly ProcessPod _pod;
    private readonly ProcessRuntime _rt;
    private readonly ContainerRecord _rec;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _lock = new();
    private ContainerRunState _state = ContainerRunState.Waiting;
    private string? _reason = "ContainerCreating";
    private string? _message;
    private string _imageId = "";
    private ProbeRunner? _probes;
    private Task _loop = Task.CompletedTask;
    private volatile bool _stopping;

    public ContainerRunner(ProcessPod pod, ProcessRuntime rt, Container spec, ContainerRecord? record, bool isInit = false)
    {
        IsInit = isInit;
        if (isInit) _reason = "PodInitializing";
        _pod = pod;
        _rt = rt;
        Spec = spec;
        Name = spec.Name ?? "";
        Dir = Path.Combine(pod.Dir, "containers", Name);
        _rec = record ?? new ContainerRecord();
    }

    public Container Spec { get; }
    /// <summary>An init container: runs to completion before the next one, restarted only after a failure.</summary>
    public bool IsInit { get; }
    public string Name { get; }
    public string Dir { get; }
    private string RootFs => Path.Combine(Dir, "rootfs");
    private string RunDir => Path.Combine(Dir, "runs");
    private string StdinFifo => Path.Combine(Dir, "stdin");
    private string ExitFile(string runId) => Path.Combine(RunDir, runId + ".exit");
    public string LogFile(int runIndex) => Path.Combine(Dir, "logs", runIndex.ToString(CultureInfo.InvariantCulture) + ".log");

    /// <summary>The runc id of the current run while it runs.</summary>
    public string? RunningId { get { lock (_lock) return _rec.Running ? _rec.RunId : null; } }

    public void Start() => _loop = Task.Run(LoopAsync);

    public Task Completion => _loop;

    /// <summary>Ended for good with exit code 0 (an init container that let the pod go on).</summary>
    public bool Succeeded { get { lock (_lock) return _rec.Done && _rec.Termination?.ExitCode == 0; } }

    public string? LogPath(bool previous)
    {
        int index;
        lock (_lock) index = previous ? _rec.RunIndex - 1 : _rec.RunIndex;
        if (index < 1) return null;
        var p = LogFile(index);
        return File.Exists(p) ? p : null;
    }

    public ContainerRuntimeStatus Snapshot(bool podTerminating)
    {
        lock (_lock)
        {
            var term = _state == ContainerRunState.Terminated ? _rec.Termination : null;
            bool running = _state == ContainerRunState.Running;
            bool started = running && (_probes?.Started ?? true);
            bool ready = running && started && (_probes?.Ready ?? true) && !podTerminating;
            return new ContainerRuntimeStatus
            {
                Name = Name,
                Image = Spec.Image ?? "",
                ImageId = _imageId,
                ContainerId = _rec.RunId,
                State = _state,
                Reason = term?.Reason ?? (running ? null : _reason),
                Message = running ? null : _message,
                ExitCode = term?.ExitCode,
                Signal = term?.Signal,
                StartedAt = running ? _rec.StartedAt : term?.StartedAt,
                FinishedAt = term?.FinishedAt,
                Ready = ready,
                Started = started,
                RestartCount = _rec.RestartCount,
                LastTermination = _rec.LastTermination,
            };
        }
    }

    // ------------------------------------------------------------------ the loop

    private async Task LoopAsync()
    {
        try
        {
            if (_rec.Done)
            {
                lock (_lock) { _state = ContainerRunState.Terminated; _imageId = _rt.Images.Resolve(Spec.Image)?.ImageId ?? ""; }
                return;
            }
            if (_rec.Running) await AdoptAsync();
            var pullBackoff = _rt.Options.InitialBackoff;
            while (!_stopping && !_rt.Detached.IsCancellationRequested)
            {
                var image = _rt.Images.Resolve(Spec.Image);
                if (image is null)
                {
                    SetWaiting(_reason is "ErrImagePull" ? "ImagePullBackOff" : "ErrImagePull",
                        _reason is "ErrImagePull" ? $"Back-off pulling image \"{Spec.Image}\"" : ImageCatalog.NotFoundMessage(Spec.Image));
                    // An import (berth image import) ends the back-off early: the store is looked at every second meanwhile.
                    var until = DateTime.UtcNow + pullBackoff;
                    while (!_stopping && DateTime.UtcNow < until && _rt.Images.Resolve(Spec.Image) is null)
                        await DelayAsync(Min(TimeSpan.FromSeconds(1), until - DateTime.UtcNow));
                    pullBackoff = Min(pullBackoff * 2, _rt.Options.MaxBackoff);
                    continue;
                }
                lock (_lock) _imageId = image.ImageId;
                string runId;
                try { runId = await StartRunAsync(image); }
                catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
                {
                    // containerd's StartError: the run ended before it began.
                    var now = Now();
                    Terminated(new ContainerTermination(128, "StartError", now, now, _rec.RunId), e.Message);
                    if (!await AfterExitAsync(128)) return;
                    continue;
                }
                var (code, reason) = await WaitExitAsync(runId);
                Terminated(new ContainerTermination(code, reason, _rec.StartedAt, Now(), runId), null);
                if (!await AfterExitAsync(code)) return;
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e) { _rt.Log.LogError(e, "container {Pod}/{Container} failed", _pod.Ref.Name, Name); }
    }

    /// <summary>A run from before an agent restart: keep watching it (its probes start over).</summary>
    private async Task AdoptAsync()
    {
        var runId = _rec.RunId;
        lock (_lock) { _imageId = _rt.Images.Resolve(Spec.Image)?.ImageId ?? ""; }
        bool alive = File.Exists(ExitFile(runId)) || (await _rt.Runc(["state", runId], TimeSpan.FromSeconds(10))).Ok;
        if (!alive)
        {
            // The machine restarted (or the shim was killed): the run is gone without an exit code.
            Terminated(new ContainerTermination(255, "Error", _rec.StartedAt, Now(), runId), "the container was lost while the node agent was down");
        }
        else
        {
            lock (_lock) { _state = ContainerRunState.Running; _reason = null; _message = null; }
            StartProbes(runId);
            _pod.Changed();
            var (code, reason) = await WaitExitAsync(runId);
            Terminated(new ContainerTermination(code, reason, _rec.StartedAt, Now(), runId), null);
        }
        if (!await AfterExitAsync(_rec.Termination?.ExitCode ?? 255)) _stopping = true;
    }

    /// <summary>After a run ended: false when it is not restarted; otherwise waits out the back-off and returns true.</summary>
    private async Task<bool> AfterExitAsync(int code)
    {
        if (_stopping) return false;
        var policy = _pod.Record.Pod.Spec?.RestartPolicy ?? "Always";
        bool restart = IsInit ? policy != "Never" && code != 0 : policy == "Always" || (policy == "OnFailure" && code != 0);
        if (!restart)
        {
            lock (_lock) _rec.Done = true;
            Save();
            return false;
        }
        // flowcontrol.Backoff as the kubelet uses it: no entry (or one older than 2×max) → restart now and start at the
        // initial delay; otherwise wait the current delay from the exit, then double it.
        var now = DateTimeOffset.UtcNow;
        TimeSpan wait = TimeSpan.Zero;
        lock (_lock)
        {
            var max = _rt.Options.MaxBackoff;
            bool expired = _rec.BackoffUpdated is not { } upd || now - upd > max * 2;
            if (_rec.BackoffSeconds <= 0 || expired)
            {
                _rec.BackoffSeconds = _rt.Options.InitialBackoff.TotalSeconds;
                _rec.BackoffUpdated = now;
            }
            else
            {
                var finished = _rec.Termination?.FinishedAt ?? now;
                wait = TimeSpan.FromSeconds(_rec.BackoffSeconds) - (now - finished);
                if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
            }
            _rec.RestartCount++;
            _rec.LastTermination = _rec.Termination;
            _rec.Termination = null;
            _state = ContainerRunState.Waiting;
            _reason = "CrashLoopBackOff";
            _message = $"back-off {Format(TimeSpan.FromSeconds(_rec.BackoffSeconds))} restarting failed container={Name} pod={_pod.Ref.Name}_{_pod.Ref.Namespace}({_pod.Ref.Uid})";
        }
        Save();
        _pod.Changed();
        if (wait > TimeSpan.Zero)
        {
            await DelayAsync(wait);
            lock (_lock)
            {
                _rec.BackoffSeconds = Math.Min(_rec.BackoffSeconds * 2, _rt.Options.MaxBackoff.TotalSeconds);
                _rec.BackoffUpdated = DateTimeOffset.UtcNow;
            }
        }
        return !_stopping;
    }

    /// <summary>Waits, cut short by a stop; an agent that detaches ends the loop (OperationCanceledException).</summary>
    private async Task DelayAsync(TimeSpan d)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, _rt.Detached);
        try { await Task.Delay(d, both.Token); }
        catch (OperationCanceledException) { _rt.Detached.ThrowIfCancellationRequested(); }
    }

    // ------------------------------------------------------------------ one run

    private async Task<string> StartRunAsync(ResolvedImage image)
    {
        var pod = _pod.Record.Pod;
        var opts = _rt.Options;
        Directory.CreateDirectory(RunDir);
        Directory.CreateDirectory(Path.Combine(Dir, "logs"));
        Directory.CreateDirectory(Path.Combine(Dir, "upper"));
        Directory.CreateDirectory(Path.Combine(Dir, "work"));
        Directory.CreateDirectory(RootFs);
        // The writable layer lives as long as the pod: a restarted container finds what it wrote outside its volumes.
        // An imported image's unpacked layers, or the host's / for a built-in image, as the read-only lower layer.
        if (!Native.IsMountPoint(RootFs))
            Native.Mount("overlay", RootFs, "overlay", $"lowerdir={image.RootFs ?? "/"},upperdir={Path.Combine(Dir, "upper")},workdir={Path.Combine(Dir, "work")}");

        var env = ContainerEnv.Build(pod, Spec, image, _pod.Record.Ip ?? "", _pod.Hostname);
        var argv = ContainerEnv.Argv(Spec, image, env);
        if (argv.Count == 0) throw new InvalidOperationException("no command specified");
        var cwd = Spec.WorkingDir is { Length: > 0 } wd ? wd : image.WorkingDir;
        // Never through an imported image's links from the host's side: runc creates a missing cwd inside the container.
        if (image.RootFs is null)
            foreach (var d in image.Dirs.Append(cwd)) Directory.CreateDirectory(Path.Combine(RootFs, d.TrimStart('/')));

        var binds = new List<BindMount>();
        var imageFiles = Path.Combine(Dir, "image-files");
        Directory.CreateDirectory(imageFiles);
        foreach (var (path, content) in image.Files)
        {
            var f = Path.Combine(imageFiles, path.Trim('/').Replace('/', '_'));
            File.WriteAllText(f, content);
            binds.Add(new BindMount(f, path, true));
        }
        foreach (var (host, ctr) in image.Binds) binds.Add(new BindMount(host, ctr, true));
        binds.Add(new BindMount(Path.Combine(_pod.Dir, "etc", "hosts"), "/etc/hosts", false));
        binds.Add(new BindMount(Path.Combine(_pod.Dir, "etc", "resolv.conf"), "/etc/resolv.conf", false));
        binds.Add(new BindMount(Path.Combine(_pod.Dir, "etc", "hostname"), "/etc/hostname", false));
        var tmpfs = new List<(string, long)>();
        var mounts = new List<BindMount>();
        foreach (var m in Spec.VolumeMounts ?? [])
        {
            if (m.Name is null || m.MountPath is not { Length: > 0 } dest) continue;
            if (!_pod.Volumes.TryGetValue(m.Name, out var v)) throw new InvalidOperationException($"volume \"{m.Name}\" is not set up");
            mounts.Add(new BindMount(PodVolumes.SourceFor(v, m.SubPath, m.Name), dest, v.ReadOnly || m.ReadOnly == true));
        }
        // Parents before children, whatever the order in the spec.
        mounts.Sort((a, b) => a.Destination.TrimEnd('/').Count(ch => ch == '/').CompareTo(b.Destination.TrimEnd('/').Count(ch => ch == '/')));
        binds.AddRange(mounts);

        var runId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var limits = Spec.Resources?.Limits;
        var requests = Spec.Resources?.Requests;
        var sc = Spec.SecurityContext;
        var psc = pod.Spec?.SecurityContext;
        var (imageUid, imageGid) = image.RootFs is null ? (0L, 0L) : ImageUser.Resolve(image.RootFs, image.User);
        var spec = OciSpec.Build(new OciRun
        {
            RootFs = RootFs,
            // An imported image runs its own entrypoint as PID 1, as under containerd; the host's tini is for built-ins.
            Args = image.RootFs is null ? [_rt.Tools.Tini, "--", .. argv] : argv,
            Env = env.Select(e => e.Key + "=" + e.Value).ToList(),
            Cwd = cwd,
            Hostname = _pod.Hostname,
            NetnsPath = _pod.Record.NetnsPath,
            CgroupsPath = "/berth/" + runId,
            MemoryLimitBytes = limits is not null && limits.TryGetValue("memory", out var mem) ? mem.Value : null,
            CpuLimitMillis = limits is not null && limits.TryGetValue("cpu", out var cpu) ? cpu.MilliValue : null,
            CpuRequestMillis = requests is not null && requests.TryGetValue("cpu", out var rcpu) ? rcpu.MilliValue : null,
            Uid = sc?.RunAsUser ?? psc?.RunAsUser ?? imageUid,
            Gid = sc?.RunAsGroup ?? psc?.RunAsGroup ?? ((sc?.RunAsUser ?? psc?.RunAsUser) is null ? imageGid : 0),
            Privileged = sc?.Privileged == true,
            Masked = [opts.StateDir],
            Binds = binds,
            Tmpfs = tmpfs,
        });
        var bundle = Path.Combine(Dir, "bundle");
        Directory.CreateDirectory(bundle);
        await File.WriteAllTextAsync(Path.Combine(bundle, "config.json"), spec.ToJsonString());

        int runIndex;
        lock (_lock)
        {
            _rec.RunIndex++;
            runIndex = _rec.RunIndex;
            _rec.RunId = runId;
            _rec.Running = true;
            _rec.StartedAt = Now();
            _rec.ShimPid = 0;
        }
        // Keep the current and the previous run's logs.
        var old = LogFile(runIndex - 2);
        if (File.Exists(old)) File.Delete(old);
        Save(); // before the start: a crash right after it still finds the run

        var pidFile = Path.Combine(RunDir, runId + ".pid");
        var shimArgs = new List<string> { LogFile(runIndex), ExitFile(runId), pidFile };
        if (Spec.Stdin == true)
        {
            // stdin: true — the shim gives the container this FIFO; kubectl attach -i writes into it (OpenStdin).
            if (!File.Exists(StdinFifo)) Native.MakeFifo(StdinFifo, 0x180 /* 0600 */);
            shimArgs.Add(StdinFifo);
        }
        shimArgs.AddRange(["--", _rt.Tools.Runc, "run", "-d", "--pid-file", pidFile, "-b", bundle, runId]);
        var r = await CommandRunner.RunAsync(_rt.Tools.Shim, shimArgs, TimeSpan.FromSeconds(60));
        if (r.ExitCode != 0)
        {
            var why = LastLines(LogFile(runIndex));
            await _rt.Runc(["delete", "-f", runId], TimeSpan.FromSeconds(10));
            lock (_lock) _rec.Running = false;
            throw new InvalidOperationException($"failed to start container \"{Name}\": {(why.Length > 0 ? why : "runc exited with " + r.ExitCode)}");
        }
        if (int.TryParse(r.Stdout.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var shim)) lock (_lock) _rec.ShimPid = shim;
        Save();
        lock (_lock) { _state = ContainerRunState.Running; _reason = null; _message = null; }
        StartProbes(runId);
        _pod.Changed();
        return runId;
    }

    /// <summary>A writer into the running container's stdin (a container with stdin: true), or null.</summary>
    public Stream? OpenStdin()
        => Spec.Stdin == true && RunningId is not null && File.Exists(StdinFifo) ? Native.OpenFifoWriter(StdinFifo) : null;

    private void StartProbes(string runId)
    {
        var probes = new ProbeRunner(this, _pod, _rt, runId);
        lock (_lock) _probes = probes;
        probes.Start();
    }

    /// <summary>Waits for the shim's exit file; returns the exit code and upstream's reason (Completed, Error, OOMKilled).</summary>
    private async Task<(int Code, string Reason)> WaitExitAsync(string runId)
    {
        var exit = ExitFile(runId);
        int polls = 0;
        while (!File.Exists(exit))
        {
            await Task.Delay(_rt.Options.ExitPoll, _rt.Detached);
            // A run whose runc container vanished without an exit file (its shim was killed) is lost. While the shim lives
            // it will write the exit file, so runc (a process spawn: with 100 pods, 20 a second) is asked only when it is gone.
            if (++polls % 25 == 0 && !File.Exists(exit) && !ShimAlive() && !(await _rt.Runc(["state", runId], TimeSpan.FromSeconds(10))).Ok && !File.Exists(exit))
                return Lost();
        }
        _probes?.Stop();
        int code = 255;
        var text = (await File.ReadAllTextAsync(exit)).Trim().Split(' ');
        if (text.Length > 0) int.TryParse(text[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out code);
        bool oom = code != 0 && _rt.Cgroups.OomKilled("/berth/" + runId);
        await _rt.Runc(["delete", "-f", runId], TimeSpan.FromSeconds(10));
        int shimPid;
        lock (_lock) { shimPid = _rec.ShimPid; _rec.Running = false; }
        if (shimPid > 0) Native.Reap(shimPid);
        return (code, code == 0 ? "Completed" : oom ? "OOMKilled" : "Error");

        (int, string) Lost()
        {
            _probes?.Stop();
            lock (_lock) _rec.Running = false;
            return (255, "Error");
        }
    }

    /// <summary>The run's shim process is there and not a zombie (/proc, no process spawned); false when unknown.</summary>
    private bool ShimAlive()
    {
        int pid;
        lock (_lock) pid = _rec.ShimPid;
        if (pid <= 0) return false;
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
            // A recycled pid is someone else: the name (15 characters at most) must be the shim's.
            return open >= 0 && close + 2 < stat.Length && stat[(open + 1)..close].StartsWith("berth-shim", StringComparison.Ordinal)
                   && stat[close + 2] != 'Z';
        }
        catch (IOException) { return false; }
    }

    private void Terminated(ContainerTermination t, string? message)
    {
        lock (_lock)
        {
            _rec.Termination = t;
            _rec.Running = false;
            _state = ContainerRunState.Terminated;
            _reason = t.Reason;
            _message = message;
            _probes = null;
        }
        Save();
        _pod.Changed();
    }

    private void SetWaiting(string reason, string? message)
    {
        lock (_lock) { _state = ContainerRunState.Waiting; _reason = reason; _message = message; }
        _pod.Changed();
    }

    // ------------------------------------------------------------------ stopping

    /// <summary>Kills the current run: SIGTERM, then SIGKILL once <paramref name="grace"/> has passed; returns when it has exited.</summary>
    public async Task KillRunAsync(string runId, TimeSpan grace)
    {
        var exit = ExitFile(runId);
        if (File.Exists(exit)) return;
        if (grace > TimeSpan.Zero)
        {
            await _rt.Runc(["kill", runId, "TERM"], TimeSpan.FromSeconds(10));
            var until = DateTime.UtcNow + grace;
            while (!File.Exists(exit) && DateTime.UtcNow < until) await Task.Delay(50);
        }
        if (File.Exists(exit)) return;
        await _rt.Runc(["kill", "--all", runId, "KILL"], TimeSpan.FromSeconds(10));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!File.Exists(exit) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            if (!(await _rt.Runc(["state", runId], TimeSpan.FromSeconds(10))).Ok) break;
        }
    }

    /// <summary>Stops the container for good (pod stop): no restart follows.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        _stopping = true;
        _stop.Cancel();
        if (RunningId is { } id) await KillRunAsync(id, grace);
        try { await _loop.WaitAsync(TimeSpan.FromSeconds(30)); } catch (TimeoutException) { }
        if (_rec.RunId.Length > 0) await _rt.Runc(["delete", "-f", _rec.RunId], TimeSpan.FromSeconds(10));
        Native.Unmount(RootFs);
    }

    /// <summary>The liveness or startup probe failed: kill the run; the loop restarts it by the restart policy.</summary>
    public void ProbeKilled(string runId, string message)
    {
        _rt.Log.LogInformation("container {Pod}/{Container}: {Message}; killing it", _pod.Ref.Name, Name, message);
        var grace = TimeSpan.FromSeconds(_pod.Record.Pod.Spec?.TerminationGracePeriodSeconds ?? 30);
        _ = Task.Run(() => KillRunAsync(runId, grace));
    }

    public void Save()
    {
        lock (_lock)
        {
            Directory.CreateDirectory(Dir);
            StateFiles.Write(Path.Combine(Dir, "state.json"), _rec);
        }
    }

    private static string LastLines(string log)
    {
        try
        {
            var lines = File.ReadAllLines(log);
            var sb = new StringBuilder();
            foreach (var l in lines.Skip(Math.Max(0, lines.Length - 3)))
            {
                // "<ts> <stream> <tag> text"
                var parts = l.Split(' ', 4);
                if (sb.Length > 0) sb.Append("; ");
                sb.Append(parts.Length == 4 ? parts[3] : l);
            }
            return sb.ToString();
        }
        catch (IOException) { return ""; }
    }

    private static DateTimeOffset Now() => PodStatusBuilder.Truncate(DateTimeOffset.UtcNow);
    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Format(TimeSpan d)
    {
        if (d.TotalSeconds < 1) return ((int)d.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        if (d.TotalMinutes < 1) return ((int)d.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
        return $"{(int)d.TotalMinutes}m{d.Seconds}s";
    }
}
