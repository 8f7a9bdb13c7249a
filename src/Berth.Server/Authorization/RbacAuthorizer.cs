using Berth.Api.Auth;
using Berth.Api.Rbac;
using Berth.Server.Auth;
using UserInfo = Berth.Server.Auth.UserInfo;

namespace Berth.Server.Authorization;

/// <summary>
/// kube-apiserver's authorization chain for Berth: members of <c>system:masters</c> may do anything (upstream's
/// privileged-group authorizer, which is how the admin kubeconfig works even with no bindings), then RBAC: the rules
/// of the ClusterRoles bound by ClusterRoleBindings, and in a namespace also those bound there by RoleBindings.
/// Deny by default. The in-process controllers do not pass through here: they call the store directly.
/// </summary>
public sealed class RbacAuthorizer(IRbacPolicy policy)
{
    public bool Authorize(AuthorizationAttributes a)
    {
        if (a.User.InGroup(Authenticator.Masters)) return true;
        bool allowed = false;
        VisitRules(a.User, a.Namespace, rule =>
        {
            allowed = RbacRules.Allows(rule, a);
            return !allowed;
        });
        return allowed;
    }

    /// <summary>Calls <paramref name="visit"/> with each rule that applies to the user in the namespace ("" for cluster
    /// scope only) until it returns false. Bindings to missing roles contribute nothing.</summary>
    public void VisitRules(UserInfo user, string ns, Func<PolicyRule, bool> visit)
    {
        foreach (var crb in policy.ClusterRoleBindings())
        {
            if (crb.RoleRef?.Kind != "ClusterRole" || !RbacRules.AppliesTo(crb.Subjects, user, "")) continue;
            if (!VisitAll(policy.ClusterRole(crb.RoleRef.Name ?? "")?.Rules, visit)) return;
        }
        if (ns.Length == 0) return;
        foreach (var rb in policy.RoleBindings(ns))
        {
            if (!RbacRules.AppliesTo(rb.Subjects, user, ns)) continue;
            var rules = rb.RoleRef?.Kind switch
            {
                "Role" => policy.Role(ns, rb.RoleRef.Name ?? "")?.Rules,
                "ClusterRole" => policy.ClusterRole(rb.RoleRef.Name ?? "")?.Rules,
                _ => null,
            };
            if (!VisitAll(rules, visit)) return;
        }
    }

    private static bool VisitAll(List<PolicyRule>? rules, Func<PolicyRule, bool> visit)
    {
        if (rules is null) return true;
        foreach (var r in rules) if (!visit(r)) return false;
        return true;
    }

    /// <summary>SelfSubjectRulesReview: the rules that apply to the user in a namespace (masters: everything).</summary>
    public SubjectRulesReviewStatus RulesFor(UserInfo user, string ns)
    {
        var status = new SubjectRulesReviewStatus();
        if (user.InGroup(Authenticator.Masters))
        {
            status.ResourceRules.Add(new ResourceRule { Verbs = ["*"], ApiGroups = ["*"], Resources = ["*"] });
            status.NonResourceRules.Add(new NonResourceRule { Verbs = ["*"], NonResourceURLs = ["*"] });
            return status;
        }
        VisitRules(user, ns, rule =>
        {
            if (rule.NonResourceURLs is { Count: > 0 })
                status.NonResourceRules.Add(new NonResourceRule { Verbs = rule.Verbs ?? [], NonResourceURLs = rule.NonResourceURLs });
            if (rule.Resources is { Count: > 0 })
                status.ResourceRules.Add(new ResourceRule
                {
                    Verbs = rule.Verbs ?? [], ApiGroups = rule.ApiGroups, Resources = rule.Resources, ResourceNames = rule.ResourceNames,
                });
            return true;
        });
        return status;
    }
}
