namespace Berth.Server.Hosting;

public sealed record ServerOptions
{
    public required string DataDir { get; init; }
    /// <summary>host:port to serve HTTPS on; port 0 picks a free one.</summary>
    public string Listen { get; init; } = "127.0.0.1:6443";
    /// <summary>"process" (real isolated processes) or "simulated".</summary>
    public string Runtime { get; init; } = "simulated";
    /// <summary>Create the default StorageClass <c>local-path</c> at start. Off for embedded servers (tests); the command
    /// line turns it on unless --no-default-storage-class.</summary>
    public bool DefaultStorageClass { get; init; }
    /// <summary>Where the built-in local-path provisioner makes the claims' directories; default DATA_DIR/local-path.</summary>
    public string? LocalPathRoot { get; init; }
    /// <summary>The node's pod network with the process runtime (bridge, CIDR, DNS port…); null: the defaults, state in DATA/network.</summary>
    public Berth.Kubelet.Network.PodNetworkOptions? PodNetwork { get; init; }
    /// <summary>The export the built-in nfs-subdir provisioner serves (NFS_SERVER/NFS_PATH, --nfs-server/--nfs-path, or
    /// --nfs's local ganesha); null: it does not run.</summary>
    public Berth.Provisioners.NfsSubdir.NfsSubdirOptions? NfsSubdir { get; init; }
    /// <summary>Create the seeds' <c>nfs-client</c> class at start (<c>--nfs</c>).</summary>
    public bool NfsClientClass { get; init; }
    /// <summary>Controllers not to run (names as in <see cref="ControllerNames"/>): tests of one controller run their own.</summary>
    public IReadOnlySet<string> DisabledControllers { get; init; } = new HashSet<string>();
    /// <summary>How long an Event lives after its last write (kube-apiserver's --event-ttl, 1 h).</summary>
    public TimeSpan EventTtl { get; init; } = Storage.EventExpiry.DefaultTtl;
}

/// <summary>The names of the controllers the host runs.</summary>
public static class ControllerNames
{
    public const string PersistentVolume = "persistentvolume";
    public const string PvcProtection = "pvc-protection";
    public const string PvProtection = "pv-protection";
    public const string GarbageCollector = "garbage-collector";
    public const string Namespace = "namespace";
    public const string Scheduler = "scheduler";
    public const string StatefulSet = "statefulset";
    public const string Endpoints = "endpoints";
    /// <summary>Makes the <c>default</c> ServiceAccount of each namespace.</summary>
    public const string ServiceAccount = "serviceaccount";
    /// <summary>The local node agent (kubelet): registers the node and runs its pods.</summary>
    public const string NodeAgent = "node-agent";
    /// <summary>The built-in local-path provisioner (berth.io/local-path).</summary>
    public const string LocalPathProvisioner = "local-path-provisioner";
    /// <summary>The built-in nfs-subdir provisioner (k8s-sigs.io/nfs-subdir-external-provisioner), when an export is configured.</summary>
    public const string NfsSubdirProvisioner = "nfs-subdir-provisioner";
}

/// <summary>A reason the server cannot start, printed as one line before a non-zero exit.</summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
