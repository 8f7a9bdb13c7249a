using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using Berth.Api.Meta;

namespace Berth.Server.Http;

/// <summary>
/// Finds the fields a decoded object did not recognise (kept in each model's extension data), named by their
/// JSON path as upstream's strict decoding reports them: "spec.foo", "spec.containers[0].bar".
/// </summary>
public static class UnknownFields
{
    private static readonly ConcurrentDictionary<Type, (PropertyInfo Prop, string Name)[]> Props = new();

    public static List<string> Find(object root)
    {
        var found = new List<string>();
        Walk(root, "", found, 0);
        return found;
    }

    private static void Walk(object? o, string path, List<string> found, int depth)
    {
        if (o is null || depth > 64) return;
        if (o is Extensible ext)
        {
            if (ext.Unknown is { Count: > 0 })
                foreach (var k in ext.Unknown.Keys) found.Add(path.Length == 0 ? k : path + "." + k);
            foreach (var (prop, name) in PropsOf(o.GetType()))
            {
                var v = prop.GetValue(o);
                if (v is null) continue;
                var p = path.Length == 0 ? name : path + "." + name;
                Walk(v, p, found, depth + 1);
            }
        }
        else if (o is IDictionary dict)
        {
            foreach (DictionaryEntry e in dict) Walk(e.Value, path + "[" + e.Key + "]", found, depth + 1);
        }
        else if (o is IList list)
        {
            for (int i = 0; i < list.Count; i++) Walk(list[i], path + "[" + i + "]", found, depth + 1);
        }
    }

    /// <summary>The properties that can lead to an <see cref="Extensible"/>: maps of strings, string lists and quantities
    /// cannot hold unknown fields, and walking them (every label, annotation and access mode) was most of the cost.</summary>
    private static (PropertyInfo, string)[] PropsOf(Type t) => Props.GetOrAdd(t, static t =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != nameof(Extensible.Unknown) && MayHoldExtensible(p.PropertyType, 0))
            .Select(p => (p, p.GetCustomAttribute<System.Text.Json.Serialization.JsonPropertyNameAttribute>()?.Name ?? System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(p.Name)))
            .ToArray());

    private static bool MayHoldExtensible(Type t, int depth)
    {
        if (typeof(Extensible).IsAssignableFrom(t) || t == typeof(object)) return true;
        if (t == typeof(string) || t == typeof(byte[]) || depth > 4 || !typeof(IEnumerable).IsAssignableFrom(t)) return false;
        // A collection: what its elements (a map's values) may hold. Non-generic ones may hold anything.
        var dict = t.GetInterfaces().Append(t).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        if (dict is not null) return MayHoldExtensible(dict.GetGenericArguments()[1], depth + 1);
        var seq = t.GetInterfaces().Append(t).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return seq is null || MayHoldExtensible(seq.GetGenericArguments()[0], depth + 1);
    }
}
