using System.Text.Json.Nodes;

namespace Berth.Server.Patching;

/// <summary>
/// Kubernetes strategic merge patch (<c>application/strategic-merge-patch+json</c>), applied the way
/// kube-apiserver applies it (k8s.io/apimachinery pkg/util/strategicpatch StrategicMergeMapPatch with
/// MergeParallelList and IgnoreUnmatchedNulls), driven by a <see cref="PatchSchema"/> instead of Go struct tags.
/// </summary>
/// <remarks>
/// Behaviour worth knowing (all upstream's):
/// <list type="bullet">
/// <item>Merged lists are ordered by <c>$setElementOrder</c> when present, otherwise patch items keep the
/// patch's order and are interleaved with server-only items using the live order, so an element that is new
/// to the list lands <em>before</em> server-only items that precede no patched item (a patch naming only a new
/// container puts it first).</item>
/// <item><c>$patch: merge</c> is rejected (maps: "unknown patch type", lists: "merging lists cannot yet be specified").</item>
/// <item><c>$patch: delete</c> on a map that exists leaves an empty map; on a map that does not exist, nothing.</item>
/// </list>
/// Values taken from the patch never carry directives or null members into the result (upstream leaves some for the
/// typed decoder to drop; Berth stores untyped JSON, so they are removed here).
/// </remarks>
public static class StrategicMergePatch
{
    private const string DirectiveMarker = "$patch";
    private const string DeleteDirective = "delete";
    private const string ReplaceDirective = "replace";
    private const string MergeDirective = "merge";
    private const string RetainKeysDirective = "$retainKeys";
    private const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList";
    private const string SetElementOrderPrefix = "$setElementOrder";

    /// <summary>Applies <paramref name="patch"/> to a copy of <paramref name="original"/>; both must be JSON objects.</summary>
    /// <exception cref="PatchException">The patch is malformed or does not apply (see <see cref="PatchException.StatusCode"/>).</exception>
    public static JsonNode Apply(JsonNode original, JsonNode patch, PatchSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (original is not JsonObject originalObject || patch is not JsonObject patchObject)
        {
            throw PatchException.BadRequest("invalid JSON document");
        }

        return MergeMap((JsonObject)originalObject.DeepClone(), patchObject, schema.Root);
    }

    // original is owned (mutated in place and usually returned); patch is read-only.
    private static JsonObject MergeMap(JsonObject original, JsonObject patch, PatchSchema.Node? schema)
    {
        if (patch.TryGetPropertyValue(DirectiveMarker, out var directive))
        {
            return HandleDirectiveInMergeMap(directive, patch);
        }

        var pending = patch.Select(p => new KeyValuePair<string, JsonNode?>(p.Key, p.Value)).ToList();
        ApplyRetainKeysDirective(original, pending);
        MergePatchIntoOriginal(original, pending, schema);

        // Plain fields first, then the parallel deletion lists (upstream iterates a Go map: order unspecified).
        foreach (var (rawKey, patchValue) in pending.OrderBy(p => p.Key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal) ? 1 : 0))
        {
            var key = rawKey;
            var isDeleteList = false;
            if (key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal))
            {
                key = ExtractKey(key, DeleteFromPrimitiveListPrefix);
                isDeleteList = true;
            }

            if (JsonUtil.IsNull(patchValue))
            {
                original.Remove(key);
                continue;
            }

            if (!original.TryGetPropertyValue(key, out var originalValue)
                || JsonUtil.KindOf(originalValue) != JsonUtil.KindOf(patchValue))
            {
                if (!isDeleteList)
                {
                    SetCleaned(original, key, patchValue);
                }

                continue;
            }

            var child = schema?.Child(key);
            var meta = child?.Meta ?? FieldPatchMeta.Atomic;
            switch (originalValue)
            {
                case JsonObject originalMap:
                {
                    var merged = meta.Strategy == PatchStrategy.Replace
                        ? (JsonObject?)Clean(patchValue).Value ?? new JsonObject()
                        : MergeMap(originalMap, (JsonObject)patchValue!, child);
                    if (!ReferenceEquals(merged, originalMap))
                    {
                        original[key] = merged;
                    }

                    break;
                }

                case JsonArray originalList:
                    original[key] = MergeSliceHandler(originalList, (JsonArray)patchValue!, child, meta, key, isDeleteList);
                    break;
                default:
                    SetCleaned(original, key, patchValue);
                    break;
            }
        }

        return original;
    }

    private static void SetCleaned(JsonObject target, string key, JsonNode? patchValue)
    {
        var (value, keep) = Clean(patchValue);
        if (keep)
        {
            target[key] = value;
        }
        else
        {
            target.Remove(key);
        }
    }

    private static JsonObject HandleDirectiveInMergeMap(JsonNode? directive, JsonObject patch)
    {
        if (IsString(directive, ReplaceDirective))
        {
            var copy = new JsonObject();
            foreach (var (key, value) in patch)
            {
                if (key != DirectiveMarker)
                {
                    copy[key] = JsonUtil.Clone(value);
                }
            }

            return (JsonObject)Clean(copy).Value!;
        }

        if (IsString(directive, DeleteDirective))
        {
            return new JsonObject();
        }

        throw ErrBadPatchType(directive, patch);
    }

    private static void ApplyRetainKeysDirective(JsonObject original, List<KeyValuePair<string, JsonNode?>> pending)
    {
        var index = pending.FindIndex(p => p.Key == RetainKeysDirective);
        if (index < 0)
        {
            return;
        }

        var retainKeys = pending[index].Value;
        pending.RemoveAt(index);
        if (retainKeys is not JsonArray list)
        {
            throw PatchException.BadRequest("invalid patch format of retainKeys");
        }

        var retained = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in list)
        {
            if (JsonUtil.KindOf(item) == JsonUtil.Kind.String)
            {
                retained.Add(item!.GetValue<string>());
            }
        }

        foreach (var (key, value) in pending)
        {
            if (JsonUtil.IsNull(value)
                || key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal)
                || key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (!retained.Contains(key))
            {
                throw PatchException.BadRequest("invalid patch format of retainKeys");
            }
        }

        foreach (var key in original.Select(p => p.Key).ToList())
        {
            if (!retained.Contains(key))
            {
                original.Remove(key);
            }
        }
    }

    /// <summary>Processes every <c>$setElementOrder/field</c> together with its list; removes both from <paramref name="pending"/>.</summary>
    private static void MergePatchIntoOriginal(JsonObject original, List<KeyValuePair<string, JsonNode?>> pending, PatchSchema.Node? schema)
    {
        foreach (var (key, setOrderNode) in pending.Where(p => p.Key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal)).ToList())
        {
            pending.RemoveAll(p => p.Key == key);
            if (setOrderNode is not JsonArray setOrderArray)
            {
                throw ErrBadArgType("[]interface {}", setOrderNode);
            }

            var fieldKey = ExtractKey(key, SetElementOrderPrefix);
            var setOrder = setOrderArray.ToList();

            List<JsonNode?>? originalItems = null;
            JsonArray? originalArray = null;
            if (original.TryGetPropertyValue(fieldKey, out var originalValue) && !JsonUtil.IsNull(originalValue))
            {
                originalArray = originalValue as JsonArray ?? throw ErrBadArgType("[]interface {}", originalValue);
                originalItems = originalArray.ToList();
            }

            var patchIndex = pending.FindIndex(p => p.Key == fieldKey);
            JsonArray? patchArray = null;
            if (patchIndex >= 0)
            {
                patchArray = pending[patchIndex].Value as JsonArray ?? throw ErrBadArgType("[]interface {}", pending[patchIndex].Value);
                pending.RemoveAt(patchIndex);
            }

            var child = schema?.Child(fieldKey);
            var meta = child?.Meta ?? FieldPatchMeta.Atomic;
            var mergeKey = meta.MergeKey;
            ValidatePatchWithSetOrderList(patchArray?.ToList(), setOrder, mergeKey);

            List<JsonNode?> merged;
            if (originalArray is not null && patchArray is null)
            {
                merged = Detach(originalArray);
            }
            else if (originalArray is null && patchArray is not null)
            {
                merged = Detach((JsonArray)Clean(patchArray).Value!);
            }
            else if (originalArray is not null && patchArray is not null)
            {
                merged = Detach(MergeSliceHandler(originalArray, patchArray, child, meta, fieldKey, isDeleteList: false));
            }
            else
            {
                continue;
            }

            var kind = SliceElementKind(fieldKey, originalItems, patchArray?.ToList());
            if (kind is null)
            {
                original[fieldKey] = new JsonArray(merged.ToArray());
                continue;
            }

            var (patchItems, serverOnlyItems) = string.IsNullOrEmpty(mergeKey)
                ? PartitionPrimitives(merged, setOrder)
                : PartitionMaps(merged, setOrder, mergeKey);
            var ordered = NormalizeElementOrder(patchItems, serverOnlyItems, setOrder, originalItems ?? [], mergeKey, kind.Value);
            original[fieldKey] = new JsonArray(ordered.ToArray());
        }
    }

    private static List<JsonNode?> Detach(JsonArray array)
    {
        var items = array.ToList();
        array.Clear();
        return items;
    }

    private static JsonArray MergeSliceHandler(
        JsonArray original, JsonArray patch, PatchSchema.Node? schema, FieldPatchMeta meta, string fieldName, bool isDeleteList)
    {
        if (meta.Strategy == PatchStrategy.Merge || isDeleteList)
        {
            var merged = MergeSlice(Detach(original), patch.ToList(), schema, meta.MergeKey, fieldName, isDeleteList);
            return new JsonArray(merged.ToArray());
        }

        return (JsonArray)Clean(patch).Value!;
    }

    private static List<JsonNode?> MergeSlice(
        List<JsonNode?> original, List<JsonNode?> patch, PatchSchema.Node? schema, string? mergeKey, string fieldName, bool isDeleteList)
    {
        if (original.Count == 0 && patch.Count == 0)
        {
            return original;
        }

        var kind = SliceElementKind(fieldName, original, patch)!.Value;
        List<JsonNode?> merged;
        List<JsonNode?> patchOrder = patch;
        if (kind != JsonUtil.Kind.Object)
        {
            if (isDeleteList)
            {
                var toDelete = patch.Select(JsonUtil.KeyOf).ToHashSet(StringComparer.Ordinal);
                return original.Where(v => !toDelete.Contains(JsonUtil.KeyOf(v))).ToList();
            }

            merged = [];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in original.Concat(patch.Select(JsonUtil.Clone)))
            {
                if (seen.Add(JsonUtil.KeyOf(item)))
                {
                    merged.Add(item);
                }
            }
        }
        else
        {
            if (string.IsNullOrEmpty(mergeKey))
            {
                throw PatchException.Internal($"cannot merge lists without merge key for {fieldName}");
            }

            (original, patchOrder) = MergeSliceWithSpecialElements(original, patch, mergeKey);
            merged = MergeSliceWithoutSpecialElements(original, patchOrder, mergeKey, schema);
        }

        var (patchItems, serverOnlyItems) = string.IsNullOrEmpty(mergeKey)
            ? PartitionPrimitives(merged, patchOrder)
            : PartitionMaps(merged, patchOrder, mergeKey);
        return NormalizeElementOrder(patchItems, serverOnlyItems, patchOrder, original, mergeKey, kind);
    }

    private static (List<JsonNode?> Original, List<JsonNode?> Patch) MergeSliceWithSpecialElements(
        List<JsonNode?> original, List<JsonNode?> patch, string mergeKey)
    {
        var withoutSpecial = new List<JsonNode?>();
        var replace = false;
        foreach (var item in patch)
        {
            var element = (JsonObject)item!;
            if (!element.TryGetPropertyValue(DirectiveMarker, out var directive))
            {
                withoutSpecial.Add(element);
                continue;
            }

            if (IsString(directive, DeleteDirective))
            {
                if (!element.TryGetPropertyValue(mergeKey, out var mergeValue))
                {
                    throw ErrNoMergeKey(element, mergeKey);
                }

                var key = JsonUtil.KeyOf(mergeValue);
                original = original.Where(e => !(e is JsonObject o && o.TryGetPropertyValue(mergeKey, out var v) && JsonUtil.KeyOf(v) == key)).ToList();
            }
            else if (IsString(directive, ReplaceDirective))
            {
                replace = true; // keep going: other $patch elements are pruned too
            }
            else if (IsString(directive, MergeDirective))
            {
                throw PatchException.Internal("merging lists cannot yet be specified in the patch");
            }
            else
            {
                throw ErrBadPatchType(directive, element);
            }
        }

        if (replace)
        {
            var replacement = withoutSpecial.Select(e => Clean(e).Value).ToList();
            return (replacement, []);
        }

        return (original, withoutSpecial);
    }

    private static List<JsonNode?> MergeSliceWithoutSpecialElements(
        List<JsonNode?> original, List<JsonNode?> patch, string mergeKey, PatchSchema.Node? schema)
    {
        var merged = new List<JsonNode?>(original);
        foreach (var item in patch)
        {
            var element = (JsonObject)item!;
            if (!element.TryGetPropertyValue(mergeKey, out var mergeValue))
            {
                throw ErrNoMergeKey(element, mergeKey);
            }

            var key = JsonUtil.KeyOf(mergeValue);
            var index = merged.FindIndex(e => e is JsonObject o && o.TryGetPropertyValue(mergeKey, out var v) && JsonUtil.KeyOf(v) == key);
            if (index >= 0)
            {
                merged[index] = MergeMap((JsonObject)merged[index]!, element, schema);
            }
            else
            {
                merged.Add(Clean(element).Value);
            }
        }

        return merged;
    }

    private static (List<JsonNode?> Patch, List<JsonNode?> ServerOnly) PartitionPrimitives(List<JsonNode?> items, List<JsonNode?> partitionBy)
    {
        var inPatch = partitionBy.Select(JsonUtil.KeyOf).ToHashSet(StringComparer.Ordinal);
        var patch = new List<JsonNode?>();
        var serverOnly = new List<JsonNode?>();
        foreach (var item in items)
        {
            (inPatch.Contains(JsonUtil.KeyOf(item)) ? patch : serverOnly).Add(item);
        }

        return (patch, serverOnly);
    }

    private static (List<JsonNode?> Patch, List<JsonNode?> ServerOnly) PartitionMaps(List<JsonNode?> items, List<JsonNode?> partitionBy, string mergeKey)
    {
        var inPatch = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in partitionBy)
        {
            if (entry is not JsonObject o)
            {
                throw PatchException.Internal($"value for key {JsonUtil.Describe(entry)} is not a map");
            }

            if (o.TryGetPropertyValue(mergeKey, out var v))
            {
                inPatch.Add(JsonUtil.KeyOf(v));
            }
        }

        var patch = new List<JsonNode?>();
        var serverOnly = new List<JsonNode?>();
        foreach (var item in items)
        {
            var map = item as JsonObject ?? throw ErrBadArgType("map[string]interface {}", item);
            if (!map.TryGetPropertyValue(mergeKey, out var value))
            {
                throw ErrNoMergeKey(map, mergeKey);
            }

            (inPatch.Contains(JsonUtil.KeyOf(value)) ? patch : serverOnly).Add(item);
        }

        return (patch, serverOnly);
    }

    /// <summary>
    /// Sorts <paramref name="patch"/> by <paramref name="patchOrder"/> and <paramref name="serverOnly"/> by
    /// <paramref name="serverOrder"/>, then interleaves them (upstream normalizeElementOrder/mergeSortedSlice).
    /// </summary>
    private static List<JsonNode?> NormalizeElementOrder(
        List<JsonNode?> patch, List<JsonNode?> serverOnly, List<JsonNode?> patchOrder, List<JsonNode?> serverOrder, string? mergeKey, JsonUtil.Kind kind)
    {
        patch = NormalizeSliceOrder(patch, patchOrder, mergeKey, kind);
        serverOnly = NormalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);

        var serverIndex = IndexOf(serverOrder, mergeKey, kind);
        var result = new List<JsonNode?>(patch.Count + serverOnly.Count);
        int i = 0, j = 0;
        while (i < serverOnly.Count || j < patch.Count)
        {
            if (i >= serverOnly.Count)
            {
                result.Add(patch[j++]);
            }
            else if (j >= patch.Count)
            {
                result.Add(serverOnly[i++]);
            }
            else
            {
                var li = serverIndex(serverOnly[i]);
                var ri = serverIndex(patch[j]);
                if (li >= 0 && ri >= 0 && li < ri)
                {
                    result.Add(serverOnly[i++]);
                }
                else
                {
                    result.Add(patch[j++]);
                }
            }
        }

        return result;
    }

    private static List<JsonNode?> NormalizeSliceOrder(List<JsonNode?> toSort, List<JsonNode?> order, string? mergeKey, JsonUtil.Kind kind)
    {
        var toDelete = new List<JsonNode?>();
        if (kind == JsonUtil.Kind.Object)
        {
            foreach (var item in toSort.Concat(order))
            {
                var map = item as JsonObject ?? throw ErrBadArgType("map[string]interface {}", item);
                if (!map.ContainsKey(mergeKey!))
                {
                    throw ErrNoMergeKey(map, mergeKey!);
                }
            }

            var keep = new List<JsonNode?>();
            foreach (var item in toSort)
            {
                (((JsonObject)item!).TryGetPropertyValue(DirectiveMarker, out var d) && IsString(d, DeleteDirective) ? toDelete : keep).Add(item);
            }

            toSort = keep;
        }

        var indexOf = IndexOf(order, mergeKey, kind);
        var indexes = toSort.Select(indexOf).ToArray();
        var items = toSort.ToArray();
        if (indexes.All(x => x >= 0))
        {
            var sorted = items.Zip(indexes).OrderBy(p => p.Second).Select(p => p.First).ToList();
            sorted.AddRange(toDelete);
            return sorted;
        }

        // Go's sort.SliceStable (insertion sort) with upstream's non-strict comparator:
        // "less" is true whenever either item is absent from the order list.
        for (var a = 1; a < items.Length; a++)
        {
            for (var b = a; b > 0 && Less(indexes[b], indexes[b - 1]); b--)
            {
                (items[b], items[b - 1]) = (items[b - 1], items[b]);
                (indexes[b], indexes[b - 1]) = (indexes[b - 1], indexes[b]);
            }
        }

        var result = items.ToList();
        result.AddRange(toDelete);
        return result;

        static bool Less(int x, int y) => x < 0 || y < 0 || x < y;
    }

    /// <summary>Position of an item in <paramref name="list"/> (by merge-key value for maps, by value otherwise), or -1.</summary>
    private static Func<JsonNode?, int> IndexOf(List<JsonNode?> list, string? mergeKey, JsonUtil.Kind kind)
    {
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            positions.TryAdd(KeyForOrder(list[i]), i);
        }

        return item => positions.TryGetValue(KeyForOrder(item), out var position) ? position : -1;

        string KeyForOrder(JsonNode? item) => kind == JsonUtil.Kind.Object
            ? JsonUtil.KeyOf(item is JsonObject o && o.TryGetPropertyValue(mergeKey!, out var v) ? v : null)
            : JsonUtil.KeyOf(item);
    }

    private static void ValidatePatchWithSetOrderList(List<JsonNode?>? patchList, List<JsonNode?> setOrder, string? mergeKey)
    {
        if (setOrder.Count == 0 || patchList is null || patchList.Count == 0)
        {
            return;
        }

        var nonDelete = new List<JsonNode?>();
        if (!string.IsNullOrEmpty(mergeKey))
        {
            foreach (var item in patchList)
            {
                var map = item as JsonObject ?? throw ErrBadArgType("map[string]interface {}", item);
                if (!(map.TryGetPropertyValue(DirectiveMarker, out var d) && IsString(d, DeleteDirective)))
                {
                    nonDelete.Add(item);
                }
            }
        }
        else
        {
            nonDelete.AddRange(patchList);
        }

        int patchIndex = 0, orderIndex = 0;
        while (patchIndex < nonDelete.Count && orderIndex < setOrder.Count)
        {
            if (nonDelete[patchIndex] is JsonObject marked && marked.ContainsKey(DirectiveMarker))
            {
                patchIndex++;
                continue;
            }

            if (MergeKeyValueEqual(nonDelete[patchIndex], setOrder[orderIndex], mergeKey))
            {
                patchIndex++;
            }

            orderIndex++;
        }

        if (patchIndex < nonDelete.Count && orderIndex >= setOrder.Count)
        {
            throw PatchException.Internal(
                $"The order in patch list:\n{Describe(patchList)}\n doesn't match {SetElementOrderPrefix} list:\n{Describe(setOrder)}\n");
        }
    }

    private static bool MergeKeyValueEqual(JsonNode? left, JsonNode? right, string? mergeKey)
    {
        if (string.IsNullOrEmpty(mergeKey))
        {
            return JsonUtil.KeyOf(left) == JsonUtil.KeyOf(right);
        }

        var l = left as JsonObject ?? throw ErrBadArgType("map[string]interface {}", left);
        var r = right as JsonObject ?? throw ErrBadArgType("map[string]interface {}", right);
        if (!l.TryGetPropertyValue(mergeKey, out var lv))
        {
            throw ErrNoMergeKey(l, mergeKey);
        }

        if (!r.TryGetPropertyValue(mergeKey, out var rv))
        {
            throw ErrNoMergeKey(r, mergeKey);
        }

        return JsonUtil.KeyOf(lv) == JsonUtil.KeyOf(rv);
    }

    /// <summary>The common element kind of the lists, null when they are all empty.</summary>
    private static JsonUtil.Kind? SliceElementKind(string fieldName, params List<JsonNode?>?[] lists)
    {
        JsonUtil.Kind? kind = null;
        foreach (var list in lists)
        {
            if (list is null)
            {
                continue;
            }

            foreach (var item in list)
            {
                var current = JsonUtil.KindOf(item);
                if (kind is null)
                {
                    if (current == JsonUtil.Kind.Array)
                    {
                        throw PatchException.Invalid("lists of lists are not supported");
                    }

                    kind = current;
                }
                else if (kind != current)
                {
                    throw PatchException.Internal(
                        $"list element types are not identical in {fieldName}: {string.Join(" ", lists.Where(l => l is not null).Select(l => Describe(l!)))}");
                }
            }
        }

        return kind;
    }

    private static string ExtractKey(string key, string prefix)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || key.Substring(0, slash) != prefix)
        {
            throw PatchException.BadRequest(prefix == SetElementOrderPrefix
                ? "invalid patch format of setElementOrder list"
                : "invalid patch format of primitive list");
        }

        return key.Substring(slash + 1);
    }

    /// <summary>
    /// A copy of a patch value fit for the result: maps carrying <c>$patch</c> are dropped (upstream removeDirectives),
    /// null members are discarded (upstream discardNullValuesFromPatch), and <c>$retainKeys</c>,
    /// <c>$setElementOrder/…</c>, <c>$deleteFromPrimitiveList/…</c> keys are stripped.
    /// </summary>
    private static (JsonNode? Value, bool Keep) Clean(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
            {
                if (o.ContainsKey(DirectiveMarker))
                {
                    return (null, false);
                }

                var result = new JsonObject();
                foreach (var (key, value) in o)
                {
                    if (JsonUtil.IsNull(value) || IsDirectiveKey(key))
                    {
                        continue;
                    }

                    var (cleaned, keep) = Clean(value);
                    if (keep)
                    {
                        result[key] = cleaned;
                    }
                }

                return (result, true);
            }

            case JsonArray a:
            {
                var result = new JsonArray();
                foreach (var item in a)
                {
                    var (cleaned, keep) = Clean(item);
                    if (keep)
                    {
                        result.Add(cleaned);
                    }
                }

                return (result, true);
            }

            default:
                return (JsonUtil.Clone(node), true);
        }
    }

    private static bool IsDirectiveKey(string key) =>
        key == RetainKeysDirective
        || key.StartsWith(SetElementOrderPrefix + "/", StringComparison.Ordinal)
        || key.StartsWith(DeleteFromPrimitiveListPrefix + "/", StringComparison.Ordinal);

    private static bool IsString(JsonNode? node, string value) =>
        JsonUtil.KindOf(node) == JsonUtil.Kind.String && node!.GetValue<string>() == value;

    private static string Describe(List<JsonNode?> list) => "[" + string.Join(",", list.Select(JsonUtil.Describe)) + "]";

    private static PatchException ErrNoMergeKey(JsonObject map, string mergeKey) =>
        PatchException.Internal($"map: {map.ToJsonString()} does not contain declared merge key: {mergeKey}");

    private static PatchException ErrBadPatchType(JsonNode? directive, JsonObject map) =>
        PatchException.Internal(
            $"unknown patch type: {(JsonUtil.KindOf(directive) == JsonUtil.Kind.String ? directive!.GetValue<string>() : JsonUtil.Describe(directive))} in map: {map.ToJsonString()}");

    private static PatchException ErrBadArgType(string expected, JsonNode? actual) =>
        PatchException.Internal($"expected a {expected}, but received a {JsonUtil.GoTypeName(actual)}");
}
