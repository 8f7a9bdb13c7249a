using Berth.Api.Registry;
using Berth.Api.Strategies;

namespace Berth.Server.Hosting;

/// <summary>The resources this server serves: every built-in kind with its strategy.</summary>
public static class BuiltinRegistry
{
    public static ResourceRegistry Create()
    {
        var registry = new ResourceRegistry();
        foreach (var t in BuiltinResources.Types())
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
