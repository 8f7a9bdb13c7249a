using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Server.Discovery;

/// <summary>A built document: its UTF-8 JSON bytes and a stable content hash (for ?hash= and ETag).</summary>
public sealed class CachedDocument
{
    public CachedDocument(byte[] json)
    {
        Json = json;
        Hash = DocumentHash.Of(json);
    }

    public byte[] Json { get; }
    /// <summary>Upper-case hex SHA-512 of <see cref="Json"/> (what kube-apiserver puts in /openapi/v3 ?hash=).</summary>
    public string Hash { get; }
    /// <summary>The strong ETag header value: the hash in double quotes.</summary>
    public string ETag => "\"" + Hash + "\"";
}

public static class DocumentHash
{
    public static string Of(byte[] bytes) => Convert.ToHexString(SHA512.HashData(bytes));

    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    internal static byte[] ToUtf8(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, WriteOptions);

    /// <summary>storageVersionHash as kube-apiserver computes it: base64 of the first 8 bytes of sha256("group/version/kind").</summary>
    public static string StorageVersionHash(string group, string version, string kind)
    {
        var sum = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(group + "/" + version + "/" + kind));
        return Convert.ToBase64String(sum, 0, 8);
    }
}
