using System.Text.Json;
using Berth.Api.Auth;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Validation;
using Berth.Server.Authorization;
using Berth.Server.Http;
using Berth.Server.Storage;
using Microsoft.AspNetCore.Http;

namespace Berth.Server.Auth;

/// <summary>
/// The resources that answer a question instead of storing an object: TokenRequest (POST serviceaccounts/NAME/token,
/// what <c>kubectl create token</c> calls), TokenReview and SelfSubjectReview (<c>kubectl auth whoami</c>) in
/// authentication.k8s.io, and the access reviews of authorization.k8s.io (<c>kubectl auth can-i [--list]</c>).
/// The request has been authenticated and authorized (create on the resource) before it gets here.
/// </summary>
public sealed class AuthEndpoints(ResourceStore store, Authenticator authenticator, ServiceAccountTokens tokens, RbacAuthorizer authorizer)
{
    public const long DefaultExpirationSeconds = 3600;
    public const long MinExpirationSeconds = 600;
    public const long MaxExpirationSeconds = 1L << 32;

    /// <summary>The resources served here, by group, for discovery: (group, resource, kind, namespaced).</summary>
    public static readonly (string Group, string Resource, string Kind, bool Namespaced)[] Resources =
    [
        ("authentication.k8s.io", "selfsubjectreviews", "SelfSubjectReview", false),
        ("authentication.k8s.io", "tokenreviews", "TokenReview", false),
        ("authorization.k8s.io", "localsubjectaccessreviews", "LocalSubjectAccessReview", true),
        ("authorization.k8s.io", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false),
        ("authorization.k8s.io", "selfsubjectrulesreviews", "SelfSubjectRulesReview", false),
        ("authorization.k8s.io", "subjectaccessreviews", "SubjectAccessReview", false),
    ];

    public async Task<bool> TryHandleAsync(HttpContext ctx, UserInfo user)
    {
        var parts = (ctx.Request.Path.Value ?? "").Trim('/').Split('/');
        string? ns = null;
        string resource;
        switch (parts)
        {
            case ["api", "v1", "namespaces", var n, "serviceaccounts", var sa, "token"]:
                RequirePost(ctx, "serviceaccounts/token");
                await TokenRequestAsync(ctx, n, sa);
                return true;
            case ["apis", "authentication.k8s.io" or "authorization.k8s.io", "v1", var r]:
                resource = r;
                break;
            case ["apis", "authorization.k8s.io", "v1", "namespaces", var n, "localsubjectaccessreviews" and var r]:
                (ns, resource) = (n, r);
                break;
            default:
                return false;
        }
        bool known = false;
        foreach (var (g, r, _, namespaced) in Resources) if (g == parts[1] && r == resource && namespaced == (ns is not null)) known = true;
        if (!known) return false;
        RequirePost(ctx, resource);
        switch (resource)
        {
            case "selfsubjectreviews":
                await WriteAsync(ctx, new SelfSubjectReview
                {
                    ApiVersion = "authentication.k8s.io/v1", Kind = "SelfSubjectReview",
                    Status = new SelfSubjectReviewStatus { UserInfo = new Api.Auth.UserInfo { Username = user.Name, Uid = user.Uid, Groups = [.. user.Groups] } },
                });
                break;
            case "tokenreviews":
            {
                var review = await ReadAsync<TokenReview>(ctx, "TokenReview", "authentication.k8s.io/v1");
                var who = await authenticator.AuthenticateTokenAsync(review.Spec.Token ?? "", review.Spec.Audiences is { Count: > 0 } a ? a : null, ctx.RequestAborted);
                review.Status = who is null
                    ? new TokenReviewStatus { Authenticated = false, Error = "invalid bearer token" }
                    : new TokenReviewStatus
                    {
                        Authenticated = true, Audiences = review.Spec.Audiences is { Count: > 0 } ? review.Spec.Audiences : [.. ServiceAccountTokens.ApiAudiences],
                        User = new Api.Auth.UserInfo { Username = who.Name, Uid = who.Uid, Groups = [.. who.Groups] },
                    };
                review.Spec.Token = null; // the answer does not echo the credential
                await WriteAsync(ctx, review);
                break;
            }
            case "selfsubjectaccessreviews":
            {
                var review = await ReadAsync<SelfSubjectAccessReview>(ctx, "SelfSubjectAccessReview", "authorization.k8s.io/v1");
                review.Status = Review(user, review.Spec, "SelfSubjectAccessReview", null);
                await WriteAsync(ctx, review);
                break;
            }
            case "subjectaccessreviews" or "localsubjectaccessreviews":
            {
                var kind = ns is null ? "SubjectAccessReview" : "LocalSubjectAccessReview";
                var review = await ReadAsync<SubjectAccessReview>(ctx, kind, "authorization.k8s.io/v1");
                if (string.IsNullOrEmpty(review.Spec.User) && review.Spec.Groups is not { Count: > 0 })
                    throw Invalid(kind, FieldError.Invalid("spec.user", review.Spec.User ?? "", "at least one of user or group must be specified"));
                var subject = new UserInfo(review.Spec.User ?? "", review.Spec.Groups ?? [], review.Spec.Uid);
                review.Status = Review(subject, review.Spec, kind, ns);
                if (ns is not null) review.Metadata.Namespace = ns;
                await WriteAsync(ctx, review);
                break;
            }
            case "selfsubjectrulesreviews":
            {
                var review = await ReadAsync<SelfSubjectRulesReview>(ctx, "SelfSubjectRulesReview", "authorization.k8s.io/v1");
                review.Status = authorizer.RulesFor(user, review.Spec.Namespace ?? "");
                await WriteAsync(ctx, review);
                break;
            }
        }
        return true;
    }

    private SubjectAccessReviewStatus Review(UserInfo subject, SubjectAccessReviewSpec spec, string kind, string? urlNamespace)
    {
        if ((spec.ResourceAttributes is null) == (spec.NonResourceAttributes is null))
            throw Invalid(kind, FieldError.Invalid("spec.resourceAttributes", "", "exactly one of nonResourceAttributes or resourceAttributes must be specified"));
        AuthorizationAttributes attrs;
        if (spec.ResourceAttributes is { } r)
        {
            if (urlNamespace is not null)
            {
                if (string.IsNullOrEmpty(r.Namespace)) r.Namespace = urlNamespace;
                else if (r.Namespace != urlNamespace)
                    throw ApiException.BadRequest($"spec.resourceAttributes.namespace must match namespace: {urlNamespace}");
            }
            attrs = new AuthorizationAttributes(subject, r.Verb ?? "", true, "", r.Namespace ?? "", r.Group ?? "", r.Version ?? "",
                r.Resource ?? "", r.Subresource ?? "", r.Name ?? "");
        }
        else
        {
            if (urlNamespace is not null)
                throw Invalid(kind, FieldError.Invalid("spec.nonResourceAttributes", "", "disallowed on this kind of request"));
            var n = spec.NonResourceAttributes!;
            attrs = new AuthorizationAttributes(subject, n.Verb ?? "", false, n.Path ?? "");
        }
        return new SubjectAccessReviewStatus { Allowed = authorizer.Authorize(attrs) };
    }

    private async Task TokenRequestAsync(HttpContext ctx, string ns, string name)
    {
        var request = await ReadAsync<TokenRequest>(ctx, "TokenRequest", "authentication.k8s.io/v1");
        var spec = request.Spec;
        spec.ExpirationSeconds ??= DefaultExpirationSeconds;
        if (spec.ExpirationSeconds < MinExpirationSeconds)
            throw Invalid("TokenRequest", FieldError.Invalid("spec.expirationSeconds", spec.ExpirationSeconds, "may not specify a duration less than 10 minutes"), name);
        if (spec.ExpirationSeconds > MaxExpirationSeconds)
            throw Invalid("TokenRequest", FieldError.Invalid("spec.expirationSeconds", spec.ExpirationSeconds, "may not specify a duration larger than 2^32 seconds"), name);
        if (spec.Audiences is not { Count: > 0 }) spec.Audiences = [.. ServiceAccountTokens.ApiAudiences];

        var saType = store.Registry.ByKind("", "v1", "ServiceAccount")!;
        var sa = await store.TryGetAsync<ServiceAccount>(saType, ns, name, ctx.RequestAborted);
        if (sa is null || sa.Metadata.DeletionTimestamp is not null) throw ApiException.NotFound(saType, name);

        string? boundKind = null, boundName = null, boundUid = null;
        if (spec.BoundObjectRef is { } bound)
        {
            if (bound.ApiVersion is not (null or "" or "v1") || Array.IndexOf(ServiceAccountTokens.BoundKinds, bound.Kind) < 0)
                throw ApiException.BadRequest($"cannot bind token for serviceaccount \"{name}\" to object of type {bound.ApiVersion}, Kind={bound.Kind}");
            var type = store.Registry.ByKind("", "v1", bound.Kind!)!;
            var obj = await store.TryGetAsync<KubeObject>(type, ns, bound.Name ?? "", ctx.RequestAborted)
                ?? throw ApiException.NotFound(type, bound.Name ?? "");
            if (!string.IsNullOrEmpty(bound.Uid) && bound.Uid != obj.Metadata.Uid)
                throw ApiException.Conflict(type, bound.Name!, $"the UID in the bound object reference ({bound.Uid}) does not match the UID in record. The object might have been deleted and then recreated");
            (boundKind, boundName, boundUid) = (bound.Kind, obj.Metadata.Name, obj.Metadata.Uid);
            bound.Uid = boundUid;
            bound.ApiVersion = "v1";
        }

        var expires = store.Clock.GetUtcNow().AddSeconds(spec.ExpirationSeconds.Value);
        var token = tokens.Issue(new ServiceAccountClaims(ns, name, sa.Metadata.Uid!, expires, spec.Audiences, boundKind, boundName, boundUid));
        request.ApiVersion = "authentication.k8s.io/v1";
        request.Kind = "TokenRequest";
        request.Metadata = new ObjectMeta { Name = name, Namespace = ns, CreationTimestamp = store.Clock.GetUtcNow() };
        request.Status = new TokenRequestStatus { Token = token, ExpirationTimestamp = expires };
        await WriteAsync(ctx, request);
    }

    private static void RequirePost(HttpContext ctx, string resource)
    {
        if (ctx.Request.Method != "POST")
            throw ApiException.MethodNotSupported(resource, ctx.Request.Method.ToLowerInvariant() is "get" ? "get" : ctx.Request.Method.ToLowerInvariant());
    }

    private static ApiException Invalid(string kind, FieldError error, string name = "")
    {
        var group = kind.StartsWith("Token", StringComparison.Ordinal) ? "authentication.k8s.io" : "authorization.k8s.io";
        return ApiException.Invalid(kind + "." + group, group, kind, name, [error]);
    }

    /// <summary>The request body (JSON, YAML, or protobuf as kubectl's typed clients send it) as the kind's model.</summary>
    private static async Task<T> ReadAsync<T>(HttpContext ctx, string kind, string apiVersion) where T : KubeObject, new()
    {
        var body = await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted);
        if (body.Length == 0) return new T();
        try
        {
            var json = Protobuf.KubeProtobuf.IsProtobuf(ctx.Request.ContentType)
                ? Protobuf.KubeProtobuf.ToJson(body)
                : RequestBody.ParseObject(body, ctx.Request.ContentType);
            return KubeJson.Deserialize<T>(json);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or Protobuf.ProtobufFormatException)
        {
            throw ApiException.BadRequest($"{kind} in version \"{apiVersion.Split('/')[^1]}\" cannot be handled as a {kind}: {e.Message}");
        }
    }

    private static Task WriteAsync<T>(HttpContext ctx, T obj) where T : KubeObject
        => ApiHandler.WriteBytesAsync(ctx, 201, JsonSerializer.SerializeToUtf8Bytes(obj, KubeJson.Options));
}
