using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Controllers.PersistentVolumes;
using static Berth.Controllers.Tests.PersistentVolumes.Fixtures;

namespace Berth.Controllers.Tests.PersistentVolumes;

public class VolumeMatcherTests
{
    private const string Gold = "tier=gold";

    /// <summary>One matcher case: the volumes, the claim, delayed binding, and the expected volume name (null = no match).</summary>
    public sealed record Case(PersistentVolume[] Pvs, PersistentVolumeClaim Claim, string? Expected, bool Delayed = false, string[]? Excluded = null);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // ---- acceptance scenarios (§10)
        ["s1: smallest fitting volume"] = new([Pv("a", "5Gi"), Pv("b", "10Gi"), Pv("c", "2Gi")], Pvc("x", "3Gi"), "a"),
        ["s2: fewer access modes searched first"] = new([Pv("a", "10Gi"), Pv("b", "5Gi", "RWO,RWX")], Pvc("x", "1Gi"), "a"),
        ["s3: 1G is less than 1Gi"] = new([Pv("a", "1G")], Pvc("x", "1Gi"), null),
        ["s4: selector tier=gold"] = new([Pv("a", "5Gi", labels: Labels(Gold)), Pv("b", "2Gi")], Pvc("x", "1Gi", selector: Selector(Gold)), "a"),
        ["s6: reserved for x, y does not get it"] = new([Pv("p", "5Gi", claimRef: Ref("x"))], Pvc("y", "1Gi"), null),
        ["s6: reserved for x, x gets it"] = new([Pv("p", "5Gi", claimRef: Ref("x"))], Pvc("x", "1Gi"), "p"),
        ["s7: pre-bound ignores class"] = new([Pv("p", "5Gi", claimRef: Ref("x"))], Pvc("x", "1Gi", cls: "other"), "p"),
        ["s13: Released with old uid is not re-bound"] = new([Pv("p", "5Gi", phase: VolumeConstants.Released, claimRef: Ref("x", uid: "old"))], Pvc("x", "1Gi", uid: "new"), null),
        ["s14: claimRef removed, Available"] = new([Pv("p", "5Gi")], Pvc("x", "1Gi", uid: "new"), "p"),
        ["s15: uid removed, reserved, x binds"] = new([Pv("p", "5Gi", claimRef: Ref("x"))], Pvc("x", "1Gi", uid: "new"), "p"),
        ["s15: uid removed, reserved, z cannot"] = new([Pv("p", "5Gi", claimRef: Ref("x"))], Pvc("z", "1Gi"), null),

        // ---- class rules
        ["class: equal"] = new([Pv("a", "1Gi", cls: "fast")], Pvc("x", "1Gi", cls: "fast"), "a"),
        ["class: different"] = new([Pv("a", "1Gi", cls: "fast")], Pvc("x", "1Gi", cls: "slow"), null),
        ["class: claim \"\" does not take a classed volume"] = new([Pv("a", "1Gi", cls: "fast")], Pvc("x", "1Gi", cls: ""), null),
        ["class: claim with class does not take a classless volume"] = new([Pv("a", "1Gi", cls: "")], Pvc("x", "1Gi", cls: "fast"), null),
        ["class: nil on both is \"\""] = new([Pv("a", "1Gi", cls: null)], Pvc("x", "1Gi", cls: null), "a"),
        ["class: nil claim takes \"\" volume"] = new([Pv("a", "1Gi", cls: "")], Pvc("x", "1Gi", cls: null), "a"),
        ["class: legacy annotation on volume"] = new([WithAnnotation(Pv("a", "1Gi", cls: null), "fast")], Pvc("x", "1Gi", cls: "fast"), "a"),
        ["class: legacy annotation on claim"] = new([Pv("a", "1Gi", cls: "fast")], WithAnnotation(Pvc("x", "1Gi", cls: null), "fast"), "a"),
        ["class: storageClassName wins over annotation"] = new([Pv("a", "1Gi", cls: "fast")], WithAnnotation(Pvc("x", "1Gi", cls: "fast"), "slow"), "a"),

        // ---- access modes
        ["modes: superset accepted"] = new([Pv("a", "1Gi", "RWO,ROX,RWX")], Pvc("x", "1Gi", "RWO,RWX"), "a"),
        ["modes: subset rejected"] = new([Pv("a", "1Gi", "RWO")], Pvc("x", "1Gi", "RWO,RWX"), null),
        ["modes: disjoint rejected"] = new([Pv("a", "1Gi", "ROX")], Pvc("x", "1Gi", "RWO"), null),
        ["modes: bigger RWO-only beats smaller RWO+RWX"] = new([Pv("small", "1Gi", "RWO,RWX"), Pv("big", "100Gi", "RWO")], Pvc("x", "1Gi"), "big"),
        ["modes: falls through to larger set when smaller set has no fit"] = new([Pv("small", "1Gi", "RWO"), Pv("two", "5Gi", "RWO,RWX"), Pv("three", "2Gi", "RWO,ROX,RWX")], Pvc("x", "2Gi"), "two"),
        ["modes: RWOP"] = new([Pv("a", "1Gi", "RWOP")], Pvc("x", "1Gi", "RWOP"), "a"),
        ["modes: RWO claim does not take RWOP volume"] = new([Pv("a", "1Gi", "RWOP")], Pvc("x", "1Gi", "RWO"), null),
        ["modes: unknown claim mode matches nothing"] = new([Pv("a", "1Gi", "RWO,Weird")], Pvc("x", "1Gi", "Weird"), null),
        ["modes: duplicates in the volume"] = new([Pv("a", "1Gi", "RWO,RWO")], Pvc("x", "1Gi", "RWO"), "a"),

        // ---- selector operators
        ["selector: matchLabels match"] = new([Pv("a", "1Gi", labels: Labels("tier=gold,zone=a"))], Pvc("x", "1Gi", selector: Selector(Gold)), "a"),
        ["selector: matchLabels mismatch"] = new([Pv("a", "1Gi", labels: Labels("tier=silver"))], Pvc("x", "1Gi", selector: Selector(Gold)), null),
        ["selector: In"] = new([Pv("a", "1Gi", labels: Labels("tier=silver")), Pv("b", "1Gi", labels: Labels("tier=bronze"))], Pvc("x", "1Gi", selector: Expr("tier", "In", "bronze", "gold")), "b"),
        ["selector: NotIn"] = new([Pv("a", "1Gi", labels: Labels("tier=gold")), Pv("b", "2Gi", labels: Labels("tier=silver"))], Pvc("x", "1Gi", selector: Expr("tier", "NotIn", "gold")), "b"),
        ["selector: NotIn matches absent key"] = new([Pv("a", "1Gi")], Pvc("x", "1Gi", selector: Expr("tier", "NotIn", "gold")), "a"),
        ["selector: Exists"] = new([Pv("a", "1Gi"), Pv("b", "2Gi", labels: Labels("tier=any"))], Pvc("x", "1Gi", selector: Expr("tier", "Exists")), "b"),
        ["selector: DoesNotExist"] = new([Pv("a", "1Gi", labels: Labels("tier=any")), Pv("b", "2Gi")], Pvc("x", "1Gi", selector: Expr("tier", "DoesNotExist")), "b"),
        ["selector: empty selector matches everything"] = new([Pv("a", "1Gi", labels: Labels("tier=any"))], Pvc("x", "1Gi", selector: new LabelSelector()), "a"),
        ["selector: invalid selector matches nothing"] = new([Pv("a", "1Gi")], Pvc("x", "1Gi", selector: Expr("tier", "Near", "x")), null),
        ["selector: not checked for pre-bound"] = new([Pv("p", "1Gi", claimRef: Ref("x"))], Pvc("x", "1Gi", selector: Selector(Gold)), "p"),

        // ---- size
        ["size: smallest fit"] = new([Pv("a", "3Gi"), Pv("b", "2Gi"), Pv("c", "1Gi"), Pv("d", "2.5Gi")], Pvc("x", "2Gi"), "b"),
        ["size: equal size fits"] = new([Pv("a", "1024Mi")], Pvc("x", "1Gi"), "a"),
        ["size: exact comparison across units"] = new([Pv("a", "1073741823"), Pv("b", "1073741824")], Pvc("x", "1Gi"), "b"),
        ["size: 1Gi > 1G"] = new([Pv("a", "1Gi")], Pvc("x", "1G"), "a"),
        ["size: tie broken by name"] = new([Pv("b", "2Gi"), Pv("a", "2048Mi"), Pv("c", "2Gi")], Pvc("x", "1Gi"), "a"),
        ["size: tie by ordinal name"] = new([Pv("b", "2Gi"), Pv("B", "2Gi")], Pvc("x", "1Gi"), "B"),

        // ---- phases
        ["phase: Released skipped"] = new([Pv("a", "1Gi", phase: VolumeConstants.Released)], Pvc("x", "1Gi"), null),
        ["phase: Failed skipped"] = new([Pv("a", "1Gi", phase: VolumeConstants.Failed)], Pvc("x", "1Gi"), null),
        ["phase: Pending skipped"] = new([Pv("a", "1Gi", phase: VolumeConstants.Pending)], Pvc("x", "1Gi"), null),
        ["phase: Bound skipped"] = new([Pv("a", "1Gi", phase: VolumeConstants.Bound)], Pvc("x", "1Gi"), null),
        ["phase: none skipped"] = new([Pv("a", "1Gi", phase: null)], Pvc("x", "1Gi"), null),
        ["phase: skipped Released, next Available taken"] = new([Pv("a", "1Gi", phase: VolumeConstants.Released), Pv("b", "2Gi")], Pvc("x", "1Gi"), "b"),
        ["phase: not checked for pre-bound"] = new([Pv("p", "1Gi", phase: VolumeConstants.Pending, claimRef: Ref("x"))], Pvc("x", "1Gi"), "p"),

        // ---- deletion timestamp
        ["deleting: skipped"] = new([Pv("a", "1Gi", deleting: true), Pv("b", "5Gi")], Pvc("x", "1Gi"), "b"),
        ["deleting: pre-bound skipped too"] = new([Pv("p", "1Gi", claimRef: Ref("x"), deleting: true)], Pvc("x", "1Gi"), null),

        // ---- pre-binding (volume side)
        ["prebound: with matching uid"] = new([Pv("p", "5Gi", phase: VolumeConstants.Bound, claimRef: Ref("x", uid: "uid-x"))], Pvc("x", "1Gi"), "p"),
        ["prebound: wins over a smaller candidate in the same group"] = new([Pv("a", "1Gi"), Pv("p", "50Gi", claimRef: Ref("x"))], Pvc("x", "1Gi"), "p"),
        ["prebound: a candidate in a smaller mode group wins"] = new([Pv("a", "1Gi", "RWO"), Pv("p", "50Gi", "RWO,RWX", claimRef: Ref("x"))], Pvc("x", "1Gi"), "a"),
        ["prebound: other namespace is another claim"] = new([Pv("p", "5Gi", claimRef: Ref("x", ns: "other"))], Pvc("x", "1Gi"), null),
        ["prebound: wrong uid"] = new([Pv("p", "5Gi", claimRef: Ref("x", uid: "someone-else"))], Pvc("x", "1Gi"), null),
        ["prebound: still needs size"] = new([Pv("p", "1Gi", claimRef: Ref("x"))], Pvc("x", "5Gi"), null),
        ["prebound: still needs access modes"] = new([Pv("p", "5Gi", "ROX", claimRef: Ref("x"))], Pvc("x", "1Gi"), null),
        ["prebound: still needs volumeMode"] = new([Pv("p", "5Gi", volumeMode: VolumeConstants.Block, claimRef: Ref("x"))], Pvc("x", "1Gi"), null),
        ["prebound: two pre-bound, smallest wins"] = new([Pv("p2", "5Gi", claimRef: Ref("x")), Pv("p1", "3Gi", claimRef: Ref("x"))], Pvc("x", "1Gi"), "p1"),
        ["prebound: returned with delayed binding"] = new([Pv("p", "5Gi", claimRef: Ref("x"))], Pvc("x", "1Gi"), "p", Delayed: true),
        ["delayed: unbound volumes left to the scheduler"] = new([Pv("a", "5Gi")], Pvc("x", "1Gi"), null, Delayed: true),

        // ---- volumeMode
        ["volumeMode: nil = Filesystem"] = new([Pv("a", "1Gi", volumeMode: null)], Pvc("x", "1Gi", volumeMode: VolumeConstants.Filesystem), "a"),
        ["volumeMode: Filesystem = nil"] = new([Pv("a", "1Gi", volumeMode: VolumeConstants.Filesystem)], Pvc("x", "1Gi", volumeMode: null), "a"),
        ["volumeMode: Block vs nil"] = new([Pv("a", "1Gi", volumeMode: VolumeConstants.Block)], Pvc("x", "1Gi"), null),
        ["volumeMode: Block = Block"] = new([Pv("a", "1Gi", volumeMode: VolumeConstants.Filesystem), Pv("b", "2Gi", volumeMode: VolumeConstants.Block)], Pvc("x", "1Gi", volumeMode: VolumeConstants.Block), "b"),

        // ---- exclusions
        ["excluded: skipped"] = new([Pv("a", "1Gi"), Pv("b", "2Gi")], Pvc("x", "1Gi"), "b", Excluded: ["a"]),
        ["excluded: pre-bound skipped"] = new([Pv("a", "1Gi"), Pv("p", "2Gi", claimRef: Ref("x"))], Pvc("x", "1Gi"), "a", Excluded: ["p"]),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    private static PersistentVolume WithAnnotation(PersistentVolume pv, string cls)
    {
        pv.Metadata.Annotations = new() { [VolumeMatcher.BetaStorageClassAnnotation] = cls };
        return pv;
    }

    private static PersistentVolumeClaim WithAnnotation(PersistentVolumeClaim pvc, string cls)
    {
        pvc.Metadata.Annotations = new() { [VolumeMatcher.BetaStorageClassAnnotation] = cls };
        return pvc;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void FindBest(string name)
    {
        var c = Cases[name];
        var excluded = c.Excluded?.ToHashSet();
        var got = VolumeMatcher.FindBest(c.Claim, Index(c.Pvs), c.Delayed, excluded);
        Assert.Equal(c.Expected, got?.Metadata.Name);
        // The reference implementation agrees on every table case.
        var reference = BruteForce.FindBest(c.Claim, c.Pvs, c.Delayed, excluded, null);
        Assert.Equal(c.Expected, reference?.Metadata.Name);
    }

    [Fact]
    public void NodeFilter_SkipsCandidates()
    {
        var idx = Index(Pv("a", "1Gi"), Pv("b", "2Gi"), Pv("c", "3Gi"));
        var got = VolumeMatcher.FindBest(Pvc("x", "1Gi"), idx, delayedBinding: false, nodeFilter: pv => pv.Metadata.Name != "a");
        Assert.Equal("b", got?.Metadata.Name);
    }

    [Fact]
    public void NodeFilter_RejectedPreBoundVolumeMeansNoMatch()
    {
        var idx = Index(Pv("a", "1Gi"), Pv("p", "2Gi", claimRef: Ref("x")));
        Assert.Null(VolumeMatcher.FindBest(Pvc("x", "1Gi"), idx, delayedBinding: false, nodeFilter: pv => pv.Metadata.Name != "p"));
        Assert.Equal("p", VolumeMatcher.FindBest(Pvc("x", "1Gi"), idx, delayedBinding: false, nodeFilter: _ => true)?.Metadata.Name);
    }

    // ------------------------------------------------------------------ §2.2 helpers

    [Fact]
    public void Classes()
    {
        Assert.Equal("", VolumeMatcher.ClaimClass(Pvc("x", "1Gi", cls: null)));
        Assert.Equal("fast", VolumeMatcher.ClaimClass(Pvc("x", "1Gi", cls: "fast")));
        Assert.Equal("slow", VolumeMatcher.ClaimClass(WithAnnotation(Pvc("x", "1Gi", cls: null), "slow")));
        Assert.Equal("", VolumeMatcher.ClaimClass(WithAnnotation(Pvc("x", "1Gi", cls: ""), "slow")));
        Assert.Equal("", VolumeMatcher.VolumeClass(Pv("a", "1Gi", cls: null)));
        Assert.Equal("slow", VolumeMatcher.VolumeClass(WithAnnotation(Pv("a", "1Gi", cls: null), "slow")));
        Assert.Equal("fast", VolumeMatcher.VolumeClass(WithAnnotation(Pv("a", "1Gi", cls: "fast"), "slow")));
    }

    [Theory]
    [InlineData(null, null, null, false)]
    [InlineData("x", "default", null, true)]
    [InlineData("x", "default", "", true)]
    [InlineData("x", "default", "uid-x", true)]
    [InlineData("x", "default", "other", false)]
    [InlineData("y", "default", null, false)]
    [InlineData("x", "kube-system", null, false)]
    public void IsVolumeBoundToClaim(string? refName, string? refNs, string? refUid, bool expected)
    {
        var pv = Pv("p", "1Gi", claimRef: refName is null ? null : Ref(refName, refNs!, refUid));
        Assert.Equal(expected, VolumeMatcher.IsVolumeBoundToClaim(pv, Pvc("x", "1Gi")));
    }

    // ------------------------------------------------------------------ §2.4 claim-side pre-binding

    public static TheoryData<string, string?> ClaimSideCases => new()
    {
        { "s8: fits", null },
        { "s10: too small", "requested PV is too small" },
        { "deleting", "the volume is marked for deletion \"p\"" },
        { "class", "storageClassName does not match" },
        { "volumeMode", "incompatible volumeMode" },
        { "accessMode", "incompatible accessMode" },
        { "phase not checked", null },
        { "deleting before size", "the volume is marked for deletion \"p\"" },
        { "size before class", "requested PV is too small" },
        { "class before volumeMode", "storageClassName does not match" },
        { "volumeMode before accessMode", "incompatible volumeMode" },
    };

    [Theory]
    [MemberData(nameof(ClaimSideCases))]
    public void CheckClaimSideBinding(string name, string? expected)
    {
        var (claim, pv) = name switch
        {
            "s8: fits" => (Pvc("x", "1Gi", volumeName: "p"), Pv("p", "5Gi")),
            "s10: too small" => (Pvc("x", "10Gi", volumeName: "p"), Pv("p", "5Gi")),
            "deleting" => (Pvc("x", "1Gi", volumeName: "p"), Pv("p", "5Gi", deleting: true)),
            "class" => (Pvc("x", "1Gi", cls: "fast", volumeName: "p"), Pv("p", "5Gi", cls: "")),
            "volumeMode" => (Pvc("x", "1Gi", volumeMode: VolumeConstants.Block, volumeName: "p"), Pv("p", "5Gi")),
            "accessMode" => (Pvc("x", "1Gi", "RWX", volumeName: "p"), Pv("p", "5Gi", "RWO")),
            "phase not checked" => (Pvc("x", "1Gi", volumeName: "p"), Pv("p", "5Gi", phase: VolumeConstants.Released)),
            "deleting before size" => (Pvc("x", "10Gi", volumeName: "p"), Pv("p", "5Gi", deleting: true)),
            "size before class" => (Pvc("x", "10Gi", cls: "a", volumeName: "p"), Pv("p", "5Gi", cls: "b")),
            "class before volumeMode" => (Pvc("x", "1Gi", cls: "a", volumeName: "p"), Pv("p", "5Gi", cls: "b", volumeMode: VolumeConstants.Block)),
            "volumeMode before accessMode" => (Pvc("x", "1Gi", "RWX", volumeName: "p"), Pv("p", "5Gi", "RWO", volumeMode: VolumeConstants.Block)),
            _ => throw new ArgumentException(name),
        };
        Assert.Equal(expected, VolumeMatcher.CheckClaimSideBinding(claim, pv));
    }

    [Fact]
    public void Scenario11_VolumeBoundToAnotherClaim()
    {
        var p = Pv("p", "5Gi", phase: VolumeConstants.Bound, claimRef: Ref("y", uid: "uid-y"));
        var x = Pvc("x", "1Gi", volumeName: "p");
        Assert.False(VolumeMatcher.IsVolumeBoundToClaim(p, x));
        Assert.Null(VolumeMatcher.FindBest(Pvc("x", "1Gi"), Index(p), false));
    }

    // ------------------------------------------------------------------ Explain

    [Fact]
    public void Explain_Seed001()
    {
        var pvs = new[]
        {
            Pv("nfspv1", "1Gi", "RWO", "nfs"),
            Pv("nfspv2", "5Gi", "ROX", "nfs"),
            Pv("nfspv3", "10Gi", "RWX", "slow"),
        };
        var claim = Pvc("data", "5Gi", "RWO", "nfs");
        Assert.Null(VolumeMatcher.FindBest(claim, Index(pvs), false));
        Assert.Equal(
        [
            "nfspv2: access modes [ROX] do not include ReadWriteOnce",
            "nfspv1: capacity 1Gi is less than the requested 5Gi",
            "nfspv3: storage class \"slow\" is not \"nfs\"",
        ], VolumeMatcher.Explain(claim, pvs));
    }

    [Fact]
    public void Explain_BindingAndPhaseLines()
    {
        var pvs = new[]
        {
            Pv("pv4", "5Gi", phase: VolumeConstants.Bound, claimRef: Ref("other", uid: "u-other")),
            Pv("pv5", "5Gi", phase: VolumeConstants.Released, claimRef: Ref("x", uid: "old-uid")),
            Pv("pv6", "5Gi", labels: Labels("tier=silver")),
            Pv("pv7", "5Gi", claimRef: Ref("z")),
            Pv("pv8", "5Gi", phase: VolumeConstants.Failed),
            Pv("pv9", "5Gi", deleting: true),
            Pv("pva", "5Gi", volumeMode: VolumeConstants.Block),
            Pv("pvb", "5Gi", phase: VolumeConstants.Bound, claimRef: Ref("x", uid: "old-uid")),
            Pv("pvc", "5Gi", "RWO", "", phase: VolumeConstants.Released, claimRef: Ref("gone")),
        };
        var claim = Pvc("x", "1Gi", selector: Selector(Gold), uid: "new-uid");
        var lines = VolumeMatcher.Explain(claim, pvs, max: 100).ToDictionary(l => l[..l.IndexOf(':')], l => l);
        Assert.Equal("pv4: bound to claim default/other", lines["pv4"]);
        Assert.Equal("pv5: phase Released (claimRef still names default/x with uid old-uid)", lines["pv5"]);
        Assert.Equal("pv6: labels do not match the claim's selector tier=gold", lines["pv6"]);
        Assert.Equal("pv7: reserved for claim default/z", lines["pv7"]);
        Assert.Equal("pv8: phase Failed, not Available", lines["pv8"]);
        Assert.Equal("pv9: is being deleted", lines["pv9"]);
        Assert.Equal("pva: volume mode Block is not the claim's Filesystem", lines["pva"]);
        Assert.Equal("pvb: bound to an earlier claim default/x with uid old-uid", lines["pvb"]);
        Assert.Equal("pvc: phase Released (claimRef still names default/gone)", lines["pvc"]);
    }

    [Fact]
    public void Explain_OrdersByFewestFailuresThenFitThenNameAndHonoursMax()
    {
        var pvs = new[]
        {
            Pv("two-fails", "10Gi", "RWX", "slow"),
            Pv("small-b", "3Gi"),
            Pv("small-a", "4Gi"),
            Pv("big", "9Gi", "ROX"),
            Pv("fit", "6Gi", "ROX"),
            Pv("tie-b", "7Gi", "ROX"),
            Pv("tie-a", "7Gi", "ROX"),
        };
        var claim = Pvc("x", "5Gi");
        Assert.Equal(
        [
            "fit: access modes [ROX] do not include ReadWriteOnce",
            "tie-a: access modes [ROX] do not include ReadWriteOnce",
            "tie-b: access modes [ROX] do not include ReadWriteOnce",
            "big: access modes [ROX] do not include ReadWriteOnce",
            "small-a: capacity 4Gi is less than the requested 5Gi",
        ], VolumeMatcher.Explain(claim, pvs));
        Assert.Equal(["fit: access modes [ROX] do not include ReadWriteOnce"], VolumeMatcher.Explain(claim, pvs, max: 1));
        Assert.Equal(7, VolumeMatcher.Explain(claim, pvs, max: 10).Count);
        Assert.Equal("two-fails: storage class \"slow\" is not \"\"", VolumeMatcher.Explain(claim, pvs, max: 10)[^1]);
    }

    [Fact]
    public void Explain_MoreLines()
    {
        var claim = Pvc("x", "1Gi", "RWO,RWX", cls: "fast");
        Assert.Equal(["a: access modes [RWO] do not include ReadWriteMany"], VolumeMatcher.Explain(claim, [Pv("a", "5Gi", "RWO", "fast")]));
        Assert.Equal(["a: access modes [] do not include ReadWriteOnce, ReadWriteMany"], VolumeMatcher.Explain(claim, [Pv("a", "5Gi", "", "fast")]));
        Assert.Equal(["a: storage class \"\" is not \"fast\""], VolumeMatcher.Explain(claim, [Pv("a", "5Gi", "RWO,RWX", "")]));
        Assert.Equal(["a: capacity 1G is less than the requested 1Gi"], VolumeMatcher.Explain(claim, [Pv("a", "1G", "RWO,RWX", "fast")]));
        Assert.Equal(["a: phase Pending, not Available"], VolumeMatcher.Explain(claim, [Pv("a", "5Gi", "RWO,RWX", "fast", phase: VolumeConstants.Pending)]));
        Assert.Equal(["a: matches this claim"], VolumeMatcher.Explain(claim, [Pv("a", "5Gi", "RWO,RWX", "fast")]));
        Assert.Equal(["a: left to the scheduler (WaitForFirstConsumer class)"], VolumeMatcher.Explain(claim, [Pv("a", "5Gi", "RWO,RWX", "fast")], delayedBinding: true));
        // Pre-bound: class, selector and phase are not held against it.
        Assert.Equal(["p: matches this claim"], VolumeMatcher.Explain(claim, [Pv("p", "5Gi", "RWO,RWX", "other", phase: VolumeConstants.Pending, claimRef: Ref("x"))]));
        Assert.Equal(["p: capacity 512Mi is less than the requested 1Gi"], VolumeMatcher.Explain(claim, [Pv("p", "0.5Gi", "RWO,RWX", "other", claimRef: Ref("x"))]));
        Assert.Empty(VolumeMatcher.Explain(claim, []));
        Assert.Empty(VolumeMatcher.Explain(claim, [Pv("a", "5Gi")], max: 0));
    }

    [Fact]
    public void ShortModes()
    {
        Assert.Equal("RWO,ROX,RWX,RWOP", VolumeMatcher.ShortModes(Modes("RWOP,RWX,ROX,RWO")));
        Assert.Equal("", VolumeMatcher.ShortModes(null));
    }
}
