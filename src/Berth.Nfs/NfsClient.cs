using System.Runtime.InteropServices;
using System.Text;
using Berth.Nfs.Native;

namespace Berth.Nfs;

/// <summary>
/// A connection to one NFSv4 export over libnfs (user space; no kernel NFS client needed). Paths are relative to the
/// export root ("a/b" or "/a/b").
/// <para>Thread-safety: a libnfs context must not be used by two threads at once, so every call takes a lock on this
/// client; operations are synchronous and short. Callers that need parallelism open several clients.</para>
/// <para>Paths given here are used as they are; code that builds them from user input validates them with
/// <see cref="NfsPath"/> first.</para>
/// </summary>
public sealed class NfsClient : IDisposable
{
    private readonly Lock _lock = new();
    private nint _ctx;

    public string Server { get; }
    public string ExportPath { get; }
    public int Port { get; }

    private NfsClient(nint ctx, string server, string exportPath, int port)
    {
        _ctx = ctx;
        Server = server;
        ExportPath = exportPath;
        Port = port;
    }

    /// <summary>Mounts <paramref name="exportPath"/> of <paramref name="server"/> with NFSv4 on <paramref name="port"/>.</summary>
    /// <exception cref="NfsException">The server cannot be reached or refuses the mount.</exception>
    public static NfsClient Connect(string server, string exportPath, int port = 2049, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(server);
        if (string.IsNullOrEmpty(exportPath) || exportPath[0] != '/')
            throw new ArgumentException($"NFS export path must be absolute, got \"{exportPath}\"", nameof(exportPath));
        using var signals = SignalBlock.Enter();
        var ctx = LibNfs.nfs_init_context();
        if (ctx == 0) throw new NfsException("nfs_init_context failed", 12);
        try
        {
            // Every context is its own NFSv4 client: libnfs derives the default client name from the pid, and two contexts
            // of one process with the same name take over each other's open state on the server.
            LibNfs.nfs4_set_client_name(ctx, $"berth/{Environment.ProcessId}/{Guid.NewGuid():N}");
            LibNfs.nfs4_set_verifier(ctx, Guid.NewGuid().ToByteArray()[..8]);
            LibNfs.nfs_set_timeout(ctx, (int)(timeout ?? TimeSpan.FromSeconds(15)).TotalMilliseconds);
            // Other clients (the FUSE mounts, other provisioners) change the export too: never answer from a stale cache.
            LibNfs.nfs_set_dircache(ctx, 0);
            // The URL is the only way libnfs 4.0 takes a port; it also sets the version.
            var host = server.Contains(':') && !server.StartsWith('[') ? $"[{server}]" : server;
            var url = LibNfs.nfs_parse_url_dir(ctx, $"nfs://{host}{exportPath}?version=4&nfsport={port}");
            if (url == 0) throw new NfsException($"invalid NFS address {server}:{exportPath}: {Error(ctx)}", 22);
            int rc;
            try { rc = LibNfs.nfs_mount(ctx, Marshal.ReadIntPtr(url, 0), Marshal.ReadIntPtr(url, nint.Size)); }
            finally { LibNfs.nfs_destroy_url(url); }
            if (rc < 0) throw new NfsException($"mounting {server}:{exportPath} (port {port}) over NFSv4 failed: {Error(ctx)}", -rc);
            return new NfsClient(ctx, server, exportPath, port);
        }
        catch
        {
            LibNfs.nfs_destroy_context(ctx);
            throw;
        }
    }

    /// <summary>lstat: never follows a final symlink. Null when the path does not exist.</summary>
    public NfsStat? LStat(string path) => StatCore(path, follow: false);

    /// <summary>stat (follows symlinks). Null when the path does not exist.</summary>
    public NfsStat? Stat(string path) => StatCore(path, follow: true);

    private NfsStat? StatCore(string path, bool follow)
    {
        var p = Abs(path);
        lock (_lock)
        {
            using var signals = SignalBlock.Enter();
            var rc = follow ? LibNfs.nfs_stat64(Ctx, p, out var st) : LibNfs.nfs_lstat64(Ctx, p, out st);
            if (rc == -NfsException.ENOENT) return null;
            Check(rc, "stat", p);
            return new NfsStat(NfsStat.TypeOf(st.Mode), (int)st.Mode, (long)st.Size, (long)st.Uid, (long)st.Gid,
                DateTimeOffset.FromUnixTimeSeconds((long)st.Mtime));
        }
    }

    public bool Exists(string path) => LStat(path) is not null;

    /// <summary>Creates one directory (its parent must exist).</summary>
    public void Mkdir(string path, int mode = 0x1ED /* 0755 */)
    {
        var p = Abs(path);
        lock (_lock) { using var signals = SignalBlock.Enter(); Check(LibNfs.nfs_mkdir2(Ctx, p, mode), "mkdir", p); }
    }

    public void Rmdir(string path) { var p = Abs(path); lock (_lock) { using var signals = SignalBlock.Enter(); Check(LibNfs.nfs_rmdir(Ctx, p), "rmdir", p); } }
    public void Unlink(string path) { var p = Abs(path); lock (_lock) { using var signals = SignalBlock.Enter(); Check(LibNfs.nfs_unlink(Ctx, p), "unlink", p); } }
    /// <summary>chmod of a file. libnfs 4.0 runs NFSv4 SETATTR through an OPEN, which fails with EISDIR on directories:
    /// give directories their mode at <see cref="Mkdir"/> (the server applies it as is, no umask).</summary>
    public void Chmod(string path, int mode) { var p = Abs(path); lock (_lock) { using var signals = SignalBlock.Enter(); Check(LibNfs.nfs_chmod(Ctx, p, mode), "chmod", p); } }
    public void Chown(string path, int uid, int gid) { var p = Abs(path); lock (_lock) { using var signals = SignalBlock.Enter(); Check(LibNfs.nfs_lchown(Ctx, p, uid, gid), "chown", p); } }
    public void Symlink(string target, string linkPath) { var p = Abs(linkPath); lock (_lock) { using var signals = SignalBlock.Enter(); Check(LibNfs.nfs_symlink(Ctx, target, p), "symlink", p); } }

    public void Rename(string from, string to)
    {
        var f = Abs(from);
        var t = Abs(to);
        lock (_lock) { using var signals = SignalBlock.Enter(); Check(LibNfs.nfs_rename(Ctx, f, t), "rename", f); }
    }

    /// <summary>A symlink's target. libnfs 4.0 copies the target without its end (a stray byte follows), so the length comes
    /// from lstat.</summary>
    public string ReadLink(string path)
    {
        var p = Abs(path);
        var buf = new byte[4096];
        lock (_lock)
        {
            using var signals = SignalBlock.Enter();
            Check(LibNfs.nfs_lstat64(Ctx, p, out var st), "readlink", p);
            if ((NfsStat.TypeOf(st.Mode)) != NfsFileType.Symlink) throw new NfsException($"readlink {p}: not a symbolic link", 22);
            Check(LibNfs.nfs_readlink(Ctx, p, buf, buf.Length - 1), "readlink", p);
            return Encoding.UTF8.GetString(buf, 0, (int)Math.Min((long)st.Size, buf.Length - 1));
        }
    }

    /// <summary>The entries of a directory, without "." and "..". Types come from the listing itself (no extra stat).</summary>
    public List<NfsDirEntry> ReadDir(string path)
    {
        var p = Abs(path);
        var entries = new List<NfsDirEntry>();
        lock (_lock)
        {
            using var signals = SignalBlock.Enter();
            Check(LibNfs.nfs_opendir(Ctx, p, out var dir), "opendir", p);
            try
            {
                nint e;
                while ((e = LibNfs.nfs_readdir(Ctx, dir)) != 0)
                {
                    var d = Marshal.PtrToStructure<LibNfs.NfsDirent>(e);
                    var name = Marshal.PtrToStringUTF8(d.Name) ?? "";
                    if (name is "." or "..") continue;
                    entries.Add(new NfsDirEntry(name, NfsStat.TypeOf(d.Mode), (int)d.Mode));
                }
            }
            finally { LibNfs.nfs_closedir(Ctx, dir); }
        }
        return entries;
    }

    /// <summary>
    /// Writes a whole file (created with <paramref name="mode"/>, truncated if it exists). A final symlink is refused
    /// (O_NOFOLLOW), so a file is never written through a link.
    /// <para>libnfs 4.0 quirks under NFSv4, worked around here: create ignores the mode (fixed with fchmod), O_CREAT on an
    /// existing file fails with EEXIST (then the file is opened and truncated), and a WRITE much over 3.9 KB cannot be
    /// encoded (so data goes in <see cref="WriteChunk"/> pieces).</para>
    /// </summary>
    public unsafe void WriteFile(string path, ReadOnlySpan<byte> data, int mode = 0x1A4 /* 0644 */, bool exclusive = false)
    {
        var p = Abs(path);
        lock (_lock)
        {
            using var signals = SignalBlock.Enter();
            var rc = LibNfs.nfs_create(Ctx, p, LibNfs.O_WRONLY | LibNfs.O_CREAT | LibNfs.O_TRUNC | LibNfs.O_NOFOLLOW | (exclusive ? LibNfs.O_EXCL : 0), mode, out var fh);
            if (rc == 0)
            {
                var chmod = LibNfs.nfs_fchmod(Ctx, fh, mode);
                if (chmod < 0) LibNfs.nfs_close(Ctx, fh);
                rc = chmod;
            }
            else if (rc == -NfsException.EEXIST && !exclusive)
                rc = LibNfs.nfs_open(Ctx, p, LibNfs.O_WRONLY | LibNfs.O_TRUNC | LibNfs.O_NOFOLLOW, out fh);
            Check(rc, "create", p);
            try
            {
                fixed (byte* b = data)
                {
                    long off = 0;
                    while (off < data.Length)
                    {
                        var n = (int)Math.Min(WriteChunk, data.Length - off);
                        var w = LibNfs.nfs_pwrite(Ctx, fh, (ulong)off, (ulong)n, b + off);
                        Check(w, "write", p);
                        if (w == 0) throw new NfsException($"write {p}: no progress", 5);
                        off += w;
                    }
                }
            }
            finally { LibNfs.nfs_close(Ctx, fh); }
        }
    }

    /// <summary>The largest WRITE libnfs 4.0 can encode under NFSv4, with room for a 128-byte file handle.</summary>
    public const int WriteChunk = 3584;

    /// <summary>Reads a whole file (following no final symlink).</summary>
    public unsafe byte[] ReadFile(string path)
    {
        var p = Abs(path);
        lock (_lock)
        {
            using var signals = SignalBlock.Enter();
            Check(LibNfs.nfs_open(Ctx, p, LibNfs.O_RDONLY | LibNfs.O_NOFOLLOW, out var fh), "open", p);
            try
            {
                using var ms = new MemoryStream();
                // nfs_get_readmax() is 0 under NFSv4; reads of this size decode fine.
                const int chunk = 256 * 1024;
                var buf = new byte[chunk];
                long off = 0;
                fixed (byte* b = buf)
                {
                    while (true)
                    {
                        var rc = LibNfs.nfs_pread(Ctx, fh, (ulong)off, (ulong)chunk, b);
                        Check(rc, "read", p);
                        if (rc == 0) break;
                        ms.Write(buf, 0, rc);
                        off += rc;
                    }
                }
                return ms.ToArray();
            }
            finally { LibNfs.nfs_close(Ctx, fh); }
        }
    }

    /// <summary>Deletes <paramref name="path"/> and everything below it. Symlinks are removed, never followed, so nothing
    /// outside the tree is touched. A path that does not exist is not an error.</summary>
    public void RemoveRecursive(string path)
    {
        var st = LStat(path);
        if (st is null) return;
        if (!st.IsDirectory) { UnlinkIfPresent(path); return; }
        RemoveDirectoryContents(Abs(path), CancellationToken.None);
        try { Rmdir(path); }
        catch (NfsException e) when (e.NotFound) { }
    }

    /// <summary>
    /// Deletes everything inside the directory <paramref name="dir"/> (dot files too) and keeps the directory itself:
    /// <c>rm -rf dir/* dir/.*</c> without following any symlink, so nothing outside it is touched. Entries that vanish
    /// meanwhile are not an error, so a second call after an interrupted one finishes the job. Returns how many entries
    /// were removed.
    /// </summary>
    /// <exception cref="NfsException"><paramref name="dir"/> is missing, or a symlink or not a directory (ENOTDIR), or the
    /// server refuses a removal.</exception>
    public int RemoveContents(string dir, CancellationToken ct = default)
    {
        var p = Abs(dir);
        var st = LStat(p) ?? throw new NfsException($"{Server}:{ExportPath.TrimEnd('/')}{p} does not exist", NfsException.ENOENT);
        if (!st.IsDirectory) throw new NfsException($"{Server}:{ExportPath.TrimEnd('/')}{p} is not a directory", NfsException.ENOTDIR);
        return RemoveDirectoryContents(p, ct);
    }

    private int RemoveDirectoryContents(string dir, CancellationToken ct)
    {
        var removed = 0;
        foreach (var e in ReadDir(dir))
        {
            ct.ThrowIfCancellationRequested();
            var child = dir.TrimEnd('/') + "/" + e.Name;
            var type = e.Type;
            // Listings without type information: ask, without following links.
            if (type == NfsFileType.Unknown) type = LStat(child)?.Type ?? NfsFileType.Unknown;
            if (type == NfsFileType.Directory)
            {
                removed += RemoveDirectoryContents(child, ct);
                try { Rmdir(child); }
                catch (NfsException ex) when (ex.NotFound) { }
            }
            else UnlinkIfPresent(child);
            removed++;
        }
        return removed;
    }

    private void UnlinkIfPresent(string path)
    {
        try { Unlink(path); }
        catch (NfsException e) when (e.NotFound) { }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            using var signals = SignalBlock.Enter();
            if (_ctx == 0) return;
            LibNfs.nfs_destroy_context(_ctx);
            _ctx = 0;
        }
    }

    private nint Ctx => _ctx != 0 ? _ctx : throw new ObjectDisposedException(nameof(NfsClient));

    private static string Abs(string path) => path.Length > 0 && path[0] == '/' ? path : "/" + path;

    private void Check(int rc, string op, string path)
    {
        if (rc >= 0) return;
        throw new NfsException($"{op} {Server}:{ExportPath.TrimEnd('/')}{path}: {Error(_ctx)}", -rc);
    }

    private static string Error(nint ctx) => Marshal.PtrToStringUTF8(LibNfs.nfs_get_error(ctx)) ?? "unknown error";
}
