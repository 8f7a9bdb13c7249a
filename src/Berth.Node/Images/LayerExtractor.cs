using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Berth.Kubelet.Images;

/// <summary>
/// Applies image layers (tar, plain or gzip) onto a root directory, as containerd's applier does: entries in archive
/// order, OCI whiteouts (<c>.wh.NAME</c> deletes NAME from the layers below, <c>.wh..wh..opq</c> empties its directory of
/// them), modes, owners, modification times, symlinks and hard links kept. Nothing is ever written outside the root:
/// names are cleaned (absolute and ".." refused) and resolved with <see cref="RootPath"/>, so links planted by an
/// earlier entry are followed inside the root only, and an existing entry is removed rather than written through.
/// </summary>
internal static class LayerExtractor
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueWhiteout = ".wh..wh..opq";

    /// <summary>Opens a layer or archive file, undoing gzip when its first bytes say so.</summary>
    public static Stream OpenMaybeCompressed(string file, string what)
    {
        var fs = File.OpenRead(file);
        Span<byte> magic = stackalloc byte[4];
        int n = fs.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        fs.Position = 0;
        if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return new GZipStream(fs, CompressionMode.Decompress);
        if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
        {
            fs.Dispose();
            throw new InvalidDataException($"{what} is zstd-compressed, which this node cannot read (use gzip or plain tar layers)");
        }
        return fs;
    }

    /// <summary>Applies one layer; <paramref name="what"/> names it in errors.</summary>
    public static void Apply(Stream tar, string root, string what)
    {
        // Paths this layer created: an opaque whiteout hides the lower layers' entries only, not its own layer's.
        var ours = new HashSet<string>(StringComparer.Ordinal);
        using var reader = new TarReader(tar, leaveOpen: true);
        TarEntry? e;
        while ((e = reader.GetNextEntry()) is not null)
        {
            var name = RootPath.Clean(e.Name, what);
            if (name is null) continue; // the root itself ("./")
            var slash = name.LastIndexOf('/');
            var dir = slash < 0 ? "" : name[..slash];
            var baseName = name[(slash + 1)..];
            if (baseName == OpaqueWhiteout)
            {
                var d = RootPath.Resolve(root, dir, followLast: true);
                if (IsRealDirectory(d))
                    foreach (var child in Directory.EnumerateFileSystemEntries(d))
                        if (!ours.Contains(child)) Remove(child);
                continue;
            }
            if (baseName.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                Remove(RootPath.Resolve(root, dir + "/" + baseName[WhiteoutPrefix.Length..], followLast: false));
                continue;
            }
            var path = RootPath.Resolve(root, name, followLast: false);
            if (path == root.TrimEnd('/')) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            switch (e.EntryType)
            {
                case TarEntryType.Directory:
                    if (!IsRealDirectory(path)) { Remove(path); Directory.CreateDirectory(path); }
                    Own(path, e);
                    Runc.Native.SetMode(path, (int)e.Mode);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    Remove(path);
                    // CreateNew is O_EXCL: it never writes through a link that appeared in between.
                    using (var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                        e.DataStream?.CopyTo(f);
                    Own(path, e);
                    Runc.Native.SetMode(path, (int)e.Mode);
                    File.SetLastWriteTimeUtc(path, e.ModificationTime.UtcDateTime);
                    break;
                case TarEntryType.SymbolicLink:
                    Remove(path);
                    File.CreateSymbolicLink(path, e.LinkName);
                    Own(path, e);
                    break;
                case TarEntryType.HardLink:
                    var target = RootPath.Resolve(root, RootPath.Clean(e.LinkName, what) ?? throw new InvalidDataException($"{what}: hard link \"{name}\" to the root"), followLast: false);
                    if (!File.Exists(target) && new FileInfo(target).LinkTarget is null)
                        throw new InvalidDataException($"{what}: hard link \"{name}\" to \"{e.LinkName}\", which is not in the image");
                    Remove(path);
                    if (link(target, path) != 0) throw new IOException($"{what}: cannot link \"{name}\": {Marshal.GetLastPInvokeErrorMessage()}");
                    break;
                case TarEntryType.Fifo:
                    Remove(path);
                    Runc.Native.MakeFifo(path, (int)e.Mode);
                    Own(path, e);
                    break;
                default:
                    continue; // device nodes (a container's /dev is its own tmpfs), and anything exotic
            }
            ours.Add(path);
        }
    }

    private static bool IsRealDirectory(string path)
    {
        var d = new DirectoryInfo(path);
        return d.Exists && d.LinkTarget is null;
    }

    /// <summary>Deletes whatever is at <paramref name="path"/> (a link itself, never what it points to).</summary>
    private static void Remove(string path)
    {
        if (new FileInfo(path).LinkTarget is not null) File.Delete(path);
        else if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else if (File.Exists(path)) File.Delete(path);
    }

    private static void Own(string path, TarEntry e)
    {
        if (lchown(path, (uint)e.Uid, (uint)e.Gid) != 0 && Marshal.GetLastPInvokeError() != 1 /* EPERM: not root */)
            throw new IOException($"cannot set the owner of \"{path}\": {Marshal.GetLastPInvokeErrorMessage()}");
    }

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi)]
    private static extern int lchown(string path, uint owner, uint group);

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi)]
    private static extern int link(string oldpath, string newpath);
}
