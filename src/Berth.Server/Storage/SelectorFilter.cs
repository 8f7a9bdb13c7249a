using System.Collections.Concurrent;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Api.Selectors;
using Berth.Server.Http;

namespace Berth.Server.Storage;

/// <summary>Turns a list's or watch's label and field selectors into a predicate over cached objects.</summary>
public static class SelectorFilter
{
    private static readonly ConcurrentDictionary<Type, HashSet<string>> SupportedFields = new();

    public static Func<CachedObject, bool> Build(ResourceType t, string? labelSelector, string? fieldSelector)
    {
        LabelSelectorExpr labels;
        FieldSelector fields;
        try
        {
            labels = string.IsNullOrWhiteSpace(labelSelector) ? LabelSelectorExpr.Everything : LabelSelectorExpr.Parse(labelSelector);
            fields = string.IsNullOrWhiteSpace(fieldSelector) ? FieldSelector.Everything : FieldSelector.Parse(fieldSelector);
            fields.EnsureSupported(FieldsOf(t));
        }
        catch (SelectorParseException e) { throw ApiException.BadRequest(e.Message); }

        bool anyLabels = labels.Requirements.Count > 0;
        bool anyFields = fields.Requirements.Count > 0;
        if (!anyLabels && !anyFields) return static _ => true;
        return o => (!anyLabels || labels.Matches(o.Labels)) && (!anyFields || fields.Matches(o.Fields));
    }

    /// <summary>The field labels a kind supports: metadata.name/namespace and whatever its strategy adds.</summary>
    private static HashSet<string> FieldsOf(ResourceType t) => SupportedFields.GetOrAdd(t.Strategy.ModelType, _ =>
    {
        var probe = (KubeObject)Activator.CreateInstance(t.Strategy.ModelType)!;
        var d = new Dictionary<string, string>();
        t.Strategy.AddSelectableFields(probe, d);
        var set = new HashSet<string>(d.Keys, StringComparer.Ordinal) { "metadata.name", "metadata.namespace" };
        return set;
    });
}
