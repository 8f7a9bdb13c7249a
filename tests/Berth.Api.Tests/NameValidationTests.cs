using Berth.Api.Validation;

namespace Berth.Api.Tests;

public class NameValidationTests
{
    private static readonly string A63 = new('a', 63), A64 = new('a', 64), A253 = new('a', 253), A254 = new('a', 254);

    public static TheoryData<string> Dns1123LabelGood() => new() { "a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2", A63 };
    public static TheoryData<string> Dns1123LabelBad() => new()
    {
        "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_", "_a", "a_b", "1_", "_1", "1_2",
        ".", "a.", ".a", "a.b", "1.", ".1", "1.2", " ", "a ", " a", "a b", "1 ", " 1", "1 2", A64, "a\n",
    };

    [Theory, MemberData(nameof(Dns1123LabelGood))]
    public void Dns1123Label_Good(string v) => Assert.Empty(NameValidation.IsDns1123Label(v));

    [Theory, MemberData(nameof(Dns1123LabelBad))]
    public void Dns1123Label_Bad(string v) => Assert.NotEmpty(NameValidation.IsDns1123Label(v));

    public static TheoryData<string> Dns1123SubdomainGood() => new()
    {
        "a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2",
        "a.a", "ab.a", "abc.a", "a1.a", "a-1.a", "a--1--2--b.a", "a.1", "ab.1", "abc.1", "a1.1", "a-1.1", "a--1--2--b.1",
        "0.a", "01.a", "012.a", "1a.a", "1-a.a", "0.1", "01.1", "012.1", "1a.1", "1-a.1", "1--a--b--2.1",
        "a.b.c.d.e", "aa.bb.cc.dd.ee", "1.2.3.4.5", "11.22.33.44.55", A253,
    };
    public static TheoryData<string> Dns1123SubdomainBad() => new()
    {
        "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_", "_a", "a_b", "1_", "_1", "1_2",
        ".", "a.", ".a", "a..b", "1.", ".1", "1..2", " ", "a ", " a", "a b", "1 ", " 1", "1 2",
        "A.a", "aB.a", "ab.A", "A1.a", "a1.A", "A.1", "aB.1", "A1.1", "1A.1", "0.A", "01.A", "012.A", "1A.a", "1a.A",
        "A.B.C.D.E", "AA.BB.CC.DD.EE", "a.B.c.d.e", "aa.bB.cc.dd.ee", "a@b", "a,b", "a;b", "a:b", "a%b", "a?b", "a$b", A254,
    };

    [Theory, MemberData(nameof(Dns1123SubdomainGood))]
    public void Dns1123Subdomain_Good(string v) => Assert.Empty(NameValidation.IsDns1123Subdomain(v));

    [Theory, MemberData(nameof(Dns1123SubdomainBad))]
    public void Dns1123Subdomain_Bad(string v) => Assert.NotEmpty(NameValidation.IsDns1123Subdomain(v));

    [Theory]
    [InlineData("a")][InlineData("ab")][InlineData("a1")][InlineData("a-1")][InlineData("a--1--2--b")]
    public void Dns1035_Good(string v) => Assert.Empty(NameValidation.IsDns1035Label(v));

    [Theory]
    [InlineData("0")][InlineData("1a")][InlineData("1-a")][InlineData("")][InlineData("A")][InlineData("a-")][InlineData("-a")]
    [InlineData("a_b")][InlineData("a.b")][InlineData("a b")]
    public void Dns1035_Bad(string v) => Assert.NotEmpty(NameValidation.IsDns1035Label(v));

    [Fact]
    public void ExactMessages()
    {
        Assert.Equal(["a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"],
            NameValidation.IsDns1123Label("My_Name"));
        Assert.Equal(["must not contain dots"], NameValidation.IsDns1123Label("a.b"));
        Assert.Equal(["must be no more than 63 characters"], NameValidation.IsDns1123Label(A64));
        Assert.Equal(["a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"],
            NameValidation.IsDns1123Subdomain("Foo"));
        Assert.Equal(["must be no more than 253 characters"], NameValidation.IsDns1123Subdomain(A254));
        Assert.Equal(["must be no more than 253 characters", "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"],
            NameValidation.IsDns1123Subdomain(new string('A', 254)));
        Assert.Equal(["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"],
            NameValidation.IsDns1035Label("1abc"));
        Assert.Equal(["a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"],
            NameValidation.IsValidLabelValue("-x"));
        Assert.Equal(["name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"],
            NameValidation.IsQualifiedName("a b"));
        Assert.Equal(["prefix part must be non-empty"], NameValidation.IsQualifiedName("/simple"));
        Assert.Equal(["name part must be non-empty", "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"],
            NameValidation.IsQualifiedName("example.com/"));
        Assert.Equal(["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"],
            NameValidation.IsQualifiedName("only/one/slash"));
        Assert.Equal(["name part must be no more than 63 characters"], NameValidation.IsQualifiedName(A64));
        Assert.Equal("prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            Assert.Single(NameValidation.IsQualifiedName("Example.com/abc")));
    }

    public static TheoryData<string> QualifiedGood() => new()
    {
        "simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple", "now-with-dashes/simple",
        "now-with-dashes/now-with-dashes", "now.with.dots/simple", "now-with.dashes-and.dots/simple", "1-num.2-num/3-num",
        "1234/5678", "1.2.3.4/5678", "Uppercase_Is_OK_123", "example.com/Uppercase_Is_OK_123", "requests.storage-foo",
        A63, A253 + "/" + new string('b', 63),
    };
    public static TheoryData<string> QualifiedBad() => new()
    {
        "nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-", "only/one/slash", "Example.com/abc",
        "example_com/abc", "example.com/", "/simple", A64, A254 + "/abc", "",
    };

    [Theory, MemberData(nameof(QualifiedGood))]
    public void QualifiedName_Good(string v) => Assert.Empty(NameValidation.IsQualifiedName(v));

    [Theory, MemberData(nameof(QualifiedBad))]
    public void QualifiedName_Bad(string v) => Assert.NotEmpty(NameValidation.IsQualifiedName(v));

    [Theory]
    [InlineData("simple")][InlineData("now-with-dashes")][InlineData("1-starts-with-num")][InlineData("end-with-num-1")]
    [InlineData("1234")][InlineData("")][InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void LabelValue_Good(string v) => Assert.Empty(NameValidation.IsValidLabelValue(v));

    [Theory]
    [InlineData("nospecialchars%^=@")][InlineData("Tama-nui-te-rā.is.Māori.sun")][InlineData("\\backslashes\\are\\bad")]
    [InlineData("-starts-with-dash")][InlineData("ends-with-dash-")][InlineData(".starts.with.dot")][InlineData("ends.with.dot.")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void LabelValue_Bad(string v) => Assert.NotEmpty(NameValidation.IsValidLabelValue(v));

    [Theory]
    [InlineData("foo-", "foa")]
    [InlineData("-", "-")]
    [InlineData("ab", "ab")]
    public void MaskTrailingDash_AsUpstream(string input, string expect) => Assert.Equal(expect, NameValidation.MaskTrailingDash(input));

    [Fact]
    public void GenerateNamePrefix()
    {
        Assert.Empty(NameValidation.NameIsDnsSubdomain("web-", prefix: true));
        Assert.NotEmpty(NameValidation.NameIsDnsSubdomain("web-", prefix: false));
        Assert.Empty(NameValidation.NameIsDnsLabel("x-", prefix: true));
        Assert.NotEmpty(NameValidation.NameIsDns1035Label("1x-", prefix: true));
    }

    [Fact]
    public void PathSegment()
    {
        Assert.Equal(["may not be '..'"], NameValidation.IsValidPathSegmentName(".."));
        Assert.Equal(["may not contain '/'", "may not contain '%'"], NameValidation.IsValidPathSegmentName("a/%"));
        Assert.Empty(NameValidation.IsValidPathSegmentName("Any Thing"));
    }
}
