using Berth.Api.Core;
using Berth.Client;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.PersistentVolumes;

/// <summary>
/// What happens to a released volume, by its reclaim policy: Retain keeps it; Recycle scrubs a hostPath volume and
/// makes it Available; Delete leaves dynamically provisioned volumes to their provisioner and deletes what an
/// in-tree plugin can (hostPath under /tmp, as upstream); everything else fails with upstream's event.
/// </summary>
public sealed class VolumeReclaimer(IApiClient client, EventRecorder events, ILogger log)
{
    private static readonly string[] ProtectedRoots = ["/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var"];

    public async Task ReclaimAsync(PersistentVolume pv, CancellationToken ct)
    {
        switch (pv.Spec?.PersistentVolumeReclaimPolicy)
        {
            case "Retain":
            case null:
                return;
            case "Recycle":
                await RecycleAsync(pv, ct);
                return;
            case "Delete":
                await DeleteAsync(pv, ct);
                return;
            default:
                events.Event(pv, EventRecorder.Warning, "VolumeUnknownReclaimPolicy", "Volume has unrecognized PersistentVolumeReclaimPolicy");
                return;
        }
    }

    private async Task RecycleAsync(PersistentVolume pv, CancellationToken ct)
    {
        var path = pv.Spec?.HostPath?.Path;
        if (path is null)
        {
            await FailAsync(pv, "VolumeFailedRecycle", "No recycler plugin found for the volume!", ct);
            return;
        }
        try { Scrub(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            await FailAsync(pv, "VolumeFailedRecycle", "Recycle failed: " + e.Message, ct);
            return;
        }
        pv.Spec!.ClaimRef = null;
        pv.Metadata.Annotations?.Remove(Ann.BoundByController);
        pv = await client.UpdateAsync(pv, ct);
        pv.Status ??= new PersistentVolumeStatus();
        pv.Status.Phase = "Available";
        pv.Status.Message = null;
        await client.UpdateStatusAsync(pv, ct);
        events.Event(pv, EventRecorder.Normal, "VolumeRecycled", "Volume recycled");
    }

    /// <summary>Empties a directory without following symlinks out of it (a link is removed, never its target).</summary>
    public static void Scrub(string path)
    {
        var full = Path.GetFullPath(path).TrimEnd('/');
        if (full.Length == 0 || ProtectedRoots.Contains(full)) throw new InvalidOperationException($"refusing to scrub {path}");
        var dir = new DirectoryInfo(full);
        if (dir.LinkTarget is not null) throw new InvalidOperationException($"{path} is a symbolic link");
        if (!dir.Exists) return;
        foreach (var entry in dir.EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo d && d.LinkTarget is null) d.Delete(recursive: true); // Delete does not follow links inside
            else entry.Delete();
        }
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
        if (pv.Status?.Phase == "Failed" && pv.Status.Message == message) return;
        pv.Status ??= new PersistentVolumeStatus();
        pv.Status.Phase = "Failed";
        pv.Status.Message = message;
        await client.UpdateStatusAsync(pv, ct);
    }
}
