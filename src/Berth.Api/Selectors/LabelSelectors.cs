using Berth.Api.Meta;
using Berth.Api.Validation;

namespace Berth.Api.Selectors;

/// <summary>Options of metav1validation.ValidateLabelSelector.</summary>
public readonly record struct LabelSelectorValidationOptions(bool AllowInvalidLabelValueInSelector = false, bool AllowUnknownOperatorInRequirement = false);

/// <summary>
/// The struct form metav1.LabelSelector: conversion (metav1.LabelSelectorAsSelector), printing
/// (metav1.FormatLabelSelector) and validation (apimachinery/pkg/apis/meta/v1/validation).
/// </summary>
public static class LabelSelectors
{
    public const string OpIn = "In";
    public const string OpNotIn = "NotIn";
    public const string OpExists = "Exists";
    public const string OpDoesNotExist = "DoesNotExist";

    /// <summary>
    /// metav1.LabelSelectorAsSelector: a null selector matches nothing (<see cref="LabelSelectorExpr.Nothing"/>);
    /// an empty one (no matchLabels, no matchExpressions) matches everything (<see cref="LabelSelectorExpr.Everything"/>).
    /// Throws <see cref="SelectorParseException"/> with upstream's text for invalid keys, values or operators.
    /// </summary>
    public static LabelSelectorExpr AsSelector(LabelSelector? ps)
    {
        if (ps is null) return LabelSelectorExpr.Nothing;
        var ml = ps.MatchLabels?.Count ?? 0;
        var me = ps.MatchExpressions?.Count ?? 0;
        if (ml + me == 0) return LabelSelectorExpr.Everything;
        var reqs = new List<LabelRequirement>(ml + me);
        if (ps.MatchLabels is not null)
            foreach (var kv in ps.MatchLabels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                reqs.Add(LabelRequirement.Create(kv.Key, SelectorOperator.Equals, [kv.Value]));
        if (ps.MatchExpressions is not null)
            foreach (var expr in ps.MatchExpressions)
            {
                SelectorOperator op = expr.Operator switch
                {
                    OpIn => SelectorOperator.In,
                    OpNotIn => SelectorOperator.NotIn,
                    OpExists => SelectorOperator.Exists,
                    OpDoesNotExist => SelectorOperator.DoesNotExist,
                    _ => throw new SelectorParseException($"{FieldError.Quote(expr.Operator)} is not a valid label selector operator"),
                };
                reqs.Add(LabelRequirement.Create(expr.Key, op, expr.Values ?? []));
            }
        return LabelSelectorExpr.From(reqs);
    }

    /// <summary>AsSelector without exceptions.</summary>
    public static bool TryAsSelector(LabelSelector? ps, out LabelSelectorExpr selector, out string error)
    {
        try { selector = AsSelector(ps); error = ""; return true; }
        catch (SelectorParseException e) { selector = LabelSelectorExpr.Nothing; error = e.Message; return false; }
    }

    /// <summary>metav1.FormatLabelSelector: "app=nginx"; "&lt;none&gt;" for null or empty; "&lt;error&gt;" when invalid.</summary>
    public static string Format(LabelSelector? ps)
    {
        if (!TryAsSelector(ps, out var sel, out _)) return "<error>";
        var s = sel.ToString();
        return s.Length == 0 ? "<none>" : s;
    }

    /// <summary>True when the selector (struct form) matches the labels; null matches nothing, empty matches all.
    /// An invalid selector matches nothing.</summary>
    public static bool Matches(LabelSelector? ps, IReadOnlyDictionary<string, string>? labels)
        => TryAsSelector(ps, out var sel, out _) && sel.Matches(labels);

    /// <summary>metav1.ParseToLabelSelector: the struct form of a selector string.</summary>
    public static LabelSelector ParseToLabelSelector(string selector)
    {
        List<LabelRequirement> reqs;
        try { reqs = LabelSelectorParser.ParseRequirements(selector); }
        catch (SelectorParseException e) { throw new SelectorParseException($"couldn't parse the selector string \"{selector}\": {e.Message}"); }
        var ls = new LabelSelector { MatchLabels = [], MatchExpressions = [] };
        foreach (var r in reqs)
        {
            string op;
            switch (r.Operator)
            {
                case SelectorOperator.Equals:
                case SelectorOperator.DoubleEquals:
                    var vals = r.Values.Distinct().ToList();
                    if (vals.Count != 1) throw new SelectorParseException("equals operator must have exactly one value");
                    ls.MatchLabels[r.Key] = vals[0];
                    continue;
                case SelectorOperator.In: op = OpIn; break;
                case SelectorOperator.NotIn: op = OpNotIn; break;
                case SelectorOperator.Exists: op = OpExists; break;
                case SelectorOperator.DoesNotExist: op = OpDoesNotExist; break;
                case SelectorOperator.GreaterThan:
                case SelectorOperator.LessThan:
                    throw new SelectorParseException($"\"{r.Operator.Text()}\" isn't supported in label selectors");
                default:
                    throw new SelectorParseException($"\"{r.Operator.Text()}\" is not a valid label selector operator");
            }
            ls.MatchExpressions.Add(new LabelSelectorRequirement
            {
                Key = r.Key,
                Operator = op,
                Values = r.Values.Distinct().OrderBy(v => v, StringComparer.Ordinal).ToList(),
            });
        }
        return ls;
    }

    /// <summary>metav1validation.ValidateLabelSelector: e.g.
    /// "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'".</summary>
    public static List<FieldError> ValidateLabelSelector(LabelSelector? ps, FieldPath path, LabelSelectorValidationOptions opts = default)
    {
        var errs = new List<FieldError>();
        if (ps is null) return errs;
        errs.AddRange(MetaValidation.ValidateLabels(ps.MatchLabels, path.Child("matchLabels")));
        if (ps.MatchExpressions is not null)
            for (int i = 0; i < ps.MatchExpressions.Count; i++)
                errs.AddRange(ValidateLabelSelectorRequirement(ps.MatchExpressions[i], opts, path.Child("matchExpressions").Index(i)));
        return errs;
    }

    /// <summary>metav1validation.ValidateLabelSelectorRequirement.</summary>
    public static List<FieldError> ValidateLabelSelectorRequirement(LabelSelectorRequirement sr, LabelSelectorValidationOptions opts, FieldPath path)
    {
        var errs = new List<FieldError>();
        var n = sr.Values?.Count ?? 0;
        switch (sr.Operator)
        {
            case OpIn:
            case OpNotIn:
                if (n == 0) errs.Add(FieldError.Required(path.Child("values"), "must be specified when `operator` is 'In' or 'NotIn'"));
                break;
            case OpExists:
            case OpDoesNotExist:
                if (n > 0) errs.Add(FieldError.Forbidden(path.Child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                break;
            default:
                if (!opts.AllowUnknownOperatorInRequirement)
                    errs.Add(FieldError.Invalid(path.Child("operator"), sr.Operator, "not a valid selector operator"));
                break;
        }
        errs.AddRange(MetaValidation.ValidateLabelName(sr.Key, path.Child("key")));
        if (!opts.AllowInvalidLabelValueInSelector && sr.Values is not null)
            for (int i = 0; i < sr.Values.Count; i++)
                foreach (var msg in NameValidation.IsValidLabelValue(sr.Values[i]))
                    errs.Add(FieldError.Invalid(path.Child("values").Index(i), sr.Values[i], msg));
        return errs;
    }

    /// <summary>metav1validation.LabelSelectorHasInvalidLabelValue.</summary>
    public static bool HasInvalidLabelValue(LabelSelector? ps)
        => ps?.MatchExpressions?.Any(e => e.Values?.Any(v => NameValidation.IsValidLabelValue(v).Count > 0) == true) == true;
}
