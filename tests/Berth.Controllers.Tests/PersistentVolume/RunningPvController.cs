using Berth.Client;
using Berth.Controllers.PersistentVolumes;
using Berth.Controllers.Tests.GarbageCollection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Controllers.Tests.PersistentVolumes;

/// <summary>The real PV controller running against a store, with its event recorder; disposing stops both, controller first.</summary>
internal sealed class RunningPvController(RunningController controller, EventRecorder events) : IAsyncDisposable
{
    /// <param name="recyclers">None: the controller's default (hostPath only).</param>
    public static RunningPvController Start(IApiClient c, int workers = 2, params IVolumeRecycler[] recyclers)
    {
        var events = new EventRecorder(c, PersistentVolumeController.Component, "test");
        var ctl = RunningController.Start(c, (client, f) => new PersistentVolumeController(client, f, events, NullLogger.Instance,
            recyclers.Length == 0 ? null : recyclers), workers);
        return new RunningPvController(ctl, events);
    }

    public async ValueTask DisposeAsync()
    {
        await controller.DisposeAsync();
        await events.DisposeAsync();
    }
}
