using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Api.Meta;

/// <summary>intstr.IntOrString: an int32 or a string (ports, maxSurge "25%"). JSON: number ↔ int, string ↔ string.</summary>
[JsonConverter(typeof(IntOrStringJsonConverter))]
public readonly struct IntOrString : IEquatable<IntOrString>
{
    private readonly string? _str;

    private readonly bool _isString;

    /// <summary>True for an int (also for the default value, which is the int 0, as upstream's zero value).</summary>
    public bool IsInt => !_isString;
    public bool IsString => _isString;
    /// <summary>The int value (0 for a string).</summary>
    public int IntVal { get; }
    /// <summary>The string value ("" for an int).</summary>
    public string StrVal => _str ?? "";

    private IntOrString(bool isInt, int i, string? s) { _isString = !isInt; IntVal = i; _str = s; }

    public static IntOrString FromInt(int value) => new(true, value, null);
    public static IntOrString FromString(string value) => new(false, 0, value);
    public static implicit operator IntOrString(int value) => FromInt(value);
    public static implicit operator IntOrString(string value) => FromString(value);

    /// <summary>intstr.Parse: an int32 if the text is one, otherwise a string.</summary>
    public static IntOrString Parse(string value)
        => GoAtoi(value, out var i) && i >= int.MinValue && i <= int.MaxValue ? FromInt((int)i) : FromString(value);

    /// <summary>IntValue: the int, or the string parsed with strconv.Atoi (0 when it is not a number).</summary>
    public int IntValue() => IsInt ? IntVal : GoAtoi(StrVal, out var i) ? unchecked((int)i) : 0;

    /// <summary>The string value (StrVal for a string, the decimal int otherwise).</summary>
    public string StringValue => IsInt ? IntVal.ToString(CultureInfo.InvariantCulture) : StrVal;

    public override string ToString() => IsInt ? IntValue().ToString(CultureInfo.InvariantCulture) : StrVal;

    /// <summary>
    /// intstr.GetScaledValueFromIntOrPercent: an int as is; "N%" scaled to <paramref name="total"/>, rounded up or down.
    /// Throws <see cref="FormatException"/> with upstream's message for anything else
    /// (e.g. "invalid value for IntOrString: invalid type: string is not a percentage").
    /// </summary>
    public int GetScaledValueFromIntOrPercent(int total, bool roundUp)
    {
        if (IsInt) return IntVal;
        var s = StrVal;
        if (!s.EndsWith('%'))
            throw new FormatException("invalid value for IntOrString: invalid type: string is not a percentage");
        var num = s[..^1];
        if (!GoAtoi(num, out var v, out var why))
            throw new FormatException($"invalid value for IntOrString: invalid value \"{s}\": strconv.Atoi: parsing \"{num}\": {why}");
        var scaled = (double)v * total / 100;
        return (int)(roundUp ? Math.Ceiling(scaled) : Math.Floor(scaled));
    }

    /// <summary>GetScaledValueFromIntOrPercent for an optional value: null gives "nil value for IntOrString".</summary>
    public static int GetScaledValueFromIntOrPercent(IntOrString? value, int total, bool roundUp)
        => value is { } v ? v.GetScaledValueFromIntOrPercent(total, roundUp) : throw new FormatException("nil value for IntOrString");

    public static bool TryGetScaledValueFromIntOrPercent(IntOrString? value, int total, bool roundUp, out int result, out string error)
    {
        try { result = GetScaledValueFromIntOrPercent(value, total, roundUp); error = ""; return true; }
        catch (FormatException e) { result = 0; error = e.Message; return false; }
    }

    private static bool GoAtoi(string s, out long v) => GoAtoi(s, out v, out _);

    /// <summary>strconv.Atoi (64-bit int): optional sign, decimal digits only.</summary>
    private static bool GoAtoi(string s, out long v, out string why)
    {
        v = 0; why = "invalid syntax";
        if (s.Length == 0) return false;
        int start = s[0] is '+' or '-' ? 1 : 0;
        if (start == s.Length) return false;
        for (int i = start; i < s.Length; i++) if (s[i] < '0' || s[i] > '9') return false;
        if (!long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v)) { why = "value out of range"; return false; }
        return true;
    }

    public bool Equals(IntOrString other) => IsInt == other.IsInt && IntVal == other.IntVal && StrVal == other.StrVal;
    public override bool Equals(object? obj) => obj is IntOrString o && Equals(o);
    public override int GetHashCode() => HashCode.Combine(IsInt, IntVal, StrVal);
    public static bool operator ==(IntOrString a, IntOrString b) => a.Equals(b);
    public static bool operator !=(IntOrString a, IntOrString b) => !a.Equals(b);
}

public sealed class IntOrStringJsonConverter : JsonConverter<IntOrString>
{
    public override IntOrString Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return IntOrString.FromString(reader.GetString()!);
            case JsonTokenType.Number:
                if (reader.TryGetInt32(out var i)) return IntOrString.FromInt(i);
                var raw = System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan);
                throw new JsonException($"json: cannot unmarshal number {raw} into Go value of type int32");
            default:
                throw new JsonException("json: cannot unmarshal " + (reader.TokenType switch
                {
                    JsonTokenType.True or JsonTokenType.False => "bool",
                    JsonTokenType.StartObject => "object",
                    JsonTokenType.StartArray => "array",
                    _ => reader.TokenType.ToString(),
                }) + " into Go value of type int32");
        }
    }

    public override void Write(Utf8JsonWriter writer, IntOrString value, JsonSerializerOptions options)
    {
        if (value.IsInt) writer.WriteNumberValue(value.IntVal);
        else writer.WriteStringValue(value.StrVal);
    }
}
