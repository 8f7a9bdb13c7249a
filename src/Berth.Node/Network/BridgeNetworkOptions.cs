namespace Berth.Kubelet.Network;

public sealed record BridgeNetworkOptions
{
    /// <summary>Where the IPAM keeps one file per allocated address (e.g. DATA/network/ips).</summary>
    public required string StateDir { get; init; }
    /// <summary>The node's pod bridge (Linux interface names are at most 15 characters).</summary>
    public string BridgeName { get; init; } = "berth0";
    /// <summary>The pod network; the bridge takes the first address, pods the rest.</summary>
    public string PodCidr { get; init; } = "10.88.0.0/16";
    /// <summary>Network namespaces are /run/netns/PREFIX + 12 hex digits derived from the pod UID.</summary>
    public string NetnsPrefix { get; init; } = "berth-";
    public string ClusterDomain { get; init; } = "cluster.local";
}
