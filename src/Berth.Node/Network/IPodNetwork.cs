namespace Berth.Kubelet.Network;

/// <summary>
/// The CNI's role for the process runtime: gives each pod sandbox a network namespace with an address on the node's pod
/// bridge, and takes it away again. Implementations must be idempotent (setting up a pod that already has a namespace returns
/// the existing one; tearing down an unknown pod does nothing) and must survive a restart of the agent: a pod whose
/// namespace exists after a restart keeps its address.
/// </summary>
public interface IPodNetwork
{
    /// <summary>Creates (or finds) the pod's network namespace and address.</summary>
    Task<PodNetworkStatus> SetUpAsync(PodNetworkRequest request, CancellationToken ct);

    /// <summary>Removes the pod's namespace and releases its address.</summary>
    Task TearDownAsync(string podUid, CancellationToken ct);

    /// <summary>The resolver every pod uses (the cluster DNS server's address on the bridge), written into resolv.conf.</summary>
    string DnsServer { get; }

    /// <summary>The cluster domain, e.g. "cluster.local".</summary>
    string ClusterDomain { get; }
}

/// <summary>Which pod needs a network: its identity and the names that go into /etc/hosts.</summary>
public sealed record PodNetworkRequest(string Namespace, string Name, string Uid, string Hostname, string? Subdomain);

/// <summary>A pod's network: the namespace to join (e.g. /run/netns/berth-…) and its IPv4 address.</summary>
public sealed record PodNetworkStatus(string NetnsPath, string Ip);
