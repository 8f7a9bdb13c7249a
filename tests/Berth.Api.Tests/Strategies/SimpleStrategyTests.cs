using System.Text;
using System.Text.Json;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Api.Strategies;

namespace Berth.Api.Tests.Strategies;

public class SimpleStrategyTests
{
    private static readonly DateTimeOffset Now = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static T Parse<T>(string json) => KubeJson.Deserialize<T>(Encoding.UTF8.GetBytes(json));
    private static List<string> Errors(IEnumerable<Berth.Api.Validation.FieldError> e) => e.Select(x => x.ToString()).ToList();

    [Fact]
    public void Secret_defaults_type_and_folds_string_data()
    {
        var s = Parse<Secret>("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"a":"eA==","b":"eA=="},"stringData":{"b":"two","c":"three"}}""");
        BuiltinStrategies.Secret.Default(s);
        Assert.Equal("Opaque", s.Type);
        Assert.Null(s.StringData);
        Assert.Equal("x", Encoding.UTF8.GetString(s.Data!["a"]));
        Assert.Equal("two", Encoding.UTF8.GetString(s.Data["b"]));
        Assert.Equal("three", Encoding.UTF8.GetString(s.Data["c"]));
        Assert.DoesNotContain("stringData", Encoding.UTF8.GetString(KubeJson.Serialize(s)));
    }

    [Fact]
    public void Secret_rbd_type_has_no_rules_and_type_is_immutable()
    {
        var old = Parse<Secret>("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"ceph"},"type":"kubernetes.io/rbd","data":{"key":"QVFC"}}""");
        Assert.Empty(BuiltinStrategies.Secret.ValidateCreate(old));
        var s = StrategySupport.Clone(old);
        s.Type = "Opaque";
        Assert.Equal(["type: Invalid value: \"Opaque\": field is immutable"], Errors(BuiltinStrategies.Secret.ValidateUpdate(s, old)));
    }

    [Fact]
    public void Secret_immutable_flag()
    {
        var old = Parse<Secret>("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"type":"Opaque","data":{"k":"eA=="},"immutable":true}""");
        var s = StrategySupport.Clone(old);
        s.Data!["k"] = [1];
        s.Immutable = false;
        Assert.Equal(["immutable: Forbidden: field is immutable when `immutable` is set", "data: Forbidden: field is immutable when `immutable` is set"],
            Errors(BuiltinStrategies.Secret.ValidateUpdate(s, old)));
        var same = StrategySupport.Clone(old);
        same.Metadata.Labels = new() { ["a"] = "b" };
        Assert.Empty(BuiltinStrategies.Secret.ValidateUpdate(same, old));
    }

    [Fact]
    public void Secret_keys_and_typed_secrets()
    {
        var s = Parse<Secret>("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"type":"kubernetes.io/tls","data":{"bad key":"eA==","..x":"eA=="}}""");
        Assert.Equal([
            "data[..x]: Invalid value: \"..x\": must not start with '..'",
            "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
            "data[tls.crt]: Required value",
            "data[tls.key]: Required value"], Errors(BuiltinStrategies.Secret.ValidateCreate(s)));
    }

    [Fact]
    public void Secret_row_and_fields()
    {
        var s = Parse<Secret>("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"ceph","creationTimestamp":"2024-01-02T03:04:00Z"},"type":"kubernetes.io/rbd","data":{"key":"QVFC"}}""");
        Assert.Equal(["Name", "Type", "Data", "Age"], BuiltinStrategies.Secret.Columns.Select(c => c.Name));
        Assert.Equal(["ceph", "kubernetes.io/rbd", 1L, "5s"], BuiltinStrategies.Secret.Row(s, Now));
        var f = new Dictionary<string, string>();
        BuiltinStrategies.Secret.AddSelectableFields(s, f);
        Assert.Equal("kubernetes.io/rbd", f["type"]);
    }

    [Fact]
    public void ConfigMap_immutable_and_duplicate_keys_and_row()
    {
        var old = Parse<ConfigMap>("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"},"binaryData":{"a":"AA=="},"immutable":true}""");
        Assert.Equal(["data[a]: Invalid value: \"a\": duplicate of key present in binaryData"], Errors(BuiltinStrategies.ConfigMap.ValidateCreate(old)));
        var cm = StrategySupport.Clone(old);
        cm.Data!["a"] = "2";
        cm.BinaryData = null;
        Assert.Equal(["data: Forbidden: field is immutable when `immutable` is set", "binaryData: Forbidden: field is immutable when `immutable` is set"],
            Errors(BuiltinStrategies.ConfigMap.ValidateUpdate(cm, old)));
        Assert.Equal(["c", 2L, "<unknown>"], BuiltinStrategies.ConfigMap.Row(old, Now));
    }

    [Fact]
    public void Namespace_create_and_row()
    {
        var ns = Parse<Namespace>("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"dev"}}""");
        BuiltinStrategies.Namespace.PrepareForCreate(ns);
        BuiltinStrategies.Namespace.Default(ns);
        Assert.Equal("Active", ns.Status!.Phase);
        Assert.Equal(["kubernetes"], ns.Spec!.Finalizers!);
        Assert.Equal("dev", ns.Metadata.Labels!["kubernetes.io/metadata.name"]);
        Assert.Equal(["dev", "Active", "<unknown>"], BuiltinStrategies.Namespace.Row(ns, Now));
        var f = new Dictionary<string, string>();
        BuiltinStrategies.Namespace.AddSelectableFields(ns, f);
        Assert.Equal("Active", f["status.phase"]);
    }

    [Fact]
    public void Service_defaults_and_headless_row()
    {
        var svc = Parse<Service>(Berth.Api.Tests.Models.Manifests.HeadlessService);
        BuiltinStrategies.Service.PrepareForCreate(svc);
        BuiltinStrategies.Service.Default(svc);
        Assert.Equal("ClusterIP", svc.Spec!.Type);
        Assert.Equal("None", svc.Spec.SessionAffinity);
        Assert.Equal("TCP", svc.Spec.Ports![0].Protocol);
        Assert.Equal(IntOrString.FromString("web"), svc.Spec.Ports[0].TargetPort);
        Assert.Equal("Cluster", svc.Spec.InternalTrafficPolicy);
        Assert.Equal(["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"], BuiltinStrategies.Service.Columns.Select(c => c.Name));
        Assert.Equal(["nginx", "ClusterIP", "None", "<none>", "80/TCP", "<unknown>", "app=nginx"], BuiltinStrategies.Service.Row(svc, Now));

        var plain = Parse<Service>("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":8080}],"sessionAffinity":"ClientIP"}}""");
        BuiltinStrategies.Service.Default(plain);
        Assert.Equal(IntOrString.FromInt(8080), plain.Spec!.Ports![0].TargetPort);
        Assert.Equal(10800, plain.Spec.SessionAffinityConfig!.ClientIP!.TimeoutSeconds);
    }

    [Fact]
    public void Endpoints_row()
    {
        var ep = Parse<Endpoints>("""{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"nginx"},"subsets":[{"addresses":[{"ip":"10.0.0.1"},{"ip":"10.0.0.2"},{"ip":"10.0.0.3"},{"ip":"10.0.0.4"}],"ports":[{"port":80}]}]}""");
        Assert.Equal("10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...", BuiltinStrategies.Endpoints.Row(ep, Now)[1]);
        Assert.Equal("<none>", BuiltinStrategies.Endpoints.Row(Parse<Endpoints>("""{"metadata":{"name":"e"}}"""), Now)[1]);
    }

    [Fact]
    public void Node_row_wide()
    {
        var node = Parse<Node>("""
            {"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labels":{"node-role.kubernetes.io/control-plane":"","kubernetes.io/role":"worker"}},
             "spec":{"unschedulable":true},
             "status":{"conditions":[{"type":"Ready","status":"True"}],"addresses":[{"type":"InternalIP","address":"192.168.1.2"}],
                       "nodeInfo":{"kubeletVersion":"v1.32.0","osImage":"Debian","kernelVersion":"6.1"}}}
            """);
        Assert.Equal(["n1", "Ready,SchedulingDisabled", "control-plane,worker", "<unknown>", "v1.32.0", "192.168.1.2", "<none>", "Debian", "6.1", "<unknown>"],
            BuiltinStrategies.Node.Row(node, Now));
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1, 1], BuiltinStrategies.Node.Columns.Select(c => c.Priority));
    }

    [Fact]
    public void Event_row_and_fields()
    {
        var e = Parse<Event>("""
            {"apiVersion":"v1","kind":"Event","metadata":{"name":"x.1"},"involvedObject":{"kind":"PersistentVolumeClaim","namespace":"default","name":"x","uid":"u1"},
             "reason":"FailedBinding","message":"no persistent volumes available for this claim and no storage class is set ","type":"Normal",
             "source":{"component":"persistentvolume-controller"},"firstTimestamp":"2024-01-02T03:00:05Z","lastTimestamp":"2024-01-02T03:04:00Z","count":17}
            """);
        Assert.Equal(["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"], BuiltinStrategies.Event.Columns.Select(c => c.Name));
        Assert.Equal(["5s", "Normal", "FailedBinding", "persistentvolumeclaim/x", "", "persistentvolume-controller",
            "no persistent volumes available for this claim and no storage class is set", "4m", 17L, "x.1"], BuiltinStrategies.Event.Row(e, Now));
        var f = new Dictionary<string, string>();
        BuiltinStrategies.Event.AddSelectableFields(e, f);
        Assert.Equal("x", f["involvedObject.name"]);
        Assert.Equal("u1", f["involvedObject.uid"]);
        Assert.Equal("persistentvolume-controller", f["source"]);
        Assert.Equal("FailedBinding", f["reason"]);
        Assert.Equal(11, f.Count);
    }

    [Fact]
    public void Lease_row()
    {
        var l = Parse<Berth.Api.Coordination.Lease>("""{"metadata":{"name":"example.com-p"},"spec":{"holderIdentity":"host_1"}}""");
        Assert.Equal(["example.com-p", "host_1", "<unknown>"], BuiltinStrategies.Lease.Row(l, Now));
    }

    [Fact]
    public void Registration_covers_all_kinds()
    {
        var reg = new ResourceRegistry();
        BuiltinResources.Register(reg);
        Assert.Equal(21, reg.All.Count);
        var pv = reg.ByPath("", "v1", "persistentvolumes")!;
        Assert.False(pv.Namespaced);
        Assert.Equal(["pv"], pv.ShortNames);
        Assert.Same(BuiltinStrategies.PersistentVolume, pv.Strategy);
        var sts = reg.ByApiVersionKind("apps/v1", "StatefulSet")!;
        Assert.True(sts.HasScale);
        Assert.Equal(["all"], sts.Categories);
        Assert.Equal("/registry/events/", reg.ByKind("events.k8s.io", "v1", "Event")!.StoragePrefix);
        Assert.Equal("/registry/events/", reg.ByKind("", "v1", "Event")!.StoragePrefix);
        Assert.Equal("storageclasses.storage.k8s.io", reg.ByKind("storage.k8s.io", "v1", "StorageClass")!.QualifiedResource);
        foreach (var t in reg.All)
        {
            Assert.Equal(t.Strategy.Columns.Count, t.Strategy.Row((KubeObject)Activator.CreateInstance(t.Strategy.ModelType)!, Now).Length);
        }

        var sts1 = Parse<Berth.Api.Apps.StatefulSet>(Berth.Api.Tests.Models.Manifests.StatefulSet);
        Assert.Equal(3, sts.Strategy.Scale!.GetReplicas(sts1));
        Assert.Equal("app=nginx", sts.Strategy.Scale.GetSelector(sts1));
        sts.Strategy.Scale.SetReplicas(sts1, 5);
        Assert.Equal(5, sts1.Spec!.Replicas);

        var custom = new ResourceRegistry();
        var podStrategy = new BasicStrategy<Pod>();
        BuiltinResources.Register(custom, new Dictionary<string, IResourceStrategy> { ["v1/Pod"] = podStrategy });
        Assert.Same(podStrategy, custom.ByKind("", "v1", "Pod")!.Strategy);
    }

    [Fact]
    public void Strategies_decode_and_encode_through_kube_json()
    {
        var json = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(Berth.Api.Tests.Models.Manifests.NfsPersistentVolume)!;
        var obj = BuiltinStrategies.PersistentVolume.Decode(json);
        Assert.IsType<PersistentVolume>(obj);
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(json, BuiltinStrategies.PersistentVolume.Encode(obj)));
        Assert.Throws<JsonException>(() => BuiltinStrategies.PersistentVolume.Decode((System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse("""{"spec":{"capacity":{"storage":"lots"}}}""")!));
    }
}
