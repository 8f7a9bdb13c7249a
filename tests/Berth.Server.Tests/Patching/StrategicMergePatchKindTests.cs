using System.Text;
using System.Text.Json.Nodes;
using Berth.Server.Patching;
using static Berth.Server.Tests.Patching.JsonAssert;

namespace Berth.Server.Tests.Patching;

/// <summary>Strategic merge patches against real kinds with the built-in <see cref="PatchSchema.ForKind"/> tables.</summary>
public class StrategicMergePatchKindTests
{
    private static readonly PatchSchema Pod = PatchSchema.ForKind("", "Pod");
    private static readonly PatchSchema StatefulSet = PatchSchema.ForKind("apps", "StatefulSet");

    private static JsonNode Apply(PatchSchema schema, string original, string patch)
    {
        var result = StrategicMergePatch.Apply(Obj(original), Obj(patch), schema);
        NoDirectives(result);
        return result;
    }

    [Fact]
    public void ContainersMergeByNameAndEnvMergesByName()
    {
        var result = Apply(Pod,
            """{"spec":{"containers":[{"name":"app","image":"app:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},{"name":"side","image":"side:1"}]}}""",
            """{"spec":{"containers":[{"name":"app","env":[{"name":"B","value":"3"},{"name":"C","value":"4"}]}]}}""");

        Equal("""{"spec":{"containers":[{"name":"app","image":"app:1","env":[{"name":"A","value":"1"},{"name":"B","value":"3"},{"name":"C","value":"4"}]},{"name":"side","image":"side:1"}]}}""", result);
    }

    [Fact]
    public void PortsMergeByContainerPortAndVolumeMountsByMountPath()
    {
        var result = Apply(Pod,
            """{"spec":{"containers":[{"name":"c","ports":[{"containerPort":80,"name":"http"}],"volumeMounts":[{"name":"v","mountPath":"/data","readOnly":true}]}]}}""",
            """{"spec":{"containers":[{"name":"c","ports":[{"containerPort":80,"protocol":"TCP"}],"volumeMounts":[{"name":"w","mountPath":"/data"}]}]}}""");

        Equal("""{"spec":{"containers":[{"name":"c","ports":[{"containerPort":80,"name":"http","protocol":"TCP"}],"volumeMounts":[{"name":"w","mountPath":"/data","readOnly":true}]}]}}""", result);
    }

    [Fact]
    public void DeleteDirectiveRemovesAContainer()
    {
        var result = Apply(Pod,
            """{"spec":{"containers":[{"name":"a","image":"a"},{"name":"b","image":"b"},{"name":"c","image":"c"}]}}""",
            """{"spec":{"containers":[{"$patch":"delete","name":"b"}]}}""");

        Equal("""{"spec":{"containers":[{"name":"a","image":"a"},{"name":"c","image":"c"}]}}""", result);
    }

    [Fact]
    public void NullDeletesALabel()
    {
        var result = Apply(Pod,
            """{"metadata":{"name":"p","labels":{"app":"web","tier":"fe"}}}""",
            """{"metadata":{"labels":{"tier":null}}}""");

        Equal("""{"metadata":{"name":"p","labels":{"app":"web"}}}""", result);
    }

    [Fact]
    public void TolerationsAreAtomic()
    {
        var result = Apply(Pod,
            """{"spec":{"tolerations":[{"key":"a","operator":"Exists"},{"key":"b","operator":"Exists"}]}}""",
            """{"spec":{"tolerations":[{"key":"c","operator":"Exists"}]}}""");

        Equal("""{"spec":{"tolerations":[{"key":"c","operator":"Exists"}]}}""", result);
    }

    [Fact]
    public void ContainerStatusesAreAtomicButConditionsMergeByType()
    {
        var result = Apply(Pod,
            """{"status":{"conditions":[{"type":"Ready","status":"False"},{"type":"Initialized","status":"True"}],"containerStatuses":[{"name":"a","ready":false},{"name":"b","ready":false}]}}""",
            """{"status":{"conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"a","ready":true}]}}""");

        Equal("""{"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Initialized","status":"True"}],"containerStatuses":[{"name":"a","ready":true}]}}""", result);
    }

    [Fact]
    public void FinalizersMergeAsASetAndDeleteFromPrimitiveListRemoves()
    {
        var merged = Apply(Pod,
            """{"metadata":{"finalizers":["a","b"]}}""",
            """{"metadata":{"finalizers":["b","c"]}}""");
        Equal("""{"metadata":{"finalizers":["a","b","c"]}}""", merged);

        var deleted = Apply(Pod,
            """{"metadata":{"finalizers":["a","b","c"]}}""",
            """{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}}""");
        Equal("""{"metadata":{"finalizers":["a","c"]}}""", deleted);
    }

    [Fact]
    public void OwnerReferencesMergeByUid()
    {
        var result = Apply(PatchSchema.ForKind("", "ConfigMap"),
            """{"metadata":{"ownerReferences":[{"uid":"1","kind":"A","name":"a"}]},"data":{"k":"v"}}""",
            """{"metadata":{"ownerReferences":[{"uid":"1","controller":true}]},"data":{"k2":"v2"}}""");

        Equal("""{"metadata":{"ownerReferences":[{"uid":"1","kind":"A","name":"a","controller":true}]},"data":{"k":"v","k2":"v2"}}""", result);
    }

    [Fact]
    public void ServicePortsMergeByPort()
    {
        var result = Apply(PatchSchema.ForKind("", "Service"),
            """{"spec":{"ports":[{"name":"http","port":80,"targetPort":8080},{"name":"https","port":443}]}}""",
            """{"spec":{"ports":[{"port":80,"targetPort":9090}]}}""");

        Equal("""{"spec":{"ports":[{"name":"http","port":80,"targetPort":9090},{"name":"https","port":443}]}}""", result);
    }

    [Fact]
    public void NodeConditionsAndAddressesMergeByType()
    {
        var result = Apply(PatchSchema.ForKind("", "Node"),
            """{"status":{"conditions":[{"type":"Ready","status":"False"},{"type":"MemoryPressure","status":"False"}],"addresses":[{"type":"InternalIP","address":"10.0.0.1"},{"type":"Hostname","address":"n1"}]}}""",
            """{"status":{"conditions":[{"type":"Ready","status":"True"}],"addresses":[{"type":"InternalIP","address":"10.0.0.2"}]}}""");

        Equal("""{"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"MemoryPressure","status":"False"}],"addresses":[{"type":"InternalIP","address":"10.0.0.2"},{"type":"Hostname","address":"n1"}]}}""", result);
    }

    [Fact]
    public void StatefulSetTemplateMergesButVolumeClaimTemplatesAreAtomic()
    {
        var result = Apply(StatefulSet,
            """{"spec":{"template":{"spec":{"containers":[{"name":"db","image":"pg:15"}]}},"volumeClaimTemplates":[{"metadata":{"name":"data"}},{"metadata":{"name":"logs"}}]}}""",
            """{"spec":{"template":{"spec":{"containers":[{"name":"db","image":"pg:16"}]}},"volumeClaimTemplates":[{"metadata":{"name":"data2"}}]}}""");

        Equal("""{"spec":{"template":{"spec":{"containers":[{"name":"db","image":"pg:16"}]}},"volumeClaimTemplates":[{"metadata":{"name":"data2"}}]}}""", result);
    }

    [Fact]
    public void UnknownKindUsesPodTemplateRulesUnderSpecTemplateAndAtomicListsElsewhere()
    {
        var schema = PatchSchema.ForKind("example.com", "Widget");
        var result = Apply(schema,
            """{"metadata":{"finalizers":["x"]},"spec":{"template":{"spec":{"containers":[{"name":"a","image":"1"},{"name":"b","image":"1"}]}},"items":[{"name":"a"},{"name":"b"}]}}""",
            """{"metadata":{"finalizers":["y"]},"spec":{"template":{"spec":{"containers":[{"name":"b","image":"2"}]}},"items":[{"name":"c"}]}}""");

        Equal("""{"metadata":{"finalizers":["y","x"]},"spec":{"template":{"spec":{"containers":[{"name":"a","image":"1"},{"name":"b","image":"2"}]}},"items":[{"name":"c"}]}}""", result);
    }

    [Fact]
    public void NewContainerCarriesNoNestedDirectivesOrNulls()
    {
        var result = Apply(Pod,
            """{"spec":{"containers":[{"name":"a","image":"a"}]}}""",
            """{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],"containers":[{"name":"b","image":"b","$setElementOrder/env":[{"name":"X"}],"env":[{"name":"X","value":"1"}],"args":null}]}}""");

        Equal("""{"spec":{"containers":[{"name":"a","image":"a"},{"name":"b","image":"b","env":[{"name":"X","value":"1"}]}]}}""", result);
    }

    [Fact]
    public void ReplaceDirectiveOnContainersList()
    {
        var result = Apply(Pod,
            """{"spec":{"containers":[{"name":"a","image":"a","env":[{"name":"E","value":"1"}]},{"name":"b","image":"b"}]}}""",
            """{"spec":{"containers":[{"$patch":"replace"},{"name":"a","image":"a2"}]}}""");

        Equal("""{"spec":{"containers":[{"name":"a","image":"a2"}]}}""", result);
    }

    // What kubectl 1.32 `apply` sends (CreateThreeWayMergePatch) when the manifest, previously applied with
    // labels {app: web, tier: frontend} and image nginx:1.25, now says image nginx:1.27 and drops the tier label.
    private const string LiveStatefulSet = """
        {
          "apiVersion": "apps/v1",
          "kind": "StatefulSet",
          "metadata": {
            "name": "web",
            "namespace": "default",
            "uid": "6f1c2d9e-0000-4000-8000-000000000001",
            "resourceVersion": "41",
            "generation": 3,
            "labels": {"app": "web", "tier": "frontend", "owner": "someone-else"},
            "annotations": {
              "kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"annotations\":{},\"labels\":{\"app\":\"web\",\"tier\":\"frontend\"},\"name\":\"web\",\"namespace\":\"default\"},\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"serviceName\":\"web\",\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"image\":\"nginx:1.25\",\"name\":\"nginx\",\"ports\":[{\"containerPort\":80,\"name\":\"http\"}]},{\"image\":\"busybox:1.36\",\"name\":\"logger\"}]}}}}\n"
            }
          },
          "spec": {
            "replicas": 2,
            "serviceName": "web",
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
              "metadata": {"labels": {"app": "web"}},
              "spec": {
                "containers": [
                  {"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP"}], "terminationMessagePath": "/dev/termination-log", "imagePullPolicy": "IfNotPresent"},
                  {"name": "logger", "image": "busybox:1.36", "terminationMessagePath": "/dev/termination-log"}
                ],
                "restartPolicy": "Always"
              }
            },
            "podManagementPolicy": "OrderedReady"
          },
          "status": {"replicas": 2, "readyReplicas": 2}
        }
        """;

    private const string NewLastApplied =
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"annotations\":{},\"labels\":{\"app\":\"web\"},\"name\":\"web\",\"namespace\":\"default\"},\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"serviceName\":\"web\",\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"image\":\"nginx:1.27\",\"name\":\"nginx\",\"ports\":[{\"containerPort\":80,\"name\":\"http\"}]},{\"image\":\"busybox:1.36\",\"name\":\"logger\"}]}}}}\n";

    private static string KubectlApplyPatch()
    {
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["annotations"] = new JsonObject { ["kubectl.kubernetes.io/last-applied-configuration"] = NewLastApplied },
                ["labels"] = new JsonObject { ["tier"] = null },
            },
            ["spec"] = new JsonObject
            {
                ["template"] = new JsonObject
                {
                    ["spec"] = new JsonObject
                    {
                        ["$setElementOrder/containers"] = new JsonArray(new JsonObject { ["name"] = "nginx" }, new JsonObject { ["name"] = "logger" }),
                        ["containers"] = new JsonArray(new JsonObject { ["image"] = "nginx:1.27", ["name"] = "nginx" }),
                    },
                },
            },
        };
        return patch.ToJsonString();
    }

    [Fact]
    public void KubectlApplyChangingImageAndRemovingLabel()
    {
        var result = PatchApplier.Apply(
            "application/strategic-merge-patch+json",
            Obj(LiveStatefulSet),
            Encoding.UTF8.GetBytes(KubectlApplyPatch()),
            StatefulSet);

        NoDirectives(result);
        var expected = Obj(LiveStatefulSet);
        expected["metadata"]!["labels"]!.AsObject().Remove("tier");
        expected["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"] = NewLastApplied;
        expected["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "nginx:1.27";
        Equal(expected.ToJsonString(), result);

        // Server-defaulted fields and the label kubectl never managed survive; container order is preserved.
        Assert.Equal("someone-else", (string?)result["metadata"]!["labels"]!["owner"]);
        Assert.Equal("/dev/termination-log", (string?)result["spec"]!["template"]!["spec"]!["containers"]![0]!["terminationMessagePath"]);
        Assert.Equal("logger", (string?)result["spec"]!["template"]!["spec"]!["containers"]![1]!["name"]);
    }

    [Fact]
    public void KubectlApplyRemovingAContainerAndAFinalizer()
    {
        var patch = """
            {"metadata":{"$setElementOrder/finalizers":["example.com/a"],"$deleteFromPrimitiveList/finalizers":["example.com/b"]},
             "spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],"containers":[{"$patch":"delete","name":"logger"}]}}}}
            """;
        var live = Obj(LiveStatefulSet);
        live["metadata"]!["finalizers"] = new JsonArray("example.com/a", "example.com/b", "example.com/server-side");

        var result = StrategicMergePatch.Apply(live, Obj(patch), StatefulSet);

        NoDirectives(result);
        Equal("""["example.com/a","example.com/server-side"]""", result["metadata"]!["finalizers"]);
        var containers = result["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Single(containers);
        Assert.Equal("nginx", (string?)containers[0]!["name"]);
        Assert.Equal("nginx:1.25", (string?)containers[0]!["image"]);
    }

    [Fact]
    public void SetElementOrderReordersContainers()
    {
        var result = Apply(Pod,
            """{"spec":{"containers":[{"name":"a","image":"a"},{"name":"b","image":"b"},{"name":"c","image":"c"}]}}""",
            """{"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"},{"name":"b"}]}}""");

        Equal("""{"spec":{"containers":[{"name":"c","image":"c"},{"name":"a","image":"a"},{"name":"b","image":"b"}]}}""", result);
    }

    [Fact]
    public void RetainKeysClearsOtherVolumeSourceFields()
    {
        // kubectl apply switching a volume from emptyDir to configMap.
        var result = Apply(Pod,
            """{"spec":{"volumes":[{"name":"v","emptyDir":{}},{"name":"w","secret":{"secretName":"s"}}]}}""",
            """{"spec":{"$setElementOrder/volumes":[{"name":"v"},{"name":"w"}],"volumes":[{"$retainKeys":["configMap","name"],"configMap":{"name":"cm"},"name":"v"}]}}""");

        Equal("""{"spec":{"volumes":[{"name":"v","configMap":{"name":"cm"}},{"name":"w","secret":{"secretName":"s"}}]}}""", result);
    }
}
