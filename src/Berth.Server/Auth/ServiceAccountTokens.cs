using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Server.Auth;

/// <summary>What a valid ServiceAccount token says: whose it is, and (for bound tokens) which object it is bound to.</summary>
public sealed record ServiceAccountClaims(string Namespace, string Name, string Uid, DateTimeOffset Expires, IReadOnlyList<string> Audiences,
    string? BoundKind, string? BoundName, string? BoundUid);

/// <summary>
/// Issues and checks ServiceAccount tokens as kube-apiserver's TokenRequest does: RS256 JWTs with the claims iss, sub
/// (<c>system:serviceaccount:NS:NAME</c>), aud, exp, iat, nbf, jti and the private <c>kubernetes.io</c> claim
/// {namespace, serviceaccount {name, uid}[, pod|secret {name, uid}]}. Checking a token here covers signature, issuer,
/// audience and time; that the ServiceAccount still exists is the authenticator's part (it needs the store).
/// </summary>
public sealed class ServiceAccountTokens : IDisposable
{
    private readonly Lazy<ServiceAccountSigningKey> _key;
    private readonly TimeProvider _clock;

    public ServiceAccountTokens(ServiceAccountSigningKey key, TimeProvider clock)
    {
        _key = new Lazy<ServiceAccountSigningKey>(key);
        _clock = clock;
    }

    /// <summary>With the key in <paramref name="authDir"/>, loaded (or made: RSA generation costs a few hundred ms of CPU)
    /// when first needed rather than during a cold start.</summary>
    public ServiceAccountTokens(string authDir, TimeProvider clock)
    {
        _key = new Lazy<ServiceAccountSigningKey>(() => ServiceAccountSigningKey.LoadOrCreate(authDir), LazyThreadSafetyMode.ExecutionAndPublication);
        _clock = clock;
    }

    public void Dispose()
    {
        if (_key.IsValueCreated) _key.Value.Dispose();
    }

    /// <summary>kube-apiserver's usual --service-account-issuer; also the API server's audience.</summary>
    public const string Issuer = "https://kubernetes.default.svc.cluster.local";
    public static readonly IReadOnlyList<string> ApiAudiences = [Issuer];
    public const string UserPrefix = "system:serviceaccount:";

    /// <summary>Upstream allows a minute of clock skew on nbf (tokens are used on other machines).</summary>
    private static readonly TimeSpan NotBeforeLeeway = TimeSpan.FromMinutes(1);

    public string Issue(ServiceAccountClaims c)
    {
        var now = _clock.GetUtcNow();
        var audiences = new JsonArray();
        foreach (var a in c.Audiences) audiences.Add(a);
        var k8s = new JsonObject
        {
            ["namespace"] = c.Namespace,
            ["serviceaccount"] = new JsonObject { ["name"] = c.Name, ["uid"] = c.Uid },
        };
        if (c.BoundKind is { } kind) k8s[kind.ToLowerInvariant()] = new JsonObject { ["name"] = c.BoundName, ["uid"] = c.BoundUid };
        var claims = new JsonObject
        {
            ["aud"] = audiences,
            ["exp"] = c.Expires.ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["iss"] = Issuer,
            ["jti"] = Guid.NewGuid().ToString(),
            ["kubernetes.io"] = k8s,
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["sub"] = UserPrefix + c.Namespace + ":" + c.Name,
        };
        var key = _key.Value;
        return JsonWebToken.Sign(claims, key.Key, key.KeyId);
    }

    /// <summary>The claims of a token this server signed, still in its validity window, for one of <paramref name="audiences"/>
    /// (the API server's by default); null otherwise.</summary>
    public ServiceAccountClaims? Validate(string token, IReadOnlyList<string>? audiences = null)
    {
        var claims = JsonWebToken.Verify(token, _key.Value.Key);
        if (claims is null) return null;
        try
        {
            if (Str(claims["iss"]) != Issuer) return null;
            var now = _clock.GetUtcNow().ToUnixTimeSeconds();
            if (claims["exp"] is not JsonValue exp || now >= exp.GetValue<long>()) return null;
            if (claims["nbf"] is JsonValue nbf && now + (long)NotBeforeLeeway.TotalSeconds < nbf.GetValue<long>()) return null;
            var tokenAudiences = new List<string>();
            if (claims["aud"] is JsonArray arr) { foreach (var a in arr) if (Str(a) is { } s) tokenAudiences.Add(s); }
            else if (Str(claims["aud"]) is { } single) tokenAudiences.Add(single);
            bool audienceOk = false;
            foreach (var want in audiences ?? ApiAudiences) if (tokenAudiences.Contains(want)) audienceOk = true;
            if (!audienceOk) return null;

            var k8s = claims["kubernetes.io"] as JsonObject;
            var ns = Str(k8s?["namespace"]);
            var sa = k8s?["serviceaccount"] as JsonObject;
            string? name = Str(sa?["name"]), uid = Str(sa?["uid"]);
            if (ns is null || name is null || uid is null || Str(claims["sub"]) != UserPrefix + ns + ":" + name) return null;
            string? boundKind = null, boundName = null, boundUid = null;
            foreach (var kind in BoundKinds)
                if (k8s![kind.ToLowerInvariant()] is JsonObject bound)
                {
                    (boundKind, boundName, boundUid) = (kind, Str(bound["name"]), Str(bound["uid"]));
                    if (boundName is null || boundUid is null) return null;
                }
            return new ServiceAccountClaims(ns, name, uid, DateTimeOffset.FromUnixTimeSeconds(exp.GetValue<long>()), tokenAudiences,
                boundKind, boundName, boundUid);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The kinds a token may be bound to (TokenRequest's boundObjectRef).</summary>
    public static readonly string[] BoundKinds = ["Pod", "Secret"];

    private static string? Str(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
