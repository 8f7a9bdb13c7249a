using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Berth.Api.Core;
using Berth.Api.Meta;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Client;

/// <summary>
/// Records core/v1 Events about objects, as client-go's recorder with its EventCorrelator (tools/record/events_cache.go):
/// <list type="bullet">
/// <item>an event identical to one recorded less than 10 minutes ago (same object, type, reason, message, source) bumps
/// that Event's count and lastTimestamp instead of creating a new one;</item>
/// <item>from the 10th distinct message with the same object, type and reason within 10 minutes, they are combined into
/// one Event "(combined from similar events): MESSAGE" whose count grows (a StatefulSet of 1,000 pods records 9
/// SuccessfulCreate events and one combined one, not 2,000);</item>
/// <item>a source may record 25 events about one object at once, then one per 5 minutes (the spam filter: events are
/// best-effort and must not swamp the store); a dropped event still counts towards its Event's count.</item>
/// </list>
/// Recording never throws; failures are logged (without the message, which may carry sensitive data).
/// <para>Events are written by a few lanes at once, each object's always by the same lane (so its count and aggregation
/// see its events in order): writes in flight together share the store's fsyncs, where one writer paid one fsync per
/// event and fell seconds behind a burst of new claims.</para>
/// </summary>
public sealed class EventRecorder : IAsyncDisposable
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
    public static readonly TimeSpan AggregationWindow = TimeSpan.FromMinutes(10);
    private const int MaxCacheEntries = 4096;
    private const int Lanes = 8;
    /// <summary>Distinct messages of one object, type and reason before they are combined (defaultAggregateMaxEvents).</summary>
    public const int AggregateMaxEvents = 10;
    /// <summary>The spam filter's token bucket per source and object: burst, and seconds per new token (defaultSpamBurst, 1/defaultSpamQPS).</summary>
    public const int SpamBurst = 25;
    public static readonly TimeSpan SpamRefill = TimeSpan.FromMinutes(5);
    public const string CombinedPrefix = "(combined from similar events): ";

    private readonly IApiClient _client;
    private readonly int _spamBurst;
    private readonly KindResolver _kinds;
    private readonly ILogger _log;
    private readonly TimeProvider _clock;
    private readonly Lane[] _lanes;

    /// <param name="spamBurst">The spam filter's burst (default <see cref="SpamBurst"/>, as upstream).</param>
    public EventRecorder(IApiClient client, string component, string? host = null, ILogger? log = null, TimeProvider? clock = null, KindResolver? kinds = null,
        int spamBurst = SpamBurst)
    {
        _spamBurst = spamBurst;
        _client = client;
        Component = component;
        Host = host;
        _log = log ?? NullLogger.Instance;
        _clock = clock ?? TimeProvider.System;
        _kinds = kinds ?? KindResolver.Default;
        _lanes = new Lane[Lanes];
        for (int i = 0; i < Lanes; i++) _lanes[i] = new Lane(this);
    }

    public string Component { get; }
    public string? Host { get; }

    /// <summary>Queues an event (returns at once, like client-go's Event).</summary>
    public void Event(KubeObject obj, string type, string reason, string message)
    {
        var ev = Build(obj, type, reason, message);
        if (ev is null) return;
        var objectKey = ObjectKey(ev);
        LaneOf(objectKey).Queue.Writer.TryWrite((ev, objectKey, null));
    }

    /// <summary>Records an event and waits until it is written (or failed). Never throws.</summary>
    public async Task RecordAsync(KubeObject obj, string type, string reason, string message, CancellationToken ct = default)
    {
        var ev = Build(obj, type, reason, message);
        if (ev is null) return;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var objectKey = ObjectKey(ev);
        if (!LaneOf(objectKey).Queue.Writer.TryWrite((ev, objectKey, done))) return;
        try { await done.Task.WaitAsync(ct); } catch (OperationCanceledException) { }
    }

    private Event? Build(KubeObject obj, string type, string reason, string message)
    {
        try
        {
            var k = _kinds.Resolve(obj.GetType());
            var now = _clock.GetUtcNow();
            var reference = new ObjectReference
            {
                Kind = obj.Kind ?? k.Kind,
                ApiVersion = obj.ApiVersion ?? k.GroupVersion,
                Name = obj.Metadata.Name,
                Namespace = obj.Metadata.Namespace,
                Uid = obj.Metadata.Uid,
                ResourceVersion = obj.Metadata.ResourceVersion,
            };
            return new Event
            {
                Metadata = new ObjectMeta
                {
                    // Upstream: "<name>.<unix nanos in hex>", in the object's namespace or "default" for cluster-scoped objects.
                    Name = $"{obj.Metadata.Name}.{(now.ToUnixTimeMilliseconds() * 1_000_000 + Random.Shared.Next(1_000_000)).ToString("x", CultureInfo.InvariantCulture)}",
                    Namespace = string.IsNullOrEmpty(obj.Metadata.Namespace) ? "default" : obj.Metadata.Namespace,
                },
                InvolvedObject = reference,
                Type = type,
                Reason = reason,
                Message = message,
                Source = new EventSource { Component = Component, Host = Host },
                FirstTimestamp = now,
                LastTimestamp = now,
                Count = 1,
                ReportingComponent = Component,
                ReportingInstance = Host ?? "",
            };
        }
        catch (Exception e)
        {
            _log.LogWarning("cannot record event {Reason} for {Object}: {Error}", reason, obj.Metadata.Name, e.Message);
            return null;
        }
    }

    private Lane LaneOf(string objectKey) => _lanes[(int)((uint)StringComparer.Ordinal.GetHashCode(objectKey) % Lanes)];

    /// <summary>getEventKey: the object, and what was said about it.</summary>
    private static string EventKey(string objectKey, Event ev) => string.Join("\u0000", objectKey, ev.Type, ev.Reason, ev.Message);

    /// <summary>getSpamKey: the source and the object.</summary>
    private static string ObjectKey(Event ev)
    {
        var o = ev.InvolvedObject!;
        return string.Join("\u0000", ev.Source?.Component, ev.Source?.Host, o.Kind, o.Namespace, o.Name, o.Uid, o.ApiVersion);
    }

    /// <summary>One writer of events, and what it remembers about the objects it writes for.</summary>
    private sealed class Lane
    {
        private const int MaxLaneEntries = MaxCacheEntries / Lanes;
        private readonly EventRecorder _recorder;
        // Only this lane's loop touches these (one reader), so they need no lock.
        private readonly Dictionary<string, (string Namespace, string Name, int Count, DateTimeOffset First, DateTimeOffset Last)> _seen = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (HashSet<string> Messages, DateTimeOffset Last)> _similar = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (double Tokens, DateTimeOffset Refilled)> _spam = new(StringComparer.Ordinal);

        public Lane(EventRecorder recorder)
        {
            _recorder = recorder;
            Loop = Task.Run(LoopAsync);
        }

        /// <summary>Events to write, each with its <see cref="ObjectKey"/> (made once: the lane, the aggregation and the spam
        /// filter all key on it).</summary>
        public Channel<(Event Ev, string ObjectKey, TaskCompletionSource? Done)> Queue { get; } =
            Channel.CreateUnbounded<(Event, string, TaskCompletionSource?)>(new UnboundedChannelOptions { SingleReader = true });
        public Task Loop { get; }

        private async Task LoopAsync()
        {
            await foreach (var (ev, objectKey, done) in Queue.Reader.ReadAllAsync())
            {
                try { await WriteAsync(ev, objectKey); }
                catch (Exception e)
                {
                    var o = ev.InvolvedObject!;
                    _recorder._log.LogWarning("failed to record event {Reason} for {Kind} {Namespace}/{Name}: {Error}", ev.Reason, o.Kind, o.Namespace, o.Name, e.Message);
                }
                finally { done?.TrySetResult(); }
            }
        }

        /// <summary>
        /// EventAggregate: the event itself while fewer than <see cref="AggregateMaxEvents"/> distinct messages of its
        /// object, type and reason were seen in the window, else the combined event; and the key its Event is counted under.
        /// </summary>
        private (Event Event, string Key) Aggregate(Event ev, string objectKey, DateTimeOffset now)
        {
            var similarKey = string.Join("\u0000", objectKey, ev.Type, ev.Reason, ev.ReportingComponent, ev.ReportingInstance);
            if (!_similar.TryGetValue(similarKey, out var record) || now - record.Last > AggregationWindow)
                record = (new HashSet<string>(StringComparer.Ordinal), now);
            record.Messages.Add(ev.Message ?? "");
            if (_similar.Count >= MaxLaneEntries && !_similar.ContainsKey(similarKey)) _similar.Clear();
            _similar[similarKey] = record with { Last = now };
            if (record.Messages.Count < AggregateMaxEvents) return (ev, EventKey(objectKey, ev));
            record.Messages.Remove(record.Messages.First()); // do not grow the set any larger (PopAny)
            ev.Message = CombinedPrefix + ev.Message;
            return (ev, similarKey);
        }

        /// <summary>EventSourceObjectSpamFilter: whether the source's token bucket for the object has a token left (taking it).</summary>
        private bool Allowed(string key, DateTimeOffset now)
        {
            var (tokens, refilled) = _spam.TryGetValue(key, out var b) ? b : (_recorder._spamBurst, now);
            tokens = Math.Min(_recorder._spamBurst, tokens + (now - refilled).TotalSeconds / SpamRefill.TotalSeconds);
            bool allowed = tokens >= 1;
            if (allowed) tokens -= 1;
            if (_spam.Count >= MaxLaneEntries && !_spam.ContainsKey(key)) _spam.Clear();
            _spam[key] = (tokens, now);
            return allowed;
        }

        private async Task WriteAsync(Event ev, string objectKey)
        {
            var now = ev.LastTimestamp!.Value;
            var o = ev.InvolvedObject!;
            (ev, var key) = Aggregate(ev, objectKey, now);
            bool allowed = Allowed(objectKey, now);
            if (_seen.TryGetValue(key, out var prior) && now - prior.Last < AggregationWindow)
            {
                var count = prior.Count + 1;
                if (!allowed)
                {
                    // Dropped, but counted: the next recorded occurrence carries the total (as eventObserve before the filter).
                    _seen[key] = prior with { Count = count, Last = now };
                    return;
                }
                var patch = JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["count"] = count,
                    ["lastTimestamp"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                    ["message"] = ev.Message,
                });
                try
                {
                    await _recorder._client.PatchAsync<Event>(prior.Namespace, prior.Name, PatchType.Merge, patch);
                    _seen[key] = prior with { Count = count, Last = now };
                    _recorder._log.LogDebug("event {Type} {Reason} for {Kind} {Namespace}/{Name} (count {Count})", ev.Type, ev.Reason, o.Kind, o.Namespace, o.Name, count);
                    return;
                }
                catch (ApiStatusException e) when (e.IsNotFound)
                {
                    _seen.Remove(key); // the event was deleted (expired): start a new one
                }
            }
            if (!allowed)
            {
                _recorder._log.LogDebug("event {Type} {Reason} for {Kind} {Namespace}/{Name} dropped by the spam filter", ev.Type, ev.Reason, o.Kind, o.Namespace, o.Name);
                return;
            }
            Event created;
            try { created = await _recorder._client.CreateAsync(ev); }
            catch (ApiStatusException e) when (e.IsAlreadyExists)
            {
                ev.Metadata.Name += Random.Shared.Next(16).ToString("x", CultureInfo.InvariantCulture);
                created = await _recorder._client.CreateAsync(ev);
            }
            if (_seen.Count >= MaxLaneEntries) _seen.Clear();
            _seen[key] = (created.Metadata.Namespace!, created.Metadata.Name!, created.Count ?? 1, created.FirstTimestamp ?? now, now);
            _recorder._log.LogDebug("event {Type} {Reason} for {Kind} {Namespace}/{Name}", ev.Type, ev.Reason, o.Kind, o.Namespace, o.Name);
        }
    }

    /// <summary>Writes what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var lane in _lanes) lane.Queue.Writer.TryComplete();
        foreach (var lane in _lanes) await lane.Loop;
    }
}
