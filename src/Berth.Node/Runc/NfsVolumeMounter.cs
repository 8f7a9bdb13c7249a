using Berth.Api.Core;
using Berth.Nfs.Fuse;

namespace Berth.Kubelet.Runc;

/// <summary>
/// The nfs volume plugin of the process runtime: the export (spec.nfs server, path; the port from a <c>port=N</c> mount
/// option) is mounted through berth-nfs-fuse at the pod's volume directory, which is then bound into the containers.
/// The FUSE daemon outlives the agent, so a restarted agent finds the mount in place and keeps it.
/// </summary>
public sealed class NfsVolumeMounter : IVolumeMounter
{
    public bool Handles(PersistentVolume pv) => pv.Spec?.NFS is not null;

    public async Task<string> MountAsync(PersistentVolume pv, string targetDir, CancellationToken ct)
    {
        var nfs = pv.Spec!.NFS!;
        var name = pv.Metadata.Name;
        if (string.IsNullOrEmpty(nfs.Server) || string.IsNullOrEmpty(nfs.Path))
            throw new InvalidOperationException($"MountVolume.SetUp failed for volume \"{name}\": nfs server and path are required");
        if (NfsFuseMount.IsMounted(targetDir))
        {
            // Adoption after an agent restart: keep a live mount; replace one whose daemon died (stat fails with ENOTCONN).
            if (IsAlive(targetDir)) return targetDir;
            await NfsFuseMount.UnmountAsync(targetDir);
        }
        var port = NfsFuseMount.PortFromMountOptions(pv.Spec.MountOptions);
        try
        {
            await NfsFuseMount.MountAsync(nfs.Server, port, nfs.Path, null, targetDir, ct);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"MountVolume.SetUp failed for volume \"{name}\" : mount failed: {e.Message}", e);
        }
        return targetDir;
    }

    public Task UnmountAsync(string targetDir, CancellationToken ct) => NfsFuseMount.UnmountAsync(targetDir);

    private static bool IsAlive(string dir)
    {
        try
        {
            Directory.EnumerateFileSystemEntries(dir).GetEnumerator().MoveNext();
            return true;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
