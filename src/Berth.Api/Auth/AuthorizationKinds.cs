using System.ComponentModel;
using Berth.Api.Meta;

namespace Berth.Api.Auth;

// authorization.k8s.io/v1: questions to the authorizer ("can this user do that?"), never stored.

[Description("ResourceAttributes includes the authorization attributes available for resource requests to the Authorizer interface")]
public sealed class ResourceAttributes : Extensible
{
    public string? Namespace { get; set; }
    public string? Verb { get; set; }
    public string? Group { get; set; }
    public string? Version { get; set; }
    public string? Resource { get; set; }
    public string? Subresource { get; set; }
    public string? Name { get; set; }
}

[Description("NonResourceAttributes includes the authorization attributes available for non-resource requests to the Authorizer interface")]
public sealed class NonResourceAttributes : Extensible
{
    public string? Path { get; set; }
    public string? Verb { get; set; }
}

[Description("SubjectAccessReviewSpec is a description of the access request. Exactly one of ResourceAuthorizationAttributes and NonResourceAuthorizationAttributes must be set")]
public sealed class SubjectAccessReviewSpec : Extensible
{
    public ResourceAttributes? ResourceAttributes { get; set; }
    public NonResourceAttributes? NonResourceAttributes { get; set; }
    public string? User { get; set; }
    public List<string>? Groups { get; set; }
    public Dictionary<string, List<string>>? Extra { get; set; }
    public string? Uid { get; set; }
}

[Description("SubjectAccessReviewStatus")]
public sealed class SubjectAccessReviewStatus : Extensible
{
    public bool Allowed { get; set; }
    public bool? Denied { get; set; }
    public string? Reason { get; set; }
    public string? EvaluationError { get; set; }
}

[Description("SubjectAccessReview checks whether or not a user or group can perform an action.")]
public sealed class SubjectAccessReview : KubeObject
{
    public SubjectAccessReviewSpec Spec { get; set; } = new();
    public SubjectAccessReviewStatus? Status { get; set; }
}

[Description("SelfSubjectAccessReview checks whether or the current user can perform an action.")]
public sealed class SelfSubjectAccessReview : KubeObject
{
    public SubjectAccessReviewSpec Spec { get; set; } = new();
    public SubjectAccessReviewStatus? Status { get; set; }
}

[Description("SelfSubjectRulesReview enumerates the set of actions the current user can perform within a namespace.")]
public sealed class SelfSubjectRulesReview : KubeObject
{
    public SelfSubjectRulesReviewSpec Spec { get; set; } = new();
    public SubjectRulesReviewStatus? Status { get; set; }
}

public sealed class SelfSubjectRulesReviewSpec : Extensible
{
    public string? Namespace { get; set; }
}

public sealed class SubjectRulesReviewStatus : Extensible
{
    public List<ResourceRule> ResourceRules { get; set; } = new();
    public List<NonResourceRule> NonResourceRules { get; set; } = new();
    public bool Incomplete { get; set; }
    public string? EvaluationError { get; set; }
}

public sealed class ResourceRule : Extensible
{
    public List<string> Verbs { get; set; } = new();
    public List<string>? ApiGroups { get; set; }
    public List<string>? Resources { get; set; }
    public List<string>? ResourceNames { get; set; }
}

public sealed class NonResourceRule : Extensible
{
    public List<string> Verbs { get; set; } = new();
    public List<string>? NonResourceURLs { get; set; }
}
