using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Api.Meta;

/// <summary>The three ways a <see cref="Quantity"/> prints (resource.Format).</summary>
public enum QuantityFormat
{
    /// <summary>e.g. 12e6. Also what a quantity with no format (the zero value) prints as.</summary>
    DecimalExponent = 0,
    /// <summary>e.g. 12Mi (12 * 2^20).</summary>
    BinarySI = 1,
    /// <summary>e.g. 12M (12 * 10^6).</summary>
    DecimalSI = 2,
}

/// <summary>
/// resource.Quantity: an exact decimal amount with a suffix family (binary Ki.., decimal k.., or exponent).
/// A port of apimachinery/pkg/api/resource (quantity.go, amount.go, suffix.go): parsing (including the
/// nano round-up and the binary cap at 2^63-1), exact comparison, and canonical printing ("0.5Gi" prints "512Mi").
/// Like upstream, a parsed string that is already canonical (by upstream's cheap test) is remembered and
/// printed back verbatim (so "+1Ki" prints "+1Ki" and "1E3" prints "1E3", exactly as the apiserver does).
/// The value is held as mantissa * 10^exponent with the mantissa free of trailing decimal zeros.
/// </summary>
[JsonConverter(typeof(QuantityJsonConverter))]
public readonly struct Quantity : IComparable<Quantity>, IEquatable<Quantity>
{
    // value = _m * 10^_e, _m has no factor of 10 (or is zero, then _e == 0).
    private readonly BigInteger _m;
    private readonly long _e;
    private readonly string? _s;

    public QuantityFormat Format { get; }

    private Quantity(BigInteger m, long e, QuantityFormat format, string? s = null)
    {
        if (m.IsZero) e = 0;
        else
        {
            while (true)
            {
                var q = BigInteger.DivRem(m, 10, out var r);
                if (!r.IsZero) break;
                m = q; e++;
            }
        }
        _m = m; _e = e; Format = format; _s = s;
    }

    public const string FormatError = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    /// <summary>resource.ErrNumeric.</summary>
    public const string NumericError = "unable to parse numeric part of quantity";
    /// <summary>resource.ErrSuffix.</summary>
    public const string SuffixError = "unable to parse quantity's suffix";

    /// <summary>The largest value for which <see cref="MilliValue"/> does not overflow (resource.MaxMilliValue).</summary>
    public const long MaxMilliValue = long.MaxValue / 1000;

    public static readonly Quantity Zero = default;

    private const int Nano = -9;
    private const int MaxInt64Factors = 18;
    private static readonly BigInteger MaxAllowed = long.MaxValue;

    // ---------------------------------------------------------------- parsing

    /// <summary>resource.ParseQuantity. On failure <paramref name="error"/> is upstream's error text
    /// (<see cref="FormatError"/>, <see cref="SuffixError"/> or <see cref="NumericError"/>).</summary>
    public static bool TryParse(string? s, out Quantity q, out string error)
    {
        q = default;
        error = FormatError;
        if (string.IsNullOrEmpty(s)) return false;
        if (s == "0") { q = new Quantity(BigInteger.Zero, 0, QuantityFormat.DecimalSI, s); error = ""; return true; }

        if (!ParseQuantityString(s, out var positive, out var num, out var denom, out var suf))
            return false;

        if (!InterpretSuffix(suf, out var b, out var exponent, out var format))
        {
            error = SuffixError;
            return false;
        }

        // The int64 fast path of upstream: only its effect on the remembered string matters, because
        // the value it produces equals the exact value computed below.
        long precision = 0;
        long scale = 0;
        switch (format)
        {
            case QuantityFormat.DecimalExponent:
            case QuantityFormat.DecimalSI:
                scale = exponent;
                precision = MaxInt64Factors - (num.Length + denom.Length);
                break;
            case QuantityFormat.BinarySI:
                scale = 0;
                if (exponent >= 0 && denom.Length == 0)
                    precision = 15 - num.Length - (int)((float)exponent * 3 / 10) - 1;
                else
                    precision = -1;
                break;
        }

        string? remembered = null;
        bool fastPath = false;
        if (precision >= 0)
        {
            scale -= denom.Length;
            if (scale >= Nano)
            {
                var shifted = num + denom;
                if (!long.TryParse(shifted, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                {
                    error = NumericError;
                    return false;
                }
                long mantissa = format == QuantityFormat.BinarySI ? 1L << exponent : 1;
                if (Int64Multiply(value, mantissa, out _))
                {
                    fastPath = true;
                    if (format == QuantityFormat.BinarySI)
                    {
                        if (exponent % 10 == 0 && (value & 0x07) != 0) remembered = s;
                    }
                    else if (scale % 3 == 0 && !shifted.EndsWith("000", StringComparison.Ordinal) && shifted[0] != '0')
                    {
                        remembered = s;
                    }
                }
            }
        }

        // The exact value: digits * 10^-len(denom) * base^exponent.
        var m = BigInteger.Parse(num + denom, NumberStyles.None, CultureInfo.InvariantCulture);
        long e = -denom.Length;
        if (b == 10) e += exponent;
        else m <<= exponent;

        if (fastPath)
        {
            // Upstream keeps an int64Amount: no rounding (scale >= nano already) and no cap.
            q = new Quantity(positive ? m : -m, e, format, remembered);
            error = "";
            return true;
        }

        // inf.Dec path: round non-zero values up to nano precision, cap binary values, demote tiny binary values.
        if (!m.IsZero) RoundUpToScale(ref m, ref e, Nano);
        if (format == QuantityFormat.BinarySI && CompareMagnitude(m, e, MaxAllowed, 0) > 0) { m = MaxAllowed; e = 0; }
        if (format == QuantityFormat.BinarySI && !m.IsZero && CompareMagnitude(m, e, BigInteger.One, 0) < 0)
            format = QuantityFormat.DecimalSI;

        q = new Quantity(positive ? m : -m, e, format);
        error = "";
        return true;
    }

    public static Quantity Parse(string s) => TryParse(s, out var q, out var e) ? q : throw new FormatException(e);

    /// <summary>resource.MustParse-like alias for readability in code.</summary>
    public static Quantity MustParse(string s) => Parse(s);

    /// <summary>parseQuantityString: sign, numerator (leading zeros stripped, "0" if none), denominator and suffix.</summary>
    private static bool ParseQuantityString(string str, out bool positive, out string num, out string denom, out string suffix)
    {
        positive = true; num = ""; denom = ""; suffix = "";
        int pos = 0, end = str.Length;
        if (pos < end)
        {
            if (str[0] == '-') { positive = false; pos++; }
            else if (str[0] == '+') pos++;
        }
        // strip leading zeros
        while (true)
        {
            if (pos >= end) { num = "0"; return true; }
            if (str[pos] == '0') pos++; else break;
        }
        // numerator
        int i = pos;
        while (i < end && IsDigit(str[i])) i++;
        if (i >= end) { num = str[pos..end]; return true; }
        num = str[pos..i];
        pos = i;
        if (num.Length == 0) num = "0";
        // denominator
        if (pos < end && str[pos] == '.')
        {
            pos++;
            i = pos;
            while (i < end && IsDigit(str[i])) i++;
            if (i >= end) { denom = str[pos..end]; return true; }
            denom = str[pos..i];
            pos = i;
        }
        // suffix: letters, optional sign, digits
        int suffixStart = pos;
        i = pos;
        while (i < end && "eEinumkKMGTP".Contains(str[i])) i++;
        if (i >= end) { suffix = str[suffixStart..end]; return true; }
        pos = i;
        if (str[pos] == '-' || str[pos] == '+') pos++;
        i = pos;
        while (i < end && IsDigit(str[i])) i++;
        if (i >= end) { suffix = str[suffixStart..end]; return true; }
        return false;
    }

    private static bool IsDigit(char c) => c >= '0' && c <= '9';

    private static bool InterpretSuffix(string s, out int b, out int exponent, out QuantityFormat format)
    {
        format = QuantityFormat.DecimalSI; b = 10; exponent = 0;
        switch (s)
        {
            case "": return true;
            case "n": exponent = -9; return true;
            case "u": exponent = -6; return true;
            case "m": exponent = -3; return true;
            case "k": exponent = 3; return true;
            case "M": exponent = 6; return true;
            case "G": exponent = 9; return true;
            case "T": exponent = 12; return true;
            case "P": exponent = 15; return true;
            case "E": exponent = 18; return true;
        }
        format = QuantityFormat.BinarySI; b = 2;
        switch (s)
        {
            case "Ki": exponent = 10; return true;
            case "Mi": exponent = 20; return true;
            case "Gi": exponent = 30; return true;
            case "Ti": exponent = 40; return true;
            case "Pi": exponent = 50; return true;
            case "Ei": exponent = 60; return true;
        }
        format = QuantityFormat.DecimalExponent; b = 10;
        if (s.Length > 1 && (s[0] == 'e' || s[0] == 'E'))
        {
            // strconv.ParseInt(s[1:], 10, 64), then int32(...) as upstream does.
            var rest = s[1..];
            if (rest.Length == 0) return false;
            int start = rest[0] is '+' or '-' ? 1 : 0;
            if (start == rest.Length) return false;
            for (int k = start; k < rest.Length; k++) if (!IsDigit(rest[k])) return false;
            if (!long.TryParse(rest, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)) return false;
            exponent = unchecked((int)parsed);
            return true;
        }
        return false;
    }

    private static bool Int64Multiply(long a, long b, out long c)
    {
        try { c = checked(a * b); return true; }
        catch (OverflowException) { c = 0; return false; }
    }

    // ---------------------------------------------------------------- construction

    /// <summary>resource.NewQuantity(value, format).</summary>
    public static Quantity FromValue(long value, QuantityFormat format) => new(value, 0, format);

    /// <summary>A byte count (resource.NewQuantity(bytes, resource.BinarySI)): 1073741824 prints "1Gi".</summary>
    public static Quantity FromBytes(long bytes) => new(bytes, 0, QuantityFormat.BinarySI);

    /// <summary>resource.NewMilliQuantity(value, format): value/1000 ("1500" milli prints "1500m" in DecimalSI).</summary>
    public static Quantity FromMilli(long milli, QuantityFormat format = QuantityFormat.DecimalSI) => new(milli, -3, format);

    /// <summary>resource.NewScaledQuantity(value, scale): value * 10^scale in DecimalSI.</summary>
    public static Quantity FromScaled(long value, int scale) => new(value, scale, QuantityFormat.DecimalSI);

    /// <summary>An exact decimal value in the given format (resource.NewDecimalQuantity).</summary>
    public static Quantity FromDecimal(decimal value, QuantityFormat format)
    {
        var bits = decimal.GetBits(value);
        var scale = (bits[3] >> 16) & 0xFF;
        var lo = (uint)bits[0]; var mid = (uint)bits[1]; var hi = (uint)bits[2];
        var m = ((BigInteger)hi << 64) | ((BigInteger)mid << 32) | lo;
        if (value < 0) m = -m;
        return new Quantity(m, -scale, format);
    }

    // ---------------------------------------------------------------- accessors

    /// <summary>-1, 0 or 1.</summary>
    public int Sign => _m.Sign;
    public bool IsZero => _m.IsZero;

    /// <summary>The value rounded up (away from zero) to a whole number (bytes for storage), saturating at long.MinValue/MaxValue.</summary>
    public long Value => ScaledValue(0);

    /// <summary>The value in thousandths (milli-units, for CPU), rounded up away from zero, saturating.</summary>
    public long MilliValue => ScaledValue(-3);

    /// <summary>ceil(q / 10^scale) (rounded away from zero), saturating at the long range instead of overflowing.</summary>
    public long ScaledValue(int scale)
    {
        if (_m.IsZero) return 0;
        var (m, e) = (_m, _e);
        RoundUpToScale(ref m, ref e, scale);
        // value / 10^scale == m * 10^(e - scale), an integer now.
        long shift = e - scale;
        var limit = m.Sign > 0 ? (BigInteger)long.MaxValue : (BigInteger)long.MinValue;
        if (shift > 19) return (long)limit;
        var r = m * BigInteger.Pow(10, (int)shift);
        if (r > long.MaxValue) return long.MaxValue;
        if (r < long.MinValue) return long.MinValue;
        return (long)r;
    }

    /// <summary>The value as a double (may lose precision; ±Infinity when out of range).</summary>
    public double AsApproximateDouble()
    {
        if (_m.IsZero) return 0;
        if (_e > 400) return _m.Sign > 0 ? double.PositiveInfinity : double.NegativeInfinity;
        if (_e < -400) return 0;
        return double.Parse(_m.ToString(CultureInfo.InvariantCulture) + "e" + _e.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    // ---------------------------------------------------------------- arithmetic

    /// <summary>q + y. If q is zero, the result takes y's format (Quantity.Add).</summary>
    public Quantity Add(Quantity y)
    {
        var format = IsZero ? y.Format : Format;
        var (m, e) = Sum(_m, _e, y._m, y._e);
        return new Quantity(m, e, format);
    }

    /// <summary>q - y. If q is zero, the result takes y's format (Quantity.Sub).</summary>
    public Quantity Sub(Quantity y)
    {
        var format = IsZero ? y.Format : Format;
        var (m, e) = Sum(_m, _e, -y._m, y._e);
        return new Quantity(m, e, format);
    }

    /// <summary>-q (Quantity.Neg).</summary>
    public Quantity Neg() => new(-_m, _e, Format);

    /// <summary>q * y (Quantity.Mul); exact.</summary>
    public Quantity Mul(long y) => new(_m * y, _e, Format);

    /// <summary>The value rounded up (away from zero) to 10^scale, and whether that was exact (Quantity.RoundUp).</summary>
    public Quantity RoundUp(int scale, out bool exact)
    {
        var (m, e) = (_m, _e);
        exact = !RoundUpToScale(ref m, ref e, scale);
        return exact ? this : new Quantity(m, e, Format);
    }

    /// <summary>The same value printed in another format.</summary>
    public Quantity WithFormat(QuantityFormat format) => new(_m, _e, format);

    public static Quantity operator +(Quantity a, Quantity b) => a.Add(b);
    public static Quantity operator -(Quantity a, Quantity b) => a.Sub(b);
    public static Quantity operator -(Quantity a) => a.Neg();

    private static (BigInteger, long) Sum(BigInteger m1, long e1, BigInteger m2, long e2)
    {
        if (m1.IsZero) return (m2, e2);
        if (m2.IsZero) return (m1, e1);
        if (e1 == e2) return (m1 + m2, e1);
        if (e1 > e2) return (m1 * BigInteger.Pow(10, checked((int)(e1 - e2))) + m2, e2);
        return (m1 + m2 * BigInteger.Pow(10, checked((int)(e2 - e1))), e1);
    }

    /// <summary>Rounds m*10^e away from zero to a multiple of 10^scale. Returns true when precision was lost.</summary>
    private static bool RoundUpToScale(ref BigInteger m, ref long e, long scale)
    {
        if (m.IsZero || e >= scale) return false;
        long drop = scale - e;
        var digits = DigitCount(m);
        if (drop > digits)
        {
            // |value| < 10^scale: rounds to one unit of 10^scale.
            m = m.Sign; e = scale;
            return true;
        }
        var q = BigInteger.DivRem(m, BigInteger.Pow(10, (int)drop), out var r);
        if (!r.IsZero) q += m.Sign;
        m = q; e = scale;
        return !r.IsZero;
    }

    private static long DigitCount(BigInteger m)
    {
        m = BigInteger.Abs(m);
        if (m.IsZero) return 1;
        // Estimate through the bit length, then correct.
        long est = (long)Math.Floor((double)(m.GetBitLength() - 1) * 0.30102999566398119521) + 1;
        var p = BigInteger.Pow(10, (int)Math.Max(0, est - 1));
        while (p > m) { est--; p /= 10; }
        while (p * 10 <= m) { est++; p *= 10; }
        return est;
    }

    /// <summary>Compares |m1*10^e1| with |m2*10^e2| without materialising huge powers.</summary>
    private static int CompareMagnitude(BigInteger m1, long e1, BigInteger m2, long e2)
    {
        m1 = BigInteger.Abs(m1); m2 = BigInteger.Abs(m2);
        if (m1.IsZero || m2.IsZero) return m1.IsZero ? (m2.IsZero ? 0 : -1) : 1;
        long a1 = DigitCount(m1) + e1, a2 = DigitCount(m2) + e2;
        if (a1 != a2) return a1 < a2 ? -1 : 1;
        if (e1 > e2) m1 *= BigInteger.Pow(10, (int)(e1 - e2));
        else if (e2 > e1) m2 *= BigInteger.Pow(10, (int)(e2 - e1));
        return m1.CompareTo(m2);
    }

    // ---------------------------------------------------------------- comparison

    /// <summary>Exact comparison of the values (formats are ignored): 1G &lt; 1Gi.</summary>
    public int CompareTo(Quantity other)
    {
        int s1 = _m.Sign, s2 = other._m.Sign;
        if (s1 != s2) return s1 < s2 ? -1 : 1;
        if (s1 == 0) return 0;
        var c = CompareMagnitude(_m, _e, other._m, other._e);
        return s1 > 0 ? c : -c;
    }

    /// <summary>Quantity.CmpInt64.</summary>
    public int CompareTo(long y) => CompareTo(new Quantity(y, 0, QuantityFormat.DecimalSI));

    /// <summary>Value equality (Quantity.Equal): "1Gi" equals "1024Mi" and "1073741824".</summary>
    public bool Equals(Quantity other) => _m == other._m && _e == other._e;
    public override bool Equals(object? obj) => obj is Quantity q && Equals(q);
    public override int GetHashCode() => HashCode.Combine(_m, _e);
    public static bool operator <(Quantity a, Quantity b) => a.CompareTo(b) < 0;
    public static bool operator >(Quantity a, Quantity b) => a.CompareTo(b) > 0;
    public static bool operator <=(Quantity a, Quantity b) => a.CompareTo(b) <= 0;
    public static bool operator >=(Quantity a, Quantity b) => a.CompareTo(b) >= 0;
    public static bool operator ==(Quantity a, Quantity b) => a.Equals(b);
    public static bool operator !=(Quantity a, Quantity b) => !a.Equals(b);

    public static Quantity Max(Quantity a, Quantity b) => a >= b ? a : b;
    public static Quantity Min(Quantity a, Quantity b) => a <= b ? a : b;

    // ---------------------------------------------------------------- printing

    /// <summary>The canonical form ("512Mi"), or the parsed text when upstream would have kept it.</summary>
    public override string ToString() => _s ?? Canonicalize();

    /// <summary>Always the computed canonical form, ignoring any remembered input text.</summary>
    public string ToCanonicalString() => Canonicalize();

    /// <summary>CanonicalizeBytes: the mantissa and suffix, exactly as upstream computes them.</summary>
    private string Canonicalize()
    {
        if (_m.IsZero) return "0";
        var format = Format;
        BigInteger rounded = default;
        if (format == QuantityFormat.BinarySI)
        {
            if (CompareTo(-1024) > 0 && CompareTo(1024) < 0)
            {
                format = QuantityFormat.DecimalSI;
            }
            else
            {
                var (m, e) = (_m, _e);
                if (RoundUpToScale(ref m, ref e, 0)) format = QuantityFormat.DecimalSI;
                else rounded = e > 0 ? m * BigInteger.Pow(10, (int)e) : m;
            }
        }

        if (format != QuantityFormat.BinarySI)
        {
            // AsCanonicalBytes: factors of 10 are already in the exponent; make the exponent a multiple of 3.
            var amount = _m;
            long exponent = _e;
            while (exponent % 3 != 0) { amount *= 10; exponent--; }
            var number = amount.ToString(CultureInfo.InvariantCulture);
            return number + DecimalSuffix(exponent, format);
        }
        else
        {
            // AsCanonicalBase1024Bytes.
            var amount = rounded;
            int exponent = 0;
            while (!amount.IsZero)
            {
                var q = BigInteger.DivRem(amount, 1024, out var r);
                if (!r.IsZero) break;
                amount = q; exponent++;
            }
            return amount.ToString(CultureInfo.InvariantCulture) + BinarySuffix(exponent * 10);
        }
    }

    private static string DecimalSuffix(long exponent, QuantityFormat format)
    {
        if (format == QuantityFormat.DecimalExponent)
            return exponent == 0 ? "" : "e" + exponent.ToString(CultureInfo.InvariantCulture);
        // The decimal table; upstream emits no suffix for an exponent outside it.
        return exponent switch
        {
            -9 => "n",
            -6 => "u",
            -3 => "m",
            0 => "",
            3 => "k",
            6 => "M",
            9 => "G",
            12 => "T",
            15 => "P",
            18 => "E",
            _ => "",
        };
    }

    private static string BinarySuffix(int exponent) => exponent switch
    {
        10 => "Ki",
        20 => "Mi",
        30 => "Gi",
        40 => "Ti",
        50 => "Pi",
        60 => "Ei",
        _ => "",
    };
}

/// <summary>Reads a quantity from a JSON string or number (whitespace trimmed, as UnmarshalJSON does; null is zero)
/// and writes its string form.</summary>
public sealed class QuantityJsonConverter : JsonConverter<Quantity>
{
    public override bool HandleNull => true;

    public override Quantity Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? s = reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number => Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan),
            _ => throw new JsonException("quantity must be a string or a number"),
        };
        if (s is null) return default;
        return Quantity.TryParse(s.Trim(), out var q, out var err) ? q : throw new JsonException(err);
    }

    public override void Write(Utf8JsonWriter writer, Quantity value, JsonSerializerOptions options)
        => writer.WriteStringValue(value.ToString());
}
