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
        foreach (var t in BuiltinResources.Types(overrides))
        {
            // events.k8s.io Events keep their own shape in their own keys until the server converts between the two.
            registry.Add(t.Group == "events.k8s.io"
                ? new ResourceType
                {
                    Group = t.Group, Version = t.Version, Kind = t.Kind, Plural = t.Plural, Singular = t.Singular,
                    Namespaced = t.Namespaced, ShortNames = [], Categories = t.Categories, HasStatus = t.HasStatus,
                    HasScale = t.HasScale, StorageResource = "events.k8s.io/events", Strategy = t.Strategy,
                }
                : t);
        }
        return registry;
    }
}
