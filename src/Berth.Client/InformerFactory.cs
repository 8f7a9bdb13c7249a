using Berth.Api.Meta;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Client;

/// <summary>One shared informer per (type, namespace), so controllers in a process share caches and watches.</summary>
public sealed class InformerFactory
{
    private readonly IApiClient _client;
    private readonly ILoggerFactory _logs;
    private readonly TimeSpan? _resync;
    private readonly object _lock = new();
    private readonly Dictionary<(Type, string), ISharedInformer> _informers = new();
    private CancellationToken? _startedWith;

    public InformerFactory(IApiClient client, ILoggerFactory? logs = null, TimeSpan? defaultResync = null)
    {
        _client = client;
        _logs = logs ?? NullLoggerFactory.Instance;
        _resync = defaultResync;
    }

    public IApiClient Client => _client;

    /// <summary>The informer for T in a namespace (null: all namespaces). If the factory is already started, so is the informer.</summary>
    public SharedInformer<T> For<T>(string? ns = null) where T : KubeObject
    {
        lock (_lock)
        {
            var key = (typeof(T), ns ?? "");
            if (_informers.TryGetValue(key, out var existing)) return (SharedInformer<T>)existing;
            var inf = new SharedInformer<T>(_client, ns, new InformerOptions { ResyncPeriod = _resync }, _logs.CreateLogger("informer." + typeof(T).Name));
            _informers[key] = inf;
            if (_startedWith is { } ct) inf.Start(ct);
            return inf;
        }
    }

    public IReadOnlyList<ISharedInformer> Informers { get { lock (_lock) return _informers.Values.ToList(); } }

    /// <summary>Starts every informer created so far (and those created later); they run until <paramref name="ct"/> is cancelled.</summary>
    public Task StartAsync(CancellationToken ct)
    {
        List<ISharedInformer> all;
        lock (_lock) { _startedWith = ct; all = _informers.Values.ToList(); }
        foreach (var i in all) i.Start(ct);
        return Task.CompletedTask;
    }

    /// <summary>Waits until every informer has listed once.</summary>
    public Task WaitForCacheSyncAsync(CancellationToken ct = default)
        => Task.WhenAll(Informers.Select(i => i.WaitForSyncAsync(ct)));
}
