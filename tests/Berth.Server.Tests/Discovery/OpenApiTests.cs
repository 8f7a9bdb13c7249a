using System.Text.Json.Nodes;
using Berth.Server.Discovery;

namespace Berth.Server.Tests.Discovery;

public class OpenApiV3Tests
{
    private static readonly OpenApiV3 V3 = new(SampleRegistry.Create());
    private static readonly OpenApiV3 Builtin = new(Berth.Server.Hosting.BuiltinRegistry.Create(new Berth.Server.Storage.ServiceAllocator()));
    private const string P = "#/components/schemas/";

    private static JsonObject Doc(string path) => JsonNode.Parse(V3.DocumentJson(path)!)!.AsObject();
    private static JsonObject Schemas(JsonObject doc) => doc["components"]!["schemas"]!.AsObject();

    /// <summary>Follows "$ref" or a single-element allOf wrapper to the named schema.</summary>
    private static JsonObject Resolve(JsonObject doc, JsonNode node)
    {
        var o = node.AsObject();
        if (o["$ref"] is { } r) return Schemas(doc)[((string)r!)[P.Length..]]!.AsObject();
        if (o["allOf"] is JsonArray { Count: 1 } all) return Resolve(doc, all[0]!);
        return o;
    }

    private static IEnumerable<JsonNode> All(JsonNode? n)
    {
        if (n is null) yield break;
        yield return n;
        if (n is JsonObject o) foreach (var (_, v) in o) foreach (var c in All(v)) yield return c;
        if (n is JsonArray a) foreach (var v in a) foreach (var c in All(v)) yield return c;
    }

    [Fact]
    public void Index_ListsEveryGroupVersionWithItsHash()
    {
        var index = JsonNode.Parse(V3.IndexJson())!["paths"]!.AsObject();
        Assert.Equal(["api/v1", "apis/apps/v1"], index.Select(kv => kv.Key).Order(StringComparer.Ordinal));
        var url = (string)index["apis/apps/v1"]!["serverRelativeURL"]!;
        Assert.Equal("/openapi/v3/apis/apps/v1?hash=" + V3.Document("apis/apps/v1")!.Hash, url);
        Assert.Equal(128, V3.Document("apis/apps/v1")!.Hash.Length);
        Assert.NotNull(V3.Document("/apis/apps/v1"));
        Assert.Null(V3.Document("apis/batch/v1"));
    }

    [Fact]
    public void Documents_AreByteStable()
    {
        var again = new OpenApiV3(SampleRegistry.Create());
        Assert.Equal(V3.DocumentJson("apis/apps/v1"), again.DocumentJson("apis/apps/v1"));
        Assert.Equal(V3.IndexJson(), again.IndexJson());
    }

    [Fact]
    public void Schemas_UseUpstreamNames()
    {
        var apps = Schemas(Doc("apis/apps/v1"));
        foreach (var name in new[]
        {
            "io.k8s.api.apps.v1.Widget", "io.k8s.api.apps.v1.WidgetList", "io.k8s.api.apps.v1.WidgetSpec", "io.k8s.api.apps.v1.WidgetPart",
            "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
            "io.k8s.apimachinery.pkg.apis.meta.v1.Condition", "io.k8s.apimachinery.pkg.api.resource.Quantity",
            "io.k8s.apimachinery.pkg.util.intstr.IntOrString", "io.k8s.api.autoscaling.v1.Scale",
        })
            Assert.True(apps.ContainsKey(name), name);
        // Only what the apps group version reaches.
        Assert.False(apps.ContainsKey("io.k8s.api.core.v1.Gadget"));
        var core = Schemas(Doc("api/v1"));
        Assert.True(core.ContainsKey("io.k8s.api.core.v1.ObjectReference"));
        Assert.False(core.ContainsKey("io.k8s.api.autoscaling.v1.Scale"));
    }

    [Fact]
    public void Primitives_HaveUpstreamTypesAndFormats()
    {
        var s = Schemas(Doc("api/v1"));
        Assert.Equal("string", (string?)s["io.k8s.apimachinery.pkg.api.resource.Quantity"]!["type"]);
        Assert.Equal("string", (string?)s["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]!["type"]);
        Assert.Equal("date-time", (string?)s["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]!["format"]);
        var apps = Schemas(Doc("apis/apps/v1"));
        Assert.Equal("int-or-string", (string?)apps["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]!["format"]);
    }

    /// <summary>The built-in kinds' intstr.IntOrString fields refer to the int-or-string schema, as upstream's do (not to a free-form object).</summary>
    [Theory]
    [InlineData("api/v1", "io.k8s.api.core.v1.ServicePort", "targetPort")]
    [InlineData("api/v1", "io.k8s.api.core.v1.HTTPGetAction", "port")]
    [InlineData("api/v1", "io.k8s.api.core.v1.TCPSocketAction", "port")]
    [InlineData("apis/apps/v1", "io.k8s.api.apps.v1.RollingUpdateDeployment", "maxUnavailable")]
    [InlineData("apis/apps/v1", "io.k8s.api.apps.v1.RollingUpdateDeployment", "maxSurge")]
    [InlineData("apis/apps/v1", "io.k8s.api.apps.v1.RollingUpdateStatefulSetStrategy", "maxUnavailable")]
    public void Builtin_IntOrString_fields_are_int_or_string(string path, string type, string field)
    {
        var doc = JsonNode.Parse(Builtin.DocumentJson(path)!)!.AsObject();
        var property = Schemas(doc)[type]!["properties"]![field]!;
        Assert.Null(property["x-kubernetes-preserve-unknown-fields"]);
        var target = Resolve(doc, property);
        Assert.Equal("string", (string?)target["type"]);
        Assert.Equal("int-or-string", (string?)target["format"]);
        Assert.Same(Schemas(doc)["io.k8s.apimachinery.pkg.util.intstr.IntOrString"], target);
    }

    [Fact]
    public void Properties_MapClrTypes()
    {
        var doc = Doc("api/v1");
        var spec = Schemas(doc)["io.k8s.api.core.v1.GadgetSpec"]!["properties"]!.AsObject();
        Assert.Equal("integer", (string?)spec["size"]!["type"]);
        Assert.Equal("int64", (string?)spec["size"]!["format"]);
        Assert.Equal("boolean", (string?)spec["readOnly"]!["type"]);
        Assert.Equal("number", (string?)spec["ratio"]!["type"]);
        Assert.Equal("string", (string?)spec["data"]!["type"]);
        Assert.Equal("byte", (string?)spec["data"]!["format"]);
        Assert.Equal("array", (string?)spec["mountOptions"]!["type"]);
        Assert.Equal("string", (string?)spec["mountOptions"]!["items"]!["type"]);
        Assert.Equal("object", (string?)spec["capacity"]!["type"]);
        Assert.Equal(P + "io.k8s.apimachinery.pkg.api.resource.Quantity", (string?)spec["capacity"]!["additionalProperties"]!["$ref"]);
        Assert.Equal("array", (string?)spec["groups"]!["additionalProperties"]!["type"]);
        Assert.Equal(P + "io.k8s.apimachinery.pkg.apis.meta.v1.Time", (string?)spec["lastSeen"]!["$ref"]);
        Assert.Equal(P + "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime", (string?)spec["renewTime"]!["$ref"]);
        Assert.Equal(true, (bool?)spec["raw"]!["x-kubernetes-preserve-unknown-fields"]);

        var widget = Schemas(Doc("apis/apps/v1"))["io.k8s.api.apps.v1.WidgetSpec"]!["properties"]!.AsObject();
        Assert.Equal("int32", (string?)widget["replicas"]!["format"]);
        Assert.True(widget.ContainsKey("storageClassName"));      // [JsonPropertyName]
        Assert.False(widget.ContainsKey("storageClass"));
        Assert.False(widget.ContainsKey("secret"));               // [JsonIgnore]
        Assert.Equal(["Fast", "Slow"], widget["mode"]!["enum"]!.AsArray().Select(v => (string?)v));
        Assert.Equal(P + "io.k8s.api.apps.v1.WidgetPart", (string?)widget["containers"]!["items"]!["$ref"]);
        Assert.Equal("name", (string?)widget["containers"]!["x-kubernetes-patch-merge-key"]);
        Assert.Equal("merge", (string?)widget["containers"]!["x-kubernetes-patch-strategy"]);
    }

    [Fact]
    public void Descriptions_ComeFromDescriptionAttribute_RefsWrappedInAllOf()
    {
        var doc = Doc("api/v1");
        var s = Schemas(doc);
        Assert.Equal("Gadget is a sample cluster-scoped core kind.", (string?)s["io.k8s.api.core.v1.Gadget"]!["description"]);
        var claimRef = s["io.k8s.api.core.v1.GadgetSpec"]!["properties"]!["claimRef"]!;
        Assert.Equal("ClaimRef points at the claim bound to this gadget.", (string?)claimRef["description"]);
        Assert.Null(claimRef["$ref"]);
        Assert.Equal(P + "io.k8s.api.core.v1.ObjectReference", (string?)claimRef["allOf"]![0]!["$ref"]);
        var apps = Schemas(Doc("apis/apps/v1"));
        Assert.Equal("Replicas is the desired number of copies.", (string?)apps["io.k8s.api.apps.v1.WidgetSpec"]!["properties"]!["replicas"]!["description"]);
        Assert.Equal("WidgetPart is one part.", (string?)apps["io.k8s.api.apps.v1.WidgetPart"]!["description"]);
        // Meta fields get descriptions even though the meta classes carry none.
        Assert.StartsWith("Name must be unique", (string?)apps["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]!["properties"]!["name"]!["description"]);
    }

    [Fact]
    public void RequiredFields_FromNonNullableStrings()
    {
        var apps = Schemas(Doc("apis/apps/v1"));
        Assert.Equal(["name"], apps["io.k8s.api.apps.v1.WidgetPart"]!["required"]!.AsArray().Select(v => (string?)v));
        Assert.Null(apps["io.k8s.api.apps.v1.WidgetSpec"]!["required"]);
        var owner = apps["io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference"]!["required"]!.AsArray().Select(v => (string?)v);
        Assert.Equal(["apiVersion", "kind", "name", "uid"], owner);
    }

    [Fact]
    public void GvkExtension_OnKindsAndLists()
    {
        var s = Schemas(Doc("apis/apps/v1"));
        var gvk = s["io.k8s.api.apps.v1.Widget"]!["x-kubernetes-group-version-kind"]!.AsArray().Single()!;
        Assert.Equal("apps", (string?)gvk["group"]);
        Assert.Equal("v1", (string?)gvk["version"]);
        Assert.Equal("Widget", (string?)gvk["kind"]);
        Assert.Equal("WidgetList", (string?)s["io.k8s.api.apps.v1.WidgetList"]!["x-kubernetes-group-version-kind"]![0]!["kind"]);
        Assert.Equal("", (string?)Schemas(Doc("api/v1"))["io.k8s.api.core.v1.Gadget"]!["x-kubernetes-group-version-kind"]![0]!["group"]);
        Assert.Null(s["io.k8s.api.apps.v1.WidgetSpec"]!["x-kubernetes-group-version-kind"]);
    }

    [Theory]
    [InlineData("api/v1")]
    [InlineData("apis/apps/v1")]
    public void EveryRefResolves_AndUnknownBagIsAbsent(string path)
    {
        var doc = Doc(path);
        var schemas = Schemas(doc);
        int refs = 0;
        foreach (var n in All(doc))
        {
            if (n is not JsonObject o) continue;
            if (o["$ref"] is { } r)
            {
                refs++;
                var target = (string)r!;
                Assert.StartsWith(P, target);
                Assert.True(schemas.ContainsKey(target[P.Length..]), target);
            }
            if (o["properties"] is JsonObject props)
                Assert.DoesNotContain(props, kv => kv.Key.Equals("unknown", StringComparison.OrdinalIgnoreCase));
        }
        Assert.True(refs > 10);
        foreach (var (name, schema) in schemas)
            Assert.True(schema!.AsObject().Count > 0, "empty schema " + name);
    }

    [Fact]
    public void Paths_CoverCollectionItemStatusAndScale()
    {
        var paths = Doc("apis/apps/v1")["paths"]!.AsObject();
        var collection = paths["/apis/apps/v1/namespaces/{namespace}/widgets"]!;
        Assert.Equal("list", (string?)collection["get"]!["x-kubernetes-action"]);
        Assert.Equal("post", (string?)collection["post"]!["x-kubernetes-action"]);
        Assert.Equal("deletecollection", (string?)collection["delete"]!["x-kubernetes-action"]);
        Assert.Equal(P + "io.k8s.api.apps.v1.WidgetList", (string?)collection["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.Equal(P + "io.k8s.api.apps.v1.Widget", (string?)collection["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.Equal(P + "io.k8s.api.apps.v1.Widget", (string?)collection["post"]!["responses"]!["201"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.Contains(collection["parameters"]!.AsArray(), p => (string?)p!["name"] == "namespace" && (string?)p["in"] == "path");

        var item = paths["/apis/apps/v1/namespaces/{namespace}/widgets/{name}"]!;
        foreach (var (m, action) in new[] { ("get", "get"), ("put", "put"), ("patch", "patch"), ("delete", "delete") })
            Assert.Equal(action, (string?)item[m]!["x-kubernetes-action"]);
        Assert.Equal("readAppsV1NamespacedWidget", (string?)item["get"]!["operationId"]);
        Assert.Equal("Widget", (string?)item["put"]!["x-kubernetes-group-version-kind"]!["kind"]);

        var status = paths["/apis/apps/v1/namespaces/{namespace}/widgets/{name}/status"]!;
        Assert.NotNull(status["patch"]);
        Assert.Null(status["post"]);
        var scale = paths["/apis/apps/v1/namespaces/{namespace}/widgets/{name}/scale"]!;
        Assert.Equal("Scale", (string?)scale["put"]!["x-kubernetes-group-version-kind"]!["kind"]);
        Assert.Equal("autoscaling", (string?)scale["patch"]!["x-kubernetes-group-version-kind"]!["group"]);
        Assert.Equal(P + "io.k8s.api.autoscaling.v1.Scale", (string?)scale["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.NotNull(paths["/apis/apps/v1/widgets"]!["get"]);

        var core = Doc("api/v1")["paths"]!.AsObject();
        Assert.NotNull(core["/api/v1/gadgets/{name}/status"]);
        Assert.Null(core["/api/v1/gadgets/{name}/scale"]);
        Assert.Null(core["/api/v1/namespaces/{namespace}/gadgets"]);
    }

    [Fact]
    public void WriteOperations_DeclareFieldValidationDryRunFieldManager_AndPatchTypes()
    {
        foreach (var path in V3.Paths)
            foreach (var (_, item) in Doc(path)["paths"]!.AsObject())
                foreach (var method in new[] { "post", "put", "patch" })
                {
                    if (item![method] is not JsonObject op) continue;
                    var query = op["parameters"]!.AsArray().Where(p => (string?)p!["in"] == "query").Select(p => (string?)p!["name"]).ToList();
                    Assert.Contains("fieldValidation", query);
                    Assert.Contains("dryRun", query);
                    Assert.Contains("fieldManager", query);
                    if (method == "patch")
                    {
                        var types = op["requestBody"]!["content"]!.AsObject().Select(kv => kv.Key).ToList();
                        Assert.Equal(["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"], types);
                    }
                }
    }

    /// <summary>What kubectl's QueryParamVerifierV3 does: the first PATCH whose GVK matches must list fieldValidation.</summary>
    [Theory]
    [InlineData("api/v1", "", "v1", "Gadget")]
    [InlineData("apis/apps/v1", "apps", "v1", "Widget")]
    public void QueryParamVerifierV3_WouldFindFieldValidation(string path, string group, string version, string kind)
    {
        int matched = 0;
        foreach (var (_, item) in Doc(path)["paths"]!.AsObject())
        {
            if (item!["patch"] is not JsonObject patch) continue;
            var gvk = patch["x-kubernetes-group-version-kind"]!;
            if ((string?)gvk["group"] != group || (string?)gvk["version"] != version || (string?)gvk["kind"] != kind) continue;
            matched++;
            Assert.Contains(patch["parameters"]!.AsArray(), p => (string?)p!["name"] == "fieldValidation" && (string?)p["in"] == "query");
            Assert.Contains("application/strategic-merge-patch+json", patch["requestBody"]!["content"]!.AsObject().Select(kv => kv.Key));
        }
        Assert.True(matched >= 2);
    }

    /// <summary>What kubectl explain's template does for "gadget.spec.claimRef": GVK from the resource path, schema by GVK, then fields.</summary>
    [Fact]
    public void ExplainTraversal_FindsClaimRefAndItsFields()
    {
        var doc = Doc("api/v1");
        var gvk = doc["paths"]!["/api/v1/gadgets"]!["get"]!["x-kubernetes-group-version-kind"]!;
        var kindSchema = Schemas(doc).Select(kv => kv.Value!.AsObject())
            .Single(s => s["x-kubernetes-group-version-kind"] is JsonArray a && a.Any(g => JsonNode.DeepEquals(g, gvk)));
        var spec = Resolve(doc, kindSchema["properties"]!["spec"]!);
        var claimRefField = spec["properties"]!["claimRef"]!;
        Assert.False(string.IsNullOrEmpty((string?)claimRefField["description"]));
        var claimRef = Resolve(doc, claimRefField);
        var fields = claimRef["properties"]!.AsObject().Select(kv => kv.Key).ToList();
        Assert.Contains("name", fields);
        Assert.Contains("namespace", fields);
        Assert.Contains("uid", fields);
        Assert.DoesNotContain("unknown", fields);
    }
}

public class OpenApiV2Tests
{
    private static readonly JsonObject Doc = JsonNode.Parse(new OpenApiV2(SampleRegistry.Create()).Json())!.AsObject();
    private const string P = "#/definitions/";

    [Fact]
    public void Swagger2_WithDefinitionsNamedLikeV3()
    {
        Assert.Equal("2.0", (string?)Doc["swagger"]);
        var defs = Doc["definitions"]!.AsObject();
        Assert.True(defs.ContainsKey("io.k8s.api.apps.v1.Widget"));
        Assert.True(defs.ContainsKey("io.k8s.api.core.v1.Gadget"));
        Assert.True(defs.ContainsKey("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
        Assert.Equal("apps", (string?)defs["io.k8s.api.apps.v1.Widget"]!["x-kubernetes-group-version-kind"]![0]!["group"]);
        // v2 keeps $ref next to the description instead of allOf.
        var claimRef = defs["io.k8s.api.core.v1.GadgetSpec"]!["properties"]!["claimRef"]!;
        Assert.Equal(P + "io.k8s.api.core.v1.ObjectReference", (string?)claimRef["$ref"]);
        Assert.NotNull(claimRef["description"]);
    }

    [Fact]
    public void EveryRefResolves_NoAllOf()
    {
        var defs = Doc["definitions"]!.AsObject();
        var stack = new Stack<JsonNode>([Doc]);
        int refs = 0;
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (n is JsonObject o)
            {
                Assert.Null(o["allOf"]);
                if (o["$ref"] is { } r)
                {
                    refs++;
                    var target = (string)r!;
                    Assert.StartsWith(P, target);
                    Assert.True(defs.ContainsKey(target[P.Length..]), target);
                }
                foreach (var (_, v) in o) if (v is not null) stack.Push(v);
            }
            else if (n is JsonArray a) foreach (var v in a) if (v is not null) stack.Push(v);
        }
        Assert.True(refs > 10);
    }

    [Fact]
    public void Operations_HaveBodyParamsQueryParamsAndConsumes()
    {
        var item = Doc["paths"]!["/apis/apps/v1/namespaces/{namespace}/widgets/{name}"]!;
        var put = item["put"]!;
        var body = put["parameters"]!.AsArray().Single(p => (string?)p!["in"] == "body")!;
        Assert.Equal(P + "io.k8s.api.apps.v1.Widget", (string?)body["schema"]!["$ref"]);
        Assert.Contains(put["parameters"]!.AsArray(), p => (string?)p!["name"] == "fieldValidation" && (string?)p["in"] == "query");
        Assert.Equal(P + "io.k8s.api.apps.v1.Widget", (string?)put["responses"]!["200"]!["schema"]!["$ref"]);
        var consumes = item["patch"]!["consumes"]!.AsArray().Select(v => (string?)v).ToList();
        Assert.Contains("application/strategic-merge-patch+json", consumes);
        Assert.Contains("application/apply-patch+yaml", consumes);
        Assert.Equal("patch", (string?)item["patch"]!["x-kubernetes-action"]);
        Assert.Equal("Widget", (string?)item["patch"]!["x-kubernetes-group-version-kind"]!["kind"]);
    }
}
