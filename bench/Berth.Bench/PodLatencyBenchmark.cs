using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using static Berth.Bench.ApiBench;

namespace Berth.Bench;

/// <summary>
/// The node agent with real pods (issue 6's benchmark): a `berth server --runtime process` child (runc pods on the bridge
/// berth0, so it needs root, runc and tini, and no other process-runtime server on the machine), measured from outside
/// through the API as a user sees it:
/// 1. sequential write throughput from inside a pod into a local-path volume (coreutils dd, 256 MiB, conv=fsync, in a
///    debian pod through kubectl exec) against the same dd into the same directory on the host, alternated, in this run;
/// 2. create → Running (and → Ready) latency of N pause pods created one at a time (the next once the last runs);
/// 3. the same for N pods created at once (a burst over 8 connections), then the agent's memory with N pods running:
///    the server's RSS before any pod and now, and the RSS of everything the pods add (shims, tini, the pods' processes).
/// Latency runs from just before the POST to the watch event that shows the phase (upstream's SLO is 5 s at p99).
/// Args: [N] (default 100), --no-io, --no-sequential.
/// </summary>
public sealed class PodLatencyBenchmark : IBenchmark
{
    public string Name => "pod-latency";
    public string Description => "process runtime (runc): N pods create->Running p50/p99 (sequential, burst), dd in a pod's local-path volume vs the host, agent memory";

    const double TargetP99Seconds = 1.0;
    const double TargetWriteRatio = 0.9;
    const string Pods = "/api/v1/namespaces/default/pods";
    const string Claims = "/api/v1/namespaces/default/persistentvolumeclaims";

    public async Task RunAsync(string[] args)
    {
        int n = 100;
        foreach (var a in args) if (int.TryParse(a, out var v)) n = v;
        if (Environment.UserName != "root") throw new InvalidOperationException("pod-latency runs real pods (runc, a bridge): run it as root");
        ExternalServer.EnsureBuilt();
        _ = NetnsBefore.Count; // the pod namespaces of others, taken before our server makes any
        var dir = TempDir("pod-latency");
        await using var server = ExternalServer.Start(Path.Combine(dir, "data"), runtime: "process");
        var watcher = new PodWatcher();
        using var stop = new CancellationTokenSource();
        try
        {
            await server.WaitReadyAsync(timeoutSeconds: 120);
            using var http = await server.ClientAsync(maxConnections: 8);
            var (ca, token) = await server.CredentialsAsync();
            using var watchHttp = HttpsClient(server.Url, ca, token, 1, Timeout.InfiniteTimeSpan);
            _ = Task.Run(() => watcher.RunAsync(watchHttp, Pods, stop.Token));
            await WaitForNodeAsync(http);
            await Task.Delay(2000); // let start-up work (images, network, DNS) settle before the idle reading
            var idle0 = Cpu.Of(server.Process.Id);
            await Task.Delay(3000);
            var idleCpu = Cpu.Of(server.Process.Id) - idle0;
            long idleRssKb = server.VmRssKb();
            Console.WriteLine($"{LoadAvg()}; server idle (no pods): RSS {N0(idleRssKb / 1024.0)} MiB, CPU {F1(idleCpu.Server * 1000 / 3)} ms/s");

            if (!args.Contains("--no-io")) await WriteThroughputAsync(server, http, watcher);

            Latencies? sequential = null;
            if (!args.Contains("--no-sequential"))
            {
                sequential = await SequentialAsync(server, http, watcher, n);
                await DeleteAllAsync(http, "seq-");
            }
            var burst = await BurstAsync(server, http, watcher, n);
            var settling0 = Cpu.Of(server.Process.Id);
            await Task.Delay(15_000); // the burst's tail (events, status) first
            var steady0 = Cpu.Of(server.Process.Id);
            await Task.Delay(10_000);
            var steady = Cpu.Of(server.Process.Id) - steady0;
            Console.WriteLine($"  CPU in the 15 s after the burst: server {F1((steady0 - settling0).Server * 1000 / 15)} ms/s");
            Console.WriteLine($"  CPU with {n} pods Running (the next 10 s, nothing changing): server {F1(steady.Server * 100)} ms/s + the commands it ran {F1(steady.Children * 100)} ms/s " +
                              $"(idle without pods: {F1(idleCpu.Server * 1000 / 3)} ms/s)");
            var memory = MemoryWithPods(server, n);
            Console.WriteLine($"  memory with {n} pods Running: server RSS {N0(idleRssKb / 1024.0)} -> {N0(memory.ServerKb / 1024.0)} MiB " +
                              $"(+{F1((memory.ServerKb - idleRssKb) / (double)n)} KiB per pod); per pod outside the server: {F1(memory.DescendantsKb / (double)n)} KiB RSS, " +
                              $"{F1(memory.DescendantsPssKb / (double)n)} KiB PSS " +
                              $"({memory.Breakdown})");
            await DeleteAllAsync(http, "burst-");

            Console.WriteLine();
            Console.WriteLine($"summary ({LoadAvg()}):");
            if (sequential is not null) Console.WriteLine($"  sequential {n}: {sequential}");
            Console.WriteLine($"  burst {n}:      {burst}");
            if (sequential is not null)
                Console.WriteLine($"pod-latency sequential: create->Running p99 {F2(sequential.RunningP99)} s — target < {F1(TargetP99Seconds)} s: {Verdict(sequential.RunningP99 < TargetP99Seconds)}");
            Console.WriteLine($"pod-latency burst: create->Running p99 {F2(burst.RunningP99)} s — target < {F1(TargetP99Seconds)} s: {Verdict(burst.RunningP99 < TargetP99Seconds)}");
        }
        catch (Exception) { Console.WriteLine("server output (tail):\n" + Tail(server.Output)); throw; }
        finally
        {
            stop.Cancel();
            // Containers outlive a server stop by design: remove every pod first.
            if (!server.Process.HasExited)
            {
                try
                {
                    using var http = await server.ClientAsync(maxConnections: 8);
                    await DeleteAllAsync(http, "");
                }
                catch (Exception e) when (e is HttpRequestException or TimeoutException or InvalidOperationException)
                {
                    Console.WriteLine($"cleaning up the pods failed ({e.Message}); containers may be left: runc list");
                }
            }
            await server.StopAsync();
            DeleteDir(dir);
        }
    }

    // ------------------------------------------------------------------ 1. write throughput

    async Task WriteThroughputAsync(ExternalServer server, HttpClient http, PodWatcher watcher)
    {
        await PostAsync(http, Claims, """{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"io"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}""");
        await PostAsync(http, Pods, """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"io"},"spec":{"terminationGracePeriodSeconds":0,"containers":[{"name":"c","image":"debian","command":["sleep","infinity"],"volumeMounts":[{"name":"v","mountPath":"/data"}]}],"volumes":[{"name":"v","persistentVolumeClaim":{"claimName":"io"}}]}}""");
        await watcher.RunningAsync("io", TimeSpan.FromSeconds(120));
        using var claim = JsonDocument.Parse(await http.GetStringAsync(Claims + "/io"));
        var pv = claim.RootElement.GetProperty("spec").GetProperty("volumeName").GetString()!;
        using var pvDoc = JsonDocument.Parse(await http.GetStringAsync("/api/v1/persistentvolumes/" + pv));
        var spec = pvDoc.RootElement.GetProperty("spec");
        var hostDir = (spec.TryGetProperty("local", out var local) ? local : spec.GetProperty("hostPath")).GetProperty("path").GetString()!;

        // Alternate host and pod so both see the same background load; the medians are compared.
        const string Dd = "dd if=/dev/zero of={0} bs=1M count=256 conv=fsync";
        var host = new List<double>();
        var pod = new List<double>();
        for (int round = 0; round < 7; round++)
        {
            host.Add(DdMegabytesPerSecond(Run("/bin/sh", ["-c", string.Format(CultureInfo.InvariantCulture, Dd, Path.Combine(hostDir, "host.bin"))])));
            File.Delete(Path.Combine(hostDir, "host.bin"));
            pod.Add(DdMegabytesPerSecond(Run("kubectl", ["--kubeconfig", Path.Combine(server.DataDir, "kubeconfig"), "exec", "io", "--",
                "/bin/sh", "-c", string.Format(CultureInfo.InvariantCulture, Dd, "/data/pod.bin") + " && rm /data/pod.bin"])));
        }
        double h = Median(host), p = Median(pod);
        Console.WriteLine($"write 256 MiB (dd conv=fsync) into a local-path volume ({hostDir}): in the pod {F1(p)} MB/s, on the host {F1(h)} MB/s " +
                          $"(runs: pod {string.Join(" ", pod.Select(F1))}; host {string.Join(" ", host.Select(F1))}); ratio {F2(p / h)} — target >= {F1(TargetWriteRatio)}: {Verdict(p / h >= TargetWriteRatio)}");
        await DeleteAllAsync(http, "io");
        await DeleteAsync(http, Claims + "/io");
    }

    /// <summary>MB/s from coreutils dd's summary line ("268435456 bytes (268 MB, 256 MiB) copied, 1.2 s, 223 MB/s").</summary>
    static double DdMegabytesPerSecond(string output)
    {
        var m = Regex.Match(output, @"(\d+) bytes .*copied, ([0-9.]+) s");
        if (!m.Success) throw new InvalidOperationException("no dd summary in: " + output);
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) / 1e6 / double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
    }

    static string Run(string file, string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: exit {p.ExitCode}: {stderr}");
        return stdout.Result + stderr;
    }

    // ------------------------------------------------------------------ 2, 3. latency

    sealed record Latencies(double ScheduledP50, double ScheduledP99, double RunningP50, double RunningP99, double ReadyP50, double ReadyP99,
        double AllRunningSeconds, Cpu Cpu, int N)
    {
        public override string ToString() =>
            $"create->Running p50 {F2(RunningP50)} s, p99 {F2(RunningP99)} s; create->Ready p50 {F2(ReadyP50)} s, p99 {F2(ReadyP99)} s " +
            $"(of which create->bound to the node p50 {F2(ScheduledP50)} s, p99 {F2(ScheduledP99)} s); " +
            $"all Running after {F1(AllRunningSeconds)} s; CPU per pod: server {F1(Cpu.Server * 1000 / N)} ms + the commands it ran (runc, ip…) {F1(Cpu.Children * 1000 / N)} ms";
    }

    /// <summary>CPU seconds of the server itself and of the children it waited for (runc, ip, … : cutime + cstime).</summary>
    sealed record Cpu(double Server, double Children)
    {
        public static Cpu Of(int pid)
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // Fields 14..17 of proc(5) (utime stime cutime cstime) are 11..14 after the name; clock ticks of 1/100 s.
            double T(int i) => long.Parse(f[i], CultureInfo.InvariantCulture) / 100.0;
            return new Cpu(T(11) + T(12), T(13) + T(14));
        }

        public static Cpu operator -(Cpu a, Cpu b) => new(a.Server - b.Server, a.Children - b.Children);
    }

    static string PodJson(string name) =>
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\",\"labels\":{\"bench\":\"pod-latency\"}}," +
        "\"spec\":{\"terminationGracePeriodSeconds\":0,\"containers\":[{\"name\":\"pause\",\"image\":\"registry.k8s.io/pause:3.9\"}]}}";

    static async Task<Latencies> SequentialAsync(ExternalServer server, HttpClient http, PodWatcher watcher, int n)
    {
        var sent = new long[n];
        var cpu0 = Cpu.Of(server.Process.Id);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            var name = $"seq-{i:D3}";
            sent[i] = Stopwatch.GetTimestamp();
            await PostAsync(http, Pods, PodJson(name));
            await watcher.ReadyAsync(name, TimeSpan.FromSeconds(60));
        }
        var l = Summarize(watcher, "seq-", sent, start, Cpu.Of(server.Process.Id) - cpu0);
        Console.WriteLine($"sequential {n} pause pods (each created once the previous is Ready): {l}");
        return l;
    }

    static async Task<Latencies> BurstAsync(ExternalServer server, HttpClient http, PodWatcher watcher, int n)
    {
        var sent = new long[n];
        var cpu0 = Cpu.Of(server.Process.Id);
        long start = Stopwatch.GetTimestamp();
        int next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (int i; (i = Interlocked.Increment(ref next)) < n;)
            {
                sent[i] = Stopwatch.GetTimestamp();
                await PostAsync(http, Pods, PodJson($"burst-{i:D3}"));
            }
        })));
        for (int i = 0; i < n; i++) await watcher.ReadyAsync($"burst-{i:D3}", TimeSpan.FromSeconds(300));
        var l = Summarize(watcher, "burst-", sent, start, Cpu.Of(server.Process.Id) - cpu0);
        Console.WriteLine($"burst of {n} pause pods (8 connections): {l}");
        return l;
    }

    static Latencies Summarize(PodWatcher watcher, string prefix, long[] sent, long start, Cpu cpu)
    {
        int n = sent.Length;
        var scheduled = new double[n];
        var running = new double[n];
        var ready = new double[n];
        long last = start;
        for (int i = 0; i < n; i++)
        {
            var (sc, r, rd) = watcher.Times($"{prefix}{i:D3}");
            scheduled[i] = Stopwatch.GetElapsedTime(sent[i], sc).TotalSeconds;
            running[i] = Stopwatch.GetElapsedTime(sent[i], r).TotalSeconds;
            ready[i] = Stopwatch.GetElapsedTime(sent[i], rd).TotalSeconds;
            if (r > last) last = r;
        }
        Array.Sort(scheduled);
        Array.Sort(running);
        Array.Sort(ready);
        return new Latencies(Pct(scheduled, 50), Pct(scheduled, 99), Pct(running, 50), Pct(running, 99), Pct(ready, 50), Pct(ready, 99),
            Stopwatch.GetElapsedTime(start, last).TotalSeconds, cpu, n);
    }

    // ------------------------------------------------------------------ memory

    sealed record Memory(long ServerKb, long DescendantsKb, long DescendantsPssKb, string Breakdown);

    /// <summary>The server's RSS and that of its descendants (the agent is a child subreaper: shims and containers end
    /// up under it), by program name.</summary>
    static Memory MemoryWithPods(ExternalServer server, int pods)
    {
        var parent = new Dictionary<int, int>();
        var comm = new Dictionary<int, string>();
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(d, "stat"));
                int close = stat.LastIndexOf(')');
                comm[pid] = stat[(stat.IndexOf('(') + 1)..close];
                parent[pid] = int.Parse(stat[(close + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        int root = server.Process.Id;
        var byName = new SortedDictionary<string, (int Count, long Kb)>(StringComparer.Ordinal);
        long total = 0, pss = 0;
        foreach (var (pid, _) in parent)
        {
            if (pid == root || !DescendsFrom(pid, root, parent)) continue;
            long kb = StatusKb(pid, "status", "VmRSS:");
            total += kb;
            pss += StatusKb(pid, "smaps_rollup", "Pss:");
            var name = comm[pid].StartsWith("berth-shim", StringComparison.Ordinal) ? "berth-shim" : comm[pid];
            byName.TryGetValue(name, out var c);
            byName[name] = (c.Count + 1, c.Kb + kb);
        }
        var parts = byName.Select(kv => $"{kv.Key} x{kv.Value.Count} {F1(kv.Value.Kb / (double)Math.Max(1, kv.Value.Count))} KiB each");
        return new Memory(server.VmRssKb(), total, pss, string.Join(", ", parts) + $"; {pods} pods");
    }

    static bool DescendsFrom(int pid, int root, Dictionary<int, int> parent)
    {
        for (int hops = 0; hops < 64 && parent.TryGetValue(pid, out var pp); hops++)
        {
            if (pp == root) return true;
            pid = pp;
        }
        return false;
    }

    /// <summary>A "Key:   N kB" line of /proc/PID/status or smaps_rollup (PSS shares the libraries' pages among their users).</summary>
    static long StatusKb(int pid, string file, string key)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/{file}"))
                if (line.StartsWith(key, StringComparison.Ordinal))
                    return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        return 0;
    }

    // ------------------------------------------------------------------ API helpers

    static async Task WaitForNodeAsync(HttpClient http)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < until)
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync("/api/v1/nodes"));
            if (doc.RootElement.GetProperty("items").GetArrayLength() > 0) return;
            await Task.Delay(100);
        }
        throw new TimeoutException("the node agent registered no node in 60 s");
    }

    static async Task PostAsync(HttpClient http, string path, string body)
    {
        using var resp = await http.PostAsync(path, Json(body));
        if (resp.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"POST {path}: {(int)resp.StatusCode} {await resp.Content.ReadAsStringAsync()}");
    }

    static async Task DeleteAsync(HttpClient http, string path)
    {
        using var resp = await http.DeleteAsync(path + "?gracePeriodSeconds=0");
        if (resp.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Accepted or HttpStatusCode.NotFound))
            throw new InvalidOperationException($"DELETE {path}: {(int)resp.StatusCode} {await resp.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// Deletes the pods whose names start with <paramref name="prefix"/> and waits until they are gone from the API and
    /// the node has torn their networks down (a deletion with grace 0 leaves the API at once, before the node's clean-up:
    /// the next phase should not pay for it, and the server must not be stopped in the middle of it).
    /// </summary>
    static async Task DeleteAllAsync(HttpClient http, string prefix)
    {
        var names = await PodNamesAsync(http, prefix);
        await Task.WhenAll(names.Select(name => DeleteAsync(http, Pods + "/" + name)));
        var until = DateTime.UtcNow.AddSeconds(120);
        while ((names = await PodNamesAsync(http, prefix)).Count > 0)
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"{names.Count} pods ({prefix}*) still there 120 s after their deletion");
            await Task.Delay(250);
        }
        int left;
        while ((left = PodNamespacesLeft()) > 0)
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"{left} pod network namespaces (/run/netns) still there 120 s after the pods' deletion");
            await Task.Delay(250);
        }
    }

    /// <summary>The pod network namespaces that exist now and did not when the benchmark started.</summary>
    static int PodNamespacesLeft()
    {
        int n = 0;
        foreach (var path in NetnsNow()) if (!NetnsBefore.Contains(path)) n++;
        return n;
    }

    static readonly HashSet<string> NetnsBefore = NetnsNow();

    static HashSet<string> NetnsNow() =>
        Directory.Exists("/run/netns") ? new HashSet<string>(Directory.GetFiles("/run/netns", "berth-*"), StringComparer.Ordinal) : [];

    static async Task<List<string>> PodNamesAsync(HttpClient http, string prefix)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync(Pods));
        var names = new List<string>();
        foreach (var item in doc.RootElement.GetProperty("items").EnumerateArray())
        {
            var name = item.GetProperty("metadata").GetProperty("name").GetString()!;
            if (name.StartsWith(prefix, StringComparison.Ordinal)) names.Add(name);
        }
        return names;
    }

    static string Tail(string s) => s.Length > 4000 ? s[^4000..] : s;
}
