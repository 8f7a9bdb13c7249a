using System.Globalization;
using Berth.Api.Core;
using Berth.Api.Storage;
using Berth.Nfs;
using Berth.Provisioners.Framework;

namespace Berth.Provisioners.NfsSubdir;

/// <summary>
/// kubernetes-sigs/nfs-subdir-external-provisioner in Berth: every claim gets a directory on one NFS export and a PV
/// with <c>nfs: {server, path}</c> pointing at it. The export is reached over NFS (libnfs), not as a local directory.
/// <para>Differences from upstream, all on the side of safety: a directory from <c>pathPattern</c> must stay inside the
/// export (no "..", no absolute path, no symlink on the way); a directory already owned by another volume, inside one,
/// or existing and non-empty without an owner is refused (owners are recorded on the server, see
/// <see cref="DirectoryOwners"/>); archives stay next to the directory (upstream moves them to the export root under
/// their last path segment); deleting a volume whose class is gone archives it (upstream fails forever). The
/// <c>nfs.io/createUID</c>/<c>createGID</c> annotations are not applied: libnfs 4.0 cannot change a directory's
/// attributes over NFSv4 (upstream ignores chown failures too); <c>nfs.io/createMode</c> is.</para>
/// </summary>
public sealed class NfsSubdirProvisioner : IVolumeProvisioner, IDisposable
{
    public const string OnDeleteParameter = "onDelete";
    public const string ArchiveOnDeleteParameter = "archiveOnDelete";
    public const string CreateModeAnnotation = "nfs.io/createMode";
    private const int DefaultMode = 0x1FF;   // 0777, as upstream
    private const int ParentMode = 0x1ED;    // 0755: what upstream's MkdirAll gives intermediate directories under umask 022

    private readonly NfsSubdirOptions _options;
    private readonly Connection[] _connections;
    private int _next;

    public NfsSubdirProvisioner(NfsSubdirOptions options)
    {
        _options = options.Validated();
        _connections = new Connection[options.Connections];
        for (var i = 0; i < _connections.Length; i++) _connections[i] = new Connection();
    }

    public NfsSubdirOptions Options => _options;

    public Task<ProvisionedVolume> ProvisionAsync(ProvisionRequest request, CancellationToken ct)
    {
        var claim = request.Claim;
        if (claim.Spec?.Selector is not null) throw new ProvisioningException("claim Selector is not supported");
        var relative = PathPattern.Resolve(request.PvName, claim, request.Parameters);
        var mode = CreateMode(claim);
        return Task.Run(() => WithConnection((nfs, owners) => Provision(nfs, owners, request.PvName, relative, mode)), ct);
    }

    private ProvisionedVolume Provision(NfsClient nfs, DirectoryOwners owners, string pvName, string relative, int mode)
    {
        // Inside another volume's directory? (e.g. pattern "${.PVC.namespace}" for one claim, "${.PVC.namespace}/x" for another)
        var prefixes = NfsPath.Prefixes(relative);
        for (var i = 0; i < prefixes.Count - 1; i++)
            if (owners.OwnerOf(prefixes[i]) is { } outer && outer != pvName)
                throw new ProvisioningException($"directory \"{relative}\" would be inside \"{prefixes[i]}\", the directory of volume {outer}");

        var existing = Checked(() => NfsPath.CheckComponents(nfs, relative), relative);
        var owner = owners.OwnerOf(relative);
        if (owner is not null && owner != pvName)
        {
            if (existing is not null)
                throw new ProvisioningException($"directory \"{relative}\" already belongs to volume {owner}");
            owner = owners.TakeOver(relative, owner, pvName); // its volume's directory is gone: a stale record
        }
        if (owner is null)
        {
            // Not ours yet (first attempt, or a crash before the record was written). An existing directory nobody owns
            // is taken only when empty: it may be another provisioner's volume, or data an admin put there.
            if (existing is not null && (!existing.IsDirectory || nfs.ReadDir(relative).Count > 0))
                throw new ProvisioningException($"directory \"{relative}\" already exists on {_options.Server}:{_options.Path} and does not belong to this claim");
            owner = owners.Claim(relative, pvName);
        }
        if (owner != pvName)
            throw new ProvisioningException($"directory \"{relative}\" already belongs to volume {owner}");

        try { Checked(() => NfsPath.EnsureDirectory(nfs, relative, mode, ParentMode), relative); }
        catch (NfsException e) { throw new ProvisioningException("unable to create directory to provision new pv: " + e.Message, e); }

        var server = _options.Server;
        var path = _options.ExportPrefix + "/" + relative;
        var port = _options.Port;
        return new ProvisionedVolume
        {
            SetSource = spec =>
            {
                spec.NFS = new NFSVolumeSource { Server = server, Path = path, ReadOnly = false };
                // A PV cannot name an NFS port except as a mount option, which is also what mount.nfs understands.
                if (port != NfsSubdirOptions.DefaultPort)
                {
                    spec.MountOptions ??= [];
                    var option = "port=" + port.ToString(CultureInfo.InvariantCulture);
                    if (!spec.MountOptions.Contains(option)) spec.MountOptions.Add(option);
                }
            },
        };
    }

    public Task DeleteAsync(PersistentVolume volume, StorageClass? storageClass, CancellationToken ct)
    {
        var source = volume.Spec?.NFS ?? throw new ProvisioningException($"volume {volume.Metadata.Name} has no nfs source");
        var relative = RelativeToExport(source.Path);
        var pvName = volume.Metadata.Name ?? "";
        var action = DeleteAction(storageClass);
        return Task.Run(() => WithConnection((nfs, owners) => Delete(nfs, owners, pvName, relative, action)), ct);
    }

    private enum OnDelete { Delete, Retain, Archive }

    private object? Delete(NfsClient nfs, DirectoryOwners owners, string pvName, string relative, OnDelete action)
    {
        var owner = owners.OwnerOf(relative);
        if (owner is not null && owner != pvName)
            throw new ProvisioningException($"directory \"{relative}\" belongs to volume {owner}, not {pvName}; leaving it alone");
        var existing = Checked(() => NfsPath.CheckComponents(nfs, relative), relative);
        if (existing is null)
        {
            // Upstream: "path ... does not exist, deletion skipped".
            if (owner is not null) owners.Release(relative);
            return null;
        }
        switch (action)
        {
            case OnDelete.Retain:
                // The record stays: the retained data keeps its directory, no later claim moves in.
                return null;
            case OnDelete.Delete:
                nfs.RemoveRecursive(relative);
                break;
            case OnDelete.Archive:
                var slash = relative.LastIndexOf('/');
                var parent = slash < 0 ? "" : relative[..(slash + 1)];
                var target = parent + "archived-" + relative[(slash + 1)..];
                if (nfs.LStat(target) is not null) target += "-" + pvName;
                if (nfs.LStat(target) is not null) target += "-" + DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                nfs.Rename(relative, target);
                break;
        }
        owners.Release(relative);
        return null;
    }

    private static OnDelete DeleteAction(StorageClass? storageClass)
    {
        if (storageClass is null) return OnDelete.Archive; // keep the data when we cannot tell what the class wanted
        var parameters = storageClass.Parameters ?? [];
        if (parameters.TryGetValue(OnDeleteParameter, out var onDelete))
        {
            if (onDelete == "delete") return OnDelete.Delete;
            if (onDelete == "retain") return OnDelete.Retain;
        }
        if (parameters.TryGetValue(ArchiveOnDeleteParameter, out var archive))
            return ParseBool(archive) ? OnDelete.Archive : OnDelete.Delete;
        return OnDelete.Archive;
    }

    /// <summary>Go's strconv.ParseBool, with its error text.</summary>
    private static bool ParseBool(string s) => s switch
    {
        "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
        "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
        _ => throw new ProvisioningException($"strconv.ParseBool: parsing \"{s}\": invalid syntax"),
    };

    private static int CreateMode(PersistentVolumeClaim claim)
    {
        var text = claim.Metadata.Annotation(CreateModeAnnotation);
        if (text is null) return DefaultMode;
        try
        {
            var mode = Convert.ToInt32(text, 8);
            return mode is >= 0 and <= 0xFFF ? mode : DefaultMode;
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return DefaultMode; // upstream: "nfs.io/createMode ... not parsable, skipped"
        }
    }

    private string RelativeToExport(string? path)
    {
        var prefix = _options.ExportPrefix + "/";
        if (path is null || !path.StartsWith(prefix, StringComparison.Ordinal))
            throw new ProvisioningException($"volume path \"{path}\" is not under the export {_options.Path}");
        var relative = path[prefix.Length..].TrimEnd('/');
        if (NfsPath.Problem(relative) is { } problem) throw new ProvisioningException($"volume path \"{path}\": {problem}");
        return relative;
    }

    private static T Checked<T>(Func<T> f, string relative)
    {
        try { return f(); }
        catch (UnsafePathException e) { throw new ProvisioningException($"refusing the directory \"{relative}\": {e.Message}", e); }
    }

    /// <summary>Runs <paramref name="work"/> on one of the connections (a libnfs context serves one call at a time, so
    /// several let claims provision in parallel); a connection that failed is reopened on next use.</summary>
    private T WithConnection<T>(Func<NfsClient, DirectoryOwners, T> work)
    {
        var slot = _connections[(int)((uint)Interlocked.Increment(ref _next) % (uint)_connections.Length)];
        lock (slot)
        {
            try
            {
                if (slot.Client is null)
                {
                    slot.Client = NfsClient.Connect(_options.Server, _options.Path, _options.Port);
                    slot.Owners = new DirectoryOwners(slot.Client);
                }
                return work(slot.Client, slot.Owners!);
            }
            catch (NfsException e) when (!e.NotFound && !e.AlreadyExists)
            {
                // The server may have restarted or the connection broke: start afresh next time.
                slot.Client?.Dispose();
                slot.Client = null;
                throw new ProvisioningException(e.Message, e);
            }
            catch (NfsException e)
            {
                throw new ProvisioningException(e.Message, e);
            }
        }
    }

    public void Dispose()
    {
        foreach (var slot in _connections)
            lock (slot)
            {
                slot.Client?.Dispose();
                slot.Client = null;
            }
    }

    private sealed class Connection
    {
        public NfsClient? Client;
        public DirectoryOwners? Owners;
    }
}
