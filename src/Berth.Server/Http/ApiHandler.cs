using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Server.Patching;
using Berth.Server.Patching.Apply;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Server.Storage;
using Berth.Server.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Berth.Server.Http;

/// <summary>Applies a patch document of the given content type to an object's JSON (wired to the patch engine).</summary>
public delegate JsonNode PatchFunction(string contentType, JsonNode original, byte[] patch, ResourceType type);

/// <summary>Serves the resource URLs: get, list, watch, create, update, patch, delete, deletecollection and the status and scale subresources.</summary>
public sealed class ApiHandler
{
    private readonly ResourceStore _store;
    private readonly ResourceRegistry _registry;
    private readonly PatchFunction _patch;
    private readonly ILogger _log;

    public ApiHandler(ResourceStore store, PatchFunction patch, ILogger log)
    {
        _store = store; _registry = store.Registry; _patch = patch; _log = log;
    }

    /// <summary>Every subresource of pods this server answers (for discovery), in name order as kube-apiserver lists them:
    /// binding here, the streaming ones in <see cref="PodStreamingHandler"/>.</summary>
    public static readonly (string Name, string Kind, string[] Verbs)[] PodSubresources =
        [.. PodStreamingHandler.Subresources.Append(("binding", "Binding", ["create"])).OrderBy(s => s.Name, StringComparer.Ordinal)];

    private bool IsNamespaced(string group, string version, string plural)
        => _registry.ByPath(group, version, plural)?.Namespaced == true;

    /// <summary>Handles a resource request; returns false if the path is not a resource path.</summary>
    public async Task<bool> TryHandleAsync(HttpContext ctx)
    {
        var info = RequestInfo.Parse(ctx.Request.Path.Value ?? "", IsNamespaced);
        if (info is null) return false;
        var t = _registry.ByPath(info.Group, info.Version, info.Resource) ?? throw ApiException.NotFoundPath(ctx.Request.Path);
        bool binding = info.Subresource == "binding" && t.Group.Length == 0 && t.Plural == "pods";
        if (info.Subresource is not null && !(info.Subresource == "status" && t.HasStatus) && !(info.Subresource == "scale" && t.HasScale) && !binding)
            throw ApiException.NotFoundPath(ctx.Request.Path);
        if (t.Namespaced && info.Namespace is null && info.Name is not null)
            throw ApiException.NotFoundPath(ctx.Request.Path);

        var q = ctx.Request.Query;
        switch (ctx.Request.Method)
        {
            case "GET":
                if (info.Name is null)
                {
                    if (IsTrue(q["watch"])) await WatchAsync(ctx, t, info, ListOptionsFrom(q));
                    else await ListAsync(ctx, t, info, ListOptionsFrom(q));
                }
                else await GetAsync(ctx, t, info);
                break;
            case "POST":
                if (binding) { await BindAsync(ctx, info); break; }
                if (info.Name is not null) throw ApiException.MethodNotSupported(t.Plural, "create");
                await CreateAsync(ctx, t, info);
                break;
            case "PUT":
                if (info.Name is null) throw ApiException.MethodNotSupported(t.Plural, "update");
                await UpdateAsync(ctx, t, info);
                break;
            case "PATCH":
                if (info.Name is null) throw ApiException.MethodNotSupported(t.Plural, "patch");
                await PatchAsync(ctx, t, info);
                break;
            case "DELETE":
                if (info.Subresource is not null) throw ApiException.MethodNotSupported(t.Plural + "/" + info.Subresource, "delete");
                if (info.Name is null) await DeleteCollectionAsync(ctx, t, info);
                else await DeleteAsync(ctx, t, info);
                break;
            default:
                throw ApiException.MethodNotSupported(t.Plural, ctx.Request.Method);
        }
        return true;
    }

    private static bool IsTrue(string? v) => v is "true" or "1" or "True";

    private static ListOptions ListOptionsFrom(IQueryCollection q)
    {
        int limit = 0;
        if (q.TryGetValue("limit", out var l) && !int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit))
            throw ApiException.BadRequest($"invalid limit: {l}");
        int? timeout = null;
        if (q.TryGetValue("timeoutSeconds", out var ts))
        {
            if (!int.TryParse(ts, NumberStyles.None, CultureInfo.InvariantCulture, out var tv)) throw ApiException.BadRequest($"invalid timeoutSeconds: {ts}");
            timeout = tv;
        }
        return new ListOptions
        {
            LabelSelector = NullIfEmpty(q["labelSelector"]),
            FieldSelector = NullIfEmpty(q["fieldSelector"]),
            Limit = limit,
            Continue = NullIfEmpty(q["continue"]),
            ResourceVersion = NullIfEmpty(q["resourceVersion"]),
            ResourceVersionMatch = NullIfEmpty(q["resourceVersionMatch"]),
            TimeoutSeconds = timeout,
            AllowWatchBookmarks = IsTrue(q["allowWatchBookmarks"]),
            SendInitialEvents = IsTrue(q["sendInitialEvents"]),
        };
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    // ------------------------------------------------------------------ reads

    private async Task GetAsync(HttpContext ctx, ResourceType t, RequestInfo info)
    {
        var cached = await _store.GetCachedAsync(t, info.Namespace, info.Name!, ctx.RequestAborted);
        if (info.Subresource == "scale")
        {
            await WriteJsonAsync(ctx, 200, ScaleOf(t, cached.ToModel(t)));
            return;
        }
        var format = MediaTypes.Choose(ctx.Request.Headers.Accept, tableAllowed: info.Subresource is null);
        if (format == OutputFormat.Table)
        {
            await WriteTableAsync(ctx, t, [cached], cached.ModRevision.ToString(CultureInfo.InvariantCulture), null);
            return;
        }
        await WriteBytesAsync(ctx, 200, cached.JsonFor(t));
    }

    private async Task ListAsync(HttpContext ctx, ResourceType t, RequestInfo info, ListOptions opts)
    {
        var format = MediaTypes.Choose(ctx.Request.Headers.Accept, tableAllowed: true);
        var result = await _store.ListAsync(t, info.Namespace, opts, ctx.RequestAborted);
        var rv = result.Revision.ToString(CultureInfo.InvariantCulture);
        if (format == OutputFormat.Table)
        {
            await WriteTableAsync(ctx, t, result.Items, rv, result.Continue);
            return;
        }
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            w.WriteStartObject();
            w.WriteString("kind", t.ListKind);
            w.WriteString("apiVersion", t.GroupVersion);
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", rv);
            if (result.Continue is not null) w.WriteString("continue", result.Continue);
            if (result.RemainingItemCount is long rem) w.WriteNumber("remainingItemCount", rem);
            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var item in result.Items) w.WriteRawValue(item.JsonFor(t), skipInputValidation: true);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        await WriteBytesAsync(ctx, 200, buffer.WrittenMemory);
    }

    private async Task WriteTableAsync(HttpContext ctx, ResourceType t, IEnumerable<CachedObject> items, string? rv, string? cont)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var w = new Utf8JsonWriter(buffer))
            TableWriter.Write(w, t, items, ctx.Request.Query["includeObject"], true, _store.Clock.GetUtcNow(), rv, cont);
        ctx.Response.ContentType = MediaTypes.TableJson;
        ctx.Response.StatusCode = 200;
        await ctx.Response.Body.WriteAsync(buffer.WrittenMemory, ctx.RequestAborted);
    }

    // ------------------------------------------------------------------ writes

    /// <summary>Decodes a request body into the kind's model, applying the fieldValidation directive to unknown fields.</summary>
    private static async Task<KubeObject> DecodeBodyAsync(HttpContext ctx, ResourceType t)
    {
        var body = await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted);
        if (RequestBody.IsYaml(ctx.Request.ContentType))
            return DecodeObject(ctx, t, RequestBody.ParseObject(body, ctx.Request.ContentType));
        if (Protobuf.KubeProtobuf.IsProtobuf(ctx.Request.ContentType)) // protobuf (kubectl create ...): to JSON, then as YAML
            return Checked(ctx, t, () => t.Strategy.Decode(Protobuf.KubeProtobuf.ToJson(body)));
        if (body.Length == 0) throw ApiException.BadRequest("the body of the request was empty");
        // JSON bodies (what kubectl sends) go straight into the model: one parse, no intermediate tree.
        return Checked(ctx, t, () => (KubeObject)(JsonSerializer.Deserialize(body, t.Strategy.ModelType, KubeJson.Options)
            ?? throw new JsonException("the body of the request must be a JSON object")));
    }

    private static KubeObject DecodeObject(HttpContext ctx, ResourceType t, JsonObject json)
        => Checked(ctx, t, () => t.Strategy.Decode(json));

    /// <summary>Decodes, then checks what the URL implies (version and kind) and the fieldValidation directive.</summary>
    private static KubeObject Checked(HttpContext ctx, ResourceType t, Func<KubeObject> decode)
    {
        KubeObject obj;
        try { obj = decode(); }
        catch (JsonException e) { throw ApiException.BadRequest($"{t.Kind} in version \"{t.Version}\" cannot be handled as a {t.Kind}: {DecodeMessage(e)}"); }
        catch (FormatException e) { throw ApiException.BadRequest($"{t.Kind} in version \"{t.Version}\" cannot be handled as a {t.Kind}: {e.Message}"); }
        if (!string.IsNullOrEmpty(obj.ApiVersion) && obj.ApiVersion != t.GroupVersion)
            throw ApiException.BadRequest($"the API version in the data ({obj.ApiVersion}) does not match the expected API version ({t.GroupVersion})");
        if (!string.IsNullOrEmpty(obj.Kind) && obj.Kind != t.Kind)
            throw ApiException.BadRequest($"the kind in the data ({obj.Kind}) does not match the expected kind ({t.Kind})");
        CheckUnknownFields(ctx, obj);
        return obj;
    }

    private static string DecodeMessage(JsonException e)
    {
        var m = e.Message;
        return e.Path is { Length: > 1 } p ? $"{m.Split(" Path:")[0]} (at {p.TrimStart('$', '.')})" : m;
    }

    private static void CheckUnknownFields(HttpContext ctx, KubeObject obj)
    {
        var directive = ctx.Request.Query["fieldValidation"].ToString();
        if (directive is "Ignore") return;
        var unknown = UnknownFields.Find(obj);
        if (unknown.Count == 0) return;
        if (directive is "Strict")
            throw ApiException.BadRequest("strict decoding error: " + string.Join(", ", unknown.Select(u => $"unknown field \"{u}\"")));
        foreach (var u in unknown) ctx.Response.Headers.Append("Warning", $"299 - \"unknown field \\\"{u}\\\"\"");
    }

    private static bool DryRun(HttpContext ctx) => ctx.Request.Query["dryRun"].ToString() == "All";

    private async Task CreateAsync(HttpContext ctx, ResourceType t, RequestInfo info)
    {
        var obj = await DecodeBodyAsync(ctx, t);
        var created = await _store.CreateAsync(t, info.Namespace, obj, DryRun(ctx), ctx.RequestAborted);
        await WriteModelAsync(ctx, t, 201, created);
    }

    /// <summary>POST pods/NAME/binding: a Binding assigns the pod to a node (answered as upstream: a Success Status, 201).</summary>
    private async Task BindAsync(HttpContext ctx, RequestInfo info)
    {
        if (info.Name is null) throw ApiException.MethodNotSupported("pods/binding", "create");
        var body = RequestBody.ParseObject(await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted), ctx.Request.ContentType);
        Binding request;
        try { request = KubeJson.Deserialize<Binding>(body); }
        catch (JsonException e) { throw ApiException.BadRequest("Binding in version \"v1\" cannot be handled as a Binding: " + DecodeMessage(e)); }
        await PodBinding.BindAsync(_store, info.Namespace!, info.Name, request, DryRun(ctx), ctx.RequestAborted);
        await WriteJsonAsync(ctx, 201, new JsonObject
        {
            ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["code"] = 201,
        });
    }

    private async Task UpdateAsync(HttpContext ctx, ResourceType t, RequestInfo info)
    {
        if (info.Subresource == "scale")
        {
            var body = await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted);
            var scale = RequestBody.ParseObject(body, ctx.Request.ContentType);
            var updated = await UpdateScaleAsync(ctx, t, info, _ => scale);
            await WriteJsonAsync(ctx, 200, ScaleOf(t, updated));
            return;
        }
        var obj = await DecodeBodyAsync(ctx, t);
        var result = await _store.UpdateAsync(t, info.Namespace, info.Name!, obj, info.Subresource, DryRun(ctx), ctx.RequestAborted,
            info.Subresource is null ? (current, replacement) => TrackPut(ctx, t, current, replacement) : null);
        await WriteModelAsync(ctx, t, 200, result);
    }

    /// <summary>
    /// A PUT to an object that was applied server-side (it has managedFields): the fields it changes move to its field
    /// manager, as a PATCH's do — when the body leaves managedFields out or sends them back unchanged (a replace of what
    /// `kubectl get -o yaml` printed). Other managedFields in a body replace the live ones as they are.
    /// </summary>
    private KubeObject TrackPut(HttpContext ctx, ResourceType t, KubeObject current, KubeObject replacement)
    {
        var live = current.Metadata.ManagedFields;
        if (live is not { Count: > 0 }
            || (replacement.Metadata.ManagedFields is { } sent && JsonSerializer.Serialize(sent, KubeJson.Options) != JsonSerializer.Serialize(live, KubeJson.Options)))
            return replacement;
        var before = (JsonObject)t.Strategy.Encode(current);
        var after = (JsonObject)t.Strategy.Encode(replacement);
        ((JsonObject)after["metadata"]!)["managedFields"] = before["metadata"]?["managedFields"]?.DeepClone();
        ServerSideApply.TrackUpdate(before, after, FieldManager(ctx), t.GroupVersion, PatchSchema.ForKind(t.Group, t.Kind), !t.HasStatus, _store.Clock.GetUtcNow());
        return DecodeObject(ctx, t, after);
    }

    private async Task PatchAsync(HttpContext ctx, ResourceType t, RequestInfo info)
    {
        var contentType = (ctx.Request.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        var patch = await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted);
        if (contentType == Patching.PatchApplier.ApplyPatchContentType && info.Subresource is null)
        {
            await ApplyAsync(ctx, t, info, RequestBody.ParseObject(patch, contentType));
            return;
        }
        if (info.Subresource == "scale")
        {
            var scaled = await UpdateScaleAsync(ctx, t, info, current => _patch(contentType, current, patch, t));
            await WriteJsonAsync(ctx, 200, ScaleOf(t, scaled));
            return;
        }
        var result = await _store.UpdateWithAsync(t, info.Namespace, info.Name!, info.Subresource, current =>
        {
            var currentJson = t.Strategy.Encode(current);
            var patched = _patch(contentType, currentJson, patch, t) as JsonObject
                ?? throw ApiException.BadRequest("the patch did not produce an object");
            if (info.Subresource is null && currentJson is JsonObject before)
                ServerSideApply.TrackUpdate(before, patched, FieldManager(ctx), t.GroupVersion, PatchSchema.ForKind(t.Group, t.Kind), !t.HasStatus, _store.Clock.GetUtcNow());
            var obj = DecodeObject(ctx, t, patched);
            // A resourceVersion in the patch is a precondition (as upstream).
            if (obj.Metadata.ResourceVersion is { Length: > 0 } rv && rv != current.Metadata.ResourceVersion)
                throw ApiException.Conflict(t, info.Name!, ApiException.ModifiedMessage);
            return obj;
        }, DryRun(ctx), ctx.RequestAborted);
        await WriteModelAsync(ctx, t, 200, result);
    }

    /// <summary>Server-side apply: merge into the live object under this field manager, or create the object.</summary>
    private async Task ApplyAsync(HttpContext ctx, ResourceType t, RequestInfo info, JsonObject applied)
    {
        var manager = ctx.Request.Query["fieldManager"].ToString();
        if (manager.Length == 0)
            throw ApiException.Unprocessable("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
        var force = ctx.Request.Query["force"].ToString() == "true";
        if (applied["kind"]?.GetValueKind() != JsonValueKind.String || applied["apiVersion"]?.GetValueKind() != JsonValueKind.String)
            throw ApiException.BadRequest("apiVersion and kind must be set in an applied configuration");
        if (applied["kind"]!.GetValue<string>() != t.Kind || applied["apiVersion"]!.GetValue<string>() != t.GroupVersion)
            throw ApiException.BadRequest($"the applied object is a {applied["apiVersion"]}, Kind={applied["kind"]}, but this is {t.GroupVersion}, Kind={t.Kind}");
        if (applied["metadata"]?["name"] is { } n && n.GetValueKind() == JsonValueKind.String && n.GetValue<string>() != info.Name)
            throw ApiException.BadRequest($"the name of the object ({n.GetValue<string>()}) does not match the name on the URL ({info.Name})");
        var schema = PatchSchema.ForKind(t.Group, t.Kind);
        var withStatus = !t.HasStatus;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var result = await _store.UpdateWithAsync(t, info.Namespace, info.Name!, null, current =>
                {
                    var live = (JsonObject)t.Strategy.Encode(current);
                    JsonObject merged;
                    try { merged = ServerSideApply.Merge(live, applied, manager, force, t.GroupVersion, schema, withStatus, _store.Clock.GetUtcNow()); }
                    catch (ApplyConflictException e) { throw ApiException.ApplyConflict(e.Message, e.Conflicts.Select(c => (c.Manager, c.ApiVersion, c.Field)).ToList()); }
                    return DecodeObject(ctx, t, merged);
                }, DryRun(ctx), ctx.RequestAborted);
                await WriteModelAsync(ctx, t, 200, result);
                return;
            }
            catch (ApiException e) when (e.Code == 404 && e.Status.Details?.Name == info.Name && attempt == 0)
            {
                // Apply creates what does not exist yet.
                var obj = ServerSideApply.Create(applied, manager, t.GroupVersion, schema, withStatus, _store.Clock.GetUtcNow());
                if (obj["metadata"] is JsonObject meta) meta["name"] = info.Name;
                try
                {
                    var created = await _store.CreateAsync(t, info.Namespace, DecodeObject(ctx, t, obj), DryRun(ctx), ctx.RequestAborted);
                    await WriteModelAsync(ctx, t, 201, created);
                    return;
                }
                catch (ApiException c) when (c.Code == 409 && c.Status.Reason == "AlreadyExists") { } // created meanwhile: merge
            }
        }
    }

    /// <summary>The manager of a non-apply write: ?fieldManager, else the User-Agent's program name (as upstream).</summary>
    private static string FieldManager(HttpContext ctx)
    {
        var m = ctx.Request.Query["fieldManager"].ToString();
        if (m.Length > 0) return m;
        var ua = ctx.Request.Headers.UserAgent.ToString();
        var slash = ua.IndexOf('/');
        return slash > 0 ? ua[..slash] : ua.Length > 0 ? ua : "unknown";
    }

    private Task<KubeObject> UpdateScaleAsync(HttpContext ctx, ResourceType t, RequestInfo info, Func<JsonNode, JsonNode> change)
    {
        var scale = t.Strategy.Scale ?? throw ApiException.NotFoundPath(ctx.Request.Path);
        return _store.UpdateWithAsync(t, info.Namespace, info.Name!, null, current =>
        {
            var newScale = change(ScaleOf(t, current));
            var replicas = newScale["spec"]?["replicas"];
            int value;
            try { value = replicas is null ? 0 : replicas.GetValue<int>(); }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            { throw ApiException.BadRequest("Scale.spec.replicas must be an integer"); }
            var rv = newScale["metadata"]?["resourceVersion"]?.ToString();
            if (!string.IsNullOrEmpty(rv) && rv != current.Metadata.ResourceVersion)
                throw ApiException.Conflict(t, info.Name!, ApiException.ModifiedMessage);
            if (value < 0)
                throw ApiException.Invalid(t, info.Name!, [Berth.Api.Validation.FieldError.Invalid("spec.replicas", value, "must be greater than or equal to 0")]);
            scale.SetReplicas(current, value);
            return current;
        }, DryRun(ctx), ctx.RequestAborted);
    }

    private static JsonObject ScaleOf(ResourceType t, KubeObject obj)
    {
        var s = t.Strategy.Scale!;
        var m = obj.Metadata;
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = m.Name, ["namespace"] = m.Namespace, ["uid"] = m.Uid, ["resourceVersion"] = m.ResourceVersion,
                ["creationTimestamp"] = m.CreationTimestamp?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            },
            ["spec"] = new JsonObject { ["replicas"] = s.GetReplicas(obj) },
            ["status"] = new JsonObject { ["replicas"] = s.GetStatusReplicas(obj), ["selector"] = s.GetSelector(obj) },
        };
    }

    // ------------------------------------------------------------------ deletes

    private static async Task<DeleteOptions> DeleteOptionsFromAsync(HttpContext ctx)
    {
        var q = ctx.Request.Query;
        long? grace = null;
        if (q.TryGetValue("gracePeriodSeconds", out var g))
        {
            if (!long.TryParse(g, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var gv)) throw ApiException.BadRequest($"invalid gracePeriodSeconds: {g}");
            grace = gv;
        }
        var opts = new DeleteOptions
        {
            GracePeriodSeconds = grace,
            PropagationPolicy = NullIfEmpty(q["propagationPolicy"]),
            OrphanDependents = q.TryGetValue("orphanDependents", out var o) ? IsTrue(o) : null,
            DryRun = DryRun(ctx),
        };
        var body = await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted);
        if (body.Length == 0) return opts;
        var json = RequestBody.ParseObject(body, ctx.Request.ContentType);
        try
        {
            opts = opts with
            {
                GracePeriodSeconds = json["gracePeriodSeconds"]?.GetValue<long>() ?? opts.GracePeriodSeconds,
                PropagationPolicy = json["propagationPolicy"]?.GetValue<string>() ?? opts.PropagationPolicy,
                OrphanDependents = json["orphanDependents"]?.GetValue<bool>() ?? opts.OrphanDependents,
                PreconditionUid = json["preconditions"]?["uid"]?.GetValue<string>(),
                PreconditionResourceVersion = json["preconditions"]?["resourceVersion"]?.GetValue<string>(),
                DryRun = opts.DryRun || (json["dryRun"] is JsonArray a && a.Any(x => x?.ToString() == "All")),
            };
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw ApiException.BadRequest("invalid DeleteOptions: " + e.Message);
        }
        if (opts.PropagationPolicy is not (null or "Orphan" or "Background" or "Foreground"))
            throw ApiException.Invalid("DeleteOptions.meta.k8s.io", "meta.k8s.io", "DeleteOptions", "",
                [Berth.Api.Validation.FieldError.NotSupported("propagationPolicy", opts.PropagationPolicy, ["Foreground", "Background", "Orphan", "nil"])]);
        return opts;
    }

    private async Task DeleteAsync(HttpContext ctx, ResourceType t, RequestInfo info)
    {
        var opts = await DeleteOptionsFromAsync(ctx);
        var (obj, deleted) = await _store.DeleteAsync(t, info.Namespace, info.Name!, opts, ctx.RequestAborted);
        if (!deleted)
        {
            await WriteModelAsync(ctx, t, opts.GracePeriodSeconds is > 0 || obj.Metadata.DeletionGracePeriodSeconds is > 0 ? 202 : 200, obj);
            return;
        }
        var status = new Status
        {
            Outcome = "Success",
            Details = new StatusDetails { Name = info.Name, Group = t.Group.Length == 0 ? null : t.Group, Kind = t.Plural, Uid = obj.Metadata.Uid },
        };
        await WriteJsonAsync(ctx, 200, JsonSerializer.SerializeToNode(status, KubeJson.Options)!);
    }

    private async Task DeleteCollectionAsync(HttpContext ctx, ResourceType t, RequestInfo info)
    {
        var opts = await DeleteOptionsFromAsync(ctx);
        var list = ListOptionsFrom(ctx.Request.Query);
        var deleted = await _store.DeleteCollectionAsync(t, info.Namespace, list, opts, ctx.RequestAborted);
        var items = new JsonArray();
        foreach (var d in deleted) items.Add(t.Strategy.Encode(d));
        await WriteJsonAsync(ctx, 200, new JsonObject
        {
            ["kind"] = t.ListKind, ["apiVersion"] = t.GroupVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = _store.Cache.Revision.ToString(CultureInfo.InvariantCulture) },
            ["items"] = items,
        });
    }

    // ------------------------------------------------------------------ watch

    private async Task WatchAsync(HttpContext ctx, ResourceType t, RequestInfo info, ListOptions opts)
    {
        await new WatchStream(_store, t, info.Namespace, opts, ctx, _log).RunAsync();
    }

    // ------------------------------------------------------------------ responses

    /// <summary>
    /// Answers a write with the object it wrote. The cache holds that object's JSON by now (a write returns once the cache
    /// has caught up), so those bytes are sent rather than encoded again — unless a later write already replaced them, or
    /// it was a dry run (which stored nothing: the cache holds the object as it was).
    /// </summary>
    private Task WriteModelAsync(HttpContext ctx, ResourceType t, int code, KubeObject obj)
        => WriteBytesAsync(ctx, code, (DryRun(ctx) ? null : _store.CachedJsonOf(t, obj))
            ?? JsonSerializer.SerializeToUtf8Bytes(obj, t.Strategy.ModelType, KubeJson.Options));

    public static Task WriteJsonAsync(HttpContext ctx, int code, JsonNode node)
        => WriteBytesAsync(ctx, code, JsonSerializer.SerializeToUtf8Bytes(node, KubeJson.Options));

    public static async Task WriteBytesAsync(HttpContext ctx, int code, ReadOnlyMemory<byte> bytes)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = MediaTypes.Json;
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
    }

    public static Task WriteStatusAsync(HttpContext ctx, Status status)
    {
        status.Outcome ??= "Failure";
        return WriteBytesAsync(ctx, status.Code ?? 500, JsonSerializer.SerializeToUtf8Bytes(status, KubeJson.Options));
    }
}
