using System.Text;
using System.Text.Json.Nodes;
using Berth.Api.Apps;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;
using Berth.Controllers.StatefulSets;
using Berth.Server.Client;
using Berth.Server.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Controllers.Tests.StatefulSets;

/// <summary>
/// A real Berth server in this process (its PV controller binds claims), and a StatefulSetController of our own over
/// an in-process client, which can be stopped and started again. <see cref="Kubelet"/> plays the node agent.
/// </summary>
internal sealed class StsHarness : IAsyncDisposable
{
    public const string Ns = "default";
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private BerthServer _server = null!;
    private string _dir = "";
    private CancellationTokenSource? _cts;
    private Task? _run;
    private StatefulSetController? _controller;
    private EventRecorder? _events;
    private CancellationTokenSource? _kubeletCts;
    private Task? _kubelet;

    public IApiClient Client { get; private set; } = null!;

    public static async Task<StsHarness> StartAsync(bool controller = true)
    {
        var h = new StsHarness { _dir = TempDirectory.Create("berth-sts-") };
        h._server = await BerthServer.StartAsync(new ServerOptions { DataDir = h._dir, Listen = "127.0.0.1:0", DisabledControllers = new HashSet<string> { ControllerNames.StatefulSet, ControllerNames.Scheduler, ControllerNames.NodeAgent } }, NullLoggerFactory.Instance);
        h.Client = new InProcessClient(h._server.Store);
        if (controller) await h.StartControllerAsync();
        return h;
    }

    public async Task StartControllerAsync()
    {
        _cts = new CancellationTokenSource();
        var informers = new InformerFactory(Client);
        // These tests read every event the controller writes about a set; upstream's spam filter (25 per object, tested
        // in Client.Tests) would drop the later ones of a long rollout.
        _events = new EventRecorder(Client, StatefulSetController.Component, "test", spamBurst: 1000);
        _controller = new StatefulSetController(Client, informers, _events, null);
        await informers.StartAsync(_cts.Token);
        _run = _controller.RunAsync(2, _cts.Token);
    }

    public async Task StopControllerAsync()
    {
        if (_cts is null) return;
        _cts.Cancel();
        try { await _run!; } catch (OperationCanceledException) { }
        await _controller!.DisposeAsync();
        await _events!.DisposeAsync();
        _cts.Dispose();
        _cts = null;
    }

    /// <summary>Marks every pending, non-terminating pod whose name passes <paramref name="allow"/> Running and Ready, until disposed.</summary>
    public void Kubelet(Func<string, bool>? allow = null) => KubeletFor(allow is null ? null : p => allow(p.Metadata.Name!));

    /// <summary>Marks every pending, non-terminating pod that passes <paramref name="allow"/> Running and Ready, until disposed.</summary>
    public void KubeletFor(Func<Pod, bool>? allow)
    {
        _kubeletCts = new CancellationTokenSource();
        var ct = _kubeletCts.Token;
        _kubelet = Task.Run(async () =>
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    foreach (var p in (await Client.ListAsync<Pod>(Ns, null, ct)).Items)
                        if (p.Status?.Phase == "Pending" && p.Metadata.DeletionTimestamp is null && (allow?.Invoke(p) ?? true))
                            await TrySetRunningReadyAsync(p, ct);
                    await Task.Delay(30, ct);
                }
                catch (OperationCanceledException) { return; }
                catch (ApiStatusException) { }
            }
        }, CancellationToken.None);
    }

    public async Task StopKubeletAsync()
    {
        if (_kubeletCts is null) return;
        _kubeletCts.Cancel();
        try { await _kubelet!; } catch (OperationCanceledException) { }
        _kubeletCts = null;
    }

    private async Task TrySetRunningReadyAsync(Pod p, CancellationToken ct)
    {
        p.Status ??= new PodStatus();
        p.Status.Phase = "Running";
        p.Status.Conditions = [new PodCondition { Type = "Ready", Status = "True", LastTransitionTime = DateTimeOffset.UtcNow }];
        try { await Client.UpdateStatusAsync(p, ct); }
        catch (ApiStatusException e) when (e.IsConflict || e.IsNotFound) { }
    }

    /// <summary>Plays the kubelet for one pod: Running and Ready now.</summary>
    public async Task SetReadyAsync(string pod)
    {
        await EventuallyAsync(async () =>
        {
            var p = await GetAsync<Pod>(pod);
            if (p is null) return false;
            p.Status ??= new PodStatus();
            p.Status.Phase = "Running";
            p.Status.Conditions = [new PodCondition { Type = "Ready", Status = "True", LastTransitionTime = DateTimeOffset.UtcNow }];
            try { await Client.UpdateStatusAsync(p); return true; }
            catch (ApiStatusException e) when (e.IsConflict) { return false; }
        }, $"pod {pod} marked ready");
    }

    public async Task SetPhaseAsync(string pod, string phase)
    {
        await EventuallyAsync(async () =>
        {
            var p = await GetAsync<Pod>(pod);
            if (p is null) return false;
            p.Status ??= new PodStatus();
            p.Status.Phase = phase;
            p.Status.Conditions = [new PodCondition { Type = "Ready", Status = "False", LastTransitionTime = DateTimeOffset.UtcNow }];
            try { await Client.UpdateStatusAsync(p); return true; }
            catch (ApiStatusException e) when (e.IsConflict) { return false; }
        }, $"pod {pod} {phase}");
    }

    public async Task<T?> GetAsync<T>(string name, string? ns = Ns) where T : KubeObject
    {
        try { return await Client.GetAsync<T>(ns, name); }
        catch (ApiStatusException e) when (e.IsNotFound) { return null; }
    }

    public async Task<StatefulSet> SetAsync(string name = "web") => (await GetAsync<StatefulSet>(name))!;

    /// <summary>Reads, changes and writes an object, retrying on conflicts.</summary>
    public async Task<T> ModifyAsync<T>(string name, Action<T> change, string? ns = Ns) where T : KubeObject
    {
        for (int i = 0; ; i++)
        {
            var o = await Client.GetAsync<T>(ns, name);
            change(o);
            try { return await Client.UpdateAsync(o); }
            catch (ApiStatusException e) when (e.IsConflict && i < 20) { }
        }
    }

    /// <summary>The set's events, in the order they were written.</summary>
    public async Task<List<Event>> EventsAsync(string set = "web")
        => (await Client.ListAsync<Event>(Ns)).Items
            .Where(e => e.InvolvedObject?.Name == set && e.InvolvedObject.Kind == "StatefulSet")
            .OrderBy(e => long.Parse(e.Metadata.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture)).ToList();

    public async Task<List<string>> MessagesAsync(string set = "web") => (await EventsAsync(set)).Select(e => e.Message!).ToList();

    public async Task<List<string>> PodNamesAsync() => (await Client.ListAsync<Pod>(Ns)).Items.Select(p => p.Metadata.Name!).Order(StringComparer.Ordinal).ToList();
    public async Task<List<string>> ClaimNamesAsync() => (await Client.ListAsync<PersistentVolumeClaim>(Ns)).Items.Select(p => p.Metadata.Name!).Order(StringComparer.Ordinal).ToList();

    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? Deadline);
        while (true)
        {
            if (await condition()) return;
            if (DateTime.UtcNow > until) throw new TimeoutException($"timed out waiting for: {what}");
            await Task.Delay(25);
        }
    }

    public Task WaitStatusAsync(Func<StatefulSetStatus, bool> condition, string what, string set = "web")
        => EventuallyAsync(async () => (await GetAsync<StatefulSet>(set))?.Status is { } s && condition(s), what);

    public Task WaitPodAsync(string name, Func<Pod, bool>? condition = null)
        => EventuallyAsync(async () => await GetAsync<Pod>(name) is { } p && (condition?.Invoke(p) ?? true), $"pod {name}");

    public Task WaitGoneAsync(string pod) => EventuallyAsync(async () => await GetAsync<Pod>(pod) is null, $"pod {pod} gone");

    public Task WaitMessagesAsync(Func<List<string>, bool> condition, string what)
        => EventuallyAsync(async () => condition(await MessagesAsync()), what);

    public async Task CreatePvsAsync(int n, string size = "1Gi")
    {
        for (int i = 0; i < n; i++)
        {
            var pv = new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "PersistentVolume", ["metadata"] = new JsonObject { ["name"] = "pv" + i },
                ["spec"] = new JsonObject
                {
                    ["storageClassName"] = "", ["capacity"] = new JsonObject { ["storage"] = size },
                    ["accessModes"] = new JsonArray("ReadWriteOnce"), ["hostPath"] = new JsonObject { ["path"] = "/data/pv" + i },
                },
            };
            await Client.CreateAsync(Parse<PersistentVolume>(pv.ToJsonString()));
        }
    }

    public static T Parse<T>(string json) where T : KubeObject => KubeJson.Deserialize<T>(Encoding.UTF8.GetBytes(json));

    /// <summary>StatefulSet web (serviceName nginx, template www 1Gi with storageClassName "") as the tutorial has it.</summary>
    public static StatefulSet Web(int replicas = 3, string policy = "OrderedReady", string updateStrategy = "{\"type\":\"RollingUpdate\"}",
        string retention = "{\"whenDeleted\":\"Retain\",\"whenScaled\":\"Retain\"}", string image = "registry.k8s.io/nginx-slim:0.8",
        bool claims = true, string podFinalizers = "", string name = "web")
    {
        var templateMeta = new JsonObject { ["labels"] = new JsonObject { ["app"] = "nginx" } };
        if (podFinalizers.Length > 0) templateMeta["finalizers"] = new JsonArray(podFinalizers);
        var container = new JsonObject
        {
            ["name"] = "nginx", ["image"] = image,
            ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 80, ["name"] = "web" }),
        };
        if (claims) container["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "www", ["mountPath"] = "/usr/share/nginx/html" });
        var spec = new JsonObject
        {
            ["serviceName"] = "nginx", ["replicas"] = replicas, ["podManagementPolicy"] = policy,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "nginx" } },
            ["updateStrategy"] = JsonNode.Parse(updateStrategy),
            ["persistentVolumeClaimRetentionPolicy"] = JsonNode.Parse(retention),
            ["template"] = new JsonObject { ["metadata"] = templateMeta, ["spec"] = new JsonObject { ["containers"] = new JsonArray(container) } },
        };
        if (claims)
            spec["volumeClaimTemplates"] = new JsonArray(new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = "www", ["labels"] = new JsonObject { ["tier"] = "data" } },
                ["spec"] = new JsonObject
                {
                    ["accessModes"] = new JsonArray("ReadWriteOnce"), ["storageClassName"] = "",
                    ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } },
                },
            });
        var set = new JsonObject
        {
            ["apiVersion"] = "apps/v1", ["kind"] = "StatefulSet",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Ns }, ["spec"] = spec,
        };
        return Parse<StatefulSet>(set.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await StopKubeletAsync();
        await StopControllerAsync();
        await _server.DisposeAsync();
        TempDirectory.Delete(_dir);
    }
}
