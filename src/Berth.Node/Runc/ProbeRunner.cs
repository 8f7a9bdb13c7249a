using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Berth.Api.Core;
using Berth.Api.Meta;

namespace Berth.Kubelet.Runc;

/// <summary>
/// The probes of one container run (prober/worker.go): the startup probe first, then liveness and readiness, each every
/// periodSeconds after initialDelaySeconds, a result counting after successThreshold / failureThreshold consecutive ones.
/// Liveness or startup failure kills the run (the restart policy decides what follows); readiness drives Ready.
/// </summary>
internal sealed class ProbeRunner
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private readonly ContainerRunner _c;
    private readonly ProcessPod _pod;
    private readonly ProcessRuntime _rt;
    private readonly string _runId;
    private readonly CancellationTokenSource _cts;
    private volatile bool _started;
    private volatile bool _ready;

    public ProbeRunner(ContainerRunner c, ProcessPod pod, ProcessRuntime rt, string runId)
    {
        _c = c;
        _pod = pod;
        _rt = rt;
        _runId = runId;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(rt.Detached);
        _started = c.Spec.StartupProbe is null;
        _ready = c.Spec.ReadinessProbe is null;
    }

    public bool Started => _started;
    public bool Ready => _ready;

    public void Start()
    {
        var spec = _c.Spec;
        if (spec.StartupProbe is null && spec.LivenessProbe is null && spec.ReadinessProbe is null) return;
        _ = Task.Run(async () =>
        {
            try
            {
                if (spec.StartupProbe is { } sp)
                {
                    if (!await LoopAsync(sp, "Startup")) return;
                    _started = true;
                    _pod.Changed();
                }
                var tasks = new List<Task>();
                if (spec.LivenessProbe is { } lp) tasks.Add(LoopAsync(lp, "Liveness"));
                if (spec.ReadinessProbe is { } rp) tasks.Add(LoopAsync(rp, "Readiness"));
                await Task.WhenAll(tasks);
            }
            catch (OperationCanceledException) { }
        });
    }

    public void Stop() => _cts.Cancel();

    /// <summary>Runs one probe until it decides; returns true when a startup probe succeeded.</summary>
    private async Task<bool> LoopAsync(Probe p, string kind)
    {
        var ct = _cts.Token;
        var period = TimeSpan.FromSeconds(Math.Max(1, p.PeriodSeconds ?? 10));
        var timeout = TimeSpan.FromSeconds(Math.Max(1, p.TimeoutSeconds ?? 1));
        int successThreshold = Math.Max(1, p.SuccessThreshold ?? 1);
        int failureThreshold = Math.Max(1, p.FailureThreshold ?? 3);
        if (p.InitialDelaySeconds is > 0 and var delay) await Task.Delay(TimeSpan.FromSeconds(delay), ct);
        int successes = 0, failures = 0;
        while (!ct.IsCancellationRequested)
        {
            var (ok, detail) = await RunOnceAsync(p, timeout, ct);
            if (ok) { successes++; failures = 0; } else { failures++; successes = 0; }
            switch (kind)
            {
                case "Startup":
                    if (ok) return true;
                    if (failures >= failureThreshold) { _c.ProbeKilled(_runId, $"Container {_c.Name} failed startup probe: {detail}"); return false; }
                    break;
                case "Liveness":
                    if (!ok && failures >= failureThreshold) { _c.ProbeKilled(_runId, $"Container {_c.Name} failed liveness probe: {detail}"); return false; }
                    break;
                default:
                    if (ok && successes >= successThreshold && !_ready) { _ready = true; _pod.Changed(); }
                    else if (!ok && failures >= failureThreshold && _ready) { _ready = false; _pod.Changed(); }
                    break;
            }
            await Task.Delay(period, ct);
        }
        return false;
    }

    private async Task<(bool Ok, string Detail)> RunOnceAsync(Probe p, TimeSpan timeout, CancellationToken ct)
    {
        var ip = _pod.Record.Ip ?? "127.0.0.1";
        try
        {
            if (p.Exec is { Command: { Count: > 0 } cmd })
            {
                var r = await _rt.Runc(["exec", _runId, .. cmd], timeout, ct);
                return (r.Ok, r.Ok ? "" : $"command {JsonSerializer.Serialize(cmd)} exited with {r.ExitCode}: {r.Error}");
            }
            if (p.TcpSocket is { } tcp)
            {
                var port = Port(tcp.Port);
                using var client = new TcpClient();
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                cts.CancelAfter(timeout);
                await client.ConnectAsync(tcp.Host is { Length: > 0 } h ? h : ip, port, cts.Token);
                return (true, "");
            }
            if (p.HttpGet is { } get)
            {
                var port = Port(get.Port);
                var host = get.Host is { Length: > 0 } h ? h : ip;
                var path = get.Path is { Length: > 0 } pp ? (pp.StartsWith('/') ? pp : "/" + pp) : "/";
                var scheme = (get.Scheme ?? "HTTP").ToLowerInvariant();
                using var req = new HttpRequestMessage(HttpMethod.Get, $"{scheme}://{host}:{port.ToString(CultureInfo.InvariantCulture)}{path}");
                req.Headers.TryAddWithoutValidation("User-Agent", "kube-probe/1.32");
                foreach (var hh in get.HttpHeaders ?? []) if (hh.Name is not null) req.Headers.TryAddWithoutValidation(hh.Name, hh.Value);
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                cts.CancelAfter(timeout);
                using var resp = await Http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, cts.Token);
                var code = (int)resp.StatusCode;
                return (code is >= 200 and < 400, $"HTTP probe failed with statuscode: {code}");
            }
            return (true, ""); // grpc and empty probes count as success here
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { return (false, $"timeout after {timeout.TotalSeconds:0}s"); }
        catch (Exception e) when (e is SocketException or HttpRequestException or IOException or InvalidOperationException) { return (false, e.Message); }
    }

    /// <summary>A probe's IntOrString port: a number, or the name of one of the container's ports.</summary>
    private int Port(IntOrString? port)
    {
        if (port is not { } p) throw new InvalidOperationException("probe has no port");
        if (p.IsInt) return p.IntVal;
        var s = p.StrVal;
        if (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) return n;
        foreach (var cp in _c.Spec.Ports ?? [])
            if (cp.Name == s && cp.ContainerPortNumber is { } cpn) return cpn;
        throw new InvalidOperationException($"port \"{s}\" is not a port of container {_c.Name}");
    }
}
