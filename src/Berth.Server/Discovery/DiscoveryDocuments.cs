using System.Text.Json.Nodes;
using Berth.Api.Registry;

namespace Berth.Server.Discovery;

/// <summary>
/// The discovery documents kubectl reads before anything else (/api, /apis, /api/v1, /apis/{g}/{v}, the aggregated
/// APIGroupDiscoveryList and /version), built once from the registry and kept as UTF-8 JSON bytes.
/// </summary>
public sealed class DiscoveryDocuments
{
    public const string GitVersion = "v1.32.0-berth";

    private readonly Dictionary<string, CachedDocument> _resourceLists = new(StringComparer.Ordinal);

    public DiscoveryDocuments(ResourceRegistry registry, string serverAddress)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(serverAddress);

        var groupVersions = GroupVersionsOf(registry);

        CoreVersions = new CachedDocument(DocumentHash.ToUtf8(BuildApiVersions(groupVersions, serverAddress)));
        GroupList = new CachedDocument(DocumentHash.ToUtf8(BuildGroupList(groupVersions)));
        foreach (var (group, versions) in groupVersions)
            foreach (var (version, types) in versions)
            {
                var gv = group.Length == 0 ? version : group + "/" + version;
                _resourceLists[gv] = new CachedDocument(DocumentHash.ToUtf8(BuildResourceList(gv, types)));
            }

        AggregatedCoreV2 = new CachedDocument(DocumentHash.ToUtf8(BuildAggregated(groupVersions, core: true, "apidiscovery.k8s.io/v2")));
        AggregatedGroupsV2 = new CachedDocument(DocumentHash.ToUtf8(BuildAggregated(groupVersions, core: false, "apidiscovery.k8s.io/v2")));
        AggregatedCoreV2Beta1 = new CachedDocument(DocumentHash.ToUtf8(BuildAggregated(groupVersions, core: true, "apidiscovery.k8s.io/v2beta1")));
        AggregatedGroupsV2Beta1 = new CachedDocument(DocumentHash.ToUtf8(BuildAggregated(groupVersions, core: false, "apidiscovery.k8s.io/v2beta1")));
        Version = new CachedDocument(DocumentHash.ToUtf8(BuildVersion()));
    }

    /// <summary>GET /api (APIVersions).</summary>
    public CachedDocument CoreVersions { get; }
    /// <summary>GET /apis (APIGroupList).</summary>
    public CachedDocument GroupList { get; }
    public CachedDocument AggregatedCoreV2 { get; }
    public CachedDocument AggregatedGroupsV2 { get; }
    public CachedDocument AggregatedCoreV2Beta1 { get; }
    public CachedDocument AggregatedGroupsV2Beta1 { get; }
    /// <summary>GET /version.</summary>
    public CachedDocument Version { get; }

    /// <summary>The group versions served, "v1" for core, "apps/v1" otherwise.</summary>
    public IReadOnlyCollection<string> GroupVersions => _resourceLists.Keys;

    public byte[] ApiVersionsJson() => CoreVersions.Json;
    public byte[] ApiGroupListJson() => GroupList.Json;
    public byte[] VersionJson() => Version.Json;

    /// <summary>GET /api/v1 (group "") or /apis/{group}/{version}: the APIResourceList, or null when not served.</summary>
    public byte[]? ResourceListJson(string group, string version) => ResourceList(group, version)?.Json;

    public CachedDocument? ResourceList(string group, string version)
        => _resourceLists.TryGetValue(group.Length == 0 ? version : group + "/" + version, out var d) ? d : null;

    /// <summary>The aggregated discovery document for /api (<paramref name="core"/>) or /apis.</summary>
    public CachedDocument Aggregated(bool core, DiscoveryFormat format) => format switch
    {
        DiscoveryFormat.AggregatedV2 => core ? AggregatedCoreV2 : AggregatedGroupsV2,
        DiscoveryFormat.AggregatedV2Beta1 => core ? AggregatedCoreV2Beta1 : AggregatedGroupsV2Beta1,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not an aggregated format"),
    };

    /// <summary>
    /// What to answer GET /api (<paramref name="core"/>) or GET /apis with, given the request's Accept header:
    /// the aggregated list or the legacy document, and the Content-Type to send. Null when nothing acceptable
    /// can be produced (answer 406).
    /// </summary>
    public DiscoveryResponse? Negotiate(bool core, string? accept)
    {
        var format = DiscoveryNegotiation.Choose(accept);
        return format switch
        {
            DiscoveryFormat.Legacy => new DiscoveryResponse(core ? CoreVersions : GroupList, DiscoveryNegotiation.ContentTypeJson, format),
            DiscoveryFormat.AggregatedV2 or DiscoveryFormat.AggregatedV2Beta1 =>
                new DiscoveryResponse(Aggregated(core, format), DiscoveryNegotiation.ContentTypeFor(format), format),
            _ => null,
        };
    }

    // ---- building ----

    /// <summary>group → version → resource types, in registry order ("" first when present).</summary>
    private static List<(string Group, List<(string Version, List<ResourceType> Types)> Versions)> GroupVersionsOf(ResourceRegistry registry)
    {
        var result = new List<(string, List<(string, List<ResourceType>)>)>();
        foreach (var t in registry.All)
        {
            var gi = result.FindIndex(g => g.Item1 == t.Group);
            if (gi < 0) { result.Add((t.Group, new())); gi = result.Count - 1; }
            var versions = result[gi].Item2;
            var vi = versions.FindIndex(v => v.Item1 == t.Version);
            if (vi < 0) { versions.Add((t.Version, new())); vi = versions.Count - 1; }
            versions[vi].Item2.Add(t);
        }
        foreach (var g in VirtualResources.Groups)
            if (result.FindIndex(x => x.Item1 == g) < 0) result.Add((g, [(VirtualResources.Version, new())]));
        // Core first, as kube-apiserver lists it; the rest keep registry order.
        result.Sort((a, b) => (a.Item1.Length == 0 ? 0 : 1).CompareTo(b.Item1.Length == 0 ? 0 : 1));
        return result;
    }

    private static JsonObject BuildApiVersions(List<(string Group, List<(string Version, List<ResourceType> Types)> Versions)> gvs, string serverAddress)
    {
        var versions = new JsonArray();
        foreach (var (group, vs) in gvs)
            if (group.Length == 0)
                foreach (var (v, _) in vs) versions.Add(v);
        return new JsonObject
        {
            ["kind"] = "APIVersions",
            ["versions"] = versions,
            ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject
            {
                ["clientCIDR"] = "0.0.0.0/0",
                ["serverAddress"] = serverAddress,
            }),
        };
    }

    private static JsonObject BuildGroupList(List<(string Group, List<(string Version, List<ResourceType> Types)> Versions)> gvs)
    {
        var groups = new JsonArray();
        foreach (var (group, vs) in gvs)
        {
            if (group.Length == 0) continue;
            var versions = new JsonArray();
            foreach (var (v, _) in vs)
                versions.Add(new JsonObject { ["groupVersion"] = group + "/" + v, ["version"] = v });
            var preferred = vs[0].Version;
            groups.Add(new JsonObject
            {
                ["name"] = group,
                ["versions"] = versions,
                ["preferredVersion"] = new JsonObject { ["groupVersion"] = group + "/" + preferred, ["version"] = preferred },
            });
        }
        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    internal static readonly string[] SubresourceVerbs = ["get", "patch", "update"];

    private static JsonArray Strings(IEnumerable<string> values)
    {
        var a = new JsonArray();
        foreach (var v in values) a.Add(v);
        return a;
    }

    private static JsonObject BuildResourceList(string groupVersion, List<ResourceType> types)
    {
        var resources = new List<(string Name, JsonObject Node)>();
        var slash = groupVersion.IndexOf('/');
        foreach (var (resource, kind, namespaced) in VirtualResources.In(slash < 0 ? "" : groupVersion[..slash], groupVersion[(slash + 1)..]))
            resources.Add((resource, VirtualResources.LegacyEntry(resource, kind, namespaced)));
        foreach (var t in types)
        {
            var r = new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = Strings(ResourceType.AllVerbs.Order(StringComparer.Ordinal)),
            };
            if (t.ShortNames.Length > 0) r["shortNames"] = Strings(t.ShortNames);
            if (t.Categories.Length > 0) r["categories"] = Strings(t.Categories);
            r["storageVersionHash"] = DocumentHash.StorageVersionHash(t.Group, t.Version, t.Kind);
            resources.Add((t.Plural, r));

            if (t.HasScale)
                resources.Add((t.Plural + "/scale", new JsonObject
                {
                    ["name"] = t.Plural + "/scale",
                    ["singularName"] = "",
                    ["namespaced"] = t.Namespaced,
                    ["group"] = "autoscaling",
                    ["version"] = "v1",
                    ["kind"] = "Scale",
                    ["verbs"] = Strings(SubresourceVerbs),
                }));
            if (t.Group.Length == 0 && t.Plural == "pods")
                foreach (var (sub, kind, verbs) in Http.ApiHandler.PodSubresources)
                    resources.Add((t.Plural + "/" + sub, new JsonObject
                    {
                        ["name"] = t.Plural + "/" + sub,
                        ["singularName"] = "",
                        ["namespaced"] = true,
                        ["kind"] = kind,
                        ["verbs"] = Strings(verbs),
                    }));
            if (VirtualResources.HasToken(t)) resources.Add((t.Plural + "/token", VirtualResources.TokenLegacyEntry()));
            if (t.HasStatus)
                resources.Add((t.Plural + "/status", new JsonObject
                {
                    ["name"] = t.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = t.Namespaced,
                    ["kind"] = t.Kind,
                    ["verbs"] = Strings(SubresourceVerbs),
                }));
        }
        var arr = new JsonArray();
        foreach (var (_, node) in resources.OrderBy(r => r.Name, StringComparer.Ordinal)) arr.Add(node);
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = groupVersion,
            ["resources"] = arr,
        };
    }

    private static JsonObject BuildAggregated(List<(string Group, List<(string Version, List<ResourceType> Types)> Versions)> gvs, bool core, string apiVersion)
    {
        var items = new JsonArray();
        foreach (var (group, vs) in gvs)
        {
            if ((group.Length == 0) != core) continue;
            var versions = new JsonArray();
            foreach (var (v, types) in vs)
            {
                var entries = new List<(string Name, JsonObject Node)>();
                foreach (var t in types) entries.Add((t.Plural, AggregatedResource(t)));
                foreach (var (resource, kind, namespaced) in VirtualResources.In(group, v))
                    entries.Add((resource, VirtualResources.AggregatedEntry(resource, kind, namespaced)));
                var resources = new JsonArray();
                foreach (var (_, node) in entries.OrderBy(e => e.Name, StringComparer.Ordinal)) resources.Add(node);
                versions.Add(new JsonObject { ["version"] = v, ["resources"] = resources, ["freshness"] = "Current" });
            }
            var meta = new JsonObject();
            if (group.Length > 0) meta["name"] = group;
            meta["creationTimestamp"] = null;
            items.Add(new JsonObject { ["metadata"] = meta, ["versions"] = versions });
        }
        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = apiVersion,
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    private static JsonObject AggregatedResource(ResourceType t)
    {
        var r = new JsonObject
        {
            ["resource"] = t.Plural,
            // Like kube-apiserver: the group and version of the enclosing group version are left empty.
            ["responseKind"] = new JsonObject { ["group"] = "", ["version"] = "", ["kind"] = t.Kind },
            ["scope"] = t.Namespaced ? "Namespaced" : "Cluster",
            ["singularResource"] = t.Singular,
            ["verbs"] = Strings(ResourceType.AllVerbs.Order(StringComparer.Ordinal)),
        };
        if (t.ShortNames.Length > 0) r["shortNames"] = Strings(t.ShortNames);
        if (t.Categories.Length > 0) r["categories"] = Strings(t.Categories);
        var subs = new JsonArray();
        if (t.HasScale)
            subs.Add(new JsonObject
            {
                ["subresource"] = "scale",
                ["responseKind"] = new JsonObject { ["group"] = "autoscaling", ["version"] = "v1", ["kind"] = "Scale" },
                ["verbs"] = Strings(SubresourceVerbs),
            });
        if (t.Group.Length == 0 && t.Plural == "pods")
            foreach (var (sub, kind, verbs) in Http.ApiHandler.PodSubresources)
                subs.Add(new JsonObject
                {
                    ["subresource"] = sub,
                    ["responseKind"] = new JsonObject { ["group"] = "", ["version"] = "", ["kind"] = kind },
                    ["verbs"] = Strings(verbs),
                });
        if (VirtualResources.HasToken(t)) subs.Add(VirtualResources.TokenAggregatedEntry());
        if (t.HasStatus)
            subs.Add(new JsonObject
            {
                ["subresource"] = "status",
                ["responseKind"] = new JsonObject { ["group"] = "", ["version"] = "", ["kind"] = t.Kind },
                ["verbs"] = Strings(SubresourceVerbs),
            });
        if (subs.Count > 0) r["subresources"] = subs;
        return r;
    }

    private static JsonObject BuildVersion() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = GitVersion,
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2024-12-11T00:00:00Z",
        ["goVersion"] = "go1.23.3",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };
}

/// <summary>The chosen discovery document and the Content-Type header to answer with.</summary>
public sealed record DiscoveryResponse(CachedDocument Document, string ContentType, DiscoveryFormat Format);
