using Berth.Api.Registry;
using Berth.Server.Auth;
using Microsoft.AspNetCore.Http;

namespace Berth.Server.Authorization;

/// <summary>Authorizes each authenticated HTTP request before it is served: 403 with upstream's message when denied.</summary>
public sealed class RequestAuthorizer(RbacAuthorizer authorizer, ResourceRegistry registry)
{
    public RbacAuthorizer Rbac => authorizer;

    /// <summary>Authorizes the request for the user, or for whom the user impersonates; returns who the request acts as.</summary>
    /// <exception cref="Http.ApiException">403 Forbidden (400 for a malformed impersonation).</exception>
    public UserInfo Check(HttpContext ctx, UserInfo user)
    {
        if (ctx.Request.Headers.ContainsKey(Impersonation.UserHeader) || ctx.Request.Headers.ContainsKey(Impersonation.GroupHeader))
            user = Impersonation.Apply(ctx, user, authorizer);
        if (user.InGroup(Authenticator.Masters)) return user; // the common case (the admin kubeconfig) costs nothing more
        var attrs = AuthorizationAttributes.From(ctx, user, registry, out var alsoCreate);
        if (!authorizer.Authorize(attrs)) throw Forbidden.Exception(attrs);
        if (alsoCreate is not null && !authorizer.Authorize(alsoCreate)) throw Forbidden.Exception(alsoCreate);
        if (EscalationCheck(attrs) is { } needed && !authorizer.Authorize(needed)) throw Forbidden.Exception(needed);
        return user;
    }

    /// <summary>
    /// RBAC's escalation prevention, stricter than upstream's: writing a Role or ClusterRole needs <c>escalate</c> on
    /// roles/clusterroles, and writing a binding needs <c>bind</c> on clusterroles (a binding may name any ClusterRole,
    /// cluster-admin included). Upstream also lets a user write rules they already hold all of; Berth does not compare
    /// rule sets, so without these verbs anyone allowed to write RoleBindings could bind cluster-admin.
    /// </summary>
    private static AuthorizationAttributes? EscalationCheck(AuthorizationAttributes a)
    {
        if (!a.IsResourceRequest || a.ApiGroup != "rbac.authorization.k8s.io" || a.Verb is not ("create" or "update" or "patch")) return null;
        return a.Resource switch
        {
            "roles" or "clusterroles" => a with { Verb = "escalate", Subresource = "" },
            "rolebindings" or "clusterrolebindings" => a with { Verb = "bind", Resource = "clusterroles", Subresource = "", Name = "" },
            _ => null,
        };
    }
}
