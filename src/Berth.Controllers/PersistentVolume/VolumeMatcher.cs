using System.Numerics;
using System.Text;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Selectors;

// Note: the namespace is plural on purpose. A namespace named "...PersistentVolume" would hide the
// Berth.Api.Core.PersistentVolume type inside every Berth.Controllers.* namespace.
namespace Berth.Controllers.PersistentVolumes;

/// <summary>
/// The PV binding rules (kubernetes-storage.md §2.2–§2.4): claim/volume helpers, the matcher used by the
/// PV controller (and, with a node filter, by the scheduler), the claim-side pre-binding check, and
/// <see cref="Explain"/>, which says why a Pending claim found no volume. Pure functions, no I/O.
/// Upstream: staging/src/k8s.io/component-helpers/storage/volume/pv_helpers.go (FindMatchingVolume,
/// CheckVolumeModeMismatches, CheckAccessModes, IsVolumeBoundToClaim),
/// pkg/controller/volume/persistentvolume/index.go (findByClaim) and pv_controller.go (checkVolumeSatisfyClaim).
/// </summary>
public static class VolumeMatcher
{
    /// <summary>Legacy class annotation, honoured on both claims and volumes when storageClassName is nil.</summary>
    public const string BetaStorageClassAnnotation = Berth.Api.Strategies.StrategySupport.BetaStorageClassAnnotation;

    // ------------------------------------------------------------------ §2.2 helpers

    /// <summary>Class of a claim: spec.storageClassName if non-nil, else the legacy annotation, else "".</summary>
    public static string ClaimClass(PersistentVolumeClaim claim)
        => claim.Spec?.StorageClassName ?? claim.Metadata.Annotation(BetaStorageClassAnnotation) ?? "";

    /// <summary>Class of a volume: spec.storageClassName if non-nil, else the legacy annotation, else "".</summary>
    public static string VolumeClass(PersistentVolume pv)
        => pv.Spec?.StorageClassName ?? pv.Metadata.Annotation(BetaStorageClassAnnotation) ?? "";

    /// <summary>claimRef non-nil, its name and namespace equal the claim's, and its uid empty or equal to the claim's.</summary>
    public static bool IsVolumeBoundToClaim(PersistentVolume pv, PersistentVolumeClaim claim)
    {
        var r = pv.Spec?.ClaimRef;
        if (r is null) return false;
        if ((r.Name ?? "") != (claim.Metadata.Name ?? "") || (r.Namespace ?? "") != (claim.Metadata.Namespace ?? "")) return false;
        return string.IsNullOrEmpty(r.Uid) || r.Uid == (claim.Metadata.Uid ?? "");
    }

    /// <summary>"namespace/name", the key of a claim (and of a PV's claimRef).</summary>
    public static string ClaimKey(string? ns, string? name) => (ns ?? "") + "/" + (name ?? "");

    /// <summary>The claim's key ("namespace/name").</summary>
    public static string ClaimKey(PersistentVolumeClaim claim) => ClaimKey(claim.Metadata.Namespace, claim.Metadata.Name);

    /// <summary>resources.requests.storage, zero when absent.</summary>
    public static Quantity RequestedStorage(PersistentVolumeClaim claim)
        => claim.Spec?.Resources?.Requests is { } r && r.TryGetValue(VolumeConstants.Storage, out var q) ? q : Quantity.Zero;

    /// <summary>capacity.storage, zero when absent.</summary>
    public static Quantity VolumeCapacity(PersistentVolume pv)
        => pv.Spec?.Capacity is { } c && c.TryGetValue(VolumeConstants.Storage, out var q) ? q : Quantity.Zero;

    /// <summary>volumeMode with nil read as Filesystem.</summary>
    public static string ClaimVolumeMode(PersistentVolumeClaim claim) => claim.Spec?.VolumeMode ?? VolumeConstants.Filesystem;

    /// <summary>volumeMode with nil read as Filesystem.</summary>
    public static string VolumeMode(PersistentVolume pv) => pv.Spec?.VolumeMode ?? VolumeConstants.Filesystem;

    /// <summary>CheckVolumeModeMismatches: true when the modes differ (nil = Filesystem on both sides).</summary>
    public static bool VolumeModeMismatch(PersistentVolumeClaim claim, PersistentVolume pv)
        => ClaimVolumeMode(claim) != VolumeMode(pv);

    /// <summary>CheckAccessModes: every mode the claim asks for is among the volume's modes.</summary>
    public static bool CheckAccessModes(PersistentVolumeClaim claim, PersistentVolume pv)
    {
        var have = pv.Spec?.AccessModes;
        foreach (var m in claim.Spec?.AccessModes ?? [])
            if (have is null || !have.Contains(m)) return false;
        return true;
    }

    // ------------------------------------------------------------------ access-mode sets as bit masks

    /// <summary>Bit of a known access mode; 0 for an unknown one.</summary>
    internal static int ModeBit(string? mode) => mode switch
    {
        VolumeConstants.ReadWriteOnce => 1,
        VolumeConstants.ReadOnlyMany => 2,
        VolumeConstants.ReadWriteMany => 4,
        VolumeConstants.ReadWriteOncePod => 8,
        _ => 0,
    };

    /// <summary>The volume's access-mode set as a mask; unknown modes are dropped (upstream's index key does the same).</summary>
    internal static int VolumeModeMask(PersistentVolume pv)
    {
        int mask = 0;
        foreach (var m in pv.Spec?.AccessModes ?? []) mask |= ModeBit(m);
        return mask;
    }

    /// <summary>The claim's access-mode set as a mask; -1 when it names an unknown mode (then no group is a superset).</summary>
    internal static int ClaimModeMask(PersistentVolumeClaim claim)
    {
        int mask = 0;
        foreach (var m in claim.Spec?.AccessModes ?? [])
        {
            var b = ModeBit(m);
            if (b == 0) return -1;
            mask |= b;
        }
        return mask;
    }

    /// <summary>All 16 access-mode sets, fewest modes first (ties by mask value, for determinism).</summary>
    internal static readonly int[] MaskOrder = Enumerable.Range(0, 16)
        .OrderBy(m => BitOperations.PopCount((uint)m)).ThenBy(m => m).ToArray();

    /// <summary>Capacity, then name (ordinal): the order of volumes inside a group and the tie-break of the matcher.</summary>
    internal static int CompareCapacityThenName(Quantity capA, string nameA, Quantity capB, string nameB)
    {
        var c = capA.CompareTo(capB);
        return c != 0 ? c : string.CompareOrdinal(nameA, nameB);
    }

    // ------------------------------------------------------------------ §2.3 matcher

    /// <summary>
    /// The best volume for a claim with empty spec.volumeName (§2.3), or null.
    /// Access-mode groups are visited from the fewest modes up (only sets that include all of the claim's modes);
    /// the first group that yields a volume wins. Inside a group a volume pre-bound to this claim (claimRef
    /// names it, uid empty or equal) is returned at once, without the class, selector and phase checks; otherwise
    /// the smallest Available, unclaimed, not-being-deleted volume of the claim's class whose labels satisfy the
    /// claim's selector, ties broken by name. Capacity ≥ request and an equal volumeMode are required of both.
    /// <paramref name="delayedBinding"/> (WaitForFirstConsumer class) leaves only pre-bound volumes.
    /// <paramref name="excluded"/> names volumes to ignore. <paramref name="nodeFilter"/> is for the scheduler
    /// (node affinity): a volume it rejects is not a candidate, and a pre-bound volume it rejects means "no match"
    /// (upstream: the pre-bound claim cannot be used on this node). The scheduler should pass delayedBinding: false.
    /// An invalid claim selector yields null (upstream returns an error).
    /// </summary>
    public static PersistentVolume? FindBest(PersistentVolumeClaim claim, VolumeIndex index, bool delayedBinding,
        ISet<string>? excluded = null, Func<PersistentVolume, bool>? nodeFilter = null)
        => index.FindBest(claim, delayedBinding, excluded, nodeFilter);

    // ------------------------------------------------------------------ §2.4 claim-side pre-binding

    /// <summary>
    /// checkVolumeSatisfyClaim: why a volume named by the claim's spec.volumeName (and without claimRef) cannot be
    /// bound to it, or null when it can. Checked in upstream's order: deletion, size, class, volumeMode, access modes.
    /// The size check compares whole bytes (Quantity.Value, rounded up), like upstream. Phase is not checked.
    /// </summary>
    public static string? CheckClaimSideBinding(PersistentVolumeClaim claim, PersistentVolume pv)
    {
        if (pv.Metadata.DeletionTimestamp is not null) return $"the volume is marked for deletion \"{pv.Metadata.Name}\"";
        if (VolumeCapacity(pv).Value < RequestedStorage(claim).Value) return "requested PV is too small";
        if (VolumeClass(pv) != ClaimClass(claim)) return "storageClassName does not match";
        if (VolumeModeMismatch(claim, pv)) return "incompatible volumeMode";
        if (!CheckAccessModes(claim, pv)) return "incompatible accessMode";
        return null;
    }

    // ------------------------------------------------------------------ Explain

    /// <summary>
    /// Why a Pending claim found no volume: the <paramref name="max"/> volumes that came closest, one line each,
    /// "name: reason", where the reason is the first (most important) rule the volume fails:
    /// claimRef/binding, deletion, storage class, access modes, volume mode, capacity, phase, selector,
    /// (delayed binding). Closest = fewest failed rules, then volumes at least as big as the request (smallest
    /// first), then smaller ones (biggest first), then name. A volume that fails nothing is shown as matching.
    /// Class, phase, selector and delayed binding are not held against a volume pre-bound to the claim (§2.3).
    /// </summary>
    public static IReadOnlyList<string> Explain(PersistentVolumeClaim claim, IEnumerable<PersistentVolume> volumes,
        int max = 5, bool delayedBinding = false)
    {
        if (max <= 0) return [];
        var request = RequestedStorage(claim);
        var ctx = new ExplainContext(claim, request);
        var rows = new List<(int Fails, bool Fits, Quantity Cap, string Name, string Reason)>();
        foreach (var pv in volumes)
        {
            var reasons = Reasons(ctx, pv, delayedBinding);
            var cap = VolumeCapacity(pv);
            rows.Add((reasons.Count, cap >= request, cap, pv.Metadata.Name ?? "",
                reasons.Count == 0 ? "matches this claim" : reasons[0]));
        }
        rows.Sort((a, b) =>
        {
            if (a.Fails != b.Fails) return a.Fails.CompareTo(b.Fails);
            if (a.Fits != b.Fits) return a.Fits ? -1 : 1;
            var c = a.Fits ? a.Cap.CompareTo(b.Cap) : b.Cap.CompareTo(a.Cap);
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        });
        return rows.Take(max).Select(r => $"{r.Name}: {r.Reason}").ToList();
    }

    private sealed class ExplainContext
    {
        public ExplainContext(PersistentVolumeClaim claim, Quantity request)
        {
            Claim = claim;
            Request = request;
            Class = ClaimClass(claim);
            Mode = ClaimVolumeMode(claim);
            var sel = claim.Spec?.Selector;
            if (sel is not null)
            {
                SelectorText = LabelSelectors.Format(sel);
                if (LabelSelectors.TryAsSelector(sel, out var s, out var err)) Selector = s;
                else SelectorError = err;
            }
        }

        public PersistentVolumeClaim Claim { get; }
        public Quantity Request { get; }
        public string Class { get; }
        public string Mode { get; }
        public LabelSelectorExpr? Selector { get; }
        public string? SelectorError { get; }
        public string SelectorText { get; } = "";
    }

    /// <summary>Every rule the volume fails, most important first.</summary>
    private static List<string> Reasons(ExplainContext ctx, PersistentVolume pv, bool delayedBinding)
    {
        var claim = ctx.Claim;
        var reasons = new List<string>(2);
        var phase = pv.Status?.Phase ?? "";
        var claimRef = pv.Spec?.ClaimRef;
        bool preBound = IsVolumeBoundToClaim(pv, claim);
        bool phaseReported = false;

        if (claimRef is not null && !preBound)
        {
            var who = ClaimKey(claimRef.Namespace, claimRef.Name);
            var uid = string.IsNullOrEmpty(claimRef.Uid) ? "" : $" with uid {claimRef.Uid}";
            if (phase is VolumeConstants.Released or VolumeConstants.Failed)
            {
                reasons.Add($"phase {phase} (claimRef still names {who}{uid})");
                phaseReported = true;
            }
            else if (string.IsNullOrEmpty(claimRef.Uid))
                reasons.Add($"reserved for claim {who}");
            else if (who == ClaimKey(claim))
                reasons.Add($"bound to an earlier claim {who}{uid}");
            else
                reasons.Add($"bound to claim {who}");
        }

        if (pv.Metadata.DeletionTimestamp is not null) reasons.Add("is being deleted");

        var pvClass = VolumeClass(pv);
        if (!preBound && pvClass != ctx.Class) reasons.Add($"storage class \"{pvClass}\" is not \"{ctx.Class}\"");

        if (!CheckAccessModes(claim, pv))
        {
            var have = pv.Spec?.AccessModes ?? [];
            var missing = (claim.Spec?.AccessModes ?? []).Where(m => !have.Contains(m)).Distinct();
            reasons.Add($"access modes [{ShortModes(have)}] do not include {string.Join(", ", missing)}");
        }

        var pvMode = VolumeMode(pv);
        if (pvMode != ctx.Mode) reasons.Add($"volume mode {pvMode} is not the claim's {ctx.Mode}");

        var cap = VolumeCapacity(pv);
        if (cap < ctx.Request)
        {
            bool hasCapacity = pv.Spec?.Capacity?.ContainsKey(VolumeConstants.Storage) == true;
            reasons.Add(hasCapacity
                ? $"capacity {cap} is less than the requested {ctx.Request}"
                : $"has no capacity, the claim requests {ctx.Request}");
        }

        if (!preBound)
        {
            if (!phaseReported && phase != VolumeConstants.Available)
                reasons.Add(phase.Length == 0 ? "has no phase yet, not Available" : $"phase {phase}, not Available");
            if (ctx.SelectorError is not null)
                reasons.Add($"the claim's selector is invalid: {ctx.SelectorError}");
            else if (ctx.Selector is not null && !ctx.Selector.Matches(pv.Metadata.Labels))
                reasons.Add($"labels do not match the claim's selector {ctx.SelectorText}");
            if (delayedBinding)
                reasons.Add("left to the scheduler (WaitForFirstConsumer class)");
        }
        return reasons;
    }

    /// <summary>Access modes in kubectl's short form and fixed order (RWO,ROX,RWX,RWOP), unknown ones appended as-is.</summary>
    public static string ShortModes(IEnumerable<string>? modes)
    {
        var set = modes?.ToHashSet() ?? [];
        var sb = new StringBuilder();
        void Add(string s) { if (sb.Length > 0) sb.Append(','); sb.Append(s); }
        if (set.Contains(VolumeConstants.ReadWriteOnce)) Add("RWO");
        if (set.Contains(VolumeConstants.ReadOnlyMany)) Add("ROX");
        if (set.Contains(VolumeConstants.ReadWriteMany)) Add("RWX");
        if (set.Contains(VolumeConstants.ReadWriteOncePod)) Add("RWOP");
        foreach (var m in set.Where(m => ModeBit(m) == 0).Order(StringComparer.Ordinal)) Add(m);
        return sb.ToString();
    }
}
