using Berth.Api.Core;
using Berth.Client;
using Berth.Controllers.PersistentVolumes;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.Protection;

/// <summary>
/// Keeps a deleted claim while a pod uses it: the kubernetes.io/pvc-protection finalizer is removed only when no pod
/// that is scheduled and not finished references the claim (upstream's pvc-protection controller).
/// </summary>
public sealed class PvcProtectionController : Controller
{
    private readonly IApiClient _client;
    private readonly SharedInformer<PersistentVolumeClaim> _claims;
    private readonly SharedInformer<Pod> _pods;
    private const string UsersIndex = "pvc-users";

    public PvcProtectionController(IApiClient client, InformerFactory informers, ILogger? log = null) : base("pvc-protection-controller", log)
    {
        _client = client;
        _claims = informers.For<PersistentVolumeClaim>();
        _pods = informers.For<Pod>();
        WaitFor(_claims); WaitFor(_pods);
        _pods.AddIndex(UsersIndex, p => ClaimsOf(p).Select(c => p.Metadata.Namespace + "/" + c));
        _claims.AddEventHandler(c => { if (c.Metadata.DeletionTimestamp is not null) Enqueue(c); }, (_, c) => { if (c.Metadata.DeletionTimestamp is not null) Enqueue(c); }, null);
        // A pod that finishes or goes may release a claim that is being deleted.
        _pods.AddEventHandler(null, (_, p) => EnqueueClaimsOf(p), EnqueueClaimsOf);
    }

    private static IEnumerable<string> ClaimsOf(Pod p)
        => (p.Spec?.Volumes ?? []).Where(v => v.PersistentVolumeClaim?.ClaimName is { Length: > 0 }).Select(v => v.PersistentVolumeClaim!.ClaimName!);

    private void EnqueueClaimsOf(Pod p)
    {
        foreach (var c in ClaimsOf(p)) Queue.Add(p.Metadata.Namespace + "/" + c);
    }

    /// <summary>True while the pod may still touch the volume: scheduled to a node and not finished.</summary>
    public static bool IsUser(Pod p) => !string.IsNullOrEmpty(p.Spec?.NodeName) && p.Status?.Phase is not ("Succeeded" or "Failed");

    protected override async Task SyncAsync(string key, CancellationToken ct)
    {
        var claim = _claims.Get(key);
        if (claim is null || claim.Metadata.DeletionTimestamp is null || !claim.Metadata.HasFinalizer(Ann.PvcProtection)) return;
        if (_pods.ByIndex(UsersIndex, key).Any(IsUser)) return; // the pod's change re-queues us
        var copy = KubeObjects.DeepCopy(claim);
        copy.Metadata.Finalizers!.Remove(Ann.PvcProtection);
        try { await _client.UpdateAsync(copy, ct); }
        catch (ApiStatusException e) when (e.IsNotFound) { }
    }
}
