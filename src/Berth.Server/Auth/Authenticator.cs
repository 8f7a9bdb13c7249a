using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Berth.Server.Auth;

/// <summary>Who made a request (user.Info).</summary>
public sealed record UserInfo(string Name, IReadOnlyList<string> Groups);

/// <summary>
/// Bearer-token authentication against the tokens in DATA/auth/tokens (one "token,user,group1|group2" per line,
/// the static token file format of kube-apiserver). The admin token is made on first start.
/// </summary>
public sealed class Authenticator
{
    private readonly Dictionary<string, UserInfo> _tokens = new(StringComparer.Ordinal);
    public string AdminToken { get; }

    public Authenticator(string authDir)
    {
        Directory.CreateDirectory(authDir);
        var file = Path.Combine(authDir, "tokens");
        if (!File.Exists(file))
        {
            var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
            Hosting.Certificates.WriteSecret(file, $"{token},admin,system:masters\n");
        }
        string? admin = null;
        foreach (var line in File.ReadAllLines(file))
        {
            var parts = line.Split(',');
            if (parts.Length < 2 || parts[0].Length == 0) continue;
            var groups = parts.Length > 2 ? parts[2].Split('|', StringSplitOptions.RemoveEmptyEntries) : [];
            _tokens[parts[0]] = new UserInfo(parts[1], [.. groups, "system:authenticated"]);
            if (admin is null && groups.Contains("system:masters")) admin = parts[0];
        }
        AdminToken = admin ?? throw new InvalidOperationException($"{file} has no system:masters token");
    }

    public UserInfo? Authenticate(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return null;
        var token = header[7..].Trim();
        foreach (var (known, user) in _tokens)
            if (FixedTimeEquals(known, token)) return user;
        return null;
    }

    private static bool FixedTimeEquals(string a, string b)
        => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
