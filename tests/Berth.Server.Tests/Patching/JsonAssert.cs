using System.Text.Json.Nodes;

namespace Berth.Server.Tests.Patching;

internal static class JsonAssert
{
    public static JsonNode? Parse(string json) => JsonNode.Parse(json);

    public static JsonNode Obj(string json) => JsonNode.Parse(json) ?? throw new ArgumentException("null JSON");

    /// <summary>Structural equality: object member order ignored, array order significant.</summary>
    public static void Equal(string expectedJson, JsonNode? actual)
    {
        var expected = JsonNode.Parse(expectedJson);
        Assert.True(
            JsonNode.DeepEquals(expected, actual),
            $"expected: {expected?.ToJsonString() ?? "null"}\n  actual: {actual?.ToJsonString() ?? "null"}");
    }

    /// <summary>Fails if any object in the tree has a key starting with '$' (a patch directive).</summary>
    public static void NoDirectives(JsonNode? node, string path = "")
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    Assert.False(key.StartsWith('$'), $"directive '{key}' leaked into the result at {path}");
                    NoDirectives(value, path + "/" + key);
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    NoDirectives(a[i], path + "/" + i);
                }

                break;
        }
    }
}
