using System.Text.Json.Nodes;

namespace Berth.Server.Patching;

/// <summary>JSON Merge Patch, RFC 7386 (<c>application/merge-patch+json</c>).</summary>
public static class JsonMergePatch
{
    /// <summary>
    /// Applies <paramref name="patch"/> to <paramref name="original"/> and returns the result.
    /// Neither argument is modified. A null member deletes, objects merge recursively, and
    /// anything else (arrays included) replaces the target value.
    /// </summary>
    public static JsonNode? Apply(JsonNode? original, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return JsonUtil.Clone(patch);
        }

        var target = original is JsonObject originalObject
            ? (JsonObject)originalObject.DeepClone()
            : new JsonObject();
        MergeInto(target, patchObject);
        return target;
    }

    private static void MergeInto(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch)
        {
            if (JsonUtil.IsNull(value))
            {
                target.Remove(name);
                continue;
            }

            if (value is JsonObject valueObject)
            {
                if (target.TryGetPropertyValue(name, out var existing) && existing is JsonObject existingObject)
                {
                    MergeInto(existingObject, valueObject);
                }
                else
                {
                    var fresh = new JsonObject();
                    MergeInto(fresh, valueObject);
                    target[name] = fresh;
                }

                continue;
            }

            target[name] = JsonUtil.Clone(value);
        }
    }
}
