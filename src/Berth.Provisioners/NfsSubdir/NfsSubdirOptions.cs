namespace Berth.Provisioners.NfsSubdir;

/// <summary>
/// How the nfs-subdir provisioner reaches its export, configured like the upstream Deployment: PROVISIONER_NAME,
/// NFS_SERVER, NFS_PATH; plus NFS_PORT (a Berth addition, for servers not on 2049 such as a test's ganesha).
/// </summary>
public sealed record NfsSubdirOptions
{
    public const string DefaultProvisionerName = "k8s-sigs.io/nfs-subdir-external-provisioner";
    public const int DefaultPort = 2049;

    public string ProvisionerName { get; init; } = DefaultProvisionerName;
    /// <summary>The NFS server's host name or address, written into every PV.</summary>
    public required string Server { get; init; }
    /// <summary>The exported path (absolute); volumes are directories below it.</summary>
    public required string Path { get; init; }
    public int Port { get; init; } = DefaultPort;
    /// <summary>How many NFS connections provisioning may use at once (each is a separate NFSv4 client).</summary>
    public int Connections { get; init; } = 4;

    /// <summary>Reads the upstream environment variables. Returns null when NFS_SERVER and NFS_PATH are both unset (the
    /// provisioner is simply not configured); throws when the configuration is half there or invalid.</summary>
    public static NfsSubdirOptions? FromEnvironment(Func<string, string?>? getenv = null)
    {
        getenv ??= Environment.GetEnvironmentVariable;
        var server = getenv("NFS_SERVER");
        var path = getenv("NFS_PATH");
        if (string.IsNullOrEmpty(server) && string.IsNullOrEmpty(path)) return null;
        if (string.IsNullOrEmpty(server)) throw new ArgumentException("NFS_SERVER not set");
        if (string.IsNullOrEmpty(path)) throw new ArgumentException("NFS_PATH not set");
        var port = DefaultPort;
        if (getenv("NFS_PORT") is { Length: > 0 } p && (!int.TryParse(p, out port) || port is <= 0 or > 65535))
            throw new ArgumentException($"NFS_PORT \"{p}\" is not a port number");
        var name = getenv("PROVISIONER_NAME");
        return new NfsSubdirOptions
        {
            Server = server,
            Path = path,
            Port = port,
            ProvisionerName = string.IsNullOrEmpty(name) ? DefaultProvisionerName : name,
        }.Validated();
    }

    public NfsSubdirOptions Validated()
    {
        if (string.IsNullOrWhiteSpace(Server)) throw new ArgumentException("NFS_SERVER not set");
        if (string.IsNullOrEmpty(Path) || Path[0] != '/') throw new ArgumentException($"NFS_PATH \"{Path}\" must be an absolute path");
        if (Port is <= 0 or > 65535) throw new ArgumentException($"NFS port {Port} is out of range");
        if (Connections < 1) throw new ArgumentException("at least one NFS connection is needed");
        return this;
    }

    /// <summary>NFS_PATH without a trailing slash ("" for the root export "/").</summary>
    internal string ExportPrefix => Path.TrimEnd('/');
}
