using Berth.Server.Auth;
using Berth.Server.Http;
using Microsoft.AspNetCore.Http;

namespace Berth.Server.Authorization;

/// <summary>
/// The Impersonate-User / Impersonate-Group headers (<c>kubectl --as=… --as-group=…</c>, so <c>kubectl auth can-i
/// --as=system:serviceaccount:NS:NAME</c> answers for that account): the requester needs the <c>impersonate</c> verb
/// on users (serviceaccounts for a ServiceAccount user) and on groups, as kube-apiserver's impersonation filter.
/// </summary>
public static class Impersonation
{
    public const string UserHeader = "Impersonate-User";
    public const string GroupHeader = "Impersonate-Group";
    public const string UidHeader = "Impersonate-Uid";

    /// <summary>The user the request acts as: the requester, or whom it impersonates if allowed.</summary>
    /// <exception cref="ApiException">400 for groups without a user, 403 when impersonation is not allowed.</exception>
    public static UserInfo Apply(HttpContext ctx, UserInfo requester, RbacAuthorizer authorizer)
    {
        var headers = ctx.Request.Headers;
        var name = headers[UserHeader].ToString();
        var groups = headers[GroupHeader];
        if (name.Length == 0)
        {
            if (groups.Count > 0 || headers[UidHeader].Count > 0)
                throw ApiException.BadRequest($"requested [{string.Join(" ", groups.Select(g => "{Group " + g + "}"))}] without impersonating a user");
            return requester;
        }

        var target = name.StartsWith(ServiceAccountTokens.UserPrefix, StringComparison.Ordinal) && name[ServiceAccountTokens.UserPrefix.Length..].Split(':') is [var ns, var sa]
            ? new AuthorizationAttributes(requester, "impersonate", true, "", ns, "", "v1", "serviceaccounts", "", sa)
            : new AuthorizationAttributes(requester, "impersonate", true, "", "", "", "v1", "users", "", name);
        Check(authorizer, target);
        var resultGroups = new List<string>();
        foreach (var g in groups)
        {
            if (g is null) continue;
            Check(authorizer, new AuthorizationAttributes(requester, "impersonate", true, "", "", "", "v1", "groups", "", g));
            resultGroups.Add(g);
        }
        var uid = headers[UidHeader].ToString();
        if (uid.Length > 0)
            Check(authorizer, new AuthorizationAttributes(requester, "impersonate", true, "", "", "authentication.k8s.io", "v1", "uids", "", uid));

        if (target.Resource == "serviceaccounts")
        {
            // A ServiceAccount user is in its groups whether asked for or not, as upstream.
            foreach (var g in Authenticator.ServiceAccountUser(target.Namespace, target.Name).Groups)
                if (!resultGroups.Contains(g)) resultGroups.Add(g);
        }
        else if (name != "system:anonymous" && !resultGroups.Contains(Authenticator.Authenticated)) resultGroups.Add(Authenticator.Authenticated);
        return new UserInfo(name, resultGroups, uid.Length > 0 ? uid : null);
    }

    private static void Check(RbacAuthorizer authorizer, AuthorizationAttributes a)
    {
        if (!authorizer.Authorize(a)) throw Forbidden.Exception(a);
    }
}
