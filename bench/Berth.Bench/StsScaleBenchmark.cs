using System.Diagnostics;
using System.Text;
using Berth.Api.Apps;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;
using Berth.Kubelet;
using Berth.Server.Client;
using Berth.Server.Hosting;
using Berth.Server.Storage;
using Microsoft.Extensions.Logging;
using static Berth.Bench.ApiBench;

namespace Berth.Bench;

/// <summary>
/// StatefulSets at scale (issue: a Parallel set of 1,000 replicas with a volumeClaimTemplate all Ready in &lt; 10 s, upstream
/// ~6 pods/s; an OrderedReady set of 100 all Ready in &lt; 10 s). Each run starts a fresh in-process server with every
/// controller (PV binder, scheduler, StatefulSet controller) and a node agent with the simulated runtime at zero delays
/// and room for N pods (the kubelet's default is 110),
/// creates N Available hostPath PVs (class "") and the headless Service nginx, then one StatefulSet of N replicas whose claim template asks for class "",
/// and measures from the set's create until status.readyReplicas = N. Phases come from watches of the server's cache (no
/// decoding): first and last pod created, scheduled, Ready; last claim Bound; and the store writes per pod by kind.
/// Args: [parallel:N | ordered:N ...] runs (default parallel:100 parallel:1000 ordered:100); --no-warmup. The CPU column is
/// this process's CPU time over the run (server, controllers, node agent and observer alike), which judges progress
/// better than wall time on a shared machine; writes/pod is the store's revision delta over the run.
/// </summary>
public sealed class StsScaleBenchmark : IBenchmark
{
    public string Name => "sts-scale";
    public string Description => "StatefulSets with a claim template on the simulated node: Parallel 100 and 1,000, OrderedReady 100; time until all Ready";

    const double TargetSeconds = 10.0;
    const int WarmUpPods = 300, WarmUpRounds = 4, SettledJitCount = 400;
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public async Task RunAsync(string[] args)
    {
        var runs = new List<(string Policy, int N)>();
        foreach (var a in args)
        {
            var parts = a.Split(':');
            if (parts.Length == 2 && int.TryParse(parts[1], out var n) && parts[0] is "parallel" or "ordered")
                runs.Add((parts[0] == "parallel" ? "Parallel" : "OrderedReady", n));
        }
        if (runs.Count == 0) runs = [("Parallel", 100), ("Parallel", 1_000), ("OrderedReady", 100)];
        Console.WriteLine($"{LoadAvg()}; server, controllers, node agent (simulated runtime, zero delays) and observer in this process");
        if (!args.Contains("--no-warmup"))
        {
            // Warm-up until tiering has settled: the runtime only starts counting calls once no new code has been
            // JIT-compiled for a while, so a first run tiers up (twice, with PGO) most of what it uses; measured, the
            // first run of 1,000 pods spent half its CPU in the JIT and compiled 5,000 methods, the next one 1,000.
            for (int round = 1; round <= WarmUpRounds; round++)
            {
                var w = await RunOneAsync("Parallel", WarmUpPods);
                Console.WriteLine($"warm-up {round}: Parallel {WarmUpPods} (not counted): all Ready in {F2(w.ReadySeconds)} s, CPU {F1(w.CpuSeconds)} s, {N0(w.JitCompiled)} methods JIT-compiled");
                if (w.JitCompiled < SettledJitCount) break;
            }
        }
        var results = new List<Result>();
        foreach (var (policy, n) in runs)
        {
            var r = await RunOneAsync(policy, n);
            results.Add(r);
            Console.WriteLine($"{policy} {N0(n)}: {r.Detail}");
        }
        Console.WriteLine();
        Console.WriteLine("summary:");
        Console.WriteLine($"  {"policy",-13} {"N",6} {"all Ready s",12} {"pods/s",8} {"created s",10} {"claims Bound s",15} {"scheduled s",12} {"CPU s",7} {"CPU ms/pod",11} {"store writes/pod",17} {"CPU ms/pod, writes/pod until quiet",36}");
        foreach (var r in results)
            Console.WriteLine($"  {r.Policy,-13} {N0(r.N),6} {F2(r.ReadySeconds),12} {N0(r.N / r.ReadySeconds),8} {F2(r.CreatedSeconds),10} {F2(r.BoundSeconds),15} " +
                              $"{F2(r.ScheduledSeconds),12} {F1(r.CpuSeconds),7} {F1(r.CpuSeconds * 1000 / r.N),11} {F1(r.WritesPerPod),17} {F1(r.CpuUntilQuiet * 1000 / r.N) + ", " + F1(r.WritesPerPodUntilQuiet),36}");
        var p100 = results.LastOrDefault(r => r.Policy == "Parallel" && r.N == 100);
        var p1000 = results.LastOrDefault(r => r.Policy == "Parallel" && r.N == 1_000);
        var o100 = results.LastOrDefault(r => r.Policy == "OrderedReady" && r.N == 100);
        if (p100 is not null && p1000 is not null)
            Console.WriteLine($"growth 100 -> 1,000 (Parallel): {N0(p100.N / p100.ReadySeconds)} -> {N0(p1000.N / p1000.ReadySeconds)} pods/s; " +
                              $"time per pod x{F2(p1000.ReadySeconds / p1000.N / (p100.ReadySeconds / p100.N))}");
        if (p1000 is not null)
            Console.WriteLine($"sts-scale Parallel 1,000: all Ready in {F2(p1000.ReadySeconds)} s = {N0(p1000.N / p1000.ReadySeconds)} pods/s — target < {F1(TargetSeconds)} s " +
                              $"(upstream ~6 pods/s): {Verdict(p1000.AllReady && p1000.ReadySeconds < TargetSeconds)}");
        if (o100 is not null)
            Console.WriteLine($"sts-scale OrderedReady 100: all Ready in {F2(o100.ReadySeconds)} s = {N0(o100.N / o100.ReadySeconds)} pods/s — target < {F1(TargetSeconds)} s: " +
                              $"{Verdict(o100.AllReady && o100.ReadySeconds < TargetSeconds)}");
        Console.WriteLine($"  ({LoadAvg()})");
    }

    sealed record Result(string Policy, int N, bool AllReady, double ReadySeconds, double CreatedSeconds, double ScheduledSeconds,
        double BoundSeconds, double CpuSeconds, long JitCompiled, double WritesPerPod, double CpuUntilQuiet, double WritesPerPodUntilQuiet, string Detail);

    /// <summary>Waits (at most a minute) until the store's revision has not moved for a second; the CPU time and writes since the start, and when.</summary>
    static async Task<(double Cpu, long Writes, double Seconds)> UntilQuietAsync(BerthServer server, TimeSpan cpu0, long rev0, long start)
    {
        long last = server.Store.Cache.Revision;
        var quietSince = Stopwatch.GetTimestamp();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Stopwatch.GetElapsedTime(quietSince) < TimeSpan.FromSeconds(1) && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
            var rev = server.Store.Cache.Revision;
            if (rev != last) { last = rev; quietSince = Stopwatch.GetTimestamp(); }
        }
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        return (cpu, last - rev0, (double)(quietSince - start) / Stopwatch.Frequency);
    }

    static async Task<Result> RunOneAsync(string policy, int n)
    {
        var dir = TempDir("sts-scale");
        var logs = new ErrorCountingLogs();
        BerthServer? server = null;
        var stop = new CancellationTokenSource();
        Task? agentRun = null;
        try
        {
            // The server's own node agent is the kubelet's default (110 pods); ours is the same agent with room for the set.
            server = await BerthServer.StartAsync(new ServerOptions
            {
                DataDir = Path.Combine(dir, "data"), Listen = "127.0.0.1:0", Runtime = "simulated",
                DisabledControllers = new HashSet<string> { ControllerNames.NodeAgent },
            }, logs);
            var client = new InProcessClient(server.Store);
            var agent = new NodeAgent(client, new NodeAgentOptions { MaxPods = n + 10 }, logs.CreateLogger("node-agent"));
            agentRun = Task.Run(() => agent.RunAsync(stop.Token));
            var obs = new Observer(n);
            using var watches = new Watches(server, obs);
            var pvs = new InformerFactory(client).For<PersistentVolume>();
            pvs.Start(stop.Token);
            await pvs.WaitForSyncAsync(stop.Token);

            // N Available volumes of class "" (the binder's work is part of the measured time; its own benchmark is pv-binding).
            await ForAllAsync(n, 16, i => client.CreateAsync(Parse<PersistentVolume>(PvJson($"pv-{i:D5}"))));
            var until = DateTime.UtcNow + Timeout;
            while (Count(pvs, v => v.Status?.Phase == "Available") < n && DateTime.UtcNow < until) await Task.Delay(20);

            // The set's headless Service, as in the tutorials: the endpoints controller follows every pod too.
            await client.CreateAsync(Parse<Service>(ServiceJson));

            watches.Reset();
            long rev0 = server.Store.Cache.Revision;
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var jit0 = System.Runtime.JitInfo.GetCompiledMethodCount();
            var gc0 = GC.GetTotalPauseDuration();
            int errors0 = logs.Errors;
            obs.Start = Stopwatch.GetTimestamp();
            await client.CreateAsync(Parse<StatefulSet>(SetJson(policy, n)));
            double readySec = double.NaN;
            bool allReady = false;
            until = DateTime.UtcNow + Timeout;
            while (DateTime.UtcNow < until)
            {
                var set = await client.GetAsync<StatefulSet>("default", "web");
                if ((set.Status?.ReadyReplicas ?? 0) == n)
                {
                    readySec = Stopwatch.GetElapsedTime(obs.Start).TotalSeconds;
                    allReady = true;
                    break;
                }
                await Task.Delay(10);
            }
            if (!allReady) readySec = Stopwatch.GetElapsedTime(obs.Start).TotalSeconds;
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            // Methods compiled during the run (tiering up code this run made hot): a one-time cost a running server has
            // paid, counted rather than timed (the JIT's own clock is wall time, meaningless on a loaded machine).
            var jit = System.Runtime.JitInfo.GetCompiledMethodCount() - jit0;
            var gcPause = (GC.GetTotalPauseDuration() - gc0).TotalSeconds;
            double writesPerPod = (double)(server.Store.Cache.Revision - rev0) / n;
            var s = obs.Snapshot();
            // What the run still causes after all are Ready (events queued by the recorders, late status writes): wait
            // until the store has been quiet for a second, so that the CPU and writes per pod include all of it.
            var (cpuAll, writesAll, quietSec) = await UntilQuietAsync(server, cpu0, rev0, obs.Start);
            string detail = (allReady ? $"all {N0(n)} Ready (status.readyReplicas) in {F2(readySec)} s = {N0(n / readySec)} pods/s"
                                      : $"only {s.Ready} of {N0(n)} pods Ready after {F1(readySec)} s — FAILED")
                + $"; pods created {F2(s.FirstCreated)}..{F2(s.LastCreated)} s, scheduled by {F2(s.LastScheduled)} s, claims Bound by {F2(s.LastBound)} s, "
                + $"pods Ready by {F2(s.LastReady)} s; CPU {F1(cpu)} s ({F1(cpu / readySec * 100)}% of one core; {N0(jit)} methods JIT-compiled, GC pauses {F1(gcPause)} s), "
                + $"{F1(writesPerPod)} store writes/pod ({watches.PerPod(n)}), {logs.Errors - errors0} errors logged; "
                + $"until quiet ({F1(quietSec)} s): CPU {F1(cpuAll)} s, {F1((double)writesAll / n)} writes/pod ({watches.PerPod(n)})";
            return new Result(policy, n, allReady, readySec, s.LastCreated, s.LastScheduled, s.LastBound, cpu, jit, writesPerPod,
                cpuAll, (double)writesAll / n, detail);
        }
        finally
        {
            stop.Cancel();
            if (agentRun is not null) { try { await agentRun; } catch (OperationCanceledException) { } }
            if (server is not null) await server.DisposeAsync();
            DeleteDir(dir);
        }
    }

    static int Count<T>(SharedInformer<T> inf, Func<T, bool> pred) where T : KubeObject
    {
        int c = 0;
        foreach (var o in inf.List()) if (pred(o)) c++;
        return c;
    }

    static async Task ForAllAsync(int n, int parallel, Func<int, Task> fn)
    {
        int next = -1;
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i < n; i = Interlocked.Increment(ref next)) await fn(i);
        })));
    }

    static T Parse<T>(string json) where T : KubeObject => KubeJson.Deserialize<T>(Encoding.UTF8.GetBytes(json));

    const string ServiceJson =
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"nginx\",\"namespace\":\"default\",\"labels\":{\"app\":\"nginx\"}}," +
        "\"spec\":{\"clusterIP\":\"None\",\"selector\":{\"app\":\"nginx\"},\"ports\":[{\"port\":80,\"name\":\"web\"}]}}";

    static string SetJson(string policy, int n) =>
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"}," +
        "\"spec\":{\"serviceName\":\"nginx\",\"replicas\":" + n + ",\"podManagementPolicy\":\"" + policy + "\"," +
        "\"selector\":{\"matchLabels\":{\"app\":\"nginx\"}}," +
        "\"template\":{\"metadata\":{\"labels\":{\"app\":\"nginx\"}},\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":\"registry.k8s.io/nginx-slim:0.8\"," +
        "\"ports\":[{\"containerPort\":80,\"name\":\"web\"}],\"volumeMounts\":[{\"name\":\"www\",\"mountPath\":\"/usr/share/nginx/html\"}]}]}}," +
        "\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"www\"},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"storageClassName\":\"\"," +
        "\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}]}}";

    /// <summary>When each pod was first seen, scheduled and Ready, and each claim Bound (Stopwatch timestamps), from the stored JSON.</summary>
    sealed class Observer(int n)
    {
        public long Start;
        private readonly object _lock = new();
        private readonly Dictionary<string, long> _created = new(n), _scheduled = new(n), _ready = new(n), _bound = new(n);
        private static readonly byte[] NodeName = Encoding.UTF8.GetBytes("\"nodeName\":");
        private static readonly byte[] Ready = Encoding.UTF8.GetBytes("{\"type\":\"Ready\",\"status\":\"True\"");
        private static readonly byte[] Bound = Encoding.UTF8.GetBytes("\"phase\":\"Bound\"");

        private static void Mark(Dictionary<string, long> d, string key)
        {
            if (!d.ContainsKey(key)) d[key] = Stopwatch.GetTimestamp();
        }

        public void OnPod(CachedObject p)
        {
            lock (_lock)
            {
                Mark(_created, p.Name);
                if (p.Json.AsSpan().IndexOf(NodeName) >= 0) Mark(_scheduled, p.Name);
                if (p.Json.AsSpan().IndexOf(Ready) >= 0) Mark(_ready, p.Name);
            }
        }

        public void OnClaim(CachedObject c)
        {
            if (c.Json.AsSpan().IndexOf(Bound) < 0) return;
            lock (_lock) Mark(_bound, c.Name);
        }

        public (double FirstCreated, double LastCreated, double LastScheduled, double LastBound, double LastReady, int Ready) Snapshot()
        {
            lock (_lock)
            {
                double Sec(long t) => (double)(t - Start) / Stopwatch.Frequency;
                double First(Dictionary<string, long> d) => d.Count == 0 ? double.NaN : Sec(d.Values.Min());
                double Last(Dictionary<string, long> d) => d.Count == 0 ? double.NaN : Sec(d.Values.Max());
                return (First(_created), Last(_created), Last(_scheduled), Last(_bound), Last(_ready), _ready.Count);
            }
        }
    }

    /// <summary>Watches of the server's cache (no decoding): feeds the observer, and counts writes per kind.</summary>
    sealed class Watches : IDisposable
    {
        private static readonly (string Group, string Resource, string Short)[] Kinds =
            [("", "pods", "pod"), ("", "persistentvolumeclaims", "pvc"), ("", "persistentvolumes", "pv"), ("", "events", "event"), ("apps", "statefulsets", "sts"), ("", "endpoints", "ep")];
        private readonly List<CacheWatcher> _watchers = new();
        private readonly List<Task> _loops = new();
        private readonly int[] _writes = new int[Kinds.Length];

        public Watches(BerthServer server, Observer obs)
        {
            for (int k = 0; k < Kinds.Length; k++)
            {
                var (group, resource, _) = Kinds[k];
                var type = server.Store.Registry.ByPath(group, group.Length == 0 ? "v1" : "v1", resource)!;
                var w = server.Store.Cache.For(type).ListAndWatch(type.StoragePrefix, _ => true, out _);
                _watchers.Add(w);
                int kind = k;
                _loops.Add(Task.Run(async () =>
                {
                    var reader = w.Events;
                    while (await reader.WaitToReadAsync())
                        while (reader.TryRead(out var e))
                        {
                            Interlocked.Increment(ref _writes[kind]);
                            if (e.Type == Berth.Server.Storage.WatchEventType.Deleted) continue;
                            if (kind == 0) obs.OnPod(e.Object);
                            else if (kind == 1) obs.OnClaim(e.Object);
                        }
                }));
            }
        }

        public void Reset() { for (int k = 0; k < _writes.Length; k++) Volatile.Write(ref _writes[k], 0); }

        public string PerPod(int n)
        {
            var parts = new List<string>();
            for (int k = 0; k < Kinds.Length; k++) parts.Add($"{Kinds[k].Short} {F1((double)Volatile.Read(ref _writes[k]) / n)}");
            return string.Join(", ", parts);
        }

        public void Dispose() { foreach (var w in _watchers) w.Dispose(); }
    }

    /// <summary>Counts error-level log lines (controllers' failed syncs), prints nothing.</summary>
    sealed class ErrorCountingLogs : ILoggerFactory, ILogger
    {
        private int _errors;
        public int Errors => Volatile.Read(ref _errors);
        public ILogger CreateLogger(string categoryName) => this;
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error) Interlocked.Increment(ref _errors);
            if (Environment.GetEnvironmentVariable("BERTH_BENCH_LOG") == "1") Console.Error.WriteLine($"[{logLevel}] {formatter(state, exception)} {exception?.Message}");
        }
    }
}
