using Berth.Api.Core;
using Berth.Client;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.PersistentVolumes;

/// <summary>
/// What happens to a released volume, by its reclaim policy: Retain keeps it; Recycle empties it through the
/// <see cref="IVolumeRecycler"/> of its source and makes it Available; Delete leaves dynamically provisioned volumes to
/// their provisioner and deletes what an in-tree plugin can (hostPath under /tmp, as upstream); everything else fails
/// with upstream's event.
/// </summary>
internal sealed class VolumeReclaimer(IApiClient client, EventRecorder events, ILogger log, IReclaimHost host,
    IReadOnlyList<IVolumeRecycler> recyclers)
{
    /// <summary>How soon a recycle that could not happen (volume in use, recycler failed) is tried again: upstream
    /// retries at every resync of its volumes, every 15 s.</summary>
    public static readonly TimeSpan RetryRecycleAfter = TimeSpan.FromSeconds(15);

    /// <summary>Reclaims <paramref name="pv"/> (Released or Failed). Returns when to look at it again, or null to wait
    /// for its next change.</summary>
    public async Task<TimeSpan?> ReclaimAsync(PersistentVolume pv, CancellationToken ct)
    {
        switch (pv.Spec?.PersistentVolumeReclaimPolicy)
        {
            case "Retain":
            case null:
                return null;
            case "Recycle":
                return await RecycleAsync(pv, ct);
            case "Delete":
                await DeleteAsync(pv, ct);
                return null;
            default:
                events.Event(pv, EventRecorder.Warning, "VolumeUnknownReclaimPolicy", "Volume has unrecognized PersistentVolumeReclaimPolicy");
                return null;
        }
    }

    /// <summary>upstream's recycleVolumeOperation: check it is still released and unused, scrub, unbind.</summary>
    private async Task<TimeSpan?> RecycleAsync(PersistentVolume pv, CancellationToken ct)
    {
        // The cache may lag behind: scrub only what the API says is still released from the same claim, never a volume
        // that was recycled and bound to a new claim meanwhile.
        PersistentVolume fresh;
        try { fresh = await client.GetAsync<PersistentVolume>(null, pv.Metadata.Name!, ct); }
        catch (ApiStatusException e) when (e.IsNotFound) { return null; }
        var uid = pv.Spec?.ClaimRef?.Uid;
        if (string.IsNullOrEmpty(uid) || fresh.Spec?.ClaimRef?.Uid != uid || fresh.Status?.Phase is not ("Released" or "Failed"))
            return null;
        pv = fresh;

        var users = host.PodsUsingReleasedClaim(pv);
        if (users.Count > 0)
        {
            events.Event(pv, EventRecorder.Normal, "VolumeFailedRecycle", "Volume is used by pods: " + string.Join(",", users));
            return RetryRecycleAfter;
        }

        IVolumeRecycler? recycler = null;
        foreach (var r in recyclers)
            if (r.CanRecycle(pv)) { recycler = r; break; }
        if (recycler is null)
        {
            await FailAsync(pv, "VolumeFailedRecycle", "No recycler plugin found for the volume!", ct);
            return null; // only a change of the volume can bring a recycler
        }

        string account;
        try { account = await recycler.RecycleAsync(pv, ct); }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            log.LogWarning("recycling volume {Volume} failed: {Error}", pv.Metadata.Name, e.Message);
            await FailAsync(pv, "VolumeFailedRecycle", "Recycle failed: failed to recycle volume: " + e.Message, ct);
            return RetryRecycleAfter;
        }
        // Upstream forwards its recycler pod's events as RecyclerPod; here the scrub runs in this process, no pod.
        events.Event(pv, EventRecorder.Normal, "RecyclerPod", "Recycler pod: " + account);
        events.Event(pv, EventRecorder.Normal, "VolumeRecycled", "Volume recycled");
        log.LogInformation("recycled volume {Volume}: {Account}", pv.Metadata.Name, account);

        // A crash before these writes leaves the volume Released: the next sync scrubs it again (nothing new can be in
        // it, as nobody can bind it) and gets here.
        if (pv.Metadata.Annotation(Ann.BoundByController) is not null)
        {
            pv.Spec!.ClaimRef = null;
            pv.Metadata.Annotations!.Remove(Ann.BoundByController);
        }
        else pv.Spec!.ClaimRef!.Uid = null; // pre-bound by the user: the reservation by name stays (upstream's unbindVolume)
        pv = await host.WriteVolumeAsync(pv, status: false, ct);
        await host.SetVolumePhaseAsync(pv, "Available", null, ct);
        return null;
    }

    private async Task DeleteAsync(PersistentVolume pv, CancellationToken ct)
    {
        var provisionedBy = pv.Metadata.Annotation(Ann.ProvisionedBy);
        if (provisionedBy is not null && !provisionedBy.StartsWith("kubernetes.io/", StringComparison.Ordinal))
            return; // an external provisioner deletes its own volumes
        var path = pv.Spec?.HostPath?.Path;
        if (path is not null)
        {
            var full = Path.GetFullPath(path);
            if (!System.Text.RegularExpressions.Regex.IsMatch(full, "^/tmp/.+") || full.Contains("/../", StringComparison.Ordinal))
            {
                await FailAsync(pv, "VolumeFailedDelete", $"host_path deleter only supports /tmp/.+ but received provided {path}", ct);
                return;
            }
            try
            {
                var dir = new DirectoryInfo(full);
                if (dir.LinkTarget is not null) dir.Delete(); else if (dir.Exists) dir.Delete(recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await FailAsync(pv, "VolumeFailedDelete", e.Message, ct);
                return;
            }
            await DeleteObjectAsync(pv, ct);
            return;
        }
        await FailAsync(pv, "VolumeFailedDelete", $"error getting deleter volume plugin for volume \"{pv.Metadata.Name}\": no deletable volume plugin matched", ct);
    }

    private async Task DeleteObjectAsync(PersistentVolume pv, CancellationToken ct)
    {
        try { await client.DeleteAsync<PersistentVolume>(null, pv.Metadata.Name!, null, ct); }
        catch (ApiStatusException e) when (e.IsNotFound) { }
        log.LogInformation("deleted volume {Volume}", pv.Metadata.Name);
    }

    private async Task FailAsync(PersistentVolume pv, string reason, string message, CancellationToken ct)
    {
        events.Event(pv, EventRecorder.Warning, reason, message);
        await host.SetVolumePhaseAsync(pv, "Failed", message, ct);
    }
}

/// <summary>What <see cref="VolumeReclaimer"/> needs from its controller: writes that keep the controller's view of the
/// volume current, and who still uses a released claim.</summary>
internal interface IReclaimHost
{
    Task<PersistentVolume> WriteVolumeAsync(PersistentVolume pv, bool status, CancellationToken ct);
    Task<PersistentVolume> SetVolumePhaseAsync(PersistentVolume pv, string phase, string? message, CancellationToken ct);
    /// <summary>"ns/pod" of the pods, not yet terminated, that use the claim the volume was bound to.</summary>
    List<string> PodsUsingReleasedClaim(PersistentVolume pv);
}
