using System.Diagnostics;
using Berth.Api.Core;
using Berth.Server.Client;
using Berth.Server.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using static Berth.Bench.ApiBench;

namespace Berth.Bench;

/// <summary>
/// Where the memory of a server holding 10,000 PVs and 10,000 PVCs goes: the managed heap after a full collection with no
/// controllers (the API server's cache alone), then with each controller group switched on in turn, then all. One process,
/// one data dir, filled once through HTTPS. Args: [count] (default 10,000 of each).
/// </summary>
public sealed class ApiMemoryBenchmark : IBenchmark
{
    public string Name => "api-memory";
    public string Description => "managed heap of a server holding 10k PVs + 10k PVCs: cache alone, then per controller group";

    public async Task RunAsync(string[] args)
    {
        if (args.Length == 3 && args[0] == "--child")
        {
            await MeasureHereAsync(args[1], args[2].Split(',', StringSplitOptions.RemoveEmptyEntries));
            return;
        }
        int count = args.Length > 0 ? int.Parse(args[0]) : 10_000;
        var dir = TempDir("api-memory");
        var all = new[]
        {
            ControllerNames.PersistentVolume, ControllerNames.PvcProtection, ControllerNames.PvProtection, ControllerNames.GarbageCollector,
            ControllerNames.Namespace, ControllerNames.Scheduler, ControllerNames.StatefulSet, ControllerNames.Endpoints, ControllerNames.NodeAgent,
            ControllerNames.ServiceAccount, ControllerNames.LocalPathProvisioner,
        };
        try
        {
            // Filled with every controller running, until every claim is Bound: the measured state is the steady one.
            await using (var s = await StartAsync(dir, []))
            {
                var clients = Clients(s, 16);
                var sw = Stopwatch.StartNew();
                await PostManyAsync(clients, PvPath, 0, count, i => PvJson($"pv-{i:D6}"));
                await PostManyAsync(clients, PvcPath, 0, count, i => PvcJson($"claim-{i:D6}"));
                foreach (var c in clients) c.Dispose();
                var client = new InProcessClient(s.Store);
                while (true)
                {
                    var claims = await client.ListAsync<PersistentVolumeClaim>("default");
                    if (claims.Items.All(c => c.Status?.Phase == "Bound")) break;
                    await Task.Delay(500);
                }
                Console.WriteLine($"created {N0(count)} PVs + {N0(count)} PVCs, all Bound, in {F1(sw.Elapsed.TotalSeconds)} s");
            }
            // Each measurement in a fresh process: nothing left over from the one before.
            await ChildAsync(dir, all, "no controllers (store + API cache)");
            foreach (var one in all) await ChildAsync(dir, all.Where(c => c != one).ToArray(), "only " + one);
            await ChildAsync(dir, [], "all controllers");
        }
        finally { if (Environment.GetEnvironmentVariable("KEEP") is null) DeleteDir(dir); else Console.WriteLine("kept " + dir); }
    }

    private static async Task ChildAsync(string dir, string[] disabled, string label)
    {
        var apphost = Path.Combine(AppContext.BaseDirectory, "Berth.Bench");
        var psi = new ProcessStartInfo(apphost, ["api-memory", "--child", dir, string.Join(",", disabled)]) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "(no output)";
        Console.WriteLine($"  {label,-40} {line}");
    }

    private static async Task MeasureHereAsync(string dir, string[] disabled)
    {
        await using var s = await StartAsync(dir, disabled);
        await Task.Delay(4000); // informers list and settle
        GC.Collect(2, Environment.GetEnvironmentVariable("AGGR") is null ? GCCollectionMode.Forced : GCCollectionMode.Aggressive, true, true);
        GC.WaitForPendingFinalizers();
        long heap = GC.GetTotalMemory(true);
        long rss = 0;
        foreach (var l in File.ReadLines("/proc/self/status"))
            if (l.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        Console.WriteLine($"heap {F1(heap / 1048576.0),6} MB (GC committed {F1(GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0),6} MB)   VmRSS {F1(rss / 1024.0),6} MB");
    }

    private static Task<BerthServer> StartAsync(string dir, string[] disabled)
        => BerthServer.StartAsync(new ServerOptions
        {
            DataDir = dir, Listen = "127.0.0.1:0", Runtime = "simulated", DefaultStorageClass = false,
            DisabledControllers = new HashSet<string>(disabled),
        }, NullLoggerFactory.Instance);

}
