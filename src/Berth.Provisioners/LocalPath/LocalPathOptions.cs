using System.Net;

namespace Berth.Provisioners.LocalPath;

public sealed record LocalPathOptions
{
    public const string DefaultProvisionerName = "berth.io/local-path";

    /// <summary>The directory the claims' directories are made in (created when missing).</summary>
    public required string Root { get; init; }
    /// <summary>The node whose disk <see cref="Root"/> is on: Immediate classes' volumes get affinity to it, and
    /// WaitForFirstConsumer claims scheduled elsewhere cannot be served here. Default: the hostname, lower-cased, as the node agent names its node.</summary>
    public string NodeName { get; init; } = Dns.GetHostName().ToLowerInvariant();
}
