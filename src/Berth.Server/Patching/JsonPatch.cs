using System.Text.Json.Nodes;

namespace Berth.Server.Patching;

/// <summary>
/// JSON Patch, RFC 6902 (<c>application/json-patch+json</c>), with the semantics and error
/// messages of evanphx/json-patch v4, the library kube-apiserver uses:
/// negative array indices count from the end, <c>"-"</c> appends, a <c>test</c> of a missing
/// object member against <c>null</c> succeeds, and <c>add</c>/<c>remove</c> on the whole document
/// (<c>""</c>) are rejected while <c>replace</c>/<c>test</c> on it are allowed.
/// Deliberately stricter than evanphx v4 (which follows neither RFC here): a non-empty pointer not starting with
/// <c>/</c> is rejected, and <c>replace</c> of a missing object member fails instead of adding it.
/// </summary>
public static class JsonPatch
{
    /// <summary>Applies the operations in <paramref name="patch"/> (a JSON array) to a copy of <paramref name="original"/>.</summary>
    /// <exception cref="PatchException">400 when the patch is not an array of operation objects; 422 when an operation does not apply.</exception>
    public static JsonNode Apply(JsonNode original, JsonNode patch)
    {
        ArgumentNullException.ThrowIfNull(original);
        if (patch is not JsonArray operations)
        {
            throw PatchException.BadRequest(
                $"json: cannot unmarshal {JsonUtil.KindOf(patch).ToString().ToLowerInvariant()} into Go value of type jsonpatch.Patch");
        }

        var doc = original.DeepClone();
        foreach (var item in operations)
        {
            if (item is not JsonObject op)
            {
                throw PatchException.BadRequest(
                    $"json: cannot unmarshal {JsonUtil.KindOf(item).ToString().ToLowerInvariant()} into Go value of type jsonpatch.Operation");
            }

            var kind = StringMember(op, "op") ?? "unknown";
            doc = kind switch
            {
                "add" => Add(doc, op),
                "remove" => Remove(doc, op),
                "replace" => Replace(doc, op),
                "move" => Move(doc, op),
                "copy" => Copy(doc, op),
                "test" => Test(doc, op),
                _ => throw PatchException.Invalid($"Unexpected kind: {kind}"),
            };
        }

        return doc;
    }

    private static string? StringMember(JsonObject op, string name) =>
        op.TryGetPropertyValue(name, out var node) && JsonUtil.KindOf(node) == JsonUtil.Kind.String
            ? node!.GetValue<string>()
            : null;

    private static string PathOf(JsonObject op) =>
        StringMember(op, "path") ?? throw PatchException.Invalid("operation missing path field: missing value");

    private static string FromOf(JsonObject op) =>
        StringMember(op, "from") ?? throw PatchException.Invalid("operation, missing from field: missing value");

    private static JsonNode? ValueOf(JsonObject op)
    {
        if (!op.TryGetPropertyValue("value", out var value))
        {
            throw PatchException.Invalid("operation, missing value field: missing value");
        }

        return JsonUtil.Clone(value);
    }

    private static string[] Tokens(string pointer)
    {
        if (!JsonPointer.TryParse(pointer, out var tokens))
        {
            throw PatchException.Invalid($"invalid JSON pointer \"{pointer}\": a non-empty pointer must start with '/'");
        }

        return tokens;
    }

    /// <summary>The object or array holding the last token of <paramref name="tokens"/>, or null when a step is missing.</summary>
    private static JsonNode? FindContainer(JsonNode doc, string[] tokens)
    {
        JsonNode? current = doc;
        for (var i = 0; i < tokens.Length - 1; i++)
        {
            current = current switch
            {
                JsonObject o => o.TryGetPropertyValue(tokens[i], out var next) ? next : null,
                JsonArray a => TryResolveIndex(a, tokens[i], a.Count, out var idx) ? a[idx] : null,
                _ => null,
            };
            if (current is not (JsonObject or JsonArray))
            {
                return null;
            }
        }

        return current;
    }

    /// <summary>Resolves an existing element index (negative counts from the end).</summary>
    private static bool TryResolveIndex(JsonArray array, string token, int size, out int index)
    {
        if (!JsonPointer.TryParseIndex(token, out index))
        {
            return false;
        }

        if (index < 0)
        {
            if (index < -size)
            {
                return false;
            }

            index += size;
        }

        return index < size;
    }

    private static void AddTo(JsonNode container, string key, JsonNode? value, string context)
    {
        if (container is JsonObject o)
        {
            o[key] = value;
            return;
        }

        var array = (JsonArray)container;
        if (key == "-")
        {
            array.Add(value);
            return;
        }

        if (!JsonPointer.TryParseIndex(key, out var index))
        {
            throw PatchException.Invalid($"{context}: value was not a proper array index: '{key}'");
        }

        var size = array.Count + 1;
        if (index >= size || index < -size)
        {
            throw PatchException.Invalid($"{context}: Unable to access invalid index: {index}: invalid index referenced");
        }

        if (index < 0)
        {
            index += size;
        }

        array.Insert(index, value);
    }

    /// <summary>Detaches and returns the value at <paramref name="key"/>; throws with evanphx's wording when absent.</summary>
    private static JsonNode? RemoveFrom(JsonNode container, string key, string context)
    {
        if (container is JsonObject o)
        {
            if (!o.TryGetPropertyValue(key, out var value))
            {
                throw PatchException.Invalid($"{context}: Unable to remove nonexistent key: {key}: missing value");
            }

            o.Remove(key);
            return value;
        }

        var array = (JsonArray)container;
        if (!JsonPointer.TryParseIndex(key, out _))
        {
            throw PatchException.Invalid($"{context}: strconv.Atoi: parsing \"{key}\": invalid syntax");
        }

        if (!TryResolveIndex(array, key, array.Count, out var index))
        {
            throw PatchException.Invalid($"{context}: Unable to access invalid index: {key}: invalid index referenced");
        }

        var removed = array[index];
        array.RemoveAt(index);
        return removed;
    }

    private static bool TryGet(JsonNode container, string key, out JsonNode? value)
    {
        if (container is JsonObject o)
        {
            return o.TryGetPropertyValue(key, out value);
        }

        var array = (JsonArray)container;
        if (TryResolveIndex(array, key, array.Count, out var index))
        {
            value = array[index];
            return true;
        }

        value = null;
        return false;
    }

    private static JsonNode Add(JsonNode doc, JsonObject op)
    {
        var path = PathOf(op);
        var tokens = Tokens(path);
        var value = ValueOf(op);
        var container = tokens.Length == 0 ? null : FindContainer(doc, tokens);
        if (container is null)
        {
            throw PatchException.Invalid($"add operation does not apply: doc is missing path: \"{path}\": missing value");
        }

        AddTo(container, tokens[^1], value, $"error in add for path: '{path}'");
        return doc;
    }

    private static JsonNode Remove(JsonNode doc, JsonObject op)
    {
        var path = PathOf(op);
        var tokens = Tokens(path);
        var container = tokens.Length == 0 ? null : FindContainer(doc, tokens);
        if (container is null)
        {
            throw PatchException.Invalid($"remove operation does not apply: doc is missing path: \"{path}\": missing value");
        }

        RemoveFrom(container, tokens[^1], $"error in remove for path: '{path}'");
        return doc;
    }

    private static JsonNode Replace(JsonNode doc, JsonObject op)
    {
        var path = PathOf(op);
        var tokens = Tokens(path);
        var value = ValueOf(op);
        if (tokens.Length == 0)
        {
            if (value is JsonObject or JsonArray)
            {
                return value;
            }

            throw PatchException.Invalid("replace operation value must be object or array");
        }

        var container = FindContainer(doc, tokens);
        if (container is null)
        {
            throw PatchException.Invalid($"replace operation does not apply: doc is missing path: {path}: missing value");
        }

        var key = tokens[^1];
        if (!TryGet(container, key, out _))
        {
            throw PatchException.Invalid($"replace operation does not apply: doc is missing key: {path}: missing value");
        }

        if (container is JsonObject o)
        {
            o[key] = value;
        }
        else
        {
            var array = (JsonArray)container;
            TryResolveIndex(array, key, array.Count, out var index);
            array[index] = value;
        }

        return doc;
    }

    private static JsonNode Move(JsonNode doc, JsonObject op)
    {
        var from = FromOf(op);
        var fromTokens = Tokens(from);
        var container = fromTokens.Length == 0 ? null : FindContainer(doc, fromTokens);
        if (container is null || !TryGet(container, fromTokens[^1], out _))
        {
            throw PatchException.Invalid($"move operation does not apply: doc is missing from path: {from}: missing value");
        }

        var value = RemoveFrom(container, fromTokens[^1], $"error in move for path: '{fromTokens[^1]}'");

        var path = PathOf(op);
        var tokens = Tokens(path);
        var destination = tokens.Length == 0 ? null : FindContainer(doc, tokens);
        if (destination is null)
        {
            throw PatchException.Invalid($"move operation does not apply: doc is missing destination path: {path}: missing value");
        }

        AddTo(destination, tokens[^1], value, $"error in move for path: '{path}'");
        return doc;
    }

    private static JsonNode Copy(JsonNode doc, JsonObject op)
    {
        var from = FromOf(op);
        var fromTokens = Tokens(from);
        JsonNode? value;
        if (fromTokens.Length == 0)
        {
            value = doc;
        }
        else
        {
            var container = FindContainer(doc, fromTokens);
            if (container is null)
            {
                throw PatchException.Invalid($"copy operation does not apply: doc is missing from path: {from}: missing value");
            }

            if (!TryGet(container, fromTokens[^1], out value))
            {
                throw PatchException.Invalid($"error in copy for from: '{from}': missing value");
            }
        }

        var path = PathOf(op);
        var tokens = Tokens(path);
        var destination = tokens.Length == 0 ? null : FindContainer(doc, tokens);
        if (destination is null)
        {
            throw PatchException.Invalid($"copy operation does not apply: doc is missing destination path: {path}: missing value");
        }

        AddTo(destination, tokens[^1], JsonUtil.Clone(value), "error while adding value during copy");
        return doc;
    }

    private static JsonNode Test(JsonNode doc, JsonObject op)
    {
        var path = PathOf(op);
        var tokens = Tokens(path);
        var expected = ValueOf(op);
        if (tokens.Length == 0)
        {
            return JsonUtil.DeepEquals(doc, expected)
                ? doc
                : throw PatchException.Invalid($"testing value {path} failed: test failed");
        }

        var container = FindContainer(doc, tokens);
        if (container is null)
        {
            throw PatchException.Invalid($"test operation does not apply: is missing path: {path}: missing value");
        }

        JsonNode? actual;
        if (container is JsonObject o)
        {
            // evanphx v4: a missing member reads as null, so testing it against null succeeds.
            o.TryGetPropertyValue(tokens[^1], out actual);
        }
        else if (!TryGet(container, tokens[^1], out actual))
        {
            throw PatchException.Invalid($"error in test for path: '{path}': Unable to access invalid index: {tokens[^1]}: invalid index referenced");
        }

        return JsonUtil.DeepEquals(actual, expected)
            ? doc
            : throw PatchException.Invalid($"testing value {path} failed: test failed");
    }
}
