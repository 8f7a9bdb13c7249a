using System.Text.Json.Nodes;

namespace Berth.Server.Tests.Api;

/// <summary>pods/NAME/binding, as kube-apiserver's BindingREST: one write of spec.nodeName, the annotations and PodScheduled.</summary>
public sealed class PodBindingTests : IAsyncLifetime
{
    private TestServer _t = null!;
    public async Task InitializeAsync() => _t = await TestServer.StartAsync();
    public async Task DisposeAsync() => await _t.DisposeAsync();

    private const string Pods = "/api/v1/namespaces/default/pods";

    // Another scheduler's pod: the built-in scheduler leaves it alone, so only these requests bind it.
    private async Task<JsonNode> CreatePodAsync(string name)
    {
        var (code, pod) = await _t.SendAsync(HttpMethod.Post, Pods,
            "{\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"schedulerName\":\"elsewhere\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
        Assert.Equal(201, code);
        return pod!;
    }

    private static string Binding(string name, string node, string? uid = null) => new JsonObject
    {
        ["apiVersion"] = "v1", ["kind"] = "Binding",
        ["metadata"] = new JsonObject { ["name"] = name, ["uid"] = uid, ["annotations"] = new JsonObject { ["example.com/why"] = "test" } },
        ["target"] = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Node", ["name"] = node },
    }.ToJsonString();

    [Fact]
    public async Task A_binding_assigns_the_pod_marks_it_scheduled_and_adds_its_annotations_in_one_write()
    {
        var pod = await CreatePodAsync("p1");
        long before = long.Parse(pod["metadata"]!["resourceVersion"]!.ToString());

        var (code, status) = await _t.SendAsync(HttpMethod.Post, Pods + "/p1/binding", Binding("p1", "n1", pod["metadata"]!["uid"]!.ToString()));
        Assert.Equal(201, code);
        Assert.Equal("Success", status!["status"]!.ToString());
        Assert.Equal(201, (int)status["code"]!);

        var (_, bound) = await _t.SendAsync(HttpMethod.Get, Pods + "/p1");
        Assert.Equal("n1", bound!["spec"]!["nodeName"]!.ToString());
        Assert.Equal("test", bound["metadata"]!["annotations"]!["example.com/why"]!.ToString());
        var scheduled = bound["status"]!["conditions"]!.AsArray().Single(c => c!["type"]!.ToString() == "PodScheduled");
        Assert.Equal("True", scheduled!["status"]!.ToString());

        // One write: the history between the two versions holds a single change of p1.
        var rv = long.Parse(bound["metadata"]!["resourceVersion"]!.ToString());
        Assert.True(rv > before);
        using var http = TestServer.Client(_t.Server, _t.Server.AdminToken);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var lines = new List<string>();
        try
        {
            using var resp = await http.GetAsync(Pods + $"?watch=1&fieldSelector=metadata.name%3Dp1&resourceVersion={before}&timeoutSeconds=1",
                HttpCompletionOption.ResponseHeadersRead, cts.Token);
            using var reader = new StreamReader(await resp.Content.ReadAsStreamAsync(cts.Token));
            while (await reader.ReadLineAsync(cts.Token) is { } line) lines.Add(line);
        }
        catch (OperationCanceledException) { }
        var modified = lines.Where(l => l.Contains("\"MODIFIED\"")).ToList();
        Assert.Single(modified);
    }

    [Fact]
    public async Task A_pod_bound_once_cannot_be_bound_again()
    {
        await CreatePodAsync("p2");
        Assert.Equal(201, (await _t.SendAsync(HttpMethod.Post, Pods + "/p2/binding", Binding("p2", "n1"))).Code);
        var (code, status) = await _t.SendAsync(HttpMethod.Post, Pods + "/p2/binding", Binding("p2", "n2"));
        Assert.Equal(409, code);
        Assert.Equal("Operation cannot be fulfilled on pods/binding \"p2\": pod p2 is already assigned to node \"n1\"", status!["message"]!.ToString());
        var (_, pod) = await _t.SendAsync(HttpMethod.Get, Pods + "/p2");
        Assert.Equal("n1", pod!["spec"]!["nodeName"]!.ToString());
    }

    [Fact]
    public async Task Bad_bindings_are_refused_with_upstreams_errors_and_change_nothing()
    {
        var pod = await CreatePodAsync("p3");
        var (code, s) = await _t.SendAsync(HttpMethod.Post, Pods + "/p3/binding", Binding("other", "n1"));
        Assert.Equal(400, code);
        Assert.Equal("name in URL does not match name in Binding object", s!["message"]!.ToString());

        (code, s) = await _t.SendAsync(HttpMethod.Post, Pods + "/p3/binding", """{"metadata":{"name":"p3"},"target":{"kind":"Pod"}}""");
        Assert.Equal(422, code);
        Assert.Equal("Binding \"p3\" is invalid: [target.kind: Unsupported value: \"Pod\": supported values: \"Node\", \"<empty>\", target.name: Required value]",
            s!["message"]!.ToString());

        (code, s) = await _t.SendAsync(HttpMethod.Post, Pods + "/p3/binding", Binding("p3", "n1", uid: "not-the-uid"));
        Assert.Equal(409, code);
        Assert.Contains("Precondition failed: UID in precondition: not-the-uid", s!["message"]!.ToString());

        (code, _) = await _t.SendAsync(HttpMethod.Post, Pods + "/nope/binding", Binding("nope", "n1"));
        Assert.Equal(404, code);

        var (_, after) = await _t.SendAsync(HttpMethod.Get, Pods + "/p3");
        Assert.Null(after!["spec"]!["nodeName"]);
        Assert.Equal(pod["metadata"]!["resourceVersion"]!.ToString(), after["metadata"]!["resourceVersion"]!.ToString());
    }

    [Fact]
    public async Task Discovery_lists_pods_binding_for_create()
    {
        var (_, doc) = await _t.SendAsync(HttpMethod.Get, "/api/v1");
        var binding = doc!["resources"]!.AsArray().Single(r => r!["name"]!.ToString() == "pods/binding");
        Assert.Equal("Binding", binding!["kind"]!.ToString());
        Assert.Equal("create", Assert.Single(binding["verbs"]!.AsArray())!.ToString());
    }
}
