using System.Text.Json;
using Berth.Api.Core;
using Berth.Api.Meta;

namespace Berth.Kubelet;

/// <summary>
/// Computes a pod's status from what the runtime reports (the kubelet's generateAPIPodStatus / getPhase), keeping the
/// fields that did not change (lastTransitionTime, startTime) so that an unchanged pod yields an equal status.
/// </summary>
public static class PodStatusBuilder
{
    public const string ContainerIdScheme = "berth://";

    /// <summary>Status of a pod whose sandbox could not be created yet (e.g. a volume is not ready): Pending, containers ContainerCreating.</summary>
    public static PodStatus Waiting(Pod pod, string hostIp, DateTimeOffset now, string reason = "ContainerCreating")
    {
        var old = pod.Status ?? new PodStatus();
        var spec = pod.Spec ?? new PodSpec();
        var containers = (spec.Containers ?? []).Select(c => new ContainerStatus
        {
            Name = c.Name,
            Image = c.Image,
            ImageID = "",
            State = new ContainerState { Waiting = new ContainerStateWaiting { Reason = reason } },
            LastState = new ContainerState(),
            Ready = false,
            Started = false,
            RestartCount = 0,
        }).ToList();
        var status = Common(pod, old, hostIp, now);
        status.Phase = "Pending";
        status.ContainerStatuses = containers;
        status.Conditions = Conditions(pod, old, now, sandboxReady: false, containers, "Pending");
        return status;
    }

    /// <summary>Status of a pod the runtime runs.</summary>
    public static PodStatus FromSandbox(Pod pod, PodSandboxStatus sandbox, string hostIp, DateTimeOffset now)
    {
        var old = pod.Status ?? new PodStatus();
        var spec = pod.Spec ?? new PodSpec();
        var containers = Statuses(spec.Containers, sandbox.Containers, "ContainerCreating");
        // A runtime that runs init containers reports every one of them; one that does not (simulated) reports none.
        var inits = sandbox.InitContainers.Count > 0 ? Statuses(spec.InitContainers, sandbox.InitContainers, "PodInitializing") : [];
        // Until every init container has succeeded, the app containers wait for them (upstream: PodInitializing).
        var pendingInit = new List<string>();
        bool failedInit = false;
        foreach (var ic in inits)
        {
            if (ic.State?.Terminated is { } t) { if ((t.ExitCode ?? 0) != 0) { failedInit = true; pendingInit.Add(ic.Name ?? ""); } }
            else pendingInit.Add(ic.Name ?? "");
        }
        if (pendingInit.Count > 0)
            foreach (var c in containers)
                if (c.State?.Waiting is { Reason: "ContainerCreating" }) c.State.Waiting.Reason = "PodInitializing";
        var phase = failedInit && spec.RestartPolicy == "Never" ? "Failed" : pendingInit.Count > 0 ? "Pending" : Phase(spec, containers);
        var status = Common(pod, old, hostIp, now);
        status.Phase = phase;
        if (inits.Count > 0) status.InitContainerStatuses = inits;
        if (sandbox.Ip is { Length: > 0 } ip)
        {
            status.PodIP = ip;
            status.PodIPs = [new PodIP { Ip = ip }];
        }
        status.ContainerStatuses = containers;
        status.Conditions = Conditions(pod, old, now, sandboxReady: sandbox.Ip is not null && phase is not ("Succeeded" or "Failed"), containers, phase, pendingInit);
        return status;
    }

    private static List<ContainerStatus> Statuses(List<Container>? specs, IReadOnlyList<ContainerRuntimeStatus> reported, string waitingReason)
    {
        var byName = new Dictionary<string, ContainerRuntimeStatus>(StringComparer.Ordinal);
        foreach (var r in reported) byName[r.Name] = r;
        var list = new List<ContainerStatus>();
        foreach (var c in specs ?? [])
        {
            if (!byName.TryGetValue(c.Name ?? "", out var rc))
            {
                list.Add(new ContainerStatus
                {
                    Name = c.Name, Image = c.Image, ImageID = "", Ready = false, Started = false, RestartCount = 0,
                    State = new ContainerState { Waiting = new ContainerStateWaiting { Reason = waitingReason } },
                    LastState = new ContainerState(),
                });
                continue;
            }
            list.Add(new ContainerStatus
            {
                Name = rc.Name,
                Image = c.Image ?? rc.Image,
                ImageID = rc.ContainerId.Length == 0 ? "" : rc.ImageId,
                ContainerID = rc.ContainerId.Length == 0 ? null : ContainerIdScheme + rc.ContainerId,
                State = rc.State switch
                {
                    ContainerRunState.Running => new ContainerState { Running = new ContainerStateRunning { StartedAt = rc.StartedAt } },
                    ContainerRunState.Terminated => new ContainerState
                    {
                        Terminated = new ContainerStateTerminated
                        {
                            ExitCode = rc.ExitCode ?? 0, Signal = rc.Signal, Reason = rc.Reason, Message = rc.Message,
                            StartedAt = rc.StartedAt, FinishedAt = rc.FinishedAt,
                            ContainerID = rc.ContainerId.Length == 0 ? null : ContainerIdScheme + rc.ContainerId,
                        },
                    },
                    _ => new ContainerState { Waiting = new ContainerStateWaiting { Reason = rc.Reason, Message = rc.Message } },
                },
                LastState = rc.LastTermination is { } lt
                    ? new ContainerState
                    {
                        Terminated = new ContainerStateTerminated
                        {
                            ExitCode = lt.ExitCode, Signal = lt.Signal, Reason = lt.Reason, StartedAt = lt.StartedAt, FinishedAt = lt.FinishedAt,
                            ContainerID = ContainerIdScheme + lt.ContainerId,
                        },
                    }
                    : new ContainerState(),
                Ready = rc.Ready,
                Started = rc.Started,
                RestartCount = rc.RestartCount,
            });
        }
        return list;
    }

    private static PodStatus Common(Pod pod, PodStatus old, string hostIp, DateTimeOffset now) => new()
    {
        HostIP = hostIp,
        HostIPs = [new HostIP { Ip = hostIp }],
        StartTime = old.StartTime ?? Truncate(now),
        QosClass = old.QosClass,
        NominatedNodeName = old.NominatedNodeName,
        Unknown = old.Unknown,
    };

    /// <summary>getPhase (pkg/kubelet/kubelet_pods.go) for regular containers.</summary>
    public static string Phase(PodSpec spec, IReadOnlyList<ContainerStatus> containers)
    {
        int waiting = 0, running = 0, stopped = 0, succeeded = 0, unknown = 0;
        foreach (var cs in containers)
        {
            var st = cs.State;
            if (st?.Running is not null) running++;
            else if (st?.Terminated is { } t)
            {
                stopped++;
                if ((t.ExitCode ?? 0) == 0) succeeded++;
            }
            else if (st?.Waiting is not null)
            {
                if (cs.LastState?.Terminated is not null) stopped++;
                else waiting++;
            }
            else unknown++;
        }
        if (waiting > 0) return "Pending";
        if (running > 0 && unknown == 0) return "Running";
        if (running == 0 && stopped > 0 && unknown == 0)
        {
            var policy = spec.RestartPolicy ?? "Always";
            if (policy == "Always") return "Running";
            if (stopped == succeeded) return "Succeeded";
            if (policy == "Never") return "Failed";
            return "Running";
        }
        return "Pending";
    }

    private static List<PodCondition> Conditions(Pod pod, PodStatus old, DateTimeOffset now, bool sandboxReady, List<ContainerStatus> containers, string phase, List<string>? pendingInit = null)
    {
        var notReady = containers.Where(c => c.Ready != true).Select(c => c.Name ?? "").ToList();
        bool terminal = phase is "Succeeded" or "Failed";
        PodCondition containersReady, ready;
        if (terminal)
        {
            containersReady = new PodCondition { Type = "ContainersReady", Status = "False", Reason = "PodCompleted" };
            ready = new PodCondition { Type = "Ready", Status = "False", Reason = "PodCompleted" };
        }
        else if (notReady.Count == 0 && containers.Count > 0)
        {
            containersReady = new PodCondition { Type = "ContainersReady", Status = "True" };
            ready = new PodCondition { Type = "Ready", Status = "True" };
        }
        else
        {
            var msg = $"containers with unready status: [{string.Join(" ", notReady)}]";
            containersReady = new PodCondition { Type = "ContainersReady", Status = "False", Reason = "ContainersNotReady", Message = msg };
            ready = new PodCondition { Type = "Ready", Status = "False", Reason = "ContainersNotReady", Message = msg };
        }
        // Readiness gates: Ready also needs every gate's condition True.
        if (ready.Status == "True" && pod.Spec?.ReadinessGates is { Count: > 0 } gates)
        {
            var missing = gates.Where(g => !(old.Conditions ?? []).Any(c => c.Type == g.ConditionType && c.Status == "True")).Select(g => g.ConditionType).ToList();
            if (missing.Count > 0)
                ready = new PodCondition { Type = "Ready", Status = "False", Reason = "ReadinessGatesNotReady", Message = $"corresponding condition of pod readiness gate \"{missing[0]}\" does not exist." };
        }
        var list = new List<PodCondition>
        {
            new() { Type = "PodReadyToStartContainers", Status = sandboxReady ? "True" : "False" },
            pendingInit is { Count: > 0 }
                ? new() { Type = "Initialized", Status = "False", Reason = "ContainersNotInitialized", Message = $"containers with incomplete status: [{string.Join(" ", pendingInit)}]" }
                : new() { Type = "Initialized", Status = "True" },
            ready,
            containersReady,
            new() { Type = "PodScheduled", Status = "True" },
        };
        var managed = list.Select(c => c.Type).ToHashSet();
        foreach (var c in list)
        {
            var prior = (old.Conditions ?? []).FirstOrDefault(o => o.Type == c.Type);
            c.LastProbeTime = null;
            c.LastTransitionTime = prior is not null && prior.Status == c.Status && prior.LastTransitionTime is not null
                ? prior.LastTransitionTime
                : Truncate(now);
        }
        // Conditions others own (readiness gates, DisruptionTarget…) are kept.
        list.AddRange((old.Conditions ?? []).Where(c => !managed.Contains(c.Type)));
        return list;
    }

    public static DateTimeOffset Truncate(DateTimeOffset t)
        => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    /// <summary>True when two statuses serialize identically (what the API would store).</summary>
    public static bool Same(PodStatus? a, PodStatus? b)
        => JsonSerializer.Serialize(a, KubeJson.Options) == JsonSerializer.Serialize(b, KubeJson.Options);
}
