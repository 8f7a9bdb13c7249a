namespace Berth.Nfs;

public enum NfsFileType { Unknown, File, Directory, Symlink, Other }

/// <summary>What lstat/stat says about one path on the server.</summary>
public sealed record NfsStat(NfsFileType Type, int Mode, long Size, long Uid, long Gid, DateTimeOffset ModifiedAt)
{
    internal const int S_IFMT = 0xF000, S_IFDIR = 0x4000, S_IFREG = 0x8000, S_IFLNK = 0xA000;

    /// <summary>Permission bits only (e.g. 0777).</summary>
    public int Permissions => Mode & 0xFFF;
    public bool IsDirectory => Type == NfsFileType.Directory;
    public bool IsSymlink => Type == NfsFileType.Symlink;

    internal static NfsFileType TypeOf(ulong mode) => (int)(mode & S_IFMT) switch
    {
        S_IFDIR => NfsFileType.Directory,
        S_IFREG => NfsFileType.File,
        S_IFLNK => NfsFileType.Symlink,
        0 => NfsFileType.Unknown,
        _ => NfsFileType.Other,
    };
}

/// <summary>One entry of a directory listing (never "." or "..").</summary>
public sealed record NfsDirEntry(string Name, NfsFileType Type, int Mode);
