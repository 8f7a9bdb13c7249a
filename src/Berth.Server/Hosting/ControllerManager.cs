using Berth.Client;
using Berth.Server.Client;
using Microsoft.Extensions.Logging;

namespace Berth.Server.Hosting;

/// <summary>
/// kube-controller-manager in this process: one in-process API client, one informer factory shared by every
/// controller, and each controller's workers, all stopped together.
/// </summary>
public sealed class ControllerManager : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = new();

    public IApiClient Client { get; }
    public InformerFactory Informers { get; }
    public ILoggerFactory Logs { get; }

    public ControllerManager(InProcessClient client, ILoggerFactory logs)
    {
        Client = client;
        Logs = logs;
        Informers = new InformerFactory(client, logs);
    }

    /// <summary>Runs a controller with the given number of workers until the manager stops.</summary>
    public void Run(Controller controller, int workers = 1)
        => _running.Add(Task.Run(() => controller.RunAsync(workers, _stop.Token)));

    /// <summary>Starts every informer created so far (call after the controllers are constructed).</summary>
    public Task StartInformersAsync() => Informers.StartAsync(_stop.Token);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { await Task.WhenAll(_running).WaitAsync(TimeSpan.FromSeconds(10)); }
        catch (Exception) { /* controllers end on cancellation; a hung one must not block shutdown */ }
    }
}
