using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Server.Auth;

/// <summary>
/// Compact JWS with RS256 only (what kube-apiserver issues for ServiceAccounts). Verification refuses every other
/// algorithm, "none" included, before it looks at the signature.
/// </summary>
public static class JsonWebToken
{
    public static string Sign(JsonObject claims, RSA key, string keyId)
    {
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = keyId };
        var signingInput = Encode(header) + "." + Encode(claims);
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>The claims of a well-formed RS256 token signed by <paramref name="key"/>; null for anything else.</summary>
    public static JsonObject? Verify(string token, RSA key)
    {
        // Three parts, no more: "a.b.c".
        int first = token.IndexOf('.'), second = first < 0 ? -1 : token.IndexOf('.', first + 1);
        if (first <= 0 || second <= first + 1 || second == token.Length - 1 || token.IndexOf('.', second + 1) >= 0) return null;
        try
        {
            var header = JsonNode.Parse(Base64Url.DecodeFromChars(token.AsSpan(0, first))) as JsonObject;
            if (header?["alg"] is not JsonValue alg || alg.GetValueKind() != JsonValueKind.String || alg.GetValue<string>() != "RS256") return null;
            var signature = Base64Url.DecodeFromChars(token.AsSpan(second + 1));
            if (!key.VerifyData(Encoding.ASCII.GetBytes(token, 0, second), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)) return null;
            return JsonNode.Parse(Base64Url.DecodeFromChars(token.AsSpan(first + 1, second - first - 1))) as JsonObject;
        }
        catch (Exception e) when (e is FormatException or JsonException or CryptographicException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>True when the string has a JWT's shape (three base64url parts); static tokens never do.</summary>
    public static bool LooksLikeJwt(string token)
    {
        int dots = 0;
        foreach (var c in token) if (c == '.') dots++;
        return dots == 2;
    }

    private static string Encode(JsonObject o) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(o));
}
