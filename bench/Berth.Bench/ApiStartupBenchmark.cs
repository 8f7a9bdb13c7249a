using System.Diagnostics;
using static Berth.Bench.ApiBench;

namespace Berth.Bench;

/// <summary>
/// Cold start of the built binary (`berth server --runtime simulated`, a separate process): time from Process.Start to the first
/// GET /readyz answering "ok" (polled every 10 ms), with an empty data dir (3 fresh dirs) and with one holding 10,000 PVs and
/// 10,000 PVCs bound to them (created through the API, then the server stopped with SIGTERM; 3 restarts). Then the resident memory (VmRSS) of
/// the server holding those 20,000 objects, once idle for a few seconds. Args: [N] objects of each kind (default 10,000).
/// </summary>
public sealed class ApiStartupBenchmark : IBenchmark
{
    public string Name => "api-startup";
    public string Description => "berth server cold start to /readyz (empty, 10k PVs + 10k PVCs) and its VmRSS";

    const int Restarts = 3;

    public async Task RunAsync(string[] args)
    {
        int count = args.Where(a => int.TryParse(a, out _)).Select(int.Parse).DefaultIfEmpty(10_000).First();
        ExternalServer.EnsureBuilt();
        string dir = TempDir("api-startup");
        ExternalServer? proc = null;
        try
        {
            Console.WriteLine($"binary: {ExternalServer.BinaryPath} (built {File.GetLastWriteTime(ExternalServer.BinaryPath):u})");
            Console.WriteLine($"directory: {dir}; {LoadAvg()}");

            // Empty data dir, each run a fresh one (creates the store, CA and serving certificates, tokens).
            var empty = new List<double>();
            long emptyRss = 0;
            for (int r = 0; r < Restarts; r++)
            {
                proc = ExternalServer.Start(Path.Combine(dir, $"empty-{r}"));
                empty.Add((await proc.WaitReadyAsync()).TotalMilliseconds);
                if (r == Restarts - 1) { await Task.Delay(3000); emptyRss = proc.VmRssKb(); }
                await proc.DisposeAsync(); proc = null;
            }
            Console.WriteLine($"empty data dir: start -> /readyz ok: [{string.Join(", ", empty.Select(F1))}] ms; VmRSS idle (3 s) {F1(emptyRss / 1024.0)} MB");

            // A data dir holding count PVs and count PVCs.
            string full = Path.Combine(dir, "full");
            proc = ExternalServer.Start(full);
            await proc.WaitReadyAsync();
            var clients = new HttpClient[16];
            for (int i = 0; i < clients.Length; i++) clients[i] = await proc.ClientAsync();
            var fill = Stopwatch.StartNew();
            try
            {
                await PostManyAsync(clients, PvPath, 0, count, i => PvJson($"pv-{i:D6}"));
                // Class-less claims: each binds to one of the volumes, the steady state a cluster holds (no events pile up).
                await PostManyAsync(clients, PvcPath, 0, count, i => PvcJson($"claim-{i:D6}", storageClass: ""));
                while (await CountAsync(clients[0], PvcPath, bound: true) < count) await Task.Delay(500);
            }
            finally { foreach (var c in clients) c.Dispose(); }
            Console.WriteLine($"created {N0(count)} PVs + {N0(count)} PVCs through the API, all Bound, in {F1(fill.Elapsed.TotalSeconds)} s");
            var stop = Stopwatch.StartNew();
            await proc.StopAsync();
            Console.WriteLine($"SIGTERM -> exit {proc.Process.ExitCode} in {F1(stop.Elapsed.TotalMilliseconds)} ms; store files: {StoreFiles(full)}");
            await proc.DisposeAsync(); proc = null;

            var loaded = new List<double>();
            long rssKb = 0;
            var rssSamples = new List<long>();
            for (int r = 0; r < Restarts; r++)
            {
                proc = ExternalServer.Start(full);
                loaded.Add((await proc.WaitReadyAsync()).TotalMilliseconds);
                if (r == Restarts - 1)
                {
                    // Check it really holds them, then let it go idle so the GC settles.
                    using var http = await proc.ClientAsync();
                    var readyRss = proc.VmRssKb();
                    int pvs = await CountAsync(http, PvPath), pvcs = await CountAsync(http, PvcPath);
                    Console.WriteLine($"server holds {N0(pvs)} PVs and {N0(pvcs)} PVCs; VmRSS at ready {N0(readyRss / 1024.0)} MB, after listing them {N0(proc.VmRssKb() / 1024.0)} MB");
                    for (int s = 0; s < 8; s++) { await Task.Delay(1000); rssSamples.Add(proc.VmRssKb()); }
                    rssKb = rssSamples[^1];
                    Console.WriteLine($"VmRSS idle, once a second for 8 s: [{string.Join(", ", rssSamples.Select(k => F1(k / 1024.0)))}] MB; at the end {proc.RssBreakdown()}");
                }
                await proc.DisposeAsync(); proc = null;
            }
            Console.WriteLine($"{N0(count)} PVs + {N0(count)} PVCs: start -> /readyz ok: [{string.Join(", ", loaded.Select(F1))}] ms;  {LoadAvg()}");
            if (!args.Contains("--no-phases")) await PhasesAsync(full);

            Console.WriteLine($"api-startup empty: first {F1(empty[0])} ms, median {F1(Median(empty))} ms — target < 1.5 s: {Verdict(Median(empty) < 1500)}");
            Console.WriteLine($"api-startup 20k objects: first {F1(loaded[0])} ms, median {F1(Median(loaded))} ms — target < 1.5 s: {Verdict(Median(loaded) < 1500)}");
            Console.WriteLine($"api-startup memory: VmRSS {F1(rssKb / 1024.0)} MB holding {N0(2 * count)} objects (idle 8 s) — target < 150 MB: {Verdict(rssKb / 1024.0 < 150)}");
        }
        finally
        {
            if (proc is not null) await proc.DisposeAsync();
            if (Environment.GetEnvironmentVariable("KEEP") is null) DeleteDir(dir); else Console.WriteLine("kept " + dir);
        }
    }

    /// <summary>Runs api-startup-phases in a fresh process of this benchmark program on the stopped server's data dir.</summary>
    static async Task PhasesAsync(string dataDir)
    {
        Console.WriteLine("where a cold start goes, step by step in a fresh process (this bench program, same data dir):");
        var apphost = Path.Combine(AppContext.BaseDirectory, "Berth.Bench");
        var psi = File.Exists(apphost)
            ? new ProcessStartInfo(apphost, ["api-startup-phases", dataDir])
            : new ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location, "api-startup-phases", dataDir]);
        psi.RedirectStandardOutput = true;
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("==", StringComparison.Ordinal)))
            Console.WriteLine(line);
    }

    static string StoreFiles(string dataDir)
        => string.Join(", ", Directory.GetFiles(dataDir, "store.db*").Select(f => $"{Path.GetFileName(f)} {F1(new FileInfo(f).Length / 1048576.0)} MB"));

    static async Task<int> CountAsync(HttpClient http, string path, bool bound = false)
    {
        using var resp = await http.GetAsync(path);
        using var doc = System.Text.Json.JsonDocument.Parse(await resp.Content.ReadAsByteArrayAsync());
        var items = doc.RootElement.GetProperty("items");
        if (!bound) return items.GetArrayLength();
        int n = 0;
        foreach (var o in items.EnumerateArray())
            if (o.TryGetProperty("status", out var st) && st.TryGetProperty("phase", out var ph) && ph.GetString() == "Bound") n++;
        return n;
    }
}
