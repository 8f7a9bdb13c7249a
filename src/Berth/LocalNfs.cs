using Berth.Nfs.Ganesha;
using Berth.Provisioners.NfsSubdir;
using Berth.Server.Hosting;

namespace Berth;

/// <summary><c>--nfs</c>: a local nfs-ganesha exporting DATA/nfs (state, config and log in DATA/ganesha) on 127.0.0.1,
/// port 2049 unless taken, so the tutorials' NFS walkthroughs run on one machine.</summary>
public static class LocalNfs
{
    public static async Task<GaneshaServer> StartAsync(string dataDir)
    {
        var root = Path.GetFullPath(dataDir);
        try
        {
            return await GaneshaServer.StartAsync(Path.Combine(root, "nfs"), port: null, Path.Combine(root, "ganesha"));
        }
        catch (InvalidOperationException e)
        {
            throw new StartupException("--nfs: " + e.Message);
        }
    }

    public static NfsSubdirOptions ProvisionerOptions(GaneshaServer ganesha) => new()
    {
        Server = ganesha.Address,
        Path = ganesha.ExportDirectory,
        Port = ganesha.Port,
        ProvisionerName = Environment.GetEnvironmentVariable("PROVISIONER_NAME") is { Length: > 0 } name ? name : NfsSubdirOptions.DefaultProvisionerName,
    };
}
