using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Berth.Server.Http;

/// <summary>Reads request bodies with the API server's size limit and turns JSON or YAML into a JSON tree.</summary>
public static class RequestBody
{
    /// <summary>kube-apiserver's limit for a request body (3 MiB).</summary>
    public const long MaxBytes = 3 * 1024 * 1024;

    public static async Task<byte[]> ReadAsync(HttpRequest req, CancellationToken ct)
    {
        if (req.ContentLength > MaxBytes)
        {
            await DiscardAsync(req, ct);
            throw ApiException.TooLarge(MaxBytes);
        }
        if (req.ContentLength is long announced)
        {
            // The usual case: the size is known (and enforced by Kestrel), so the body is read straight into its array.
            var body = new byte[announced];
            int read = 0, got;
            while (read < body.Length && (got = await req.Body.ReadAsync(body.AsMemory(read), ct)) > 0) read += got;
            return read == body.Length ? body : body[..read];
        }
        using var ms = new MemoryStream();
        var buf = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int n;
            while ((n = await req.Body.ReadAsync(buf, ct)) > 0)
            {
                if (ms.Length + n > MaxBytes)
                {
                    await DiscardAsync(req, ct);
                    throw ApiException.TooLarge(MaxBytes);
                }
                ms.Write(buf, 0, n);
            }
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buf); }
        return ms.ToArray();
    }

    /// <summary>Reads and drops a too-large body (up to a bound) so the client gets the 413 instead of a broken pipe.</summary>
    private static async Task DiscardAsync(HttpRequest req, CancellationToken ct)
    {
        var buf = new byte[64 * 1024];
        long total = 0;
        try
        {
            int n;
            while (total < 8 * MaxBytes && (n = await req.Body.ReadAsync(buf, ct)) > 0) total += n;
        }
        catch (Exception e) when (e is IOException or Microsoft.AspNetCore.Http.BadHttpRequestException) { }
    }

    public static bool IsYaml(string? contentType)
        => contentType is not null && (contentType.StartsWith("application/yaml", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/apply-patch+yaml", StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses an object body; malformed input becomes 400 with the parser's reason.</summary>
    public static JsonObject ParseObject(byte[] body, string? contentType)
    {
        if (body.Length == 0) throw ApiException.BadRequest("the body of the request was empty");
        JsonNode? node;
        try
        {
            node = IsYaml(contentType) ? YamlToJson(body) : JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = 100 });
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the body of the request could not be decoded: {e.Message}");
        }
        catch (YamlException e)
        {
            throw ApiException.BadRequest($"error converting YAML to JSON: yaml: line {e.Start.Line}: {e.InnerException?.Message ?? e.Message}");
        }
        return node as JsonObject ?? throw ApiException.BadRequest("the body of the request must be a JSON object");
    }

    public static JsonNode? ParseAny(byte[] body, string? contentType)
    {
        try { return IsYaml(contentType) ? YamlToJson(body) : JsonNode.Parse(body); }
        catch (JsonException e) { throw ApiException.BadRequest($"the body of the request could not be decoded: {e.Message}"); }
        catch (YamlException e) { throw ApiException.BadRequest($"error converting YAML to JSON: {e.Message}"); }
    }

    private static JsonNode? YamlToJson(byte[] body)
    {
        var yaml = new YamlStream();
        using var reader = new StringReader(System.Text.Encoding.UTF8.GetString(body));
        yaml.Load(reader);
        if (yaml.Documents.Count == 0) return null;
        if (yaml.Documents.Count > 1) throw ApiException.BadRequest("the body of the request must hold a single YAML document");
        return Convert(yaml.Documents[0].RootNode, 0);
    }

    private static JsonNode? Convert(YamlNode n, int depth)
    {
        if (depth > 100) throw ApiException.BadRequest("the body of the request is nested too deeply");
        switch (n)
        {
            case YamlMappingNode map:
                var o = new JsonObject();
                foreach (var (k, v) in map.Children)
                {
                    var key = (k as YamlScalarNode)?.Value ?? throw ApiException.BadRequest("YAML mapping keys must be scalars");
                    o[key] = Convert(v, depth + 1);
                }
                return o;
            case YamlSequenceNode seq:
                var a = new JsonArray();
                foreach (var c in seq.Children) a.Add(Convert(c, depth + 1));
                return a;
            case YamlScalarNode s:
                var text = s.Value ?? "";
                if (s.Style is ScalarStyle.Plain)
                {
                    if (text is "" or "~" or "null" or "Null" or "NULL") return null;
                    if (text is "true" or "True" or "TRUE") return JsonValue.Create(true);
                    if (text is "false" or "False" or "FALSE") return JsonValue.Create(false);
                    if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
                    if (System.Text.RegularExpressions.Regex.IsMatch(text, @"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
                        && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return JsonValue.Create(d);
                }
                return JsonValue.Create(text);
            default:
                return null;
        }
    }
}
