using Berth.Api.Registry;
using Berth.Api.Strategies;
using Berth.Api.Strategies.Workloads;
using Berth.Server.Storage;

namespace Berth.Server.Hosting;

/// <summary>The resources this server serves: every built-in kind with its strategy.</summary>
public static class BuiltinRegistry
{
    public static ResourceRegistry Create(ServiceAllocator allocator)
    {
        var services = new ServiceStrategy
        {
            ClusterIPAllocator = allocator.AllocateClusterIP,
            NodePortAllocator = allocator.AllocateNodePort,
        };
        var overrides = new Dictionary<string, IResourceStrategy> { ["v1/Service"] = services };
        var registry = new ResourceRegistry();
        foreach (var t in BuiltinResources.Types(overrides)) registry.Add(t);
        return registry;
    }
}
