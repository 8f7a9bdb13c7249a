using Berth.Kubelet.Network;
using Microsoft.Extensions.Logging;

namespace Berth.Kubelet.Process;

/// <summary>How the host builds the process runtime: state under DATA/node, the node's pod network.</summary>
public static class ProcessRuntimeFactory
{
    /// <summary>
    /// The pod network the process runtime uses. Until the node's bridge network (Berth.Kubelet.Network) is merged this is
    /// the <see cref="PointToPointPodNetwork"/> stand-in; this is the one line to change when it is.
    /// </summary>
    public static IPodNetwork CreatePodNetwork(string dataDir, ILogger log) => new PointToPointPodNetwork();

    /// <summary>Fails with <see cref="InvalidOperationException"/> (a one-line reason) when runc, tini or a C compiler is missing.</summary>
    public static ProcessRuntime Create(string dataDir, ILogger log)
        => new(new ProcessRuntimeOptions { StateDir = Path.Combine(dataDir, "node"), Network = CreatePodNetwork(dataDir, log) }, log);
}
