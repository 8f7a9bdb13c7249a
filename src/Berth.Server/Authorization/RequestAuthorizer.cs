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
        return user;
    }
}
