using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Berth.Api.Meta;

/// <summary>
/// The one JSON configuration for every Kubernetes object Berth reads or writes.
/// Properties are camelCase (as Kubernetes spells them), nulls are omitted (Go's omitempty),
/// and every model keeps unknown fields in <see cref="JsonExtensionDataAttribute"/> so newer clients lose nothing.
/// </summary>
public static class KubeJson
{
    public static readonly JsonSerializerOptions Options = Create(indented: false);
    public static readonly JsonSerializerOptions Indented = Create(indented: true);
    /// <summary>For decoding objects that are shared and never changed: equal small maps and string lists are one
    /// instance (<see cref="SharedContainers"/>). Never for an object anyone may change.</summary>
    public static readonly JsonSerializerOptions SharedOptions = Create(indented: false, shareContainers: true);

    private static JsonSerializerOptions Create(bool indented, bool shareContainers = false)
    {
        var o = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = indented,
            // Kubernetes emits <, >, & and non-ASCII literally; so do we (kubectl diff compares bytes).
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            NumberHandling = JsonNumberHandling.Strict,
            AllowTrailingCommas = false,
        };
        o.Converters.Add(new KubeTimeConverter());
        o.Converters.Add(new SharedStringConverter());
        if (shareContainers) foreach (var c in SharedContainers.Converters) o.Converters.Add(c);
        o.TypeInfoResolver = JsonTypeInfoResolver.Combine(KubeJsonContext.Default, new DefaultJsonTypeInfoResolver());
        o.MakeReadOnly();
        return o;
    }

    public static T Deserialize<T>(JsonNode node) => node.Deserialize<T>(Options)
        ?? throw new JsonException("null object");

    public static T Deserialize<T>(ReadOnlySpan<byte> utf8) => JsonSerializer.Deserialize<T>(utf8, Options)
        ?? throw new JsonException("null object");

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static JsonObject ToNode<T>(T value) => (JsonObject)JsonSerializer.SerializeToNode(value, Options)!;
}

/// <summary>metav1.Time: RFC 3339 with second precision in UTC ("2024-01-02T03:04:05Z").</summary>
public sealed class KubeTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        // Fast path, no string: what Kubernetes writes ("…Z") through the reader's own ISO 8601 parser. Without a zone the
        // reader would assume local time where we assume UTC, so anything else takes the general parse below.
        if (reader.TokenType == JsonTokenType.String && !reader.HasValueSequence && !reader.ValueIsEscaped
            && reader.ValueSpan is [.., (byte)'Z'] && reader.TryGetDateTimeOffset(out var utc))
            return utc.ToUniversalTime();
        var s = reader.GetString();
        if (s is null || !DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var t))
            throw new JsonException($"invalid time \"{s}\": expected RFC 3339");
        return t.ToUniversalTime();
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        // "s" is yyyy-MM-ddTHH:mm:ss, formatted without parsing a custom pattern on every write.
        Span<byte> text = stackalloc byte[24];
        value.UtcDateTime.TryFormat(text, out int n, "s", System.Globalization.CultureInfo.InvariantCulture);
        text[n++] = (byte)'Z';
        writer.WriteStringValue(text[..n]);
    }
}

/// <summary>metav1.MicroTime: RFC 3339 with microseconds ("2024-01-02T03:04:05.123456Z"), used by Lease and events.k8s.io.</summary>
public sealed class MicroTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => new KubeTimeConverter().Read(ref reader, typeToConvert, options);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
        => writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
}
