namespace Berth.Kubelet.Streaming;

/// <summary>
/// A runtime whose pods' ports are not reached at the pod IP (the simulated runtime has no pod network): where
/// port-forward connects instead. Runtimes without it are reached at status.podIP.
/// </summary>
public interface IPortForwardTarget
{
    (string Host, int Port) PortForwardTarget(string podUid, int port);
}
