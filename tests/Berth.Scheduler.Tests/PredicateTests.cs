using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Storage;

namespace Berth.Scheduling.Tests;

/// <summary>The pure parts: message formatting, node selector terms, taints, topology, requests.</summary>
public sealed class PredicateTests
{
    private static Node N(string name, Dictionary<string, string>? labels = null, bool ready = true, List<Taint>? taints = null, bool unschedulable = false)
        => new()
        {
            Metadata = new ObjectMeta { Name = name, Labels = labels },
            Spec = new NodeSpec { Taints = taints, Unschedulable = unschedulable },
            Status = new NodeStatus { Conditions = [new NodeCondition { Type = "Ready", Status = ready ? "True" : "Unknown" }] },
        };

    private static NodeSelectorRequirement R(string key, string op, params string[] values) => new() { Key = key, Operator = op, Values = [.. values] };

    [Fact]
    public void Fit_error_sorts_the_histogram_and_appends_the_preemption_message_as_upstream()
    {
        var statuses = new[]
        {
            FilterStatus.Resolvable("Insufficient cpu"),
            FilterStatus.Unresolved("node(s) didn't match Pod's node affinity/selector"),
            FilterStatus.Resolvable("Insufficient cpu", "Insufficient memory"),
        };
        var pre = FitError.Preemption(3, [FilterStatus.Unresolved(FitError.NoVictims), FilterStatus.Unresolved(FitError.PreemptionNotHelpful), FilterStatus.Unresolved(FitError.NoVictims)]);
        Assert.Equal("0/3 nodes are available: 1 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu. "
            + "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..",
            FitError.Format(3, null, statuses, pre));
        Assert.Equal("0/2 nodes are available: persistentvolumeclaim \"d\" not found.", FitError.Format(2, "persistentvolumeclaim \"d\" not found", statuses, null));
    }

    [Fact]
    public void Node_selector_terms_support_every_operator_and_metadata_name()
    {
        var n = N("n1", new() { ["zone"] = "a", ["gen"] = "5" });
        bool M(params NodeSelectorRequirement[] rs) => NodePredicates.MatchesTerms([new NodeSelectorTerm { MatchExpressions = [.. rs] }], n);
        Assert.True(M(R("zone", "In", "a", "b")));
        Assert.False(M(R("zone", "NotIn", "a")));
        Assert.True(M(R("rack", "NotIn", "x")));
        Assert.True(M(R("zone", "Exists")));
        Assert.True(M(R("rack", "DoesNotExist")));
        Assert.True(M(R("gen", "Gt", "4")));
        Assert.False(M(R("gen", "Lt", "5")));
        Assert.False(M(R("gen", "Gt", "x")));
        Assert.False(M(R("zone", "Bogus", "a")));
        Assert.True(M(R("zone", "In", "a"), R("gen", "Lt", "6")));
        Assert.False(NodePredicates.MatchesTerms([new NodeSelectorTerm()], n)); // an empty term matches nothing
        Assert.True(NodePredicates.MatchesTerms([new NodeSelectorTerm { MatchExpressions = [R("zone", "In", "z")] }, new NodeSelectorTerm { MatchFields = [R("metadata.name", "In", "n1")] }], n));
        Assert.False(NodePredicates.MatchesTerms([new NodeSelectorTerm { MatchFields = [R("metadata.name", "In", "n2")] }], n));
    }

    [Fact]
    public void Taints_unschedulable_and_readiness()
    {
        var pod = new Pod { Spec = new PodSpec() };
        Assert.Null(NodePredicates.CheckTaints(pod, N("n")));
        Assert.Equal("node(s) were unschedulable", NodePredicates.CheckTaints(pod, N("n", unschedulable: true)));
        Assert.Equal("node(s) had untolerated taint {node.kubernetes.io/unreachable: }", NodePredicates.CheckTaints(pod, N("n", ready: false)));
        var tainted = N("n", taints: [new Taint { Key = "gpu", Value = "yes", Effect = "NoSchedule" }, new Taint { Key = "soft", Effect = "PreferNoSchedule" }]);
        Assert.Equal("node(s) had untolerated taint {gpu: yes}", NodePredicates.CheckTaints(pod, tainted));
        pod.Spec.Tolerations = [new Toleration { Key = "gpu", Operator = "Equal", Value = "yes" }];
        Assert.Null(NodePredicates.CheckTaints(pod, tainted));
        pod.Spec.Tolerations = [new Toleration { Operator = "Exists" }];
        Assert.Null(NodePredicates.CheckTaints(pod, N("n", unschedulable: true)));
    }

    [Fact]
    public void Allowed_topologies_and_pod_requests()
    {
        var labels = new Dictionary<string, string> { ["zone"] = "a" };
        Assert.True(NodePredicates.MatchesTopology(null, labels));
        Assert.True(NodePredicates.MatchesTopology([new TopologySelectorTerm { MatchLabelExpressions = [new() { Key = "zone", Values = ["a"] }] }], labels));
        Assert.False(NodePredicates.MatchesTopology([new TopologySelectorTerm { MatchLabelExpressions = [new() { Key = "zone", Values = ["b"] }] }], labels));

        Container C(string cpu, string? restart = null) => new() { Name = "c", RestartPolicy = restart, Resources = new ResourceRequirements { Requests = new() { ["cpu"] = Quantity.Parse(cpu), ["memory"] = Quantity.Parse("1Mi") } } };
        var pod = new Pod { Spec = new PodSpec { Containers = [C("500m"), C("250m")], InitContainers = [C("2"), C("100m", "Always")] } };
        Assert.Equal(new Resources(2000, 1024 * 1024), Resources.PodRequests(pod) with { Memory = 1024 * 1024 });
        pod.Spec.InitContainers = [C("100m", "Always"), C("1")];
        Assert.Equal(1100, Resources.PodRequests(pod).MilliCpu);
    }
}
