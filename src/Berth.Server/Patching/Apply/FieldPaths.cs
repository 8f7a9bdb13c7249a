using System.Text;
using System.Text.Json.Nodes;

namespace Berth.Server.Patching.Apply;

/// <summary>
/// Field paths of JSON objects as server-side apply sees them: which fields an object sets (lists merged by key become
/// <c>k:</c> elements, lists of values merged as sets <c>v:</c> elements, other lists are atomic leaves), the value at
/// a path, and removing a path. List semantics come from the kind's strategic-merge schema (the same merge keys).
/// </summary>
public static class FieldPaths
{
    /// <summary>Fields the server owns: never part of an applier's set.</summary>
    private static readonly HashSet<string> ServerMetadata = new(StringComparer.Ordinal)
    {
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "managedFields", "selfLink",
    };

    /// <summary>Top-level fields no applier owns: the type, and status where it is a subresource.</summary>
    public static bool IsUnmanagedTopLevel(string name, bool withStatus) => name is "apiVersion" or "kind" || (name == "status" && !withStatus);

    /// <summary>Metadata fields the server sets, never merged from or owned by an applier.</summary>
    public static bool IsServerMetadata(string name) => ServerMetadata.Contains(name);

    /// <summary>The members an object sets. <paramref name="withStatus"/> false skips <c>status</c> (a kind whose status
    /// is a subresource ignores it on the main resource).</summary>
    public static FieldSet Of(JsonObject obj, PatchSchema schema, bool withStatus)
    {
        var set = new FieldSet();
        var names = new List<string>();
        var path = new List<string>();
        foreach (var (name, value) in obj)
        {
            if (IsUnmanagedTopLevel(name, withStatus)) continue;
            names.Add(name);
            path.Add("f:" + name);
            if (name == "metadata" && value is JsonObject meta)
            {
                foreach (var (m, v) in meta)
                {
                    if (IsServerMetadata(m)) continue;
                    names.Add(m);
                    path.Add("f:" + m);
                    Collect(v, names, path, set, schema);
                    names.RemoveAt(names.Count - 1);
                    path.RemoveAt(path.Count - 1);
                }
            }
            else Collect(value, names, path, set, schema);
            names.RemoveAt(names.Count - 1);
            path.RemoveAt(path.Count - 1);
        }
        return set;
    }

    private static void Collect(JsonNode? value, List<string> names, List<string> path, FieldSet set, PatchSchema schema)
    {
        switch (value)
        {
            case JsonObject o when o.Count > 0:
                foreach (var (name, v) in o)
                {
                    names.Add(name);
                    path.Add("f:" + name);
                    Collect(v, names, path, set, schema);
                    names.RemoveAt(names.Count - 1);
                    path.RemoveAt(path.Count - 1);
                }
                return;
            case JsonArray a when schema.Lookup(names) is { Strategy: PatchStrategy.Merge } meta:
                foreach (var item in a)
                {
                    if (ElementOf(item, meta.MergeKey) is not { } element) { set.Add(path); return; } // not keyable: atomic
                    path.Add(element);
                    set.Add(path);
                    if (meta.MergeKey is not null) Collect(item, names, path, set, schema);
                    path.RemoveAt(path.Count - 1);
                }
                if (a.Count == 0) set.Add(path);
                return;
            default:
                set.Add(path);
                return;
        }
    }

    /// <summary>The path element naming a list item: <c>k:{"name":"x"}</c> for keyed lists, <c>v:"x"</c> for sets.</summary>
    private static string? ElementOf(JsonNode? item, string? mergeKey)
    {
        if (mergeKey is null) return item is JsonObject or JsonArray ? null : "v:" + (item?.ToJsonString() ?? "null");
        if (item is not JsonObject o || o[mergeKey] is not { } key) return null;
        return "k:" + new JsonObject { [mergeKey] = key.DeepClone() }.ToJsonString();
    }

    /// <summary>The node at <paramref name="path"/>, or null when it is absent.</summary>
    public static JsonNode? ValueAt(JsonNode? root, IReadOnlyList<string> path)
    {
        var node = root;
        foreach (var e in path)
        {
            if (node is null) return null;
            node = Step(node, e, out _);
        }
        return node;
    }

    private static JsonNode? Step(JsonNode node, string element, out int index)
    {
        index = -1;
        if (element.StartsWith("f:", StringComparison.Ordinal)) return node is JsonObject o ? o[element[2..]] : null;
        if (node is not JsonArray a) return null;
        if (element.StartsWith("k:", StringComparison.Ordinal))
        {
            var key = JsonNode.Parse(element[2..]) as JsonObject;
            for (int i = 0; i < a.Count; i++)
                if (a[i] is JsonObject item && key is not null && key.All(kv => JsonUtil.DeepEquals(item[kv.Key], kv.Value))) { index = i; return item; }
            return null;
        }
        if (element.StartsWith("v:", StringComparison.Ordinal))
        {
            var v = JsonNode.Parse(element[2..]);
            for (int i = 0; i < a.Count; i++)
                if (JsonUtil.DeepEquals(a[i], v)) { index = i; return a[i]; }
        }
        return null;
    }

    /// <summary>Removes the field or list element at <paramref name="path"/> if present; a map or list the removal
    /// leaves empty goes too (an applier that drops its last label leaves no <c>labels: {}</c> behind).</summary>
    public static void Remove(JsonNode root, IReadOnlyList<string> path)
    {
        if (path.Count == 0) return;
        var parentPath = path.Take(path.Count - 1).ToList();
        var parent = ValueAt(root, parentPath);
        if (parent is null) return;
        var last = path[^1];
        if (last.StartsWith("f:", StringComparison.Ordinal)) { if (parent is JsonObject o && !o.Remove(last[2..])) return; }
        else if (Step(parent, last, out var i) is not null && parent is JsonArray a) a.RemoveAt(i);
        else return;
        if (parentPath.Count > 1 && parent is JsonObject { Count: 0 } or JsonArray { Count: 0 }) Remove(root, parentPath);
    }

    /// <summary>A path as upstream prints it in conflicts: <c>.spec.containers[name="nginx"].image</c>.</summary>
    public static string Describe(IReadOnlyList<string> path)
    {
        var sb = new StringBuilder();
        foreach (var e in path)
        {
            if (e.StartsWith("f:", StringComparison.Ordinal)) sb.Append('.').Append(e, 2, e.Length - 2);
            else if (e.StartsWith("k:", StringComparison.Ordinal) && JsonNode.Parse(e[2..]) is JsonObject key)
                sb.Append('[').Append(string.Join(",", key.Select(kv => kv.Key + "=" + kv.Value!.ToJsonString()))).Append(']');
            else if (e.StartsWith("v:", StringComparison.Ordinal)) sb.Append("[=").Append(e, 2, e.Length - 2).Append(']');
        }
        return sb.ToString();
    }
}
