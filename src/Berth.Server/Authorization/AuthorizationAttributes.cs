using Berth.Api.Registry;
using Berth.Server.Auth;
using Berth.Server.Http;
using Microsoft.AspNetCore.Http;

namespace Berth.Server.Authorization;

/// <summary>
/// What a request asks to do, as k8s.io/apiserver's authorizer.Attributes: a resource request (verb, API group,
/// resource[/subresource], namespace, name) or a non-resource one (verb and path). Empty strings stand for "none".
/// </summary>
public sealed record AuthorizationAttributes(UserInfo User, string Verb, bool IsResourceRequest, string Path = "",
    string Namespace = "", string ApiGroup = "", string ApiVersion = "", string Resource = "", string Subresource = "", string Name = "")
{
    /// <summary>Resources that are not stored but answer POSTs (TokenRequest, the access reviews), with their scope.</summary>
    private static bool IsNamespacedVirtual(string group, string plural)
        => group == "authorization.k8s.io" && plural == "localsubjectaccessreviews";

    /// <summary>The attributes of an HTTP request, verbs mapped as RequestInfoFactory maps them. Pod exec, attach and
    /// portforward opened with GET (websockets) also need <c>create</c>, as kube-apiserver asks since 1.31:
    /// <paramref name="alsoCreate"/> is set then.</summary>
    public static AuthorizationAttributes From(HttpContext ctx, UserInfo user, ResourceRegistry registry, out AuthorizationAttributes? alsoCreate)
    {
        alsoCreate = null;
        var path = ctx.Request.Path.Value ?? "/";
        var method = ctx.Request.Method;
        var info = RequestInfo.Parse(path, (g, v, r) => registry.ByPath(g, v, r)?.Namespaced == true || IsNamespacedVirtual(g, r));
        if (info is null)
            return new AuthorizationAttributes(user, method.ToLowerInvariant(), false, Path: path);

        var q = ctx.Request.Query;
        var name = info.Name ?? "";
        string verb = method switch
        {
            "GET" or "HEAD" => info.Name is not null ? "get" : q["watch"].ToString() is "true" or "1" or "True" ? "watch" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => info.Name is null ? "deletecollection" : "delete",
            _ => method.ToLowerInvariant(),
        };
        // A list or watch of one object by metadata.name is authorized as that name (resourceNames rules allow it).
        if (verb is "list" or "watch" && q["fieldSelector"].ToString() is { Length: > 14 } fs && fs.StartsWith("metadata.name=", StringComparison.Ordinal) && !fs.Contains(','))
            name = fs["metadata.name=".Length..];
        var ns = info.Namespace ?? "";
        // GET /api/v1/namespaces/foo is a request in namespace foo (so a RoleBinding there may allow it), as upstream.
        if (ns.Length == 0 && info.Group.Length == 0 && info.Resource == "namespaces" && info.Name is not null) ns = info.Name;
        var sub = info.Subresource ?? "";
        var attrs = new AuthorizationAttributes(user, verb, true, path, ns, info.Group, info.Version, info.Resource, sub, name);
        if (verb == "get" && info.Group.Length == 0 && info.Resource == "pods" && sub is "exec" or "attach" or "portforward")
            alsoCreate = attrs with { Verb = "create" };
        return attrs;
    }
}
