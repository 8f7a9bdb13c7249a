using Berth.Api.Rbac;

namespace Berth.Server.Authorization;

/// <summary>The RBAC objects the authorizer reads (kube-apiserver reads them from informers too).</summary>
public interface IRbacPolicy
{
    IReadOnlyList<ClusterRoleBinding> ClusterRoleBindings();
    IReadOnlyList<RoleBinding> RoleBindings(string ns);
    ClusterRole? ClusterRole(string name);
    Role? Role(string ns, string name);
}
