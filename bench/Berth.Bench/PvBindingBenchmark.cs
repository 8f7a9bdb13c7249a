using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Client;
using Berth.Controllers.PersistentVolumes;
using Berth.Server.Client;
using Berth.Server.Hosting;
using Berth.Server.Storage;
using Microsoft.Extensions.Logging;
using static Berth.Bench.ApiBench;
using StoreEventType = Berth.Server.Storage.WatchEventType;

namespace Berth.Bench;

/// <summary>
/// The PV controller under a burst (issue: 10,000 Available PVs, then 10,000 claims, all bound, target &lt; 15 s).
/// For each N: N PVs of mixed classes ("gold", "silver", ""), access-mode sets (RWO; RWO+ROX; RWX; RWO+RWX) and sizes
/// (mixed binary/decimal units) are POSTed over HTTPS by 16 clients; the in-process controller makes them Available.
/// Then N claims are POSTed in a burst by 16 clients and the time until all are Bound is measured (the benchmark
/// watches the server's watch cache directly: no decoding, no HTTP, so the observer costs next to nothing).
/// Claims are generated from the PVs (same class, access modes that lead to the PV's own mode group first, size ≤ the
/// PV's capacity), shuffled: whatever the arrival order, every claim has a fit (see <see cref="Generate"/>).
/// Before the server runs, the matcher alone (<see cref="VolumeIndex"/>) is timed on the same workload, binding
/// sequentially, and sampled claims are checked against a brute-force scan of the rule.
/// Args: [1000|10000|N ...] sizes (default 1,000 and 10,000); --no-warmup (skip the 500 × 500 JIT warm-up round).
/// </summary>
public sealed partial class PvBindingBenchmark : IBenchmark
{
    public string Name => "pv-binding";
    public string Description => "N PVs (mixed classes/modes/sizes) then N claims in a burst, all bound by the PV controller; N = 1,000 and 10,000";

    const int Clients = 16;
    const double TargetSeconds10k = 15.0;
    static readonly TimeSpan AvailableTimeout = TimeSpan.FromSeconds(60);
    static readonly TimeSpan BoundTimeout = TimeSpan.FromSeconds(100);

    public async Task RunAsync(string[] args)
    {
        var sizes = args.Where(a => int.TryParse(a, out _)).Select(int.Parse).ToList();
        if (sizes.Count == 0) sizes = [1_000, 10_000];
        Console.WriteLine($"{LoadAvg()}; PVs and claims POSTed over HTTPS by {Clients} clients (HTTP/1.1, 1 keep-alive connection each); " +
                          "server, controller and observer in this process; progress observed on the server's watch cache");

        if (!args.Contains("--no-warmup"))
        {
            var w = await RunOneAsync(500, quiet: true);
            Console.WriteLine($"warm-up 500 x 500 (JIT; not counted): claims bound in {F2(w.BindSeconds)} s, {(w.Violations == 0 ? "verified" : $"{w.Violations} VIOLATIONS")}");
        }

        var results = new List<Result>();
        foreach (var n in sizes) results.Add(await RunOneAsync(n, quiet: false));

        Console.WriteLine();
        Console.WriteLine("summary:");
        Console.WriteLine($"  {"N",8} {"PV create/s",12} {"Avail. after last create s",27} {"claims bound s",15} {"bound/s",9} {"µs/claim e2e",13} {"matcher µs/claim",17} {"examined/claim",15} {"violations",11}");
        foreach (var r in results)
            Console.WriteLine($"  {N0(r.N),8} {N0(r.PvCreateRate),12} {F2(r.AvailableSeconds),27} {F2(r.BindSeconds),15} {N0(r.N / r.BindSeconds),9} " +
                              $"{F1(r.BindSeconds * 1e6 / r.N),13} {F2(r.MatcherNsPerClaim / 1000),17} {F2(r.ExaminedPerClaim),15} {r.Violations,11}");
        var small = results.Where(r => r.N == 1_000).LastOrDefault();
        var big = results.Where(r => r.N == 10_000).LastOrDefault();
        if (small is not null && big is not null)
        {
            double e2e = (big.BindSeconds / big.N) / (small.BindSeconds / small.N);
            double matcher = big.MatcherNsPerClaim / small.MatcherNsPerClaim;
            double examined = big.ExaminedPerClaim / small.ExaminedPerClaim;
            Console.WriteLine($"growth 1,000 -> 10,000 (10x PVs): time per claim end to end x{F2(e2e)}; matcher time per claim x{F2(matcher)}, " +
                              $"volumes examined per claim x{F2(examined)} (linear would be x10) — sub-linear: {Verdict(matcher < 5 && examined < 5)}");
        }
        if (big is not null)
            Console.WriteLine($"pv-binding 10,000 x 10,000: all bound in {F2(big.BindSeconds)} s from the first claim create " +
                              $"(PVs: {F2(big.CreateSeconds + big.AvailableSeconds)} s to create and make Available) — target < {F1(TargetSeconds10k)} s " +
                              $"(upstream ~70 s for 1,000): {Verdict(big.BindSeconds < TargetSeconds10k && big.Violations == 0 && big.AllBound)}");
        Console.WriteLine($"  ({LoadAvg()})");
    }

    sealed record Result(int N, double PvCreateRate, double CreateSeconds, double AvailableSeconds, double BindSeconds, bool AllBound,
        int Violations, double MatcherNsPerClaim, double ExaminedPerClaim);

    // ------------------------------------------------------------------ workload

    static readonly string[] Classes = ["gold", "silver", ""];
    static readonly double[] ClassWeights = [0.40, 0.35, 0.25];
    const int RWO = 1, ROX = 2, RWX = 4;
    static readonly int[] PvMasks = [RWO, RWO | ROX, RWX, RWO | RWX];
    static readonly double[] MaskWeights = [0.40, 0.20, 0.20, 0.20];
    static readonly string[] PvSizes = ["500Mi", "1G", "1Gi", "2Gi", "3G", "5Gi", "10Gi"];
    static readonly string[] ClaimSizes = ["100Mi", "500Mi", "750M", "1G", "1Gi", "2Gi", "3G", "5Gi", "10Gi"];
    static readonly string[] Tiers = ["fast", "slow"];
    static readonly string[] Zones = ["z-a", "z-b", "z-c"];

    /// <summary>Access-mode sets, fewest modes first, ties by mask: the order the matcher visits the groups in.</summary>
    static readonly int[] MaskOrder = Enumerable.Range(0, 16).OrderBy(m => BitOperations.PopCount((uint)m)).ThenBy(m => m).ToArray();
    static readonly int[] MaskRank = Enumerable.Range(0, 16).Select(m => Array.IndexOf(MaskOrder, m)).ToArray();

    sealed record PvSpec(string Name, string Class, int Mask, string Size, Quantity Capacity, string Tier, string Zone);
    sealed record ClaimSpec(string Name, string Class, int Mask, string Size, Quantity Request, string Source);

    static int Pick(Random rng, double[] weights)
    {
        double x = rng.NextDouble();
        for (int i = 0; i < weights.Length - 1; i++) { if (x < weights[i]) return i; x -= weights[i]; }
        return weights.Length - 1;
    }

    /// <summary>
    /// PVs at random; one claim per PV, shuffled. A claim takes its PV's class, a size ≤ its capacity (half the time the
    /// same size string, else any smaller size of <see cref="ClaimSizes"/>) and access modes whose first existing group
    /// (in the matcher's order) is its PV's group: RWO→{RWO}; RWO+ROX→{ROX} or {RWO,ROX}; RWX→{RWX}; RWO+RWX→{RWO,RWX}.
    /// So the claims that look first at a group (class, modes) are exactly those generated from its PVs, each with a
    /// request ≤ its own PV's capacity; smallest-fit inside one group then never runs out, in any arrival order
    /// (for every threshold t, claims asking ≥ t never outnumber PVs with ≥ t), and every claim binds in its first group.
    /// (Claims such as {RWO} from an RWO+ROX volume could strand a later {ROX} claim under the upstream rule; avoided.)
    /// </summary>
    static (List<PvSpec> Pvs, List<ClaimSpec> Claims) Generate(int n, int seed)
    {
        var rng = new Random(seed);
        var pvs = new List<PvSpec>(n);
        for (int i = 0; i < n; i++)
        {
            var size = PvSizes[rng.Next(PvSizes.Length)];
            pvs.Add(new PvSpec($"pv-{i:D5}", Classes[Pick(rng, ClassWeights)], PvMasks[Pick(rng, MaskWeights)], size, Quantity.Parse(size),
                Tiers[rng.Next(Tiers.Length)], Zones[rng.Next(Zones.Length)]));
        }
        var claims = new List<ClaimSpec>(n);
        foreach (var pv in pvs)
        {
            string size;
            if (rng.NextDouble() < 0.5) size = pv.Size;
            else
            {
                var fit = ClaimSizes.Where(s => Quantity.Parse(s) <= pv.Capacity).ToArray();
                size = fit[rng.Next(fit.Length)];
            }
            int mask = pv.Mask == (RWO | ROX) && rng.NextDouble() < 0.5 ? ROX : pv.Mask;
            claims.Add(new ClaimSpec("", pv.Class, mask, size, Quantity.Parse(size), pv.Name));
        }
        for (int i = claims.Count - 1; i > 0; i--) { int j = rng.Next(i + 1); (claims[i], claims[j]) = (claims[j], claims[i]); }
        for (int i = 0; i < claims.Count; i++) claims[i] = claims[i] with { Name = $"claim-{i:D5}" };
        return (pvs, claims);
    }

    static string ModesJson(int mask)
    {
        var l = new List<string>();
        if ((mask & RWO) != 0) l.Add("\"ReadWriteOnce\"");
        if ((mask & ROX) != 0) l.Add("\"ReadOnlyMany\"");
        if ((mask & RWX) != 0) l.Add("\"ReadWriteMany\"");
        return "[" + string.Join(",", l) + "]";
    }

    static string PvJson(PvSpec p) =>
        "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolume\",\"metadata\":{\"name\":\"" + p.Name + "\",\"labels\":{\"bench\":\"pv-binding\",\"tier\":\"" + p.Tier +
        "\",\"zone\":\"" + p.Zone + "\"}},\"spec\":{\"capacity\":{\"storage\":\"" + p.Size + "\"},\"accessModes\":" + ModesJson(p.Mask) +
        ",\"persistentVolumeReclaimPolicy\":\"Retain\",\"storageClassName\":\"" + p.Class + "\",\"hostPath\":{\"path\":\"/tmp/berth-bench/" + p.Name + "\"}}}";

    static string ClaimJson(ClaimSpec c) =>
        "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"" + c.Name + "\",\"labels\":{\"bench\":\"pv-binding\"}},\"spec\":{\"accessModes\":" +
        ModesJson(c.Mask) + ",\"storageClassName\":\"" + c.Class + "\",\"resources\":{\"requests\":{\"storage\":\"" + c.Size + "\"}}}}";

    // ------------------------------------------------------------------ one size

    async Task<Result> RunOneAsync(int n, bool quiet)
    {
        var (pvs, claims) = Generate(n, seed: 20_000 + n);
        void Say(string s) { if (!quiet) Console.WriteLine(s); }
        Say("");
        Say($"--- N = {N0(n)}: {N0(n)} PVs, {N0(n)} claims ---");
        Say("workload: " + string.Join(", ", pvs.GroupBy(p => (p.Class, p.Mask)).OrderBy(g => g.Key.Class).ThenBy(g => MaskRank[g.Key.Mask])
            .Select(g => $"{(g.Key.Class.Length == 0 ? "\"\"" : g.Key.Class)}/{VolumeMatcher.ShortModes(ModeNames(g.Key.Mask))} {g.Count()}")) + " PVs");

        // The matcher alone, on the same workload, before the server runs (the second pass is reported: the first JITs).
        var m = MatcherBench(pvs, claims, brute: false);
        m = MatcherBench(pvs, claims, brute: true);
        Say($"matcher alone (VolumeIndex, sequential, no server): {F2(m.NsPerClaim / 1000)} µs/claim, {F2(m.ExaminedPerClaim)} volumes examined/claim, " +
            $"{m.Unbound} unbound; brute-force scan agrees on {N0(m.Samples - m.Mismatches)}/{N0(m.Samples)} sampled claims");

        string dir = TempDir("pv-binding");
        if (!quiet)
        {
            double raw = RawSqliteBaseline.Measure(dir, 300);
            Say($"disk: raw SQLite 1-fsync commits, 1 writer: {N0(raw)}/s = {F2(1000 / raw)} ms per durable commit (the controller's 8 workers each wait for 4 in a row per claim: " +
                $"≤ {N0(8 * raw / 4)} claims/s if no two workers shared a commit)");
        }
        var logs = new CountingLogs();
        BerthServer? server = null;
        var http = new List<HttpClient>();
        try
        {
            server = await BerthServer.StartAsync(new ServerOptions { DataDir = Path.Combine(dir, "data"), Listen = "127.0.0.1:0", Runtime = "simulated" }, logs);
            var clients = ApiBench.Clients(server, Clients);
            http.AddRange(clients);
            var pvType = server.Store.Registry.ByPath("", "v1", "persistentvolumes")!;
            var pvcType = server.Store.Registry.ByPath("", "v1", "persistentvolumeclaims")!;
            var evType = server.Store.Registry.ByPath("", "v1", "events")!;
            Say($"server: in this process at {server.Url}, data in {dir}");

            // 1. PVs, and the time until the controller has made all of them Available.
            using var pvWatch = new Tracker(server.Store, pvType, pvType.StoragePrefix, "\"phase\":\"Available\"", n);
            var t0 = Stopwatch.GetTimestamp();
            var pvLat = await PostManyAsync(clients, PvPath, 0, n, i => PvJson(pvs[i]));
            double createSec = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            bool available = await pvWatch.WaitAsync(AvailableTimeout);
            double availSec = pvWatch.ReachedSeconds(t0);
            Array.Sort(pvLat);
            Say($"PVs: {N0(n)} created in {F2(createSec)} s = {N0(n / createSec)}/s (p50 {F1(Pct(pvLat, 50))} ms, p99 {F1(Pct(pvLat, 99))} ms); " +
                (available ? $"all Available {F2(availSec)} s after the first create ({F2(availSec - createSec)} s after the last)"
                           : $"only {pvWatch.Count} Available after {AvailableTimeout.TotalSeconds} s"));

            // 2. The claim burst.
            using var pvBinds = new Tracker(server.Store, pvType, pvType.StoragePrefix, "\"claimRef\"", n);   // first revision with a claimRef
            var pvcPrefix = pvcType.StoragePrefix + "default/";
            using var bound = new Tracker(server.Store, pvcType, pvcPrefix, "\"phase\":\"Bound\"", n);
            int errors0 = logs.Errors;
            long rev0 = server.Store.Cache.Revision;
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var gc0 = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            var c0 = Stopwatch.GetTimestamp();
            var claimLat = await PostManyAsync(clients, PvcPath, 0, n, i => ClaimJson(claims[i]));
            double claimCreateSec = Stopwatch.GetElapsedTime(c0).TotalSeconds;
            int boundAtLastCreate = bound.Count;
            bool allBound = await bound.WaitAsync(BoundTimeout);
            double bindSec = allBound ? bound.ReachedSeconds(c0) : Stopwatch.GetElapsedTime(c0).TotalSeconds;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
            long writes = server.Store.Cache.Revision - rev0;
            var gc = (GC.CollectionCount(0) - gc0.Item1, GC.CollectionCount(1) - gc0.Item2, GC.CollectionCount(2) - gc0.Item3, GC.GetTotalPauseDuration() - gc0.Item4);
            Array.Sort(claimLat);
            Say($"claims: {N0(n)} created in {F2(claimCreateSec)} s = {N0(n / claimCreateSec)}/s (p50 {F1(Pct(claimLat, 50))} ms, p99 {F1(Pct(claimLat, 99))} ms); " +
                $"{N0(boundAtLastCreate)} already Bound when the last create returned");
            Say(allBound
                ? $"claims: all {N0(n)} Bound {F2(bindSec)} s after the first create = {N0(n / bindSec)} claims bound/s ({F1(bindSec * 1e6 / n)} µs/claim)"
                : $"claims: only {N0(bound.Count)} of {N0(n)} Bound after {BoundTimeout.TotalSeconds} s");
            int events = server.Store.Cache.For(evType).Count;
            Say($"during the burst: {N0(writes)} store writes = {F2((double)writes / n)}/claim (1 create + 4 bind steps would be 5.00), {events} events in the store, " +
                $"{logs.Errors - errors0} controller errors logged; CPU {F1(cpu.TotalSeconds)} s = {F1(cpu.TotalSeconds / bindSec * 100)}% of one core " +
                $"({Environment.ProcessorCount} cores; server + clients + observer); GC gen0/1/2 {gc.Item1}/{gc.Item2}/{gc.Item3}, pauses {F1(gc.Item4.TotalMilliseconds)} ms");
            if (!quiet)
            {
                // Where a claim's time goes, as seen on the watch cache: created -> its volume's claimRef written (queue wait,
                // match, 1st write) -> claim Bound (3 more sequential writes: PV phase, claim volumeName, claim status).
                var seen = bound.SeenAt; var boundAt = bound.MarkedAt; var refAt = pvBinds.MarkedAt;
                var finalClaimsForTimes = (await new InProcessClient(server.Store).ListAsync<PersistentVolumeClaim>("default")).Items;
                var toRef = new List<double>(); var refToBound = new List<double>(); var total = new List<double>();
                foreach (var o in finalClaimsForTimes)
                {
                    if (!seen.TryGetValue(o.Metadata.Name!, out var s0) || !boundAt.TryGetValue(o.Metadata.Name!, out var s2)) continue;
                    total.Add(Stopwatch.GetElapsedTime(s0, s2).TotalMilliseconds);
                    if (o.Spec?.VolumeName is { } vn && refAt.TryGetValue(vn, out var s1))
                    {
                        toRef.Add(Stopwatch.GetElapsedTime(s0, s1).TotalMilliseconds);
                        refToBound.Add(Stopwatch.GetElapsedTime(s1, s2).TotalMilliseconds);
                    }
                }
                static string P(List<double> xs) { var a = xs.OrderBy(x => x).ToArray(); return $"p50 {F1(Pct(a, 50))} / p90 {F1(Pct(a, 90))} / p99 {F1(Pct(a, 99))} ms"; }
                Console.WriteLine($"  per claim: created -> Bound {P(total)}; created -> volume's claimRef written (queue + match + 1st write) {P(toRef)}; " +
                                  $"claimRef -> Bound (3 more writes) {P(refToBound)}");
                logs.Print("  ");
            }

            // 3. Verification on the final state.
            var client = new InProcessClient(server.Store);
            var finalPvs = (await client.ListAsync<PersistentVolume>(null)).Items;
            var finalClaims = (await client.ListAsync<PersistentVolumeClaim>("default")).Items;
            var v = Verify(pvs, claims, finalPvs, finalClaims, pvBinds.FirstRevision, bound.CreateRevision);
            if (!quiet) foreach (var line in v.Lines) Console.WriteLine("  " + line);
            Say($"verification: {(v.Violations == 0 ? "PASS, 0 violations" : $"FAIL, {v.Violations} violations")}");
            if (!quiet && n >= 10_000) await CeilingProbeAsync(client);

            return new Result(n, n / createSec, createSec, availSec - createSec, bindSec, allBound, v.Violations, m.NsPerClaim, m.ExaminedPerClaim);
        }
        finally
        {
            foreach (var h in http) h.Dispose();
            if (server is not null) await server.DisposeAsync();
            DeleteDir(dir);
        }
    }

    /// <summary>
    /// The ceiling the controller's design puts on binding: W writers, each doing durable updates one after another (as
    /// each worker does its 4 bind writes), through the same in-process client, on ConfigMaps (no controller watches
    /// them). writes/s ÷ 4 is the most claims/s W workers could bind if matching and copying cost nothing.
    /// </summary>
    static async Task CeilingProbeAsync(InProcessClient client)
    {
        var parts = new List<string>();
        foreach (var w in new[] { 8, 32 })
        {
            var maps = new ConfigMap[w];
            for (int i = 0; i < w; i++)
                maps[i] = await client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = $"probe-{w}-{i}", Namespace = "default" }, Data = new() { ["n"] = "0" } });
            int writes = 0;
            var lat = new ConcurrentBag<double>();
            var until = Stopwatch.GetTimestamp() + (long)(2.0 * Stopwatch.Frequency);
            var sw = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, w).Select(i => Task.Run(async () =>
            {
                var cm = maps[i];
                for (int k = 1; Stopwatch.GetTimestamp() < until; k++)
                {
                    cm.Data!["n"] = k.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    long s0 = Stopwatch.GetTimestamp();
                    cm = await client.UpdateAsync(cm);
                    lat.Add(Stopwatch.GetElapsedTime(s0).TotalMilliseconds);
                    Interlocked.Increment(ref writes);
                }
            })));
            double rate = writes / sw.Elapsed.TotalSeconds;
            var a = lat.OrderBy(x => x).ToArray();
            parts.Add($"{w} writers: {N0(rate)} writes/s (p50 {F1(Pct(a, 50))} ms) -> ≤ {N0(rate / 4)} claims/s, 10,000 claims ≥ {F1(10_000 / (rate / 4))} s");
        }
        Console.WriteLine("  ceiling probe (sequential durable updates per writer, like a bind worker; 4 per claim): " + string.Join("; ", parts));
    }

    static IEnumerable<string> ModeNames(int mask)
    {
        if ((mask & RWO) != 0) yield return VolumeConstants.ReadWriteOnce;
        if ((mask & ROX) != 0) yield return VolumeConstants.ReadOnlyMany;
        if ((mask & RWX) != 0) yield return VolumeConstants.ReadWriteMany;
    }

    static int MaskOf(IEnumerable<string>? modes)
    {
        int mask = 0;
        foreach (var m in modes ?? [])
            mask |= m switch { VolumeConstants.ReadWriteOnce => RWO, VolumeConstants.ReadOnlyMany => ROX, VolumeConstants.ReadWriteMany => RWX, _ => 8 };
        return mask;
    }

    // ------------------------------------------------------------------ the matcher alone

    sealed record MatcherResult(double NsPerClaim, double ExaminedPerClaim, int Unbound, int Samples, int Mismatches);

    /// <summary>
    /// VolumeMatcher.FindBest over a <see cref="VolumeIndex"/> of the N PVs (all Available), the claims in their shuffled
    /// order, each chosen volume re-upserted with a claimRef (as the controller's write does). Only FindBest is timed.
    /// With <paramref name="brute"/>, about 400 claims spread over the run are also matched by a full scan of the rule.
    /// </summary>
    static MatcherResult MatcherBench(List<PvSpec> pvs, List<ClaimSpec> claims, bool brute)
    {
        var index = new VolumeIndex();
        var current = new Dictionary<string, PersistentVolume>(StringComparer.Ordinal);
        foreach (var p in pvs)
        {
            var pv = JsonSerializer.Deserialize<PersistentVolume>(PvJson(p), KubeJson.Options)!;
            pv.Metadata.Uid = "uid-" + p.Name;
            pv.Metadata.ResourceVersion = "1";
            pv.Status = new PersistentVolumeStatus { Phase = VolumeConstants.Available };
            index.Upsert(pv);
            current[p.Name] = pv;
        }
        var objs = claims.Select(c =>
        {
            var o = JsonSerializer.Deserialize<PersistentVolumeClaim>(ClaimJson(c), KubeJson.Options)!;
            o.Metadata.Namespace = "default";
            o.Metadata.Uid = "uid-" + c.Name;
            return o;
        }).ToList();
        int every = Math.Max(1, claims.Count / 400);
        int unbound = 0, samples = 0, mismatches = 0;
        long ticks = 0;
        index.ResetExamined();
        for (int i = 0; i < objs.Count; i++)
        {
            var claim = objs[i];
            long s0 = Stopwatch.GetTimestamp();
            var pv = VolumeMatcher.FindBest(claim, index, delayedBinding: false);
            ticks += Stopwatch.GetTimestamp() - s0;
            if (brute && i % every == 0)
            {
                samples++;
                var expect = BruteForce(claim, current.Values);
                if (expect?.Metadata.Name != pv?.Metadata.Name) mismatches++;
            }
            if (pv is null) { unbound++; continue; }
            var b = KubeObjects.DeepCopy(pv);
            b.Spec!.ClaimRef = new ObjectReference { Kind = "PersistentVolumeClaim", Namespace = "default", Name = claim.Metadata.Name, Uid = claim.Metadata.Uid };
            b.Status = new PersistentVolumeStatus { Phase = "Bound" };
            b.Metadata.ResourceVersion = (i + 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
            index.Upsert(b);
            current[b.Metadata.Name!] = b;
        }
        double ns = (double)ticks / Stopwatch.Frequency * 1e9 / objs.Count;
        return new MatcherResult(ns, (double)index.Examined / objs.Count, unbound, samples, mismatches);
    }

    /// <summary>The rule by a full scan (no pre-bound volumes, no selectors here): among unclaimed Available volumes of the
    /// claim's class and volumeMode whose modes include the claim's and whose capacity ≥ request, the first by
    /// (mode group: fewest modes, then mask), capacity, name.</summary>
    static PersistentVolume? BruteForce(PersistentVolumeClaim claim, IEnumerable<PersistentVolume> volumes)
    {
        int cm = MaskOf(claim.Spec?.AccessModes);
        var req = VolumeMatcher.RequestedStorage(claim);
        var cls = VolumeMatcher.ClaimClass(claim);
        PersistentVolume? best = null;
        (int, Quantity, string) bestKey = default;
        foreach (var pv in volumes)
        {
            if (pv.Spec?.ClaimRef is not null || pv.Status?.Phase != VolumeConstants.Available) continue;
            int vm = MaskOf(pv.Spec?.AccessModes);
            if ((vm & cm) != cm || VolumeMatcher.VolumeClass(pv) != cls) continue;
            if (VolumeMatcher.VolumeMode(pv) != VolumeMatcher.ClaimVolumeMode(claim)) continue;
            var cap = VolumeMatcher.VolumeCapacity(pv);
            if (cap < req) continue;
            var key = (MaskRank[vm], cap, pv.Metadata.Name!);
            if (best is null || Before(key, bestKey)) { best = pv; bestKey = key; }
        }
        return best;
    }

    static bool Before((int Rank, Quantity Cap, string Name) a, (int Rank, Quantity Cap, string Name) b)
    {
        if (a.Rank != b.Rank) return a.Rank < b.Rank;
        int c = a.Cap.CompareTo(b.Cap);
        return c != 0 ? c < 0 : string.CompareOrdinal(a.Name, b.Name) < 0;
    }

    // ------------------------------------------------------------------ verification

    sealed record Verification(int Violations, List<string> Lines);

    /// <summary>
    /// (1) every claim Bound with a volumeName; (2) no volume named by two claims, no claim named by two volumes'
    /// claimRefs, and claim.volumeName = V ⇔ V.claimRef = (default, claim, uid); every such volume Bound; (3) the volume
    /// satisfies the claim (class, modes, capacity ≥ request); (4) the mode-group rule: the volume is in the claim's
    /// first group (fewest modes, then mask) holding any volume of its class ≥ its request — by construction of the
    /// workload that group never runs out for this claim, so any other group is a violation; (5) order-aware
    /// smallest fit: for claim C bound to P, a volume Q that ranks before P for C (earlier group, or same group and
    /// smaller (capacity, name)) and fits C, but was still free when P got C's claimRef — Q unbound at the end, or
    /// Q's claim created after P's claimRef was written — is a violation (the matcher chose P after C existed and
    /// before that write, when Q was Available and no worker could have reserved it).
    /// </summary>
    static Verification Verify(List<PvSpec> pvs, List<ClaimSpec> claims, List<PersistentVolume> finalPvs, List<PersistentVolumeClaim> finalClaims,
        IReadOnlyDictionary<string, long> claimRefRevision, IReadOnlyDictionary<string, long> claimCreateRevision)
    {
        var lines = new List<string>();
        int total = 0;
        void Report(string what, int bad, string? example)
        {
            total += bad;
            lines.Add($"{(bad == 0 ? "ok  " : "FAIL")} {what}: {bad} violations{(bad > 0 && example is not null ? " — e.g. " + example : "")}");
        }

        var pvByName = finalPvs.ToDictionary(p => p.Metadata.Name!, StringComparer.Ordinal);
        var claimByName = finalClaims.ToDictionary(c => c.Metadata.Name!, StringComparer.Ordinal);
        var specByPv = pvs.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var specByClaim = claims.ToDictionary(c => c.Name, StringComparer.Ordinal);

        // (1)
        string? ex = null;
        int bad = 0;
        foreach (var c in claims)
        {
            if (!claimByName.TryGetValue(c.Name, out var o)) { bad++; ex ??= $"{c.Name} missing"; continue; }
            if (o.Status?.Phase != "Bound" || string.IsNullOrEmpty(o.Spec?.VolumeName)) { bad++; ex ??= $"{c.Name} phase {o.Status?.Phase ?? "-"}, volumeName '{o.Spec?.VolumeName}'"; }
        }
        Report($"every claim Bound with a volumeName ({N0(claims.Count)} claims)", bad, ex);

        // (2)
        bad = 0; ex = null;
        var byVolume = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var o in finalClaims)
        {
            if (o.Spec?.VolumeName is not { Length: > 0 } vn) continue;
            if (!byVolume.TryAdd(vn, o.Metadata.Name!)) { bad++; ex ??= $"{vn} named by {byVolume[vn]} and {o.Metadata.Name}"; }
        }
        var byClaimRef = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in finalPvs)
        {
            if (p.Spec?.ClaimRef is not { } r) continue;
            var key = r.Namespace + "/" + r.Name;
            if (!byClaimRef.TryAdd(key, p.Metadata.Name!)) { bad++; ex ??= $"claim {key} in the claimRef of {byClaimRef[key]} and {p.Metadata.Name}"; }
        }
        foreach (var o in finalClaims)
        {
            if (o.Spec?.VolumeName is not { Length: > 0 } vn) continue;
            if (!pvByName.TryGetValue(vn, out var p)) { bad++; ex ??= $"{o.Metadata.Name} names missing volume {vn}"; continue; }
            var r = p.Spec?.ClaimRef;
            if (r is null || r.Namespace != "default" || r.Name != o.Metadata.Name || r.Uid != o.Metadata.Uid)
            { bad++; ex ??= $"{o.Metadata.Name} -> {vn} but its claimRef is {r?.Namespace}/{r?.Name} uid {r?.Uid}"; }
            else if (p.Status?.Phase != "Bound") { bad++; ex ??= $"{vn} bound to {o.Metadata.Name} but phase {p.Status?.Phase}"; }
        }
        foreach (var p in finalPvs)
        {
            if (p.Spec?.ClaimRef is not { } r) continue;
            if (!claimByName.TryGetValue(r.Name ?? "", out var o) || o.Spec?.VolumeName != p.Metadata.Name)
            { bad++; ex ??= $"{p.Metadata.Name} claimRef {r.Name} but that claim's volumeName is '{(o is null ? "(no claim)" : o.Spec?.VolumeName)}'"; }
        }
        Report($"one volume per claim and one claim per volume, both ways ({byVolume.Count} volumeNames, {byClaimRef.Count} claimRefs)", bad, ex);

        // (3)
        bad = 0; ex = null;
        foreach (var o in finalClaims)
        {
            if (o.Spec?.VolumeName is not { Length: > 0 } vn || !pvByName.TryGetValue(vn, out var p)) continue;
            var why = VolumeMatcher.VolumeClass(p) != VolumeMatcher.ClaimClass(o) ? "class"
                : !VolumeMatcher.CheckAccessModes(o, p) ? "access modes"
                : VolumeMatcher.VolumeCapacity(p) < VolumeMatcher.RequestedStorage(o) ? "capacity"
                : VolumeMatcher.VolumeModeMismatch(o, p) ? "volumeMode" : null;
            if (why is not null) { bad++; ex ??= $"{o.Metadata.Name} -> {vn}: {why}"; }
        }
        Report("each claim's volume satisfies its class, access modes and size", bad, ex);

        // Groups (class, mask) of the initial PVs, each sorted by (capacity, name).
        var groups = pvs.GroupBy(p => (p.Class, p.Mask)).ToDictionary(g => g.Key,
            g => g.OrderBy(p => p.Capacity).ThenBy(p => p.Name, StringComparer.Ordinal).ToArray());
        static int LowerBound(PvSpec[] list, Quantity req)
        {
            int lo = 0, hi = list.Length;
            while (lo < hi) { int mid = (lo + hi) / 2; if (list[mid].Capacity < req) lo = mid + 1; else hi = mid; }
            return lo;
        }

        // (4)
        bad = 0; ex = null;
        int outsideOwnGroup = 0;
        foreach (var c in claims)
        {
            if (!claimByName.TryGetValue(c.Name, out var o) || o.Spec?.VolumeName is not { Length: > 0 } vn || !specByPv.TryGetValue(vn, out var p)) continue;
            int expected = MaskOrder.Where(m => (m & c.Mask) == c.Mask)
                .FirstOrDefault(m => groups.TryGetValue((c.Class, m), out var l) && LowerBound(l, c.Request) < l.Length, -1);
            if (p.Mask != expected) { bad++; ex ??= $"{c.Name} ({ShortMask(c.Mask)}, {c.Size}) got {vn} ({ShortMask(p.Mask)}), first group with a fit is {ShortMask(expected)}"; }
            if (p.Mask != specByPv[c.Source].Mask) outsideOwnGroup++;
        }
        Report($"mode-group rule: the volume is in the claim's first group (fewest modes) with a fit ({outsideOwnGroup} claims bound outside their source volume's group)", bad, ex);

        // (5)
        bad = 0; ex = null;
        long checkedPairs = 0;
        var claimOf = finalClaims.Where(o => !string.IsNullOrEmpty(o.Spec?.VolumeName)).ToDictionary(o => o.Spec!.VolumeName!, o => o.Metadata.Name!, StringComparer.Ordinal);
        var unboundAtEnd = pvs.Count(p => !claimOf.ContainsKey(p.Name));
        foreach (var c in claims)
        {
            if (!claimByName.TryGetValue(c.Name, out var o) || o.Spec?.VolumeName is not { Length: > 0 } vn || !specByPv.TryGetValue(vn, out var p)) continue;
            if (!claimRefRevision.TryGetValue(vn, out var pRev)) continue;
            foreach (var m in MaskOrder)
            {
                if ((m & c.Mask) != c.Mask || MaskRank[m] > MaskRank[p.Mask]) continue;
                if (!groups.TryGetValue((c.Class, m), out var list)) continue;
                for (int i = LowerBound(list, c.Request); i < list.Length; i++)
                {
                    var q = list[i];
                    if (m == p.Mask && !(q.Capacity < p.Capacity || (q.Capacity == p.Capacity && string.CompareOrdinal(q.Name, p.Name) < 0))) break;
                    checkedPairs++;
                    bool freeAtBind = !claimOf.TryGetValue(q.Name, out var d)
                        || (claimCreateRevision.TryGetValue(d, out var dRev) && dRev > pRev);
                    if (freeAtBind)
                    {
                        bad++;
                        ex ??= $"{c.Name} ({ShortMask(c.Mask)}, {c.Size}) got {vn} ({ShortMask(p.Mask)}, {p.Size}, claimRef at rev {pRev}) while {q.Name} ({ShortMask(q.Mask)}, {q.Size}) was free " +
                               (d is null ? "(unbound at the end)" : $"(its claim {d} created at rev {claimCreateRevision[d]})");
                    }
                }
            }
        }
        Report($"order-aware smallest fit: no better-ranked fitting volume left free when the claim's volume was chosen ({N0(checkedPairs)} (claim, better volume) pairs checked; {unboundAtEnd} PVs unbound at the end)", bad, ex);
        return new Verification(total, lines);
    }

    static string ShortMask(int mask) => mask < 0 ? "none" : VolumeMatcher.ShortModes(ModeNames(mask));

    // ------------------------------------------------------------------ observing the server

    /// <summary>
    /// Watches one resource's objects in the server's watch cache (raw JSON, not decoded) and counts those whose JSON
    /// contains a marker (e.g. "phase":"Bound"); completes when <c>target</c> objects contain it. Also records, per
    /// name, the revision at which the marker first appeared and the object's creation revision.
    /// </summary>
    sealed class Tracker : IDisposable
    {
        private readonly CacheWatcher _watcher;
        private readonly byte[] _marker;
        private readonly int _target;
        private readonly HashSet<string> _done = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _first = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _created = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _seenAt = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _markedAt = new(StringComparer.Ordinal);
        private readonly TaskCompletionSource<long> _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task _loop;
        private int _count;

        public Tracker(ResourceStore store, ResourceType type, string prefix, string marker, int target)
        {
            _marker = Encoding.UTF8.GetBytes(marker);
            _target = target;
            _watcher = store.Cache.For(type).ListAndWatch(prefix, o => o.Key.StartsWith(prefix, StringComparison.Ordinal), out var initial);
            foreach (var o in initial) Observe(o, o.ModRevision);
            _loop = Task.Run(LoopAsync);
        }

        public int Count => Volatile.Read(ref _count);
        /// <summary>Name → revision at which the marker was first seen (read after the run).</summary>
        public IReadOnlyDictionary<string, long> FirstRevision { get { lock (_done) return new Dictionary<string, long>(_first); } }
        /// <summary>Name → Stopwatch timestamp when the object was first seen / when the marker was first seen (read after the run).</summary>
        public IReadOnlyDictionary<string, long> SeenAt { get { lock (_done) return new Dictionary<string, long>(_seenAt); } }
        public IReadOnlyDictionary<string, long> MarkedAt { get { lock (_done) return new Dictionary<string, long>(_markedAt); } }
        /// <summary>Name → creation revision (read after the run).</summary>
        public IReadOnlyDictionary<string, long> CreateRevision { get { lock (_done) return new Dictionary<string, long>(_created); } }

        private async Task LoopAsync()
        {
            var reader = _watcher.Events;
            try
            {
                while (await reader.WaitToReadAsync())
                    while (reader.TryRead(out var e))
                    {
                        if (e.Type == StoreEventType.Deleted) continue;
                        Observe(e.Object, e.Revision);
                    }
            }
            catch (Exception e) { _reached.TrySetException(e); }
        }

        private void Observe(CachedObject o, long revision)
        {
            lock (_done)
            {
                long now = Stopwatch.GetTimestamp();
                _created.TryAdd(o.Name, o.CreateRevision);
                _seenAt.TryAdd(o.Name, now);
                if (o.Json.AsSpan().IndexOf(_marker) < 0) return;
                if (_first.TryAdd(o.Name, revision)) _markedAt[o.Name] = now;
                if (_done.Add(o.Name) && ++_count >= _target) _reached.TrySetResult(Stopwatch.GetTimestamp());
            }
        }

        public async Task<bool> WaitAsync(TimeSpan timeout)
        {
            var done = await Task.WhenAny(_reached.Task, Task.Delay(timeout));
            return done == _reached.Task && _reached.Task.IsCompletedSuccessfully;
        }

        public double ReachedSeconds(long start)
            => _reached.Task.IsCompletedSuccessfully ? Stopwatch.GetElapsedTime(start, _reached.Task.Result).TotalSeconds : double.NaN;

        public void Dispose()
        {
            _watcher.Dispose();
            try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        }
    }

    /// <summary>The server's log: warnings and errors counted by kind (names and numbers blanked out), a few kept in full.</summary>
    sealed partial class CountingLogs : ILoggerFactory
    {
        private readonly ConcurrentDictionary<string, int> _counts = new();
        private int _errors;
        public int Errors => Volatile.Read(ref _errors);

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }

        [GeneratedRegex("\"[^\"]*\"|\\b(pv|pvc|claim)[-:][\\w./-]+|\\d+")]
        private static partial Regex Variable();

        void Add(string category, LogLevel level, string message, Exception? e)
        {
            if (level >= LogLevel.Error) Interlocked.Increment(ref _errors);
            var inner = e is null ? "" : $" [{e.GetType().Name}: {(e.Message.Split('\n')[0])}]";
            var key = $"{category} {level}: {Variable().Replace(message + inner, "#")}";
            if (key.Length > 220) key = key[..220] + "…";
            _counts.AddOrUpdate(key, 1, (_, c) => c + 1);
        }

        public void Print(string indent)
        {
            if (_counts.IsEmpty) { Console.WriteLine(indent + "server log: no warnings or errors"); return; }
            Console.WriteLine(indent + "server log, warnings and errors by kind (whole run so far):");
            foreach (var (k, c) in _counts.OrderByDescending(kv => kv.Value).Take(12)) Console.WriteLine($"{indent}  {c,7} x {k}");
        }

        sealed class Logger(CountingLogs owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel)) owner.Add(category, logLevel, formatter(state, exception), exception);
            }
        }
    }
}
