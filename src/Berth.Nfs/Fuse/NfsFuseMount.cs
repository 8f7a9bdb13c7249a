using System.Diagnostics;

namespace Berth.Nfs.Fuse;

/// <summary>
/// A directory of an NFSv4 export mounted on the local file system through berth-nfs-fuse (libnfs + FUSE), for the
/// node agent: kernel NFS is absent, so pods' NFS volumes are FUSE mounts bound into the container. Disposing unmounts.
/// </summary>
public sealed class NfsFuseMount : IAsyncDisposable
{
    public const string HelperName = "berth-nfs-fuse";

    private int _unmounted;

    public string MountPoint { get; }
    public string Server { get; }
    public int Port { get; }
    /// <summary>The NFS path mounted: the export path plus the sub path.</summary>
    public string RemotePath { get; }

    private NfsFuseMount(string mountPoint, string server, int port, string remotePath)
    {
        MountPoint = mountPoint;
        Server = server;
        Port = port;
        RemotePath = remotePath;
    }

    /// <summary>
    /// Mounts <paramref name="subPath"/> (relative, may be empty) of <paramref name="exportPath"/> on
    /// <paramref name="server"/>:<paramref name="port"/> at <paramref name="mountPoint"/> (created if missing), readable by
    /// every user (allow_other). The sub path must be an existing directory reached without symlinks.
    /// </summary>
    /// <exception cref="InvalidOperationException">The helper is missing, /dev/fuse is unusable, or the mount fails (the
    /// message carries the helper's reason).</exception>
    public static async Task<NfsFuseMount> MountAsync(string server, int port, string exportPath, string? subPath,
        string mountPoint, CancellationToken ct = default)
    {
        var remote = exportPath.TrimEnd('/');
        if (remote.Length == 0) remote = "";
        if (!string.IsNullOrEmpty(subPath))
        {
            var rel = subPath.Trim('/');
            if (NfsPath.Problem(rel) is { } problem) throw new InvalidOperationException($"invalid NFS sub path: {problem}");
            // Resolve the sub path ourselves, refusing symlinks: the NFS server would follow them, even out of the export.
            using (var nfs = NfsClient.Connect(server, exportPath, port))
            {
                NfsStat? st;
                try { st = NfsPath.CheckComponents(nfs, rel); }
                catch (UnsafePathException e) { throw new InvalidOperationException($"refusing to mount {server}:{remote}/{rel}: {e.Message}", e); }
                if (st is null) throw new InvalidOperationException($"{server}:{remote}/{rel} does not exist");
                if (!st.IsDirectory) throw new InvalidOperationException($"{server}:{remote}/{rel} is not a directory");
            }
            remote = remote + "/" + rel;
        }
        if (remote.Length == 0) remote = "/";

        var helper = FindHelper() ?? throw new InvalidOperationException(
            $"{HelperName} not found next to {AppContext.BaseDirectory}; build Berth.Nfs (it needs gcc, libnfs-dev, libfuse3-dev)");
        if (!File.Exists("/dev/fuse")) throw new InvalidOperationException("/dev/fuse is missing: FUSE is not available on this machine");
        Directory.CreateDirectory(mountPoint);
        mountPoint = Path.GetFullPath(mountPoint).TrimEnd('/');

        var psi = new ProcessStartInfo(helper)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), server, remote, mountPoint, "-o", "allow_other" })
            psi.ArgumentList.Add(a);
        // Without -f the helper mounts, then daemonizes: its first process exits 0 once the mount is in place.
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {helper}");
        var stderr = p.StandardError.ReadToEndAsync(ct);
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        var err = ((await stderr) + (await stdout)).Trim();
        if (p.ExitCode != 0 || !IsMounted(mountPoint))
            throw new InvalidOperationException($"mounting {server}:{remote} at {mountPoint} failed" +
                (err.Length > 0 ? $": {err}" : $" (exit code {p.ExitCode})"));
        return new NfsFuseMount(mountPoint, server, port, remote);
    }

    /// <summary>The NFS port a PV asks for: its mount option <c>port=N</c> (what mount.nfs understands; the nfs-subdir
    /// provisioner writes it for servers not on 2049), else 2049.</summary>
    public static int PortFromMountOptions(IEnumerable<string>? mountOptions)
    {
        if (mountOptions is not null)
            foreach (var o in mountOptions)
                if (o.StartsWith("port=", StringComparison.Ordinal) && int.TryParse(o.AsSpan(5), out var port) && port is > 0 and <= 65535)
                    return port;
        return 2049;
    }

    /// <summary>True when <paramref name="mountPoint"/> is a mount point (per /proc/self/mountinfo).</summary>
    public static bool IsMounted(string mountPoint)
    {
        var target = Path.GetFullPath(mountPoint).TrimEnd('/');
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            // Field 5 is the mount point, with spaces and the like escaped as octal.
            var fields = line.Split(' ');
            if (fields.Length > 4 && Unescape(fields[4]) == target) return true;
        }
        return false;
    }

    private static string Unescape(string s) =>
        s.Contains('\\') ? System.Text.RegularExpressions.Regex.Replace(s, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString()) : s;

    /// <summary>The helper next to the running assembly (the build copies it there).</summary>
    public static string? FindHelper()
    {
        var candidate = Path.Combine(AppContext.BaseDirectory, HelperName);
        return File.Exists(candidate) ? candidate : null;
    }

    /// <summary>Unmounts (fusermount3 -u; if the mount is busy, a lazy umount -l so it goes once the last user leaves).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _unmounted, 1) == 1) return;
        await UnmountAsync(MountPoint);
    }

    /// <summary>Unmounts whatever is mounted at <paramref name="mountPoint"/> (also after a crash left it behind).</summary>
    public static async Task UnmountAsync(string mountPoint)
    {
        if (!IsMounted(mountPoint)) return;
        if (await RunAsync("fusermount3", "-u", mountPoint) == 0 && !IsMounted(mountPoint)) return;
        await RunAsync("umount", "-l", mountPoint);
    }

    private static async Task<int> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var e = p.StandardError.ReadToEndAsync();
            var o = p.StandardOutput.ReadToEndAsync();
            await p.WaitForExitAsync();
            await e;
            await o;
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception) { return -1; }
    }
}
