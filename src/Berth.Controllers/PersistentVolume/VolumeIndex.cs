using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Selectors;

namespace Berth.Controllers.PersistentVolumes;

/// <summary>
/// The PVs the matcher searches (<see cref="VolumeMatcher.FindBest"/>), indexed so that the cost per claim grows
/// with log(n), not n:
/// <list type="bullet">
/// <item>Candidates (no claimRef, phase Available, no deletionTimestamp) are grouped by (class, access-mode set,
/// volumeMode); each group is a list sorted by capacity then name, so a search starts with a binary search at the
/// first volume with capacity ≥ request and, without a selector, takes the first volume it meets.</item>
/// <item>Volumes with a claimRef are kept in a map claim (namespace, name) → volumes, so a claim finds the
/// volumes pre-bound to it directly, whatever their class or phase. A claim almost always has one volume: the map
/// holds that entry itself, and a list only for the rare claim named by several (one map entry per bound volume,
/// keyed by the strings the volume's claimRef already holds, is all a cluster of bound volumes costs here).</item>
/// </list>
/// Every other volume (not Available, being deleted, no claimRef) can never be chosen; it is only kept by name.
/// The index stores the objects it is given and reads them again when matching: do not mutate a volume after
/// <see cref="Upsert"/>; upsert a new object (or the same one again) after every change.
/// Thread-safe: all operations take one lock, so one writer and any number of readers may call it concurrently
/// (readers are serialised; a search is O(log n) so this costs little). <c>nodeFilter</c> callbacks run under
/// the lock and must not call back into the index.
/// </summary>
public sealed class VolumeIndex
{
    /// <summary>A volume as the index files it. Only what searches compare on every step is stored (capacity, modes);
    /// the rest is read from the volume, which never changes once upserted: there is one entry per volume in each
    /// index (the PV controller's and the scheduler's), so each field here costs twice the number of volumes.</summary>
    private sealed class Entry(PersistentVolume pv)
    {
        public PersistentVolume Pv { get; } = pv;
        public Quantity Capacity { get; } = VolumeMatcher.VolumeCapacity(pv);
        public int Mask { get; } = VolumeMatcher.VolumeModeMask(pv);
        public bool Candidate { get; } = pv.Spec?.ClaimRef is null && pv.Metadata.DeletionTimestamp is null
            && pv.Status?.Phase == VolumeConstants.Available;
        public string Name => Pv.Metadata.Name ?? "";
        public string Mode => VolumeMatcher.VolumeMode(Pv);
        public ClaimName? Claim => Pv.Spec?.ClaimRef is { } r ? new ClaimName(r.Namespace ?? "", r.Name ?? "") : null;
        public GroupKey Group => new(VolumeMatcher.VolumeClass(Pv), Mask, Mode);
    }

    private readonly record struct GroupKey(string Class, int Mask, string Mode);
    private readonly record struct ClaimName(string Namespace, string Name);

    private static readonly Comparison<Entry> Order = (a, b) => VolumeMatcher.CompareCapacityThenName(a.Capacity, a.Name, b.Capacity, b.Name);
    private static readonly IComparer<Entry> OrderComparer = Comparer<Entry>.Create(Order);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<GroupKey, List<Entry>> _groups = new();
    private readonly Dictionary<ClaimName, object> _byClaim = new(); // an Entry, or a List<Entry> when several
    private long _examined;

    /// <summary>Number of volumes.</summary>
    public int Count { get { lock (_lock) return _byName.Count; } }

    /// <summary>A snapshot of all volumes, ordered by name.</summary>
    public IReadOnlyList<PersistentVolume> All
    {
        get
        {
            lock (_lock) return _byName.Values.OrderBy(e => e.Name, StringComparer.Ordinal).Select(e => e.Pv).ToList();
        }
    }

    /// <summary>How many volumes searches have looked at since creation (or the last <see cref="ResetExamined"/>);
    /// a diagnostic for the O(log n) guarantee.</summary>
    public long Examined => Interlocked.Read(ref _examined);

    /// <summary>Sets <see cref="Examined"/> back to zero.</summary>
    public void ResetExamined() => Interlocked.Exchange(ref _examined, 0);

    /// <summary>Number of candidate groups (class, access-mode set, volumeMode); a diagnostic.</summary>
    public int GroupCount { get { lock (_lock) return _groups.Count; } }

    /// <summary>The volume with this name, or null.</summary>
    public PersistentVolume? Get(string name)
    {
        lock (_lock) return _byName.TryGetValue(name, out var e) ? e.Pv : null;
    }

    /// <summary>Adds the volume or replaces the one with the same name. O(log n + group size) (list insertion).</summary>
    public void Upsert(PersistentVolume pv)
    {
        ArgumentNullException.ThrowIfNull(pv);
        var e = new Entry(pv);
        lock (_lock)
        {
            if (_byName.TryGetValue(e.Name, out var old)) Detach(old);
            _byName[e.Name] = e;
            if (e.Candidate)
            {
                if (!_groups.TryGetValue(e.Group, out var list)) _groups[e.Group] = list = [];
                var i = list.BinarySearch(e, OrderComparer);
                list.Insert(i >= 0 ? i : ~i, e);
            }
            if (e.Claim is { } claim)
            {
                if (!_byClaim.TryGetValue(claim, out var held)) _byClaim[claim] = e;
                else if (held is List<Entry> several) several.Add(e);
                else _byClaim[claim] = new List<Entry> { (Entry)held, e };
            }
        }
    }

    /// <summary>Removes the volume with this name; false when there was none.</summary>
    public bool Remove(string name)
    {
        lock (_lock)
        {
            if (!_byName.Remove(name, out var e)) return false;
            Detach(e);
            return true;
        }
    }

    private void Detach(Entry e)
    {
        if (e.Candidate && _groups.TryGetValue(e.Group, out var list))
        {
            var i = list.BinarySearch(e, OrderComparer);
            if (i >= 0) list.RemoveAt(i);
            if (list.Count == 0) _groups.Remove(e.Group);
        }
        if (e.Claim is { } claim && _byClaim.TryGetValue(claim, out var held))
        {
            if (held == e) _byClaim.Remove(claim);
            else if (held is List<Entry> several)
            {
                several.Remove(e);
                if (several.Count == 1) _byClaim[claim] = several[0];
            }
        }
    }

    /// <summary>See <see cref="VolumeMatcher.FindBest"/>.</summary>
    internal PersistentVolume? FindBest(PersistentVolumeClaim claim, bool delayedBinding, ISet<string>? excluded,
        Func<PersistentVolume, bool>? nodeFilter)
    {
        ArgumentNullException.ThrowIfNull(claim);
        int claimMask = VolumeMatcher.ClaimModeMask(claim);
        if (claimMask < 0) return null; // an unknown mode: no access-mode set includes it

        LabelSelectorExpr? selector = null;
        if (claim.Spec?.Selector is { } ls)
        {
            if (!LabelSelectors.TryAsSelector(ls, out var s, out _)) return null; // upstream: error, no match
            selector = s;
        }
        var request = VolumeMatcher.RequestedStorage(claim);
        var claimClass = VolumeMatcher.ClaimClass(claim);
        var claimMode = VolumeMatcher.ClaimVolumeMode(claim);
        long examined = 0;
        try
        {
            lock (_lock)
            {
                _byClaim.TryGetValue(new ClaimName(claim.Metadata.Namespace ?? "", claim.Metadata.Name ?? ""), out var preBound);
                var preBoundSeveral = preBound as List<Entry>;
                int preBoundCount = preBoundSeveral?.Count ?? (preBound is null ? 0 : 1);
                foreach (var mask in VolumeMatcher.MaskOrder)
                {
                    if ((mask & claimMask) != claimMask) continue;

                    // Pre-bound to this claim: returned at once, class/selector/phase not checked.
                    if (preBoundCount > 0)
                    {
                        Entry? best = null;
                        for (int k = 0; k < preBoundCount; k++)
                        {
                            var e = preBoundSeveral is null ? (Entry)preBound! : preBoundSeveral[k];
                            if (e.Mask != mask) continue;
                            examined++;
                            if (excluded is not null && excluded.Contains(e.Name)) continue;
                            if (!VolumeMatcher.IsVolumeBoundToClaim(e.Pv, claim)) continue;
                            if (e.Capacity < request) continue;
                            if (e.Mode != claimMode) continue;
                            if (e.Pv.Metadata.DeletionTimestamp is not null) continue;
                            if (best is null || Order(e, best) < 0) best = e;
                        }
                        if (best is not null)
                            return nodeFilter is null || nodeFilter(best.Pv) ? best.Pv : null;
                    }

                    if (delayedBinding) continue;
                    if (!_groups.TryGetValue(new GroupKey(claimClass, mask, claimMode), out var list)) continue;

                    // Every entry here is unclaimed, Available, not being deleted, of the claim's class and mode:
                    // the first one from capacity ≥ request on that also passes the selector/exclusions/node wins.
                    for (int i = LowerBound(list, request); i < list.Count; i++)
                    {
                        var e = list[i];
                        examined++;
                        if (excluded is not null && excluded.Contains(e.Name)) continue;
                        if (selector is not null && !selector.Matches(e.Pv.Metadata.Labels)) continue;
                        if (nodeFilter is not null && !nodeFilter(e.Pv)) continue;
                        return e.Pv;
                    }
                }
                return null;
            }
        }
        finally
        {
            Interlocked.Add(ref _examined, examined);
        }
    }

    /// <summary>Index of the first entry whose capacity is ≥ request.</summary>
    private static int LowerBound(List<Entry> list, Quantity request)
    {
        int lo = 0, hi = list.Count;
        while (lo < hi)
        {
            int mid = lo + (hi - lo) / 2;
            if (list[mid].Capacity < request) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
