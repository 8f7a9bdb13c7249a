using System.Text.Json.Nodes;
using Berth.Server.Auth;

namespace Berth.Server.Discovery;

/// <summary>
/// Resources that are served but not stored, so the registry does not list them: the access and token reviews
/// (create only) and the serviceaccounts/token subresource. Discovery lists them as kube-apiserver does.
/// </summary>
internal static class VirtualResources
{
    public const string Version = "v1";
    public static readonly string[] Verbs = ["create"];

    /// <summary>Groups that hold only virtual resources, in the order kube-apiserver lists them.</summary>
    public static IEnumerable<string> Groups
    {
        get
        {
            var seen = new List<string>();
            foreach (var r in AuthEndpoints.Resources) if (!seen.Contains(r.Group)) seen.Add(r.Group);
            return seen;
        }
    }

    public static IEnumerable<(string Resource, string Kind, bool Namespaced)> In(string group, string version)
    {
        if (version != Version) yield break;
        foreach (var r in AuthEndpoints.Resources)
            if (r.Group == group) yield return (r.Resource, r.Kind, r.Namespaced);
    }

    /// <summary>serviceaccounts/token (TokenRequest in authentication.k8s.io/v1), for the core ServiceAccount resource.</summary>
    public static bool HasToken(Berth.Api.Registry.ResourceType t) => t.Group.Length == 0 && t.Plural == "serviceaccounts";

    public static JsonObject LegacyEntry(string resource, string kind, bool namespaced) => new()
    {
        ["name"] = resource, ["singularName"] = "", ["namespaced"] = namespaced, ["kind"] = kind, ["verbs"] = new JsonArray("create"),
    };

    public static JsonObject TokenLegacyEntry() => new()
    {
        ["name"] = "serviceaccounts/token", ["singularName"] = "", ["namespaced"] = true,
        ["group"] = "authentication.k8s.io", ["version"] = "v1", ["kind"] = "TokenRequest", ["verbs"] = new JsonArray("create"),
    };

    public static JsonObject AggregatedEntry(string resource, string kind, bool namespaced) => new()
    {
        ["resource"] = resource,
        ["responseKind"] = new JsonObject { ["group"] = "", ["version"] = "", ["kind"] = kind },
        ["scope"] = namespaced ? "Namespaced" : "Cluster",
        ["singularResource"] = kind.ToLowerInvariant(),
        ["verbs"] = new JsonArray("create"),
    };

    public static JsonObject TokenAggregatedEntry() => new()
    {
        ["subresource"] = "token",
        ["responseKind"] = new JsonObject { ["group"] = "authentication.k8s.io", ["version"] = "v1", ["kind"] = "TokenRequest" },
        ["verbs"] = new JsonArray("create"),
    };
}
