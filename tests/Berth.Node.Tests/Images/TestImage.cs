using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Berth.Kubelet.Tests.Images;

/// <summary>Builds image archives in tests: layers as lists of tar entries, written as `docker save` or OCI layout archives.</summary>
internal static class TestImage
{
    public static TarEntry Dir(string name, UnixFileMode mode = (UnixFileMode)0b111_101_101)
        => new PaxTarEntry(TarEntryType.Directory, name) { Mode = mode };

    public static TarEntry File(string name, string content, UnixFileMode mode = (UnixFileMode)0b110_100_100, int uid = 0, int gid = 0)
        => File(name, Encoding.UTF8.GetBytes(content), mode, uid, gid);

    public static TarEntry File(string name, byte[] content, UnixFileMode mode = (UnixFileMode)0b110_100_100, int uid = 0, int gid = 0)
        => new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = mode, Uid = uid, Gid = gid, DataStream = new MemoryStream(content) };

    public static TarEntry Symlink(string name, string target) => new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target };

    public static TarEntry Hardlink(string name, string target) => new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target };

    /// <summary>A layer holding the host's busybox with the shared libraries it needs (ldd), and sh → busybox: an image
    /// that runs without anything from the host.</summary>
    public static List<TarEntry> BusyboxLayer()
    {
        var busybox = System.IO.File.Exists("/usr/bin/busybox") ? "/usr/bin/busybox" : "/bin/busybox";
        var entries = new List<TarEntry> { Dir("bin/"), File("bin/busybox", System.IO.File.ReadAllBytes(busybox), (UnixFileMode)0b111_101_101), Symlink("bin/sh", "busybox") };
        var psi = new ProcessStartInfo("ldd", busybox) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var dirs = new HashSet<string>();
        foreach (var line in p.StandardOutput.ReadToEnd().Split('\n'))
        {
            // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
            var arrow = line.IndexOf("=> ", StringComparison.Ordinal);
            var rest = (arrow >= 0 ? line[(arrow + 3)..] : line).Trim();
            if (!rest.StartsWith('/')) continue;
            var path = rest.Split(' ')[0];
            var dir = Path.GetDirectoryName(path)!.TrimStart('/');
            var parts = dir.Split('/');
            for (int i = 1; i <= parts.Length; i++)
                if (dirs.Add(string.Join('/', parts[..i]))) entries.Add(Dir(string.Join('/', parts[..i]) + "/"));
            entries.Add(File(path.TrimStart('/'), System.IO.File.ReadAllBytes(path), (UnixFileMode)0b111_101_101));
        }
        p.WaitForExit();
        return entries;
    }

    public static byte[] Tar(IEnumerable<TarEntry> entries, bool gzip = false)
    {
        var ms = new MemoryStream();
        Stream target = gzip ? new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true) : ms;
        using (var w = new TarWriter(target, TarEntryFormat.Pax, leaveOpen: true))
            foreach (var e in entries)
            {
                e.DataStream?.Seek(0, SeekOrigin.Begin);
                w.WriteEntry(e);
            }
        if (gzip) target.Dispose();
        return ms.ToArray();
    }

    public static JsonObject Config(JsonObject config) => new()
    {
        ["architecture"] = "amd64", ["os"] = "linux", ["config"] = config,
        ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray() },
    };

    /// <summary>A `docker save` archive (legacy layout: ID/layer.tar, ID.json, manifest.json with RepoTags).</summary>
    public static void WriteDockerSave(string file, JsonObject config, IReadOnlyList<byte[]> layers, params string[] repoTags)
    {
        var configBytes = Encoding.UTF8.GetBytes(config.ToJsonString());
        var configName = Hex(configBytes) + ".json";
        var entries = new List<TarEntry> { File(configName, configBytes) };
        var layerNames = new JsonArray();
        foreach (var l in layers)
        {
            var id = Hex(l);
            entries.Add(Dir(id + "/"));
            entries.Add(File(id + "/layer.tar", l));
            layerNames.Add(id + "/layer.tar");
        }
        var tags = new JsonArray();
        foreach (var t in repoTags) tags.Add(t);
        var manifest = new JsonArray(new JsonObject { ["Config"] = configName, ["RepoTags"] = tags, ["Layers"] = layerNames });
        entries.Add(File("manifest.json", manifest.ToJsonString()));
        System.IO.File.WriteAllBytes(file, Tar(entries));
    }

    /// <summary>An OCI image layout archive, gzipped as a whole, with a multi-platform index (an arm64 decoy first).</summary>
    public static void WriteOciLayout(string file, JsonObject config, IReadOnlyList<byte[]> layers, string name)
    {
        var blobs = new List<TarEntry>();
        string Blob(byte[] b)
        {
            var hex = Hex(b);
            blobs.Add(File("blobs/sha256/" + hex, b));
            return "sha256:" + hex;
        }
        var configBytes = Encoding.UTF8.GetBytes(config.ToJsonString());
        var layerDescs = new JsonArray();
        foreach (var l in layers)
            layerDescs.Add(new JsonObject { ["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip", ["digest"] = Blob(l), ["size"] = l.Length });
        var manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2, ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.image.config.v1+json", ["digest"] = Blob(configBytes), ["size"] = configBytes.Length },
            ["layers"] = layerDescs,
        }.ToJsonString());
        var manifestDigest = Blob(manifest);
        var decoy = Encoding.UTF8.GetBytes("""{"schemaVersion":2,"config":{"digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000"},"layers":[]}""");
        var decoyDigest = Blob(decoy);
        var index = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2, ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["manifests"] = new JsonArray(
                new JsonObject { ["digest"] = decoyDigest, ["platform"] = new JsonObject { ["os"] = "linux", ["architecture"] = "arm64" } },
                new JsonObject { ["digest"] = manifestDigest, ["platform"] = new JsonObject { ["os"] = "linux", ["architecture"] = "amd64" } }),
        }.ToJsonString());
        var indexDigest = Blob(index);
        var top = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = "application/vnd.oci.image.index.v1+json", ["digest"] = indexDigest, ["size"] = index.Length,
                ["annotations"] = new JsonObject { ["io.containerd.image.name"] = name, ["org.opencontainers.image.ref.name"] = "latest" },
            }),
        };
        var entries = new List<TarEntry> { File("oci-layout", """{"imageLayoutVersion":"1.0.0"}"""), File("index.json", top.ToJsonString()), Dir("blobs/"), Dir("blobs/sha256/") };
        entries.AddRange(blobs);
        System.IO.File.WriteAllBytes(file, Tar(entries, gzip: true));
    }

    private static string Hex(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));
}
