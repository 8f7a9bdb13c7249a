using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Server.Patching;

/// <summary>Helpers giving JsonNode the value semantics Go's map[string]interface{} has.</summary>
internal static class JsonUtil
{
    internal enum Kind
    {
        Null,
        Object,
        Array,
        String,
        Number,
        Boolean,
    }

    internal static Kind KindOf(JsonNode? node) => node switch
    {
        null => Kind.Null,
        JsonObject => Kind.Object,
        JsonArray => Kind.Array,
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => Kind.String,
            JsonValueKind.Number => Kind.Number,
            JsonValueKind.True or JsonValueKind.False => Kind.Boolean,
            JsonValueKind.Null => Kind.Null,
            JsonValueKind.Object => Kind.Object,
            JsonValueKind.Array => Kind.Array,
            _ => Kind.Null,
        },
    };

    internal static bool IsNull(JsonNode? node) => KindOf(node) == Kind.Null;

    internal static JsonNode? Clone(JsonNode? node) => node?.DeepClone();

    internal static double NumberOf(JsonNode node) =>
        double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Structural equality; numbers compare as float64 (as Go decodes JSON).</summary>
    internal static bool DeepEquals(JsonNode? a, JsonNode? b)
    {
        var ka = KindOf(a);
        if (ka != KindOf(b))
        {
            return false;
        }

        switch (ka)
        {
            case Kind.Null:
                return true;
            case Kind.String:
                return a!.GetValue<string>() == b!.GetValue<string>();
            case Kind.Boolean:
                return a!.GetValueKind() == b!.GetValueKind();
            case Kind.Number:
                return NumberOf(a!).Equals(NumberOf(b!));
            case Kind.Array:
            {
                var x = (JsonArray)a!;
                var y = (JsonArray)b!;
                if (x.Count != y.Count)
                {
                    return false;
                }

                for (var i = 0; i < x.Count; i++)
                {
                    if (!DeepEquals(x[i], y[i]))
                    {
                        return false;
                    }
                }

                return true;
            }

            default:
            {
                var x = (JsonObject)a!;
                var y = (JsonObject)b!;
                if (x.Count != y.Count)
                {
                    return false;
                }

                foreach (var (key, value) in x)
                {
                    if (!y.TryGetPropertyValue(key, out var other) || !DeepEquals(value, other))
                    {
                        return false;
                    }
                }

                return true;
            }
        }
    }

    /// <summary>A string identifying a value up to <see cref="DeepEquals"/>, usable as a set/dictionary key.</summary>
    internal static string KeyOf(JsonNode? node) => KindOf(node) switch
    {
        Kind.Null => "z",
        Kind.String => "s" + node!.GetValue<string>(),
        Kind.Number => "n" + NumberOf(node!).ToString("R", CultureInfo.InvariantCulture),
        Kind.Boolean => node!.GetValueKind() == JsonValueKind.True ? "btrue" : "bfalse",
        _ => "j" + Canonical(node!),
    };

    private static string Canonical(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                return "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal)
                    .Select(p => JsonSerializer.Serialize(p.Key) + ":" + KeyOf(p.Value))) + "}";
            case JsonArray a:
                return "[" + string.Join(",", a.Select(KeyOf)) + "]";
            default:
                return KeyOf(node);
        }
    }

    internal static string Describe(JsonNode? node) => node?.ToJsonString() ?? "null";

    /// <summary>A Go-like type name for error messages.</summary>
    internal static string GoTypeName(JsonNode? node) => KindOf(node) switch
    {
        Kind.Null => "<nil>",
        Kind.Object => "map[string]interface {}",
        Kind.Array => "[]interface {}",
        Kind.String => "string",
        Kind.Number => "float64",
        _ => "bool",
    };
}
