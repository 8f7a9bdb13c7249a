using Berth.Api.Core;

namespace Berth.Controllers.PersistentVolumes;

/// <summary>The hostPath recycler: empties the directory on this machine, refusing the system's top-level directories.</summary>
public sealed class HostPathRecycler : IVolumeRecycler
{
    private static readonly string[] ProtectedRoots = ["/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var"];

    public bool CanRecycle(PersistentVolume pv) => pv.Spec?.HostPath?.Path is not null;

    public Task<string> RecycleAsync(PersistentVolume pv, CancellationToken ct)
    {
        var path = pv.Spec!.HostPath!.Path!;
        Scrub(path);
        return Task.FromResult("emptied " + path);
    }

    /// <summary>Empties a directory without following symlinks out of it (a link is removed, never its target).</summary>
    public static void Scrub(string path)
    {
        var full = Path.GetFullPath(path).TrimEnd('/');
        if (full.Length == 0 || Array.IndexOf(ProtectedRoots, full) >= 0) throw new InvalidOperationException($"refusing to scrub {path}");
        var dir = new DirectoryInfo(full);
        if (dir.LinkTarget is not null) throw new InvalidOperationException($"{path} is a symbolic link");
        if (!dir.Exists) return;
        foreach (var entry in dir.EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo d && d.LinkTarget is null) d.Delete(recursive: true); // Delete does not follow links inside
            else entry.Delete();
        }
    }
}
