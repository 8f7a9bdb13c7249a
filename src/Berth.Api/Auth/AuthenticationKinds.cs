using System.ComponentModel;
using Berth.Api.Meta;

namespace Berth.Api.Auth;

// authentication.k8s.io/v1 and the core/v1 TokenRequest (serviceaccounts/token): request-and-answer kinds that are
// never stored; the server fills in their status.

[Description("TokenRequest requests a token for a given service account.")]
public sealed class TokenRequest : KubeObject
{
    public TokenRequestSpec Spec { get; set; } = new();
    public TokenRequestStatus? Status { get; set; }
}

public sealed class TokenRequestSpec : Extensible
{
    [Description("Audiences are the intendend audiences of the token. Defaults to the audiences of the API server.")]
    public List<string>? Audiences { get; set; }
    [Description("ExpirationSeconds is the requested duration of validity of the request.")]
    public long? ExpirationSeconds { get; set; }
    [Description("BoundObjectRef is a reference to an object that the token will be bound to.")]
    public BoundObjectReference? BoundObjectRef { get; set; }
}

public sealed class BoundObjectReference : Extensible
{
    public string? Kind { get; set; }
    public string? ApiVersion { get; set; }
    public string? Name { get; set; }
    public string? Uid { get; set; }
}

public sealed class TokenRequestStatus : Extensible
{
    [Description("Token is the opaque bearer token.")]
    public string Token { get; set; } = "";
    [Description("ExpirationTimestamp is the time of expiration of the returned token.")]
    public DateTimeOffset ExpirationTimestamp { get; set; }
}

[Description("UserInfo holds the information about the user needed to implement the user.Info interface.")]
public sealed class UserInfo : Extensible
{
    public string? Username { get; set; }
    public string? Uid { get; set; }
    public List<string>? Groups { get; set; }
    public Dictionary<string, List<string>>? Extra { get; set; }
}

[Description("SelfSubjectReview contains the user information that the kube-apiserver has about the user making this request.")]
public sealed class SelfSubjectReview : KubeObject
{
    public SelfSubjectReviewStatus? Status { get; set; }
}

public sealed class SelfSubjectReviewStatus : Extensible
{
    public UserInfo? UserInfo { get; set; }
}

[Description("TokenReview attempts to authenticate a token to a known user.")]
public sealed class TokenReview : KubeObject
{
    public TokenReviewSpec Spec { get; set; } = new();
    public TokenReviewStatus? Status { get; set; }
}

public sealed class TokenReviewSpec : Extensible
{
    public string? Token { get; set; }
    public List<string>? Audiences { get; set; }
}

public sealed class TokenReviewStatus : Extensible
{
    public bool Authenticated { get; set; }
    public UserInfo? User { get; set; }
    public List<string>? Audiences { get; set; }
    public string? Error { get; set; }
}
