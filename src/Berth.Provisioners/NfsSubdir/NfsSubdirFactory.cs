using System.Globalization;
using Berth.Provisioners.Framework;
using Microsoft.Extensions.Logging;

namespace Berth.Provisioners.NfsSubdir;

/// <summary><c>berth provisioner nfs-subdir [--server HOST] [--path PATH] [--port PORT]</c>, configured like the seed's
/// Deployment through NFS_SERVER, NFS_PATH (and NFS_PORT) when the flags are absent.</summary>
public sealed class NfsSubdirFactory : IProvisionerFactory
{
    public string Kind => "nfs-subdir";
    public string DefaultProvisionerName => NfsSubdirOptions.DefaultProvisionerName;
    public string Usage => "[--server HOST] [--path EXPORT_PATH] [--port PORT]";

    public IVolumeProvisioner Create(ProvisionerSettings settings, ILoggerFactory logs)
    {
        foreach (var key in settings.Options.Keys)
            if (key is not ("server" or "path" or "port")) throw new ArgumentException($"unknown option \"--{key}\" for nfs-subdir");
        var server = settings.Get("server", "NFS_SERVER") ?? throw new ArgumentException("NFS_SERVER not set (or --server)");
        var path = settings.Get("path", "NFS_PATH") ?? throw new ArgumentException("NFS_PATH not set (or --path)");
        var port = NfsSubdirOptions.DefaultPort;
        if (settings.Get("port", "NFS_PORT") is { } p && (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is <= 0 or > 65535))
            throw new ArgumentException($"NFS port \"{p}\" is not a port number");
        return new NfsSubdirProvisioner(new NfsSubdirOptions { Server = server, Path = path, Port = port }.Validated());
    }
}
