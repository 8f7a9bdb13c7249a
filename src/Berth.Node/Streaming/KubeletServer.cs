using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Api.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Berth.Kubelet.Streaming;

/// <summary>How the node's kubelet API is served.</summary>
public sealed record KubeletServerOptions
{
    /// <summary>The serving certificate (with its key); the API server checks it against the cluster CA.</summary>
    public required X509Certificate2 Certificate { get; init; }
    /// <summary>The bearer token the API server presents (DATA/auth/kubelet-token); every other caller gets 401.</summary>
    public required string Token { get; init; }
    /// <summary>Address to listen on (the node's InternalIP).</summary>
    public string Address { get; init; } = "127.0.0.1";
    /// <summary>Port; 0 picks a free one, which is published as status.daemonEndpoints.kubeletEndpoint.Port.</summary>
    public int Port { get; init; }
}

/// <summary>
/// The part of the kubelet's HTTPS API that the API server proxies pods/log, pods/exec, pods/attach and pods/portforward to:
/// <c>GET /containerLogs/{ns}/{pod}/{container}</c>, <c>/exec/{ns}/{pod}[/{uid}]/{container}</c> and
/// <c>/attach/{ns}/{pod}[/{uid}]/{container}</c> (WebSocket, remote command protocol v5/v4) and <c>/portForward/{ns}/{pod}[/{uid}]</c> (SPDY, directly or tunnelled in a WebSocket).
/// Only callers with the API server's token are served.
/// </summary>
public sealed class KubeletServer : IAsyncDisposable
{
    private readonly KubeletServerOptions _opts;
    private readonly IPodRuntime _runtime;
    private readonly Func<string, string, Pod?> _pods;
    private readonly ILogger _log;
    private readonly byte[] _token;
    private WebApplication? _app;

    public KubeletServer(KubeletServerOptions options, IPodRuntime runtime, Func<string, string, Pod?> pods, ILogger log)
    {
        _opts = options;
        _runtime = runtime;
        _pods = pods;
        _log = log;
        _token = Encoding.UTF8.GetBytes(options.Token);
    }

    /// <summary>The port it listens on, once started.</summary>
    public int Port { get; private set; }

    public async Task StartAsync(CancellationToken ct)
    {
        // No configuration files to reload: reloadOnChange would watch the working directory recursively (an inotify
        // watch on every directory of every container's root filesystem when the data directory lies beneath it).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Parse(_opts.Address), _opts.Port, l => l.UseHttps(_opts.Certificate));
        });
        _app = builder.Build();
        _app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        _app.Run(HandleAsync);
        await _app.StartAsync(ct);
        var bound = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(bound).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        try { await _app.StopAsync(); } catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException) { }
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        try
        {
            if (!Authorized(ctx.Request.Headers.Authorization.ToString()))
            {
                await ErrorAsync(ctx, 401, "Unauthorized", "Unauthorized");
                return;
            }
            var parts = (ctx.Request.Path.Value ?? "").Trim('/').Split('/');
            switch (parts[0])
            {
                case "containerLogs" when parts.Length == 4:
                    await LogsAsync(ctx, parts[1], parts[2], parts[3]);
                    return;
                case "exec" when parts.Length is 4 or 5:
                    await ExecAsync(ctx, parts[1], parts[2], parts.Length == 5 ? parts[3] : null, parts[^1]);
                    return;
                case "attach" when parts.Length is 4 or 5:
                    await AttachAsync(ctx, parts[1], parts[2], parts.Length == 5 ? parts[3] : null, parts[^1]);
                    return;
                case "portForward" when parts.Length is 3 or 4:
                    await PortForwardAsync(ctx, parts[1], parts[2], parts.Length == 4 ? parts[3] : null);
                    return;
                default:
                    await ErrorAsync(ctx, 404, "NotFound", "404 page not found");
                    return;
            }
        }
        catch (KubeletError e)
        {
            if (!ctx.Response.HasStarted) await ErrorAsync(ctx, e.Code, e.Reason, e.Message);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested) { }
        catch (Exception e)
        {
            _log.LogWarning(e, "kubelet API {Path} failed", ctx.Request.Path);
            if (!ctx.Response.HasStarted) await ErrorAsync(ctx, 500, "InternalError", e.Message);
        }
    }

    private bool Authorized(string header)
    {
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var given = Encoding.UTF8.GetBytes(header[prefix.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, _token);
    }

    // ------------------------------------------------------------------ logs

    private async Task LogsAsync(HttpContext ctx, string ns, string name, string container)
    {
        var (pod, uid) = FindPod(ns, name, null);
        RequireContainer(pod, container);
        var q = ctx.Request.Query;
        bool previous = IsTrue(q["previous"]);
        var path = _runtime.ContainerLogPath(uid, container, previous);
        if (path is null || !File.Exists(path))
        {
            if (previous) throw new KubeletError(400, "BadRequest", $"previous terminated container \"{container}\" in pod \"{name}\" not found");
            var state = _runtime.Status(uid)?.Containers.FirstOrDefault(c => c.Name == container);
            throw new KubeletError(400, "BadRequest", $"container \"{container}\" in pod \"{name}\" is waiting to start: {state?.Reason ?? "ContainerCreating"}");
        }
        var opts = new LogReadOptions
        {
            Follow = IsTrue(q["follow"]),
            Timestamps = IsTrue(q["timestamps"]),
            TailLines = Long(q["tailLines"], "tailLines") is { } t && t >= 0 ? t : null,
            LimitBytes = Long(q["limitBytes"], "limitBytes") is { } l && l > 0 ? l : null,
            Since = Since(q),
        };
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/plain";
        await ctx.Response.StartAsync(ctx.RequestAborted);
        Func<string?>? current = previous ? null : () => _runtime.ContainerLogPath(uid, container, false);
        bool Running() => _runtime.Status(uid)?.Containers.FirstOrDefault(c => c.Name == container)?.State == ContainerRunState.Running;
        await CriLogReader.CopyAsync(path, opts, ctx.Response.Body, current, previous ? () => false : Running, ctx.RequestAborted);
    }

    private static DateTimeOffset? Since(IQueryCollection q)
    {
        if (Long(q["sinceSeconds"], "sinceSeconds") is { } s && s > 0) return DateTimeOffset.UtcNow.AddSeconds(-s);
        var t = q["sinceTime"].ToString();
        if (t.Length == 0) return null;
        if (!DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            throw new KubeletError(400, "BadRequest", $"invalid sinceTime \"{t}\"");
        return time;
    }

    // ------------------------------------------------------------------ exec

    private async Task ExecAsync(HttpContext ctx, string ns, string name, string? uidInPath, string container)
    {
        var (pod, uid) = FindPod(ns, name, uidInPath);
        RequireContainer(pod, container);
        var q = ctx.Request.Query;
        var command = q["command"].Where(c => c is not null).Select(c => c!).ToList();
        if (command.Count == 0) throw new KubeletError(400, "BadRequest", "you must specify at least one command for the container");
        var req = new ExecRequest(command, IsTrue(q["stdin"]), IsTrue(q["stdout"]), IsTrue(q["stderr"]), IsTrue(q["tty"]));
        await ServeRemoteCommandAsync(ctx, "exec", req, (streams, ct) => _runtime.ExecAsync(uid, container, command, streams, ct));
    }

    private async Task ServeRemoteCommandAsync(HttpContext ctx, string what, ExecRequest req, Func<ExecStreams, CancellationToken, Task<int>> run)
    {
        if (!ctx.WebSockets.IsWebSocketRequest)
            throw new KubeletError(400, "BadRequest", what + " needs a WebSocket upgrade with one of the subprotocols " + string.Join(", ", RemoteCommand.Protocols));
        var protocol = RemoteCommand.Negotiate(ctx.WebSockets.WebSocketRequestedProtocols)
            ?? throw new KubeletError(400, "BadRequest", "unable to upgrade: none of the requested subprotocols is supported (want one of " + string.Join(", ", RemoteCommand.Protocols) + ")");
        using var ws = await ctx.WebSockets.AcceptWebSocketAsync(protocol);
        await RemoteCommand.ServeAsync(ws, protocol, req, run, ctx.RequestAborted);
    }

    // ------------------------------------------------------------------ attach

    /// <summary>
    /// kubectl attach: the container's output from now on (read from its log, stdout and stderr kept apart unless a TTY
    /// was asked for) until the run ends, and, for a container with stdin: true on a runtime that can feed it
    /// (<see cref="IAttachTarget"/>), the client's stdin into the container's.
    /// </summary>
    private async Task AttachAsync(HttpContext ctx, string ns, string name, string? uidInPath, string container)
    {
        var (pod, uid) = FindPod(ns, name, uidInPath);
        RequireContainer(pod, container);
        var q = ctx.Request.Query;
        var req = new ExecRequest([], IsTrue(q["stdin"]), IsTrue(q["stdout"]), IsTrue(q["stderr"]), IsTrue(q["tty"]));
        await ServeRemoteCommandAsync(ctx, "attach", req, (streams, ct) => AttachRunAsync(uid, container, streams, ct));
    }

    private async Task<int> AttachRunAsync(string uid, string container, ExecStreams streams, CancellationToken ct)
    {
        var state = _runtime.Status(uid)?.Containers.FirstOrDefault(c => c.Name == container);
        if (state is not { State: ContainerRunState.Running } || _runtime.ContainerLogPath(uid, container, false) is not { } log)
            throw new InvalidOperationException($"cannot attach to container \"{container}\": it is not running ({state?.Reason ?? "ContainerCreating"})");
        var runId = state.ContainerId;
        if (streams.Stdin is { } input && _runtime is IAttachTarget target && target.OpenStdin(uid, container) is { } stdin)
            _ = Task.Run(async () =>
            {
                await using (stdin)
                {
                    try { await input.CopyToAsync(stdin, ct); }
                    catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException) { }
                }
            }, CancellationToken.None);
        bool SameRun() => _runtime.Status(uid)?.Containers.FirstOrDefault(c => c.Name == container) is { State: ContainerRunState.Running } s && s.ContainerId == runId;
        var opts = new LogReadOptions { Follow = true, TailLines = 0, StderrOutput = streams.Tty ? null : streams.Stderr ?? Stream.Null };
        await CriLogReader.CopyAsync(log, opts, streams.Stdout ?? Stream.Null, null, SameRun, ct);
        ct.ThrowIfCancellationRequested();
        return 0;
    }

    // ------------------------------------------------------------------ port-forward

    private async Task PortForwardAsync(HttpContext ctx, string ns, string name, string? uidInPath)
    {
        var (_, uid) = FindPod(ns, name, uidInPath);
        var describe = $"{ns}/{name}, uid {uid}";
        (string, int) Target(int port)
        {
            if (_runtime is IPortForwardTarget t) return t.PortForwardTarget(uid, port);
            var ip = _runtime.Status(uid)?.Ip ?? throw new IOException("the pod has no IP");
            return (ip, port);
        }
        if (ctx.WebSockets.IsWebSocketRequest)
        {
            if (!ctx.WebSockets.WebSocketRequestedProtocols.Contains(PortForwardSession.TunnelProtocol))
                throw new KubeletError(400, "BadRequest", $"unable to upgrade: port-forward over WebSocket needs the subprotocol {PortForwardSession.TunnelProtocol}");
            using var ws = await AcceptWithAnyProtocolAsync(ctx, PortForwardSession.TunnelProtocol);
            await PortForwardSession.ServeAsync(new WebSocketByteStream(ws), Target, describe, ctx.RequestAborted);
            return;
        }
        // Plain SPDY (kubectl's fallback when the WebSocket upgrade fails).
        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is null || !upgrade.IsUpgradableRequest || !ctx.Request.Headers.Upgrade.ToString().StartsWith("SPDY/3.1", StringComparison.OrdinalIgnoreCase))
            throw new KubeletError(400, "BadRequest", "port-forward needs a connection upgrade (SPDY/3.1 or WebSocket)");
        var versions = ctx.Request.Headers["X-Stream-Protocol-Version"].ToString();
        if (!versions.Split(',').Select(v => v.Trim()).Contains(PortForwardSession.Protocol))
            throw new KubeletError(403, "Forbidden", $"unable to upgrade: unable to negotiate protocol: client supports [{versions}], server supports [{PortForwardSession.Protocol}]");
        ctx.Response.Headers.Connection = "Upgrade";
        ctx.Response.Headers.Upgrade = "SPDY/3.1";
        ctx.Response.Headers["X-Stream-Protocol-Version"] = PortForwardSession.Protocol;
        await using var io = await upgrade.UpgradeAsync();
        await PortForwardSession.ServeAsync(io, Target, describe, ctx.RequestAborted);
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>
    /// Completes a WebSocket handshake by hand: ASP.NET Core refuses subprotocol names with '/', which the SPDY tunnel's
    /// name ("SPDY/3.1+portforward.k8s.io") has (RFC 6455 wants a token there; Kubernetes does not care, so neither do
    /// clients).
    /// </summary>
    private static async Task<System.Net.WebSockets.WebSocket> AcceptWithAnyProtocolAsync(HttpContext ctx, string protocol)
    {
        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>();
        var key = ctx.Request.Headers["Sec-WebSocket-Key"].ToString();
        if (upgrade is null || !upgrade.IsUpgradableRequest || key.Length == 0)
            throw new KubeletError(400, "BadRequest", "not a WebSocket upgrade request");
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        ctx.Response.Headers.Connection = "Upgrade";
        ctx.Response.Headers.Upgrade = "websocket";
        ctx.Response.Headers["Sec-WebSocket-Accept"] = accept;
        ctx.Response.Headers["Sec-WebSocket-Protocol"] = protocol;
        var stream = await upgrade.UpgradeAsync();
        return System.Net.WebSockets.WebSocket.CreateFromStream(stream, new System.Net.WebSockets.WebSocketCreationOptions
        {
            IsServer = true,
            KeepAliveInterval = TimeSpan.FromSeconds(30),
        });
    }

    private (Pod Pod, string Uid) FindPod(string ns, string name, string? uid)
    {
        var pod = _pods(ns, name);
        if (pod?.Metadata.Uid is not { } actual || (uid is { Length: > 0 } && uid != actual) || _runtime.Status(actual) is null)
            throw new KubeletError(404, "NotFound", $"pod \"{name}\" not found in namespace \"{ns}\" on this node");
        return (pod, actual);
    }

    private static void RequireContainer(Pod pod, string container)
    {
        foreach (var c in pod.Spec?.Containers ?? []) if (c.Name == container) return;
        throw new KubeletError(400, "BadRequest", $"container \"{container}\" in pod \"{pod.Metadata.Name}\" is not valid");
    }

    private static bool IsTrue(Microsoft.Extensions.Primitives.StringValues v)
        => v.Count > 0 && (v[0] is "true" or "1" or "True" or "");

    private static long? Long(Microsoft.Extensions.Primitives.StringValues v, string name)
    {
        if (v.Count == 0 || string.IsNullOrEmpty(v[0])) return null;
        if (!long.TryParse(v[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            throw new KubeletError(400, "BadRequest", $"invalid {name} \"{v[0]}\"");
        return n;
    }

    private static Task ErrorAsync(HttpContext ctx, int code, string reason, string message)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = "application/json";
        var status = new JsonObject
        {
            ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(),
            ["status"] = "Failure", ["message"] = message, ["reason"] = reason, ["code"] = code,
        };
        return ctx.Response.WriteAsync(status.ToJsonString());
    }

    private sealed class KubeletError(int code, string reason, string message) : Exception(message)
    {
        public int Code { get; } = code;
        public string Reason { get; } = reason;
    }
}
