using Berth.Api.Core;
using Berth.Api.Registry;
using Berth.Server.Http;
using Microsoft.Extensions.Logging;

namespace Berth.Server.Storage;

/// <summary>
/// Deletes each Event an hour (the TTL) after it was last written, as kube-apiserver does with <c>--event-ttl=1h</c>
/// (there an etcd lease per write). Without it every controller restart adds a new event per object it looks at, and
/// they pile up in the store and in memory for ever.
/// The write time of a version is when this sweeper first saw it; versions that were already there when the server
/// started (written before it) count from the newest of their own timestamps (lastTimestamp, eventTime,
/// series.lastObservedTime, creationTimestamp), which every recorder sets on each write.
/// </summary>
public sealed class EventExpiry : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(1);

    private readonly ResourceStore _store;
    private readonly ResourceType _events;
    private readonly TimeSpan _ttl;
    private readonly ILogger _log;
    private readonly Dictionary<string, (long Revision, DateTimeOffset Written)> _seen = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly long _startRevision;

    public EventExpiry(ResourceStore store, TimeSpan ttl, ILogger log)
    {
        _store = store;
        _events = store.Registry.ByPath("", "v1", "events") ?? throw new InvalidOperationException("no events resource");
        _ttl = ttl;
        _log = log;
        _startRevision = store.Cache.Revision;
        // A sweep every minute is fine against an hour; short TTLs (tests) are swept more often.
        var every = TimeSpan.FromTicks(Math.Clamp(ttl.Ticks / 4, TimeSpan.FromMilliseconds(200).Ticks, TimeSpan.FromMinutes(1).Ticks));
        _loop = Task.Run(() => RunAsync(every));
    }

    private async Task RunAsync(TimeSpan every)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            // Not at once: a cold start has better things to do than read every event.
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try { await SweepAsync(_stop.Token); }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested) { return; }
                catch (Exception e) { _log.LogWarning("event expiry: {Error}", e.Message); }
            }
        }
        catch (OperationCanceledException) { /* stopping */ }
    }

    /// <summary>One pass: deletes the events whose last write is older than the TTL; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken ct = default)
    {
        var now = _store.Clock.GetUtcNow();
        var live = _store.Cache.For(_events).List("");
        var expired = new List<CachedObject>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in live)
        {
            keys.Add(item.Key);
            if (!_seen.TryGetValue(item.Key, out var seen) || seen.Revision != item.ModRevision)
                _seen[item.Key] = seen = (item.ModRevision,
                    item.ModRevision <= _startRevision ? WrittenBefore((Event)item.ReadOnlyModel(_events), now) : now);
            if (now - seen.Written >= _ttl) expired.Add(item);
        }
        foreach (var key in _seen.Keys.Where(k => !keys.Contains(k)).ToList()) _seen.Remove(key);

        int deleted = 0;
        foreach (var item in expired)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                // Only the version that expired: an event updated meanwhile lives on.
                await _store.DeleteAsync(_events, item.Namespace, item.Name,
                    new DeleteOptions { PreconditionResourceVersion = item.ModRevision.ToString(System.Globalization.CultureInfo.InvariantCulture) }, ct);
                _seen.Remove(item.Key);
                deleted++;
            }
            catch (ApiException e) when (e.Code is 404 or 409) { /* gone or rewritten meanwhile */ }
        }
        if (deleted > 0) _log.LogDebug("event expiry: deleted {Count} events older than {Ttl}", deleted, _ttl);
        return deleted;
    }

    private static DateTimeOffset WrittenBefore(Event e, DateTimeOffset now)
    {
        var t = e.Metadata.CreationTimestamp ?? now;
        if (e.LastTimestamp is { } l && l > t) t = l;
        if (e.EventTime is { } et && et > t) t = et;
        if (e.Series?.LastObservedTime is { } s && s > t) t = s;
        return t > now ? now : t;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop;
        _stop.Dispose();
    }
}
