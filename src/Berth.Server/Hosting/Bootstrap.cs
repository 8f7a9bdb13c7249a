using Berth.Api.Core;
using Berth.Server.Http;
using Berth.Server.Storage;

namespace Berth.Server.Hosting;

/// <summary>Objects every cluster starts with: the system namespaces.</summary>
public static class Bootstrap
{
    public static readonly string[] Namespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    public static async Task EnsureAsync(ResourceStore store, CancellationToken ct)
    {
        var nsType = store.Registry.ByKind("", "v1", "Namespace")!;
        foreach (var name in Namespaces)
        {
            if (await store.TryGetAsync<Namespace>(nsType, null, name, ct) is not null) continue;
            try { await store.CreateAsync(nsType, null, new Namespace { Metadata = new() { Name = name } }, false, ct); }
            catch (ApiException e) when (e.Code == 409) { }
        }
    }
}
