using System.Net;
using System.Text.Json.Nodes;

namespace Berth.Server.Tests.Api;

public sealed class ApiBehaviourTests : IAsyncLifetime
{
    private TestServer _t = null!;
    public async Task InitializeAsync() => _t = await TestServer.StartAsync();
    public async Task DisposeAsync() => await _t.DisposeAsync();

    private const string Pvc = """
        {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"NAME"},
         "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"SIZE"}},"storageClassName":""}}
        """;

    private static string PvcJson(string name, string size = "1Gi") => Pvc.Replace("NAME", name).Replace("SIZE", size);

    [Fact]
    public async Task Requests_without_a_token_get_401_and_a_wrong_token_too()
    {
        using var anon = TestServer.Client(_t.Server, null);
        var r = await anon.GetAsync("/api/v1/namespaces");
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        using var wrong = TestServer.Client(_t.Server, "not-the-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/v1/persistentvolumes")).StatusCode);
        // Health and version stay open, as on kube-apiserver.
        Assert.Equal("ok", await anon.GetStringAsync("/readyz"));
        Assert.Equal("32", JsonNode.Parse(await anon.GetStringAsync("/version"))!["minor"]!.ToString());
    }

    [Fact]
    public async Task The_kubernetes_service_points_at_this_server_and_follows_its_port_across_restarts()
    {
        var (code, svc) = await _t.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/services/kubernetes");
        Assert.Equal(200, code);
        Assert.Equal("10.96.0.1", svc!["spec"]!["clusterIP"]!.ToString());
        Assert.Equal(443, (int)svc["spec"]!["ports"]![0]!["port"]!);
        var port = new Uri(_t.Server.Url).Port;
        Assert.Equal(port, (int)svc["spec"]!["ports"]![0]!["targetPort"]!);
        var (_, ep) = await _t.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/endpoints/kubernetes");
        Assert.Equal("127.0.0.1", ep!["subsets"]![0]!["addresses"]![0]!["ip"]!.ToString());
        Assert.Equal(port, (int)ep["subsets"]![0]!["ports"]![0]!["port"]!);

        // Another start on the same data listens elsewhere: Service and Endpoints follow, and 10.96.0.1 is never handed out.
        var again = _t = await _t.RestartAsync(); // disposed by the class
        var port2 = new Uri(again.Server.Url).Port;
        Assert.NotEqual(port, port2);
        var (_, svc2) = await again.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/services/kubernetes");
        Assert.Equal(port2, (int)svc2!["spec"]!["ports"]![0]!["targetPort"]!);
        var (_, ep2) = await again.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/endpoints/kubernetes");
        Assert.Equal(port2, (int)ep2!["subsets"]![0]!["ports"]![0]!["port"]!);
        var (c, other) = await again.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/services",
            """{"metadata":{"name":"other"},"spec":{"ports":[{"port":80}]}}""");
        Assert.Equal(201, c);
        Assert.NotEqual("10.96.0.1", other!["spec"]!["clusterIP"]!.ToString());
    }

    [Fact]
    public async Task System_namespaces_exist()
    {
        var (code, body) = await _t.SendAsync(HttpMethod.Get, "/api/v1/namespaces");
        Assert.Equal(200, code);
        var names = body!["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.ToString()).ToList();
        Assert.Contains("default", names);
        Assert.Contains("kube-system", names);
    }

    [Fact]
    public async Task A_write_answers_with_what_it_stored_and_a_dry_run_with_what_it_would_have()
    {
        const string path = "/api/v1/namespaces/default/persistentvolumeclaims";
        var (code, created) = await _t.SendAsync(HttpMethod.Post, path, PvcJson("answered", "2Gi"));
        Assert.Equal(201, code);
        var (_, got) = await _t.SendAsync(HttpMethod.Get, path + "/answered");
        Assert.True(JsonNode.DeepEquals(got, created), $"create answered {created}\nGET reads {got}");

        var changed = created!.DeepClone();
        changed["metadata"]!["labels"] = new JsonObject { ["tier"] = "gold" };
        var (putCode, put) = await _t.SendAsync(HttpMethod.Put, path + "/answered", changed.ToJsonString());
        Assert.Equal(200, putCode);
        Assert.Equal("gold", put!["metadata"]!["labels"]!["tier"]!.ToString());
        (_, got) = await _t.SendAsync(HttpMethod.Get, path + "/answered");
        Assert.True(JsonNode.DeepEquals(got, put), $"update answered {put}\nGET reads {got}");

        // A dry-run update answers with the object it would write, though the stored one (same resourceVersion) is unchanged.
        var dry = put.DeepClone();
        dry["metadata"]!["labels"]!["tier"] = "silver";
        var (dryCode, dryPut) = await _t.SendAsync(HttpMethod.Put, path + "/answered?dryRun=All", dry.ToJsonString());
        Assert.Equal(200, dryCode);
        Assert.Equal("silver", dryPut!["metadata"]!["labels"]!["tier"]!.ToString());
        (_, got) = await _t.SendAsync(HttpMethod.Get, path + "/answered");
        Assert.True(JsonNode.DeepEquals(got, put), $"after a dry run GET reads {got}");

        // A dry-run create answers with the object and stores nothing.
        var (dryCreateCode, dryCreated) = await _t.SendAsync(HttpMethod.Post, path + "?dryRun=All", PvcJson("never", "3Gi"));
        Assert.Equal(201, dryCreateCode);
        Assert.Equal("3Gi", dryCreated!["spec"]!["resources"]!["requests"]!["storage"]!.ToString());
        Assert.Equal(404, (await _t.SendAsync(HttpMethod.Get, path + "/never")).Item1);
    }

    [Fact]
    public async Task Create_assigns_uid_version_timestamp_and_canonical_quantity()
    {
        var (code, body) = await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/persistentvolumeclaims", PvcJson("half", "0.5Gi"));
        Assert.Equal(201, code);
        Assert.False(string.IsNullOrEmpty(body!["metadata"]!["uid"]?.ToString()));
        Assert.True(long.Parse(body["metadata"]!["resourceVersion"]!.ToString()) > 0);
        Assert.NotNull(body["metadata"]!["creationTimestamp"]);
        var (_, got) = await _t.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/persistentvolumeclaims/half");
        Assert.Equal("512Mi", got!["spec"]!["resources"]!["requests"]!["storage"]!.ToString());
        Assert.Equal("Pending", got["status"]!["phase"]!.ToString());
        Assert.Contains("kubernetes.io/pvc-protection", got["metadata"]!["finalizers"]!.AsArray().Select(f => f!.ToString()));
    }

    [Fact]
    public async Task Duplicate_create_is_409_AlreadyExists()
    {
        Assert.Equal(201, (await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/persistentvolumeclaims", PvcJson("dup"))).Code);
        var (code, body) = await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/persistentvolumeclaims", PvcJson("dup"));
        Assert.Equal(409, code);
        Assert.Equal("AlreadyExists", body!["reason"]!.ToString());
        Assert.Equal("persistentvolumeclaims \"dup\" already exists", body["message"]!.ToString());
    }

    [Fact]
    public async Task Invalid_claim_is_422_with_causes_naming_the_field()
    {
        var bad = """{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"x"},"spec":{"resources":{"requests":{"storage":"-1Gi"}}}}""";
        var (code, body) = await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/persistentvolumeclaims", bad);
        Assert.Equal(422, code);
        Assert.Equal("Invalid", body!["reason"]!.ToString());
        var msg = body["message"]!.ToString();
        Assert.StartsWith("PersistentVolumeClaim \"x\" is invalid: ", msg);
        Assert.Contains("spec.accessModes: Required value: at least 1 access mode is required", msg);
        Assert.Contains("spec.resources[storage]: Invalid value: \"-1Gi\": must be greater than zero", msg);
        var fields = body["details"]!["causes"]!.AsArray().Select(c => c!["field"]!.ToString()).ToList();
        Assert.Contains("spec.accessModes", fields);
        // Nothing was stored.
        Assert.Equal(404, (await _t.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/persistentvolumeclaims/x")).Code);
    }

    [Theory]
    [InlineData("{not json", 400)]
    [InlineData("[1,2]", 400)]
    [InlineData("""{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"q"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"lots"}}}}""", 400)]
    [InlineData("""{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"Bad_Name"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}""", 422)]
    [InlineData("""{"apiVersion":"v2","kind":"PersistentVolumeClaim","metadata":{"name":"v"}}""", 400)]
    [InlineData("""{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":3}}""", 400)]
    public async Task Bad_input_gets_a_clear_4xx_never_500(string body, int expected)
    {
        var (code, status) = await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/persistentvolumeclaims", body);
        Assert.Equal(expected, code);
        Assert.Equal("Status", status!["kind"]!.ToString());
        Assert.False(string.IsNullOrWhiteSpace(status["message"]?.ToString()));
    }

    [Theory]
    [InlineData("true", "json: cannot unmarshal bool into Go value of type int32")]
    [InlineData("1.5", "json: cannot unmarshal number 1.5 into Go value of type int32")]
    [InlineData("{}", "json: cannot unmarshal object into Go value of type int32")]
    public async Task A_targetPort_that_is_neither_an_int_nor_a_string_is_a_400_decode_error(string targetPort, string problem)
    {
        var body = """{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad-target"},"spec":{"ports":[{"port":80,"targetPort":TARGET}]}}""".Replace("TARGET", targetPort);
        var (code, status) = await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/services", body);
        Assert.Equal(400, code);
        Assert.Equal("BadRequest", status!["reason"]!.ToString());
        Assert.Equal($"Service in version \"v1\" cannot be handled as a Service: {problem} (at spec.ports[0].targetPort)", status["message"]!.ToString());
        Assert.Equal(404, (await _t.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/services/bad-target")).Code);
    }

    [Fact]
    public async Task A_patch_that_makes_targetPort_a_bool_is_a_400_and_int_and_string_stay_apart()
    {
        var (c, created) = await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/services",
            """{"metadata":{"name":"target"},"spec":{"ports":[{"name":"a","port":80,"targetPort":8080},{"name":"b","port":81,"targetPort":"http"}]}}""");
        Assert.Equal(201, c);
        Assert.Equal(8080, (int)created!["spec"]!["ports"]![0]!["targetPort"]!);
        Assert.Equal("http", (string)created["spec"]!["ports"]![1]!["targetPort"]!);
        var (code, status) = await _t.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/services/target",
            """{"spec":{"ports":[{"name":"a","port":80,"targetPort":true}]}}""", "application/merge-patch+json");
        Assert.Equal(400, code);
        Assert.Contains("json: cannot unmarshal bool into Go value of type int32", status!["message"]!.ToString());
    }

    [Fact]
    public async Task Oversized_body_is_413()
    {
        var big = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"big\"},\"data\":{\"a\":\"" + new string('x', 4 * 1024 * 1024) + "\"}}";
        var (code, _) = await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", big);
        Assert.Equal(413, code);
    }

    [Fact]
    public async Task Missing_namespace_is_404_and_unknown_resource_is_404()
    {
        var (code, body) = await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/nope/persistentvolumeclaims", PvcJson("a"));
        Assert.Equal(404, code);
        Assert.Equal("namespaces \"nope\" not found", body!["message"]!.ToString());
        Assert.Equal(404, (await _t.SendAsync(HttpMethod.Get, "/api/v1/widgets")).Code);
        Assert.Equal(404, (await _t.SendAsync(HttpMethod.Get, "/apis/nothing.example.com/v1/things")).Code);
    }

    [Fact]
    public async Task Strict_field_validation_rejects_unknown_fields_and_warn_accepts_them()
    {
        var body = PvcJson("strict").Replace("\"storageClassName\":\"\"", "\"storageClassName\":\"\",\"bogus\":1");
        var (code, status) = await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/persistentvolumeclaims?fieldValidation=Strict", body);
        Assert.Equal(400, code);
        Assert.Equal("strict decoding error: unknown field \"spec.bogus\"", status!["message"]!.ToString());
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/v1/namespaces/default/persistentvolumeclaims?fieldValidation=Warn")
        { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        using var resp = await _t.Http.SendAsync(req);
        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        Assert.Contains(resp.Headers.GetValues("Warning"), w => w.Contains("unknown field") && w.Contains("spec.bogus"));
    }

    [Fact]
    public async Task Update_with_a_stale_resourceVersion_is_409_Conflict()
    {
        var (_, created) = await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", """{"metadata":{"name":"cm"},"data":{"a":"1"}}""");
        var rv = created!["metadata"]!["resourceVersion"]!.ToString();
        var first = created.DeepClone();
        first["data"]!["a"] = "2";
        Assert.Equal(200, (await _t.SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/configmaps/cm", first.ToJsonString())).Code);
        var stale = created.DeepClone();
        stale["data"]!["a"] = "3";
        var (code, status) = await _t.SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/configmaps/cm", stale.ToJsonString());
        Assert.Equal(409, code);
        Assert.Equal("Operation cannot be fulfilled on configmaps \"cm\": the object has been modified; please apply your changes to the latest version and try again", status!["message"]!.ToString());
        var (_, now) = await _t.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/cm");
        Assert.Equal("2", now!["data"]!["a"]!.ToString());
        Assert.NotEqual(rv, now["metadata"]!["resourceVersion"]!.ToString());
    }

    [Fact]
    public async Task A_no_op_update_keeps_the_resourceVersion()
    {
        var (_, created) = await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", """{"metadata":{"name":"same"},"data":{"a":"1"}}""");
        var (code, updated) = await _t.SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/configmaps/same", created!.ToJsonString());
        Assert.Equal(200, code);
        Assert.Equal(created["metadata"]!["resourceVersion"]!.ToString(), updated!["metadata"]!["resourceVersion"]!.ToString());
    }

    [Fact]
    public async Task Finalizers_hold_a_deleted_object_until_removed()
    {
        await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", """{"metadata":{"name":"held","finalizers":["example.com/hold"]}}""");
        var (code, body) = await _t.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/configmaps/held");
        Assert.Equal(200, code);
        Assert.NotNull(body!["metadata"]!["deletionTimestamp"]);
        Assert.Equal(200, (await _t.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/held")).Code);
        // New finalizers cannot be added while deleting.
        var (addCode, _) = await _t.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/held",
            """{"metadata":{"finalizers":["example.com/hold","example.com/more"]}}""", "application/merge-patch+json");
        Assert.Equal(422, addCode);
        var (pcode, _) = await _t.SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/held",
            """{"metadata":{"finalizers":null}}""", "application/merge-patch+json");
        Assert.Equal(200, pcode);
        Assert.Equal(404, (await _t.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/held")).Code);
    }

    [Fact]
    public async Task Delete_preconditions_are_checked()
    {
        await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", """{"metadata":{"name":"pre"}}""");
        var (code, status) = await _t.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/configmaps/pre", """{"preconditions":{"uid":"wrong"}}""");
        Assert.Equal(409, code);
        Assert.Contains("Precondition failed: UID in precondition: wrong", status!["message"]!.ToString());
        Assert.Equal(200, (await _t.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/configmaps/pre")).Code);
    }

    [Fact]
    public async Task List_pages_with_limit_and_continue_and_filters_by_label()
    {
        for (int i = 0; i < 7; i++)
            await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps",
                "{\"metadata\":{\"name\":\"page-" + i + "\",\"labels\":{\"parity\":\"" + (i % 2 == 0 ? "even" : "odd") + "\"}}}");
        var seen = new List<string>();
        string? cont = null;
        int pages = 0;
        do
        {
            var url = "/api/v1/namespaces/default/configmaps?limit=3" + (cont is null ? "" : "&continue=" + Uri.EscapeDataString(cont));
            var (_, page) = await _t.SendAsync(HttpMethod.Get, url);
            seen.AddRange(page!["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.ToString()));
            cont = page["metadata"]!["continue"]?.ToString();
            pages++;
        } while (cont is not null);
        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"page-{i}"), seen);

        var (_, odd) = await _t.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps?labelSelector=parity%20in%20(odd)");
        Assert.Equal(3, odd!["items"]!.AsArray().Count);
        var (bad, _) = await _t.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps?fieldSelector=spec.nothing%3Dx");
        Assert.Equal(400, bad);
    }

    [Fact]
    public async Task Watch_from_a_revision_replays_later_changes_in_order()
    {
        var (_, a) = await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", """{"metadata":{"name":"w1"}}""");
        var from = a!["metadata"]!["resourceVersion"]!.ToString();
        await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", """{"metadata":{"name":"w2"}}""");
        await _t.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/configmaps/w1");
        using var resp = await _t.Http.GetAsync($"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={from}&timeoutSeconds=1", HttpCompletionOption.ResponseHeadersRead);
        var lines = (await resp.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["ADDED w2", "DELETED w1"], lines.Select(l => l["type"] + " " + l["object"]!["metadata"]!["name"]).ToArray());
    }

    [Fact]
    public async Task Objects_survive_a_restart_with_the_same_data_dir()
    {
        await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", """{"metadata":{"name":"keep"},"data":{"k":"v"}}""");
        var (_, before) = await _t.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/keep");
        _t = await _t.RestartAsync();
        var (code, after) = await _t.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/keep");
        Assert.Equal(200, code);
        Assert.Equal("v", after!["data"]!["k"]!.ToString());
        Assert.Equal(before!["metadata"]!["uid"]!.ToString(), after["metadata"]!["uid"]!.ToString());
        Assert.Equal(before["metadata"]!["resourceVersion"]!.ToString(), after["metadata"]!["resourceVersion"]!.ToString());
    }
}
