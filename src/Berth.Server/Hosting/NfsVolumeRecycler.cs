using Berth.Api.Core;
using Berth.Controllers.PersistentVolumes;
using Berth.Nfs;
using Berth.Nfs.Fuse;

namespace Berth.Server.Hosting;

/// <summary>
/// The nfs volume plugin's recycler: empties spec.nfs's server:path over NFSv4 with <see cref="NfsScrubber"/>, on the
/// port the node agent mounts it with (a <c>port=N</c> mount option, else 2049).
/// </summary>
public sealed class NfsVolumeRecycler : IVolumeRecycler
{
    public bool CanRecycle(PersistentVolume pv) => pv.Spec?.NFS is not null;

    public Task<string> RecycleAsync(PersistentVolume pv, CancellationToken ct)
    {
        var nfs = pv.Spec!.NFS!;
        if (string.IsNullOrEmpty(nfs.Server) || string.IsNullOrEmpty(nfs.Path))
            throw new InvalidOperationException("nfs server and path are required");
        var port = NfsFuseMount.PortFromMountOptions(pv.Spec.MountOptions);
        // libnfs calls block: off the controller's worker thread.
        return Task.Run(() =>
        {
            var removed = NfsScrubber.Scrub(nfs.Server, nfs.Path, port, ct);
            return $"emptied {nfs.Server}:{nfs.Path} ({removed} entries removed)";
        }, ct);
    }
}
