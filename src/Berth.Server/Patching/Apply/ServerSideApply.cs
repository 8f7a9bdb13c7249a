using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Server.Patching.Apply;

/// <summary>A field an applier sets that another manager owns with a different value.</summary>
public sealed record ApplyConflict(string Manager, string ApiVersion, string Field);

/// <summary>Apply refused: other managers own fields it would change (409 unless <c>force=true</c>).</summary>
public sealed class ApplyConflictException(IReadOnlyList<ApplyConflict> conflicts) : Exception(Describe(conflicts))
{
    public IReadOnlyList<ApplyConflict> Conflicts { get; } = conflicts;

    /// <summary>Upstream's wording: <c>Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas</c>.</summary>
    private static string Describe(IReadOnlyList<ApplyConflict> conflicts)
    {
        var n = conflicts.Count;
        var head = $"Apply failed with {n} conflict{(n == 1 ? "" : "s")}: ";
        var groups = conflicts.GroupBy(c => (c.Manager, c.ApiVersion)).ToList();
        if (n == 1) return head + $"conflict with \"{conflicts[0].Manager}\" using {conflicts[0].ApiVersion}: {conflicts[0].Field}";
        return head + string.Join("\n", groups.Select(g =>
            $"conflicts with \"{g.Key.Manager}\" using {g.Key.ApiVersion}:\n" + string.Join("\n", g.Select(c => "- " + c.Field))));
    }
}

/// <summary>
/// Server-side apply on JSON objects (structured-merge-diff's rules, simplified to Berth's schema): the applied
/// configuration is merged into the live object, fields this manager applied before and no longer applies are removed
/// unless another manager owns them, and fields owned by another manager with a different value are conflicts unless
/// forced (then ownership moves). Ownership is recorded in <c>metadata.managedFields</c> (FieldsV1).
/// Writes other than apply are tracked only on objects that already have managed fields: the fields they change move
/// to the writer's <c>Update</c> entry, so a later apply conflicts with them as upstream's does.
/// </summary>
public static class ServerSideApply
{
    public const string Apply = "Apply";
    public const string Update = "Update";

    private sealed class Entry(JsonObject json, FieldSet set)
    {
        public JsonObject Json { get; } = json;
        public FieldSet Set { get; set; } = set;
        public string Manager => Json["manager"]?.GetValue<string>() ?? "";
        public string Operation => Json["operation"]?.GetValue<string>() ?? "";
        public string ApiVersion => Json["apiVersion"]?.GetValue<string>() ?? "";
        public bool MainResource => Json["subresource"] is null || Json["subresource"]!.GetValue<string>().Length == 0;
    }

    /// <summary>The object a first apply creates: the configuration with this manager owning all of it.</summary>
    public static JsonObject Create(JsonObject applied, string manager, string apiVersion, PatchSchema schema, bool withStatus, DateTimeOffset now)
    {
        var obj = (JsonObject)applied.DeepClone();
        var entry = NewEntry(manager, Apply, apiVersion, now);
        Write(obj, [new Entry(entry, FieldPaths.Of(applied, schema, withStatus))]);
        return obj;
    }

    /// <summary>Applies <paramref name="applied"/> to <paramref name="live"/> (not changed) and returns the result.</summary>
    /// <exception cref="ApplyConflictException">Another manager owns a field with a different value and force is off.</exception>
    public static JsonObject Merge(JsonObject live, JsonObject applied, string manager, bool force, string apiVersion,
        PatchSchema schema, bool withStatus, DateTimeOffset now)
    {
        var entries = Read(live);
        var self = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == Apply && e.MainResource);
        var others = entries.Where(e => !ReferenceEquals(e, self)).ToList();
        var appliedSet = FieldPaths.Of(applied, schema, withStatus);

        var conflicts = new List<(Entry Owner, string[] Path)>();
        foreach (var path in appliedSet.Leaves())
        {
            if (JsonUtil.DeepEquals(FieldPaths.ValueAt(live, path), FieldPaths.ValueAt(applied, path))) continue;
            foreach (var e in others) if (e.Set.Has(path)) conflicts.Add((e, path));
        }
        if (conflicts.Count > 0 && !force)
            throw new ApplyConflictException(conflicts.Select(c => new ApplyConflict(c.Owner.Manager, c.Owner.ApiVersion, FieldPaths.Describe(c.Path))).ToList());
        foreach (var (owner, path) in conflicts) owner.Set.Remove(path);

        var merged = (JsonObject)live.DeepClone();
        MergeObject(merged, applied, [], schema, root: true, withStatus);
        if (self is not null)
            foreach (var path in self.Set.Members().ToList())
                if (!appliedSet.Has(path) && !others.Any(e => e.Set.Has(path))) FieldPaths.Remove(merged, path);

        if (self is null) { self = new Entry(NewEntry(manager, Apply, apiVersion, now), appliedSet); entries.Add(self); }
        self.Set = appliedSet;
        self.Json["apiVersion"] = apiVersion;
        self.Json["time"] = Time(now);
        Write(merged, entries);
        return merged;
    }

    /// <summary>Moves the fields a non-apply write changed to <paramref name="manager"/>'s Update entry (objects with
    /// managed fields only); <paramref name="after"/> is changed in place.</summary>
    public static void TrackUpdate(JsonObject before, JsonObject after, string manager, string apiVersion, PatchSchema schema, bool withStatus, DateTimeOffset now)
    {
        if (after["metadata"]?["managedFields"] is not JsonArray { Count: > 0 }) return;
        var entries = Read(after);
        var oldSet = FieldPaths.Of(before, schema, withStatus);
        var newSet = FieldPaths.Of(after, schema, withStatus);
        var changed = new FieldSet();
        foreach (var path in newSet.Leaves())
            if (!oldSet.Has(path) || !JsonUtil.DeepEquals(FieldPaths.ValueAt(before, path), FieldPaths.ValueAt(after, path))) changed.Add(path);
        var gone = oldSet.Members().Where(p => !newSet.Has(p)).ToList();
        var changedPaths = changed.Members().ToList();
        if (changedPaths.Count == 0 && gone.Count == 0) return;

        var self = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == Update && e.MainResource);
        foreach (var e in entries)
        {
            foreach (var p in gone) e.Set.Remove(p);
            if (!ReferenceEquals(e, self)) foreach (var p in changedPaths) e.Set.Remove(p);
        }
        if (changedPaths.Count > 0)
        {
            if (self is null) { self = new Entry(NewEntry(manager, Update, apiVersion, now), new FieldSet()); entries.Add(self); }
            foreach (var p in changedPaths) self.Set.Add(p);
            self.Json["time"] = Time(now);
        }
        Write(after, entries);
    }

    private static void MergeObject(JsonObject live, JsonObject applied, List<string> names, PatchSchema schema, bool root, bool withStatus)
    {
        foreach (var (name, value) in applied)
        {
            if (root && FieldPaths.IsUnmanagedTopLevel(name, withStatus)) continue;
            if (root && name == "metadata" && value is JsonObject meta && live["metadata"] is JsonObject liveMeta)
            {
                foreach (var (m, v) in meta)
                    if (!FieldPaths.IsServerMetadata(m)) MergeField(liveMeta, m, v, ["metadata"], schema);
                continue;
            }
            MergeField(live, name, value, names, schema);
        }
    }

    private static void MergeField(JsonObject live, string name, JsonNode? value, List<string> names, PatchSchema schema)
    {
        var path = new List<string>(names) { name };
        if (value is JsonObject ao && ao.Count > 0 && live[name] is JsonObject lo)
        {
            MergeObject(lo, ao, path, schema, root: false, withStatus: true);
            return;
        }
        if (value is JsonArray aa && live[name] is JsonArray la && schema.Lookup(path) is { Strategy: PatchStrategy.Merge } meta)
        {
            foreach (var item in aa)
            {
                int at = -1;
                for (int i = 0; i < la.Count && at < 0; i++)
                {
                    if (meta.MergeKey is { } k) { if (la[i] is JsonObject li && item is JsonObject ai && JsonUtil.DeepEquals(li[k], ai[k])) at = i; }
                    else if (JsonUtil.DeepEquals(la[i], item)) at = i;
                }
                if (at < 0) la.Add(item?.DeepClone());
                else if (meta.MergeKey is not null && la[at] is JsonObject target && item is JsonObject source)
                    MergeObject(target, source, path, schema, root: false, withStatus: true);
            }
            return;
        }
        live[name] = value?.DeepClone();
    }

    private static List<Entry> Read(JsonObject obj)
    {
        var result = new List<Entry>();
        if (obj["metadata"]?["managedFields"] is not JsonArray a) return result;
        foreach (var n in a)
        {
            if (n is not JsonObject o) continue;
            var copy = (JsonObject)o.DeepClone();
            var fields = copy["fieldsV1"] is { } f ? JsonSerializer.Deserialize<JsonElement>(f.ToJsonString()) : (JsonElement?)null;
            result.Add(new Entry(copy, FieldSet.FromJson(fields)));
        }
        return result;
    }

    private static void Write(JsonObject obj, List<Entry> entries)
    {
        var array = new JsonArray();
        foreach (var e in entries)
        {
            if (e.Set.IsEmpty) continue; // a manager that owns nothing is dropped, as upstream
            e.Json["fieldsType"] = "FieldsV1";
            e.Json["fieldsV1"] = e.Set.ToJson();
            array.Add(e.Json);
        }
        if (obj["metadata"] is not JsonObject meta) obj["metadata"] = meta = new JsonObject();
        meta["managedFields"] = array;
    }

    private static JsonObject NewEntry(string manager, string operation, string apiVersion, DateTimeOffset now) => new()
    {
        ["manager"] = manager, ["operation"] = operation, ["apiVersion"] = apiVersion, ["time"] = Time(now),
    };

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
