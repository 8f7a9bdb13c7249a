namespace Berth.Server.Hosting;

public sealed record ServerOptions
{
    public required string DataDir { get; init; }
    /// <summary>host:port to serve HTTPS on; port 0 picks a free one.</summary>
    public string Listen { get; init; } = "127.0.0.1:6443";
    /// <summary>"process" (real isolated processes) or "simulated".</summary>
    public string Runtime { get; init; } = "simulated";
    public bool DefaultStorageClass { get; init; } = true;
    /// <summary>Controllers not to run (names as in <see cref="ControllerNames"/>): tests of one controller run their own.</summary>
    public IReadOnlySet<string> DisabledControllers { get; init; } = new HashSet<string>();
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
    /// <summary>The local node agent (kubelet): registers the node and runs its pods.</summary>
    public const string NodeAgent = "node-agent";
}

/// <summary>A reason the server cannot start, printed as one line before a non-zero exit.</summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
