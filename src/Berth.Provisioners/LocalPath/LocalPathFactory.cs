using Berth.Provisioners.Framework;
using Microsoft.Extensions.Logging;

namespace Berth.Provisioners.LocalPath;

/// <summary><c>berth provisioner local-path [--root DIR] [--node-name NODE]</c> (environment: LOCAL_PATH_ROOT, NODE_NAME).</summary>
public sealed class LocalPathFactory : IProvisionerFactory
{
    public const string DefaultRoot = "/opt/local-path-provisioner"; // rancher's default

    public string Kind => "local-path";
    public string DefaultProvisionerName => LocalPathOptions.DefaultProvisionerName;
    public string Usage => "[--root DIR] [--node-name NODE]";

    public IVolumeProvisioner Create(ProvisionerSettings settings, ILoggerFactory logs)
    {
        foreach (var key in settings.Options.Keys)
            if (key is not ("root" or "node-name")) throw new ArgumentException($"unknown option \"--{key}\" for local-path");
        var options = new LocalPathOptions { Root = settings.Get("root", "LOCAL_PATH_ROOT") ?? DefaultRoot };
        if (settings.Get("node-name", "NODE_NAME") is { } node) options = options with { NodeName = node };
        return new LocalPathProvisioner(options);
    }
}
