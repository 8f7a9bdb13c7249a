using System.ComponentModel;
using System.Text.Json.Serialization;
using Berth.Api.Meta;

namespace Berth.Api.Coordination;

[Description("Lease defines a lease concept.")]
public sealed class Lease : KubeObject
{
    [Description("spec contains the specification of the Lease.")]
    [JsonPropertyOrder(1)]
    public LeaseSpec? Spec { get; set; }
}

public sealed class LeaseList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<Lease> Items { get; set; } = new();
}

[Description("LeaseSpec is a specification of a Lease.")]
public sealed class LeaseSpec : Extensible
{
    [Description("holderIdentity contains the identity of the holder of a current lease.")]
    public string? HolderIdentity { get; set; }
    [Description("leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it.")]
    public int? LeaseDurationSeconds { get; set; }
    [Description("acquireTime is a time when the current lease was acquired.")]
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? AcquireTime { get; set; }
    [Description("renewTime is a time when the current holder of a lease has last updated the lease.")]
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? RenewTime { get; set; }
    [Description("leaseTransitions is the number of transitions of a lease between holders.")]
    public int? LeaseTransitions { get; set; }
    [Description("Strategy indicates the strategy for picking the leader for coordinated leader election.")]
    public string? Strategy { get; set; }
    [Description("PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up.")]
    public string? PreferredHolder { get; set; }
}
