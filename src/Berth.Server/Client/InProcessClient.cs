using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Client;
using Berth.Server.Hosting;
using Berth.Server.Http;
using Berth.Server.Storage;
using ClientEventType = Berth.Client.WatchEventType;
using StoreEventType = Berth.Server.Storage.WatchEventType;

namespace Berth.Server.Client;

/// <summary>
/// <see cref="IApiClient"/> for components in the server's process: calls <see cref="ResourceStore"/> directly (no HTTP,
/// no serialization of requests) with the HTTP API's semantics. Watches are served from the server's watch cache; a
/// watch from a revision older than the cache's window yields an Error event with code 410. Every object returned is
/// the caller's own (freshly decoded, or the store's private working copy), so callers never share mutable state with
/// the cache — except watchers that ask for <see cref="WatchRequest.ReadOnlyObjects"/>, which share one decoded instance.
/// </summary>
public sealed class InProcessClient : IApiClient
{
    private static readonly TimeSpan BookmarkEvery = TimeSpan.FromSeconds(10);
    private readonly ResourceStore _store;
    private readonly ConcurrentDictionary<Type, ResourceType> _types = new();

    public InProcessClient(ResourceStore store) => _store = store;

    public ResourceStore Store => _store;

    private ResourceType TypeOf<T>() => _types.GetOrAdd(typeof(T), static (clr, reg) =>
        reg.All.FirstOrDefault(r => r.Strategy.ModelType == clr) ?? throw new ArgumentException($"{clr.FullName} is not the model of a served kind"),
        _store.Registry);

    private static T Decode<T>(ResourceType t, byte[] json) where T : KubeObject
    {
        var obj = (T)(JsonSerializer.Deserialize(json, t.Strategy.ModelType, KubeJson.Options) ?? throw new JsonException("null object"));
        obj.ApiVersion ??= t.GroupVersion;
        obj.Kind ??= t.Kind;
        return obj;
    }

    /// <summary>
    /// A model the store hands back from a write: its working object, which is private to this call (made from the
    /// caller's copy or freshly decoded) and which the store keeps no reference to, so it needs no copy.
    /// </summary>
    private static T Own<T>(ResourceType t, KubeObject obj) where T : KubeObject
    {
        obj.ApiVersion ??= t.GroupVersion;
        obj.Kind ??= t.Kind;
        return (T)obj;
    }

    private static async Task<TR> Call<TR>(Func<Task<TR>> f)
    {
        try { return await f(); }
        catch (ApiException e) { throw new ApiStatusException(e.Status, e); }
    }

    private static string? NsOf(ResourceType t, string? ns) => t.Namespaced && !string.IsNullOrEmpty(ns) ? ns : null;

    // ------------------------------------------------------------------ reads

    public Task<T> GetAsync<T>(string? ns, string name, CancellationToken ct = default) where T : KubeObject
    {
        var t = TypeOf<T>();
        return Call(async () => Decode<T>(t, (await _store.GetCachedAsync(t, NsOf(t, ns), name, ct)).JsonFor(t)));
    }

    public Task<ObjectList<T>> ListAsync<T>(string? ns, ListRequest? req = null, CancellationToken ct = default) where T : KubeObject
    {
        var t = TypeOf<T>();
        req ??= new ListRequest();
        return Call(async () =>
        {
            var r = await _store.ListAsync(t, NsOf(t, ns), new ListOptions
            {
                LabelSelector = req.LabelSelector,
                FieldSelector = req.FieldSelector,
                Limit = req.Limit ?? 0,
                Continue = req.Continue,
                ResourceVersion = req.ResourceVersion,
                ResourceVersionMatch = req.ResourceVersionMatch,
                TimeoutSeconds = req.TimeoutSeconds,
            }, ct);
            return new ObjectList<T>
            {
                Items = r.Items.Select(i => Model<T>(t, i, req.ReadOnlyObjects)).ToList(),
                ResourceVersion = r.Revision.ToString(CultureInfo.InvariantCulture),
                Continue = r.Continue,
                RemainingItemCount = r.RemainingItemCount,
            };
        });
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? ns, WatchRequest req, [EnumeratorCancellation] CancellationToken ct = default) where T : KubeObject
    {
        var t = TypeOf<T>();
        var (watcher, initial, gone) = await Call(() => StartWatchAsync(t, NsOf(t, ns), req, ct));
        if (gone is not null)
        {
            yield return new WatchEvent<T>(ClientEventType.Error, null, gone);
            yield break;
        }
        using var _ = watcher!;
        if (initial is not null)
        {
            foreach (var o in initial) yield return new WatchEvent<T>(ClientEventType.Added, Model<T>(t, o, req.ReadOnlyObjects));
            if (req.SendInitialEvents && req.AllowWatchBookmarks)
                yield return Bookmark<T>(t, _store.Cache.Revision, initialEventsEnd: true);
        }

        var timeout = TimeSpan.FromSeconds(req.TimeoutSeconds is int s && s > 0 ? s : 1800 + Random.Shared.Next(1800));
        using var watchCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        watchCts.CancelAfter(timeout);
        var reader = watcher!.Events;
        var nextBookmark = DateTime.UtcNow + BookmarkEvery;
        while (true)
        {
            var wait = req.AllowWatchBookmarks ? nextBookmark - DateTime.UtcNow : timeout;
            var more = await WaitAsync(reader, wait, watchCts.Token);
            ct.ThrowIfCancellationRequested();
            if (!more) yield break; // timed out, or the watcher was closed (fell behind, server stopping)
            long revision = _store.Cache.Revision;
            while (reader.TryRead(out var e))
            {
                var type = e.Type switch
                {
                    StoreEventType.Added => ClientEventType.Added,
                    StoreEventType.Modified => ClientEventType.Modified,
                    _ => ClientEventType.Deleted,
                };
                yield return new WatchEvent<T>(type, Model<T>(t, e.Object, req.ReadOnlyObjects));
            }
            if (req.AllowWatchBookmarks && DateTime.UtcNow >= nextBookmark)
            {
                yield return Bookmark<T>(t, revision, initialEventsEnd: false);
                nextBookmark = DateTime.UtcNow + BookmarkEvery;
            }
        }
    }

    /// <summary>A watched object: the shared decoded instance for read-only watchers, else a private copy.</summary>
    private static T Model<T>(ResourceType t, CachedObject o, bool readOnly) where T : KubeObject
        => readOnly && t.Conversion is null && o.SharedModel is T shared ? shared : Decode<T>(t, o.JsonFor(t));

    private static async Task<bool> WaitAsync(ChannelReader<CacheEvent> reader, TimeSpan wait, CancellationToken watchToken)
    {
        using var w = CancellationTokenSource.CreateLinkedTokenSource(watchToken);
        w.CancelAfter(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1));
        try { return await reader.WaitToReadAsync(w.Token); }
        catch (OperationCanceledException) when (!watchToken.IsCancellationRequested) { return true; } // bookmark tick
        catch (OperationCanceledException) { return false; }
        catch (Exception) { return false; } // completed with an error: the watcher fell too far behind
    }

    private static WatchEvent<T> Bookmark<T>(ResourceType t, long revision, bool initialEventsEnd) where T : KubeObject
    {
        var node = new JsonObject
        {
            ["apiVersion"] = t.GroupVersion,
            ["kind"] = t.Kind,
            ["metadata"] = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) },
        };
        if (initialEventsEnd) node["metadata"]!["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        return new WatchEvent<T>(ClientEventType.Bookmark, Decode<T>(t, Encoding.UTF8.GetBytes(node.ToJsonString())));
    }

    private async Task<(CacheWatcher? Watcher, List<CachedObject>? Initial, Status? Gone)> StartWatchAsync(ResourceType t, string? ns, WatchRequest req, CancellationToken ct)
    {
        var filter = SelectorFilter.Build(t, req.LabelSelector, req.FieldSelector);
        var prefix = ResourceStore.CachePrefixOf(t, ns);
        Func<CachedObject, bool> scoped = o => o.Key.StartsWith(prefix, StringComparison.Ordinal) && filter(o);
        var cache = _store.Cache.For(t);
        await _store.Cache.SyncAsync(ct);
        var rvText = req.ResourceVersion;
        if (string.IsNullOrEmpty(rvText) || rvText == "0" || req.SendInitialEvents)
        {
            var w = cache.ListAndWatch(prefix, scoped, out var initial);
            return (w, initial, null);
        }
        if (!long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out var rv))
            throw ApiException.BadRequest($"invalid resource version: {rvText}");
        var watcher = cache.Watch(rv, scoped, out var windowStart);
        if (watcher is null)
            return (null, null, new Status { Outcome = "Failure", Code = 410, Reason = "Expired", Message = $"too old resource version: {rv} ({windowStart})" });
        return (watcher, null, null);
    }

    // ------------------------------------------------------------------ writes

    public Task<T> CreateAsync<T>(T obj, CancellationToken ct = default) where T : KubeObject
    {
        var t = TypeOf<T>();
        var copy = KubeObjects.DeepCopy(obj);
        return Call(async () => Own<T>(t, await _store.CreateAsync(t, NsOf(t, copy.Metadata.Namespace), copy, false, ct)));
    }

    public Task<T> UpdateAsync<T>(T obj, CancellationToken ct = default) where T : KubeObject => Update(obj, null, ct);

    public Task BindPodAsync(string ns, string name, string nodeName, string? uid = null, CancellationToken ct = default)
        => Call(async () =>
        {
            var binding = new Binding { Metadata = new ObjectMeta { Name = name, Uid = uid }, Target = new ObjectReference { Kind = "Node", Name = nodeName } };
            await PodBinding.BindAsync(_store, ns, name, binding, false, ct);
            return true;
        });

    public Task<T> UpdateStatusAsync<T>(T obj, CancellationToken ct = default) where T : KubeObject => Update(obj, "status", ct);

    private Task<T> Update<T>(T obj, string? subresource, CancellationToken ct) where T : KubeObject
    {
        var t = TypeOf<T>();
        if (subresource == "status" && !t.HasStatus) throw ApiStatusException.FromCode(404, "NotFound", "the server could not find the requested resource");
        var copy = subresource == "status" ? StatusCopy(t, obj) : KubeObjects.DeepCopy(obj);
        var name = copy.Metadata.Name is { Length: > 0 } n ? n : throw new ArgumentException("metadata.name is required");
        return Call(async () => Own<T>(t, await _store.UpdateAsync(t, NsOf(t, copy.Metadata.Namespace), name, copy, subresource, false, ct)));
    }

    /// <summary>
    /// What a status update needs of the caller's object, copied: a status write takes only the status (and the name,
    /// namespace and resourceVersion) from it, so the rest — for a pod, the bulk: its spec — is not copied.
    /// </summary>
    private static T StatusCopy<T>(ResourceType t, T obj) where T : KubeObject
    {
        if (ModelProperty.Of(t, "status") is not { } status) return KubeObjects.DeepCopy(obj);
        var copy = (T)KubeJson.Options.GetTypeInfo(t.Strategy.ModelType).CreateObject!();
        copy.ApiVersion = obj.ApiVersion;
        copy.Kind = obj.Kind;
        copy.Metadata = KubeObjects.CopyOf(obj.Metadata);
        if (status.Get(obj) is { } s)
            status.Set(copy, JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(s, status.PropertyType, KubeJson.Options), status.PropertyType, KubeJson.Options));
        return copy;
    }

    public Task<T> PatchAsync<T>(string? ns, string name, PatchType type, string patchJson, string? subresource = null, CancellationToken ct = default) where T : KubeObject
    {
        var t = TypeOf<T>();
        if (subresource is not null && !(subresource == "status" && t.HasStatus))
            throw ApiStatusException.FromCode(404, "NotFound", "the server could not find the requested resource");
        var contentType = PatchTypes.ContentType(type);
        var patch = Encoding.UTF8.GetBytes(patchJson);
        return Call(async () => Own<T>(t, await _store.UpdateWithAsync(t, NsOf(t, ns), name, subresource, current =>
        {
            var patched = PatchEngine.Apply(contentType, t.Strategy.Encode(current), patch, t) as JsonObject
                ?? throw ApiException.BadRequest("the patch did not produce an object");
            KubeObject obj;
            try { obj = t.Strategy.Decode(patched); }
            catch (Exception e) when (e is JsonException or FormatException)
            { throw ApiException.BadRequest($"{t.Kind} in version \"{t.Version}\" cannot be handled as a {t.Kind}: {e.Message}"); }
            // A resourceVersion in the patch is a precondition (as upstream).
            if (obj.Metadata.ResourceVersion is { Length: > 0 } rv && rv != current.Metadata.ResourceVersion)
                throw ApiException.Conflict(t, name, ApiException.ModifiedMessage);
            return obj;
        }, false, ct)));
    }

    public Task<T?> DeleteAsync<T>(string? ns, string name, DeleteRequest? opts = null, CancellationToken ct = default) where T : KubeObject
    {
        var t = TypeOf<T>();
        opts ??= new DeleteRequest();
        if (opts.PropagationPolicy is not (null or "Orphan" or "Background" or "Foreground"))
            throw ApiStatusException.FromCode(422, "Invalid", $"propagationPolicy: Unsupported value: \"{opts.PropagationPolicy}\"");
        return Call(async () =>
        {
            var (obj, deleted) = await _store.DeleteAsync(t, NsOf(t, ns), name, new DeleteOptions
            {
                GracePeriodSeconds = opts.GracePeriodSeconds,
                PropagationPolicy = opts.PropagationPolicy,
                PreconditionUid = opts.PreconditionUid,
                PreconditionResourceVersion = opts.PreconditionResourceVersion,
                DryRun = opts.DryRun,
            }, ct);
            return deleted ? null : Own<T>(t, obj);
        });
    }
}
