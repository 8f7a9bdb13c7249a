using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Berth.Kubelet.Images;

/// <summary>An image an import added (or found already there).</summary>
public sealed record ImportedImage(string Id, IReadOnlyList<string> References, int Layers, bool New);

/// <summary>
/// <c>berth image import</c>: reads a <c>docker save</c> archive (manifest.json + layer tars) or an OCI image layout
/// archive (oci-layout, index.json, blobs/sha256/…), either of them optionally gzipped, and unpacks each image's layers
/// in order into the <see cref="ImageStore"/>. One import at a time per store (a lock file); leftovers of an import
/// that crashed are removed by the next one.
/// </summary>
public static class ImageImporter
{
    private sealed record Candidate(byte[] Config, IReadOnlyList<string> Layers, List<string> References);

    /// <param name="name">A reference to give the image(s) in addition to those the archive records (needed for
    /// archives that carry none).</param>
    public static IReadOnlyList<ImportedImage> Import(ImageStore store, string archive, string? name = null)
    {
        if (!File.Exists(archive)) throw new FileNotFoundException("no such file", archive);
        Directory.CreateDirectory(store.Dir);
        using var lockFile = Lock(store.Dir);
        foreach (var stale in Directory.EnumerateDirectories(store.Dir, ".import-*")) Directory.Delete(stale, true);
        var work = Path.Combine(store.Dir, ".import-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
        try
        {
            var unpacked = Path.Combine(work, "archive");
            Directory.CreateDirectory(unpacked);
            using (var s = LayerExtractor.OpenMaybeCompressed(archive, archive))
                LayerExtractor.Apply(s, unpacked, archive);
            var candidates = Exists(unpacked, "manifest.json") ? DockerSave(unpacked)
                : Exists(unpacked, "index.json") ? OciLayout(unpacked)
                : throw new InvalidDataException($"{archive} is neither a docker save archive (manifest.json) nor an OCI image layout (index.json)");
            if (candidates.Count == 0) throw new InvalidDataException($"{archive} holds no image");
            if (name is not null)
            {
                if (candidates.Count > 1) throw new ArgumentException($"{archive} holds {candidates.Count} images; --name names exactly one");
                candidates[0].References.Add(ImageStore.Canonical(name));
            }
            var result = new List<ImportedImage>();
            foreach (var c in candidates) result.Add(Commit(store, unpacked, work, c));
            return result;
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, true);
        }
    }

    private static ImportedImage Commit(ImageStore store, string unpacked, string work, Candidate c)
    {
        var id = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(c.Config));
        var final = store.ImageDir(id);
        bool fresh = !Directory.Exists(final);
        if (fresh)
        {
            var building = Path.Combine(work, "image");
            var rootfs = Path.Combine(building, "rootfs");
            Directory.CreateDirectory(rootfs);
            // The config names each layer's uncompressed digest (rootfs.diff_ids): a damaged archive is refused, as docker load does.
            var diffIds = new List<string>();
            foreach (var d in JsonNode.Parse(c.Config)?["rootfs"]?["diff_ids"] as JsonArray ?? []) if (d is not null) diffIds.Add(d.GetValue<string>());
            if (diffIds.Count > 0 && diffIds.Count != c.Layers.Count)
                throw new InvalidDataException($"the image config lists {diffIds.Count} layer digests for {c.Layers.Count} layers");
            for (int i = 0; i < c.Layers.Count; i++)
            {
                var what = $"layer {i + 1} ({c.Layers[i]})";
                using var layer = new DigestingStream(LayerExtractor.OpenMaybeCompressed(Member(unpacked, c.Layers[i]), what));
                LayerExtractor.Apply(layer, rootfs, what);
                var digest = layer.Finish();
                if (diffIds.Count > 0 && diffIds[i] != digest)
                    throw new InvalidDataException($"{what} has digest {digest}, but the image config says {diffIds[i]}: the archive is damaged");
            }
            File.WriteAllBytes(Path.Combine(building, "config.json"), c.Config);
            Directory.Move(building, final);
        }
        store.Tag(id, c.References);
        return new ImportedImage(id, c.References, c.Layers.Count, fresh);
    }

    // ------------------------------------------------------------------ docker save

    private static List<Candidate> DockerSave(string root)
    {
        var list = new List<Candidate>();
        if (Json(root, "manifest.json") is not JsonArray manifests) throw new InvalidDataException("manifest.json is not a list of images");
        foreach (var m in manifests)
        {
            var config = m?["Config"]?.GetValue<string>() ?? throw new InvalidDataException("manifest.json: an image without Config");
            var layers = new List<string>();
            foreach (var l in m["Layers"] as JsonArray ?? []) layers.Add(l!.GetValue<string>());
            var refs = new List<string>();
            foreach (var t in m["RepoTags"] as JsonArray ?? []) if (t?.GetValue<string>() is { Length: > 0 } tag) refs.Add(ImageStore.Canonical(tag));
            list.Add(new Candidate(File.ReadAllBytes(Member(root, config)), layers, refs));
        }
        return list;
    }

    // ------------------------------------------------------------------ OCI image layout

    private static List<Candidate> OciLayout(string root)
    {
        var list = new List<Candidate>();
        foreach (var d in Json(root, "index.json")?["manifests"] as JsonArray ?? [])
        {
            if (d is null) continue;
            var digest = d["digest"]?.GetValue<string>() ?? throw new InvalidDataException("index.json: a manifest without digest");
            var manifest = PlatformManifest(root, digest, 0);
            var config = Blob(root, manifest["config"]?["digest"]?.GetValue<string>() ?? throw new InvalidDataException($"manifest {digest} has no config"));
            var layers = new List<string>();
            foreach (var l in manifest["layers"] as JsonArray ?? []) layers.Add(BlobPath(l?["digest"]?.GetValue<string>() ?? ""));
            var refs = new List<string>();
            var ann = d["annotations"];
            // containerd and docker record the full name; other tools (skopeo, buildah) often only a tag.
            var refName = ann?["io.containerd.image.name"]?.GetValue<string>() ?? ann?["org.opencontainers.image.ref.name"]?.GetValue<string>();
            if (refName is not null && (refName.Contains('/') || refName.Contains(':')))
            {
                var canonical = ImageStore.Canonical(refName);
                refs.Add(canonical);
                var (repo, _) = ImageCatalog.Parse(canonical);
                refs.Add(repo + "@" + digest);
            }
            list.Add(new Candidate(config, layers, refs));
        }
        return list;
    }

    /// <summary>The image manifest for this machine's platform, descending through image indexes.</summary>
    private static JsonNode PlatformManifest(string root, string digest, int depth)
    {
        var node = JsonNode.Parse(Blob(root, digest)) ?? throw new InvalidDataException($"blob {digest} is not JSON");
        if (node["manifests"] is not JsonArray entries) return node;
        if (depth > 3) throw new InvalidDataException("image indexes nest too deep");
        var arch = RuntimeInformation.OSArchitecture switch { Architecture.X64 => "amd64", Architecture.Arm64 => "arm64", var a => a.ToString().ToLowerInvariant() };
        foreach (var e in entries)
            if (e?["platform"]?["os"]?.GetValue<string>() == "linux" && e["platform"]?["architecture"]?.GetValue<string>() == arch)
                return PlatformManifest(root, e["digest"]!.GetValue<string>(), depth + 1);
        throw new InvalidDataException($"image index {digest} has no linux/{arch} image");
    }

    private static byte[] Blob(string root, string digest)
    {
        var bytes = File.ReadAllBytes(Member(root, BlobPath(digest)));
        if (digest.StartsWith("sha256:", StringComparison.Ordinal) && "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)) != digest)
            throw new InvalidDataException($"blob {digest} does not match its digest");
        return bytes;
    }

    private static string BlobPath(string digest)
    {
        var colon = digest.IndexOf(':');
        if (colon <= 0 || digest.IndexOf('/') >= 0) throw new InvalidDataException($"invalid digest \"{digest}\"");
        return "blobs/" + digest[..colon] + "/" + digest[(colon + 1)..];
    }

    // ------------------------------------------------------------------ helpers

    private static JsonNode? Json(string root, string member)
    {
        try { return JsonNode.Parse(File.ReadAllText(Member(root, member))); }
        catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"{member}: {e.Message}"); }
    }

    private static bool Exists(string root, string member) => File.Exists(RootPath.Resolve(root, member, followLast: true));

    /// <summary>An archive member's file; links inside the archive (docker save shares layers that way) are followed
    /// within it.</summary>
    private static string Member(string root, string member)
    {
        var path = RootPath.Resolve(root, RootPath.Clean(member, "archive") ?? "", followLast: true);
        if (!File.Exists(path)) throw new InvalidDataException($"the archive has no file \"{member}\"");
        return path;
    }

    /// <summary>Hashes what is read through it; not seekable, so that a tar reader reads (and hashes) what it skips.</summary>
    private sealed class DigestingStream(Stream inner) : Streaming.ReadOnlyStream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            _hash.AppendData(buffer[..n]);
            return n;
        }

        /// <summary>Reads the rest (the tar's end blocks) and returns "sha256:…" of everything.</summary>
        public string Finish()
        {
            var buf = new byte[65536];
            while (Read(buf, 0, buf.Length) > 0) { }
            return "sha256:" + Convert.ToHexStringLower(_hash.GetHashAndReset());
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) { inner.Dispose(); _hash.Dispose(); }
            base.Dispose(disposing);
        }
    }

    /// <summary>Waits for the store's import lock (flock through FileShare.None).</summary>
    private static FileStream Lock(string dir)
    {
        var path = Path.Combine(dir, ".lock");
        for (int i = 0; ; i++)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (i < 6000) { Thread.Sleep(100); }
        }
    }
}
