using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Server.Patching;

/// <summary>Dispatches a PATCH request body to the patch implementation its Content-Type names.</summary>
public static class PatchApplier
{
    public const string JsonPatchContentType = "application/json-patch+json";
    public const string MergePatchContentType = "application/merge-patch+json";
    public const string StrategicMergePatchContentType = "application/strategic-merge-patch+json";

    /// <summary>Server-side apply (handled by the API handler with Apply.ServerSideApply, not by <see cref="Apply"/>).</summary>
    public const string ApplyPatchContentType = "application/apply-patch+yaml";

    /// <summary>Patch media types <see cref="Apply"/> accepts.</summary>
    public static IReadOnlyList<string> SupportedContentTypes { get; } =
        [JsonPatchContentType, MergePatchContentType, StrategicMergePatchContentType];

    /// <summary>
    /// Applies <paramref name="patchBody"/> to a copy of <paramref name="original"/> according to
    /// <paramref name="contentType"/> (media-type parameters such as <c>charset</c> are ignored).
    /// </summary>
    /// <exception cref="UnsupportedPatchTypeException">The content type is not a supported patch type (HTTP 415).</exception>
    /// <exception cref="PatchException">The body is not valid JSON for that patch type, or the patch does not apply.</exception>
    public static JsonNode Apply(string contentType, JsonNode original, ReadOnlySpan<byte> patchBody, PatchSchema schema)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(schema);
        var mediaType = MediaTypeOf(contentType);

        switch (mediaType)
        {
            case JsonPatchContentType:
            {
                // Go decodes a literal null into an empty operation list.
                var operations = Parse(patchBody);
                return operations is null ? original.DeepClone() : JsonPatch.Apply(original, operations);
            }

            case MergePatchContentType:
            {
                var result = JsonMergePatch.Apply(original, Parse(patchBody));
                return result as JsonObject
                    ?? throw PatchException.BadRequest("a merge patch must be a JSON object");
            }

            case StrategicMergePatchContentType:
            {
                var patch = Parse(patchBody);
                if (patch is not JsonObject)
                {
                    throw PatchException.BadRequest(
                        $"json: cannot unmarshal {JsonUtil.KindOf(patch).ToString().ToLowerInvariant()} into Go value of type map[string]interface {{}}");
                }

                return StrategicMergePatch.Apply(original, patch, schema);
            }

            default:
                throw new UnsupportedPatchTypeException(contentType ?? string.Empty);
        }
    }

    private static string MediaTypeOf(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return string.Empty;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var mediaType = semicolon >= 0 ? contentType.Substring(0, semicolon) : contentType;
        return mediaType.Trim().ToLowerInvariant();
    }

    private static JsonNode? Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
            var node = JsonNode.Parse(ref reader, new JsonNodeOptions { PropertyNameCaseInsensitive = false });
            if (reader.Read())
            {
                throw PatchException.BadRequest("invalid character after top-level value");
            }

            // Materialise now so duplicate keys and similar surface here rather than mid-merge.
            _ = node?.ToJsonString();
            return node;
        }
        catch (JsonException ex)
        {
            throw new PatchException($"error decoding patch: {ex.Message}", 400, ex);
        }
        catch (ArgumentException ex)
        {
            throw new PatchException($"error decoding patch: {ex.Message}", 400, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new PatchException($"error decoding patch: {ex.Message}", 400, ex);
        }
    }
}
