using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Berth.Server.Auth;

/// <summary>Who made a request (user.Info).</summary>
public sealed record UserInfo(string Name, IReadOnlyList<string> Groups, string? Uid = null)
{
    public bool InGroup(string group)
    {
        foreach (var g in Groups) if (g == group) return true;
        return false;
    }
}

/// <summary>The uid of a live object (not being deleted) of the given kind ("ServiceAccount", "Pod", "Secret"), or null.</summary>
public delegate ValueTask<string?> LiveUidLookup(string kind, string ns, string name, CancellationToken ct);

/// <summary>
/// Bearer-token authentication, in kube-apiserver's order: the static tokens in DATA/auth/tokens (one
/// "token,user,group1|group2" per line, the static token file format; the admin token is made on first start), then
/// ServiceAccount tokens (JWTs this server signed, whose ServiceAccount, and bound object, still exist with the uid in
/// the token). Tokens are compared in constant time and never logged.
/// </summary>
public sealed class Authenticator
{
    public const string Authenticated = "system:authenticated";
    public const string Masters = "system:masters";
    public const string ServiceAccountsGroup = "system:serviceaccounts";

    private readonly List<(byte[] Token, UserInfo User)> _tokens = new();
    private readonly ServiceAccountTokens? _serviceAccounts;
    private readonly LiveUidLookup? _liveUid;
    public string AdminToken { get; }

    public Authenticator(string authDir, ServiceAccountTokens? serviceAccounts = null, LiveUidLookup? liveUid = null)
    {
        _serviceAccounts = serviceAccounts;
        _liveUid = liveUid;
        Directory.CreateDirectory(authDir);
        var file = Path.Combine(authDir, "tokens");
        if (!File.Exists(file))
        {
            var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
            Hosting.Certificates.WriteSecret(file, $"{token},admin,{Masters}\n");
        }
        string? admin = null;
        foreach (var line in File.ReadAllLines(file))
        {
            var parts = line.Split(',');
            if (parts.Length < 2 || parts[0].Length == 0) continue;
            var groups = parts.Length > 2 ? parts[2].Split('|', StringSplitOptions.RemoveEmptyEntries) : [];
            _tokens.Add((Encoding.UTF8.GetBytes(parts[0]), new UserInfo(parts[1], [.. groups, Authenticated])));
            if (admin is null && groups.Contains(Masters)) admin = parts[0];
        }
        AdminToken = admin ?? throw new InvalidOperationException($"{file} has no {Masters} token");
    }

    /// <summary>The request's user, or null (answer 401).</summary>
    public ValueTask<UserInfo?> AuthenticateAsync(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return ValueTask.FromResult<UserInfo?>(null);
        return AuthenticateTokenAsync(header[7..].Trim(), null, ctx.RequestAborted);
    }

    /// <summary>The user a bearer token stands for (TokenReview asks this too), or null.</summary>
    /// <param name="audiences">Audiences the token must be for (ServiceAccount tokens); null: the API server's.</param>
    public async ValueTask<UserInfo?> AuthenticateTokenAsync(string token, IReadOnlyList<string>? audiences, CancellationToken ct)
    {
        if (token.Length == 0) return null;
        var bytes = Encoding.UTF8.GetBytes(token);
        UserInfo? found = null;
        foreach (var (known, user) in _tokens)
            if (CryptographicOperations.FixedTimeEquals(known, bytes)) found = user; // no early exit: time does not tell which
        if (found is not null) return found;
        if (_serviceAccounts is null || _liveUid is null || !JsonWebToken.LooksLikeJwt(token)) return null;

        var c = _serviceAccounts.Validate(token, audiences);
        if (c is null) return null;
        // A token outlives nothing it names: a deleted (or re-created) ServiceAccount or bound object ends it.
        if (await _liveUid("ServiceAccount", c.Namespace, c.Name, ct) is not { } saUid || !FixedEquals(saUid, c.Uid)) return null;
        if (c.BoundKind is { } kind && (await _liveUid(kind, c.Namespace, c.BoundName!, ct) is not { } boundUid || !FixedEquals(boundUid, c.BoundUid!)))
            return null;
        return ServiceAccountUser(c.Namespace, c.Name, c.Uid);
    }

    /// <summary>The user of a ServiceAccount, with upstream's groups.</summary>
    public static UserInfo ServiceAccountUser(string ns, string name, string? uid = null)
        => new(ServiceAccountTokens.UserPrefix + ns + ":" + name, [ServiceAccountsGroup, ServiceAccountsGroup + ":" + ns, Authenticated], uid);

    private static bool FixedEquals(string a, string b)
        => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
