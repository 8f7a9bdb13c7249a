using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Api.Meta;

/// <summary>
/// resource.Quantity: an exact decimal amount with a suffix family (binary Ki.., decimal k.., or exponent).
/// Parsing, comparison and canonical printing follow apimachinery's quantity.go exactly: "0.5Gi" prints "512Mi".
/// PLACEHOLDER IMPLEMENTATION: the contract (members) is fixed; the exact arithmetic is being written.
/// </summary>
[JsonConverter(typeof(QuantityJsonConverter))]
public readonly struct Quantity : IComparable<Quantity>, IEquatable<Quantity>
{
    private readonly decimal _value;
    private readonly string _text;

    private Quantity(decimal value, string text) { _value = value; _text = text; }

    public const string FormatError = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

    public static bool TryParse(string? s, out Quantity q, out string error)
    {
        q = default; error = FormatError;
        if (string.IsNullOrEmpty(s)) return false;
        var suffixes = new (string S, decimal M)[] { ("Ki", 1024m), ("Mi", 1024m * 1024), ("Gi", 1024m * 1024 * 1024), ("Ti", 1024m * 1024 * 1024 * 1024), ("m", 0.001m), ("k", 1000m), ("M", 1e6m), ("G", 1e9m), ("T", 1e12m) };
        foreach (var (suf, mul) in suffixes)
            if (s.EndsWith(suf, StringComparison.Ordinal) && decimal.TryParse(s[..^suf.Length], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d))
            { q = new Quantity(d * mul, s); error = ""; return true; }
        if (decimal.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v))
        { q = new Quantity(v, s); error = ""; return true; }
        return false;
    }

    public static Quantity Parse(string s) => TryParse(s, out var q, out var e) ? q : throw new FormatException(e);

    public static Quantity FromBytes(long bytes) => new(bytes, bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>-1, 0 or 1.</summary>
    public int Sign => Math.Sign(_value);
    public bool IsZero => _value == 0;
    /// <summary>The value rounded up to a whole number (bytes for storage), saturating at long.MaxValue.</summary>
    public long Value => _value >= long.MaxValue ? long.MaxValue : (long)Math.Ceiling(_value);
    /// <summary>The value in thousandths (milli-units), for CPU.</summary>
    public long MilliValue => (long)Math.Ceiling(_value * 1000);

    public int CompareTo(Quantity other) => _value.CompareTo(other._value);
    public bool Equals(Quantity other) => _value == other._value;
    public override bool Equals(object? obj) => obj is Quantity q && Equals(q);
    public override int GetHashCode() => _value.GetHashCode();
    public static bool operator <(Quantity a, Quantity b) => a.CompareTo(b) < 0;
    public static bool operator >(Quantity a, Quantity b) => a.CompareTo(b) > 0;
    public static bool operator <=(Quantity a, Quantity b) => a.CompareTo(b) <= 0;
    public static bool operator >=(Quantity a, Quantity b) => a.CompareTo(b) >= 0;
    public static bool operator ==(Quantity a, Quantity b) => a.Equals(b);
    public static bool operator !=(Quantity a, Quantity b) => !a.Equals(b);

    /// <summary>The canonical form ("512Mi").</summary>
    public override string ToString() => _text ?? "0";
}

public sealed class QuantityJsonConverter : JsonConverter<Quantity>
{
    public override Quantity Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? s = reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan),
            _ => throw new JsonException("quantity must be a string or a number"),
        };
        return Quantity.TryParse(s, out var q, out var err) ? q : throw new JsonException(err);
    }

    public override void Write(Utf8JsonWriter writer, Quantity value, JsonSerializerOptions options)
        => writer.WriteStringValue(value.ToString());
}
