using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Server.Patching.Apply;

/// <summary>
/// A set of field paths in structured-merge-diff's <c>FieldsV1</c> form, as stored in <c>metadata.managedFields</c>: a trie
/// whose edges are path elements — <c>f:name</c> (a field), <c>k:{"name":"nginx"}</c> (an element of a list keyed by
/// its merge key), <c>v:"x"</c> (an element of a set of values) — and whose nodes are members when they are leaves of
/// the JSON (<c>{}</c>) or carry <c>".": {}</c> (a list element that is owned itself, besides its fields).
/// </summary>
public sealed class FieldSet
{
    private Dictionary<string, FieldSet>? _children;

    public bool IsMember { get; set; }
    public bool IsEmpty => !IsMember && (_children is null || _children.Count == 0);
    public IEnumerable<KeyValuePair<string, FieldSet>> Children => _children ?? [];

    public FieldSet Child(string element)
    {
        _children ??= new Dictionary<string, FieldSet>(StringComparer.Ordinal);
        if (!_children.TryGetValue(element, out var c)) _children[element] = c = new FieldSet();
        return c;
    }

    public FieldSet? Find(string element) => _children is not null && _children.TryGetValue(element, out var c) ? c : null;

    public void Add(IReadOnlyList<string> path)
    {
        var node = this;
        foreach (var e in path) node = node.Child(e);
        node.IsMember = true;
    }

    public bool Has(IReadOnlyList<string> path)
    {
        FieldSet? node = this;
        foreach (var e in path) if ((node = node!.Find(e)) is null) return false;
        return node.IsMember;
    }

    /// <summary>Removes a member and every member below it, then prunes empty nodes.</summary>
    public void Remove(IReadOnlyList<string> path) => Remove(path, 0);

    private bool Remove(IReadOnlyList<string> path, int i)
    {
        if (i == path.Count) { IsMember = false; _children = null; return true; }
        var c = Find(path[i]);
        if (c is null) return IsEmpty;
        if (c.Remove(path, i + 1) && c.IsEmpty) _children!.Remove(path[i]);
        return IsEmpty;
    }

    /// <summary>Every member path, parents before children.</summary>
    public IEnumerable<string[]> Members()
    {
        var path = new List<string>();
        return Walk(this, path);

        static IEnumerable<string[]> Walk(FieldSet node, List<string> path)
        {
            if (node.IsMember && path.Count > 0) yield return path.ToArray();
            foreach (var (e, c) in node.Children)
            {
                path.Add(e);
                foreach (var m in Walk(c, path)) yield return m;
                path.RemoveAt(path.Count - 1);
            }
        }
    }

    /// <summary>Member paths with no members below them: the fields whose values conflicts are judged on.</summary>
    public IEnumerable<string[]> Leaves()
    {
        foreach (var m in Members())
        {
            FieldSet? node = this;
            foreach (var e in m) node = node!.Find(e);
            if (!node!.Children.Any()) yield return m;
        }
    }

    public JsonObject ToJson()
    {
        var o = new JsonObject();
        if (IsMember && _children is { Count: > 0 }) o["."] = new JsonObject();
        foreach (var (e, c) in Children.OrderBy(kv => kv.Key, StringComparer.Ordinal)) o[e] = c.ToJson();
        return o;
    }

    public static FieldSet FromJson(JsonElement? fieldsV1)
    {
        var set = new FieldSet();
        if (fieldsV1 is { ValueKind: JsonValueKind.Object } e) Read(set, e);
        return set;

        static void Read(FieldSet node, JsonElement e)
        {
            bool any = false;
            foreach (var p in e.EnumerateObject())
            {
                any = true;
                if (p.Name == ".") { node.IsMember = true; continue; }
                if (p.Value.ValueKind == JsonValueKind.Object) Read(node.Child(p.Name), p.Value);
            }
            if (!any) node.IsMember = true;
        }
    }
}
