using System.Text.Json;
using Berth.Server.Auth;
using Berth.Server.Authorization;
using Berth.Server.Http;
using Berth.Server.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Berth.Server.Hosting;

/// <summary>
/// Every HTTP request goes through here: health and version (open to all), authentication, authorization, discovery and
/// OpenAPI, then the resource handlers. Errors become metav1.Status bodies; nothing user-sent yields a 500.
/// </summary>
public sealed class RequestPipeline
{
    private readonly Authenticator _auth;
    private readonly RequestAuthorizer _authorizer;
    private readonly AuthEndpoints _authEndpoints;
    private readonly ApiHandler _api;
    private readonly DiscoveryEndpoints _discovery;
    private readonly PodStreamingHandler _podStreams;
    private readonly ILogger _log;

    public string ServerAddress { get => _discovery.ServerAddress; set => _discovery.ServerAddress = value; }

    /// <summary>Whether /readyz says ok: set once start-up has written everything a client needs (the kubeconfig), so a
    /// client that waits for /readyz never reads a kubeconfig left by the previous run (another port).</summary>
    public bool Ready { get; set; }

    /// <param name="kubelets">How to reach kubelets for pods/log, exec and portforward (null: those answer 400).</param>
    public RequestPipeline(ResourceStore store, Authenticator auth, RequestAuthorizer authorizer, AuthEndpoints authEndpoints, ILogger log,
        KubeletProxy? kubelets = null)
    {
        _authorizer = authorizer;
        _authEndpoints = authEndpoints;
        _podStreams = new PodStreamingHandler(store, kubelets);
        _auth = auth;
        _log = log;
        _api = new ApiHandler(store, PatchEngine.Apply, log);
        _discovery = new DiscoveryEndpoints(store.Registry);
    }

    public async Task HandleAsync(HttpContext ctx)
    {
        try
        {
            var path = ctx.Request.Path.Value ?? "/";
            if (path is "/healthz" or "/livez" or "/readyz")
            {
                ctx.Response.ContentType = "text/plain; charset=utf-8";
                bool starting = path == "/readyz" && !Ready;
                if (starting) ctx.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                await ctx.Response.WriteAsync(starting ? "starting" : "ok");
                return;
            }
            UserInfo? user = null;
            if (path != "/version")
            {
                user = await _auth.AuthenticateAsync(ctx) ?? throw ApiException.Unauthorized();
                user = _authorizer.Check(ctx, user); // who the request acts as (impersonation)
            }
            if (await _discovery.TryServeAsync(ctx)) return;
            if (user is not null && await _authEndpoints.TryHandleAsync(ctx, user)) return;
            if (await _podStreams.TryHandleAsync(ctx)) return;
            if (await _api.TryHandleAsync(ctx)) return;
            throw ApiException.NotFoundPath(path);
        }
        catch (ApiException e)
        {
            if (!ctx.Response.HasStarted) await ApiHandler.WriteStatusAsync(ctx, e.Status);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested) { }
        catch (JsonException e)
        {
            if (!ctx.Response.HasStarted) await ApiHandler.WriteStatusAsync(ctx, ApiException.BadRequest(e.Message).Status);
        }
        catch (Exception e)
        {
            _log.LogError(e, "{Method} {Path} failed", ctx.Request.Method, ctx.Request.Path);
            if (!ctx.Response.HasStarted) await ApiHandler.WriteStatusAsync(ctx, ApiException.Internal(e.Message).Status);
        }
    }
}
