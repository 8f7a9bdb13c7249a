using System.Threading.Channels;

namespace Berth.Store.Sqlite;

/// <summary>
/// Fans committed events out to watchers and keeps a ring of the most recent events. The writer publishes under
/// <see cref="_lock"/>, and a watcher registers under the same lock, so a new watcher sees every event after the
/// registration point live and can fetch everything up to it from the ring or the log: no gap, no duplicate.
/// The current revision is advanced under the same lock.
/// </summary>
internal sealed class WatchHub
{
    readonly object _lock = new();
    readonly StoreEvent?[] _ring;
    int _ringHead;              // index of the oldest event
    int _ringCount;
    long _ringFirstRevision;    // revision of the oldest event in the ring (revisions in the ring are contiguous)
    readonly List<WatchSubscriber> _subscribers = [];
    readonly int _channelCapacity;
    long _currentRevision;
    bool _closed;

    public WatchHub(int historySize, int channelCapacity, long currentRevision)
    {
        _ring = new StoreEvent?[historySize];
        _channelCapacity = channelCapacity;
        _currentRevision = currentRevision;
        _ringFirstRevision = currentRevision + 1;
    }

    public long CurrentRevision => Volatile.Read(ref _currentRevision);

    /// <summary>Called by the writer after a commit, with the batch's events in revision order.</summary>
    public void Publish(List<StoreEvent> events, long newRevision)
    {
        lock (_lock)
        {
            for (int i = 0; i < events.Count; i++)
            {
                StoreEvent ev = events[i];
                AddToRing(ev);
                for (int s = _subscribers.Count - 1; s >= 0; s--)
                {
                    WatchSubscriber sub = _subscribers[s];
                    if (!ev.Current.Key.StartsWith(sub.Prefix, StringComparison.Ordinal)) continue;
                    if (!sub.Channel.Writer.TryWrite(ev))
                    {
                        sub.Channel.Writer.TryComplete(new WatchOverflowException(_channelCapacity));
                        _subscribers.RemoveAt(s);
                    }
                }
            }
            Volatile.Write(ref _currentRevision, newRevision);
        }
    }

    void AddToRing(StoreEvent ev)
    {
        if (_ring.Length == 0) { _ringFirstRevision = ev.Revision + 1; return; }
        if (_ringCount == 0) _ringFirstRevision = ev.Revision;
        if (_ringCount < _ring.Length)
        {
            _ring[(_ringHead + _ringCount) % _ring.Length] = ev;
            _ringCount++;
        }
        else
        {
            _ring[_ringHead] = ev;
            _ringHead = (_ringHead + 1) % _ring.Length;
            _ringFirstRevision++;
        }
    }

    /// <summary>
    /// Registers a watcher for live events after the current revision (returned in <paramref name="registeredAt"/>).
    /// When the ring holds every event in (<paramref name="afterRevision"/>, registeredAt], the matching ones are
    /// returned in <paramref name="replay"/>; otherwise replay is null and the caller reads that range from the log.
    /// </summary>
    public WatchSubscriber Subscribe(string prefix, long afterRevision, out long registeredAt, out List<StoreEvent>? replay)
    {
        var sub = new WatchSubscriber(prefix, Channel.CreateBounded<StoreEvent>(new BoundedChannelOptions(_channelCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        }));
        lock (_lock)
        {
            registeredAt = _currentRevision;
            replay = null;
            if (afterRevision >= registeredAt) replay = [];
            else if (_ringCount > 0 && afterRevision + 1 >= _ringFirstRevision)
            {
                replay = [];
                for (long rev = afterRevision + 1; rev <= registeredAt; rev++)
                {
                    StoreEvent ev = _ring[(_ringHead + (int)(rev - _ringFirstRevision)) % _ring.Length]!;
                    if (ev.Current.Key.StartsWith(prefix, StringComparison.Ordinal)) replay.Add(ev);
                }
            }
            if (_closed) sub.Channel.Writer.TryComplete();
            else _subscribers.Add(sub);
        }
        return sub;
    }

    public void Unsubscribe(WatchSubscriber sub)
    {
        lock (_lock) _subscribers.Remove(sub);
    }

    /// <summary>Ends every watch (their enumerations finish normally) and refuses new ones.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            foreach (WatchSubscriber sub in _subscribers) sub.Channel.Writer.TryComplete();
            _subscribers.Clear();
        }
    }
}

internal sealed record WatchSubscriber(string Prefix, Channel<StoreEvent> Channel);
