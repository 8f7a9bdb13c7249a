using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Berth.Server.Http;

/// <summary>How the API server reaches kubelets: the cluster CA their serving certificates chain to, and the bearer token they require.</summary>
public sealed record KubeletClientOptions(X509Certificate2 CaCertificate, string Token);

/// <summary>
/// Forwards a request to a kubelet and its answer back, as kube-apiserver's upgrade-aware proxy does: an ordinary response
/// is streamed (flushed as it arrives, for <c>logs -f</c>); a 101 Switching Protocols (WebSocket or SPDY) turns both
/// connections into one byte pipe, so the streaming protocols themselves are spoken by the client and the kubelet.
/// </summary>
public sealed class KubeletProxy : IDisposable
{
    // Headers that carry an upgrade negotiation through the proxy.
    private static readonly string[] UpgradeRequestHeaders =
        ["Upgrade", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol", "X-Stream-Protocol-Version"];
    private static readonly string[] UpgradeResponseHeaders =
        ["Upgrade", "Sec-WebSocket-Accept", "Sec-WebSocket-Protocol", "X-Stream-Protocol-Version"];

    private readonly HttpMessageInvoker _http;
    private readonly string _token;

    public KubeletProxy(KubeletClientOptions options)
    {
        _token = options.Token;
        var ca = options.CaCertificate;
        _http = new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            SslOptions = new SslClientAuthenticationOptions
            {
                // Kubelets are addressed by IP; what matters is that the certificate chains to the cluster CA.
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is X509Certificate2 c && ChainsTo(c, ca),
            },
        });
    }

    private static bool ChainsTo(X509Certificate2 cert, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(cert);
    }

    /// <summary>Sends <paramref name="ctx"/>'s request to <paramref name="target"/> and relays the answer.</summary>
    public async Task ForwardAsync(HttpContext ctx, Uri target)
    {
        var ct = ctx.RequestAborted;
        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>();
        bool upgrading = upgrade is { IsUpgradableRequest: true } && ctx.Request.Headers.Upgrade.Count > 0;
        using var req = new HttpRequestMessage(new HttpMethod(ctx.Request.Method), target)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        req.Headers.TryAddWithoutValidation("Authorization", "Bearer " + _token);
        if (upgrading)
        {
            req.Headers.TryAddWithoutValidation("Connection", "Upgrade");
            foreach (var h in UpgradeRequestHeaders)
                if (ctx.Request.Headers.TryGetValue(h, out var v))
                    foreach (var one in v) if (one is not null) req.Headers.TryAddWithoutValidation(h, one);
        }
        HttpResponseMessage resp;
        try { resp = await _http.SendAsync(req, ct); }
        catch (HttpRequestException e)
        {
            throw ApiException.Internal($"error dialing backend: {e.Message}");
        }
        using (resp)
        {
            await using var body = await resp.Content.ReadAsStreamAsync(ct);
            if (resp.StatusCode == HttpStatusCode.SwitchingProtocols && upgrading)
            {
                foreach (var h in UpgradeResponseHeaders)
                    if (resp.Headers.TryGetValues(h, out var vs)) ctx.Response.Headers[h] = vs.ToArray();
                await using var client = await upgrade!.UpgradeAsync();
                await PipeAsync(client, body, ct);
                return;
            }
            ctx.Response.StatusCode = (int)resp.StatusCode;
            if (resp.Content.Headers.ContentType is { } type) ctx.Response.ContentType = type.ToString();
            await ctx.Response.StartAsync(ct);
            var buf = new byte[16 * 1024];
            int n;
            while ((n = await body.ReadAsync(buf, ct)) > 0)
            {
                await ctx.Response.Body.WriteAsync(buf.AsMemory(0, n), ct);
                await ctx.Response.Body.FlushAsync(ct);
            }
        }
    }

    /// <summary>Copies both ways until either side ends, then closes both.</summary>
    private static async Task PipeAsync(Stream client, Stream kubelet, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var up = Copy(client, kubelet, stop.Token);
        var down = Copy(kubelet, client, stop.Token);
        await Task.WhenAny(up, down);
        stop.Cancel();
        try { await Task.WhenAll(up, down); } catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException) { }
    }

    private static async Task Copy(Stream from, Stream to, CancellationToken ct)
    {
        var buf = new byte[32 * 1024];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buf, ct)) > 0)
            {
                await to.WriteAsync(buf.AsMemory(0, n), ct);
                await to.FlushAsync(ct);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException) { }
    }

    public void Dispose() => _http.Dispose();
}
