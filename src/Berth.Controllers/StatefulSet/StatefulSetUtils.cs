using System.Globalization;
using Berth.Api.Apps;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;

namespace Berth.Controllers.StatefulSets;

/// <summary>pkg/controller/statefulset/stateful_set_utils.go: identity, storage, revisions and health of stateful pods.</summary>
public static class StatefulSetUtils
{
    public const string PodNameLabel = "statefulset.kubernetes.io/pod-name";
    public const string PodIndexLabel = "apps.kubernetes.io/pod-index";
    public const string RevisionLabel = "controller-revision-hash";
    public const string HashLabel = "controller.kubernetes.io/hash";
    public const string OrderedReady = "OrderedReady";
    public const string Parallel = "Parallel";
    public const string RollingUpdate = "RollingUpdate";
    public const string OnDelete = "OnDelete";
    public const string Retain = "Retain";
    public const string Delete = "Delete";
    public const string AppsV1 = "apps/v1";
    /// <summary>Opt-in (value "true"): recover an OrderedReady rolling update stuck on a pod of a broken template (kubernetes #67250).</summary>
    public const string RecoverStuckRolloutAnnotation = "berth.io/recover-stuck-rollout";

    /// <summary>getParentNameAndOrdinal (upstream's <c>^(.*)-([0-9]+)$</c>): ("", -1) when the name is not "&lt;parent&gt;-&lt;int&gt;".
    /// Parsed by hand: it runs for every pod of a set on every sync.</summary>
    public static (string Parent, int Ordinal) ParentAndOrdinal(string? podName)
    {
        if (podName is null) return ("", -1);
        int dash = podName.LastIndexOf('-');
        if (dash < 0 || dash == podName.Length - 1) return ("", -1);
        long ord = 0;
        for (int i = dash + 1; i < podName.Length; i++)
        {
            char c = podName[i];
            if (c < '0' || c > '9') return ("", -1);
            ord = ord * 10 + (c - '0');
            if (ord > int.MaxValue) return ("", -1);
        }
        return (podName[..dash], (int)ord);
    }

    public static int Ordinal(Pod pod) => ParentAndOrdinal(pod.Metadata.Name).Ordinal;
    public static string PodName(StatefulSet set, int ordinal) => $"{set.Metadata.Name}-{ordinal.ToString(CultureInfo.InvariantCulture)}";
    public static string ClaimName(StatefulSet set, PersistentVolumeClaim template, int ordinal)
        => $"{template.Metadata.Name}-{set.Metadata.Name}-{ordinal.ToString(CultureInfo.InvariantCulture)}";

    public static int Replicas(StatefulSet set) => set.Spec?.Replicas ?? 1;
    public static int StartOrdinal(StatefulSet set) => set.Spec?.Ordinals?.Start ?? 0;
    public static int EndOrdinal(StatefulSet set) => StartOrdinal(set) + Replicas(set) - 1;
    public static bool InOrdinalRange(Pod pod, StatefulSet set)
    {
        var o = Ordinal(pod);
        return o >= StartOrdinal(set) && o <= EndOrdinal(set);
    }

    /// <summary>isMemberOf: the pod's name parses as "&lt;set&gt;-&lt;ordinal&gt;".</summary>
    public static bool IsMemberOf(StatefulSet set, Pod pod) => ParentAndOrdinal(pod.Metadata.Name).Parent == set.Metadata.Name;

    public static bool AllowsBurst(StatefulSet set) => set.Spec?.PodManagementPolicy == Parallel;

    public static (string WhenDeleted, string WhenScaled) RetentionPolicy(StatefulSet set)
    {
        var p = set.Spec?.PersistentVolumeClaimRetentionPolicy;
        return (p?.WhenDeleted is { Length: > 0 } d ? d : Retain, p?.WhenScaled is { Length: > 0 } s ? s : Retain);
    }

    // ------------------------------------------------------------------ pod state

    public static bool IsCreated(Pod p) => !string.IsNullOrEmpty(p.Status?.Phase);
    public static bool IsPending(Pod p) => p.Status?.Phase == "Pending";
    public static bool IsFailed(Pod p) => p.Status?.Phase == "Failed";
    public static bool IsSucceeded(Pod p) => p.Status?.Phase == "Succeeded";
    public static bool IsTerminating(Pod p) => p.Metadata.DeletionTimestamp is not null;

    public static PodCondition? ReadyCondition(Pod p) => p.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
    public static bool IsReady(Pod p) => ReadyCondition(p)?.Status == "True";
    public static bool IsRunningAndReady(Pod p) => p.Status?.Phase == "Running" && IsReady(p);

    /// <summary>podutil.IsPodAvailable on a running pod: Ready for at least minReadySeconds.</summary>
    public static bool IsRunningAndAvailable(Pod p, int minReadySeconds, DateTimeOffset now)
    {
        if (!IsRunningAndReady(p)) return false;
        if (minReadySeconds <= 0) return true;
        var t = ReadyCondition(p)?.LastTransitionTime;
        return t is not null && t.Value.AddSeconds(minReadySeconds) < now;
    }

    /// <summary>When a ready pod becomes available (null when it is not ready or already available).</summary>
    public static TimeSpan? AvailableIn(Pod p, int minReadySeconds, DateTimeOffset now)
    {
        if (!IsRunningAndReady(p) || minReadySeconds <= 0) return null;
        var t = ReadyCondition(p)?.LastTransitionTime;
        if (t is null) return TimeSpan.FromSeconds(minReadySeconds);
        var left = t.Value.AddSeconds(minReadySeconds) - now;
        return left > TimeSpan.Zero ? left : null;
    }

    public static bool IsHealthy(Pod p) => IsRunningAndReady(p) && !IsTerminating(p);

    /// <summary>isUnavailable: not healthy, or not yet available for minReadySeconds (a pod not created yet is unavailable).</summary>
    public static bool IsUnavailable(Pod p, int minReadySeconds, DateTimeOffset now) => !IsHealthy(p) || !IsRunningAndAvailable(p, minReadySeconds, now);

    public static bool RecoversStuckRollout(StatefulSet set)
        => string.Equals(set.Metadata.Annotation(RecoverStuckRolloutAnnotation), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// getStatefulSetMaxUnavailable: an int, or a percentage of the replicas rounded down; at least 1; 1 when unset.
    /// False with upstream's message for a string that is not a percentage (validation refuses those; an old object may hold one).
    /// </summary>
    public static bool TryMaxUnavailable(IntOrString? value, int replicas, out int result, out string error)
    {
        result = 1; error = "";
        if (value is null) return true;
        if (!IntOrString.TryGetScaledValueFromIntOrPercent(value, replicas, roundUp: false, out var n, out error)) return false;
        result = Math.Max(1, n);
        return true;
    }

    public static string? PodRevision(Pod p) => p.Metadata.Label(RevisionLabel);

    // ------------------------------------------------------------------ identity and storage

    /// <summary>getPersistentVolumeClaims for one template: the claim it makes for an ordinal: the template's copy, named, in the set's namespace, with the selector's labels.</summary>
    public static PersistentVolumeClaim ClaimFor(StatefulSet set, PersistentVolumeClaim template, int ordinal)
    {
        var claim = KubeObjects.DeepCopy(template);
        claim.ApiVersion = "v1";
        claim.Kind = "PersistentVolumeClaim";
        claim.Status = null;
        claim.Metadata.Name = ClaimName(set, template, ordinal);
        claim.Metadata.Namespace = set.Metadata.Namespace;
        claim.Metadata.ResourceVersion = null;
        claim.Metadata.Uid = null;
        claim.Metadata.CreationTimestamp = null;
        var labels = claim.Metadata.Labels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(claim.Metadata.Labels);
        foreach (var (k, v) in set.Spec?.Selector?.MatchLabels ?? []) labels[k] = v;
        claim.Metadata.Labels = labels.Count > 0 ? labels : null;
        return claim;
    }

    /// <summary>The names of the claims of the pod at an ordinal, in template order (no copies: checks run on every sync).</summary>
    public static List<string> ClaimNames(StatefulSet set, int ordinal)
    {
        var templates = set.Spec?.VolumeClaimTemplates;
        var names = new List<string>(templates?.Count ?? 0);
        foreach (var t in templates ?? []) names.Add(ClaimName(set, t, ordinal));
        return names;
    }

    public static OwnerReference ControllerRef(StatefulSet set) => new()
    {
        ApiVersion = AppsV1, Kind = "StatefulSet", Name = set.Metadata.Name ?? "", Uid = set.Metadata.Uid ?? "",
        Controller = true, BlockOwnerDeletion = true,
    };

    public static OwnerReference PodRef(Pod pod) => new()
    {
        ApiVersion = "v1", Kind = "Pod", Name = pod.Metadata.Name ?? "", Uid = pod.Metadata.Uid ?? "",
        Controller = true, BlockOwnerDeletion = true,
    };

    public static OwnerReference? ControllerOf(KubeObject o) => o.Metadata.OwnerReferences?.FirstOrDefault(r => r.Controller == true);

    /// <summary>newStatefulSetPod: GetPodFromTemplate + initIdentity + updateStorage.</summary>
    public static Pod NewPod(StatefulSet set, int ordinal)
    {
        var template = set.Spec?.Template ?? new PodTemplateSpec();
        var pod = new Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new ObjectMeta
            {
                Name = PodName(set, ordinal),
                Namespace = set.Metadata.Namespace,
                Labels = template.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : new Dictionary<string, string>(),
                Annotations = template.Metadata?.Annotations is { Count: > 0 } a ? new Dictionary<string, string>(a) : null,
                Finalizers = template.Metadata?.Finalizers is { Count: > 0 } f ? new List<string>(f) : null,
                OwnerReferences = [ControllerRef(set)],
            },
            Spec = template.Spec is null ? new PodSpec() : Copy(template.Spec),
        };
        UpdateIdentity(set, pod);
        UpdateStorage(set, pod);
        return pod;
    }

    private static PodSpec Copy(PodSpec spec) => KubeJson.Deserialize<PodSpec>(KubeJson.Serialize(spec));

    public static void UpdateIdentity(StatefulSet set, Pod pod)
    {
        var ordinal = Ordinal(pod);
        pod.Metadata.Name = PodName(set, ordinal);
        pod.Metadata.Namespace = set.Metadata.Namespace;
        pod.Metadata.Labels ??= new Dictionary<string, string>();
        pod.Metadata.Labels[PodNameLabel] = pod.Metadata.Name;
        pod.Metadata.Labels[PodIndexLabel] = ordinal.ToString(CultureInfo.InvariantCulture);
        pod.Spec ??= new PodSpec();
        pod.Spec.Hostname = pod.Metadata.Name;
        pod.Spec.Subdomain = string.IsNullOrEmpty(set.Spec?.ServiceName) ? null : set.Spec.ServiceName;
    }

    public static bool IdentityMatches(StatefulSet set, Pod pod)
    {
        var (parent, ordinal) = ParentAndOrdinal(pod.Metadata.Name);
        return ordinal >= 0 && parent == set.Metadata.Name && pod.Metadata.Name == PodName(set, ordinal)
            && pod.Metadata.Namespace == set.Metadata.Namespace
            && pod.Metadata.Label(PodNameLabel) == pod.Metadata.Name
            && pod.Metadata.Label(PodIndexLabel) == ordinal.ToString(CultureInfo.InvariantCulture);
    }

    public static void UpdateStorage(StatefulSet set, Pod pod)
    {
        int ordinal = Ordinal(pod);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var volumes = new List<Volume>();
        foreach (var t in set.Spec?.VolumeClaimTemplates ?? [])
        {
            names.Add(t.Metadata.Name ?? "");
            volumes.Add(new Volume { Name = t.Metadata.Name ?? "", PersistentVolumeClaim = new PersistentVolumeClaimVolumeSource { ClaimName = ClaimName(set, t, ordinal) } });
        }
        foreach (var v in pod.Spec?.Volumes ?? [])
            if (!names.Contains(v.Name ?? "")) volumes.Add(v);
        pod.Spec ??= new PodSpec();
        pod.Spec.Volumes = volumes.Count > 0 ? volumes : null;
    }

    public static bool StorageMatches(StatefulSet set, Pod pod)
    {
        var ordinal = Ordinal(pod);
        if (ordinal < 0) return false;
        var volumes = new Dictionary<string, Volume>(StringComparer.Ordinal);
        foreach (var v in pod.Spec?.Volumes ?? []) volumes[v.Name ?? ""] = v;
        foreach (var t in set.Spec?.VolumeClaimTemplates ?? [])
        {
            if (!volumes.TryGetValue(t.Metadata.Name ?? "", out var v) || v.PersistentVolumeClaim is null
                || v.PersistentVolumeClaim.ClaimName != ClaimName(set, t, ordinal)) return false;
        }
        return true;
    }

    public static void SetRevision(Pod pod, string revision)
    {
        pod.Metadata.Labels ??= new Dictionary<string, string>();
        pod.Metadata.Labels[RevisionLabel] = revision;
    }

    // ------------------------------------------------------------------ owner references (PVC retention)

    private static bool MatchesRef(OwnerReference r, string group, string kind, string? name)
    {
        var slash = r.ApiVersion.IndexOf('/');
        var g = slash < 0 ? "" : r.ApiVersion[..slash];
        return g == group && r.Kind == kind && r.Name == name;
    }

    private static bool MatchesSet(OwnerReference r, StatefulSet set) => MatchesRef(r, "apps", "StatefulSet", set.Metadata.Name);
    private static bool MatchesPod(OwnerReference r, Pod pod) => MatchesRef(r, "", "Pod", pod.Metadata.Name);

    public static bool HasOwnerRef(KubeObject target, KubeObject owner)
        => !string.IsNullOrEmpty(owner.Metadata.Uid) && (target.Metadata.OwnerReferences ?? []).Any(r => r.Uid == owner.Metadata.Uid);

    /// <summary>hasStaleOwnerRef: a reference to an owner of that kind and name but another UID.</summary>
    public static bool HasStaleSetRef(KubeObject target, StatefulSet set)
    {
        foreach (var r in target.Metadata.OwnerReferences ?? []) if (MatchesSet(r, set)) return r.Uid != (set.Metadata.Uid ?? "");
        return false;
    }

    public static bool HasStalePodRef(KubeObject target, Pod pod)
    {
        foreach (var r in target.Metadata.OwnerReferences ?? []) if (MatchesPod(r, pod)) return r.Uid != (pod.Metadata.Uid ?? "");
        return false;
    }

    public static bool HasUnexpectedController(PersistentVolumeClaim claim, StatefulSet set, Pod pod)
    {
        var (whenDeleted, whenScaled) = RetentionPolicy(set);
        if (whenScaled == Retain && whenDeleted == Retain) return false;
        foreach (var r in claim.Metadata.OwnerReferences ?? [])
        {
            if (MatchesSet(r, set)) { if (r.Uid != set.Metadata.Uid) return true; continue; }
            if (MatchesPod(r, pod)) { if (r.Uid != pod.Metadata.Uid) return true; continue; }
            if (r.Controller == true) return true;
        }
        return false;
    }

    private static bool HasNonControllerOwner(PersistentVolumeClaim claim, StatefulSet set, Pod pod)
        => (claim.Metadata.OwnerReferences ?? []).Any(r => (r.Uid == set.Metadata.Uid || (!string.IsNullOrEmpty(pod.Metadata.Uid) && r.Uid == pod.Metadata.Uid)) && r.Controller != true);

    private static bool ClaimOwnerMatchesSetAndPod(PersistentVolumeClaim claim, StatefulSet set, Pod pod)
    {
        if (HasStaleSetRef(claim, set) || HasStalePodRef(claim, pod)) return true;
        if (HasUnexpectedController(claim, set, pod)) return true;
        var (whenDeleted, whenScaled) = RetentionPolicy(set);
        bool scaledDown = !InOrdinalRange(pod, set);
        switch (whenScaled, whenDeleted)
        {
            case (Retain, Delete):
                return HasOwnerRef(claim, set) && !HasOwnerRef(claim, pod);
            case (Delete, Retain):
                return !HasOwnerRef(claim, set) && scaledDown == HasOwnerRef(claim, pod);
            case (Delete, Delete):
                return scaledDown != HasOwnerRef(claim, set) && scaledDown == HasOwnerRef(claim, pod);
            default: // Retain/Retain (and unknown values, treated as Retain)
                return !HasOwnerRef(claim, set) && !HasOwnerRef(claim, pod);
        }
    }

    /// <summary>isClaimOwnerUpToDate.</summary>
    public static bool IsClaimOwnerUpToDate(PersistentVolumeClaim claim, StatefulSet set, Pod pod)
    {
        if (HasStaleSetRef(claim, set) || HasStalePodRef(claim, pod)) return true;
        if (HasUnexpectedController(claim, set, pod)) return !(HasOwnerRef(claim, set) || HasOwnerRef(claim, pod));
        if (HasNonControllerOwner(claim, set, pod)) return false;
        return ClaimOwnerMatchesSetAndPod(claim, set, pod);
    }

    /// <summary>updateClaimOwnerRefForSetAndPod: rewrites the claim's references to the set and pod per the retention policy.</summary>
    public static void UpdateClaimOwnerRefs(PersistentVolumeClaim claim, StatefulSet set, Pod pod)
    {
        bool unexpected = HasUnexpectedController(claim, set, pod);
        var refs = (claim.Metadata.OwnerReferences ?? []).Where(r => !MatchesSet(r, set) && !MatchesPod(r, pod)).ToList();
        if (!unexpected)
        {
            var (whenDeleted, whenScaled) = RetentionPolicy(set);
            bool scaledDown = !InOrdinalRange(pod, set);
            switch (whenScaled, whenDeleted)
            {
                case (Retain, Delete): AddRef(refs, ControllerRef(set)); break;
                case (Delete, Retain): if (scaledDown) AddRef(refs, PodRef(pod)); break;
                case (Delete, Delete):
                    if (scaledDown) AddRef(refs, PodRef(pod)); else AddRef(refs, ControllerRef(set));
                    break;
            }
        }
        claim.Metadata.OwnerReferences = refs.Count > 0 ? refs : null;
    }

    private static void AddRef(List<OwnerReference> refs, OwnerReference r)
    {
        if (string.IsNullOrEmpty(r.Uid) || refs.Any(x => x.Uid == r.Uid)) return;
        refs.Add(r);
    }
}
