namespace Berth.Provisioners.Framework;

public sealed record ProvisionControllerOptions
{
    /// <summary>The provisioner name classes name in their <c>provisioner</c> field, e.g. <c>berth.io/local-path</c>.</summary>
    public required string ProvisionerName { get; init; }
    /// <summary>This instance's identity (default "&lt;hostname&gt;_&lt;uuid&gt;", as the leader-election identity); events come
    /// from the component "&lt;provisioner&gt;_&lt;identity&gt;", as upstream's.</summary>
    public string Identity { get; init; } = Berth.Client.LeaderElector.DefaultIdentity();
    /// <summary>Concurrent syncs; provisioning waits on storage and on durable API writes, so a few are kept in flight.</summary>
    public int Workers { get; init; } = 8;

    /// <summary>The event source component: "&lt;provisioner&gt;_&lt;identity&gt;".</summary>
    public string Component => ProvisionerName + "_" + Identity;
}
