using Berth.Api.Apps;
using Berth.Api.Meta;
using Berth.Api.Strategies.Workloads;
using Berth.Api.Registry;

namespace Berth.Api.Tests.Workloads;

public class StatefulSetStrategyTests
{
    private static readonly StatefulSetStrategy S = new();
    private static StatefulSet Web() => W.Create<StatefulSet>(S, W.WebStatefulSet);

    [Theory]
    [InlineData("spec.podManagementPolicy", "\"OrderedReady\"")]
    [InlineData("spec.updateStrategy", "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"partition\":0}}")]
    [InlineData("spec.revisionHistoryLimit", "10")]
    [InlineData("spec.replicas", "3")]
    [InlineData("spec.persistentVolumeClaimRetentionPolicy", "{\"whenDeleted\":\"Retain\",\"whenScaled\":\"Retain\"}")]
    [InlineData("spec.template.spec.restartPolicy", "\"Always\"")]
    [InlineData("spec.template.spec.dnsPolicy", "\"ClusterFirst\"")]
    [InlineData("spec.template.spec.schedulerName", "\"default-scheduler\"")]
    [InlineData("spec.template.spec.securityContext", "{}")]
    [InlineData("spec.template.spec.terminationGracePeriodSeconds", "10")]
    [InlineData("spec.template.spec.enableServiceLinks", null)]
    [InlineData("spec.template.spec.containers.0.imagePullPolicy", "\"IfNotPresent\"")]
    [InlineData("spec.template.spec.containers.0.terminationMessagePath", "\"/dev/termination-log\"")]
    [InlineData("spec.template.spec.containers.0.terminationMessagePolicy", "\"File\"")]
    [InlineData("spec.template.spec.containers.0.ports.0.protocol", "\"TCP\"")]
    [InlineData("spec.volumeClaimTemplates.0.apiVersion", "\"v1\"")]
    [InlineData("spec.volumeClaimTemplates.0.kind", "\"PersistentVolumeClaim\"")]
    [InlineData("spec.volumeClaimTemplates.0.spec.volumeMode", "\"Filesystem\"")]
    [InlineData("spec.volumeClaimTemplates.0.spec.storageClassName", "\"nfs\"")]
    [InlineData("spec.volumeClaimTemplates.0.spec.resources.requests.storage", "\"1Gi\"")]
    [InlineData("spec.volumeClaimTemplates.0.status", "{\"phase\":\"Pending\"}")]
    [InlineData("status", "{\"replicas\":0,\"availableReplicas\":0}")]
    public void Tutorial_statefulset_gets_upstream_defaults(string path, string? expected)
        => Assert.Equal(expected, W.Str(W.Json(S, Web()), path));

    [Fact]
    public void Defaults_replicas_to_one_and_keep_explicit_on_delete()
    {
        var sts = W.Decode<StatefulSet>(S, W.WebStatefulSet);
        sts.Spec!.Replicas = null;
        sts.Spec.UpdateStrategy = new StatefulSetUpdateStrategy { Type = "OnDelete" };
        S.Default(sts);
        Assert.Equal(1, sts.Spec.Replicas);
        Assert.Null(sts.Spec.UpdateStrategy.RollingUpdate);
        Assert.Empty(W.CreateErrors(S, sts));
    }

    [Fact]
    public void Tutorial_statefulset_is_valid() => Assert.Empty(W.CreateErrors(S, Web()));

    public static TheoryData<string, Action<StatefulSet>, string> InvalidCases => new()
    {
        { "selector nil", s => s.Spec!.Selector = null, "spec.selector: Required value" },
        { "selector nil also mismatches", s => s.Spec!.Selector = null, "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"nginx\"}: `selector` does not match template `labels`" },
        { "empty selector", s => s.Spec!.Selector = new LabelSelector { MatchLabels = new() },
            "spec.selector: Invalid value: &LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}: empty selector is invalid for statefulset" },
        { "scenario 53: selector does not match", s => s.Spec!.Selector!.MatchLabels!["app"] = "web",
            "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"nginx\"}: `selector` does not match template `labels`" },
        { "negative replicas", s => s.Spec!.Replicas = -1, "spec.replicas: Invalid value: -1: must be greater than or equal to 0" },
        { "negative minReadySeconds", s => s.Spec!.MinReadySeconds = -1, "spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0" },
        { "negative ordinals.start", s => s.Spec!.Ordinals = new StatefulSetOrdinals { Start = -1 }, "spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0" },
        { "negative partition", s => s.Spec!.UpdateStrategy!.RollingUpdate!.Partition = -1, "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0" },
        { "bad pod management policy", s => s.Spec!.PodManagementPolicy = "Sometimes", "spec.podManagementPolicy: Invalid value: \"Sometimes\": must be 'OrderedReady' or 'Parallel'" },
        { "bad update strategy", s => { s.Spec!.UpdateStrategy = new StatefulSetUpdateStrategy { Type = "Blue" }; },
            "spec.updateStrategy: Invalid value: apps.StatefulSetUpdateStrategy{Type:\"Blue\", RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}: must be 'RollingUpdate' or 'OnDelete'" },
        { "rollingUpdate with OnDelete", s => s.Spec!.UpdateStrategy!.Type = "OnDelete",
            "spec.updateStrategy.rollingUpdate: Invalid value: apps.RollingUpdateStatefulSetStrategy{Partition:0, MaxUnavailable:(*intstr.IntOrString)(nil)}: only allowed for updateStrategy 'RollingUpdate'" },
        { "maxUnavailable 0", s => s.Spec!.UpdateStrategy!.RollingUpdate!.MaxUnavailable = IntOrString.FromInt(0),
            "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}: cannot be 0" },
        { "maxUnavailable 0%", s => s.Spec!.UpdateStrategy!.RollingUpdate!.MaxUnavailable = IntOrString.FromString("0%"),
            "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"0%\"}: cannot be 0" },
        { "maxUnavailable negative", s => s.Spec!.UpdateStrategy!.RollingUpdate!.MaxUnavailable = IntOrString.FromInt(-1),
            "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: -1: must be greater than or equal to 0" },
        { "maxUnavailable over 100%", s => s.Spec!.UpdateStrategy!.RollingUpdate!.MaxUnavailable = IntOrString.FromString("150%"),
            "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"150%\"}: must not be greater than 100%" },
        { "maxUnavailable not a percentage", s => s.Spec!.UpdateStrategy!.RollingUpdate!.MaxUnavailable = IntOrString.FromString("two"),
            "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"two\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')" },
        { "restartPolicy Never", s => s.Spec!.Template!.Spec!.RestartPolicy = "Never", "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"" },
        { "activeDeadlineSeconds", s => s.Spec!.Template!.Spec!.ActiveDeadlineSeconds = 5, "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported" },
        { "bad whenScaled", s => s.Spec!.PersistentVolumeClaimRetentionPolicy!.WhenScaled = "Keep",
            "spec.persistentVolumeClaimRetentionPolicy.whenScaled: Unsupported value: \"Keep\": supported values: \"Retain\", \"Delete\"" },
        { "bad whenDeleted", s => s.Spec!.PersistentVolumeClaimRetentionPolicy!.WhenDeleted = "Drop",
            "spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: \"Drop\": supported values: \"Retain\", \"Delete\"" },
        { "In without values", s => s.Spec!.Selector!.MatchExpressions = [new LabelSelectorRequirement { Key = "tier", Operator = "In" }],
            "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'" },
    };

    [Theory]
    [InlineData("2")]
    [InlineData("\"50%\"")]
    [InlineData("\"100%\"")]
    public void A_positive_maxUnavailable_is_valid(string json)
    {
        var sts = Web();
        sts.Spec!.UpdateStrategy!.RollingUpdate!.MaxUnavailable = System.Text.Json.JsonSerializer.Deserialize<IntOrString>(json, KubeJson.Options);
        Assert.Empty(W.CreateErrors(S, sts));
    }

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Invalid_statefulsets_are_rejected_with_upstream_messages(string name, Action<StatefulSet> mutate, string expected)
    {
        var sts = Web();
        mutate(sts);
        var errors = W.CreateErrors(S, sts);
        Assert.True(errors.Contains(expected), $"{name}: expected\n  {expected}\ngot\n  {string.Join("\n  ", errors)}");
    }

    [Fact]
    public void Scenario_52_editing_volume_claim_templates_is_forbidden()
    {
        var old = Web();
        var updated = W.Clone(S, old);
        updated.Spec!.VolumeClaimTemplates![0].Spec!.Resources!.Requests!["storage"] = Quantity.Parse("2Gi");
        var errors = W.UpdateErrors(S, updated, old);
        Assert.Equal(["spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"], errors);
    }

    public static TheoryData<string, Action<StatefulSet>, bool> UpdateCases => new()
    {
        { "replicas", s => s.Spec!.Replicas = 5, true },
        { "template image", s => s.Spec!.Template!.Spec!.Containers![0].Image = "nginx:1.25", true },
        { "partition", s => s.Spec!.UpdateStrategy!.RollingUpdate!.Partition = 2, true },
        { "minReadySeconds", s => s.Spec!.MinReadySeconds = 10, true },
        { "retention policy", s => s.Spec!.PersistentVolumeClaimRetentionPolicy!.WhenScaled = "Delete", true },
        { "serviceName", s => s.Spec!.ServiceName = "other", false },
        { "podManagementPolicy", s => s.Spec!.PodManagementPolicy = "Parallel", false },
        { "revisionHistoryLimit", s => s.Spec!.RevisionHistoryLimit = 3, false },
    };

    [Theory]
    [MemberData(nameof(UpdateCases))]
    public void Only_the_mutable_fields_may_change(string name, Action<StatefulSet> mutate, bool allowed)
    {
        var old = Web();
        var updated = W.Clone(S, old);
        mutate(updated);
        var errors = W.UpdateErrors(S, updated, old);
        Assert.True(allowed ? errors.Count == 0 : errors.Any(e => e.StartsWith("spec: Forbidden: updates to statefulset spec", StringComparison.Ordinal)),
            $"{name}: {string.Join("; ", errors)}");
    }

    [Fact]
    public void Row_and_columns_match_kubectl()
    {
        var sts = Web();
        sts.Metadata.CreationTimestamp = W.Now.AddSeconds(-125);
        sts.Status!.ReadyReplicas = 2;
        Assert.Equal(["Name", "Ready", "Age", "Containers", "Images"], S.Columns.Select(c => c.Name));
        Assert.Equal([0, 0, 0, 1, 1], S.Columns.Select(c => c.Priority));
        Assert.Equal(new object?[] { "web", "2/3", "2m5s", "nginx", "registry.k8s.io/nginx-slim:0.8" }, S.Row(sts, W.Now));
    }

    [Fact]
    public void Scale_accessor_reads_and_writes_replicas_and_formats_the_selector()
    {
        IScaleAccessor scale = S.Scale!;
        var sts = W.Decode<StatefulSet>(S, W.WebStatefulSet);
        sts.Spec!.Replicas = null;
        Assert.Equal(1, scale.GetReplicas(sts));
        Assert.Equal(0, scale.GetStatusReplicas(sts));
        Assert.Equal("app=nginx", scale.GetSelector(sts));
        scale.SetReplicas(sts, 5);
        Assert.Equal(5, sts.Spec.Replicas);
        sts.Status = new StatefulSetStatus { Replicas = 4 };
        Assert.Equal(4, scale.GetStatusReplicas(sts));
        sts.Spec.Selector = new LabelSelector
        {
            MatchLabels = new() { ["tier"] = "web", ["app"] = "nginx" },
            MatchExpressions = [new LabelSelectorRequirement { Key = "env", Operator = "In", Values = ["prod", "dev"] },
                                new LabelSelectorRequirement { Key = "gone", Operator = "DoesNotExist" }],
        };
        Assert.Equal("app=nginx,env in (dev,prod),!gone,tier=web", scale.GetSelector(sts));
    }
}
