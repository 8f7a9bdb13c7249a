using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Kubelet.Images;

/// <summary>What an image's config says about running it (the OCI image config's "config" object).</summary>
public sealed record ImageConfig
{
    public IReadOnlyList<string> Entrypoint { get; init; } = [];
    public IReadOnlyList<string> Cmd { get; init; } = [];
    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];
    public string WorkingDir { get; init; } = "";
    /// <summary>"uid", "uid:gid", "name" or "name:group"; empty for root.</summary>
    public string User { get; init; } = "";

    public static ImageConfig Parse(JsonNode? json)
    {
        var c = json?["config"] ?? json?["container_config"];
        var env = new List<KeyValuePair<string, string>>();
        foreach (var e in Strings(c?["Env"]))
        {
            var eq = e.IndexOf('=');
            env.Add(eq < 0 ? new(e, "") : new(e[..eq], e[(eq + 1)..]));
        }
        return new ImageConfig
        {
            Entrypoint = Strings(c?["Entrypoint"]),
            Cmd = Strings(c?["Cmd"]),
            Env = env,
            WorkingDir = c?["WorkingDir"]?.GetValue<string>() ?? "",
            User = c?["User"]?.GetValue<string>() ?? "",
        };
    }

    private static List<string> Strings(JsonNode? n)
    {
        var list = new List<string>();
        if (n is JsonArray a) foreach (var x in a) if (x is not null) list.Add(x.GetValue<string>());
        return list;
    }
}

/// <summary>One imported image: its ID (the config's digest), unpacked root filesystem and config.</summary>
public sealed record StoredImage(string Id, string RootFs, ImageConfig Config, IReadOnlyList<string> References)
{
    /// <summary>What containerStatuses.imageID shows: "repo@sha256:…" when a manifest digest is known, else the ID.</summary>
    public string StatusId
    {
        get
        {
            foreach (var r in References) if (r.Contains("@sha256:", StringComparison.Ordinal)) return r;
            return Id;
        }
    }
}

/// <summary>
/// The node's imported images, under DATA/images: <c>sha256-HEX/rootfs</c> (all layers applied) and
/// <c>sha256-HEX/config.json</c> per image, and <c>refs.json</c> mapping canonical references ("docker.io/library/nginx:latest",
/// "docker.io/library/nginx@sha256:…") to image IDs. An image directory appears complete (it is renamed into place)
/// before any reference names it, and refs.json is replaced atomically, so a running node agent, which re-reads
/// refs.json whenever it changed, sees each import whole and without a restart.
/// </summary>
public sealed class ImageStore
{
    private readonly ConcurrentDictionary<string, ImageConfig> _configs = new(StringComparer.Ordinal);
    private readonly object _lock = new();
    private (DateTime Stamp, long Length, Dictionary<string, string> Refs) _cache = (default, -1, new(StringComparer.Ordinal));

    public ImageStore(string dir) => Dir = Path.GetFullPath(dir);

    public string Dir { get; }
    internal string RefsFile => Path.Combine(Dir, "refs.json");
    internal string ImageDir(string id) => Path.Combine(Dir, id.Replace(':', '-'));

    /// <summary>The image a reference names (any spelling: "nginx", "docker.io/library/nginx:latest", "repo@sha256:…",
    /// or an image ID "sha256:…"), or null.</summary>
    public StoredImage? Find(string reference)
    {
        var refs = Refs();
        string? id = null;
        var r = reference.Trim();
        if (r.StartsWith("sha256:", StringComparison.Ordinal)) id = Directory.Exists(ImageDir(r)) ? r : null;
        else refs.TryGetValue(Canonical(r), out id);
        return id is null ? null : Load(id, refs);
    }

    /// <summary>Every image with its references.</summary>
    public IReadOnlyList<StoredImage> List()
    {
        var refs = Refs();
        var ids = new SortedSet<string>(refs.Values, StringComparer.Ordinal);
        var list = new List<StoredImage>();
        foreach (var id in ids) if (Load(id, refs) is { } img) list.Add(img);
        return list;
    }

    /// <summary>"nginx" → "docker.io/library/nginx:latest"; "x@sha256:…" keeps its digest.</summary>
    public static string Canonical(string reference)
    {
        var (repo, tag) = ImageCatalog.Parse(reference);
        return repo + (tag.Contains(':') ? "@" + tag : ":" + tag);
    }

    private StoredImage? Load(string id, Dictionary<string, string> refs)
    {
        var dir = ImageDir(id);
        var rootfs = Path.Combine(dir, "rootfs");
        if (!Directory.Exists(rootfs)) return null;
        var config = _configs.GetOrAdd(id, _ => ImageConfig.Parse(JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))));
        var names = new List<string>();
        foreach (var (name, target) in refs) if (target == id) names.Add(name);
        names.Sort(StringComparer.Ordinal);
        return new StoredImage(id, rootfs, config, names);
    }

    /// <summary>refs.json, re-read when it changed on disk.</summary>
    internal Dictionary<string, string> Refs()
    {
        var info = new FileInfo(RefsFile);
        if (!info.Exists) return new(StringComparer.Ordinal);
        lock (_lock)
        {
            if (_cache.Stamp == info.LastWriteTimeUtc && _cache.Length == info.Length) return _cache.Refs;
            Dictionary<string, string> refs;
            try { refs = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(RefsFile)) ?? new(); }
            catch (JsonException) { refs = new(); }
            _cache = (info.LastWriteTimeUtc, info.Length, new Dictionary<string, string>(refs, StringComparer.Ordinal));
            return _cache.Refs;
        }
    }

    /// <summary>Points <paramref name="references"/> at <paramref name="id"/> (the caller holds the import lock).</summary>
    internal void Tag(string id, IEnumerable<string> references)
    {
        var refs = new Dictionary<string, string>(Refs(), StringComparer.Ordinal);
        foreach (var r in references) refs[r] = id;
        var tmp = RefsFile + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(new SortedDictionary<string, string>(refs, StringComparer.Ordinal), new JsonSerializerOptions { WriteIndented = true }));
        File.Move(tmp, RefsFile, overwrite: true);
    }
}
