using Berth.Api.Core;
using Berth.Api.Selectors;
using Berth.Controllers.PersistentVolumes;

namespace Berth.Controllers.Tests.PersistentVolumes;

/// <summary>
/// The reference matcher: §2.3 written as plainly as possible (upstream's index.findByClaim + FindMatchingVolume),
/// a full scan of every volume in every group, no indexing. The tie-break rules made deterministic by Berth
/// (same-size mode groups by mask, equal capacities by name, several pre-bound volumes: smallest then name) are
/// spelled out here independently.
/// </summary>
internal static class BruteForce
{
    private static readonly string[] Known =
        [VolumeConstants.ReadWriteOnce, VolumeConstants.ReadOnlyMany, VolumeConstants.ReadWriteMany, VolumeConstants.ReadWriteOncePod];

    /// <summary>The known modes of a volume as a canonical, sorted set (upstream's index key drops unknown ones).</summary>
    private static HashSet<string> KnownModes(PersistentVolume pv) => (pv.Spec?.AccessModes ?? []).Where(Known.Contains).ToHashSet();

    private static int GroupOrder(HashSet<string> modes)
        => modes.Sum(m => m switch
        {
            VolumeConstants.ReadWriteOnce => 1,
            VolumeConstants.ReadOnlyMany => 2,
            VolumeConstants.ReadWriteMany => 4,
            _ => 8,
        });

    private static bool Smaller(PersistentVolume a, PersistentVolume b)
    {
        var c = VolumeMatcher.VolumeCapacity(a).CompareTo(VolumeMatcher.VolumeCapacity(b));
        return c < 0 || (c == 0 && string.CompareOrdinal(a.Metadata.Name, b.Metadata.Name) < 0);
    }

    public static PersistentVolume? FindBest(PersistentVolumeClaim claim, IEnumerable<PersistentVolume> volumes, bool delayed,
        ISet<string>? excluded, Func<PersistentVolume, bool>? nodeFilter)
    {
        var claimModes = claim.Spec?.AccessModes ?? [];
        if (claim.Spec?.Selector is { } sel && !LabelSelectors.TryAsSelector(sel, out _, out _)) return null;

        var groups = volumes
            .GroupBy(pv => string.Join(",", KnownModes(pv).Order(StringComparer.Ordinal)))
            .Select(g => (Modes: KnownModes(g.First()), Volumes: g.ToList()))
            .Where(g => claimModes.All(g.Modes.Contains))
            .OrderBy(g => g.Modes.Count).ThenBy(g => GroupOrder(g.Modes));

        var request = VolumeMatcher.RequestedStorage(claim);
        var claimClass = VolumeMatcher.ClaimClass(claim);
        foreach (var (_, group) in groups)
        {
            PersistentVolume? preBound = null, best = null;
            foreach (var pv in group)
            {
                if (excluded?.Contains(pv.Metadata.Name!) == true) continue;
                if (pv.Spec?.ClaimRef is not null && !VolumeMatcher.IsVolumeBoundToClaim(pv, claim)) continue;
                if (VolumeMatcher.VolumeCapacity(pv).CompareTo(request) < 0) continue;
                if ((pv.Spec?.VolumeMode ?? "Filesystem") != (claim.Spec?.VolumeMode ?? "Filesystem")) continue;
                if (pv.Metadata.DeletionTimestamp is not null) continue;
                if (VolumeMatcher.IsVolumeBoundToClaim(pv, claim))
                {
                    if (preBound is null || Smaller(pv, preBound)) preBound = pv;
                    continue;
                }
                if (delayed) continue;
                if (pv.Status?.Phase != VolumeConstants.Available) continue;
                if (claim.Spec?.Selector is not null && !LabelSelectors.Matches(claim.Spec.Selector, pv.Metadata.Labels)) continue;
                if (VolumeMatcher.VolumeClass(pv) != claimClass) continue;
                if (nodeFilter is not null && !nodeFilter(pv)) continue;
                if (best is null || Smaller(pv, best)) best = pv;
            }
            if (preBound is not null) return nodeFilter is null || nodeFilter(preBound) ? preBound : null;
            if (best is not null) return best;
        }
        return null;
    }
}
