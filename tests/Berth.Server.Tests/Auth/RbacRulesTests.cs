using Berth.Api.Rbac;
using Berth.Server.Auth;
using Berth.Server.Authorization;

namespace Berth.Server.Tests.Auth;

public class RbacRulesTests
{
    private static readonly UserInfo Sa = Authenticator.ServiceAccountUser("default", "x");

    private static AuthorizationAttributes Res(string verb, string group, string resource, string sub = "", string ns = "default", string name = "")
        => new(Sa, verb, true, "", ns, group, "v1", resource, sub, name);

    private static PolicyRule Rule(string[] verbs, string[] groups, string[] resources, string[]? names = null)
        => new() { Verbs = [.. verbs], ApiGroups = [.. groups], Resources = [.. resources], ResourceNames = names is null ? null : [.. names] };

    [Fact]
    public void Verbs_groups_and_resources_must_all_match()
    {
        var rule = Rule(["get", "list"], [""], ["pods"]);
        Assert.True(RbacRules.Allows(rule, Res("list", "", "pods")));
        Assert.False(RbacRules.Allows(rule, Res("delete", "", "pods")));
        Assert.False(RbacRules.Allows(rule, Res("list", "apps", "pods")));
        Assert.False(RbacRules.Allows(rule, Res("list", "", "secrets")));
        Assert.True(RbacRules.Allows(Rule(["*"], ["*"], ["*"]), Res("deletecollection", "apps", "statefulsets", "scale")));
    }

    [Fact]
    public void Subresources_are_named_with_their_resource_or_a_star()
    {
        Assert.False(RbacRules.Allows(Rule(["get"], [""], ["pods"]), Res("get", "", "pods", "log", name: "p")));
        Assert.True(RbacRules.Allows(Rule(["get"], [""], ["pods/log"]), Res("get", "", "pods", "log", name: "p")));
        Assert.False(RbacRules.Allows(Rule(["get"], [""], ["pods/log"]), Res("get", "", "pods", name: "p")));
        Assert.True(RbacRules.Allows(Rule(["update"], ["apps"], ["*/scale"]), Res("update", "apps", "statefulsets", "scale", name: "web")));
        Assert.False(RbacRules.Allows(Rule(["update"], ["apps"], ["*/scale"]), Res("update", "apps", "statefulsets", "status", name: "web")));
    }

    [Fact]
    public void Resource_names_limit_a_rule_to_those_objects()
    {
        var rule = Rule(["get", "update"], ["coordination.k8s.io"], ["leases"], ["mine"]);
        Assert.True(RbacRules.Allows(rule, Res("get", "coordination.k8s.io", "leases", name: "mine")));
        Assert.False(RbacRules.Allows(rule, Res("get", "coordination.k8s.io", "leases", name: "other")));
        Assert.False(RbacRules.Allows(rule, Res("get", "coordination.k8s.io", "leases"))); // a list is not "mine"
    }

    [Fact]
    public void Non_resource_urls_match_exactly_or_by_a_trailing_star()
    {
        var rule = new PolicyRule { Verbs = ["get"], NonResourceURLs = ["/apis/*", "/version"] };
        AuthorizationAttributes Path(string verb, string p) => new(Sa, verb, false, p);
        Assert.True(RbacRules.Allows(rule, Path("get", "/version")));
        Assert.True(RbacRules.Allows(rule, Path("get", "/apis/apps/v1")));
        Assert.False(RbacRules.Allows(rule, Path("get", "/apis")));
        Assert.False(RbacRules.Allows(rule, Path("post", "/version")));
        Assert.False(RbacRules.Allows(Rule(["get"], ["*"], ["*"]), Path("get", "/version"))); // resource rules never cover paths
    }

    [Fact]
    public void Subjects_name_users_groups_and_service_accounts()
    {
        Assert.True(RbacRules.AppliesTo([new Subject { Kind = "ServiceAccount", Name = "x", Namespace = "default" }], Sa, ""));
        Assert.False(RbacRules.AppliesTo([new Subject { Kind = "ServiceAccount", Name = "x", Namespace = "other" }], Sa, ""));
        // Without a namespace: the RoleBinding's own; in a ClusterRoleBinding, nothing.
        Assert.True(RbacRules.AppliesTo([new Subject { Kind = "ServiceAccount", Name = "x" }], Sa, "default"));
        Assert.False(RbacRules.AppliesTo([new Subject { Kind = "ServiceAccount", Name = "x" }], Sa, ""));
        Assert.True(RbacRules.AppliesTo([new Subject { Kind = "Group", Name = "system:serviceaccounts:default" }], Sa, ""));
        Assert.True(RbacRules.AppliesTo([new Subject { Kind = "User", Name = "system:serviceaccount:default:x" }], Sa, ""));
        Assert.False(RbacRules.AppliesTo([new Subject { Kind = "User", Name = "x" }], Sa, ""));
    }

    [Fact]
    public void Denials_read_like_kube_apiserver()
    {
        Assert.Equal("pods is forbidden: User \"system:serviceaccount:default:x\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"",
            Forbidden.Exception(Res("list", "", "pods")).Status.Message);
        Assert.Equal("persistentvolumes \"pv1\" is forbidden: User \"system:serviceaccount:default:x\" cannot delete resource \"persistentvolumes\" in API group \"\" at the cluster scope",
            Forbidden.Exception(Res("delete", "", "persistentvolumes", ns: "", name: "pv1")).Status.Message);
        Assert.Equal("statefulsets.apps \"web\" is forbidden: User \"system:serviceaccount:default:x\" cannot update resource \"statefulsets/scale\" in API group \"apps\" in the namespace \"default\"",
            Forbidden.Exception(Res("update", "apps", "statefulsets", "scale", name: "web")).Status.Message);
        Assert.Equal("forbidden: User \"system:serviceaccount:default:x\" cannot get path \"/apis\"",
            Forbidden.Exception(new AuthorizationAttributes(Sa, "get", false, "/apis")).Status.Message);
        Assert.Equal(403, Forbidden.Exception(Res("list", "", "pods")).Code);
    }
}
