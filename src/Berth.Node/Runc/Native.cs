using System.Runtime.InteropServices;

namespace Berth.Kubelet.Runc;

/// <summary>The few libc calls the process runtime makes directly (mounting without forking mount(8)).</summary>
internal static partial class Native
{
    private const ulong MS_RDONLY = 1, MS_BIND = 4096, MS_REC = 16384;
    private const int MNT_DETACH = 2;
    private const int PR_SET_CHILD_SUBREAPER = 36;

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi)]
    private static extern int mount(string source, string target, string? fstype, ulong flags, string? data);

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi)]
    private static extern int umount2(string target, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    public static void Mount(string source, string target, string fstype, string? data, bool readOnly = false)
    {
        if (mount(source, target, fstype, readOnly ? MS_RDONLY : 0, data) != 0)
            throw new IOException($"mount {fstype} on {target}: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    public static void Bind(string source, string target)
    {
        if (mount(source, target, null, MS_BIND | MS_REC, null) != 0)
            throw new IOException($"bind {source} on {target}: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    /// <summary>Lazily unmounts; a path that is not mounted is fine.</summary>
    public static void Unmount(string target)
    {
        if (umount2(target, MNT_DETACH) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is 22 or 2) return; // EINVAL: not a mount point; ENOENT: gone
            throw new IOException($"unmount {target}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    /// <summary>True when <paramref name="path"/> is a mount point (listed in this process's mountinfo).</summary>
    public static bool IsMountPoint(string path)
    {
        var full = Path.GetFullPath(path).TrimEnd('/');
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var parts = line.Split(' ');
            if (parts.Length > 4 && Unescape(parts[4]) == full) return true;
        }
        return false;
    }

    /// <summary>The first mount point at or below <paramref name="dir"/>, or null.</summary>
    public static string? MountsUnder(string dir)
    {
        var full = Path.GetFullPath(dir).TrimEnd('/');
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var parts = line.Split(' ');
            if (parts.Length <= 4) continue;
            var mp = Unescape(parts[4]);
            if (mp == full || mp.StartsWith(full + "/", StringComparison.Ordinal)) return mp;
        }
        return null;
    }

    private static string Unescape(string s) => s.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\");

    [DllImport("libc", SetLastError = true)]
    private static extern int waitpid(int pid, out int status, int options);

    /// <summary>Collects an exited child that was re-parented to this process (a shim), if it is one; never blocks.</summary>
    public static void Reap(int pid) => waitpid(pid, out _, 1 /* WNOHANG */);

    public static void SetMode(string path, int mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, (UnixFileMode)(mode & 0xFFF));
    }

    public static int GetMode(string path) => OperatingSystem.IsWindows() ? 0x1A4 : (int)File.GetUnixFileMode(path);

    [StructLayout(LayoutKind.Sequential)]
    private struct WinSize { public ushort Rows, Cols, XPixels, YPixels; }

    private const int O_RDWR = 2, O_NOCTTY = 0x100, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    private const ulong TIOCSWINSZ = 0x5414;

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi)]
    private static extern int open(string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int ioctl(int fd, ulong request, ref WinSize size);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    /// <summary>Sets a terminal's window size (TIOCSWINSZ); the kernel sends SIGWINCH to its foreground process group.
    /// Opened with O_NOCTTY: the terminal never becomes this process's controlling one.</summary>
    public static bool SetWindowSize(string tty, ushort cols, ushort rows)
    {
        var fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) return false;
        var size = new WinSize { Rows = rows, Cols = cols };
        var ok = ioctl(fd, TIOCSWINSZ, ref size) == 0;
        close(fd);
        return ok;
    }

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi)]
    private static extern int mkfifo(string path, uint mode);

    public static void MakeFifo(string path, int mode)
    {
        if (mkfifo(path, (uint)mode) != 0) throw new IOException($"cannot make the FIFO {path}: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int fcntl(int fd, int cmd, int arg);

    /// <summary>Opens a FIFO for writing if something reads it (else null, at once: O_NONBLOCK), then makes writes blocking.</summary>
    public static FileStream? OpenFifoWriter(string path)
    {
        const int O_WRONLY = 1, F_SETFL = 4;
        var fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) return null;
        fcntl(fd, F_SETFL, 0);
        return new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, 1);
    }

    /// <summary>Orphaned descendants are re-parented to this process rather than to init.</summary>
    public static bool BecomeSubreaper() => prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
}
