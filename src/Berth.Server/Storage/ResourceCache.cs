using System.Threading.Channels;

namespace Berth.Server.Storage;

/// <summary>
/// The current objects of one resource and a window of its recent changes, kept in memory
/// (like kube-apiserver's watch cache). Lists and gets are served from here; watches replay the window then follow.
/// </summary>
public sealed class ResourceCache
{
    private readonly object _lock = new();
    private readonly SortedDictionary<string, CachedObject> _items = new(StringComparer.Ordinal);
    private CacheEvent?[] _ring; // grows to _windowSize: most resources change rarely, and 22 full rings were 1.7 MB
    private readonly int _windowSize;
    private int _ringStart, _ringCount;
    private long _windowStart; // every event with revision > _windowStart is in the ring
    private readonly List<CacheWatcher> _watchers = new();

    public ResourceCache(int windowSize, long startRevision)
    {
        _windowSize = windowSize;
        _ring = new CacheEvent?[Math.Min(windowSize, 16)];
        _windowStart = startRevision;
    }

    public int Count { get { lock (_lock) return _items.Count; } }

    /// <summary>The revision of the last change to this resource (0 if none since the cache was loaded).</summary>
    public long LastChange { get { lock (_lock) return _lastChange; } }
    private long _lastChange;

    internal void Load(CachedObject obj) { lock (_lock) _items[obj.Key] = obj; }

    public CachedObject? Get(string key) { lock (_lock) return _items.TryGetValue(key, out var o) ? o : null; }

    /// <summary>A snapshot of the objects whose key starts with prefix, in key order, starting after <paramref name="after"/>.</summary>
    public List<CachedObject> List(string prefix, string? after = null)
    {
        var result = new List<CachedObject>();
        lock (_lock)
        {
            foreach (var (k, v) in _items)
            {
                if (!k.StartsWith(prefix, StringComparison.Ordinal)) continue;
                if (after is not null && string.CompareOrdinal(k, after) <= 0) continue;
                result.Add(v);
            }
        }
        return result;
    }

    internal void Apply(CacheEvent e)
    {
        lock (_lock)
        {
            _lastChange = e.Revision;
            // The version this change supersedes is now only in the window: its decoded form need not stay in memory.
            if (_items.TryGetValue(e.Object.Key, out var superseded)) superseded.ReleaseSharedModel();
            if (e.Type == WatchEventType.Deleted) _items.Remove(e.Object.Key);
            else _items[e.Object.Key] = e.Object;

            if (_ringCount == _ring.Length && _ring.Length < _windowSize)
            {
                var grown = new CacheEvent?[Math.Min(_windowSize, _ring.Length * 2)];
                for (int i = 0; i < _ringCount; i++) grown[i] = _ring[(_ringStart + i) % _ring.Length];
                _ring = grown;
                _ringStart = 0;
            }
            if (_ringCount == _ring.Length)
            {
                _windowStart = _ring[_ringStart]!.Revision;
                _ring[_ringStart] = null;
                _ringStart = (_ringStart + 1) % _ring.Length;
                _ringCount--;
            }
            _ring[(_ringStart + _ringCount) % _ring.Length] = e;
            _ringCount++;

            for (int i = _watchers.Count - 1; i >= 0; i--)
                if (!_watchers[i].Offer(e)) _watchers.RemoveAt(i);
        }
    }

    /// <summary>Starts a watch of changes after <paramref name="afterRevision"/>; the window's events are replayed first.</summary>
    /// <returns>null when the revision is older than the window (the caller answers 410 Gone).</returns>
    public CacheWatcher? Watch(long afterRevision, Func<CachedObject, bool> filter, out long windowStart)
    {
        lock (_lock)
        {
            windowStart = _windowStart;
            if (afterRevision < _windowStart) return null;
            var w = new CacheWatcher(filter, this);
            for (int i = 0; i < _ringCount; i++)
            {
                var e = _ring[(_ringStart + i) % _ring.Length]!;
                if (e.Revision > afterRevision) w.Offer(e);
            }
            _watchers.Add(w);
            return w;
        }
    }

    /// <summary>The matching objects now, and a watch of every change after this instant (no gap, no overlap).</summary>
    public CacheWatcher ListAndWatch(string prefix, Func<CachedObject, bool> filter, out List<CachedObject> items)
    {
        lock (_lock)
        {
            items = new List<CachedObject>();
            foreach (var (k, v) in _items)
                if (k.StartsWith(prefix, StringComparison.Ordinal) && filter(v)) items.Add(v);
            var w = new CacheWatcher(filter, this);
            _watchers.Add(w);
            return w;
        }
    }

    internal void Remove(CacheWatcher w) { lock (_lock) _watchers.Remove(w); }

    internal void CloseAll() { lock (_lock) { foreach (var w in _watchers) w.Close(); _watchers.Clear(); } }
}

/// <summary>One watcher's queue. Events are translated through the watcher's filter as the cacher does:
/// an object that stops matching is reported Deleted, one that starts matching Added.</summary>
public sealed class CacheWatcher : IDisposable
{
    private const int Capacity = 100_000;
    private readonly Channel<CacheEvent> _channel = Channel.CreateBounded<CacheEvent>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Func<CachedObject, bool> _filter;
    private readonly ResourceCache _owner;

    internal CacheWatcher(Func<CachedObject, bool> filter, ResourceCache owner) { _filter = filter; _owner = owner; }

    public ChannelReader<CacheEvent> Events => _channel.Reader;

    /// <summary>Queues the event if it concerns this watcher; false when the watcher is too slow and has been closed.</summary>
    internal bool Offer(CacheEvent e)
    {
        bool now = e.Type != WatchEventType.Deleted && _filter(e.Object);
        bool before = e.Type == WatchEventType.Added ? false
            : e.Type == WatchEventType.Deleted ? _filter(e.Object)
            : e.Previous is not null && _filter(e.Previous);
        CacheEvent? outgoing = (before, now) switch
        {
            (false, true) => e.Type == WatchEventType.Added ? e : e with { Type = WatchEventType.Added },
            (true, true) => e,
            (true, false) => e.Type == WatchEventType.Deleted ? e : e with { Type = WatchEventType.Deleted },
            _ => null,
        };
        if (outgoing is null) return true;
        if (_channel.Writer.TryWrite(outgoing)) return true;
        _channel.Writer.TryComplete(new InvalidOperationException("watcher fell too far behind"));
        return false;
    }

    internal void Close() => _channel.Writer.TryComplete();

    public void Dispose() { _owner.Remove(this); _channel.Writer.TryComplete(); }
}
