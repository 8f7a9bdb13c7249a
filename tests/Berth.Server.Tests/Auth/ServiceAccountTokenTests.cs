using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Server.Auth;

namespace Berth.Server.Tests.Auth;

public sealed class ServiceAccountTokenTests : IDisposable
{
    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly string _dir = TempDirectory.Create("berth-sa-");
    private readonly Clock _clock = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
    private readonly ServiceAccountSigningKey _key;
    private readonly ServiceAccountTokens _tokens;

    public ServiceAccountTokenTests()
    {
        _key = ServiceAccountSigningKey.LoadOrCreate(_dir);
        _tokens = new ServiceAccountTokens(_key, _clock);
    }

    public void Dispose()
    {
        _key.Dispose();
        TempDirectory.Delete(_dir);
    }

    private ServiceAccountClaims Claims(int seconds = 3600, string[]? audiences = null)
        => new("default", "x", "uid-1", _clock.Now.AddSeconds(seconds), audiences ?? [.. ServiceAccountTokens.ApiAudiences], null, null, null);

    private static JsonObject Part(string token, int i) => JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[i]))!.AsObject();

    [Fact]
    public void A_token_carries_upstreams_claims_and_validates()
    {
        var token = _tokens.Issue(Claims());
        var header = Part(token, 0);
        Assert.Equal("RS256", (string?)header["alg"]);
        Assert.Equal(_key.KeyId, (string?)header["kid"]);
        var claims = Part(token, 1);
        Assert.Equal("system:serviceaccount:default:x", (string?)claims["sub"]);
        Assert.Equal(ServiceAccountTokens.Issuer, (string?)claims["iss"]);
        Assert.Equal("uid-1", (string?)claims["kubernetes.io"]!["serviceaccount"]!["uid"]);
        Assert.Equal("default", (string?)claims["kubernetes.io"]!["namespace"]);
        Assert.Equal(_clock.Now.ToUnixTimeSeconds() + 3600, (long)claims["exp"]!);
        var valid = _tokens.Validate(token);
        Assert.NotNull(valid);
        Assert.Equal(("default", "x", "uid-1"), (valid.Namespace, valid.Name, valid.Uid));
    }

    [Fact]
    public void Expired_tokens_and_tokens_for_other_audiences_are_refused()
    {
        var token = _tokens.Issue(Claims(seconds: 600));
        _clock.Now = _clock.Now.AddSeconds(599);
        Assert.NotNull(_tokens.Validate(token));
        _clock.Now = _clock.Now.AddSeconds(1);
        Assert.Null(_tokens.Validate(token));
        var other = _tokens.Issue(Claims(audiences: ["vault"]));
        Assert.Null(_tokens.Validate(other));
        Assert.NotNull(_tokens.Validate(other, ["vault"]));
    }

    [Fact]
    public void Forged_tokens_are_refused()
    {
        var token = _tokens.Issue(Claims());
        var parts = token.Split('.');
        // Another ServiceAccount's name in the payload, the original signature kept.
        var claims = Part(token, 1);
        claims["sub"] = "system:serviceaccount:kube-system:admin";
        claims["kubernetes.io"]!["namespace"] = "kube-system";
        var tampered = parts[0] + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString())) + "." + parts[2];
        Assert.Null(_tokens.Validate(tampered));
        // alg "none" with no signature.
        var none = Base64Url.EncodeToString("{\"alg\":\"none\"}"u8) + "." + parts[1] + ".";
        Assert.Null(_tokens.Validate(none));
        Assert.Null(_tokens.Validate(Base64Url.EncodeToString("{\"alg\":\"none\"}"u8) + "." + parts[1] + ".x"));
        // Signed by another key.
        var otherDir = TempDirectory.Create("berth-sa-");
        try
        {
            using var otherKey = ServiceAccountSigningKey.LoadOrCreate(otherDir);
            Assert.Null(_tokens.Validate(new ServiceAccountTokens(otherKey, _clock).Issue(Claims())));
        }
        finally { TempDirectory.Delete(otherDir); }
        Assert.Null(_tokens.Validate("not-a-token"));
        Assert.Null(_tokens.Validate("a.b.c"));
        Assert.Null(_tokens.Validate(token + ".x"));
    }

    [Fact]
    public void The_signing_key_is_private_and_kept_across_restarts()
    {
        var file = Path.Combine(_dir, ServiceAccountSigningKey.FileName);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var token = _tokens.Issue(Claims());
        using var again = ServiceAccountSigningKey.LoadOrCreate(_dir);
        Assert.Equal(_key.KeyId, again.KeyId);
        Assert.NotNull(new ServiceAccountTokens(again, _clock).Validate(token));
    }
}
