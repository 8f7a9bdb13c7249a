using Berth.Api.Core;

namespace Berth.Kubelet;

/// <summary>
/// The seam between the <see cref="NodeAgent"/> and whatever runs containers (a simulation today, runc later): the
/// CRI's role, reduced to what the agent needs.
/// <para>The runtime owns a pod's containers from <see cref="StartPodAsync"/> to <see cref="StopPodAsync"/>, including
/// restarts according to <c>spec.restartPolicy</c> (with CrashLoopBackOff between them). It never talks to the API: the
/// agent reads <see cref="Status"/> and writes the pod's status. Whenever anything observable about a pod changes, the
/// runtime raises <see cref="PodChanged"/>; the agent treats that as a hint to re-read <see cref="Status"/> (level-triggered),
/// so raising it too often is harmless and it may be raised on any thread.</para>
/// <para>All timestamps reported are whole seconds (as the API stores them), so an unchanged pod compares equal.</para>
/// </summary>
public interface IPodRuntime
{
    /// <summary>"name://version" for the node's status.nodeInfo.containerRuntimeVersion, e.g. "berth-simulated://1.0".</summary>
    string RuntimeVersion { get; }

    /// <summary>
    /// Creates the pod's sandbox (allocating its IP) and starts its containers. Returns once the sandbox exists; the
    /// containers progress in the background (reported through <see cref="PodChanged"/>). Starting a pod the runtime already
    /// runs (same uid) returns its current status and changes nothing.
    /// </summary>
    Task<PodSandboxStatus> StartPodAsync(Pod pod, CancellationToken ct);

    /// <summary>
    /// <see cref="StartPodAsync(Pod, CancellationToken)"/> with what the agent resolved through the API for it (the bound
    /// volumes of its claims, the files of its configMap/secret/projected/downwardAPI volumes). Runtimes that run nothing
    /// ignore the extras.
    /// </summary>
    Task<PodSandboxStatus> StartPodAsync(PodLaunch launch, CancellationToken ct) => StartPodAsync(launch.Pod, ct);

    /// <summary>
    /// Stops every container (SIGTERM, then SIGKILL after <paramref name="gracePeriodSeconds"/>), releases the IP and forgets
    /// the pod: afterwards <see cref="Status"/> returns null. Only metadata.uid of <paramref name="pod"/> is required.
    /// Stopping an unknown pod does nothing.
    /// </summary>
    Task StopPodAsync(Pod pod, long gracePeriodSeconds, CancellationToken ct);

    /// <summary>A snapshot of a pod the runtime runs, or null.</summary>
    PodSandboxStatus? Status(string podUid);

    /// <summary>Snapshots of every pod the runtime runs (the agent adopts these after a restart and stops orphans).</summary>
    IReadOnlyList<PodSandboxStatus> ListPods();

    /// <summary>Raised after any change to a pod's sandbox or containers.</summary>
    event Action<PodRef>? PodChanged;

    /// <summary>
    /// The file holding a container's output in the CRI log format the kubelet reads (one line per write:
    /// <c>2024-01-02T03:04:05.123456789Z stdout F text</c>, <c>P</c> instead of <c>F</c> for a partial line), for the current
    /// run or, with <paramref name="previous"/>, the run before it. Null when there is no such run (or no logs).
    /// </summary>
    string? ContainerLogPath(string podUid, string containerName, bool previous) => null;

    /// <summary>
    /// Runs <paramref name="command"/> inside a running container (kubectl exec) wired to <paramref name="streams"/> and
    /// returns its exit code once it ends. Throws <see cref="InvalidOperationException"/> with a user-facing message when the
    /// pod or container does not run.
    /// </summary>
    Task<int> ExecAsync(string podUid, string containerName, IReadOnlyList<string> command, ExecStreams streams, CancellationToken ct)
        => throw new NotSupportedException($"exec is not supported by the {RuntimeVersion} runtime");
}

/// <summary>The standard streams of an exec session; null ones are not connected. With <see cref="Tty"/> there is no stderr.</summary>
public sealed record ExecStreams
{
    public Stream? Stdin { get; init; }
    public Stream? Stdout { get; init; }
    public Stream? Stderr { get; init; }
    public bool Tty { get; init; }
    /// <summary>Terminal size changes (width, height) while <see cref="Tty"/> is set.</summary>
    public System.Threading.Channels.ChannelReader<(ushort Width, ushort Height)>? Resize { get; init; }
}

/// <summary>Which API pod a sandbox belongs to.</summary>
public sealed record PodRef(string Namespace, string Name, string Uid);

/// <summary>A pod sandbox as the runtime sees it.</summary>
public sealed record PodSandboxStatus
{
    public required PodRef Pod { get; init; }
    /// <summary>The pod's IP (null until the network is set up).</summary>
    public string? Ip { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>One entry per spec.containers entry, in spec order.</summary>
    public IReadOnlyList<ContainerRuntimeStatus> Containers { get; init; } = [];
    /// <summary>One entry per spec.initContainers entry, in spec order (runtimes that do not run init containers leave it empty).</summary>
    public IReadOnlyList<ContainerRuntimeStatus> InitContainers { get; init; } = [];
}

public enum ContainerRunState { Waiting, Running, Terminated }

/// <summary>The last run of a container that ended.</summary>
public sealed record ContainerTermination(int ExitCode, string Reason, DateTimeOffset? StartedAt, DateTimeOffset FinishedAt, string ContainerId, int? Signal = null);

/// <summary>One container's current state.</summary>
public sealed record ContainerRuntimeStatus
{
    public required string Name { get; init; }
    public required string Image { get; init; }
    /// <summary>Resolved image reference, e.g. "docker.io/library/nginx@sha256:…".</summary>
    public string ImageId { get; init; } = "";
    /// <summary>The runtime's id of the current (or last) run, without scheme; empty before the first start.</summary>
    public string ContainerId { get; init; } = "";
    public ContainerRunState State { get; init; }
    /// <summary>Waiting: ContainerCreating, CrashLoopBackOff…; Terminated: Completed, Error…</summary>
    public string? Reason { get; init; }
    public string? Message { get; init; }
    /// <summary>Terminated only.</summary>
    public int? ExitCode { get; init; }
    public int? Signal { get; init; }
    /// <summary>Running and Terminated.</summary>
    public DateTimeOffset? StartedAt { get; init; }
    /// <summary>Terminated only.</summary>
    public DateTimeOffset? FinishedAt { get; init; }
    public bool Ready { get; init; }
    /// <summary>True once the container has started (and passed any startup probe).</summary>
    public bool Started { get; init; }
    public int RestartCount { get; init; }
    public ContainerTermination? LastTermination { get; init; }
}
