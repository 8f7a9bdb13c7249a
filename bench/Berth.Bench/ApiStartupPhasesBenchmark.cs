using System.Diagnostics;
using Berth.Server.Auth;
using Berth.Server.Hosting;
using Berth.Server.Storage;
using Berth.Store.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using static Berth.Bench.ApiBench;

namespace Berth.Bench;

/// <summary>
/// Where a cold start's time goes, measured in a fresh process (api-startup runs it as a child on its data dir): process start to
/// Main, then the server's startup steps one by one with their first-call JIT — open the store, list everything, load the cache
/// (decode + re-encode every object), certificates, tokens — then a whole BerthServer.StartAsync on the same dir (now partly warm).
/// Also the managed heap that the loaded cache holds. Args: DATA-DIR (a stopped server's; default: a fresh empty one).
/// </summary>
public sealed class ApiStartupPhasesBenchmark : IBenchmark
{
    public string Name => "api-startup-phases";
    public string Description => "(run by api-startup in a child process) cold-start steps timed one by one on a data dir";

    public async Task RunAsync(string[] args)
    {
        var sinceProcessStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
        string? temp = args.Length > 0 ? null : TempDir("api-startup-phases");
        string dataDir = args.Length > 0 ? args[0] : temp!;
        try
        {
            Console.WriteLine($"  process start -> benchmark code running: {F1(sinceProcessStart.TotalMilliseconds)} ms (runtime start + bench's own startup)");
            long heap0 = GC.GetTotalMemory(forceFullCollection: true);
            var sw = Stopwatch.StartNew();
            var kv = await SqliteStore.OpenAsync(Path.Combine(dataDir, "store.db"), SqliteStoreOptions.Production);
            Step("SqliteStore.OpenAsync", sw);
            var list = await kv.ListAsync("/registry/");
            Step($"ListAsync(\"/registry/\") of {N0(list.Items.Count)} keys (first call)", sw);
            list = await kv.ListAsync("/registry/");
            Step("ListAsync again (warm)", sw);
            list = null;
            var registry = BuiltinRegistry.Create(new ServiceAllocator());
            Step("BuiltinRegistry.Create", sw);
            var cache = new ObjectCache(kv, registry, NullLogger.Instance);
            await cache.StartAsync(CancellationToken.None);
            Step("ObjectCache.StartAsync (list + decode + re-encode into the cache)", sw);
            long heap1 = GC.GetTotalMemory(forceFullCollection: true);
            Step("full GC", sw);
            Console.WriteLine($"  managed heap after loading the cache: {F1(heap1 / 1048576.0)} MB (+{F1((heap1 - heap0) / 1048576.0)} MB); working set {F1(Environment.WorkingSet / 1048576.0)} MB");
            foreach (var plural in new[] { "persistentvolumes", "persistentvolumeclaims" })
            {
                var t = registry.ByPath("", "v1", plural)!;
                var items = cache.For(t).List(t.StoragePrefix, null);
                if (items.Count == 0) continue;
                Console.WriteLine($"  cached {plural}: {N0(items.Count)}, JSON {F1(items.Average(o => o.Json.Length))} bytes each, " +
                                  $"{F1(items.Average(o => o.Labels?.Count ?? 0))} labels, {F1(items.Average(o => o.Fields.Count))} selectable fields");
            }
            var certs = Certificates.LoadOrCreate(Path.Combine(dataDir, "pki"), ["127.0.0.1"]);
            Step("Certificates.LoadOrCreate", sw);
            _ = new Authenticator(Path.Combine(dataDir, "auth"));
            Step("Authenticator", sw);
            await cache.DisposeAsync();
            await kv.DisposeAsync();
            Step("dispose cache + store", sw);
            await using (var server = await StartServerAsync(dataDir)) Step("BerthServer.StartAsync, whole, same dir (partly warm JIT)", sw);
            Step("BerthServer dispose", sw);
            await using (var server = await StartServerAsync(dataDir)) Step("BerthServer.StartAsync again (warmer)", sw);
            _ = certs;
        }
        finally { if (temp is not null) DeleteDir(temp); }
    }

    static void Step(string what, Stopwatch sw)
    {
        Console.WriteLine($"  {what}: {F1(sw.Elapsed.TotalMilliseconds)} ms");
        sw.Restart();
    }
}
