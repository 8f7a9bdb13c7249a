using System.Runtime.InteropServices;

namespace Berth.Nfs.Native;

/// <summary>
/// The slice of libnfs' synchronous API we use (Debian's libnfs13; signatures from /usr/include/nfsc/libnfs.h).
/// Every call returns 0 (or a count) on success and -errno on failure; <see cref="nfs_get_error"/> then says why.
/// A context is not thread-safe: <see cref="NfsClient"/> serialises calls on it.
/// </summary>
internal static partial class LibNfs
{
    private const string Lib = "libnfs.so.13";

    [LibraryImport(Lib)] internal static partial nint nfs_init_context();
    [LibraryImport(Lib)] internal static partial void nfs_destroy_context(nint nfs);
    [LibraryImport(Lib)] internal static partial nint nfs_get_error(nint nfs);
    [LibraryImport(Lib)] internal static partial int nfs_set_version(nint nfs, int version);
    [LibraryImport(Lib)] internal static partial void nfs_set_timeout(nint nfs, int milliseconds);
    [LibraryImport(Lib)] internal static partial void nfs_set_dircache(nint nfs, int enabled);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial void nfs4_set_client_name(nint nfs, string id);
    [LibraryImport(Lib)] internal static partial void nfs4_set_verifier(nint nfs, byte[] verifier);

    /// <summary>Parses nfs://server/path?version=4&amp;nfsport=N and applies the arguments to the context (the only way
    /// this libnfs version offers to set a non-default port).</summary>
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint nfs_parse_url_dir(nint nfs, string url);
    [LibraryImport(Lib)] internal static partial void nfs_destroy_url(nint url);

    [LibraryImport(Lib)] internal static partial int nfs_mount(nint nfs, nint server, nint exportname);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int nfs_stat64(nint nfs, string path, out NfsStat64 st);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int nfs_lstat64(nint nfs, string path, out NfsStat64 st);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int nfs_mkdir2(nint nfs, string path, int mode);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int nfs_rmdir(nint nfs, string path);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int nfs_unlink(nint nfs, string path);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int nfs_rename(nint nfs, string oldPath, string newPath);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int nfs_chmod(nint nfs, string path, int mode);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int nfs_lchown(nint nfs, string path, int uid, int gid);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int nfs_symlink(nint nfs, string target, string linkName);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int nfs_readlink(nint nfs, string path, byte[] buf, int size);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int nfs_opendir(nint nfs, string path, out nint dir);
    [LibraryImport(Lib)] internal static partial nint nfs_readdir(nint nfs, nint dir);
    [LibraryImport(Lib)] internal static partial void nfs_closedir(nint nfs, nint dir);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int nfs_open(nint nfs, string path, int flags, out nint fh);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int nfs_creat(nint nfs, string path, int mode, out nint fh);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int nfs_create(nint nfs, string path, int flags, int mode, out nint fh);
    [LibraryImport(Lib)] internal static unsafe partial int nfs_pwrite(nint nfs, nint fh, ulong offset, ulong count, byte* buf);
    [LibraryImport(Lib)] internal static unsafe partial int nfs_pread(nint nfs, nint fh, ulong offset, ulong count, byte* buf);
    [LibraryImport(Lib)] internal static partial int nfs_fsync(nint nfs, nint fh);
    [LibraryImport(Lib)] internal static partial int nfs_fchmod(nint nfs, nint fh, int mode);
    [LibraryImport(Lib)] internal static partial int nfs_close(nint nfs, nint fh);

    internal const int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200, O_NOFOLLOW = 0x20000;

    /// <summary>struct nfs_stat_64: seventeen uint64 fields.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NfsStat64
    {
        public ulong Dev, Ino, Mode, Nlink, Uid, Gid, Rdev, Size, Blksize, Blocks, Atime, Mtime, Ctime, AtimeNsec, MtimeNsec, CtimeNsec, Used;
    }

    /// <summary>The leading fields of struct nfsdirent we read: next, name, inode, type, mode.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NfsDirent
    {
        public nint Next;
        public nint Name;
        public ulong Inode;
        public uint Type;
        public uint Mode;
    }
}
