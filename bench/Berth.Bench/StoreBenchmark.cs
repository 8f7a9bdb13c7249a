using System.Diagnostics;
using Berth.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Berth.Bench;

/// <summary>
/// The embedded store against raw SQLite on the same disk: (a) one INSERT per transaction (one fsync each) with
/// WAL + synchronous=FULL, single writer; (b) SqliteStore.CreateAsync from 16 concurrent writers (group commit);
/// (c) ListAsync of 10,000 keys under a prefix; (d) reopening a store of 20,000 keys.
/// Args: [directory] (default: a temp dir under the current directory, so it measures the project's disk).
/// </summary>
public sealed class StoreBenchmark : IBenchmark
{
    public string Name => "store";
    public string Description => "SqliteStore group commit vs raw SQLite (WAL, synchronous=FULL), list and reopen times";

    const int RawRows = 2_000;
    const int StoreCreates = 20_000;
    const int Writers = 16;
    const int ValueSize = 1_024;

    public async Task RunAsync(string[] args)
    {
        string root = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
        string dir = Path.Combine(root, $"berth-store-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            Console.WriteLine($"directory: {dir}");
            byte[] value = new byte[ValueSize];
            new Random(42).NextBytes(value);

            double rawPerSec = RawBaseline(Path.Combine(dir, "raw.db"), value);
            Console.WriteLine($"(a) raw SQLite, 1 INSERT/transaction, 1 writer, {RawRows} x 1 KB: {rawPerSec,10:N0} inserts/s");

            string storePath = Path.Combine(dir, "store.db");
            var (perSec, p50, p99) = await StoreCreatesAsync(storePath, value);
            Console.WriteLine($"(b) SqliteStore.CreateAsync, {Writers} writers, {StoreCreates} x 1 KB: {perSec,10:N0} creates/s   p50 {p50:F2} ms   p99 {p99:F2} ms");
            Console.WriteLine($"    ratio store/raw: {perSec / rawPerSec:F1}x");

            await using (var store = await SqliteStore.OpenAsync(storePath))
            {
                // (c) 10,000 keys under one prefix (the other 10,000 are under another).
                await store.ListAsync("/registry/"); // warm the read connection and the page cache
                var sw = Stopwatch.StartNew();
                var list = await store.ListAsync("/registry/configmaps/ns-0/");
                sw.Stop();
                for (int i = 0; i < 4; i++)
                {
                    var again = Stopwatch.StartNew();
                    await store.ListAsync("/registry/configmaps/ns-0/");
                    if (again.Elapsed < sw.Elapsed) sw = again;
                }
                var swAll = Stopwatch.StartNew();
                var all = await store.ListAsync("/registry/");
                swAll.Stop();
                Console.WriteLine($"(c) ListAsync of {list.Items.Count} keys under a prefix: {sw.Elapsed.TotalMilliseconds:F1} ms (best of 5)   (all {all.Items.Count}: {swAll.Elapsed.TotalMilliseconds:F1} ms)");
            }

            Console.WriteLine($"    raw SELECT of the same rows (no revision logic): {RawRangeMs(storePath):F1} ms (best of 5)");

            var reopen = Stopwatch.StartNew();
            await using (var store = await SqliteStore.OpenAsync(storePath))
            {
                reopen.Stop();
                Console.WriteLine($"(d) reopen with {StoreCreates} live keys: {reopen.Elapsed.TotalMilliseconds:F1} ms (revision {store.CurrentRevision})");
            }
            GC.Collect();
            Console.WriteLine($"    process working set: {Environment.WorkingSet / (1024 * 1024)} MB");
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    static double RawRangeMs(string path)
    {
        using var conn = new SqliteConnection($"Data Source={path};Pooling=False");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT name, create_revision, id, value FROM log WHERE name >= $lo AND name < $hi ORDER BY name;";
        cmd.Parameters.AddWithValue("$lo", "/registry/configmaps/ns-0/");
        cmd.Parameters.AddWithValue("$hi", "/registry/configmaps/ns-00");
        double best = double.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            var rows = new List<(string, long, long, byte[])>();
            using (var r = cmd.ExecuteReader())
                while (r.Read()) rows.Add((r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetFieldValue<byte[]>(3)));
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
        }
        return best;
    }

    static double RawBaseline(string path, byte[] value) => RawSqliteBaseline.InsertsPerSecond(path, value, RawRows);

    static async Task<(double PerSec, double P50, double P99)> StoreCreatesAsync(string path, byte[] value)
    {
        await using var store = await SqliteStore.OpenAsync(path);
        var latencies = new double[StoreCreates];
        int next = -1;
        var sw = Stopwatch.StartNew();
        var writers = new Task[Writers];
        for (int w = 0; w < Writers; w++)
        {
            writers[w] = Task.Run(async () =>
            {
                while (true)
                {
                    int i = Interlocked.Increment(ref next);
                    if (i >= StoreCreates) return;
                    long start = Stopwatch.GetTimestamp();
                    var r = await store.CreateAsync($"/registry/configmaps/ns-{i % 2}/cm-{i:D5}", value);
                    latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    if (!r.Succeeded) throw new InvalidOperationException($"create {i} failed");
                }
            });
        }
        await Task.WhenAll(writers);
        sw.Stop();
        Array.Sort(latencies);
        return (StoreCreates / sw.Elapsed.TotalSeconds, latencies[StoreCreates / 2], latencies[(int)(StoreCreates * 0.99)]);
    }
}
