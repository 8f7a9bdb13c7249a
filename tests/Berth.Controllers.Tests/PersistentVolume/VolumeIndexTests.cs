using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Controllers.PersistentVolumes;
using Xunit.Abstractions;
using static Berth.Controllers.Tests.PersistentVolumes.Fixtures;

namespace Berth.Controllers.Tests.PersistentVolumes;

public class VolumeIndexTests(ITestOutputHelper output)
{
    // ------------------------------------------------------------------ basic operations

    [Fact]
    public void UpsertGetRemoveAllCount()
    {
        var idx = new VolumeIndex();
        Assert.Equal(0, idx.Count);
        Assert.Null(idx.Get("a"));
        idx.Upsert(Pv("b", "2Gi"));
        idx.Upsert(Pv("a", "1Gi"));
        Assert.Equal(2, idx.Count);
        Assert.Equal(["a", "b"], idx.All.Select(p => p.Metadata.Name));
        Assert.Equal("1Gi", idx.Get("a")!.Spec!.Capacity![VolumeConstants.Storage].ToString());

        // Replacing moves the volume between groups.
        idx.Upsert(Pv("a", "10Gi", cls: "fast"));
        Assert.Equal(2, idx.Count);
        Assert.Equal("b", VolumeMatcher.FindBest(Pvc("x", "1Gi"), idx, false)?.Metadata.Name);
        Assert.Equal("a", VolumeMatcher.FindBest(Pvc("x", "1Gi", cls: "fast"), idx, false)?.Metadata.Name);

        Assert.True(idx.Remove("b"));
        Assert.False(idx.Remove("b"));
        Assert.Null(VolumeMatcher.FindBest(Pvc("x", "1Gi"), idx, false));
        Assert.Equal(1, idx.Count);
        Assert.True(idx.Remove("a"));
        Assert.Equal(0, idx.Count);
        Assert.Equal(0, idx.GroupCount);
    }

    [Fact]
    public void BindingAVolumeTakesItOutOfTheCandidates()
    {
        var idx = Index(Pv("a", "1Gi"), Pv("b", "2Gi"));
        Assert.Equal("a", VolumeMatcher.FindBest(Pvc("x", "1Gi"), idx, false)?.Metadata.Name);
        idx.Upsert(Pv("a", "1Gi", phase: VolumeConstants.Bound, claimRef: Ref("x", uid: "uid-x")));
        Assert.Equal("b", VolumeMatcher.FindBest(Pvc("y", "1Gi"), idx, false)?.Metadata.Name);
        Assert.Equal("a", VolumeMatcher.FindBest(Pvc("x", "1Gi"), idx, false)?.Metadata.Name);
        // Unbinding (claimRef removed, Available again) puts it back.
        idx.Upsert(Pv("a", "1Gi"));
        Assert.Equal("a", VolumeMatcher.FindBest(Pvc("y", "1Gi"), idx, false)?.Metadata.Name);
        // Changing the claimRef moves it in the claim map.
        idx.Upsert(Pv("a", "1Gi", claimRef: Ref("z")));
        Assert.Null(VolumeMatcher.FindBest(Pvc("x", "1Gi"), Index(idx.Get("a")!), false));
        Assert.Equal("a", VolumeMatcher.FindBest(Pvc("z", "1Gi"), idx, false)?.Metadata.Name);
        Assert.Equal("b", VolumeMatcher.FindBest(Pvc("x", "1Gi"), idx, false)?.Metadata.Name);
    }

    // ------------------------------------------------------------------ O(log n): volumes examined

    private static VolumeIndex Large(int n, Random rnd, out List<PersistentVolume> all, int boundToOthers = 0)
    {
        string[] classes = ["gold", "silver", "bronze", ""];
        string[] modes = ["RWO", "RWO,RWX"];
        string[] units = ["Mi", "Gi", "G", "M"];
        all = [];
        var idx = new VolumeIndex();
        for (int i = 0; i < n; i++)
        {
            var size = units[rnd.Next(units.Length)] switch
            {
                "Mi" => $"{rnd.Next(1, 200) * 1024}Mi",
                "M" => $"{rnd.Next(1, 200) * 1000}M",
                var u => $"{rnd.Next(1, 200)}{u}",
            };
            var pv = Pv($"pv-{i:D5}", size, modes[rnd.Next(modes.Length)], classes[rnd.Next(classes.Length)]);
            all.Add(pv);
            idx.Upsert(pv);
        }
        for (int i = 0; i < boundToOthers; i++)
        {
            var pv = Pv($"bound-{i:D5}", $"{rnd.Next(1, 200)}Gi", "RWO", "gold", VolumeConstants.Bound, claimRef: Ref($"c{i}", uid: $"u{i}"));
            all.Add(pv);
            idx.Upsert(pv);
        }
        return idx;
    }

    [Fact]
    public void FindBest_Over10000Volumes_ExaminesFew()
    {
        var idx = Large(10_000, new Random(42), out var all, boundToOthers: 10_000);
        Assert.Equal(20_000, idx.Count);
        Assert.True(idx.GroupCount <= 8);
        foreach (var (size, cls, modes) in new[] { ("50Gi", "gold", "RWO"), ("1Mi", "silver", "RWO"), ("199Gi", "", "RWO,RWX"), ("120G", "bronze", "RWX") })
        {
            var claim = Pvc("x", size, modes, cls);
            idx.ResetExamined();
            var got = VolumeMatcher.FindBest(claim, idx, false);
            Assert.NotNull(got);
            Assert.InRange(idx.Examined, 1, 50);
            Assert.Same(BruteForce.FindBest(claim, all, false, null, null), got);
        }
    }

    [Fact]
    public void FindBest_NoFit_ExaminesFew()
    {
        var idx = Large(10_000, new Random(7), out _);
        idx.ResetExamined();
        Assert.Null(VolumeMatcher.FindBest(Pvc("x", "1Ti"), idx, false));
        Assert.Null(VolumeMatcher.FindBest(Pvc("x", "1Gi", cls: "platinum"), idx, false));
        Assert.Null(VolumeMatcher.FindBest(Pvc("x", "1Gi"), idx, delayedBinding: true));
        Assert.InRange(idx.Examined, 0, 10);
    }

    // ------------------------------------------------------------------ index vs brute force

    private sealed class Gen(Random rnd)
    {
        private static readonly string[] Sizes =
            ["500Mi", "512Mi", "0.5Gi", "1Gi", "1024Mi", "1073741824", "1G", "1000M", "1.5Gi", "1536Mi", "2Gi", "2G", "2000M", "5Gi", "10Gi", "10G", "100Mi", "3Gi", "3221225472"];
        private static readonly string?[] Classes = ["", "", "fast", "slow", null];
        private static readonly string[] ModeSets = ["RWO", "RWO", "ROX", "RWX", "RWO,RWX", "RWO,ROX", "RWO,ROX,RWX", "RWOP", "RWX,ROX", "", "RWO,Weird"];
        private static readonly string?[] Phases =
            [VolumeConstants.Available, VolumeConstants.Available, VolumeConstants.Available, VolumeConstants.Pending, VolumeConstants.Bound, VolumeConstants.Released, VolumeConstants.Failed, null];
        private static readonly string[] ClaimNames = ["x", "y", "z"];
        private static readonly string[] Namespaces = ["default", "default", "other"];
        private static readonly string?[] Uids = [null, "", "u1", "u2"];
        private static readonly string?[] VolumeModes = [null, null, VolumeConstants.Filesystem, VolumeConstants.Block];

        private T Pick<T>(T[] a) => a[rnd.Next(a.Length)];

        private Dictionary<string, string>? RandomLabels()
        {
            if (rnd.Next(4) == 0) return null;
            var d = new Dictionary<string, string>();
            if (rnd.Next(2) == 0) d["tier"] = Pick(new[] { "gold", "silver", "bronze" });
            if (rnd.Next(2) == 0) d["zone"] = Pick(new[] { "a", "b" });
            return d;
        }

        private LabelSelector? RandomSelector()
        {
            switch (rnd.Next(8))
            {
                case 0: return Selector("tier=gold");
                case 1: return Expr("tier", "In", "gold", "silver");
                case 2: return Expr("tier", "NotIn", "gold");
                case 3: return Expr("zone", "Exists");
                case 4: return Expr("zone", "DoesNotExist");
                case 5:
                    var s = Selector("zone=a");
                    s.MatchExpressions = [new LabelSelectorRequirement { Key = "tier", Operator = "NotIn", Values = ["bronze"] }];
                    return s;
                default: return null;
            }
        }

        public PersistentVolume Volume(string name)
        {
            ObjectReference? claimRef = rnd.Next(3) == 0 ? Ref(Pick(ClaimNames), Pick(Namespaces), Pick(Uids)) : null;
            var pv = Pv(name, Pick(Sizes), Pick(ModeSets), Pick(Classes), Pick(Phases), RandomLabels(), claimRef,
                Pick(VolumeModes), deleting: rnd.Next(10) == 0);
            if (pv.Spec!.StorageClassName is null && rnd.Next(3) == 0)
                pv.Metadata.Annotations = new() { [VolumeMatcher.BetaStorageClassAnnotation] = "fast" };
            if (rnd.Next(50) == 0) pv.Spec.Capacity = null;
            return pv;
        }

        public PersistentVolumeClaim Claim()
        {
            var modes = Pick(new[] { "RWO", "RWO", "ROX", "RWX", "RWO,RWX", "RWOP", "", "Weird" });
            var claim = Pvc(Pick(ClaimNames), Pick(Sizes), modes, Pick(Classes), RandomSelector(), Pick(Namespaces), Pick(new[] { "u1", "u2" }),
                Pick(VolumeModes));
            if (claim.Spec!.StorageClassName is null && rnd.Next(3) == 0)
                claim.Metadata.Annotations = new() { [VolumeMatcher.BetaStorageClassAnnotation] = "fast" };
            return claim;
        }

        public ISet<string>? Excluded(int names) => rnd.Next(4) == 0
            ? Enumerable.Range(0, 3).Select(_ => $"pv{rnd.Next(names)}").ToHashSet() : null;

        public Func<PersistentVolume, bool>? NodeFilter()
        {
            if (rnd.Next(5) != 0) return null;
            var k = rnd.Next(2, 4);
            return pv => pv.Metadata.Name!.GetHashCode(StringComparison.Ordinal) % k != 0;
        }
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 40)]
    [InlineData(3, 150)]
    [InlineData(4, 600)]
    public void RandomizedIndexEqualsBruteForce(int seed, int names)
    {
        var rnd = new Random(seed);
        var gen = new Gen(rnd);
        var idx = new VolumeIndex();
        var model = new Dictionary<string, PersistentVolume>();
        int cases = 0, matched = 0, preBoundMatches = 0;
        for (int round = 0; round < 150; round++)
        {
            // Mutate: insert, replace or remove some volumes.
            for (int op = 0; op < Math.Max(2, names / 10); op++)
            {
                var name = $"pv{rnd.Next(names)}";
                if (rnd.Next(5) == 0)
                {
                    Assert.Equal(model.Remove(name), idx.Remove(name));
                }
                else
                {
                    var pv = gen.Volume(name);
                    model[name] = pv;
                    idx.Upsert(pv);
                }
            }
            Assert.Equal(model.Count, idx.Count);
            Assert.Equal(model.Keys.Order(StringComparer.Ordinal), idx.All.Select(p => p.Metadata.Name!));

            var volumes = model.Values.OrderBy(_ => rnd.Next()).ToList(); // the reference does not depend on order
            for (int q = 0; q < 10; q++)
            {
                var claim = gen.Claim();
                bool delayed = rnd.Next(6) == 0;
                var excluded = gen.Excluded(names);
                var nodeFilter = gen.NodeFilter();
                var expected = BruteForce.FindBest(claim, volumes, delayed, excluded, nodeFilter);
                var got = VolumeMatcher.FindBest(claim, idx, delayed, excluded, nodeFilter);
                Assert.True(ReferenceEquals(expected, got),
                    $"seed {seed} round {round} case {q}: expected {expected?.Metadata.Name ?? "none"}, got {got?.Metadata.Name ?? "none"}");
                cases++;
                if (got is not null) matched++;
                if (got is not null && VolumeMatcher.IsVolumeBoundToClaim(got, claim)) preBoundMatches++;
            }
        }
        Assert.Equal(1500, cases);
        output.WriteLine($"seed {seed}, {names} names: {matched} of {cases} matched, {preBoundMatches} pre-bound");
        // The generator must produce a fair share of matches, pre-bound ones included, or the test proves little.
        Assert.True(matched > (names < 40 ? cases / 30 : cases / 10), $"only {matched} of {cases} cases matched");
        Assert.True(preBoundMatches > 5, $"only {preBoundMatches} pre-bound matches");
    }

    [Fact]
    public void ConcurrentReadersWithOneWriter()
    {
        var idx = Large(2_000, new Random(3), out _);
        using var cts = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            var rnd = new Random(5);
            for (int i = 0; i < 5_000; i++)
            {
                var name = $"pv-{rnd.Next(2_000):D5}";
                if (i % 3 == 0) idx.Remove(name);
                else idx.Upsert(Pv(name, $"{rnd.Next(1, 200)}Gi", "RWO", "gold"));
            }
        });
        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(() =>
        {
            var claim = Pvc("x", "10Gi", "RWO", "gold");
            while (!writer.IsCompleted)
            {
                var got = VolumeMatcher.FindBest(claim, idx, false);
                if (got is not null) Assert.True(VolumeMatcher.VolumeCapacity(got) >= Quantity.Parse("10Gi"));
            }
        })).ToArray();
        Task.WaitAll([writer, .. readers]);
    }
}
