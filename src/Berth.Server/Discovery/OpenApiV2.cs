using System.Text.Json.Nodes;
using Berth.Api.Registry;

namespace Berth.Server.Discovery;

/// <summary>/openapi/v2: one Swagger 2.0 document for every group version, same schema names as v3, refs under #/definitions/.</summary>
public sealed class OpenApiV2
{
    /// <summary>What client-go asks /openapi/v2 for first; see <see cref="OpenApiV2"/> remarks in the report: it cannot parse JSON instead.</summary>
    public const string ProtobufContentType = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    public OpenApiV2(ResourceRegistry registry) : this(registry, new SchemaNaming(registry)) { }

    public OpenApiV2(ResourceRegistry registry, SchemaNaming naming)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Document = new CachedDocument(DocumentHash.ToUtf8(Build(naming, registry)));
    }

    /// <summary>GET /openapi/v2 as JSON.</summary>
    public CachedDocument Document { get; }

    public byte[] Json() => Document.Json;

    private static JsonObject Build(SchemaNaming naming, ResourceRegistry registry)
    {
        var gen = new SchemaGenerator(naming, OpenApiDialect.V2);
        var status = gen.AddBuiltin(SchemaNaming.StatusName);
        var deleteOptions = gen.AddBuiltin(SchemaNaming.DeleteOptionsName);
        var patch = gen.AddBuiltin(SchemaNaming.PatchName);
        var scale = registry.All.Any(t => t.HasScale) ? gen.AddBuiltin(SchemaNaming.ScaleName) : SchemaNaming.ScaleName;

        var paths = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var t in registry.All)
        {
            var kind = gen.AddKind(t);
            var list = gen.AddList(t);
            foreach (var p in ApiOperations.For(t, kind, list, status, deleteOptions, patch, scale))
                paths[p.Path] = RenderPath(gen, p);
        }
        var pathsNode = new JsonObject();
        foreach (var (k, v) in paths) pathsNode[k] = v;
        var definitions = new JsonObject();
        foreach (var (k, v) in gen.Schemas) definitions[k] = v;
        return new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = DiscoveryDocuments.GitVersion },
            ["paths"] = pathsNode,
            ["definitions"] = definitions,
        };
    }

    private static JsonObject RenderPath(SchemaGenerator gen, ApiPath p)
    {
        var item = new JsonObject();
        foreach (var op in p.Operations) item[op.Method] = RenderOperation(gen, op);
        var parameters = new JsonArray();
        foreach (var pp in p.Parameters)
            parameters.Add(new JsonObject
            {
                ["uniqueItems"] = true,
                ["type"] = "string",
                ["description"] = pp.Description,
                ["name"] = pp.Name,
                ["in"] = "path",
                ["required"] = true,
            });
        parameters.Add(Query(ApiOperations.Pretty));
        item["parameters"] = parameters;
        return item;
    }

    private static JsonObject Query(QueryParam q)
    {
        var o = new JsonObject { ["uniqueItems"] = true, ["type"] = q.Type };
        if (q.Format is not null) o["format"] = q.Format;
        o["description"] = q.Description;
        o["name"] = q.Name;
        o["in"] = "query";
        return o;
    }

    private static JsonArray Strings(IEnumerable<string> values)
    {
        var a = new JsonArray();
        foreach (var v in values) a.Add(v);
        return a;
    }

    private static JsonObject RenderOperation(SchemaGenerator gen, ApiOperation op)
    {
        var o = new JsonObject
        {
            ["description"] = op.Description,
            ["consumes"] = Strings(op.BodyContentTypes.Count > 0 && op.Method == "patch" ? op.BodyContentTypes : ["*/*"]),
            ["produces"] = Strings(ApiOperations.JsonContentTypes),
            ["schemes"] = new JsonArray("https"),
            ["tags"] = new JsonArray(op.Tag),
            ["operationId"] = op.OperationId,
        };
        var ps = new JsonArray();
        if (op.BodySchema is not null)
        {
            var body = new JsonObject { ["name"] = "body", ["in"] = "body", ["schema"] = gen.Ref(op.BodySchema) };
            if (op.BodyRequired) body["required"] = true;
            ps.Add(body);
        }
        foreach (var q in op.Query) ps.Add(Query(q));
        if (ps.Count > 0) o["parameters"] = ps;
        var responses = new JsonObject();
        foreach (var r in op.Responses)
        {
            var resp = new JsonObject { ["description"] = r.Description };
            if (r.Schema is not null) resp["schema"] = gen.Ref(r.Schema);
            responses[r.Code] = resp;
        }
        o["responses"] = responses;
        o["x-kubernetes-action"] = op.Action;
        o["x-kubernetes-group-version-kind"] = ApiOperations.GvkNode(op.Gvk);
        return o;
    }
}
