using System.Text;

namespace Berth.Api.Selectors;

/// <summary>One term of a field selector: field, operator (Equals or NotEquals) and the unescaped value.</summary>
public sealed record FieldRequirement(string Field, SelectorOperator Operator, string Value)
{
    public bool Matches(IReadOnlyDictionary<string, string>? fields)
    {
        var v = fields is not null && fields.TryGetValue(Field, out var x) ? x : "";
        return Operator == SelectorOperator.NotEquals ? v != Value : v == Value;
    }

    /// <summary>"field=value" or "field!=value" with the value escaped.</summary>
    public override string ToString()
        => Field + (Operator == SelectorOperator.NotEquals ? "!=" : "=") + FieldSelector.EscapeValue(Value);
}

/// <summary>
/// fields.Selector (apimachinery/pkg/fields/selector.go): a conjunction of "a=b", "a==b", "a!=b" terms,
/// with '\' escaping of '\', ',' and '=' in values. A missing field has the value "".
/// </summary>
public sealed class FieldSelector
{
    public IReadOnlyList<FieldRequirement> Requirements { get; }

    private FieldSelector(IReadOnlyList<FieldRequirement> reqs) { Requirements = reqs; }

    public static readonly FieldSelector Everything = new([]);

    public bool IsEmpty => Requirements.Count == 0;

    public static FieldSelector From(IEnumerable<FieldRequirement> reqs) => new(reqs.ToList());

    /// <summary>fields.SelectorFromSet (terms in key order).</summary>
    public static FieldSelector FromSet(IReadOnlyDictionary<string, string>? set)
        => set is null ? Everything : new(set.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new FieldRequirement(kv.Key, SelectorOperator.Equals, kv.Value)).ToList());

    public bool Matches(IReadOnlyDictionary<string, string>? fields)
    {
        foreach (var r in Requirements) if (!r.Matches(fields)) return false;
        return true;
    }

    /// <summary>The fields the selector uses, in order.</summary>
    public IEnumerable<string> Fields => Requirements.Select(r => r.Field);

    /// <summary>The value a field must equal, from the first "=" term on it (RequiresExactMatch).</summary>
    public bool RequiresExactMatch(string field, out string value)
    {
        foreach (var r in Requirements)
            if (r.Field == field && r.Operator != SelectorOperator.NotEquals) { value = r.Value; return true; }
        value = "";
        return false;
    }

    /// <summary>Throws upstream's "field label not supported: X" for the first field not in <paramref name="supported"/>.</summary>
    public void EnsureSupported(IEnumerable<string> supported)
    {
        var set = supported as ISet<string> ?? new HashSet<string>(supported, StringComparer.Ordinal);
        foreach (var r in Requirements)
            if (!set.Contains(r.Field)) throw new SelectorParseException(UnsupportedFieldMessage(r.Field));
    }

    /// <summary>"field label not supported: X", the text of the conversion funcs' error.</summary>
    public static string UnsupportedFieldMessage(string field) => "field label not supported: " + field;

    /// <summary>Selector.Transform: rewrites every term; a term mapped to ("", "") is dropped.</summary>
    public FieldSelector Transform(Func<string, string, (string Field, string Value)> fn)
    {
        var next = new List<FieldRequirement>();
        foreach (var r in Requirements)
        {
            var (f, v) = fn(r.Field, r.Value);
            if (f.Length == 0 && v.Length == 0) continue;
            next.Add(r with { Field = f, Value = v });
        }
        return new FieldSelector(next);
    }

    /// <summary>"a=b,c!=d" (terms in sorted order after parsing; "==" prints as "=").</summary>
    public override string ToString() => string.Join(",", Requirements.Select(r => r.ToString()));

    /// <summary>fields.ParseSelector. Throws <see cref="SelectorParseException"/> with upstream's message.</summary>
    public static FieldSelector Parse(string? selector)
    {
        selector ??= "";
        var parts = SplitTerms(selector);
        parts.Sort(StringComparer.Ordinal);
        var items = new List<FieldRequirement>();
        foreach (var part in parts)
        {
            if (part.Length == 0) continue;
            if (!SplitTerm(part, out var lhs, out var op, out var rhs))
                throw new SelectorParseException($"invalid selector: '{selector}'; can't understand '{part}'");
            var value = UnescapeValue(rhs);
            // identity Transform: a term with empty field and value becomes Everything and is dropped.
            if (lhs.Length == 0 && value.Length == 0) continue;
            items.Add(new FieldRequirement(lhs, op == "!=" ? SelectorOperator.NotEquals : SelectorOperator.Equals, value));
        }
        return new FieldSelector(items);
    }

    public static bool TryParse(string? selector, out FieldSelector result, out string error)
    {
        try { result = Parse(selector); error = ""; return true; }
        catch (SelectorParseException e) { result = Everything; error = e.Message; return false; }
    }

    private static List<string> SplitTerms(string s)
    {
        var terms = new List<string>();
        if (s.Length == 0) return terms;
        int start = 0;
        bool inSlash = false;
        for (int i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (inSlash) inSlash = false;
            else if (c == '\\') inSlash = true;
            else if (c == ',') { terms.Add(s[start..i]); start = i + 1; }
        }
        terms.Add(s[start..]);
        return terms;
    }

    private static readonly string[] TermOperators = ["!=", "==", "="];

    private static bool SplitTerm(string term, out string lhs, out string op, out string rhs)
    {
        for (int i = 0; i < term.Length; i++)
            foreach (var o in TermOperators)
                if (string.CompareOrdinal(term, i, o, 0, o.Length) == 0 && i + o.Length <= term.Length)
                {
                    lhs = term[..i]; op = o; rhs = term[(i + o.Length)..];
                    return true;
                }
        lhs = op = rhs = "";
        return false;
    }

    /// <summary>fields.EscapeValue: '\' → '\\', ',' → '\,', '=' → '\='.</summary>
    public static string EscapeValue(string s)
    {
        if (s.IndexOfAny(['\\', ',', '=']) < 0) return s;
        var sb = new StringBuilder(s.Length + 4);
        foreach (var c in s)
        {
            if (c is '\\' or ',' or '=') sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>fields.UnescapeValue, with upstream's errors.</summary>
    public static string UnescapeValue(string s)
    {
        if (s.IndexOfAny(['\\', ',', '=']) < 0) return s;
        var sb = new StringBuilder(s.Length);
        bool inSlash = false;
        foreach (var r in s.EnumerateRunes())
        {
            if (inSlash)
            {
                if (r.Value is '\\' or ',' or '=') sb.Append(r.ToString());
                else throw new SelectorParseException("invalid field selector: invalid escape sequence: \\" + r);
                inSlash = false;
                continue;
            }
            switch (r.Value)
            {
                case '\\': inSlash = true; break;
                case ',':
                case '=':
                    throw new SelectorParseException("invalid field selector: unescaped character in value: " + r.Value);
                default: sb.Append(r.ToString()); break;
            }
        }
        if (inSlash) throw new SelectorParseException("invalid field selector: invalid escape sequence: \\");
        return sb.ToString();
    }
}
