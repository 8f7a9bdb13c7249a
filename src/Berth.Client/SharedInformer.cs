using System.Threading.Channels;
using Berth.Api.Meta;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Client;

/// <summary>What controllers need of any informer: whether its cache is filled, and starting it.</summary>
public interface ISharedInformer
{
    bool HasSynced { get; }
    Task WaitForSyncAsync(CancellationToken ct = default);
    /// <summary>Starts the list/watch loop (once; later calls do nothing). It runs until <paramref name="ct"/> is cancelled.</summary>
    void Start(CancellationToken ct);
    Type ObjectType { get; }
    string? Namespace { get; }
}

public sealed record InformerOptions
{
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }
    /// <summary>If set, every cached object is re-delivered as OnUpdate(obj, obj) this often.</summary>
    public TimeSpan? ResyncPeriod { get; init; }
    /// <summary>Server-side timeout of each watch; default a random 5–10 minutes (as client-go's reflector).</summary>
    public int? WatchTimeoutSeconds { get; init; }
    /// <summary>Page size of lists.</summary>
    public int PageSize { get; init; } = 500;
}

/// <summary>
/// client-go's SharedIndexInformer: lists, then watches from the list's resourceVersion; when a watch ends it watches
/// again from the last resourceVersion seen, and on 410 Gone it lists again and reconciles its cache (adds, updates
/// and deletes, as a Replace). Handlers run in order on one dispatch loop.
/// <para>Objects handed out by <see cref="Get"/>, <see cref="List"/>, <see cref="ByIndex"/> and to handlers are the
/// cache's own, shared by every user: do not mutate them — take <see cref="KubeObjects.DeepCopy{T}"/> first.</para>
/// </summary>
public sealed class SharedInformer<T> : ISharedInformer where T : KubeObject
{
    public const string NamespaceIndex = "namespace";

    private readonly IApiClient _client;
    private readonly InformerOptions _opts;
    private readonly ILogger _log;
    private readonly object _lock = new();
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (Func<T, IEnumerable<string>> Fn, Dictionary<string, HashSet<string>> Values)> _indexes = new();
    private readonly List<Handler> _handlers = new();
    private readonly Channel<Action> _notifications = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;
    private string _lastRv = "";

    public SharedInformer(IApiClient client, string? ns = null, InformerOptions? options = null, ILogger? log = null)
    {
        _client = client;
        Namespace = string.IsNullOrEmpty(ns) ? null : ns;
        _opts = options ?? new InformerOptions();
        _log = log ?? NullLogger.Instance;
        AddIndex(NamespaceIndex, o => [o.Metadata.Namespace ?? ""]);
    }

    public string? Namespace { get; }
    public Type ObjectType => typeof(T);
    public bool HasSynced => _synced.Task.IsCompleted;
    /// <summary>The resourceVersion the next watch starts from.</summary>
    public string LastSyncResourceVersion { get { lock (_lock) return _lastRv; } }
    /// <summary>How many times this informer has listed (1 after the first sync; more after 410s).</summary>
    public int ListCount { get; private set; }
    public Task Completion { get; private set; } = Task.CompletedTask;

    public Task WaitForSyncAsync(CancellationToken ct = default) => _synced.Task.WaitAsync(ct);

    // ------------------------------------------------------------------ cache

    public T? Get(string key) { lock (_lock) return _items.TryGetValue(key, out var o) ? o : null; }
    public T? Get(string? ns, string name) => Get(KubeObjects.KeyOf(ns, name));
    public IReadOnlyList<T> List() { lock (_lock) return _items.Values.ToList(); }
    public IReadOnlyList<string> ListKeys() { lock (_lock) return _items.Keys.ToList(); }
    public int Count { get { lock (_lock) return _items.Count; } }

    /// <summary>Adds an index: <paramref name="fn"/> gives the index values of an object. Existing objects are indexed now.</summary>
    public void AddIndex(string name, Func<T, IEnumerable<string>> fn)
    {
        lock (_lock)
        {
            if (_indexes.ContainsKey(name)) throw new InvalidOperationException($"index {name} already exists");
            var values = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            _indexes[name] = (fn, values);
            foreach (var (k, o) in _items) IndexAdd(fn, values, k, o);
        }
    }

    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        lock (_lock)
        {
            if (!_indexes.TryGetValue(indexName, out var ix)) throw new InvalidOperationException($"no index {indexName}");
            if (!ix.Values.TryGetValue(value, out var keys)) return [];
            return keys.Select(k => _items[k]).ToList();
        }
    }

    private static void IndexAdd(Func<T, IEnumerable<string>> fn, Dictionary<string, HashSet<string>> values, string key, T obj)
    {
        foreach (var v in fn(obj))
        {
            if (!values.TryGetValue(v, out var set)) values[v] = set = new HashSet<string>(StringComparer.Ordinal);
            set.Add(key);
        }
    }

    private static void IndexRemove(Func<T, IEnumerable<string>> fn, Dictionary<string, HashSet<string>> values, string key, T obj)
    {
        foreach (var v in fn(obj))
            if (values.TryGetValue(v, out var set) && set.Remove(key) && set.Count == 0) values.Remove(v);
    }

    /// <summary>Under the lock: stores (or removes, obj null) and re-indexes.</summary>
    private void Store(string key, T? old, T? obj)
    {
        foreach (var (fn, values) in _indexes.Values)
        {
            if (old is not null) IndexRemove(fn, values, key, old);
            if (obj is not null) IndexAdd(fn, values, key, obj);
        }
        if (obj is null) _items.Remove(key);
        else _items[key] = obj;
    }

    // ------------------------------------------------------------------ handlers

    private sealed record Handler(Action<T>? Add, Action<T, T>? Update, Action<T>? Delete);

    public void OnAdd(Action<T> handler) => AddEventHandler(handler, null, null);
    public void OnUpdate(Action<T, T> handler) => AddEventHandler(null, handler, null);
    public void OnDelete(Action<T> handler) => AddEventHandler(null, null, handler);

    /// <summary>Registers handlers. A handler added after objects are cached first gets an add for each of them (as client-go).</summary>
    public void AddEventHandler(Action<T>? onAdd, Action<T, T>? onUpdate, Action<T>? onDelete)
    {
        var h = new Handler(onAdd, onUpdate, onDelete);
        lock (_lock)
        {
            if (onAdd is not null && _items.Count > 0)
            {
                var existing = _items.Values.ToList();
                Post(() => { foreach (var o in existing) Invoke(() => onAdd(o)); });
            }
            _handlers.Add(h);
        }
    }

    // Under the lock: the handler list is captured now, so each handler sees every change exactly once, in order.
    private void NotifyAdd(T obj) { var hs = _handlers.ToArray(); Post(() => { foreach (var h in hs) if (h.Add is { } a) Invoke(() => a(obj)); }); }
    private void NotifyUpdate(T old, T obj) { var hs = _handlers.ToArray(); Post(() => { foreach (var h in hs) if (h.Update is { } u) Invoke(() => u(old, obj)); }); }
    private void NotifyDelete(T obj) { var hs = _handlers.ToArray(); Post(() => { foreach (var h in hs) if (h.Delete is { } d) Invoke(() => d(obj)); }); }

    private void Post(Action a) => _notifications.Writer.TryWrite(a);

    private void Invoke(Action a)
    {
        try { a(); }
        catch (Exception e) { _log.LogError(e, "informer {Type}: event handler failed", typeof(T).Name); }
    }

    private async Task DispatchAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var a in _notifications.Reader.ReadAllAsync(ct)) a();
        }
        catch (OperationCanceledException) { }
    }

    // ------------------------------------------------------------------ list and watch

    public void Start(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1) return;
        var dispatch = Task.Factory.StartNew(() => DispatchAsync(ct), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        var loop = Task.Run(() => RunAsync(ct), CancellationToken.None);
        var resync = _opts.ResyncPeriod is { } p && p > TimeSpan.Zero ? Task.Run(() => ResyncAsync(p, ct), CancellationToken.None) : Task.CompletedTask;
        Completion = Task.WhenAll(dispatch, loop, resync);
    }

    private async Task RunAsync(CancellationToken ct)
    {
        bool needList = true;
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    await ListAsync(ct);
                    needList = false;
                }
                var outcome = await WatchOnceAsync(ct);
                if (outcome == WatchOutcome.Gone)
                {
                    _log.LogInformation("informer {Type}: resourceVersion {Rv} is too old; relisting", typeof(T).Name, LastSyncResourceVersion);
                    needList = true;
                    continue;
                }
                if (outcome == WatchOutcome.Error) { needList = true; await Task.Delay(backoff, ct); backoff = Next(backoff); continue; }
                backoff = TimeSpan.FromMilliseconds(100);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (ApiStatusException e) when (e.IsGone) { needList = true; }
            catch (Exception e)
            {
                _log.LogWarning("informer {Type}: {Phase} failed: {Error}; retrying in {Delay}", typeof(T).Name, needList ? "list" : "watch", e.Message, backoff);
                try { await Task.Delay(backoff, ct); } catch (OperationCanceledException) { return; }
                backoff = Next(backoff);
            }
        }
    }

    private static TimeSpan Next(TimeSpan d) => TimeSpan.FromMilliseconds(Math.Min(d.TotalMilliseconds * 2, 30_000));

    private async Task ListAsync(CancellationToken ct)
    {
        var all = new List<T>();
        string? cont = null;
        string rv = "";
        do
        {
            var page = await _client.ListAsync<T>(Namespace, new ListRequest
            {
                LabelSelector = _opts.LabelSelector,
                FieldSelector = _opts.FieldSelector,
                Limit = _opts.PageSize,
                Continue = cont,
                ReadOnlyObjects = true, // as the watch below: one decoded instance shared by every informer in the process
            }, ct);
            all.AddRange(page.Items);
            if (cont is null) rv = page.ResourceVersion;
            cont = page.Continue;
        } while (cont is not null);
        Replace(all, rv);
        ListCount++;
        _synced.TrySetResult();
    }

    /// <summary>Makes the cache equal to a fresh list, notifying adds, updates (resourceVersion changed) and deletes.</summary>
    private void Replace(List<T> list, string rv)
    {
        lock (_lock)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var o in list)
            {
                var key = KubeObjects.KeyOf(o);
                seen.Add(key);
                if (_items.TryGetValue(key, out var old))
                {
                    Store(key, old, o);
                    if (old.Metadata.ResourceVersion != o.Metadata.ResourceVersion) NotifyUpdate(old, o);
                }
                else
                {
                    Store(key, null, o);
                    NotifyAdd(o);
                }
            }
            foreach (var (key, old) in _items.Where(kv => !seen.Contains(kv.Key)).ToList())
            {
                Store(key, old, null);
                NotifyDelete(old);
            }
            _lastRv = rv;
        }
    }

    private enum WatchOutcome { Ended, Gone, Error }

    private async Task<WatchOutcome> WatchOnceAsync(CancellationToken ct)
    {
        var req = new WatchRequest
        {
            LabelSelector = _opts.LabelSelector,
            FieldSelector = _opts.FieldSelector,
            ResourceVersion = LastSyncResourceVersion,
            AllowWatchBookmarks = true,
            ReadOnlyObjects = true, // the cache's objects are shared and never changed
            TimeoutSeconds = _opts.WatchTimeoutSeconds ?? 300 + Random.Shared.Next(300),
        };
        await foreach (var ev in _client.WatchAsync<T>(Namespace, req, ct))
        {
            switch (ev.Type)
            {
                case WatchEventType.Error:
                    if (ev.Status?.Code == 410) return WatchOutcome.Gone;
                    _log.LogWarning("informer {Type}: watch error {Code} {Reason}", typeof(T).Name, ev.Status?.Code, ev.Status?.Reason);
                    return WatchOutcome.Error;
                case WatchEventType.Bookmark:
                    if (ev.Object?.Metadata.ResourceVersion is { Length: > 0 } brv) lock (_lock) _lastRv = brv;
                    break;
                default:
                    Apply(ev.Type, ev.Object!);
                    break;
            }
        }
        return WatchOutcome.Ended;
    }

    private void Apply(WatchEventType type, T obj)
    {
        var key = KubeObjects.KeyOf(obj);
        lock (_lock)
        {
            _items.TryGetValue(key, out var old);
            if (type == WatchEventType.Deleted)
            {
                if (old is not null) { Store(key, old, null); NotifyDelete(obj); }
            }
            else
            {
                Store(key, old, obj);
                if (old is null) NotifyAdd(obj); else NotifyUpdate(old, obj);
            }
            if (obj.Metadata.ResourceVersion is { Length: > 0 } rv) _lastRv = rv;
        }
    }

    private async Task ResyncAsync(TimeSpan period, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                lock (_lock) foreach (var o in _items.Values) NotifyUpdate(o, o);
            }
        }
        catch (OperationCanceledException) { }
    }
}
