using System.Text.Json;
using Berth.Api.Apps;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Strategies.Workloads;
using DeploymentStrategy = Berth.Api.Strategies.Workloads.DeploymentStrategy;

namespace Berth.Api.Tests.Workloads;

public class ServiceStrategyTests
{
    private static readonly ServiceStrategy S = new();

    [Fact]
    public void Headless_service_defaults_and_row()
    {
        var svc = W.Create<Service>(S, W.HeadlessService);
        svc.Metadata.CreationTimestamp = W.Now.AddMinutes(-3);
        var json = W.Json(S, svc);
        Assert.Equal("\"ClusterIP\"", W.Str(json, "spec.type"));
        Assert.Equal("\"None\"", W.Str(json, "spec.sessionAffinity"));
        Assert.Equal("[\"None\"]", W.Str(json, "spec.clusterIPs"));
        Assert.Equal("\"SingleStack\"", W.Str(json, "spec.ipFamilyPolicy"));
        Assert.Equal("[\"IPv4\"]", W.Str(json, "spec.ipFamilies"));
        Assert.Equal("\"Cluster\"", W.Str(json, "spec.internalTrafficPolicy"));
        Assert.Equal("{\"name\":\"web\",\"protocol\":\"TCP\",\"port\":80,\"targetPort\":80}", W.Str(json, "spec.ports.0"));
        Assert.Equal("{\"loadBalancer\":{}}", W.Str(json, "status"));
        Assert.Empty(W.CreateErrors(S, svc));
        Assert.Equal(["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"], S.Columns.Select(c => c.Name));
        Assert.Equal(new object?[] { "nginx", "ClusterIP", "None", "<none>", "80/TCP", "3m", "app=nginx" }, S.Row(svc, W.Now));
    }

    [Fact]
    public void Node_port_service_row_and_allocators()
    {
        var strategy = new ServiceStrategy { ClusterIPAllocator = _ => "10.96.0.10", NodePortAllocator = (_, _) => 30080 };
        var svc = W.Create<Service>(strategy, """{"metadata": {"name": "web"}, "spec": {"type": "NodePort", "ports": [{"port": 80}]}}""");
        Assert.Empty(W.CreateErrors(strategy, svc));
        Assert.Equal("Cluster", svc.Spec!.ExternalTrafficPolicy);
        Assert.Equal(new object?[] { "web", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP", "<unknown>", "<none>" }, strategy.Row(svc, W.Now));
    }

    public static TheoryData<string, string> InvalidCases => new()
    {
        { """{"metadata": {"name": "s"}, "spec": {"selector": {"app": "x"}}}""", "spec.ports: Required value" },
        { """{"metadata": {"name": "s"}, "spec": {"ports": [{"port": 70000}]}}""", "spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive" },
        { """{"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80, "protocol": "ICMP"}]}}""", "spec.ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"" },
        { """{"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80, "name": "a"}, {"port": 81}]}}""", "spec.ports[1].name: Required value" },
        { """{"metadata": {"name": "s"}, "spec": {"type": "Fancy", "ports": [{"port": 80}]}}""", "spec.type: Unsupported value: \"Fancy\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"" },
        { """{"metadata": {"name": "s"}, "spec": {"type": "NodePort", "clusterIP": "None", "ports": [{"port": 80}]}}""", "spec.clusterIP: Invalid value: \"None\": may not be set to 'None' for NodePort services" },
        { """{"metadata": {"name": "s"}, "spec": {"clusterIP": "10.0.0.300", "ports": [{"port": 80}]}}""", "spec.clusterIPs[0]: Invalid value: \"10.0.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)" },
    };

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Invalid_services_are_rejected(string json, string expected)
    {
        var errors = W.CreateErrors(S, W.Create<Service>(S, json));
        Assert.True(errors.Contains(expected), string.Join("\n", errors));
    }

    [Fact]
    public void Headless_service_without_ports_is_valid() =>
        Assert.Empty(W.CreateErrors(S, W.Create<Service>(S, """{"metadata": {"name": "s"}, "spec": {"clusterIP": "None", "selector": {"app": "x"}}}""")));

    [Fact]
    public void Cluster_ip_may_not_change_once_set_but_is_kept_when_omitted()
    {
        var old = W.Create<Service>(S, """{"metadata": {"name": "s"}, "spec": {"clusterIP": "10.96.0.5", "ports": [{"port": 80}]}}""");
        var changed = W.Clone(S, old);
        changed.Spec!.ClusterIP = "10.96.0.6";
        changed.Spec.ClusterIPs = ["10.96.0.6"];
        Assert.Contains("spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.6\"}: may not change once set", W.UpdateErrors(S, changed, old));

        var omitted = W.Clone(S, old);
        omitted.Spec!.ClusterIP = null;
        omitted.Spec.ClusterIPs = null;
        Assert.Empty(W.UpdateErrors(S, omitted, old));
        Assert.Equal("10.96.0.5", omitted.Spec.ClusterIP);
    }
}

public class ControllerRevisionStrategyTests
{
    private static readonly ControllerRevisionStrategy S = new();

    private const string Revision = """
    {"apiVersion": "apps/v1", "kind": "ControllerRevision",
     "metadata": {"name": "web-6d4c8b9f5d", "namespace": "default", "creationTimestamp": "2024-01-02T03:05:00Z",
       "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": "u1", "controller": true, "blockOwnerDeletion": true}]},
     "data": {"spec": {"template": {"$patch": "replace"}}}, "revision": 1}
    """;

    [Fact]
    public void Row_names_the_controller_with_its_group()
    {
        var rev = W.Create<ControllerRevision>(S, Revision);
        Assert.Equal(["Name", "Controller", "Revision", "Age"], S.Columns.Select(c => c.Name));
        Assert.Equal(new object?[] { "web-6d4c8b9f5d", "statefulset.apps/web", 1L, "5m" }, S.Row(rev, W.Now));
        rev.Metadata.OwnerReferences = null;
        Assert.Equal("<none>", S.Row(rev, W.Now)[1]);
    }

    [Fact]
    public void Data_is_mandatory_and_immutable_but_revision_may_change()
    {
        var rev = W.Create<ControllerRevision>(S, Revision);
        Assert.Empty(W.CreateErrors(S, rev));
        var noData = W.Clone(S, rev);
        noData.Data = null;
        Assert.Equal(["data: Required value: data is mandatory"], W.CreateErrors(S, noData));

        var bumped = W.Clone(S, rev);
        bumped.Revision = 3;
        Assert.Empty(W.UpdateErrors(S, bumped, rev));

        var edited = W.Clone(S, rev);
        edited.Data = JsonSerializer.SerializeToElement(new { spec = new { replicas = 2 } });
        var errors = W.UpdateErrors(S, edited, rev);
        Assert.Single(errors);
        Assert.StartsWith("data: Invalid value: ", errors[0]);
        Assert.EndsWith(": field is immutable", errors[0]);

        var negative = W.Clone(S, rev);
        negative.Revision = -1;
        Assert.Equal(["revision: Invalid value: -1: must be greater than or equal to 0"], W.CreateErrors(S, negative));
    }
}

public class DeploymentStrategyTests
{
    private static readonly DeploymentStrategy S = new();

    [Fact]
    public void Deployment_defaults()
    {
        var json = W.Json(S, W.Create<Deployment>(S, W.NginxDeployment));
        Assert.Equal("{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":\"25%\",\"maxSurge\":\"25%\"}}", W.Str(json, "spec.strategy"));
        Assert.Equal("10", W.Str(json, "spec.revisionHistoryLimit"));
        Assert.Equal("600", W.Str(json, "spec.progressDeadlineSeconds"));
        Assert.Equal("\"Always\"", W.Str(json, "spec.template.spec.restartPolicy"));
        Assert.Equal("\"IfNotPresent\"", W.Str(json, "spec.template.spec.containers.0.imagePullPolicy"));
        var noReplicas = W.Decode<Deployment>(S, W.NginxDeployment);
        noReplicas.Spec!.Replicas = null;
        S.Default(noReplicas);
        Assert.Equal(1, noReplicas.Spec.Replicas);
    }

    [Fact]
    public void Missing_selector_reports_both_upstream_errors()
    {
        var d = W.Create<Deployment>(S, W.NginxDeployment);
        Assert.Empty(W.CreateErrors(S, d));
        d.Spec!.Selector = null;
        Assert.Equal(
        [
            "spec.selector: Required value",
            "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"nginx\"}: `selector` does not match template `labels`",
        ], W.CreateErrors(S, d));
    }

    [Fact]
    public void Template_pod_spec_is_validated_and_selector_is_immutable()
    {
        var d = W.Create<Deployment>(S, W.NginxDeployment);
        d.Spec!.Template!.Spec!.Containers![0].Image = "";
        Assert.Contains("spec.template.spec.containers[0].image: Required value", W.CreateErrors(S, d));

        var old = W.Create<Deployment>(S, W.NginxDeployment);
        var updated = W.Clone(S, old);
        updated.Spec!.Selector!.MatchLabels!["tier"] = "web";
        updated.Spec.Template!.Metadata!.Labels!["tier"] = "web";
        Assert.Contains("spec.selector: Invalid value: &LabelSelector{MatchLabels:map[string]string{app: nginx,tier: web,},MatchExpressions:[]LabelSelectorRequirement{},}: field is immutable",
            W.UpdateErrors(S, updated, old));
    }

    [Fact]
    public void Row_and_scale()
    {
        var d = W.Create<Deployment>(S, W.NginxDeployment);
        d.Metadata.CreationTimestamp = W.Now.AddSeconds(-30);
        d.Status = new DeploymentStatus { Replicas = 3, ReadyReplicas = 2, UpdatedReplicas = 3, AvailableReplicas = 2 };
        Assert.Equal(["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"], S.Columns.Select(c => c.Name));
        Assert.Equal(new object?[] { "nginx-deployment", "2/3", 3L, 2L, "30s", "nginx", "nginx:1.14.2", "app=nginx" }, S.Row(d, W.Now));
        var scale = S.Scale!;
        Assert.Equal(3, scale.GetReplicas(d));
        Assert.Equal(3, scale.GetStatusReplicas(d));
        Assert.Equal("app=nginx", scale.GetSelector(d));
        scale.SetReplicas(d, 0);
        Assert.Equal(0, d.Spec!.Replicas);
    }
}
