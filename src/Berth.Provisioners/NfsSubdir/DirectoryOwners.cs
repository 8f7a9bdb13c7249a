using System.Security.Cryptography;
using System.Text;
using Berth.Nfs;

namespace Berth.Provisioners.NfsSubdir;

/// <summary>
/// Which volume owns which directory, recorded on the NFS server itself so every provisioner instance (and a restart
/// after a crash) sees the same thing: <c>EXPORT/.berth-nfs-subdir/&lt;sha256 of the relative path&gt;</c> is a symlink
/// whose target is the owning PV's name. A symlink because creating one is atomic and fails if it exists — two claims
/// racing for one directory cannot both win — and it carries its content in one round trip. Records sit outside the
/// volumes so a pod never sees them (some programs insist on an empty data directory), and never point anywhere:
/// nothing follows them.
/// </summary>
public sealed class DirectoryOwners(NfsClient nfs)
{
    public const string RegistryDirectory = ".berth-nfs-subdir";

    private bool _registryExists;

    /// <summary>The PV that owns <paramref name="relative"/>, or null.</summary>
    public string? OwnerOf(string relative)
    {
        try { return nfs.ReadLink(RecordPath(relative)); }
        catch (NfsException e) when (e.NotFound) { return null; }
    }

    /// <summary>Records <paramref name="pvName"/> as the owner unless someone already is; returns the owner afterwards.</summary>
    public string Claim(string relative, string pvName) => Claim(relative, pvName, attempts: 3);

    private string Claim(string relative, string pvName, int attempts)
    {
        EnsureRegistry();
        try
        {
            nfs.Symlink(pvName, RecordPath(relative));
            return pvName;
        }
        catch (NfsException e) when (e.AlreadyExists)
        {
            // Someone else's record, or one released in between: then try again.
            if (OwnerOf(relative) is { } owner) return owner;
            if (attempts <= 1) throw;
            return Claim(relative, pvName, attempts - 1);
        }
        catch (NfsException e) when (e.NotFound && attempts > 1)
        {
            // The registry directory was removed behind our back: make it again.
            _registryExists = false;
            return Claim(relative, pvName, attempts - 1);
        }
    }

    /// <summary>Replaces a stale record (its directory is gone) with <paramref name="pvName"/>; returns the owner afterwards.</summary>
    public string TakeOver(string relative, string stalePvName, string pvName)
    {
        if (OwnerOf(relative) == stalePvName) Release(relative);
        return Claim(relative, pvName);
    }

    public void Release(string relative)
    {
        try { nfs.Unlink(RecordPath(relative)); }
        catch (NfsException e) when (e.NotFound) { }
    }

    private void EnsureRegistry()
    {
        if (_registryExists) return;
        NfsPath.EnsureDirectory(nfs, RegistryDirectory, 0x1C0 /* 0700 */);
        _registryExists = true;
    }

    private static string RecordPath(string relative) =>
        RegistryDirectory + "/" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(relative)));
}
