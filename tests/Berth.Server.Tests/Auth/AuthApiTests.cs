using System.Text.Json.Nodes;
using Berth.Server.Tests.Api;

namespace Berth.Server.Tests.Auth;

/// <summary>ServiceAccount tokens and RBAC through the real HTTPS API of an in-process server.</summary>
public sealed class AuthApiTests : IAsyncLifetime
{
    private TestServer _t = null!;

    public async Task InitializeAsync() => _t = await TestServer.StartAsync();
    public async Task DisposeAsync() => await _t.DisposeAsync();

    private async Task<string> TokenFor(string sa, string ns = "default")
    {
        var (code, body) = await _t.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/serviceaccounts/{sa}/token",
            """{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}}""");
        Assert.True(code == 201, body?.ToJsonString());
        return (string)body!["status"]!["token"]!;
    }

    private async Task<(int Code, JsonNode? Body)> As(string token, HttpMethod method, string path, string? body = null, string? impersonate = null)
    {
        using var http = TestServer.Client(_t.Server, token);
        using var req = new HttpRequestMessage(method, path);
        if (impersonate is not null) req.Headers.Add("Impersonate-User", impersonate);
        if (body is not null) req.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var resp = await http.SendAsync(req);
        var text = await resp.Content.ReadAsStringAsync();
        JsonNode? json = null;
        try { json = text.Length > 0 ? JsonNode.Parse(text) : null; } catch (System.Text.Json.JsonException) { }
        return ((int)resp.StatusCode, json);
    }

    private async Task Create(string path, string json)
    {
        var (code, body) = await _t.SendAsync(HttpMethod.Post, path, json);
        Assert.True(code == 201, body?.ToJsonString());
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("condition not met in 10 s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task A_service_account_token_is_denied_until_a_binding_allows_it()
    {
        await Create("/api/v1/namespaces/default/serviceaccounts", """{"metadata":{"name":"x"}}""");
        var token = await TokenFor("x");

        var (code, body) = await As(token, HttpMethod.Get, "/api/v1/namespaces/default/pods");
        Assert.Equal(403, code);
        Assert.Equal("pods is forbidden: User \"system:serviceaccount:default:x\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"",
            (string?)body!["message"]);
        Assert.Equal("Forbidden", (string?)body["reason"]);
        (code, body) = await As(token, HttpMethod.Get, "/api/v1/persistentvolumes");
        Assert.Equal(403, code);
        Assert.EndsWith("cannot list resource \"persistentvolumes\" in API group \"\" at the cluster scope", (string?)body!["message"]);
        // Discovery and whoami need no binding of one's own (system:discovery, system:basic-user).
        Assert.Equal(200, (await As(token, HttpMethod.Get, "/apis")).Code);
        (code, body) = await As(token, HttpMethod.Post, "/apis/authentication.k8s.io/v1/selfsubjectreviews", "{}");
        Assert.Equal(201, code);
        Assert.Equal("system:serviceaccount:default:x", (string?)body!["status"]!["userInfo"]!["username"]);
        Assert.Contains("system:serviceaccounts:default", body["status"]!["userInfo"]!["groups"]!.AsArray().Select(g => (string?)g));

        await Create("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
            """{"metadata":{"name":"pod-reader"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list"]}]}""");
        await Create("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
            """{"metadata":{"name":"x-reads"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"pod-reader"},"subjects":[{"kind":"ServiceAccount","name":"x"}]}""");
        await Eventually(async () => (await As(token, HttpMethod.Get, "/api/v1/namespaces/default/pods")).Code == 200);
        Assert.Equal(403, (await As(token, HttpMethod.Get, "/api/v1/namespaces/kube-system/pods")).Code); // only where bound
        Assert.Equal(403, (await As(token, HttpMethod.Delete, "/api/v1/namespaces/default/pods/p")).Code);

        const string review = """{"spec":{"resourceAttributes":{"namespace":"default","verb":"list","resource":"pods"}}}""";
        (code, body) = await As(token, HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review);
        Assert.Equal(201, code);
        Assert.True((bool)body!["status"]!["allowed"]!);
        (code, body) = await As(token, HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            """{"spec":{"resourceAttributes":{"namespace":"default","verb":"delete","resource":"pods"}}}""");
        Assert.False((bool)body!["status"]!["allowed"]!);
    }

    [Fact]
    public async Task Writing_roles_and_bindings_needs_escalate_and_bind_so_nobody_grants_themselves_cluster_admin()
    {
        await Create("/api/v1/namespaces/default/serviceaccounts", """{"metadata":{"name":"rbac-writer"}}""");
        var token = await TokenFor("rbac-writer");
        await Create("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
            """{"metadata":{"name":"rbac-editor"},"rules":[{"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles","rolebindings"],"verbs":["create","get","list"]}]}""");
        await Create("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
            """{"metadata":{"name":"rbac-writer"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"rbac-editor"},"subjects":[{"kind":"ServiceAccount","name":"rbac-writer"}]}""");
        await Eventually(async () => (await As(token, HttpMethod.Get, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles")).Code == 200);

        const string grab = """{"metadata":{"name":"grab"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"ServiceAccount","name":"rbac-writer"}]}""";
        var (code, body) = await As(token, HttpMethod.Post, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", grab);
        Assert.Equal(403, code);
        Assert.Equal("clusterroles.rbac.authorization.k8s.io is forbidden: User \"system:serviceaccount:default:rbac-writer\" cannot bind resource \"clusterroles\" in API group \"rbac.authorization.k8s.io\" in the namespace \"default\"",
            (string?)body!["message"]);
        (code, _) = await As(token, HttpMethod.Post, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
            """{"metadata":{"name":"all"},"rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]}""");
        Assert.Equal(403, code);
        Assert.Equal(404, (await _t.SendAsync(HttpMethod.Get, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/grab")).Code);

        // Given bind and escalate explicitly (as upstream's admin role does), the same requests pass.
        await Create("/apis/rbac.authorization.k8s.io/v1/clusterroles",
            """{"metadata":{"name":"rbac-granter"},"rules":[{"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles","clusterroles"],"verbs":["bind","escalate"]}]}""");
        await Create("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
            """{"metadata":{"name":"rbac-granter"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"rbac-granter"},"subjects":[{"kind":"ServiceAccount","name":"rbac-writer"}]}""");
        await Eventually(async () => (await As(token, HttpMethod.Post, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", grab)).Code == 201);
    }

    [Fact]
    public async Task Impersonation_needs_the_impersonate_verb()
    {
        await Create("/api/v1/namespaces/default/serviceaccounts", """{"metadata":{"name":"imp"}}""");
        var admin = _t.Server.AdminToken;
        // The admin (system:masters) acts as the ServiceAccount, and gets its answers.
        var (code, body) = await As(admin, HttpMethod.Get, "/api/v1/namespaces/default/pods", impersonate: "system:serviceaccount:default:imp");
        Assert.Equal(403, code);
        Assert.Contains("User \"system:serviceaccount:default:imp\" cannot list resource \"pods\"", (string?)body!["message"]);
        (code, body) = await As(admin, HttpMethod.Post, "/apis/authentication.k8s.io/v1/selfsubjectreviews", "{}", impersonate: "system:serviceaccount:default:imp");
        Assert.Equal("system:serviceaccount:default:imp", (string?)body!["status"]!["userInfo"]!["username"]);
        // The ServiceAccount may not act as the admin.
        var token = await TokenFor("imp");
        (code, body) = await As(token, HttpMethod.Get, "/api/v1/namespaces", impersonate: "admin");
        Assert.Equal(403, code);
        Assert.Equal("users \"admin\" is forbidden: User \"system:serviceaccount:default:imp\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
            (string?)body!["message"]);
    }

    [Fact]
    public async Task A_token_ends_with_its_service_account_and_forged_tokens_get_401()
    {
        await Create("/api/v1/namespaces/default/serviceaccounts", """{"metadata":{"name":"gone"}}""");
        var token = await TokenFor("gone");
        Assert.Equal(201, (await As(token, HttpMethod.Post, "/apis/authentication.k8s.io/v1/selfsubjectreviews", "{}")).Code);

        var parts = token.Split('.');
        Assert.Equal(401, (await As(parts[0] + "." + parts[1] + "." + parts[2][..^4] + "AAAA", HttpMethod.Get, "/api")).Code);
        Assert.Equal(401, (await As("wrong", HttpMethod.Get, "/api")).Code);

        Assert.Equal(200, (await _t.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/serviceaccounts/gone")).Code);
        var (code, body) = await As(token, HttpMethod.Get, "/api");
        Assert.Equal(401, code);
        Assert.Equal("Unauthorized", (string?)body!["message"]);
        // Re-created under the same name: a new uid, and the old token stays dead.
        await Create("/api/v1/namespaces/default/serviceaccounts", """{"metadata":{"name":"gone"}}""");
        Assert.Equal(401, (await As(token, HttpMethod.Get, "/api")).Code);
    }

    [Fact]
    public async Task Token_requests_are_checked_like_upstreams()
    {
        var (code, body) = await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/serviceaccounts/nobody/token", """{"spec":{}}""");
        Assert.Equal(404, code);
        Assert.Equal("serviceaccounts \"nobody\" not found", (string?)body!["message"]);
        await Eventually(async () => (await _t.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/serviceaccounts/default")).Code == 200);
        (code, body) = await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/serviceaccounts/default/token", """{"spec":{"expirationSeconds":60}}""");
        Assert.Equal(422, code);
        Assert.Contains("may not specify a duration less than 10 minutes", (string?)body!["message"]);
        (code, body) = await _t.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/serviceaccounts/default/token", """{"spec":{"expirationSeconds":7200}}""");
        Assert.Equal(201, code);
        var expires = DateTimeOffset.Parse((string)body!["status"]!["expirationTimestamp"]!);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(7100), TimeSpan.FromSeconds(7201));
    }

    [Fact]
    public async Task Discovery_lists_the_reviews_and_the_token_subresource()
    {
        var (code, body) = await _t.SendAsync(HttpMethod.Get, "/apis/authorization.k8s.io/v1");
        Assert.Equal(200, code);
        var names = body!["resources"]!.AsArray().Select(r => (string?)r!["name"]).ToList();
        Assert.Equal(["localsubjectaccessreviews", "selfsubjectaccessreviews", "selfsubjectrulesreviews", "subjectaccessreviews"], names);
        (_, body) = await _t.SendAsync(HttpMethod.Get, "/api/v1");
        var token = body!["resources"]!.AsArray().Single(r => (string?)r!["name"] == "serviceaccounts/token")!;
        Assert.Equal("TokenRequest", (string?)token["kind"]);
        Assert.Equal("authentication.k8s.io", (string?)token["group"]);
        (_, body) = await _t.SendAsync(HttpMethod.Get, "/apis");
        Assert.Contains("authentication.k8s.io", body!["groups"]!.AsArray().Select(g => (string?)g!["name"]));
    }

    [Fact]
    public async Task The_bootstrap_roles_exist_and_every_namespace_gets_a_default_service_account()
    {
        foreach (var role in new[] { "cluster-admin", "admin", "edit", "view", "system:discovery", "system:basic-user" })
            Assert.Equal(200, (await _t.SendAsync(HttpMethod.Get, "/apis/rbac.authorization.k8s.io/v1/clusterroles/" + role)).Code);
        await Create("/api/v1/namespaces", """{"metadata":{"name":"team"}}""");
        await Eventually(async () => (await _t.SendAsync(HttpMethod.Get, "/api/v1/namespaces/team/serviceaccounts/default")).Code == 200);
        Assert.Equal(200, (await _t.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/team/serviceaccounts/default")).Code);
        await Eventually(async () => (await _t.SendAsync(HttpMethod.Get, "/api/v1/namespaces/team/serviceaccounts/default")).Code == 200);
    }
}
