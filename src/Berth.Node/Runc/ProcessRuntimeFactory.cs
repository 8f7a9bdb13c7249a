using Berth.Kubelet.Network;
using Microsoft.Extensions.Logging;

namespace Berth.Kubelet.Runc;

/// <summary>How the host builds the process runtime: state under DATA/node, imported images in DATA/images, the node's pod network.</summary>
public static class ProcessRuntimeFactory
{
    /// <summary>The volume plugins the node has beyond hostPath and local: NFS through berth-nfs-fuse.</summary>
    public static IReadOnlyList<IVolumeMounter> DefaultMounters() => [new NfsVolumeMounter()];

    /// <summary>Fails with <see cref="InvalidOperationException"/> (a one-line reason) when runc, tini or a C compiler is missing.</summary>
    public static ProcessRuntime Create(string dataDir, IPodNetwork network, ILogger log)
        => new(new ProcessRuntimeOptions
        {
            StateDir = Path.Combine(dataDir, "node"), ImageStoreDir = ImageStoreDir(dataDir), Network = network, Mounters = DefaultMounters(),
        }, log);

    /// <summary>Where <c>berth image import --data-dir DATA</c> puts images and the node agent finds them.</summary>
    public static string ImageStoreDir(string dataDir) => Path.Combine(dataDir, "images");
}
