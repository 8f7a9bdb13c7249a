using Microsoft.Extensions.Logging;

namespace Berth.Provisioners.Framework;

/// <summary>
/// One kind of provisioner that <c>berth provisioner KIND …</c> can run standalone. Implementations are found by
/// <see cref="ProvisionerRegistry"/> (every public non-abstract implementation in this assembly with a parameterless
/// constructor), so adding a provisioner means adding its factory class, nothing else.
/// </summary>
public interface IProvisionerFactory
{
    /// <summary>The command-line kind, e.g. "local-path" or "nfs-subdir".</summary>
    string Kind { get; }
    /// <summary>The provisioner name used when neither --name nor PROVISIONER_NAME is given.</summary>
    string DefaultProvisionerName { get; }
    /// <summary>The kind's own options for the usage text, e.g. "[--root DIR] [--node-name NODE]".</summary>
    string Usage { get; }

    /// <summary>Builds the provisioner from its options (flags without the leading "--", and the environment).</summary>
    /// <exception cref="ArgumentException">A missing or invalid option (printed as one line; exit code 1).</exception>
    IVolumeProvisioner Create(ProvisionerSettings settings, ILoggerFactory logs);
}

/// <summary>What a factory gets: the kind's options from the command line and an environment lookup (seed-style
/// configuration such as NFS_SERVER / NFS_PATH).</summary>
public sealed class ProvisionerSettings(IReadOnlyDictionary<string, string> options, Func<string, string?> environment)
{
    public IReadOnlyDictionary<string, string> Options { get; } = options;

    /// <summary>The option "--<paramref name="flag"/>", else the environment variable <paramref name="env"/>, else null.</summary>
    public string? Get(string flag, string? env = null)
        => Options.TryGetValue(flag, out var v) ? v : env is null ? null : environment(env) is { Length: > 0 } e ? e : null;

    public string? Environment(string name) => environment(name);
}
