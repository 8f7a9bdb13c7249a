using Berth.Api.Registry;
using Berth.Server.Discovery;
using Berth.Server.Http;
using Microsoft.AspNetCore.Http;

namespace Berth.Server.Hosting;

/// <summary>Serves /version, the discovery documents and OpenAPI v2/v3, all built once and kept as bytes.</summary>
public sealed class DiscoveryEndpoints(ResourceRegistry registry)
{
    private DiscoveryDocuments? _docs;
    private readonly Lazy<OpenApiV3> _v3 = new(() => new OpenApiV3(registry));
    private readonly Lazy<OpenApiV2> _v2 = new(() => new OpenApiV2(registry));

    public string ServerAddress { get; set; } = "127.0.0.1:6443";

    private DiscoveryDocuments Docs => _docs ??= new DiscoveryDocuments(registry, ServerAddress);

    public async Task<bool> TryServeAsync(HttpContext ctx)
    {
        var path = (ctx.Request.Path.Value ?? "/").TrimEnd('/');
        var accept = ctx.Request.Headers.Accept.ToString();
        switch (path)
        {
            case "/version":
                await Write(ctx, Docs.Version.Json, DiscoveryNegotiation.ContentTypeJson);
                return true;
            case "/api":
            case "/apis":
                var d = Docs.Negotiate(path == "/api", accept) ?? throw ApiException.NotAcceptable(accept);
                await Write(ctx, d.Document.Json, d.ContentType);
                return true;
            case "/openapi/v2":
                await Write(ctx, _v2.Value.Json(), "application/json");
                return true;
            case "/openapi/v3":
                await Write(ctx, _v3.Value.IndexJson(), "application/json");
                return true;
        }
        if (path.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            var doc = _v3.Value.DocumentJson(path["/openapi/v3/".Length..]) ?? throw ApiException.NotFoundPath(path);
            await Write(ctx, doc, "application/json");
            return true;
        }
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        byte[]? list = parts switch
        {
            ["api", var v] => Docs.ResourceListJson("", v),
            ["apis", var g] => GroupJson(g),
            ["apis", var g, var v] => Docs.ResourceListJson(g, v),
            _ => null,
        };
        if (list is null)
        {
            if ((parts.Length == 2 && parts[0] == "api") || (parts.Length is 2 or 3 && parts[0] == "apis")) throw ApiException.NotFoundPath(path);
            return false;
        }
        await Write(ctx, list, DiscoveryNegotiation.ContentTypeJson);
        return true;
    }

    /// <summary>GET /apis/{group}: the APIGroup entry of the group list.</summary>
    private byte[]? GroupJson(string group)
    {
        var list = System.Text.Json.Nodes.JsonNode.Parse(Docs.GroupList.Json)!["groups"]!.AsArray();
        foreach (var g in list)
            if (g?["name"]?.ToString() == group)
            {
                var o = g.DeepClone().AsObject();
                o["kind"] = "APIGroup";
                o["apiVersion"] = "v1";
                return System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(o);
            }
        return null;
    }

    private static async Task Write(HttpContext ctx, byte[] body, string contentType)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = contentType;
        ctx.Response.ContentLength = body.Length;
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
    }
}
