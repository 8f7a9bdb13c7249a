using Berth.Api.Meta;
using Berth.Api.Validation;

namespace Berth.Api.Strategies.Workloads;

/// <summary>
/// metav1.LabelSelectorAsSelector semantics for workload selectors: matching, the string form
/// ("app=nginx,tier in (a,b)") and the structural checks of ValidateLabelSelector.
/// </summary>
internal static class LabelSelectors
{
    private sealed record Requirement(string Key, string Op, List<string> Values);

    /// <summary>The requirements sorted by key; null when the selector cannot be converted (LabelSelectorAsSelector's error).</summary>
    private static List<Requirement>? Requirements(LabelSelector sel)
    {
        var reqs = new List<Requirement>();
        foreach (var kv in sel.MatchLabels ?? new()) reqs.Add(new(kv.Key, "=", [kv.Value]));
        foreach (var e in sel.MatchExpressions ?? new())
        {
            var values = e.Values ?? new();
            switch (e.Operator)
            {
                case "In":
                case "NotIn":
                    if (values.Count == 0) return null;
                    reqs.Add(new(e.Key, e.Operator == "In" ? "in" : "notin", values.Distinct().OrderBy(v => v, StringComparer.Ordinal).ToList()));
                    break;
                case "Exists":
                case "DoesNotExist":
                    if (values.Count != 0) return null;
                    reqs.Add(new(e.Key, e.Operator == "Exists" ? "exists" : "!", []));
                    break;
                default:
                    return null;
            }
        }
        return reqs.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
    }

    /// <summary>Whether LabelSelectorAsSelector succeeds.</summary>
    public static bool IsValid(LabelSelector? sel) => sel is null || Requirements(sel) is not null;

    /// <summary>selector.Empty(): a non-nil selector without requirements (nil converts to "Nothing", which is not empty).</summary>
    public static bool IsEmpty(LabelSelector? sel) => sel is not null && (Requirements(sel)?.Count ?? 1) == 0;

    /// <summary>Whether the selector matches the labels. A nil selector matches nothing, an empty one everything.</summary>
    public static bool Matches(LabelSelector? sel, IDictionary<string, string>? labels)
    {
        if (sel is null) return false;
        var reqs = Requirements(sel);
        if (reqs is null) return false;
        labels ??= new Dictionary<string, string>();
        foreach (var r in reqs)
        {
            bool has = labels.TryGetValue(r.Key, out var v);
            bool ok = r.Op switch
            {
                "=" or "in" => has && r.Values.Contains(v!),
                "notin" => !has || !r.Values.Contains(v!),
                "exists" => has,
                "!" => !has,
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>labels.Selector.String(): "app=nginx", "env in (a,b),!gone"; "" for nil, empty or unconvertible selectors.</summary>
    public static string Format(LabelSelector? sel)
    {
        if (sel is null) return "";
        var reqs = Requirements(sel);
        if (reqs is null) return "";
        return string.Join(",", reqs.Select(r => r.Op switch
        {
            "=" => r.Key + "=" + r.Values[0],
            "in" => r.Key + " in (" + string.Join(",", r.Values) + ")",
            "notin" => r.Key + " notin (" + string.Join(",", r.Values) + ")",
            "exists" => r.Key,
            _ => "!" + r.Key,
        }));
    }

    /// <summary>Structural checks of metav1 ValidateLabelSelector on match expressions.</summary>
    public static void Validate(LabelSelector sel, FieldPath path, List<FieldError> errors)
    {
        var exprs = sel.MatchExpressions ?? new();
        for (int i = 0; i < exprs.Count; i++)
        {
            var e = exprs[i];
            var p = path.Child("matchExpressions").Index(i);
            switch (e.Operator)
            {
                case "In":
                case "NotIn":
                    if (e.Values is null || e.Values.Count == 0)
                        errors.Add(FieldError.Required(p.Child("values"), "must be specified when `operator` is 'In' or 'NotIn'"));
                    break;
                case "Exists":
                case "DoesNotExist":
                    if (e.Values is { Count: > 0 })
                        errors.Add(FieldError.Forbidden(p.Child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                    break;
                default:
                    errors.Add(FieldError.Invalid(p.Child("operator"), e.Operator, "not a valid selector operator"));
                    break;
            }
            if (string.IsNullOrEmpty(e.Key))
                errors.Add(FieldError.Invalid(p.Child("key"), e.Key, "name part must be non-empty"));
        }
    }
}
