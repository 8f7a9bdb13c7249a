using System.Text.Json.Serialization;
using System.ComponentModel;
using Berth.Api.Meta;

namespace Berth.Api.Rbac;

[Description("PolicyRule holds information that describes a policy rule, but does not contain information about who the rule applies to or which namespace the rule applies to.")]
public sealed class PolicyRule : Extensible
{
    [Description("Verbs is a list of Verbs that apply to ALL the ResourceKinds contained in this rule. '*' represents all verbs.")]
    public List<string>? Verbs { get; set; }
    [Description("APIGroups is the name of the APIGroup that contains the resources.")]
    public List<string>? ApiGroups { get; set; }
    [Description("Resources is a list of resources this rule applies to. '*' represents all resources.")]
    public List<string>? Resources { get; set; }
    [Description("ResourceNames is an optional white list of names that the rule applies to.")]
    public List<string>? ResourceNames { get; set; }
    [Description("NonResourceURLs is a set of partial urls that a user should have access to.")]
    public List<string>? NonResourceURLs { get; set; }
}

[Description("Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding.")]
public sealed class Role : KubeObject
{
    [Description("Rules holds all the PolicyRules for this Role")]
    [JsonPropertyOrder(1)]
    public List<PolicyRule>? Rules { get; set; }
}

public sealed class RoleList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<Role> Items { get; set; } = new();
}

[Description("ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding.")]
public sealed class ClusterRole : KubeObject
{
    [Description("Rules holds all the PolicyRules for this ClusterRole")]
    [JsonPropertyOrder(1)]
    public List<PolicyRule>? Rules { get; set; }
    [Description("AggregationRule is an optional field that describes how to build the Rules for this ClusterRole.")]
    [JsonPropertyOrder(1)]
    public AggregationRule? AggregationRule { get; set; }
}

public sealed class ClusterRoleList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<ClusterRole> Items { get; set; } = new();
}

[Description("AggregationRule describes how to locate ClusterRoles to aggregate into the ClusterRole")]
public sealed class AggregationRule : Extensible
{
    public List<LabelSelector>? ClusterRoleSelectors { get; set; }
}

[Description("Subject contains a reference to the object or user identities a role binding applies to.")]
public sealed class Subject : Extensible
{
    [Description("Kind of object being referenced: \"User\", \"Group\", and \"ServiceAccount\".")]
    public string? Kind { get; set; }
    public string? ApiGroup { get; set; }
    public string? Name { get; set; }
    public string? Namespace { get; set; }
}

[Description("RoleRef contains information that points to the role being used")]
public sealed class RoleRef : Extensible
{
    public string? ApiGroup { get; set; }
    public string? Kind { get; set; }
    public string? Name { get; set; }
}

[Description("RoleBinding references a role, but does not contain it.")]
public sealed class RoleBinding : KubeObject
{
    [Description("Subjects holds references to the objects the role applies to.")]
    [JsonPropertyOrder(1)]
    public List<Subject>? Subjects { get; set; }
    [Description("RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.")]
    [JsonPropertyOrder(1)]
    public RoleRef? RoleRef { get; set; }
}

public sealed class RoleBindingList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<RoleBinding> Items { get; set; } = new();
}

[Description("ClusterRoleBinding references a ClusterRole, but not contain it.")]
public sealed class ClusterRoleBinding : KubeObject
{
    [Description("Subjects holds references to the objects the role applies to.")]
    [JsonPropertyOrder(1)]
    public List<Subject>? Subjects { get; set; }
    [Description("RoleRef can only reference a ClusterRole in the global namespace.")]
    [JsonPropertyOrder(1)]
    public RoleRef? RoleRef { get; set; }
}

public sealed class ClusterRoleBindingList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<ClusterRoleBinding> Items { get; set; } = new();
}
