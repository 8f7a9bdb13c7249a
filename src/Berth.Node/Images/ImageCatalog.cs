using System.Security.Cryptography;
using System.Text;

namespace Berth.Kubelet.Images;

/// <summary>
/// What an image reference runs as. An imported image (<c>berth image import</c>) brings its own root filesystem and
/// config. A built-in one runs on an overlay of the host's <c>/</c> (the programs come from Debian packages), so it is a
/// default command plus the few files and settings that make the host look like the official image (nginx's document
/// root, redis's /data, busybox's applets first on PATH).
/// </summary>
public sealed record ResolvedImage
{
    /// <summary>The canonical reference, e.g. "docker.io/library/nginx:1.25".</summary>
    public required string Reference { get; init; }
    /// <summary>"docker.io/library/nginx@sha256:…", stable per canonical repository.</summary>
    public required string ImageId { get; init; }
    /// <summary>The image's ENTRYPOINT (replaced by the container's command).</summary>
    public IReadOnlyList<string> Entrypoint { get; init; } = [];
    /// <summary>The image's CMD (replaced by the container's args, or dropped when the container has a command).</summary>
    public IReadOnlyList<string> Cmd { get; init; } = [];
    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];
    public string WorkingDir { get; init; } = "/";
    /// <summary>The image's own root filesystem (the overlay's read-only lower layer); null for the host's <c>/</c>.</summary>
    public string? RootFs { get; init; }
    /// <summary>The image config's User ("uid[:gid]" or names from the image's /etc/passwd); empty for root.</summary>
    public string User { get; init; } = "";
    /// <summary>Files placed over the host's (container path → content), mounted read-only.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Files { get; init; } = [];
    /// <summary>Host directories bound read-only into the container (host path → container path).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Binds { get; init; } = [];
    /// <summary>Directories the image has that the host may lack (created in the container's writable layer).</summary>
    public IReadOnlyList<string> Dirs { get; init; } = [];
    /// <summary>Rewrites the final argv (redis: protected mode off, as the official image's build does).</summary>
    public Func<IReadOnlyList<string>, IReadOnlyList<string>>? AdjustArgs { get; init; }
}

/// <summary>
/// Resolves references: imported images first (a user who imports their own nginx expects it to run, as upstream would
/// run the image it pulled), then the built-in ones (nginx, redis, busybox, pause and plain distributions).
/// </summary>
public sealed class ImageCatalog
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /// <summary>Where busybox's applet links appear inside busybox containers (first on PATH).</summary>
    public const string BusyboxBin = "/.berth/busybox/bin";

    private readonly string _busyboxLinks;
    private readonly ImageStore? _store;

    /// <param name="stateDir">A directory of the agent's (the busybox applet links are made under it).</param>
    /// <param name="store">The imported images, read on every resolve (an import needs no restart).</param>
    public ImageCatalog(string stateDir, ImageStore? store = null)
    {
        _busyboxLinks = Path.Combine(stateDir, "images", "busybox", "bin");
        _store = store;
    }

    /// <summary>Splits a reference into (repository with registry, tag); digests count as tags.</summary>
    public static (string Repository, string Tag) Parse(string reference)
    {
        var r = reference.Trim();
        string tag = "latest";
        var at = r.IndexOf('@');
        if (at >= 0) { tag = r[(at + 1)..]; r = r[..at]; }
        var slash = r.LastIndexOf('/');
        var colon = r.LastIndexOf(':');
        if (colon > slash) { if (at < 0) tag = r[(colon + 1)..]; r = r[..colon]; }
        var first = r.Split('/')[0];
        bool hasRegistry = r.Contains('/') && (first.Contains('.') || first.Contains(':') || first == "localhost");
        if (!hasRegistry) r = "docker.io/" + (r.Contains('/') ? r : "library/" + r);
        if (r.StartsWith("index.docker.io/", StringComparison.Ordinal)) r = "docker.io/" + r["index.docker.io/".Length..];
        return (r.ToLowerInvariant(), tag);
    }

    /// <summary>The image for a reference, or null when it is not built in.</summary>
    public ResolvedImage? Resolve(string? reference)
    {
        if (string.IsNullOrWhiteSpace(reference)) return null;
        var canonical = ImageStore.Canonical(reference);
        if (_store?.Find(reference) is { } stored)
        {
            var c = stored.Config;
            return new ResolvedImage
            {
                Reference = canonical, ImageId = stored.StatusId, RootFs = stored.RootFs,
                Entrypoint = c.Entrypoint, Cmd = c.Cmd, Env = c.Env,
                WorkingDir = c.WorkingDir.Length > 0 ? c.WorkingDir : "/", User = c.User,
            };
        }
        var (repo, _) = Parse(reference);
        var id = repo + "@sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("berth-builtin:" + repo)));
        var name = repo[(repo.LastIndexOf('/') + 1)..];
        switch (name)
        {
            case "nginx":
            case "nginx-slim":
                return new ResolvedImage
                {
                    Reference = canonical, ImageId = id,
                    Cmd = ["nginx", "-g", "daemon off;"],
                    Env = [new("PATH", DefaultPath), new("NGINX_VERSION", "1.22.1")],
                    Files = [new("/etc/nginx/nginx.conf", NginxConf), new("/etc/nginx/conf.d/default.conf", NginxDefaultSite)],
                    Dirs = ["/usr/share/nginx/html"],
                };
            case "redis":
                return new ResolvedImage
                {
                    Reference = canonical, ImageId = id,
                    Cmd = ["redis-server"],
                    Env = [new("PATH", DefaultPath)],
                    WorkingDir = "/data",
                    Dirs = ["/data"],
                    AdjustArgs = RedisArgs,
                };
            case "busybox":
            case "alpine":
                EnsureBusyboxLinks();
                return new ResolvedImage
                {
                    Reference = canonical, ImageId = id,
                    Cmd = ["sh"],
                    Env = [new("PATH", BusyboxBin + ":" + DefaultPath)],
                    Binds = [new(_busyboxLinks, BusyboxBin)],
                };
            case "pause":
                return new ResolvedImage { Reference = canonical, ImageId = id, Cmd = ["/usr/bin/sleep", "infinity"], Env = [new("PATH", DefaultPath)] };
            case "debian":
            case "ubuntu":
                return new ResolvedImage { Reference = canonical, ImageId = id, Cmd = ["bash"], Env = [new("PATH", DefaultPath)] };
            default:
                return null;
        }
    }

    /// <summary>The waiting message for an image that resolves to nothing.</summary>
    public static string NotFoundMessage(string? reference)
        => $"Failed to pull image \"{reference}\": image is not built in (built in: nginx, redis, busybox, pause, debian, ubuntu) " +
           "nor imported, and this node pulls from no registry; import it (a docker save or OCI archive) with: ./berth image import FILE";

    /// <summary>The official image is built with protected mode off (it runs in a container); Debian's binary is not.</summary>
    private static IReadOnlyList<string> RedisArgs(IReadOnlyList<string> argv)
    {
        if (argv.Count == 0 || Path.GetFileName(argv[0]) != "redis-server") return argv;
        foreach (var a in argv) if (a == "--protected-mode") return argv;
        var list = new List<string>(argv) { "--protected-mode", "no" };
        return list;
    }

    private void EnsureBusyboxLinks()
    {
        if (File.Exists(Path.Combine(_busyboxLinks, "sh"))) return;
        lock (this)
        {
            if (File.Exists(Path.Combine(_busyboxLinks, "sh"))) return;
            var busybox = File.Exists("/usr/bin/busybox") ? "/usr/bin/busybox" : "/bin/busybox";
            var tmp = _busyboxLinks + ".tmp";
            if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
            Directory.CreateDirectory(tmp);
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(busybox, "--list") { RedirectStandardOutput = true })!;
            var applets = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            p.WaitForExit();
            foreach (var a in applets)
                if (a.IndexOf('/') < 0) File.CreateSymbolicLink(Path.Combine(tmp, a), busybox);
            if (Directory.Exists(_busyboxLinks)) Directory.Delete(_busyboxLinks, true);
            Directory.Move(tmp, _busyboxLinks);
        }
    }

    // The official image's /etc/nginx/nginx.conf and conf.d/default.conf (document root /usr/share/nginx/html, logs to
    // the container's stdout/stderr), with one worker: pods are many and small here.
    private const string NginxConf = """
        user  www-data;
        worker_processes  1;
        error_log  /dev/stderr notice;
        pid        /run/nginx.pid;
        events {
            worker_connections  1024;
        }
        http {
            include       /etc/nginx/mime.types;
            default_type  application/octet-stream;
            log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                              '$status $body_bytes_sent "$http_referer" '
                              '"$http_user_agent" "$http_x_forwarded_for"';
            access_log  /dev/stdout  main;
            sendfile        on;
            keepalive_timeout  65;
            include /etc/nginx/conf.d/*.conf;
        }

        """;

    private const string NginxDefaultSite = """
        server {
            listen       80;
            listen  [::]:80;
            server_name  localhost;
            location / {
                root   /usr/share/nginx/html;
                index  index.html index.htm;
            }
            error_page   500 502 503 504  /50x.html;
            location = /50x.html {
                root   /usr/share/nginx/html;
            }
        }

        """;
}
