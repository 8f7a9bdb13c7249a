using System.Globalization;
using System.Text;
using Berth.Api.Validation;

namespace Berth.Api.Selectors;

/// <summary>labels.Requirement: a key, an operator and values (apimachinery/pkg/labels/selector.go).</summary>
public sealed class LabelRequirement : IEquatable<LabelRequirement>
{
    public string Key { get; }
    public SelectorOperator Operator { get; }
    /// <summary>The values as given (parsed selectors give them sorted and de-duplicated).</summary>
    public IReadOnlyList<string> Values { get; }

    private LabelRequirement(string key, SelectorOperator op, IReadOnlyList<string> values)
    {
        Key = key; Operator = op; Values = values;
    }

    /// <summary>labels.NewRequirement: validates key, operator/value count and values; throws
    /// <see cref="SelectorParseException"/> with upstream's aggregated field errors.</summary>
    public static LabelRequirement Create(string key, SelectorOperator op, IEnumerable<string>? values)
        => Create(key, op, values, null);

    internal static LabelRequirement Create(string key, SelectorOperator op, IEnumerable<string>? values, FieldPath? path)
    {
        var vals = values?.ToList() ?? [];
        var errs = new List<FieldError>();
        var keyPath = Child(path, "key");
        if (ValidateLabelKey(key, keyPath) is { } ke) errs.Add(ke);
        var valuePath = Child(path, "values");
        switch (op)
        {
            case SelectorOperator.In:
            case SelectorOperator.NotIn:
                if (vals.Count == 0) errs.Add(FieldError.Invalid(valuePath, GoValue.StringSlice(vals), "for 'in', 'notin' operators, values set can't be empty"));
                break;
            case SelectorOperator.Equals:
            case SelectorOperator.DoubleEquals:
            case SelectorOperator.NotEquals:
                if (vals.Count != 1) errs.Add(FieldError.Invalid(valuePath, GoValue.StringSlice(vals), "exact-match compatibility requires one single value"));
                break;
            case SelectorOperator.Exists:
            case SelectorOperator.DoesNotExist:
                if (vals.Count != 0) errs.Add(FieldError.Invalid(valuePath, GoValue.StringSlice(vals), "values set must be empty for exists and does not exist"));
                break;
            case SelectorOperator.GreaterThan:
            case SelectorOperator.LessThan:
                if (vals.Count != 1) errs.Add(FieldError.Invalid(valuePath, GoValue.StringSlice(vals), "for 'Gt', 'Lt' operators, exactly one value is required"));
                for (int i = 0; i < vals.Count; i++)
                    if (!GoInt.TryParseInt64(vals[i], out _))
                        errs.Add(FieldError.Invalid(valuePath.Index(i), vals[i], "for 'Gt', 'Lt' operators, the value must be an integer"));
                break;
            default:
                errs.Add(FieldError.NotSupported(Child(path, "operator"), op.Text(),
                    ["in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"]));
                break;
        }
        for (int i = 0; i < vals.Count; i++)
        {
            var msgs = NameValidation.IsValidLabelValue(vals[i]);
            if (msgs.Count != 0) errs.Add(FieldError.Invalid(valuePath.Index(i).Key(key), vals[i], string.Join("; ", msgs)));
        }
        if (errs.Count > 0) throw new SelectorParseException(Aggregate(errs.Select(e => e.ToString())));
        return new LabelRequirement(key, op, vals);
    }

    internal static LabelRequirement Unchecked(string key, SelectorOperator op, IReadOnlyList<string> values) => new(key, op, values);

    private static FieldPath Child(FieldPath? p, string name) => p is { } pp ? pp.Child(name) : new FieldPath(name);

    internal static FieldError? ValidateLabelKey(string key, FieldPath path)
    {
        var errs = NameValidation.IsQualifiedName(key);
        return errs.Count != 0 ? FieldError.Invalid(path, key, string.Join("; ", errs)) : null;
    }

    /// <summary>utilerrors.NewAggregate(...).Error(): one message as is, several de-duplicated in "[a, b]".</summary>
    internal static string Aggregate(IEnumerable<string> msgs)
    {
        var seen = new List<string>();
        foreach (var m in msgs) if (!seen.Contains(m)) seen.Add(m);
        return seen.Count == 1 ? seen[0] : "[" + string.Join(", ", seen) + "]";
    }

    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        string? v = null;
        bool has = labels is not null && labels.TryGetValue(Key, out v);
        switch (Operator)
        {
            case SelectorOperator.In:
            case SelectorOperator.Equals:
            case SelectorOperator.DoubleEquals:
                return has && Values.Contains(v!);
            case SelectorOperator.NotIn:
            case SelectorOperator.NotEquals:
                return !has || !Values.Contains(v!);
            case SelectorOperator.Exists:
                return has;
            case SelectorOperator.DoesNotExist:
                return !has;
            case SelectorOperator.GreaterThan:
            case SelectorOperator.LessThan:
                if (!has || !GoInt.TryParseInt64(v!, out var lv) || Values.Count != 1) return false;
                if (!GoInt.TryParseInt64(Values[0], out var rv)) return false;
                return Operator == SelectorOperator.GreaterThan ? lv > rv : lv < rv;
            default:
                return false;
        }
    }

    /// <summary>Requirement.String: "!key", "key", "key=v", "key!=v", "key in (a,b)", "key>1".</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (Operator == SelectorOperator.DoesNotExist) sb.Append('!');
        sb.Append(Key);
        switch (Operator)
        {
            case SelectorOperator.Equals: sb.Append('='); break;
            case SelectorOperator.DoubleEquals: sb.Append("=="); break;
            case SelectorOperator.NotEquals: sb.Append("!="); break;
            case SelectorOperator.In: sb.Append(" in "); break;
            case SelectorOperator.NotIn: sb.Append(" notin "); break;
            case SelectorOperator.GreaterThan: sb.Append('>'); break;
            case SelectorOperator.LessThan: sb.Append('<'); break;
            case SelectorOperator.Exists:
            case SelectorOperator.DoesNotExist:
                return sb.ToString();
        }
        bool paren = Operator is SelectorOperator.In or SelectorOperator.NotIn;
        if (paren) sb.Append('(');
        if (Values.Count == 1) sb.Append(Values[0]);
        else sb.Append(string.Join(",", Values.OrderBy(x => x, StringComparer.Ordinal)));
        if (paren) sb.Append(')');
        return sb.ToString();
    }

    public bool Equals(LabelRequirement? other)
        => other is not null && Key == other.Key && Operator == other.Operator && Values.SequenceEqual(other.Values);
    public override bool Equals(object? obj) => Equals(obj as LabelRequirement);
    public override int GetHashCode() => HashCode.Combine(Key, Operator, Values.Count);
}

/// <summary>
/// labels.Selector: a conjunction of requirements sorted by key. <see cref="Everything"/> matches all label sets,
/// <see cref="Nothing"/> (a null metav1.LabelSelector) matches none.
/// </summary>
public sealed class LabelSelectorExpr
{
    public IReadOnlyList<LabelRequirement> Requirements { get; }
    /// <summary>True for <see cref="Nothing"/>.</summary>
    public bool IsNothing { get; }

    private LabelSelectorExpr(IReadOnlyList<LabelRequirement> reqs, bool nothing) { Requirements = reqs; IsNothing = nothing; }

    public static readonly LabelSelectorExpr Everything = new([], false);
    public static readonly LabelSelectorExpr Nothing = new([], true);

    /// <summary>No requirements (matches everything). <see cref="Nothing"/> is not empty, as upstream.</summary>
    public bool IsEmpty => !IsNothing && Requirements.Count == 0;

    /// <summary>A selector from requirements, stably sorted by key (Selector.Add).</summary>
    public static LabelSelectorExpr From(IEnumerable<LabelRequirement> reqs)
        => new(reqs.OrderBy(r => r.Key, StringComparer.Ordinal).ToList(), false);

    public LabelSelectorExpr Add(params LabelRequirement[] reqs) => IsNothing ? this : From(Requirements.Concat(reqs));

    /// <summary>labels.SelectorFromSet (no validation): key=value for each pair.</summary>
    public static LabelSelectorExpr FromSet(IReadOnlyDictionary<string, string>? set)
    {
        if (set is null || set.Count == 0) return Everything;
        return From(set.Select(kv => LabelRequirement.Unchecked(kv.Key, SelectorOperator.Equals, [kv.Value])));
    }

    /// <summary>labels.ValidatedSelectorFromSet: as <see cref="FromSet"/> but validating keys and values.</summary>
    public static LabelSelectorExpr FromSetValidated(IReadOnlyDictionary<string, string>? set)
    {
        if (set is null || set.Count == 0) return Everything;
        return From(set.Select(kv => LabelRequirement.Create(kv.Key, SelectorOperator.Equals, [kv.Value])));
    }

    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        if (IsNothing) return false;
        foreach (var r in Requirements) if (!r.Matches(labels)) return false;
        return true;
    }

    /// <summary>The value a label must have for this selector to match, if any (RequiresExactMatch).</summary>
    public bool RequiresExactMatch(string label, out string value)
    {
        value = "";
        foreach (var r in Requirements)
        {
            if (r.Key != label) continue;
            if (r.Operator is SelectorOperator.Equals or SelectorOperator.DoubleEquals or SelectorOperator.In && r.Values.Count == 1)
            {
                value = r.Values[0];
                return true;
            }
            return false;
        }
        return false;
    }

    /// <summary>The canonical string ("app=nginx,tier in (be,fe)"); "" for Everything and Nothing.</summary>
    public override string ToString() => string.Join(",", Requirements.Select(r => r.ToString()));

    /// <summary>labels.Parse. Throws <see cref="SelectorParseException"/> with upstream's message.</summary>
    public static LabelSelectorExpr Parse(string? selector)
        => From(LabelSelectorParser.ParseRequirements(selector ?? ""));

    public static bool TryParse(string? selector, out LabelSelectorExpr result, out string error)
    {
        try { result = Parse(selector); error = ""; return true; }
        catch (SelectorParseException e) { result = Nothing; error = e.Message; return false; }
    }
}

/// <summary>strconv.ParseInt(s, 10, 64).</summary>
internal static class GoInt
{
    public static bool TryParseInt64(string s, out long v)
    {
        v = 0;
        if (s.Length == 0) return false;
        int start = s[0] is '+' or '-' ? 1 : 0;
        if (start == s.Length) return false;
        for (int i = start; i < s.Length; i++) if (s[i] < '0' || s[i] > '9') return false;
        return long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v);
    }
}
