using System.Diagnostics;
using Berth.Server.Tests.Api;

namespace Berth.Server.Tests.Protobuf;

/// <summary>kubectl's generator commands send protobuf bodies; they work end to end against a real server.</summary>
public sealed class KubectlProtobufTests : IAsyncLifetime
{
    private const string Kubectl = "/usr/bin/kubectl";
    private TestServer _t = null!;
    public async Task InitializeAsync() => _t = await TestServer.StartAsync();
    public async Task DisposeAsync() => await _t.DisposeAsync();

    private async Task<string> Run(params string[] args)
    {
        var psi = new ProcessStartInfo(Kubectl) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("--kubeconfig");
        psi.ArgumentList.Add(_t.Server.KubeconfigPath);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(p.ExitCode == 0, $"kubectl {string.Join(' ', args)} exited {p.ExitCode}: {await stderr}");
        return (await stdout).Trim();
    }

    [Fact]
    public async Task Malformed_protobuf_is_400_and_a_kind_mismatch_is_caught()
    {
        async Task<(int, string)> Post(string path, byte[] body)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/vnd.kubernetes.protobuf");
            using var resp = await _t.Http.PostAsync(path, content);
            return ((int)resp.StatusCode, await resp.Content.ReadAsStringAsync());
        }
        var (code, text) = await Post("/api/v1/namespaces", Convert.FromHexString("6b3873001205aabb"));
        Assert.Equal(400, code);
        Assert.Contains("runs past the end", text);
        (code, text) = await Post("/api/v1/namespaces/default/configmaps",
            Pb.Envelope("v1", "Secret", new Pb().Msg(1, new Pb().Str(1, "x"))));
        Assert.Equal(400, code);
        Assert.Contains("does not match the expected kind", text);
        (code, _) = await Post("/api/v1/namespaces/default/configmaps",
            Pb.Envelope("v1", "ConfigMap", new Pb().Msg(1, new Pb().Str(1, "x")).Map(2, "k", "v")));
        Assert.Equal(201, code);
    }

    [Fact]
    public async Task Kubectl_create_commands_work()
    {
        if (!File.Exists(Kubectl)) return;
        await Run("create", "namespace", "probe");
        Assert.Equal("Active", await Run("get", "namespace", "probe", "-o", "jsonpath={.status.phase}"));

        await Run("create", "secret", "generic", "s", "--from-literal=key=value", "-n", "probe");
        Assert.Equal("dmFsdWU= Opaque", await Run("get", "secret", "s", "-n", "probe", "-o", "jsonpath={.data.key} {.type}"));

        await Run("create", "configmap", "c", "--from-literal=a=b");
        Assert.Equal("b", await Run("get", "configmap", "c", "-o", "jsonpath={.data.a}"));

        await Run("create", "serviceaccount", "sa");
        await Run("create", "service", "clusterip", "web", "--tcp=80:8080");
        Assert.Equal("80 8080 web", await Run("get", "service", "web", "-o", "jsonpath={.spec.ports[0].port} {.spec.ports[0].targetPort} {.spec.selector.app}"));

        await Run("create", "deployment", "d", "--image=nginx", "--replicas=2", "--port=80");
        Assert.Equal("2 nginx 80 d", await Run("get", "deployment", "d",
            "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort} {.spec.selector.matchLabels.app}"));

        await Run("create", "role", "r", "--verb=get,list", "--resource=pods");
        await Run("create", "rolebinding", "rb", "--role=r", "--serviceaccount=default:sa");
        Assert.Equal("sa Role", await Run("get", "rolebinding", "rb", "-o", "jsonpath={.subjects[0].name} {.roleRef.kind}"));
        await Run("create", "clusterrole", "cr", "--verb=get", "--non-resource-url=/healthz");
        await Run("create", "clusterrolebinding", "crb", "--clusterrole=cr", "--user=alice");
        Assert.Equal("/healthz", await Run("get", "clusterrole", "cr", "-o", "jsonpath={.rules[0].nonResourceURLs[0]}"));
    }
}
