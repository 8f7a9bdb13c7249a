using Berth.Api.Core;

namespace Berth.Controllers.PersistentVolumes;

/// <summary>
/// A volume plugin's recycler (upstream's RecyclableVolumePlugin), one per volume source: it empties a released volume
/// for the Recycle reclaim policy. The host registers them (<see cref="PersistentVolumeController"/>'s constructor), so
/// this project needs no storage client: the NFS one lives with the server and uses libnfs.
/// </summary>
public interface IVolumeRecycler
{
    /// <summary>True when this recycler handles the volume's source (spec.hostPath, spec.nfs, …).</summary>
    bool CanRecycle(PersistentVolume pv);

    /// <summary>
    /// Deletes everything inside the volume, keeping the volume's root, never following a symlink out of it. Must be
    /// idempotent: a crash mid-way is followed by another call. Returns a short account for the RecyclerPod event
    /// ("removed 3 entries from …").
    /// </summary>
    /// <exception cref="Exception">Any failure but cancellation: its message is the reason in the PV's Failed status.</exception>
    Task<string> RecycleAsync(PersistentVolume pv, CancellationToken ct);
}
