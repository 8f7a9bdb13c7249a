using Berth.Api.Registry;
using Berth.Store;
using Microsoft.Extensions.Logging;

namespace Berth.Server.Storage;

/// <summary>
/// Keeps a <see cref="ResourceCache"/> per resource in step with the store: one list at start, then one watch of
/// every key. <see cref="WaitForRevisionAsync"/> lets a reader see its own writes.
/// </summary>
public sealed class ObjectCache : IAsyncDisposable
{
    private readonly IKeyValueStore _store;
    private readonly ILogger _log;
    private readonly List<(string Prefix, ResourceType Type, ResourceCache Cache)> _caches = new();
    private readonly Dictionary<string, ResourceCache> _byPrefix = new(StringComparer.Ordinal); // every request looks its cache up
    private readonly CancellationTokenSource _stop = new();
    private Task? _feed;
    private long _revision;
    private readonly object _waitLock = new();
    private readonly SortedList<long, List<TaskCompletionSource>> _waiters = new();

    public const int WindowSize = 10_000;

    public ObjectCache(IKeyValueStore store, ResourceRegistry registry, ILogger log)
    {
        _store = store;
        _log = log;
        foreach (var t in registry.All)
        {
            // Resources that share storage (core and events.k8s.io Events) share one cache, owned by the first registered.
            if (_caches.Any(c => c.Prefix == t.StoragePrefix)) continue;
            _caches.Add((t.StoragePrefix, t, null!));
        }
    }

    public long Revision => Interlocked.Read(ref _revision);

    public async Task StartAsync(CancellationToken ct)
    {
        var all = await _store.ListAsync("/registry/", 0, ct);
        for (int i = 0; i < _caches.Count; i++)
        {
            _caches[i] = (_caches[i].Prefix, _caches[i].Type, new ResourceCache(WindowSize, all.Revision));
            _byPrefix[_caches[i].Prefix] = _caches[i].Cache;
        }
        // Building the served form (copy + one scan per object) is most of a cold start's work: spread it over the cores.
        var items = all.Items;
        var built = new (CachedObject Object, ResourceCache Cache)?[items.Count];
        Parallel.For(0, items.Count, new ParallelOptions { CancellationToken = ct }, i =>
        {
            var c = Find(items[i].Key);
            if (c is null) return;
            try { built[i] = (CachedObject.FromStore(c.Value.Type, items[i]), c.Value.Cache); }
            catch (Exception e) { _log.LogError("skipping undecodable object {Key}: {Error}", items[i].Key, e.Message); }
        });
        foreach (var b in built)
            if (b is { } loaded) loaded.Cache.Load(loaded.Object);
        _revision = all.Revision;
        _feed = Task.Run(() => FeedAsync(all.Revision, _stop.Token));
    }

    public ResourceCache For(ResourceType t)
        => _byPrefix.TryGetValue(t.StoragePrefix, out var cache) ? cache : throw new InvalidOperationException("no cache for " + t.Plural);

    private (string Prefix, ResourceType Type, ResourceCache Cache)? Find(string key)
    {
        foreach (var c in _caches) if (key.StartsWith(c.Prefix, StringComparison.Ordinal)) return c;
        return null;
    }

    private async Task FeedAsync(long from, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await foreach (var ev in _store.WatchAsync("/registry/", from, ct))
                {
                    var c = Find(ev.Current.Key);
                    if (c is not null)
                    {
                        try { c.Value.Cache.Apply(ToCacheEvent(c.Value.Type, c.Value.Cache, ev)); }
                        catch (Exception e) { _log.LogError("skipping undecodable change of {Key}: {Error}", ev.Current.Key, e.Message); }
                    }
                    from = ev.Revision;
                    Advance(ev.Revision);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                // A watch that ends (overflow, store hiccup) resumes from the last applied revision.
                _log.LogWarning("store watch ended ({Error}); resuming from {Revision}", e.Message, from);
                await Task.Delay(50, CancellationToken.None);
            }
        }
    }

    private static CacheEvent ToCacheEvent(ResourceType t, ResourceCache cache, StoreEvent ev)
    {
        var obj = CachedObject.FromStore(t, ev.Current);
        var prev = cache.Get(obj.Key);
        // The deleted object is reported with the revision of the delete, as etcd3 watchers do.
        if (ev.Type == StoreEventType.Delete) return new CacheEvent(WatchEventType.Deleted, obj, prev, ev.Revision);
        return new CacheEvent(prev is null ? WatchEventType.Added : WatchEventType.Modified, obj, prev, ev.Revision);
    }

    private void Advance(long rev)
    {
        Interlocked.Exchange(ref _revision, rev);
        List<TaskCompletionSource>? ready = null;
        lock (_waitLock)
        {
            while (_waiters.Count > 0 && _waiters.Keys[0] <= rev)
            {
                (ready ??= new()).AddRange(_waiters.Values[0]);
                _waiters.RemoveAt(0);
            }
        }
        if (ready is not null) foreach (var w in ready) w.TrySetResult();
    }

    /// <summary>Completes once every write up to <paramref name="revision"/> is visible in the caches.</summary>
    public Task WaitForRevisionAsync(long revision, CancellationToken ct = default)
    {
        if (Revision >= revision) return Task.CompletedTask;
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waitLock)
        {
            if (Revision >= revision) return Task.CompletedTask;
            if (!_waiters.TryGetValue(revision, out var list)) _waiters[revision] = list = new();
            list.Add(tcs);
        }
        return tcs.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
    }

    /// <summary>Waits until the caches hold everything the store has acknowledged so far (a consistent read).</summary>
    public Task SyncAsync(CancellationToken ct = default) => WaitForRevisionAsync(_store.CurrentRevision, ct);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_feed is not null) { try { await _feed; } catch { /* stopping */ } }
        foreach (var c in _caches) c.Cache?.CloseAll();
    }
}
