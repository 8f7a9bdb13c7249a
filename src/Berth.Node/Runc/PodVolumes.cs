using System.Globalization;
using Berth.Api.Core;

namespace Berth.Kubelet.Runc;

/// <summary>
/// Mounts the persistent volumes of one kind on the node (the volume plugin's SetUp/TearDown): NFS through the user-space
/// client, RBD through rbd-fuse… The built-in hostPath and local volumes need none. Register implementations in
/// <see cref="ProcessRuntimeOptions.Mounters"/>; the first whose <see cref="Handles"/> answers true is used.
/// </summary>
public interface IVolumeMounter
{
    /// <summary>True for the persistent volume sources this mounter sets up (e.g. spec.nfs).</summary>
    bool Handles(PersistentVolume pv);

    /// <summary>Makes the volume available under <paramref name="targetDir"/> (an empty directory it may mount on) and returns
    /// the host directory to bind into containers. Must be idempotent: after an agent restart it is called again.</summary>
    Task<string> MountAsync(PersistentVolume pv, string targetDir, CancellationToken ct);

    /// <summary>Undoes <see cref="MountAsync"/>; unmounting what is not mounted does nothing.</summary>
    Task UnmountAsync(string targetDir, CancellationToken ct);
}

/// <summary>A pod volume made available on the host: the directory (or file) to bind and whether it is read-only.</summary>
internal sealed record HostVolume(string Path, bool ReadOnly, IVolumeMounter? Mounter = null, string? MountDir = null);

/// <summary>Sets up and tears down a pod's volumes under its state directory (pods/UID/volumes/NAME).</summary>
internal static class PodVolumes
{
    public static async Task<Dictionary<string, HostVolume>> SetUpAsync(PodLaunch launch, string podDir, IReadOnlyList<IVolumeMounter> mounters, CancellationToken ct)
    {
        var result = new Dictionary<string, HostVolume>(StringComparer.Ordinal);
        var volDir = Path.Combine(podDir, "volumes");
        foreach (var v in launch.Pod.Spec?.Volumes ?? [])
        {
            var name = v.Name ?? "";
            var dir = Path.Combine(volDir, name);
            if (v.HostPath is { } hp)
                result[name] = new HostVolume(CheckHostPath(hp.Path, hp.Type, name), false);
            else if (v.EmptyDir is { } ed)
            {
                Directory.CreateDirectory(dir);
                if (ed.Medium == "Memory" && !Native.IsMountPoint(dir))
                    Native.Mount("tmpfs", dir, "tmpfs", ed.SizeLimit is { } q && q.Value > 0 ? "mode=0777,size=" + q.Value.ToString(CultureInfo.InvariantCulture) : "mode=0777");
                else if (ed.Medium != "Memory") Native.SetMode(dir, 0x1FF); // 0777 as the kubelet
                result[name] = new HostVolume(dir, false);
            }
            else if (v.PersistentVolumeClaim is { } pvc)
            {
                if (!launch.ClaimVolumes.TryGetValue(name, out var pv))
                    throw new InvalidOperationException($"MountVolume.SetUp failed for volume \"{name}\": persistentvolumeclaim \"{pvc.ClaimName}\" is not bound");
                var hv = await PersistentAsync(pv, name, dir, mounters, ct);
                result[name] = hv with { ReadOnly = hv.ReadOnly || pvc.ReadOnly == true };
            }
            else if (v.NFS is { } nfs)
            {
                var pv = new PersistentVolume { Metadata = new() { Name = name }, Spec = new PersistentVolumeSpec { NFS = nfs } };
                result[name] = await PersistentAsync(pv, name, dir, mounters, ct);
            }
            else if (v.ConfigMap is not null || v.Secret is not null || v.Projected is not null || v.DownwardAPI is not null)
            {
                launch.VolumeFiles.TryGetValue(name, out var files);
                WriteFiles(dir, files ?? []);
                result[name] = new HostVolume(dir, true);
            }
            else
                throw new InvalidOperationException($"MountVolume.SetUp failed for volume \"{name}\": this node supports hostPath, emptyDir, persistentVolumeClaim, nfs, configMap, secret, projected and downwardAPI volumes");
        }
        return result;
    }

    public static async Task TearDownAsync(string podDir, IReadOnlyDictionary<string, HostVolume>? volumes, CancellationToken ct)
    {
        var volDir = Path.Combine(podDir, "volumes");
        if (volumes is not null)
            foreach (var v in volumes.Values)
                if (v.Mounter is not null && v.MountDir is not null) await v.Mounter.UnmountAsync(v.MountDir, ct);
        if (!Directory.Exists(volDir)) return;
        foreach (var d in Directory.GetDirectories(volDir)) Native.Unmount(d); // memory-backed emptyDirs
    }

    private static async Task<HostVolume> PersistentAsync(PersistentVolume pv, string name, string dir, IReadOnlyList<IVolumeMounter> mounters, CancellationToken ct)
    {
        var spec = pv.Spec ?? new PersistentVolumeSpec();
        foreach (var m in mounters)
            if (m.Handles(pv))
            {
                Directory.CreateDirectory(dir);
                var path = await m.MountAsync(pv, dir, ct);
                return new HostVolume(path, spec.NFS?.ReadOnly == true, m, dir); // nfs.readOnly: bound read-only
            }
        if (spec.HostPath is { } hp) return new HostVolume(CheckHostPath(hp.Path, hp.Type, name), false);
        if (spec.Local is { } local) return new HostVolume(CheckHostPath(local.Path, "Directory", name), false);
        throw new InvalidOperationException($"MountVolume.SetUp failed for volume \"{pv.Metadata.Name}\": this node cannot mount this kind of persistent volume (it mounts hostPath and local volumes{(mounters.Count > 0 ? " and those of its volume plugins" : "")})");
    }

    /// <summary>hostPath's type checks (pkg/volume/hostpath): the *OrCreate types create what is missing.</summary>
    public static string CheckHostPath(string? path, string? type, string volume)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/')
            throw new InvalidOperationException($"MountVolume.SetUp failed for volume \"{volume}\": hostPath path must be absolute");
        string Fail(string what) => throw new InvalidOperationException($"MountVolume.SetUp failed for volume \"{volume}\" : hostPath type check failed: {path} {what}");
        switch (type ?? "")
        {
            case "":
                break;
            case "DirectoryOrCreate":
                if (!Directory.Exists(path))
                {
                    if (File.Exists(path)) Fail("is not a directory");
                    Directory.CreateDirectory(path);
                    Native.SetMode(path, 0x1ED); // 0755
                }
                break;
            case "Directory":
                if (!Directory.Exists(path)) Fail("is not a directory");
                break;
            case "FileOrCreate":
                if (!File.Exists(path))
                {
                    if (Directory.Exists(path)) Fail("is not a file");
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    using (File.Create(path)) { }
                    Native.SetMode(path, 0x1A4); // 0644
                }
                break;
            case "File":
                if (!File.Exists(path)) Fail("is not a file");
                break;
            case "Socket":
            case "CharDevice":
            case "BlockDevice":
                var kind = File.Exists(path) || Directory.Exists(path) ? FileKind(path) : "";
                var want = type switch { "Socket" => "socket", "CharDevice" => "character device", _ => "block device" };
                if (kind != want) Fail("is not a " + want);
                break;
            default:
                throw new InvalidOperationException($"MountVolume.SetUp failed for volume \"{volume}\": unknown hostPath type \"{type}\"");
        }
        return path;
    }

    private static string FileKind(string path)
    {
        var st = CommandRunner.RunAsync("/usr/bin/stat", ["-c", "%F", path], TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        return st.Stdout.Trim() switch { "socket" => "socket", "character special file" => "character device", "block special file" => "block device", var s => s };
    }

    /// <summary>Writes a configMap/secret/projected/downwardAPI volume's files (replacing what a previous start wrote).</summary>
    private static void WriteFiles(string dir, IReadOnlyList<VolumeFile> files)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        Directory.CreateDirectory(dir);
        var root = Path.GetFullPath(dir) + "/";
        foreach (var f in files)
        {
            var full = Path.GetFullPath(Path.Combine(dir, f.Path));
            if (!full.StartsWith(root, StringComparison.Ordinal)) continue; // validation forbids "..": never escape anyway
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, f.Content);
            Native.SetMode(full, f.Mode & 0xFFF);
        }
    }

    /// <summary>The host path to bind for a volumeMount (subPath inside the volume, created as the kubelet does).</summary>
    public static string SourceFor(HostVolume v, string? subPath, string volumeName)
    {
        if (string.IsNullOrEmpty(subPath)) return v.Path;
        if (subPath.StartsWith('/') || subPath.Split('/').Contains(".."))
            throw new InvalidOperationException($"failed to prepare subPath for volumeMount of volume \"{volumeName}\": subPath \"{subPath}\" must be a relative path without \"..\"");
        var full = Path.Combine(v.Path, subPath);
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            if (v.ReadOnly) throw new InvalidOperationException($"failed to prepare subPath for volumeMount of volume \"{volumeName}\": {subPath} does not exist");
            Directory.CreateDirectory(full);
        }
        return full;
    }
}
