namespace Berth.Server.Storage;

/// <summary>Turns a list's label and field selectors into a predicate over cached objects. TEMPORARY: equality only.</summary>
public static class SelectorFilter
{
    public static Func<CachedObject, bool> Build(Berth.Api.Registry.ResourceType t, string? labelSelector, string? fieldSelector)
    {
        var reqs = new List<(bool Label, string Key, string Value, bool Neq)>();
        void Parse(string? s, bool label)
        {
            if (string.IsNullOrWhiteSpace(s)) return;
            foreach (var part in s.Split(','))
            {
                var neq = part.Contains("!=");
                var kv = part.Split(neq ? "!=" : (part.Contains("==") ? "==" : "="), 2);
                reqs.Add((label, kv[0].Trim(), kv.Length > 1 ? kv[1].Trim() : "", neq));
            }
        }
        Parse(labelSelector, true);
        Parse(fieldSelector, false);
        if (reqs.Count == 0) return _ => true;
        return o =>
        {
            foreach (var r in reqs)
            {
                var dict = r.Label ? o.Labels : o.Fields;
                var v = dict is not null && dict.TryGetValue(r.Key, out var x) ? x : null;
                if (r.Neq ? v == r.Value : v != r.Value) return false;
            }
            return true;
        };
    }
}
