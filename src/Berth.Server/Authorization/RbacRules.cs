using Berth.Api.Rbac;
using Berth.Server.Auth;

namespace Berth.Server.Authorization;

/// <summary>RBAC's matching rules (k8s.io/kubernetes plugin/pkg/auth/authorizer/rbac): which rules allow a request,
/// and which binding subjects name a user.</summary>
public static class RbacRules
{
    public static bool Allows(PolicyRule rule, AuthorizationAttributes a)
    {
        if (!Has(rule.Verbs, a.Verb)) return false;
        if (!a.IsResourceRequest) return NonResourceUrlMatches(rule.NonResourceURLs, a.Path);
        if (!Has(rule.ApiGroups, a.ApiGroup)) return false;
        var combined = a.Subresource.Length > 0 ? a.Resource + "/" + a.Subresource : a.Resource;
        if (!ResourceMatches(rule.Resources, combined, a.Subresource)) return false;
        return rule.ResourceNames is not { Count: > 0 } names || (a.Name.Length > 0 && names.Contains(a.Name));
    }

    /// <summary>"*" or the value itself.</summary>
    private static bool Has(List<string>? values, string value)
    {
        if (values is null) return false;
        foreach (var v in values) if (v == "*" || v == value) return true;
        return false;
    }

    /// <summary>"*", "pods", "pods/log", or "*/scale" for a subresource of any resource.</summary>
    private static bool ResourceMatches(List<string>? resources, string combined, string subresource)
    {
        if (resources is null) return false;
        foreach (var r in resources)
        {
            if (r == "*" || r == combined) return true;
            if (subresource.Length > 0 && r.Length == subresource.Length + 2 && r.StartsWith("*/", StringComparison.Ordinal) && r.EndsWith(subresource, StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    /// <summary>"*", the path itself, or a prefix ending in "*" ("/apis/*").</summary>
    private static bool NonResourceUrlMatches(List<string>? urls, string path)
    {
        if (urls is null) return false;
        foreach (var u in urls)
        {
            if (u == "*" || u == path) return true;
            if (u.EndsWith('*') && path.StartsWith(u.AsSpan(0, u.Length - 1), StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>Whether one of a binding's subjects is the user. A ServiceAccount subject without a namespace means
    /// the binding's own namespace (none for ClusterRoleBindings: no match).</summary>
    public static bool AppliesTo(List<Subject>? subjects, UserInfo user, string bindingNamespace)
    {
        if (subjects is null) return false;
        foreach (var s in subjects)
        {
            switch (s.Kind)
            {
                case "User":
                    if (s.Name == user.Name) return true;
                    break;
                case "Group":
                    if (s.Name is not null && user.InGroup(s.Name)) return true;
                    break;
                case "ServiceAccount":
                    var ns = string.IsNullOrEmpty(s.Namespace) ? bindingNamespace : s.Namespace;
                    if (ns.Length > 0 && user.Name.Length == ServiceAccountTokens.UserPrefix.Length + ns.Length + 1 + (s.Name?.Length ?? 0)
                        && user.Name == ServiceAccountTokens.UserPrefix + ns + ":" + s.Name)
                        return true;
                    break;
            }
        }
        return false;
    }
}
