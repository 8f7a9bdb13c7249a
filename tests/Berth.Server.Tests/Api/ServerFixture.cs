using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Server.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Server.Tests.Api;

/// <summary>A real Berth server in this process: real SQLite file in a temp dir, real HTTPS on a free loopback port.
/// The temp dir it makes is deleted when it is disposed; a data dir passed in belongs to the caller.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private bool _ownsDataDir, _disposed;

    public BerthServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public string DataDir { get; private set; } = "";

    public static async Task<TestServer> StartAsync(string? dataDir = null, Func<ServerOptions, ServerOptions>? configure = null)
    {
        var t = new TestServer { DataDir = dataDir ?? TempDirectory.Create("berth-api-"), _ownsDataDir = dataDir is null };
        var options = new ServerOptions { DataDir = t.DataDir, Listen = "127.0.0.1:0" };
        t.Server = await BerthServer.StartAsync(configure?.Invoke(options) ?? options, NullLoggerFactory.Instance);
        t.Http = Client(t.Server, t.Server.AdminToken);
        return t;
    }

    /// <summary>A client that trusts only the server's CA, with the given bearer token (or none).</summary>
    public static HttpClient Client(BerthServer s, string? token)
    {
        var ca = X509Certificate2.CreateFromPem(s.CaPem);
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                if (cert is null) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(cert);
            },
        };
        var http = new HttpClient(handler) { BaseAddress = new Uri(s.Url) };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public async Task<(int Code, JsonNode? Body)> SendAsync(HttpMethod method, string path, string? body = null, string contentType = "application/json")
    {
        using var req = new HttpRequestMessage(method, path);
        if (body is not null) req.Content = new StringContent(body, Encoding.UTF8, contentType);
        using var resp = await Http.SendAsync(req);
        var text = await resp.Content.ReadAsStringAsync();
        JsonNode? json = null;
        try { json = text.Length > 0 ? JsonNode.Parse(text) : null; } catch (System.Text.Json.JsonException) { }
        return ((int)resp.StatusCode, json);
    }

    /// <summary>Stops this server and starts another on the same data dir, which passes to the new one.</summary>
    public async Task<TestServer> RestartAsync(Func<ServerOptions, ServerOptions>? configure = null)
    {
        var owns = _ownsDataDir;
        _ownsDataDir = false;
        await DisposeAsync();
        var next = await StartAsync(DataDir, configure);
        next._ownsDataDir = owns;
        return next;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        Http?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
        if (_ownsDataDir) TempDirectory.Delete(DataDir);
    }
}
