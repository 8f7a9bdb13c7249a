using Berth.Api.Rbac;
using Berth.Client;
using Berth.Server.Client;
using Microsoft.Extensions.Logging;

namespace Berth.Server.Authorization;

/// <summary>
/// The RBAC objects as informers over the in-process client keep them: every request is authorized from memory, and a
/// change to a Role or binding takes effect as soon as its watch event arrives (milliseconds), as upstream.
/// </summary>
public sealed class InformerRbacPolicy : IRbacPolicy, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SharedInformer<ClusterRoleBinding> _clusterRoleBindings;
    private readonly SharedInformer<RoleBinding> _roleBindings;
    private readonly SharedInformer<ClusterRole> _clusterRoles;
    private readonly SharedInformer<Role> _roles;

    private InformerRbacPolicy(InformerFactory informers)
    {
        _clusterRoleBindings = informers.For<ClusterRoleBinding>();
        _roleBindings = informers.For<RoleBinding>();
        _clusterRoles = informers.For<ClusterRole>();
        _roles = informers.For<Role>();
    }

    /// <summary>Starts the informers and waits until they hold the store's current objects.</summary>
    public static async Task<InformerRbacPolicy> StartAsync(InProcessClient client, ILoggerFactory logs, CancellationToken ct)
    {
        var informers = new InformerFactory(client, logs);
        var policy = new InformerRbacPolicy(informers);
        await informers.StartAsync(policy._stop.Token);
        await informers.WaitForCacheSyncAsync(ct);
        return policy;
    }

    public IReadOnlyList<ClusterRoleBinding> ClusterRoleBindings() => _clusterRoleBindings.List();
    public IReadOnlyList<RoleBinding> RoleBindings(string ns) => _roleBindings.ByIndex(SharedInformer<RoleBinding>.NamespaceIndex, ns);
    public ClusterRole? ClusterRole(string name) => _clusterRoles.Get(null, name);
    public Role? Role(string ns, string name) => _roles.Get(ns, name);

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _stop.Dispose();
        return ValueTask.CompletedTask;
    }
}
