using System.Text.Json.Nodes;
using Berth.Api.Registry;

namespace Berth.Server.Discovery;

/// <summary>
/// /openapi/v3 (the index of group versions) and /openapi/v3/{api/v1|apis/g/v} (one OpenAPI 3.0 document per group
/// version, with schemas and paths), built once from the registry.
/// </summary>
public sealed class OpenApiV3
{
    public const string OpenApiVersion = "3.0.0";

    private readonly SortedDictionary<string, CachedDocument> _documents = new(StringComparer.Ordinal);

    public OpenApiV3(ResourceRegistry registry) : this(registry, new SchemaNaming(registry)) { }

    public OpenApiV3(ResourceRegistry registry, SchemaNaming naming)
    {
        ArgumentNullException.ThrowIfNull(registry);
        foreach (var gv in registry.All.GroupBy(t => (t.Group, t.Version)))
        {
            var path = gv.Key.Group.Length == 0 ? "api/" + gv.Key.Version : "apis/" + gv.Key.Group + "/" + gv.Key.Version;
            _documents[path] = new CachedDocument(DocumentHash.ToUtf8(BuildDocument(naming, gv.ToList())));
        }
        var paths = new JsonObject();
        foreach (var (path, doc) in _documents)
            paths[path] = new JsonObject { ["serverRelativeURL"] = "/openapi/v3/" + path + "?hash=" + doc.Hash };
        Index = new CachedDocument(DocumentHash.ToUtf8(new JsonObject { ["paths"] = paths }));
    }

    /// <summary>GET /openapi/v3.</summary>
    public CachedDocument Index { get; }

    /// <summary>The document paths ("api/v1", "apis/apps/v1"), as listed in the index.</summary>
    public IReadOnlyCollection<string> Paths => _documents.Keys;

    public byte[] IndexJson() => Index.Json;

    /// <summary>GET /openapi/v3/{path}: <paramref name="path"/> is "api/v1" or "apis/{group}/{version}" (no leading slash, no query).</summary>
    public CachedDocument? Document(string path) => _documents.TryGetValue(path.Trim('/'), out var d) ? d : null;

    public byte[]? DocumentJson(string path) => Document(path)?.Json;

    private static JsonObject BuildDocument(SchemaNaming naming, List<ResourceType> types)
    {
        var gen = new SchemaGenerator(naming, OpenApiDialect.V3);
        var status = gen.AddBuiltin(SchemaNaming.StatusName);
        var deleteOptions = gen.AddBuiltin(SchemaNaming.DeleteOptionsName);
        var patch = gen.AddBuiltin(SchemaNaming.PatchName);
        var scale = types.Any(t => t.HasScale) ? gen.AddBuiltin(SchemaNaming.ScaleName) : SchemaNaming.ScaleName;

        var paths = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var t in types)
        {
            var kind = gen.AddKind(t);
            var list = gen.AddList(t);
            foreach (var p in ApiOperations.For(t, kind, list, status, deleteOptions, patch, scale))
                paths[p.Path] = RenderPath(gen, p);
        }

        var pathsNode = new JsonObject();
        foreach (var (k, v) in paths) pathsNode[k] = v;
        var schemas = new JsonObject();
        foreach (var (k, v) in gen.Schemas) schemas[k] = v;
        return new JsonObject
        {
            ["openapi"] = OpenApiVersion,
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = DiscoveryDocuments.GitVersion },
            ["paths"] = pathsNode,
            ["components"] = new JsonObject { ["schemas"] = schemas },
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
                ["name"] = pp.Name,
                ["in"] = "path",
                ["description"] = pp.Description,
                ["required"] = true,
                ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
            });
        parameters.Add(Query(ApiOperations.Pretty));
        item["parameters"] = parameters;
        return item;
    }

    private static JsonObject Query(QueryParam q)
    {
        var schema = new JsonObject { ["type"] = q.Type, ["uniqueItems"] = true };
        if (q.Format is not null) schema["format"] = q.Format;
        return new JsonObject { ["name"] = q.Name, ["in"] = "query", ["description"] = q.Description, ["schema"] = schema };
    }

    private static JsonObject RenderOperation(SchemaGenerator gen, ApiOperation op)
    {
        var o = new JsonObject
        {
            ["tags"] = new JsonArray(op.Tag),
            ["description"] = op.Description,
            ["operationId"] = op.OperationId,
        };
        if (op.Query.Count > 0)
        {
            var ps = new JsonArray();
            foreach (var q in op.Query) ps.Add(Query(q));
            o["parameters"] = ps;
        }
        if (op.BodySchema is not null)
        {
            var content = new JsonObject();
            foreach (var ct in op.BodyContentTypes) content[ct] = new JsonObject { ["schema"] = gen.Ref(op.BodySchema) };
            var body = new JsonObject { ["content"] = content };
            if (op.BodyRequired) body["required"] = true;
            o["requestBody"] = body;
        }
        var responses = new JsonObject();
        foreach (var r in op.Responses)
        {
            var resp = new JsonObject { ["description"] = r.Description };
            if (r.Schema is not null)
            {
                var content = new JsonObject();
                foreach (var ct in ApiOperations.JsonContentTypes) content[ct] = new JsonObject { ["schema"] = gen.Ref(r.Schema) };
                resp["content"] = content;
            }
            responses[r.Code] = resp;
        }
        o["responses"] = responses;
        o["x-kubernetes-action"] = op.Action;
        o["x-kubernetes-group-version-kind"] = ApiOperations.GvkNode(op.Gvk);
        return o;
    }
}
