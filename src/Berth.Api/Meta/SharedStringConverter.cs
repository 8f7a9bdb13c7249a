using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Api.Meta;

/// <summary>
/// Reads short JSON strings through a small table of recently read ones, so that values which recur across thousands
/// of objects — label and annotation keys and values, access modes, phases, kinds, quantities, "default" — are one
/// string each in memory rather than one per object (they were most of what a cached PersistentVolume's decoded form
/// weighs). The table is lossy and lock-free: a slot holds the last string read with its hash, so unique values (names,
/// uids) just pass through and replace each other, and a race between readers costs at most a miss.
/// </summary>
public sealed class SharedStringConverter : JsonConverter<string>
{
    private const int MaxBytes = 64;
    private const int Slots = 8192; // a power of two
    private static readonly string?[] Table = new string?[Slots];

    public override bool HandleNull => false;

    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Read(ref reader);

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Read(ref reader);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

    /// <summary>The current string or property name, shared when short.</summary>
    public static string Read(ref Utf8JsonReader reader)
    {
        // Escaped, split or long values, and anything that is not a string (GetString throws as the built-in converter does).
        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName) || reader.ValueIsEscaped
            || reader.HasValueSequence || reader.ValueSpan.Length > MaxBytes)
            return reader.GetString()!;
        var utf8 = reader.ValueSpan;
        Span<char> chars = stackalloc char[utf8.Length];
        for (int i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] >= 0x80) return reader.GetString()!; // ASCII only: then one byte is one char
            chars[i] = (char)utf8[i];
        }
        return Share(chars);
    }

    /// <summary>The shared instance of a short ASCII string (JSON strings read above, cache keys' namespaces, labels
    /// scanned from stored JSON); other strings are returned as new ones.</summary>
    public static string Share(ReadOnlySpan<char> chars)
    {
        if (chars.Length > MaxBytes) return chars.ToString();
        uint hash = 2166136261;
        for (int i = 0; i < chars.Length; i++)
        {
            char c = chars[i];
            if (c >= 0x80) return chars.ToString();
            hash = (hash ^ c) * 16777619;
        }
        ref string? slot = ref Table[hash & (Slots - 1)];
        var seen = Volatile.Read(ref slot);
        if (seen is not null && chars.SequenceEqual(seen)) return seen;
        var s = chars.ToString();
        Volatile.Write(ref slot, s);
        return s;
    }
}
