using Berth.Api.Meta;
using Berth.Api.Validation;
using SharedSelectors = Berth.Api.Selectors.LabelSelectors;

namespace Berth.Api.Strategies.Workloads;

/// <summary>
/// The selector questions workload strategies ask, answered by the one selector implementation
/// (<see cref="Berth.Api.Selectors.LabelSelectors"/>), in the shape the strategies need.
/// </summary>
internal static class LabelSelectors
{
    /// <summary>Whether LabelSelectorAsSelector succeeds (a nil selector converts, to "nothing").</summary>
    public static bool IsValid(LabelSelector? sel) => sel is null || SharedSelectors.TryAsSelector(sel, out _, out _);

    /// <summary>selector.Empty(): a non-nil selector without requirements (nil converts to "Nothing", which is not empty).</summary>
    public static bool IsEmpty(LabelSelector? sel) => sel is not null && SharedSelectors.TryAsSelector(sel, out var s, out _) && s.IsEmpty;

    /// <summary>Whether the selector matches the labels. A nil selector matches nothing, an empty one everything.</summary>
    public static bool Matches(LabelSelector? sel, IDictionary<string, string>? labels)
        => SharedSelectors.Matches(sel, labels is null ? null : labels as IReadOnlyDictionary<string, string> ?? new Dictionary<string, string>(labels));

    /// <summary>labels.Selector.String() as /scale reports it: "app=nginx"; "" for nil, empty or unconvertible selectors.</summary>
    public static string Format(LabelSelector? sel)
        => SharedSelectors.Format(sel) is var f && f is "<none>" or "<error>" ? "" : f;

    /// <summary>metav1 ValidateLabelSelector.</summary>
    public static void Validate(LabelSelector sel, FieldPath path, List<FieldError> errors)
        => errors.AddRange(SharedSelectors.ValidateLabelSelector(sel, path));
}
