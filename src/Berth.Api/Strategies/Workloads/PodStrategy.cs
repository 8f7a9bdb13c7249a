using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Api.Validation;

namespace Berth.Api.Strategies.Workloads;

/// <summary>core/v1 Pod: pkg/registry/core/pod/strategy.go, SetDefaults_Pod/PodSpec, ValidatePodCreate/Update, printPod.</summary>
public sealed class PodStrategy : ResourceStrategy<Pod>
{
    /// <summary>
    /// A pod on a node stops gracefully: the node agent kills it and finishes the delete. A pod never scheduled goes
    /// at once. The grace period is the request's, else the pod's terminationGracePeriodSeconds (default 30).
    /// </summary>
    protected override long GracePeriodSeconds(Pod pod, long? requested)
    {
        if (string.IsNullOrEmpty(pod.Spec?.NodeName)) return 0;
        return Math.Max(0, requested ?? pod.Spec.TerminationGracePeriodSeconds ?? 30);
    }

    /// <summary>The fields a pod update may change, as ValidatePodUpdate lists them in Kubernetes 1.32.</summary>
    public const string UpdatableFieldsMessage =
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    protected override void PrepareForCreate(Pod obj)
    {
        obj.Status = new PodStatus { Phase = "Pending", QosClass = QosClass(obj.Spec ?? new PodSpec()) };
        if (obj.Spec?.SchedulingGates is { Count: > 0 })
            obj.Status.Conditions = [new PodCondition
            {
                Type = "PodScheduled", Status = "False", Reason = "SchedulingGated",
                Message = "Scheduling is blocked due to non-empty scheduling gates",
            }];
    }

    protected override void Default(Pod obj)
    {
        var spec = obj.Spec ??= new PodSpec();
        // SetDefaults_Pod: requests default to limits.
        foreach (var c in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
        {
            if (c.Resources?.Limits is not { Count: > 0 } limits) continue;
            c.Resources.Requests ??= new Dictionary<string, Quantity>();
            foreach (var kv in limits) c.Resources.Requests.TryAdd(kv.Key, kv.Value);
        }
        spec.EnableServiceLinks ??= true;
        if (spec.HostNetwork == true)
            foreach (var c in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
                foreach (var p in c.Ports ?? [])
                    if ((p.HostPort ?? 0) == 0) p.HostPort = p.ContainerPortNumber;
        PodSpecDefaults.Apply(spec);
        // The Priority admission plugin's defaults for pods without a priority class.
        if (string.IsNullOrEmpty(spec.PriorityClassName)) spec.Priority ??= 0;
        spec.PreemptionPolicy ??= "PreemptLowerPriority";
    }

    protected override void Validate(Pod obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new PodSpec();
        var path = FieldPath.Root.Child("spec");
        PodSpecValidation.Validate(spec, path, errors);
        if (spec.NodeName is { Length: > 0 } && spec.SchedulingGates is { Count: > 0 })
            errors.Add(FieldError.Forbidden(path.Child("nodeName"), "cannot be set until all schedulingGates have been cleared"));
    }

    protected override void ValidateUpdate(Pod obj, Pod old, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new PodSpec();
        var oldSpec = old.Spec ?? new PodSpec();
        var path = FieldPath.Root.Child("spec");

        if (!ContainerUpdates(spec.Containers, oldSpec.Containers, path.Child("containers"), errors)) return;
        if (!ContainerUpdates(spec.InitContainers, oldSpec.InitContainers, path.Child("initContainers"), errors)) return;

        if (spec.ActiveDeadlineSeconds is { } ads)
        {
            if (ads < 0 || ads > int.MaxValue)
            {
                errors.Add(FieldError.Invalid(path.Child("activeDeadlineSeconds"), ads, $"must be between 0 and {int.MaxValue}, inclusive"));
                return;
            }
            if (oldSpec.ActiveDeadlineSeconds is { } oldAds && oldAds < ads)
            {
                errors.Add(FieldError.Invalid(path.Child("activeDeadlineSeconds"), ads, "must be less than or equal to previous value"));
                return;
            }
        }
        else if (oldSpec.ActiveDeadlineSeconds is not null)
            errors.Add(FieldError.Invalid(path.Child("activeDeadlineSeconds"), null, "must not update from a positive integer to nil value"));

        foreach (var o in oldSpec.Tolerations ?? [])
        {
            bool found = (spec.Tolerations ?? []).Any(n => n.Key == o.Key && n.Operator == o.Operator && n.Value == o.Value && n.Effect == o.Effect);
            if (!found)
            {
                errors.Add(FieldError.Forbidden(path.Child("tolerations"), "existing toleration can not be modified except its tolerationSeconds"));
                break;
            }
        }

        if (Util.JsonEquals(spec, oldSpec)) return;

        // Munge the updatable fields to their old values, then require equality.
        var munged = Util.Clone(spec);
        for (int i = 0; i < (munged.Containers?.Count ?? 0); i++) munged.Containers![i].Image = oldSpec.Containers![i].Image;
        for (int i = 0; i < (munged.InitContainers?.Count ?? 0); i++) munged.InitContainers![i].Image = oldSpec.InitContainers![i].Image;
        munged.ActiveDeadlineSeconds = oldSpec.ActiveDeadlineSeconds;
        munged.SchedulingGates = oldSpec.SchedulingGates;
        munged.Tolerations = oldSpec.Tolerations;
        if (oldSpec.TerminationGracePeriodSeconds < 0 && munged.TerminationGracePeriodSeconds == 1)
            munged.TerminationGracePeriodSeconds = oldSpec.TerminationGracePeriodSeconds;
        // Binding: nodeName may be set once, while it is empty.
        if (string.IsNullOrEmpty(oldSpec.NodeName)) munged.NodeName = oldSpec.NodeName;

        if (!Util.JsonEquals(munged, oldSpec))
            errors.Add(FieldError.Forbidden(path, UpdatableFieldsMessage + "\n" + SpecDiff(oldSpec, munged)));
    }

    /// <summary>ValidateContainerUpdates; false means stop (containers were added or removed).</summary>
    private static bool ContainerUpdates(List<Container>? updated, List<Container>? old, FieldPath path, List<FieldError> errors)
    {
        if ((updated?.Count ?? 0) != (old?.Count ?? 0))
        {
            errors.Add(FieldError.Forbidden(path, "pod updates may not add or remove containers"));
            return false;
        }
        for (int i = 0; i < (updated?.Count ?? 0); i++)
        {
            var image = updated![i].Image ?? "";
            // (an empty image is already reported by the spec validation)
            if (image.Trim().Length != image.Length)
                errors.Add(FieldError.Invalid(path.Index(i).Child("image"), image, "must not have leading or trailing whitespace"));
        }
        return true;
    }

    /// <summary>A readable diff of two pod specs, in the spirit of the cmp.Diff upstream appends (which is deliberately unstable).</summary>
    internal static string SpecDiff(PodSpec old, PodSpec updated)
    {
        var a = Util.Node(old) as JsonObject ?? new JsonObject();
        var b = Util.Node(updated) as JsonObject ?? new JsonObject();
        var sb = new StringBuilder("  core.PodSpec{\n");
        foreach (var key in a.Select(kv => kv.Key).Union(b.Select(kv => kv.Key)))
        {
            var x = a[key];
            var y = b[key];
            if (JsonNode.DeepEquals(x, y)) continue;
            var field = char.ToUpperInvariant(key[0]) + key[1..];
            if (x is not null) sb.Append("- \t").Append(field).Append(": ").Append(x.ToJsonString(KubeJson.Options)).Append(",\n");
            if (y is not null) sb.Append("+ \t").Append(field).Append(": ").Append(y.ToJsonString(KubeJson.Options)).Append(",\n");
        }
        return sb.Append("  }\n").ToString();
    }

    /// <summary>qos.GetPodQOS: Guaranteed, Burstable or BestEffort from the cpu/memory requests and limits.</summary>
    public static string QosClass(PodSpec spec)
    {
        var requests = new Dictionary<string, decimal>();
        var limits = new Dictionary<string, decimal>();
        bool guaranteed = true;
        foreach (var c in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
        {
            var lim = c.Resources?.Limits ?? new Dictionary<string, Quantity>();
            // Requests default to limits (SetDefaults_Pod), whichever runs first.
            var req = new Dictionary<string, Quantity>(c.Resources?.Requests ?? new Dictionary<string, Quantity>());
            foreach (var kv in lim) req.TryAdd(kv.Key, kv.Value);
            foreach (var kv in req)
                if (kv.Key is "cpu" or "memory" && kv.Value.Sign > 0)
                    requests[kv.Key] = requests.GetValueOrDefault(kv.Key) + Amount(kv.Key, kv.Value);
            var found = new HashSet<string>();
            foreach (var kv in lim)
                if (kv.Key is "cpu" or "memory" && kv.Value.Sign > 0)
                {
                    found.Add(kv.Key);
                    limits[kv.Key] = limits.GetValueOrDefault(kv.Key) + Amount(kv.Key, kv.Value);
                }
            if (!found.Contains("cpu") || !found.Contains("memory")) guaranteed = false;
        }
        if (requests.Count == 0 && limits.Count == 0) return "BestEffort";
        if (guaranteed)
            foreach (var kv in requests)
                if (!limits.TryGetValue(kv.Key, out var l) || l != kv.Value) { guaranteed = false; break; }
        return guaranteed && requests.Count == limits.Count ? "Guaranteed" : "Burstable";
    }

    private static decimal Amount(string resource, Quantity q) => resource == "cpu" ? q.MilliValue : q.Value;

    // ---------------------------------------------------------------- printing

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Util.NameColumn,
        new("Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic."),
        new("Status", "string", "", "The aggregate status of the containers in this pod."),
        new("Restarts", "string", "", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
        Util.AgeColumn,
        new("IP", "string", "", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
        new("Node", "string", "", "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName.", 1),
        new("Nominated Node", "string", "", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.", 1),
        new("Readiness Gates", "string", "", "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\"", 1),
    ];

    /// <summary>printPod (pkg/printers/internalversion/printers.go, 1.32).</summary>
    protected override object?[] Row(Pod pod, DateTimeOffset now)
    {
        var spec = pod.Spec ?? new PodSpec();
        var status = pod.Status ?? new PodStatus();
        int restarts = 0, restartableInitRestarts = 0, ready = 0;
        int total = spec.Containers?.Count ?? 0;
        DateTimeOffset? lastRestart = null, lastRestartableInitRestart = null;

        var phase = status.Phase ?? "";
        var reason = string.IsNullOrEmpty(status.Reason) ? phase : status.Reason;
        foreach (var c in status.Conditions ?? [])
            if (c.Type == "PodScheduled" && c.Reason == "SchedulingGated") reason = "SchedulingGated";

        var inits = new Dictionary<string, Container>();
        foreach (var c in spec.InitContainers ?? [])
        {
            inits[c.Name ?? ""] = c;
            if (c.RestartPolicy == "Always") total++;
        }

        bool initializing = false;
        var initStatuses = status.InitContainerStatuses ?? [];
        for (int i = 0; i < initStatuses.Count; i++)
        {
            var cs = initStatuses[i];
            restarts += cs.RestartCount ?? 0;
            Later(ref lastRestart, cs.LastState?.Terminated?.FinishedAt);
            bool restartable = inits.TryGetValue(cs.Name ?? "", out var ic) && ic.RestartPolicy == "Always";
            if (restartable)
            {
                restartableInitRestarts += cs.RestartCount ?? 0;
                Later(ref lastRestartableInitRestart, cs.LastState?.Terminated?.FinishedAt);
            }
            var term = cs.State?.Terminated;
            var wait = cs.State?.Waiting;
            if (term is not null && (term.ExitCode ?? 0) == 0) continue;
            if (restartable && cs.Started == true)
            {
                if (cs.Ready == true) ready++;
                continue;
            }
            if (term is not null)
            {
                reason = string.IsNullOrEmpty(term.Reason)
                    ? (term.Signal is { } sig && sig != 0 ? $"Init:Signal:{sig}" : $"Init:ExitCode:{term.ExitCode ?? 0}")
                    : "Init:" + term.Reason;
                initializing = true;
            }
            else if (wait is not null && !string.IsNullOrEmpty(wait.Reason) && wait.Reason != "PodInitializing")
            {
                reason = "Init:" + wait.Reason;
                initializing = true;
            }
            else
            {
                reason = $"Init:{i}/{spec.InitContainers?.Count ?? 0}";
                initializing = true;
            }
            break;
        }

        bool initialized = (status.Conditions ?? []).Any(c => c.Type == "Initialized" && c.Status == "True");
        if (!initializing || initialized)
        {
            restarts = restartableInitRestarts;
            lastRestart = lastRestartableInitRestart;
            bool hasRunning = false;
            var statuses = status.ContainerStatuses ?? [];
            for (int i = statuses.Count - 1; i >= 0; i--)
            {
                var cs = statuses[i];
                restarts += cs.RestartCount ?? 0;
                Later(ref lastRestart, cs.LastState?.Terminated?.FinishedAt);
                var wait = cs.State?.Waiting;
                var term = cs.State?.Terminated;
                if (wait is not null && !string.IsNullOrEmpty(wait.Reason)) reason = wait.Reason;
                else if (term is not null && !string.IsNullOrEmpty(term.Reason)) reason = term.Reason;
                else if (term is not null)
                    reason = term.Signal is { } sig && sig != 0 ? $"Signal:{sig}" : $"ExitCode:{term.ExitCode ?? 0}";
                else if (cs.Ready == true && cs.State?.Running is not null)
                {
                    hasRunning = true;
                    ready++;
                }
            }
            if (reason == "Completed" && hasRunning)
                reason = (status.Conditions ?? []).Any(c => c.Type == "Ready" && c.Status == "True") ? "Running" : "NotReady";
        }

        if (pod.Metadata.DeletionTimestamp is not null && status.Reason == "NodeLost") reason = "Unknown";
        else if (pod.Metadata.DeletionTimestamp is not null && phase is not ("Failed" or "Succeeded")) reason = "Terminating";

        var restartsText = restarts.ToString(CultureInfo.InvariantCulture);
        if (restarts != 0 && lastRestart is { } lr)
            restartsText = $"{restarts} ({Printing.HumanDuration(now - lr)} ago)";

        var podIP = status.PodIPs is { Count: > 0 } ips ? ips[0].Ip ?? "" : "";
        if (podIP.Length == 0) podIP = Printing.None;
        var node = string.IsNullOrEmpty(spec.NodeName) ? Printing.None : spec.NodeName;
        var nominated = string.IsNullOrEmpty(status.NominatedNodeName) ? Printing.None : status.NominatedNodeName;
        var gates = Printing.None;
        if (spec.ReadinessGates is { Count: > 0 } rgs)
        {
            int trueCount = 0;
            foreach (var g in rgs)
            {
                var cond = (status.Conditions ?? []).FirstOrDefault(c => c.Type == g.ConditionType);
                if (cond?.Status == "True") trueCount++;
            }
            gates = $"{trueCount}/{rgs.Count}";
        }

        return
        [
            pod.Metadata.Name, $"{ready}/{total}", reason, restartsText, Printing.Age(pod.Metadata.CreationTimestamp, now),
            podIP, node, nominated, gates,
        ];
    }

    private static void Later(ref DateTimeOffset? current, DateTimeOffset? candidate)
    {
        if (candidate is { } c && (current is null || current.Value < c)) current = c;
    }

    protected override void AddSelectableFields(Pod obj, Dictionary<string, string> fields)
    {
        var spec = obj.Spec ?? new PodSpec();
        var status = obj.Status ?? new PodStatus();
        fields["spec.nodeName"] = spec.NodeName ?? "";
        fields["spec.restartPolicy"] = spec.RestartPolicy ?? "";
        fields["spec.schedulerName"] = spec.SchedulerName ?? "";
        fields["spec.serviceAccountName"] = spec.ServiceAccountName ?? "";
        fields["spec.hostNetwork"] = spec.HostNetwork == true ? "true" : "false";
        fields["status.phase"] = status.Phase ?? "";
        fields["status.podIP"] = status.PodIPs is { Count: > 0 } ips ? ips[0].Ip ?? "" : status.PodIP ?? "";
        fields["status.nominatedNodeName"] = status.NominatedNodeName ?? "";
    }
}
