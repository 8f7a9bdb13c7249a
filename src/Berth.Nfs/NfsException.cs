namespace Berth.Nfs;

/// <summary>An NFS operation failed; <see cref="Errno"/> is the POSIX error number libnfs reported (2 = ENOENT, …).</summary>
public sealed class NfsException(string message, int errno) : IOException(message)
{
    public const int ENOENT = 2, EEXIST = 17, ENOTDIR = 20, EISDIR = 21, ENOTEMPTY = 39, ELOOP = 40, EACCES = 13;

    public int Errno { get; } = errno;
    public bool NotFound => Errno == ENOENT;
    public bool AlreadyExists => Errno == EEXIST;
}
