namespace Berth.Client;

/// <summary>
/// client-go's rate-limited work queue: a key is queued once however often it is added; a key being processed is
/// never handed to a second worker, and if added meanwhile it is queued again when <see cref="Done"/> is called.
/// Failures back off per key exponentially (5 ms doubling to 1000 s, as DefaultControllerRateLimiter's item limiter).
/// </summary>
public sealed class WorkQueue<TKey> where TKey : notnull
{
    private readonly object _lock = new();
    private readonly Queue<TKey> _queue = new();
    private readonly HashSet<TKey> _dirty = new();
    private readonly HashSet<TKey> _processing = new();
    private readonly LinkedList<TaskCompletionSource<(TKey, bool)>> _waiters = new();
    private readonly Dictionary<TKey, int> _failures = new();
    private readonly Dictionary<TKey, DateTime> _waitingUntil = new();
    private readonly CancellationTokenSource _shutdown = new();
    private bool _shuttingDown;
    private int _peak; // the most keys queued since the last trim
    private const int TrimAbove = 1024;

    public TimeSpan BaseDelay { get; }
    public TimeSpan MaxDelay { get; }

    public WorkQueue() : this(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)) { }

    public WorkQueue(TimeSpan baseDelay, TimeSpan maxDelay) { BaseDelay = baseDelay; MaxDelay = maxDelay; }

    /// <summary>Keys waiting to be handed out (not counting those being processed or waiting for a delay).</summary>
    public int Len { get { lock (_lock) return _queue.Count; } }
    public bool ShuttingDown { get { lock (_lock) return _shuttingDown; } }

    public void Add(TKey key)
    {
        lock (_lock)
        {
            if (_shuttingDown || !_dirty.Add(key)) return;
            if (_processing.Contains(key)) return; // re-queued by Done
            Dispatch(key);
        }
    }

    /// <summary>Under the lock: hands a dirty, not-processing key to a waiting worker or queues it.</summary>
    private void Dispatch(TKey key)
    {
        while (_waiters.First is { } node)
        {
            _waiters.RemoveFirst();
            _dirty.Remove(key);
            _processing.Add(key);
            if (node.Value.TrySetResult((key, false))) return;
            // That worker gave up (cancelled): undo and try the next.
            _processing.Remove(key);
            _dirty.Add(key);
        }
        _queue.Enqueue(key);
        if (_queue.Count > _peak) _peak = _queue.Count;
    }

    /// <summary>The next key to process (the caller must call <see cref="Done"/>); shutdown = true once the queue is shut down and empty.</summary>
    public Task<(TKey Key, bool Shutdown)> GetAsync(CancellationToken ct = default)
    {
        TaskCompletionSource<(TKey, bool)> tcs;
        LinkedListNode<TaskCompletionSource<(TKey, bool)>> node;
        lock (_lock)
        {
            if (_queue.Count > 0)
            {
                var key = _queue.Dequeue();
                _dirty.Remove(key);
                _processing.Add(key);
                if (_queue.Count == 0) TrimAfterBurst();
                return Task.FromResult((key, false));
            }
            if (_shuttingDown) return Task.FromResult((default(TKey)!, true));
            ct.ThrowIfCancellationRequested();
            tcs = new TaskCompletionSource<(TKey, bool)>(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiters.AddLast(tcs);
        }
        if (ct.CanBeCanceled)
        {
            var reg = ct.Register(() =>
            {
                lock (_lock)
                {
                    if (node.List is not null) _waiters.Remove(node);
                }
                tcs.TrySetCanceled(ct);
            });
            tcs.Task.ContinueWith(_ => reg.Dispose(), TaskScheduler.Default);
        }
        return tcs.Task;
    }

    /// <summary>
    /// Under the lock, once the queue has drained: a queue that held thousands of keys (every object at a start or a
    /// resync) gives back the room they took, which collections otherwise keep for good. A later burst grows it again.
    /// </summary>
    private void TrimAfterBurst()
    {
        if (_peak < TrimAbove) return;
        _peak = 0;
        _queue.TrimExcess();
        _dirty.TrimExcess();
    }

    /// <summary>Marks a key processed; if it was added while processing, it is queued again.</summary>
    public void Done(TKey key)
    {
        lock (_lock)
        {
            _processing.Remove(key);
            if (_dirty.Contains(key))
            {
                if (_shuttingDown) { _dirty.Remove(key); return; }
                Dispatch(key);
            }
        }
    }

    /// <summary>Adds the key after its per-key backoff: BaseDelay * 2^failures, capped at MaxDelay.</summary>
    public void AddRateLimited(TKey key) => AddAfter(key, When(key));

    /// <summary>The next backoff for the key (and counts one more failure).</summary>
    public TimeSpan When(TKey key)
    {
        int n;
        lock (_lock)
        {
            _failures.TryGetValue(key, out n);
            _failures[key] = n + 1;
        }
        var ms = BaseDelay.TotalMilliseconds * Math.Pow(2, n);
        return ms >= MaxDelay.TotalMilliseconds || double.IsInfinity(ms) ? MaxDelay : TimeSpan.FromMilliseconds(ms);
    }

    public int NumRequeues(TKey key) { lock (_lock) return _failures.TryGetValue(key, out var n) ? n : 0; }

    /// <summary>Clears the key's failure count (call after a successful sync).</summary>
    public void Forget(TKey key) { lock (_lock) _failures.Remove(key); }

    /// <summary>Adds the key once the delay has passed; a key already waiting keeps the earlier time.</summary>
    public void AddAfter(TKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero) { Add(key); return; }
        var at = DateTime.UtcNow + delay;
        lock (_lock)
        {
            if (_shuttingDown) return;
            if (_waitingUntil.TryGetValue(key, out var existing) && existing <= at) return;
            _waitingUntil[key] = at;
        }
        _ = FireAfterAsync(key, at, delay);
    }

    private async Task FireAfterAsync(TKey key, DateTime at, TimeSpan delay)
    {
        try { await Task.Delay(delay, _shutdown.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { return; }
        lock (_lock)
        {
            // Only the timer of the earliest request fires (a later, superseded timer finds another time).
            if (!_waitingUntil.TryGetValue(key, out var t) || t != at) return;
            _waitingUntil.Remove(key);
        }
        Add(key);
    }

    /// <summary>Stops accepting keys; workers drain what is queued, then get shutdown = true.</summary>
    public void ShutDown()
    {
        List<TaskCompletionSource<(TKey, bool)>> waiters;
        lock (_lock)
        {
            if (_shuttingDown) return;
            _shuttingDown = true;
            waiters = _waiters.ToList();
            _waiters.Clear();
            _waitingUntil.Clear();
        }
        _shutdown.Cancel();
        foreach (var w in waiters) w.TrySetResult((default!, true));
    }
}
