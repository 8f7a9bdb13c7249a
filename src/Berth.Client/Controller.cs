using Berth.Api.Meta;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Client;

/// <summary>
/// The shape of a kubernetes pkg/controller reconciler: informer handlers call <see cref="Enqueue"/>, workers take keys
/// from <see cref="Queue"/> and call <see cref="SyncAsync"/>. A failed sync is retried with per-key backoff; a successful one
/// resets the backoff. SyncAsync must be level-triggered and idempotent: it reads the current state (from caches) and acts.
/// </summary>
public abstract class Controller
{
    private readonly List<ISharedInformer> _informers = new();

    protected Controller(string name, ILogger? log = null)
    {
        Name = name;
        Log = log ?? NullLogger.Instance;
    }

    public string Name { get; }
    public WorkQueue<string> Queue { get; } = new();
    protected ILogger Log { get; }

    /// <summary>Reconciles one object by key ("ns/name" or "name"). Throw to be retried with backoff.</summary>
    protected abstract Task SyncAsync(string key, CancellationToken ct);

    /// <summary>Informers whose caches must be synced before workers start.</summary>
    protected void WaitFor(ISharedInformer informer) => _informers.Add(informer);

    public void Enqueue(KubeObject obj) => Queue.Add(KubeObjects.KeyOf(obj));
    public void EnqueueAfter(KubeObject obj, TimeSpan delay) => Queue.AddAfter(KubeObjects.KeyOf(obj), delay);

    /// <summary>Waits for the informers, runs <paramref name="workers"/> workers until <paramref name="ct"/> is cancelled, then shuts the queue down.</summary>
    public async Task RunAsync(int workers, CancellationToken ct)
    {
        Log.LogInformation("starting {Controller}", Name);
        try
        {
            await Task.WhenAll(_informers.Select(i => i.WaitForSyncAsync(ct)));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Queue.ShutDown();
            return;
        }
        using var reg = ct.Register(Queue.ShutDown);
        var tasks = Enumerable.Range(0, Math.Max(1, workers)).Select(_ => Task.Run(() => WorkerAsync(ct), CancellationToken.None)).ToArray();
        await Task.WhenAll(tasks);
        Log.LogInformation("stopped {Controller}", Name);
    }

    private async Task WorkerAsync(CancellationToken ct)
    {
        while (true)
        {
            string key;
            try
            {
                var (k, shutdown) = await Queue.GetAsync(ct);
                if (shutdown) return;
                key = k;
            }
            catch (OperationCanceledException) { return; }
            try
            {
                if (ct.IsCancellationRequested) return;
                await SyncAsync(key, ct);
                Queue.Forget(key);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
            catch (Exception e) when (ApiStatusException.IsConflictError(e))
            {
                // Optimistic concurrency at work (our cached copy was stale): expected, so no stack trace; retry soon.
                Log.LogDebug("{Controller}: {Key} changed while syncing ({Error}); requeuing", Name, key, e.Message);
                Queue.AddRateLimited(key);
            }
            catch (Exception e)
            {
                Log.LogError(e, "{Controller}: error syncing {Key}; requeuing (attempt {Attempt})", Name, key, Queue.NumRequeues(key) + 1);
                Queue.AddRateLimited(key);
            }
            finally
            {
                Queue.Done(key);
            }
        }
    }
}
