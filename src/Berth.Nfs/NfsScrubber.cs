namespace Berth.Nfs;

/// <summary>
/// Empties an NFS volume for the Recycle reclaim policy: what upstream's recycler pod does with
/// <c>find /scrub -mindepth 1 -delete &amp;&amp; test -z "$(ls -A /scrub)"</c>, over libnfs instead of a pod. The volume's
/// directory (the mounted path) stays; everything inside it goes, dot files included; symlinks are removed, never
/// followed, so nothing outside the volume is touched.
/// <para>Idempotent: after an interrupted scrub (a crash), running it again finishes the job.</para>
/// <para>A subdirectory swapped for a symlink between the listing and the descent (someone with write access racing
/// the scrub) could still be followed, by libnfs's path lookup, within the server's exports; a Released volume has no
/// claim, so no pod is meant to write to it while it is scrubbed.</para>
/// </summary>
public static class NfsScrubber
{
    /// <summary>Mounts <paramref name="path"/> of <paramref name="server"/>:<paramref name="port"/> over NFSv4 and deletes
    /// its contents. Returns how many entries were removed.</summary>
    /// <exception cref="NfsException">The server cannot be reached, the path is not a directory, or something could not be
    /// removed (the message says which).</exception>
    public static int Scrub(string server, string path, int port, CancellationToken ct = default)
    {
        using var nfs = NfsClient.Connect(server, path, port);
        var removed = nfs.RemoveContents("/", ct);
        // As the recycler pod's `test -z "$(ls -A /scrub)"`: whatever came back meanwhile fails the recycle.
        var left = nfs.ReadDir("/");
        if (left.Count > 0)
            throw new NfsException($"{server}:{path} is not empty after scrubbing (\"{left[0].Name}\" is left)", NfsException.ENOTEMPTY);
        return removed;
    }
}
