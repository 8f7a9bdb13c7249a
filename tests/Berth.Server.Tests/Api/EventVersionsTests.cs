using System.Text.Json.Nodes;

namespace Berth.Server.Tests.Api;

/// <summary>core/v1 and events.k8s.io/v1 Events are one collection in two shapes, converted field by field as upstream.</summary>
public sealed class EventVersionsTests : IAsyncLifetime
{
    private TestServer _t = null!;
    public async Task InitializeAsync() => _t = await TestServer.StartAsync();
    public async Task DisposeAsync() => await _t.DisposeAsync();

    private const string Core = "/api/v1/namespaces/default/events";
    private const string V1 = "/apis/events.k8s.io/v1/namespaces/default/events";

    [Fact]
    public async Task An_event_written_through_events_k8s_io_is_a_core_event_and_back()
    {
        var (code, created) = await _t.SendAsync(HttpMethod.Post, V1, """
            {"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e1"},
             "eventTime":"2026-11-22T08:00:00.123456Z","reportingController":"example.com/ctl","reportingInstance":"ctl-1",
             "action":"Binding","reason":"Bound","note":"claim bound","type":"Normal",
             "regarding":{"kind":"PersistentVolumeClaim","namespace":"default","name":"data","apiVersion":"v1"},
             "deprecatedCount":3}
            """);
        Assert.Equal(201, code);
        Assert.Equal("events.k8s.io/v1", created!["apiVersion"]!.ToString());
        Assert.Equal("claim bound", created["note"]!.ToString());

        var (_, core) = await _t.SendAsync(HttpMethod.Get, Core + "/e1");
        Assert.Equal("v1", core!["apiVersion"]!.ToString());
        Assert.Equal("claim bound", core["message"]!.ToString());
        Assert.Equal("data", core["involvedObject"]!["name"]!.ToString());
        Assert.Equal("example.com/ctl", core["reportingComponent"]!.ToString());
        Assert.Equal(3, (int)core["count"]!);
        Assert.Null(core["note"]);
        Assert.Equal(created["metadata"]!["resourceVersion"]!.ToString(), core["metadata"]!["resourceVersion"]!.ToString());

        // Field selectors of core Events work on both.
        var (_, list) = await _t.SendAsync(HttpMethod.Get, V1 + "?fieldSelector=involvedObject.name%3Ddata");
        var item = Assert.Single(list!["items"]!.AsArray());
        Assert.Equal("PersistentVolumeClaim", item!["regarding"]!["kind"]!.ToString());
        Assert.Equal("events.k8s.io/v1", list["apiVersion"]!.ToString());

        // A core update is seen through events.k8s.io; a delete through either removes it from both.
        core["message"] = "claim bound again";
        Assert.Equal(200, (await _t.SendAsync(HttpMethod.Put, Core + "/e1", core.ToJsonString())).Code);
        var (_, again) = await _t.SendAsync(HttpMethod.Get, V1 + "/e1");
        Assert.Equal("claim bound again", again!["note"]!.ToString());
        Assert.Equal(200, (await _t.SendAsync(HttpMethod.Delete, V1 + "/e1")).Code);
        Assert.Equal(404, (await _t.SendAsync(HttpMethod.Get, Core + "/e1")).Code);
    }

    [Fact]
    public async Task A_core_event_has_one_name_in_both_apis_and_is_patched_in_the_other_shape()
    {
        Assert.Equal(201, (await _t.SendAsync(HttpMethod.Post, Core, """
            {"metadata":{"name":"e2"},"involvedObject":{"kind":"Pod","namespace":"default","name":"web-0"},
             "reason":"Scheduled","message":"assigned","type":"Normal","source":{"component":"default-scheduler"}}
            """)).Code);
        var (code, dup) = await _t.SendAsync(HttpMethod.Post, V1, """
            {"metadata":{"name":"e2"},"eventTime":"2026-11-22T08:00:00.000000Z","reportingController":"x","reportingInstance":"y",
             "action":"A","reason":"R","type":"Normal","regarding":{"kind":"Pod","name":"web-0","namespace":"default"}}
            """);
        Assert.Equal(409, code);
        Assert.Equal("AlreadyExists", dup!["reason"]!.ToString());

        var (pc, patched) = await _t.SendAsync(HttpMethod.Patch, V1 + "/e2", """{"note":"assigned to vm"}""", "application/merge-patch+json");
        Assert.Equal(200, pc);
        Assert.Equal("default-scheduler", patched!["deprecatedSource"]!["component"]!.ToString());
        var (_, core) = await _t.SendAsync(HttpMethod.Get, Core + "/e2");
        Assert.Equal("assigned to vm", core!["message"]!.ToString());
    }
}
