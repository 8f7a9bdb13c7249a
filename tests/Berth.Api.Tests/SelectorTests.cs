using Berth.Api.Meta;
using Berth.Api.Selectors;
using Berth.Api.Validation;

namespace Berth.Api.Tests;

public class SelectorTests
{
    private static Dictionary<string, string> Set(params string[] kv)
    {
        var d = new Dictionary<string, string>();
        for (int i = 0; i < kv.Length; i += 2) d[kv[i]] = kv[i + 1];
        return d;
    }

    private const string LabelValueMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    [Theory]
    [InlineData("x=a,y=b,z=c")]
    [InlineData("")]
    [InlineData("x!=a,y=b")]
    [InlineData("x=")]
    [InlineData("x= ")]
    [InlineData("x=,z= ")]
    [InlineData("x= ,z= ")]
    [InlineData("!x")]
    [InlineData("x>1")]
    [InlineData("x>1,z<5")]
    public void LabelParse_GoodStringsRoundTrip(string s)
        => Assert.Equal(s.Replace(" ", ""), LabelSelectorExpr.Parse(s).ToString());

    [Theory]
    [InlineData("x=a||y=b", "unable to parse requirement: values[0][x]: Invalid value: \"a||y\": " + LabelValueMsg)]
    [InlineData("x==a==b", "found '==', expected: ',' or 'end of string'")]
    [InlineData("!x=a", "found '=', expected: ',' or 'end of string'")]
    [InlineData("x<a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer")]
    [InlineData("x,,y", "found ',', expected: identifier after ','")]
    [InlineData(",x,y", "found ',', expected: !, identifier, or 'end of string'")]
    [InlineData("x nott in (y)", "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt")]
    [InlineData("a in (xyz),", "found '', expected: identifier after ','")]
    [InlineData("a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'")]
    [InlineData("a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'")]
    [InlineData("a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier")]
    [InlineData("a (", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt")]
    [InlineData("(", "found '(', expected: !, identifier, or 'end of string'")]
    [InlineData("x in a", "unable to parse requirement: found 'a' expected: '('")]
    [InlineData("a/b/c", "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")]
    [InlineData("x>-1", "unable to parse requirement: values[0][x]: Invalid value: \"-1\": " + LabelValueMsg)]
    public void LabelParse_Errors(string s, string message)
    {
        var ex = Assert.Throws<SelectorParseException>(() => LabelSelectorExpr.Parse(s));
        Assert.Equal(message, ex.Message);
        Assert.False(LabelSelectorExpr.TryParse(s, out _, out var err));
        Assert.Equal(message, err);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("\rx", "x")]
    [InlineData("this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash")]
    [InlineData("this-is-another-dns.domain.com/key-with-dash in (so,what)", "this-is-another-dns.domain.com/key-with-dash in (so,what)")]
    [InlineData("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)", "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)")]
    [InlineData("foo  in\t (abc)", "foo in (abc)")]
    [InlineData("x notin\n (abc)", "x notin (abc)")]
    [InlineData("x in (def,abc)", "x in (abc,def)")]
    [InlineData("x in (abc,)", "x in (,abc)")]
    [InlineData("x in ()", "x in ()")]
    [InlineData("x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()")]
    [InlineData("x,y in (a)", "x,y in (a)")]
    [InlineData("x notin ( )", "x notin ()")]
    [InlineData("x notin (, a)", "x notin (,a)")]
    [InlineData("a ", "a")]
    [InlineData("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)")]
    [InlineData("notin=in", "notin=in")]
    [InlineData("x==a", "x==a")]
    [InlineData("x=a,a=x", "a=x,x=a")]
    [InlineData("a in (x,x)", "a in (x)")]
    public void LabelParse_CanonicalString(string s, string expect)
        => Assert.Equal(expect, LabelSelectorExpr.Parse(s).ToString());

    [Theory]
    [InlineData("", true, "x", "y")]
    [InlineData("x=y", true, "x", "y")]
    [InlineData("x=y,z=w", true, "x", "y", "z", "w")]
    [InlineData("x!=y,z!=w", true, "x", "z", "z", "a")]
    [InlineData("notin=in", true, "notin", "in")]
    [InlineData("x", true, "x", "z")]
    [InlineData("!x", true, "y", "z")]
    [InlineData("x>1", true, "x", "2")]
    [InlineData("x<1", true, "x", "0")]
    [InlineData("x=z", false)]
    [InlineData("x=y", false, "x", "z")]
    [InlineData("x=y,z=w", false, "x", "w", "z", "w")]
    [InlineData("x!=y,z!=w", false, "x", "z", "z", "w")]
    [InlineData("x", false, "y", "z")]
    [InlineData("!x", false, "x", "z")]
    [InlineData("x>1", false, "x", "0")]
    [InlineData("x<1", false, "x", "2")]
    [InlineData("x>1", false, "x", "v2")]
    [InlineData("x>1", false)]
    [InlineData("x!=a", true)]
    [InlineData("x notin (a)", true)]
    [InlineData("x in (a,b)", true, "x", "b")]
    [InlineData("x in ()", false, "y", "baz")]
    [InlineData("x notin (),y", true, "y", "")]
    [InlineData("!x,y", true, "y", "")]
    [InlineData("x notin (),!y", false, "y", "")]
    [InlineData("foo=bar,foobar=bar,baz=blah", false, "foo", "bar", "baz", "blah")]
    public void LabelMatches(string selector, bool match, params string[] labels)
        => Assert.Equal(match, LabelSelectorExpr.Parse(selector).Matches(Set(labels)));

    [Fact]
    public void EverythingAndNothing()
    {
        Assert.True(LabelSelectorExpr.Everything.Matches(Set("x", "y")));
        Assert.True(LabelSelectorExpr.Everything.Matches(null));
        Assert.True(LabelSelectorExpr.Everything.IsEmpty);
        Assert.False(LabelSelectorExpr.Nothing.Matches(Set("x", "y")));
        Assert.False(LabelSelectorExpr.Nothing.Matches(null));
        Assert.False(LabelSelectorExpr.Nothing.IsEmpty);
        Assert.Equal("", LabelSelectorExpr.Nothing.ToString());
        Assert.True(LabelSelectorExpr.Parse("").IsEmpty);
        Assert.True(LabelSelectorExpr.FromSet(null).IsEmpty);
        Assert.Equal("a=1,b=2", LabelSelectorExpr.FromSet(Set("b", "2", "a", "1")).ToString());
    }

    [Fact]
    public void RequiresExactMatch()
    {
        var s = LabelSelectorExpr.Parse("a=1,b in (2),c in (3,4),d!=5");
        Assert.True(s.RequiresExactMatch("a", out var v) && v == "1");
        Assert.True(s.RequiresExactMatch("b", out v) && v == "2");
        Assert.False(s.RequiresExactMatch("c", out _));
        Assert.False(s.RequiresExactMatch("d", out _));
        Assert.False(s.RequiresExactMatch("z", out _));
    }

    [Fact]
    public void RequirementConstructor_Errors()
    {
        Assert.Equal("values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
            Assert.Throws<SelectorParseException>(() => LabelRequirement.Create("x1", SelectorOperator.In, null)).Message);
        Assert.Equal("values: Invalid value: []string{\"a\", \"b\"}: exact-match compatibility requires one single value",
            Assert.Throws<SelectorParseException>(() => LabelRequirement.Create("x", SelectorOperator.Equals, ["a", "b"])).Message);
        Assert.Equal("values: Invalid value: []string{\"a\"}: values set must be empty for exists and does not exist",
            Assert.Throws<SelectorParseException>(() => LabelRequirement.Create("x", SelectorOperator.Exists, ["a"])).Message);
        Assert.Equal("[values: Invalid value: []string{\"1\", \"2x\"}: for 'Gt', 'Lt' operators, exactly one value is required, values[1]: Invalid value: \"2x\": for 'Gt', 'Lt' operators, the value must be an integer]",
            Assert.Throws<SelectorParseException>(() => LabelRequirement.Create("x", SelectorOperator.GreaterThan, ["1", "2x"])).Message);
        Assert.Equal("key: Invalid value: \"" + new string('a', 254) + "\": name part must be no more than 63 characters",
            Assert.Throws<SelectorParseException>(() => LabelRequirement.Create(new string('a', 254), SelectorOperator.Exists, null)).Message);
    }

    // ---- struct form

    private static LabelSelector Ls(Dictionary<string, string>? ml, params (string Key, string Op, string[]? Values)[] exprs)
        => new()
        {
            MatchLabels = ml,
            MatchExpressions = exprs.Length == 0 ? null : exprs.Select(e => new LabelSelectorRequirement { Key = e.Key, Operator = e.Op, Values = e.Values?.ToList() }).ToList(),
        };

    [Fact]
    public void AsSelector_NullMatchesNothing_EmptyMatchesEverything()
    {
        Assert.Same(LabelSelectorExpr.Nothing, LabelSelectors.AsSelector(null));
        Assert.False(LabelSelectors.Matches(null, Set("a", "b")));
        Assert.Same(LabelSelectorExpr.Everything, LabelSelectors.AsSelector(new LabelSelector()));
        Assert.Same(LabelSelectorExpr.Everything, LabelSelectors.AsSelector(new LabelSelector { MatchLabels = [], MatchExpressions = [] }));
        Assert.True(LabelSelectors.Matches(new LabelSelector(), Set("a", "b")));
        Assert.True(LabelSelectors.Matches(new LabelSelector(), null));
    }

    [Fact]
    public void AsSelector_Converts()
    {
        var ls = Ls(Set("foo", "bar", "baz", "blah"),
            ("zone", "In", ["b", "a"]), ("tier", "NotIn", ["x"]), ("gpu", "Exists", null), ("spot", "DoesNotExist", null));
        var sel = LabelSelectors.AsSelector(ls);
        Assert.Equal("baz=blah,foo=bar,gpu,!spot,tier notin (x),zone in (a,b)", sel.ToString());
        Assert.True(sel.Matches(Set("foo", "bar", "baz", "blah", "zone", "a", "gpu", "1")));
        Assert.False(sel.Matches(Set("foo", "bar", "baz", "blah", "zone", "c", "gpu", "1")));
        Assert.False(sel.Matches(Set("foo", "bar", "baz", "blah", "zone", "a", "gpu", "1", "spot", "")));
        Assert.False(sel.Matches(Set("foo", "bar", "baz", "blah", "zone", "a", "gpu", "1", "tier", "x")));
    }

    [Fact]
    public void AsSelector_Errors()
    {
        Assert.Equal("\"Foo\" is not a valid label selector operator",
            Assert.Throws<SelectorParseException>(() => LabelSelectors.AsSelector(Ls(null, ("a", "Foo", null)))).Message);
        Assert.Equal("values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
            Assert.Throws<SelectorParseException>(() => LabelSelectors.AsSelector(Ls(null, ("a", "In", null)))).Message);
        Assert.Equal("values[0][a]: Invalid value: \"-x\": " + LabelValueMsg,
            Assert.Throws<SelectorParseException>(() => LabelSelectors.AsSelector(Ls(Set("a", "-x")))).Message);
    }

    [Theory]
    [InlineData("app=nginx")]
    [InlineData("<none>")]
    public void Format(string expect)
    {
        var ls = expect == "<none>" ? new LabelSelector() : Ls(Set("app", "nginx"));
        Assert.Equal(expect, LabelSelectors.Format(ls));
    }

    [Fact]
    public void Format_NullAndError()
    {
        Assert.Equal("<none>", LabelSelectors.Format(null));
        Assert.Equal("<error>", LabelSelectors.Format(Ls(null, ("a", "Bogus", null))));
        Assert.Equal("app in (a,b),!x", LabelSelectors.Format(Ls(null, ("app", "In", ["b", "a"]), ("x", "DoesNotExist", null))));
    }

    [Fact]
    public void ValidateLabelSelector_Messages()
    {
        var p = new FieldPath("spec.selector");
        Assert.Equal(["spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"],
            LabelSelectors.ValidateLabelSelector(Ls(null, ("a", "In", null)), p).Select(e => e.ToString()));
        Assert.Equal(["spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"],
            LabelSelectors.ValidateLabelSelector(Ls(null, ("a", "Exists", ["x"])), p).Select(e => e.ToString()));
        Assert.Equal(["spec.selector.matchExpressions[0].operator: Invalid value: \"Foo\": not a valid selector operator"],
            LabelSelectors.ValidateLabelSelector(Ls(null, ("a", "Foo", null)), p).Select(e => e.ToString()));
        Assert.Empty(LabelSelectors.ValidateLabelSelector(Ls(null, ("a", "Foo", null)), p, new(AllowUnknownOperatorInRequirement: true)));
        Assert.Equal(["spec.selector.matchExpressions[1].values[0]: Invalid value: \"-x\": " + LabelValueMsg],
            LabelSelectors.ValidateLabelSelector(Ls(null, ("a", "Exists", null), ("b", "In", ["-x"])), p).Select(e => e.ToString()));
        Assert.Empty(LabelSelectors.ValidateLabelSelector(Ls(null, ("b", "In", ["-x"])), p, new(AllowInvalidLabelValueInSelector: true)));
        Assert.Equal(["spec.selector.matchLabels: Invalid value: \"-x\": " + LabelValueMsg],
            LabelSelectors.ValidateLabelSelector(Ls(Set("app", "-x")), p).Select(e => e.ToString()));
        var keyErr = Assert.Single(LabelSelectors.ValidateLabelSelector(Ls(null, ("a b", "Exists", null)), p));
        Assert.StartsWith("spec.selector.matchExpressions[0].key: Invalid value: \"a b\": name part must consist", keyErr.ToString());
        Assert.Empty(LabelSelectors.ValidateLabelSelector(null, p));
        Assert.Empty(LabelSelectors.ValidateLabelSelector(Ls(Set("app", "web"), ("t", "NotIn", ["a"])), p));
    }

    [Fact]
    public void ParseToLabelSelector()
    {
        var ls = LabelSelectors.ParseToLabelSelector("app=web,tier in (b,a),!x,y");
        Assert.Equal("web", ls.MatchLabels!["app"]);
        Assert.Equal(3, ls.MatchExpressions!.Count);
        Assert.Equal("tier", ls.MatchExpressions[0].Key);
        Assert.Equal(["a", "b"], ls.MatchExpressions[0].Values!);
        Assert.Equal("DoesNotExist", ls.MatchExpressions[1].Operator);
        Assert.Equal("Exists", ls.MatchExpressions[2].Operator);
        Assert.Equal("\"gt\" isn't supported in label selectors",
            Assert.Throws<SelectorParseException>(() => LabelSelectors.ParseToLabelSelector("a>1")).Message);
        Assert.Equal("couldn't parse the selector string \"(\": found '(', expected: !, identifier, or 'end of string'",
            Assert.Throws<SelectorParseException>(() => LabelSelectors.ParseToLabelSelector("(")).Message);
    }

    // ---- field selectors

    [Theory]
    [InlineData("x=a,y=b,z=c")]
    [InlineData("")]
    [InlineData("x!=a,y=b")]
    [InlineData("x=a||y\\=b")]
    [InlineData("x=a\\=\\=b")]
    public void FieldParse_GoodRoundTrip(string s) => Assert.Equal(s, FieldSelector.Parse(s).ToString());

    [Theory]
    [InlineData("x=a||y=b", "invalid field selector: unescaped character in value: 61")]
    [InlineData("x==a==b", "invalid field selector: unescaped character in value: 61")]
    [InlineData("x=a,b", "invalid selector: 'x=a,b'; can't understand 'b'")]
    [InlineData("x in (a)", "invalid selector: 'x in (a)'; can't understand 'x in (a)'")]
    [InlineData("x in (a,b,c)", "invalid selector: 'x in (a,b,c)'; can't understand 'b'")]
    [InlineData("x", "invalid selector: 'x'; can't understand 'x'")]
    [InlineData("k=\\", "invalid field selector: invalid escape sequence: \\")]
    [InlineData("k=\\a", "invalid field selector: invalid escape sequence: \\a")]
    [InlineData("k=\\\\\\", "invalid field selector: invalid escape sequence: \\")]
    public void FieldParse_Errors(string s, string message)
        => Assert.Equal(message, Assert.Throws<SelectorParseException>(() => FieldSelector.Parse(s)).Message);

    [Theory]
    [InlineData("x=a,a=x", "a=x,x=a")]
    [InlineData("a=x,x=a", "a=x,x=a")]
    [InlineData("b==v", "b=v")]
    [InlineData("a=a,", "a=a")]
    [InlineData(",a=a", "a=a")]
    [InlineData("k=\\,,k2=v2", "k2=v2,k=\\,")]
    [InlineData("=", "")]
    [InlineData("metadata.name=foo,status.phase!=Running", "metadata.name=foo,status.phase!=Running")]
    [InlineData("함=수,목=록", "목=록,함=수")]
    public void FieldParse_Canonical(string s, string expect) => Assert.Equal(expect, FieldSelector.Parse(s).ToString());

    [Theory]
    [InlineData("", true, "x", "y")]
    [InlineData("x=y", true, "x", "y")]
    [InlineData("x=y,z=w", true, "x", "y", "z", "w")]
    [InlineData("x!=y,z!=w", true, "x", "z", "z", "a")]
    [InlineData("x=", true)]
    [InlineData("x=y", false)]
    [InlineData("x=y", false, "x", "z")]
    [InlineData("x!=y", false, "x", "y")]
    [InlineData("x!=y", true)]
    [InlineData("k=a\\,b", true, "k", "a,b")]
    public void FieldMatches(string selector, bool match, params string[] fields)
        => Assert.Equal(match, FieldSelector.Parse(selector).Matches(Set(fields)));

    [Fact]
    public void FieldRequirementsAndSupport()
    {
        var s = FieldSelector.Parse("metadata.name=foo,spec.nodeName!=n1");
        Assert.Equal([new FieldRequirement("metadata.name", SelectorOperator.Equals, "foo"), new FieldRequirement("spec.nodeName", SelectorOperator.NotEquals, "n1")], s.Requirements);
        Assert.Equal(["metadata.name", "spec.nodeName"], s.Fields);
        s.EnsureSupported(["metadata.name", "metadata.namespace", "spec.nodeName"]);
        Assert.Equal("field label not supported: spec.nodeName",
            Assert.Throws<SelectorParseException>(() => s.EnsureSupported(["metadata.name"])).Message);
        Assert.True(s.RequiresExactMatch("metadata.name", out var v) && v == "foo");
        Assert.False(s.RequiresExactMatch("spec.nodeName", out _));
        Assert.True(FieldSelector.Parse("").IsEmpty);
        Assert.True(FieldSelector.Everything.Matches(null));
        var t = s.Transform((f, val) => f == "spec.nodeName" ? ("", "") : (f.ToUpperInvariant(), val));
        Assert.Equal("METADATA.NAME=foo", t.ToString());
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("a", "a")]
    [InlineData("=", "\\=")]
    [InlineData(",", "\\,")]
    [InlineData("\\", "\\\\")]
    [InlineData("\\=\\,\\", "\\\\\\=\\\\\\,\\\\")]
    public void EscapeUnescape(string raw, string escaped)
    {
        Assert.Equal(escaped, FieldSelector.EscapeValue(raw));
        Assert.Equal(raw, FieldSelector.UnescapeValue(escaped));
    }
}
