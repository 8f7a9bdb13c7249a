using System.Text.Json.Nodes;
using Berth.Server.Discovery;

namespace Berth.Server.Tests.Discovery;

public class DiscoveryDocumentsTests
{
    private static readonly DiscoveryDocuments Docs = new(SampleRegistry.Create(), "10.0.0.1:6443");

    private static JsonObject Parse(byte[] b) => JsonNode.Parse(b)!.AsObject();

    private static JsonObject Resource(JsonObject list, string name)
        => list["resources"]!.AsArray().Single(r => (string?)r!["name"] == name)!.AsObject();

    [Fact]
    public void ApiVersions_ListsV1AndServerAddress()
    {
        var doc = Parse(Docs.ApiVersionsJson());
        Assert.Equal("APIVersions", (string?)doc["kind"]);
        Assert.Equal(["v1"], doc["versions"]!.AsArray().Select(v => (string?)v));
        var cidr = doc["serverAddressByClientCIDRs"]![0]!;
        Assert.Equal("0.0.0.0/0", (string?)cidr["clientCIDR"]);
        Assert.Equal("10.0.0.1:6443", (string?)cidr["serverAddress"]);
    }

    [Fact]
    public void ApiGroupList_HasNonCoreGroupsWithPreferredVersion()
    {
        var doc = Parse(Docs.ApiGroupListJson());
        Assert.Equal("APIGroupList", (string?)doc["kind"]);
        var groups = doc["groups"]!.AsArray();
        // apps from the registry; authentication.k8s.io and authorization.k8s.io are always served (their reviews are not stored).
        Assert.Equal(["apps", "authentication.k8s.io", "authorization.k8s.io"], groups.Select(g => (string?)g!["name"]));
        var apps = groups[0]!;
        Assert.Equal("apps/v1", (string?)apps["versions"]![0]!["groupVersion"]);
        Assert.Equal("apps/v1", (string?)apps["preferredVersion"]!["groupVersion"]);
        Assert.Equal("v1", (string?)apps["preferredVersion"]!["version"]);
    }

    [Fact]
    public void ResourceList_HasNamesShortNamesCategoriesAndSubresources()
    {
        var doc = Parse(Docs.ResourceListJson("apps", "v1")!);
        Assert.Equal("APIResourceList", (string?)doc["kind"]);
        Assert.Equal("apps/v1", (string?)doc["groupVersion"]);

        var widgets = Resource(doc, "widgets");
        Assert.Equal("widget", (string?)widgets["singularName"]);
        Assert.True((bool)widgets["namespaced"]!);
        Assert.Equal("Widget", (string?)widgets["kind"]);
        Assert.Equal(["wg"], widgets["shortNames"]!.AsArray().Select(v => (string?)v));
        Assert.Equal(["all"], widgets["categories"]!.AsArray().Select(v => (string?)v));
        Assert.Contains("patch", widgets["verbs"]!.AsArray().Select(v => (string?)v));
        Assert.Contains("watch", widgets["verbs"]!.AsArray().Select(v => (string?)v));
        var hash = (string)widgets["storageVersionHash"]!;
        Assert.Equal(8, Convert.FromBase64String(hash).Length);

        var scale = Resource(doc, "widgets/scale");
        Assert.Equal("autoscaling", (string?)scale["group"]);
        Assert.Equal("v1", (string?)scale["version"]);
        Assert.Equal("Scale", (string?)scale["kind"]);
        Assert.Equal(["get", "patch", "update"], scale["verbs"]!.AsArray().Select(v => (string?)v));

        var status = Resource(doc, "widgets/status");
        Assert.Equal("Widget", (string?)status["kind"]);
        Assert.Null(status["group"]);
    }

    [Fact]
    public void ResourceList_Core_IsClusterScopedAndUnknownGroupIsNull()
    {
        var doc = Parse(Docs.ResourceListJson("", "v1")!);
        Assert.Equal("v1", (string?)doc["groupVersion"]);
        Assert.False((bool)Resource(doc, "gadgets")["namespaced"]!);
        Assert.NotNull(Resource(doc, "gadgets/status"));
        Assert.DoesNotContain(doc["resources"]!.AsArray(), r => (string?)r!["name"] == "gadgets/scale");
        Assert.Null(Docs.ResourceListJson("batch", "v1"));
        Assert.Null(Docs.ResourceListJson("apps", "v2"));
    }

    [Fact]
    public void StorageVersionHash_IsStableAndDistinct()
    {
        Assert.Equal(DocumentHash.StorageVersionHash("apps", "v1", "Widget"), DocumentHash.StorageVersionHash("apps", "v1", "Widget"));
        Assert.NotEqual(DocumentHash.StorageVersionHash("apps", "v1", "Widget"), DocumentHash.StorageVersionHash("", "v1", "Widget"));
    }

    [Fact]
    public void Aggregated_Apis_V2_HasGroupsVersionsResourcesAndSubresources()
    {
        var doc = Parse(Docs.Aggregated(core: false, DiscoveryFormat.AggregatedV2).Json);
        Assert.Equal("APIGroupDiscoveryList", (string?)doc["kind"]);
        Assert.Equal("apidiscovery.k8s.io/v2", (string?)doc["apiVersion"]);
        var group = doc["items"]!.AsArray()[0]!;
        Assert.Equal("apps", (string?)group["metadata"]!["name"]);
        Assert.Equal(3, doc["items"]!.AsArray().Count); // with authentication.k8s.io and authorization.k8s.io
        var version = Assert.Single(group["versions"]!.AsArray())!;
        Assert.Equal("v1", (string?)version["version"]);
        Assert.Equal("Current", (string?)version["freshness"]);
        var widgets = Assert.Single(version["resources"]!.AsArray())!;
        Assert.Equal("widgets", (string?)widgets["resource"]);
        Assert.Equal("widget", (string?)widgets["singularResource"]);
        Assert.Equal("Namespaced", (string?)widgets["scope"]);
        Assert.Equal("Widget", (string?)widgets["responseKind"]!["kind"]);
        Assert.Equal(["wg"], widgets["shortNames"]!.AsArray().Select(v => (string?)v));
        Assert.Equal(["all"], widgets["categories"]!.AsArray().Select(v => (string?)v));
        var subs = widgets["subresources"]!.AsArray();
        var scale = subs.Single(s => (string?)s!["subresource"] == "scale")!;
        Assert.Equal("autoscaling", (string?)scale["responseKind"]!["group"]);
        Assert.Equal("v1", (string?)scale["responseKind"]!["version"]);
        Assert.Equal("Scale", (string?)scale["responseKind"]!["kind"]);
        Assert.Equal(["get", "patch", "update"], scale["verbs"]!.AsArray().Select(v => (string?)v));
        var status = subs.Single(s => (string?)s!["subresource"] == "status")!;
        Assert.Equal("Widget", (string?)status["responseKind"]!["kind"]);
    }

    [Fact]
    public void Aggregated_Api_Core_HasUnnamedGroupAndClusterScope()
    {
        var doc = Parse(Docs.Aggregated(core: true, DiscoveryFormat.AggregatedV2).Json);
        var group = Assert.Single(doc["items"]!.AsArray())!;
        Assert.Null(group["metadata"]!["name"]);
        var gadgets = Assert.Single(group["versions"]![0]!["resources"]!.AsArray())!;
        Assert.Equal("gadgets", (string?)gadgets["resource"]);
        Assert.Equal("Cluster", (string?)gadgets["scope"]);
        Assert.Equal(["gd"], gadgets["shortNames"]!.AsArray().Select(v => (string?)v));
        Assert.Null(gadgets["categories"]);
    }

    [Fact]
    public void Aggregated_V2Beta1_SameShapeOtherApiVersion()
    {
        var v2 = Parse(Docs.Aggregated(core: false, DiscoveryFormat.AggregatedV2).Json);
        var beta = Parse(Docs.Aggregated(core: false, DiscoveryFormat.AggregatedV2Beta1).Json);
        Assert.Equal("apidiscovery.k8s.io/v2beta1", (string?)beta["apiVersion"]);
        Assert.True(JsonNode.DeepEquals(v2["items"], beta["items"]));
    }

    [Fact]
    public void Version_ReportsMinor32()
    {
        var doc = Parse(Docs.VersionJson());
        Assert.Equal("1", (string?)doc["major"]);
        Assert.Equal("32", (string?)doc["minor"]);
        Assert.Equal("v1.32.0-berth", (string?)doc["gitVersion"]);
        Assert.Equal("linux/amd64", (string?)doc["platform"]);
        Assert.Equal("clean", (string?)doc["gitTreeState"]);
    }

    [Fact]
    public void Documents_AreStableAcrossBuilds()
    {
        var other = new DiscoveryDocuments(SampleRegistry.Create(), "10.0.0.1:6443");
        Assert.Equal(Docs.AggregatedGroupsV2.Json, other.AggregatedGroupsV2.Json);
        Assert.Equal(Docs.AggregatedGroupsV2.Hash, other.AggregatedGroupsV2.Hash);
        Assert.Equal("\"" + Docs.GroupList.Hash + "\"", Docs.GroupList.ETag);
        Assert.NotEqual(Docs.GroupList.Hash, Docs.CoreVersions.Hash);
    }
}

public class DiscoveryNegotiationTests
{
    private const string Kubectl132 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

    [Theory]
    [InlineData(Kubectl132, DiscoveryFormat.AggregatedV2)]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json", DiscoveryFormat.AggregatedV2Beta1)]
    [InlineData("application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json", DiscoveryFormat.AggregatedV2)]
    [InlineData("application/json", DiscoveryFormat.Legacy)]
    [InlineData("*/*", DiscoveryFormat.Legacy)]
    [InlineData(null, DiscoveryFormat.Legacy)]
    [InlineData("", DiscoveryFormat.Legacy)]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0.5,application/json;q=0.9", DiscoveryFormat.Legacy)]
    [InlineData("application/json; g=apidiscovery.k8s.io; v=v2; as=APIGroupDiscoveryList", DiscoveryFormat.AggregatedV2)]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList", DiscoveryFormat.NotAcceptable)]
    [InlineData("application/vnd.kubernetes.protobuf", DiscoveryFormat.NotAcceptable)]
    [InlineData("application/json;q=0", DiscoveryFormat.NotAcceptable)]
    public void Choose(string? accept, DiscoveryFormat expected) => Assert.Equal(expected, DiscoveryNegotiation.Choose(accept));

    [Fact]
    public void Negotiate_ReturnsDocumentAndContentType()
    {
        var docs = new DiscoveryDocuments(SampleRegistry.Create(), "h:1");
        var agg = docs.Negotiate(core: false, Kubectl132)!;
        Assert.Equal("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", agg.ContentType);
        Assert.Same(docs.AggregatedGroupsV2, agg.Document);

        var beta = docs.Negotiate(core: true, "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList")!;
        Assert.Equal("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList", beta.ContentType);
        Assert.Same(docs.AggregatedCoreV2Beta1, beta.Document);

        var legacy = docs.Negotiate(core: true, "application/json, */*")!;
        Assert.Equal("application/json", legacy.ContentType);
        Assert.Same(docs.CoreVersions, legacy.Document);

        Assert.Null(docs.Negotiate(core: false, "application/vnd.kubernetes.protobuf"));
    }
}
