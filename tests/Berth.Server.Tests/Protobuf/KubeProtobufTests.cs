using System.Text.Json.Nodes;
using Berth.Server.Protobuf;

namespace Berth.Server.Tests.Protobuf;

public sealed class KubeProtobufTests
{
    /// <summary>ObjectMeta the way Go writes it: every plain field present, zero-valued.</summary>
    private static Pb Meta(string name) => new Pb().Str(1, name).Str(2, "").Str(3, "").Str(4, "").Str(5, "").Str(6, "")
        .Int(7, 0).Msg(8);

    private static void AssertJson(string expected, JsonNode actual)
        => Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}\n     got {actual.ToJsonString()}");

    [Fact]
    public void Namespace_with_a_name()
    {
        var body = Pb.Envelope("v1", "Namespace", new Pb().Msg(1, Meta("probe")).Msg(2).Msg(3));
        AssertJson("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"probe"},"spec":{},"status":{}}""", KubeProtobuf.ToJson(body));
    }

    [Fact]
    public void Secret_data_is_base64_and_pointer_bools_keep_false()
    {
        var raw = new Pb().Msg(1, Meta("s").Map(11, "app", "x").Map(12, "note", ""))
            .Map(2, "key", "value"u8.ToArray()).Map(2, "bin", new byte[] { 0, 255 })
            .Map(4, "plain", "text").Str(3, "Opaque").Bool(5, false);
        AssertJson("""
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","labels":{"app":"x"},"annotations":{"note":""}},
             "data":{"key":"dmFsdWU=","bin":"AP8="},"stringData":{"plain":"text"},"type":"Opaque","immutable":false}
            """, KubeProtobuf.ToJson(Pb.Envelope("v1", "Secret", raw)));
    }

    [Fact]
    public void ConfigMap_data_and_binaryData()
    {
        var raw = new Pb().Msg(1, Meta("c")).Map(2, "a", "b").Map(2, "c", "").Map(3, "blob", "hi"u8.ToArray());
        AssertJson("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"b","c":""},"binaryData":{"blob":"aGk="}}""",
            KubeProtobuf.ToJson(Pb.Envelope("v1", "ConfigMap", raw)));
    }

    [Fact]
    public void Deployment_with_a_container_resources_and_intorstrings()
    {
        var container = new Pb().Str(1, "web").Str(2, "nginx").Str(3, "sh").Str(3, "-c").Str(5, "")
            .Msg(6, new Pb().Str(1, "http").Int(2, 0).Int(3, 80).Str(4, "TCP"))
            .Msg(7, new Pb().Str(1, "MODE").Str(2, "prod"))
            .Msg(8, new Pb().Msg(1, new Pb().Str(1, "cpu").Quantity(2, "500m")).Msg(2, new Pb().Str(1, "memory").Quantity(2, "64Mi")))
            .Msg(9, new Pb().Str(1, "data").Bool(2, true).Str(3, "/data"))
            .Str(13, "").Str(14, "IfNotPresent").Bool(16, false);
        var podSpec = new Pb().Msg(2, container).Str(3, "Always").Int(4, 30).Str(6, "ClusterFirst").Msg(14).Str(19, "default-scheduler");
        var spec = new Pb().Int(1, 0)
            .Msg(2, new Pb().Map(1, "app", "d"))
            .Msg(3, new Pb().Msg(1, Meta("").Map(11, "app", "d")).Msg(2, podSpec))
            .Msg(4, new Pb().Str(1, "RollingUpdate").Msg(2, new Pb().IntOrString(1, 0).IntOrString(2, "25%")))
            .Int(5, 0).Bool(7, false).Int(9, -1);
        var meta = Meta("d").Msg(8, new Pb().Int(1, 1_700_000_000).Int(2, 5)).Str(14, "").Str(14, "keep");
        var json = KubeProtobuf.ToJson(Pb.Envelope("apps/v1", "Deployment", new Pb().Msg(1, meta).Msg(2, spec)));
        AssertJson("""
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"d","creationTimestamp":"2023-11-14T22:13:20Z","finalizers":["","keep"]},
             "spec":{"replicas":0,"selector":{"matchLabels":{"app":"d"}},
               "template":{"metadata":{"labels":{"app":"d"}},"spec":{
                 "containers":[{"name":"web","image":"nginx","command":["sh","-c"],
                   "ports":[{"name":"http","containerPort":80,"protocol":"TCP"}],"env":[{"name":"MODE","value":"prod"}],
                   "resources":{"limits":{"cpu":"500m"},"requests":{"memory":"64Mi"}},
                   "volumeMounts":[{"name":"data","readOnly":true,"mountPath":"/data"}],"imagePullPolicy":"IfNotPresent"}],
                 "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},
                 "schedulerName":"default-scheduler"}},
               "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":0,"maxSurge":"25%"}},
               "progressDeadlineSeconds":-1}}
            """, json);
    }

    [Fact]
    public void Real_kubectl_create_deployment_bytes()
    {
        // kubectl 1.32: create deployment d2 --image=nginx --port=80 --replicas=2
        var body = Pb.FromHex("6b3873000a150a07617070732f7631120a4465706c6f796d656e7412b4010a1d0a02643212001a0022002a003200380042005a090a03617070120264321284010802120b0a090a03617070120264321a6b0a1b0a0012001a0022002a003200380042005a090a0361707012026432124c122e0a056e67696e7812056e67696e782a00320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c080010001800200028003800" + "1a002200");
        AssertJson("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d2","labels":{"app":"d2"}},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"d2"}},
               "template":{"metadata":{"labels":{"app":"d2"}},
                 "spec":{"containers":[{"name":"nginx","image":"nginx","ports":[{"containerPort":80}],"resources":{}}]}},
               "strategy":{}},
             "status":{}}
            """, KubeProtobuf.ToJson(body));
    }

    [Fact]
    public void Real_kubectl_create_service_and_secret_bytes()
    {
        // kubectl 1.32: create service clusterip s2 --tcp=80:8080
        var svc = KubeProtobuf.ToJson(Pb.FromHex("6b3873000a0d0a02763112075365727669636512660a1d0a02733212001a0022002a003200380042005a090a036170701202733212410a1b0a0738302d38303830120354435018502207080010903f1a00280012090a03617070120273321a002209436c757374657249503a00420052005a00600068001a020a001a002200"));
        AssertJson("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"s2","labels":{"app":"s2"}},
             "spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080}],"selector":{"app":"s2"},"type":"ClusterIP"},
             "status":{"loadBalancer":{}}}
            """, svc);
        // kubectl 1.32: create secret generic s3 --from-literal=key=value
        var secret = KubeProtobuf.ToJson(Pb.FromHex("6b3873000a0c0a027631120653656372657412240a120a02733312001a0022002a00320038004200120c0a036b6579120576616c75651a001a002200"));
        AssertJson("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s3"},"data":{"key":"dmFsdWU="}}""", secret);
    }

    [Fact]
    public void Rbac_rules_keep_empty_strings_and_bindings_map_subjects()
    {
        var role = KubeProtobuf.ToJson(Pb.Envelope("rbac.authorization.k8s.io/v1", "ClusterRole",
            new Pb().Msg(1, Meta("cr")).Msg(2, new Pb().Str(1, "get").Str(2, "").Str(3, "pods")).Msg(2, new Pb().Str(1, "get").Str(5, "/healthz"))));
        AssertJson("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"cr"},
             "rules":[{"verbs":["get"],"apiGroups":[""],"resources":["pods"]},{"verbs":["get"],"nonResourceURLs":["/healthz"]}]}
            """, role);
        var binding = KubeProtobuf.ToJson(Pb.Envelope("rbac.authorization.k8s.io/v1", "RoleBinding",
            new Pb().Msg(1, Meta("rb")).Msg(2, new Pb().Str(1, "ServiceAccount").Str(2, "").Str(3, "sa").Str(4, "default"))
                .Msg(3, new Pb().Str(1, "rbac.authorization.k8s.io").Str(2, "Role").Str(3, "r"))));
        AssertJson("""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"rb"},
             "subjects":[{"kind":"ServiceAccount","name":"sa","namespace":"default"}],
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"}}
            """, binding);
    }

    [Fact]
    public void Unknown_fields_are_skipped_and_packed_repeated_scalars_are_read()
    {
        var podSpec = new Pb().Msg(14, new Pb().Tag(4, 2).Varint(3).Raw(1, 2, 3)) // packed supplementalGroups [1,2,3]
            .Int(99, 7).Tag(98, 5).Raw(1, 2, 3, 4).Tag(97, 1).Raw(1, 2, 3, 4, 5, 6, 7, 8).Str(96, "future");
        var raw = new Pb().Msg(1, Meta("p").Int(500, 1)).Msg(2, podSpec).Str(42, "ignored");
        AssertJson("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"securityContext":{"supplementalGroups":[1,2,3]}}}""",
            KubeProtobuf.ToJson(Pb.Envelope("v1", "Pod", raw)));
    }

    [Theory]
    [InlineData("", "magic")]
    [InlineData("6b3873", "magic")]
    [InlineData("7b7d", "magic")]                              // JSON "{}"
    [InlineData("6b387300", "no apiVersion and kind")]         // empty envelope
    [InlineData("6b38730080", "truncated varint")]              // tag varint cut off
    [InlineData("6b387300128080", "truncated varint")]          // length varint cut off
    [InlineData("6b3873001205aabb", "runs past the end")]       // raw claims 5 bytes, 2 follow
    [InlineData("6b387300080a", "wire type")]                   // typeMeta as a varint
    [InlineData("6b3873002b", "groups")]                        // unknown field 5, wire type 3 (start group)
    [InlineData("6b3873000f", "invalid wire type")]             // wire type 7
    [InlineData("6b38730002", "invalid field number 0")]
    [InlineData("6b387300ffffffffffffffffffff01", "varint")]    // 11-byte varint
    public void Malformed_bodies_are_rejected(string hex, string message)
    {
        var e = Assert.Throws<ProtobufFormatException>(() => KubeProtobuf.ToJson(Convert.FromHexString(hex)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Malformed_nested_messages_and_unknown_kinds_are_rejected()
    {
        // metadata.name has the varint wire type
        var e = Assert.Throws<ProtobufFormatException>(() => KubeProtobuf.ToJson(Pb.Envelope("v1", "Namespace", new Pb().Msg(1, new Pb().Int(1, 5)))));
        Assert.Contains("Namespace.metadata", e.Message);
        // a length inside raw runs past raw's end (though not past the body's)
        var bad = Pb.Envelope("v1", "ConfigMap", new Pb().Tag(1, 2).Varint(10).Raw(0x0a, 0x01)).Concat(new byte[20]).ToArray();
        Assert.Throws<ProtobufFormatException>(() => KubeProtobuf.ToJson(bad));
        e = Assert.Throws<ProtobufFormatException>(() => KubeProtobuf.ToJson(Pb.Envelope("batch/v1", "Job", new Pb())));
        Assert.Contains("Job", e.Message);
        e = Assert.Throws<ProtobufFormatException>(() => KubeProtobuf.ToJson(Pb.Envelope("v1", "Namespace", new Pb().Msg(1, new Pb().Raw(0x0a, 0x01, 0xff)))));
        Assert.Contains("UTF-8", e.Message);
        Assert.IsAssignableFrom<FormatException>(e);
    }

    [Theory]
    [InlineData("application/vnd.kubernetes.protobuf", true)]
    [InlineData("application/vnd.kubernetes.protobuf; charset=binary", true)]
    [InlineData("application/vnd.kubernetes.protobuf;stream=watch", true)]
    [InlineData("application/vnd.kubernetes.protobufx", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void Recognises_the_media_type(string? contentType, bool expected) => Assert.Equal(expected, KubeProtobuf.IsProtobuf(contentType));
}
