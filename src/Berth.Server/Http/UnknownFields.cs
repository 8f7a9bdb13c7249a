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

    private static (PropertyInfo, string)[] PropsOf(Type t) => Props.GetOrAdd(t, static t =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != nameof(Extensible.Unknown)
                && (typeof(Extensible).IsAssignableFrom(p.PropertyType) || (typeof(IEnumerable).IsAssignableFrom(p.PropertyType) && p.PropertyType != typeof(string) && p.PropertyType != typeof(byte[]))))
            .Select(p => (p, p.GetCustomAttribute<System.Text.Json.Serialization.JsonPropertyNameAttribute>()?.Name ?? System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(p.Name)))
            .ToArray());
}
