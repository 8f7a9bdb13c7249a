using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Kubelet.Streaming;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Kubelet.Tests.Streaming;

public sealed class KubeletServerTests
{
    internal static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=kubelet-test", key, HashAlgorithmName.SHA256);
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    [Fact]
    public async Task Only_the_api_servers_token_gets_in_and_logs_are_served()
    {
        var runtime = new SimulatedRuntime();
        var pod = new Pod
        {
            Metadata = new ObjectMeta { Namespace = "default", Name = "web", Uid = Guid.NewGuid().ToString() },
            Spec = new PodSpec { Containers = [new Container { Name = "app", Image = "busybox" }] },
        };
        await runtime.StartPodAsync(pod, CancellationToken.None);
        await using var server = new KubeletServer(new KubeletServerOptions { Certificate = SelfSigned(), Token = "secret-token-0123456789abcdef0123" },
            runtime, (ns, name) => ns == "default" && name == "web" ? pod : null, NullLogger.Instance);
        await server.StartAsync(CancellationToken.None);
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        var url = $"https://127.0.0.1:{server.Port}/containerLogs/default/web/app";

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(url)).StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, url);
        wrong.Headers.Add("Authorization", "Bearer secret-token-0123456789abcdef0124");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);

        async Task<HttpResponseMessage> Get(string u)
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, u);
            req.Headers.Add("Authorization", "Bearer secret-token-0123456789abcdef0123");
            return await http.SendAsync(req);
        }
        var ok = await Get(url);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("simulated container \"app\" started (run 0)\n", await ok.Content.ReadAsStringAsync());
        var badContainer = await Get($"https://127.0.0.1:{server.Port}/containerLogs/default/web/nope");
        Assert.Equal(HttpStatusCode.BadRequest, badContainer.StatusCode);
        var status = System.Text.Json.Nodes.JsonNode.Parse(await badContainer.Content.ReadAsStringAsync())!;
        Assert.Equal("container \"nope\" in pod \"web\" is not valid", status["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await Get($"https://127.0.0.1:{server.Port}/containerLogs/default/other/app")).StatusCode);
        // exec needs a WebSocket upgrade.
        Assert.Equal(HttpStatusCode.BadRequest, (await Get($"https://127.0.0.1:{server.Port}/exec/default/web/app?command=true")).StatusCode);
        await runtime.StopPodAsync(pod, 0, CancellationToken.None);
    }
}
