using System.Text.Json;
using Berth.Api.Meta;

namespace Berth.Api.Tests;

public class QuantityTests
{
    private const QuantityFormat DSI = QuantityFormat.DecimalSI;
    private const QuantityFormat BSI = QuantityFormat.BinarySI;
    private const QuantityFormat DE = QuantityFormat.DecimalExponent;

    private static Quantity Dec(long m, int exp, QuantityFormat f) => Quantity.FromScaled(m, exp).WithFormat(f);

    // upstream TestQuantityParse
    public static TheoryData<string, long, int, QuantityFormat> ParseTable() => new()
    {
        { "0", 0, 0, DSI }, { "0n", 0, 0, DSI }, { "0u", 0, 0, DSI }, { "0m", 0, 0, DSI }, { "0Ki", 0, 0, BSI },
        { "0k", 0, 0, DSI }, { "0Mi", 0, 0, BSI }, { "0M", 0, 0, DSI }, { "0Gi", 0, 0, BSI }, { "0G", 0, 0, DSI },
        { "0Ti", 0, 0, BSI }, { "0T", 0, 0, DSI },
        { "1", 1, 0, DSI },
        { "1Ki", 1024, 0, BSI }, { "8Ki", 8 * 1024, 0, BSI }, { "7Mi", 7 * 1024 * 1024, 0, BSI },
        { "6Gi", 6L * 1024 * 1024 * 1024, 0, BSI }, { "5Ti", 5L * 1024 * 1024 * 1024 * 1024, 0, BSI },
        { "4Pi", 4L * 1024 * 1024 * 1024 * 1024 * 1024, 0, BSI }, { "3Ei", 3L * 1024 * 1024 * 1024 * 1024 * 1024 * 1024, 0, BSI },
        { "10Ti", 10L * 1024 * 1024 * 1024 * 1024, 0, BSI }, { "100Ti", 100L * 1024 * 1024 * 1024 * 1024, 0, BSI },
        { "5n", 5, -9, DSI }, { "4u", 4, -6, DSI }, { "3m", 3, -3, DSI }, { "9", 9, 0, DSI }, { "8k", 8, 3, DSI },
        { "50k", 5, 4, DSI }, { "7M", 7, 6, DSI }, { "6G", 6, 9, DSI }, { "5T", 5, 12, DSI }, { "40T", 4, 13, DSI },
        { "300T", 3, 14, DSI }, { "2P", 2, 15, DSI }, { "1E", 1, 18, DSI },
        { "1E-3", 1, -3, DE }, { "1e3", 1, 3, DE }, { "1E6", 1, 6, DE }, { "1e9", 1, 9, DE }, { "1E12", 1, 12, DE },
        { "1e15", 1, 15, DE }, { "1E18", 1, 18, DE },
        { "1e14", 1, 14, DE }, { "1e13", 1, 13, DE }, { "100.035k", 100035, 0, DSI },
        { "0.001", 1, -3, DSI }, { "0.0005k", 5, -1, DSI }, { "0.005", 5, -3, DSI }, { "0.05", 5, -2, DSI },
        { "0.5", 5, -1, DSI }, { "0.00050k", 5, -1, DSI }, { "0.00500", 5, -3, DSI }, { "0.05000", 5, -2, DSI },
        { "0.50000", 5, -1, DSI }, { "0.5e0", 5, -1, DE }, { "0.5e-1", 5, -2, DE }, { "0.5e-2", 5, -3, DE },
        { "10.035M", 10035, 3, DSI },
        { "1.2e3", 12, 2, DE }, { "1.3E+6", 13, 5, DE }, { "1.40e9", 14, 8, DE }, { "1.53E12", 153, 10, DE },
        { "1.6e15", 16, 14, DE }, { "1.7E18", 17, 17, DE },
        { "9.01", 901, -2, DSI }, { "8.1k", 81, 2, DSI }, { "7.123456M", 7123456, 0, DSI },
        { "6.987654321G", 6987654321, 0, DSI }, { "5.444T", 5444, 9, DSI }, { "40.1T", 401, 11, DSI },
        { "300.2T", 3002, 11, DSI }, { "2.5P", 25, 14, DSI }, { "1.01E", 101, 16, DSI },
        { "3.001n", 4, -9, DSI }, { "1.1E-9", 2, -9, DE }, { "0.0000000001", 1, -9, DSI }, { "0.0000000005", 1, -9, DSI },
        { "0.00000000050", 1, -9, DSI }, { "0.5e-9", 1, -9, DE }, { "0.9n", 1, -9, DSI },
        { "0.00000012345", 124, -9, DSI }, { "0.00000012354", 124, -9, DSI },
        { "9Ei", long.MaxValue, 0, BSI }, { "9223372036854775807Ki", long.MaxValue, 0, BSI }, { "12E", 12, 18, DSI },
        { "100.035Ki", 10243584, -2, BSI }, { "0.5Mi", 512 * 1024, 0, BSI }, { "0.05Gi", 536870912, -1, BSI },
        { "0.025Ti", 274877906944, -1, BSI },
        { "0.000000000001Ki", 2, -9, DSI }, { ".001", 1, -3, DSI }, { ".0001k", 100, -3, DSI }, { "1.", 1, 0, DSI },
        { "1.G", 1, 9, DSI },
    };

    [Theory]
    [MemberData(nameof(ParseTable))]
    public void Parse_MatchesUpstreamTable(string input, long m, int exp, QuantityFormat format)
    {
        var expect = Dec(m, exp, format);
        var got = Quantity.Parse(input);
        Assert.Equal(0, expect.CompareTo(got));
        Assert.Equal(expect, got);
        Assert.Equal(format, got.Format);

        var neg = Quantity.Parse("-" + input);
        Assert.Equal(expect.Neg(), neg);
        Assert.Equal(format, neg.Format);
        Assert.Equal(m == 0 ? 0 : -1, neg.Sign);

        var plus = Quantity.Parse("+" + input);
        Assert.Equal(expect, plus);
        Assert.Equal(format, plus.Format);
    }

    [Theory]
    [InlineData("1.1.M", Quantity.FormatError)]
    [InlineData("1+1.0M", Quantity.FormatError)]
    [InlineData("0.1mi", Quantity.SuffixError)]
    [InlineData("0.1am", Quantity.FormatError)]
    [InlineData("aoeu", Quantity.FormatError)]
    [InlineData(".5i", Quantity.SuffixError)]
    [InlineData("1i", Quantity.SuffixError)]
    [InlineData("-3.01i", Quantity.SuffixError)]
    [InlineData("-3.01e-", Quantity.SuffixError)]
    [InlineData(" 1", Quantity.FormatError)]
    [InlineData("1 ", Quantity.FormatError)]
    [InlineData("", Quantity.FormatError)]
    [InlineData(null, Quantity.FormatError)]
    [InlineData("1e", Quantity.SuffixError)]
    [InlineData("1Kib", Quantity.FormatError)]
    [InlineData("1Ki2", Quantity.SuffixError)]
    [InlineData("Non-Numeric", Quantity.FormatError)]
    public void Parse_RejectsInvalid(string? input, string error)
    {
        Assert.False(Quantity.TryParse(input, out _, out var err));
        Assert.Equal(error, err);
        if (input is not null) Assert.Throws<FormatException>(() => Quantity.Parse(input));
    }

    [Fact]
    public void FormatError_IsUpstreamText()
        => Assert.Equal("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'", Quantity.FormatError);

    // upstream TestQuantityString: value -> canonical, and an alternate spelling that canonicalises to it.
    public static TheoryData<long, int, QuantityFormat, string, string> StringTable() => new()
    {
        { 1024 * 1024 * 1024, 0, BSI, "1Gi", "1024Mi" },
        { 300 * 1024 * 1024, 0, BSI, "300Mi", "307200Ki" },
        { 6 * 1024, 0, BSI, "6Ki", "" },
        { 1001L * 1024 * 1024 * 1024, 0, BSI, "1001Gi", "1025024Mi" },
        { 1024L * 1024 * 1024 * 1024, 0, BSI, "1Ti", "1024Gi" },
        { 5, 0, BSI, "5", "5000m" },
        { 500, -3, BSI, "500m", "0.5" },
        { 1, 9, DSI, "1G", "1000M" },
        { 1000, 6, DSI, "1G", "0.001T" },
        { 1000000, 3, DSI, "1G", "" },
        { 1000000000, 0, DSI, "1G", "" },
        { 1, -3, DSI, "1m", "1000u" },
        { 80, -3, DSI, "80m", "" },
        { 1080, -3, DSI, "1080m", "1.08" },
        { 108, -2, DSI, "1080m", "1080000000n" },
        { 10800, -4, DSI, "1080m", "" },
        { 300, 6, DSI, "300M", "" },
        { 1, 12, DSI, "1T", "" },
        { 1234567, 6, DSI, "1234567M", "" },
        { 1234567, -3, BSI, "1234567m", "" },
        { 3, 3, DSI, "3k", "" },
        { 1025, 0, BSI, "1025", "" },
        { 0, 0, DSI, "0", "" },
        { 0, 0, BSI, "0", "" },
        { 1, 9, DE, "1e9", ".001e12" },
        { 1, -3, DE, "1e-3", "0.001e0" },
        { 1, -9, DE, "1e-9", "1000e-12" },
        { 80, -3, DE, "80e-3", "" },
        { 300, 6, DE, "300e6", "" },
        { 1, 12, DE, "1e12", "" },
        { 1, 3, DE, "1e3", "" },
        { 3, 3, DE, "3e3", "" },
        { 3, 3, DSI, "3k", "" },
        { 0, 0, DE, "0", "00" },
        { 1, -9, DSI, "1n", "" },
        { 80, -9, DSI, "80n", "" },
        { 1080, -9, DSI, "1080n", "" },
        { 108, -8, DSI, "1080n", "" },
        { 10800, -10, DSI, "1080n", "" },
        { 1, -6, DSI, "1u", "" },
        { 80, -6, DSI, "80u", "" },
        { 1080, -6, DSI, "1080u", "" },
    };

    [Theory]
    [MemberData(nameof(StringTable))]
    public void String_MatchesUpstreamTable(long m, int exp, QuantityFormat format, string expect, string alternate)
    {
        var q = Dec(m, exp, format);
        Assert.Equal(expect, q.ToString());
        Assert.Equal(expect, Quantity.Parse(expect).ToString());
        if (alternate.Length > 0) Assert.Equal(expect, Quantity.Parse(alternate).ToString());
        if (m != 0) Assert.Equal("-" + expect, q.Neg().ToString());
    }

    [Theory]
    // upstream TestQuantityParseEmit
    [InlineData("1Ki", "1Ki")]
    [InlineData("1Mi", "1Mi")]
    [InlineData("1Gi", "1Gi")]
    [InlineData("1024Mi", "1Gi")]
    [InlineData("1000M", "1G")]
    [InlineData(".001Ki", "1024m")]
    [InlineData(".000001Ki", "1024u")]
    [InlineData(".000000001Ki", "1024n")]
    [InlineData(".000000000001Ki", "2n")]
    // the brief's examples
    [InlineData("0.5Gi", "512Mi")]
    [InlineData("1.5Gi", "1536Mi")]
    [InlineData("1.5G", "1500M")]
    [InlineData("0.1", "100m")]
    [InlineData("1000Mi", "1000Mi")]
    [InlineData("1e3", "1e3")]
    [InlineData("500m", "500m")]
    [InlineData("0.1Gi", "107374182400m")]
    [InlineData("100", "100")]
    [InlineData("0", "0")]
    [InlineData("12e6", "12e6")]
    [InlineData("1.5", "1500m")]
    [InlineData("1000m", "1")]
    [InlineData("2048", "2048")]
    [InlineData("1023Ki", "1023Ki")]
    [InlineData("1025Mi", "1025Mi")]
    [InlineData("0.5Ki", "512")]
    [InlineData("1.5Ki", "1536")]
    [InlineData("1.1Ki", "1126400m")]
    [InlineData("8Ei", "9223372036854775807")]
    [InlineData("1E18", "1E18")]
    [InlineData("1e18", "1e18")]
    [InlineData("1000e3", "1e6")]
    [InlineData("120e5", "12e6")]
    [InlineData("0.0", "0")]
    [InlineData("1000E", "1")] // upstream prints no suffix beyond E (bug-compatible)
    [InlineData("1e-10", "1e-9")]
    [InlineData("1n", "1n")]
    [InlineData("0.1n", "1n")]
    [InlineData("100k", "100k")]
    [InlineData("1000k", "1M")]
    [InlineData("256Mi", "256Mi")]
    [InlineData("262144Ki", "256Mi")]
    [InlineData("4Gi", "4Gi")]
    public void ParseEmit(string input, string expect)
    {
        Assert.Equal(expect, Quantity.Parse(input).ToString());
        var neg = Quantity.Parse("-" + input);
        if (!neg.IsZero) Assert.Equal("-" + expect, neg.ToString());
    }

    [Theory]
    // Upstream remembers the parsed text when its cheap "already canonical" test passes.
    [InlineData("+1Ki", "+1Ki", "1Ki")]
    [InlineData("1E3", "1E3", "1e3")]
    [InlineData("1e+3", "1e+3", "1e3")]
    [InlineData("01", "01", "1")]
    [InlineData("+5", "+5", "5")]
    [InlineData("1024Ki", "1Mi", "1Mi")]
    [InlineData("1.0", "1", "1")]
    public void RemembersCanonicalLookingInput(string input, string printed, string canonical)
    {
        var q = Quantity.Parse(input);
        Assert.Equal(printed, q.ToString());
        Assert.Equal(canonical, q.ToCanonicalString());
    }

    [Theory]
    [InlineData("0", "0", 0)]
    [InlineData("100m", "50m", 1)]
    [InlineData("50m", "100m", -1)]
    [InlineData("10000T", "100Gi", 1)]
    [InlineData("1G", "1Gi", -1)]
    [InlineData("1Gi", "1024Mi", 0)]
    [InlineData("1Gi", "1073741824", 0)]
    [InlineData("1", "1000m", 0)]
    [InlineData("-1", "1m", -1)]
    [InlineData("-1", "-2", 1)]
    [InlineData("1e1000000000", "1E", 1)]
    [InlineData("-1e1000000000", "1E", -1)]
    [InlineData("1e-1000000000", "1n", 0)]
    [InlineData("9223372036854775808", "8Ei", 1)]
    [InlineData("9Ei", "8Ei", 0)]
    public void Compare(string x, string y, int expect)
    {
        var a = Quantity.Parse(x); var b = Quantity.Parse(y);
        Assert.Equal(expect, Math.Sign(a.CompareTo(b)));
        Assert.Equal(-expect, Math.Sign(b.CompareTo(a)));
        Assert.Equal(expect == 0, a == b);
        Assert.Equal(expect < 0, a < b);
        Assert.Equal(expect > 0, a > b);
        if (expect == 0) Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Theory]
    [InlineData("1", 1, 1000)]
    [InlineData("1.5", 2, 1500)]
    [InlineData("100m", 1, 100)]
    [InlineData("1n", 1, 1)]
    [InlineData("1Gi", 1073741824, 1073741824000)]
    [InlineData("-1.5", -2, -1500)]
    [InlineData("0", 0, 0)]
    [InlineData("9Ei", long.MaxValue, long.MaxValue)]
    [InlineData("1e30", long.MaxValue, long.MaxValue)]
    [InlineData("-1e30", long.MinValue, long.MinValue)]
    [InlineData("8E", 8000000000000000000, long.MaxValue)]
    [InlineData("250m", 1, 250)]
    [InlineData("1.0001m", 1, 2)]
    public void ValueAndMilliValue(string input, long value, long milli)
    {
        var q = Quantity.Parse(input);
        Assert.Equal(value, q.Value);
        Assert.Equal(milli, q.MilliValue);
    }

    [Theory]
    [InlineData(-9, -9, 1)]
    [InlineData(-9, -6, 1)]
    [InlineData(-9, -3, 1)]
    [InlineData(-9, 0, 1)]
    [InlineData(-6, -9, 1000)]
    [InlineData(-6, -6, 1)]
    [InlineData(-6, -3, 1)]
    [InlineData(-6, 0, 1)]
    [InlineData(-3, -9, 1000 * 1000)]
    [InlineData(-3, -6, 1000)]
    [InlineData(-3, -3, 1)]
    [InlineData(-3, 0, 1)]
    [InlineData(0, -9, 1000 * 1000 * 1000)]
    [InlineData(0, -6, 1000 * 1000)]
    [InlineData(0, -3, 1000)]
    [InlineData(0, 0, 1)]
    [InlineData(2, -2, 100 * 100)]
    public void ScaledValue_UpstreamTable(int from, int to, long expect)
        => Assert.Equal(expect, Quantity.FromScaled(1, from).ScaledValue(to));

    [Theory]
    [InlineData(1, QuantityFormat.DecimalSI, "1m")]
    [InlineData(1000, QuantityFormat.DecimalSI, "1")]
    [InlineData(1234000, QuantityFormat.DecimalSI, "1234")]
    [InlineData(1024, QuantityFormat.BinarySI, "1024m")]
    [InlineData(1000000, QuantityFormat.DecimalExponent, "1e3")]
    [InlineData(1024 * 1024, QuantityFormat.BinarySI, "1048576m")]
    public void FromMilli_UpstreamTable(long milli, QuantityFormat f, string expect)
    {
        var q = Quantity.FromMilli(milli, f);
        Assert.Equal(expect, q.ToString());
        Assert.Equal(milli, Quantity.Parse(q.ToString()).MilliValue);
    }

    [Theory]
    [InlineData(1, QuantityFormat.DecimalSI, "1")]
    [InlineData(1000, QuantityFormat.DecimalSI, "1k")]
    [InlineData(1234000, QuantityFormat.DecimalSI, "1234k")]
    [InlineData(1024, QuantityFormat.BinarySI, "1Ki")]
    [InlineData(1000000, QuantityFormat.DecimalExponent, "1e6")]
    [InlineData(1024 * 1024, QuantityFormat.BinarySI, "1Mi")]
    public void FromValue_UpstreamTable(long v, QuantityFormat f, string expect)
    {
        var q = Quantity.FromValue(v, f);
        Assert.Equal(expect, q.ToString());
        Assert.Equal(v, Quantity.Parse(q.ToString()).Value);
    }

    [Theory]
    [InlineData(1, -9, "1n")]
    [InlineData(1000, -9, "1u")]
    [InlineData(1, -6, "1u")]
    [InlineData(1000, -6, "1m")]
    [InlineData(1, -3, "1m")]
    [InlineData(1000, -3, "1")]
    [InlineData(1, 0, "1")]
    [InlineData(0, -9, "0")]
    [InlineData(0, 0, "0")]
    public void FromScaled_UpstreamTable(long v, int scale, string expect)
    {
        var q = Quantity.FromScaled(v, scale);
        Assert.Equal(expect, q.ToString());
        Assert.Equal(v, Quantity.Parse(q.ToString()).ScaledValue(scale));
    }

    [Fact]
    public void FromBytes_IsBinary()
    {
        Assert.Equal("1Gi", Quantity.FromBytes(1073741824).ToString());
        Assert.Equal("1500", Quantity.FromBytes(1500).ToString());
        Assert.Equal("512Mi", Quantity.FromBytes(512L * 1024 * 1024).ToString());
        Assert.Equal(QuantityFormat.BinarySI, Quantity.FromBytes(1).Format);
    }

    [Fact]
    public void AddSubNegMul()
    {
        Assert.Equal(Dec(20, 0, DSI), Dec(10, 0, DSI).Add(Dec(1, 1, DSI)));
        Assert.Equal(DSI, Dec(10, 0, DSI).Add(Dec(1, 0, BSI)).Format);
        Assert.Equal(BSI, Dec(10, 0, BSI).Add(Dec(1, 0, DSI)).Format);
        // zero takes the format of the other operand
        Assert.Equal(BSI, Quantity.Zero.WithFormat(DSI).Add(Quantity.Parse("1Ki")).Format);
        Assert.Equal("2Gi", (Quantity.Parse("1Gi") + Quantity.Parse("1024Mi")).ToString());
        Assert.Equal("1536Mi", (Quantity.Parse("1Gi") + Quantity.Parse("512Mi")).ToString());
        Assert.Equal("1500m", (Quantity.Parse("1") + Quantity.Parse("500m")).ToString());
        Assert.Equal(Dec(0, 0, DSI), Dec(10, 0, DSI).Sub(Dec(1, 1, DSI)));
        Assert.Equal(Dec(-50, 0, DSI), Quantity.Zero.Sub(Dec(50, 0, DSI)));
        Assert.Equal("-9010m", Dec(901, -2, DSI).Neg().ToString());
        Assert.Equal(Dec(-100, 0, DSI), Dec(10, 0, DSI).Mul(-10));
        Assert.Equal("92233720368547758070", Dec(long.MaxValue, 0, DSI).Mul(10).ToString());
    }

    [Theory]
    [InlineData("9.01", -3, "9010m", true)]
    [InlineData("9.01", -2, "9010m", true)]
    [InlineData("9.01", -1, "9100m", false)]
    [InlineData("9.01", 0, "10", false)]
    [InlineData("9.01", 1, "10", false)]
    [InlineData("9.01", 2, "100", false)]
    [InlineData("-9.01", -1, "-9100m", false)]
    [InlineData("-9.01", 0, "-10", false)]
    public void RoundUp_UpstreamTable(string input, int scale, string expect, bool exact)
    {
        var q = Quantity.Parse(input).RoundUp(scale, out var ok);
        Assert.Equal(exact, ok);
        Assert.Equal(expect, q.ToString());
    }

    private sealed class Holder { public Quantity Q { get; set; } public Quantity? N { get; set; } }

    [Theory]
    [InlineData("{\"q\":\" 1\"}", "1")]
    [InlineData("{\"q\":\"1 \"}", "1")]
    [InlineData("{\"q\":1}", "1")]
    [InlineData("{\"q\": 1 }", "1")]
    [InlineData("{\"q\":10}", "10")]
    [InlineData("{\"q\":-1}", "-1")]
    [InlineData("{\"q\":1.5}", "1500m")]
    [InlineData("{\"q\":1e3}", "1e3")]
    [InlineData("{\"q\":\"0.5Gi\"}", "512Mi")]
    [InlineData("{\"q\":null}", "0")]
    public void Json_Read(string json, string expect)
    {
        var h = JsonSerializer.Deserialize<Holder>(json, KubeJson.Options)!;
        Assert.Equal(expect, h.Q.ToString());
    }

    [Fact]
    public void Json_RoundTripWritesCanonicalString()
    {
        var h = new Holder { Q = Quantity.Parse("0.5Gi"), N = Quantity.Parse("1000m") };
        Assert.Equal("{\"q\":\"512Mi\",\"n\":\"1\"}", JsonSerializer.Serialize(h, KubeJson.Options));
        var back = JsonSerializer.Deserialize<Holder>("{\"q\":\"512Mi\",\"n\":\"1\"}", KubeJson.Options)!;
        Assert.Equal(Quantity.Parse("0.5Gi"), back.Q);
        Assert.Equal(Quantity.Parse("1"), back.N);
    }

    [Fact]
    public void Json_RejectsInvalidWithUpstreamText()
    {
        var ex = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Holder>("{\"q\":\"abc\"}", KubeJson.Options));
        Assert.Contains(Quantity.FormatError, ex.Message);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Holder>("{\"q\":true}", KubeJson.Options));
    }

    [Fact]
    public void DefaultIsZero()
    {
        Quantity q = default;
        Assert.True(q.IsZero);
        Assert.Equal("0", q.ToString());
        Assert.Equal(0, q.Value);
        Assert.Equal(0, q.MilliValue);
        Assert.Equal(Quantity.Parse("0"), q);
    }

    [Fact]
    public void HugeExponentsDoNotHang()
    {
        var big = Quantity.Parse("1e2000000000");
        Assert.Equal("100e1999999998", big.ToString()); // exponent forced to a multiple of 3, as upstream
        Assert.Equal("0", Quantity.Parse("-0").ToString());
        Assert.Equal(long.MaxValue, big.Value);
        var small = Quantity.Parse("1e-2000000000");
        Assert.Equal("1e-9", small.ToString());
    }
}
