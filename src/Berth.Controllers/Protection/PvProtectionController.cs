using Berth.Api.Core;
using Berth.Client;
using Berth.Controllers.PersistentVolumes;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.Protection;

/// <summary>Keeps a deleted volume while it is Bound: the kubernetes.io/pv-protection finalizer goes once it is not.</summary>
public sealed class PvProtectionController : Controller
{
    private readonly IApiClient _client;
    private readonly SharedInformer<PersistentVolume> _volumes;

    public PvProtectionController(IApiClient client, InformerFactory informers, ILogger? log = null) : base("pv-protection-controller", log)
    {
        _client = client;
        _volumes = informers.For<PersistentVolume>();
        WaitFor(_volumes);
        _volumes.AddEventHandler(Consider, (_, pv) => Consider(pv), null);
    }

    private void Consider(PersistentVolume pv)
    {
        if (pv.Metadata.DeletionTimestamp is not null && pv.Metadata.HasFinalizer(Ann.PvProtection)) Enqueue(pv);
    }

    protected override async Task SyncAsync(string key, CancellationToken ct)
    {
        var pv = _volumes.Get(key);
        if (pv is null || pv.Metadata.DeletionTimestamp is null || !pv.Metadata.HasFinalizer(Ann.PvProtection)) return;
        if (pv.Status?.Phase == "Bound") return;
        var copy = KubeObjects.DeepCopy(pv);
        copy.Metadata.Finalizers!.Remove(Ann.PvProtection);
        try { await _client.UpdateAsync(copy, ct); }
        catch (ApiStatusException e) when (e.IsNotFound) { }
    }
}
