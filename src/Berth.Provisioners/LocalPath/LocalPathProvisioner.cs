using Berth.Api.Core;
using Berth.Api.Storage;
using Berth.Provisioners.Framework;

namespace Berth.Provisioners.LocalPath;

/// <summary>
/// <c>berth.io/local-path</c> (after rancher's local-path-provisioner): a directory per claim,
/// <c>ROOT/pvc-&lt;uid&gt;_&lt;namespace&gt;_&lt;name&gt;</c>, mode 0777, exposed as a <c>hostPath</c> (DirectoryOrCreate)
/// or — class parameter <c>volumeType: local</c> — a <c>local</c> volume, with node affinity to the node the directory is on.
/// Deleting removes the directory and never anything outside the root: the path must be exactly one level under the
/// root and named after the volume, a symbolic link is removed as a link, and the tree is deleted without following links.
/// </summary>
public sealed class LocalPathProvisioner : IVolumeProvisioner
{
    public const string VolumeTypeParameter = "volumeType";
    private const UnixFileMode WorldWritable = (UnixFileMode)0b111_111_111; // 0777: any pod user can write, as upstream

    private readonly string _root;

    public LocalPathProvisioner(LocalPathOptions options)
    {
        Options = options;
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.Root));
    }

    public LocalPathOptions Options { get; }
    public string Root => _root;

    /// <summary>The directory of a claim's volume (the same on every retry, so a crash never makes a second one).</summary>
    public string DirectoryFor(string pvName, PersistentVolumeClaim claim)
    {
        var ns = claim.Metadata.Namespace ?? "";
        var name = claim.Metadata.Name ?? "";
        foreach (var part in new[] { pvName, ns, name })
            if (part.Length == 0 || part.Contains('/') || part.Contains('\0') || part is "." or "..")
                throw new ProvisioningException($"invalid name \"{part}\" for a local-path directory");
        return Path.Combine(_root, $"{pvName}_{ns}_{name}");
    }

    public Task<ProvisionedVolume> ProvisionAsync(ProvisionRequest request, CancellationToken ct)
    {
        var volumeType = request.Parameters.TryGetValue(VolumeTypeParameter, out var t) ? t : "hostPath";
        if (volumeType is not ("hostPath" or "local"))
            throw new ProvisioningException($"unsupported {VolumeTypeParameter} \"{volumeType}\": supported values: \"hostPath\", \"local\"");
        var node = request.SelectedNode?.Metadata.Name ?? Options.NodeName;
        if (node != Options.NodeName)
            throw new ProvisioningException($"this local-path provisioner serves node \"{Options.NodeName}\", not the selected node \"{node}\"") { Reschedule = true };

        var path = DirectoryFor(request.PvName, request.Claim);
        try
        {
            Directory.CreateDirectory(_root);
            var existing = new DirectoryInfo(path);
            if (existing.LinkTarget is not null) throw new ProvisioningException($"{path} is a symbolic link; refusing to use it");
            if (!existing.Exists) Directory.CreateDirectory(path);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, WorldWritable); // after mkdir: the umask must not narrow it
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ProvisioningException($"unable to create directory {path}: {e.Message}", e);
        }

        return Task.FromResult(new ProvisionedVolume
        {
            SetSource = spec =>
            {
                if (volumeType == "local") spec.Local = new LocalVolumeSource { Path = path };
                else spec.HostPath = new HostPathVolumeSource { Path = path, Type = "DirectoryOrCreate" };
            },
            NodeAffinity = new VolumeNodeAffinity
            {
                Required = new NodeSelector
                {
                    NodeSelectorTerms =
                    [
                        new NodeSelectorTerm
                        {
                            MatchExpressions = [new NodeSelectorRequirement { Key = StorageNames.HostnameLabel, Operator = "In", Values = [node] }],
                        },
                    ],
                },
            },
        });
    }

    public Task DeleteAsync(PersistentVolume volume, StorageClass? storageClass, CancellationToken ct)
    {
        var path = volume.Spec?.HostPath?.Path ?? volume.Spec?.Local?.Path
            ?? throw new ProvisioningException($"volume {volume.Metadata.Name} has neither a hostPath nor a local path");
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var name = Path.GetFileName(full);
        if (Path.GetDirectoryName(full) != _root || !name.StartsWith(volume.Metadata.Name + "_", StringComparison.Ordinal))
            throw new ProvisioningException($"refusing to delete {path}: it is not the directory of volume {volume.Metadata.Name} under {_root}");
        try
        {
            var dir = new DirectoryInfo(full);
            if (dir.LinkTarget is not null) File.Delete(full); // a link planted in its place: remove the link, not its target
            else if (dir.Exists) DeleteTree(full);
            else if (File.Exists(full)) File.Delete(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ProvisioningException($"unable to delete {full}: {e.Message}", e);
        }
        return Task.CompletedTask;
    }

    /// <summary>Deletes a directory tree; links inside are unlinked, never followed.</summary>
    public static void DeleteTree(string dir)
    {
        foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo sub && sub.LinkTarget is null) DeleteTree(sub.FullName);
            else File.Delete(entry.FullName); // files and links of any kind: unlink
        }
        Directory.Delete(dir);
    }
}
