using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Berth.Server.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Bench;

/// <summary>Shared pieces of the api-* benchmarks: temp dirs, an in-process server, HTTPS clients, object bodies, stats.</summary>
internal static class ApiBench
{
    /// <summary>A temp dir under the current directory (so it measures the project's disk, as StoreBenchmark does).</summary>
    public static string TempDir(string name)
    {
        var dir = Path.Combine(Directory.GetCurrentDirectory(), $"berth-{name}-bench-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void DeleteDir(string dir)
    {
        for (int i = 0; i < 5; i++)
        {
            try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); return; }
            catch (IOException) { Thread.Sleep(100); }
            catch (UnauthorizedAccessException) { Thread.Sleep(100); }
        }
    }

    public static Task<BerthServer> StartServerAsync(string dataDir, bool controllers = true)
        => BerthServer.StartAsync(new ServerOptions
        {
            DataDir = dataDir, Listen = "127.0.0.1:0", Runtime = "simulated",
            DisabledControllers = controllers ? new HashSet<string>() : AllControllers,
        }, NullLoggerFactory.Instance);

    static readonly HashSet<string> AllControllers = typeof(ControllerNames).GetFields()
        .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToHashSet();

    /// <summary>
    /// An HTTP/1.1 client that trusts only the given CA and sends the bearer token. With <paramref name="maxConnections"/> 1 it holds
    /// exactly one keep-alive connection (requests through it are serialized on that connection).
    /// </summary>
    public static HttpClient HttpsClient(string url, string caPem, string? token, int maxConnections = 1, TimeSpan? timeout = null)
    {
        var ca = X509Certificate2.CreateFromPem(caPem);
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    if (cert is null) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(cert));
                },
            },
        };
        var http = new HttpClient(handler)
        {
            BaseAddress = new Uri(url),
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = timeout ?? TimeSpan.FromSeconds(100),
        };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public static HttpClient HttpsClient(BerthServer s, int maxConnections = 1, TimeSpan? timeout = null)
        => HttpsClient(s.Url, s.CaPem, s.AdminToken, maxConnections, timeout);

    public const string PvcPath = "/api/v1/namespaces/default/persistentvolumeclaims";
    public const string PvPath = "/api/v1/persistentvolumes";

    /// <summary>A claim like the tutorial's (about 300 bytes of JSON).</summary>
    /// <summary>A 1Gi RWO claim; <paramref name="storageClass"/> "" asks for a class-less volume (binds to <see cref="PvJson"/>'s),
    /// null leaves the class to the default StorageClass.</summary>
    public static string PvcJson(string name, string? storageClass = null) =>
        "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"" + name +
        "\",\"labels\":{\"app\":\"bench\",\"tier\":\"storage\"}},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"]," +
        (storageClass is null ? "" : "\"storageClassName\":\"" + storageClass + "\",") + "\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}";

    public static string PvJson(string name) =>
        "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolume\",\"metadata\":{\"name\":\"" + name +
        "\",\"labels\":{\"app\":\"bench\"}},\"spec\":{\"capacity\":{\"storage\":\"1Gi\"},\"accessModes\":[\"ReadWriteOnce\"],\"persistentVolumeReclaimPolicy\":\"Retain\",\"hostPath\":{\"path\":\"/tmp/" + name + "\"}}}";

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>POSTs bodies from <paramref name="body"/>(i) for i in [from, to) with <paramref name="clients"/> concurrent clients; returns per-request latencies (ms).</summary>
    public static async Task<double[]> PostManyAsync(HttpClient[] clients, string path, int from, int to, Func<int, string> body)
    {
        var latencies = new double[to - from];
        int next = from - 1;
        var tasks = clients.Select(http => Task.Run(async () =>
        {
            while (true)
            {
                int i = Interlocked.Increment(ref next);
                if (i >= to) return;
                long start = Stopwatch.GetTimestamp();
                using var resp = await http.PostAsync(path, Json(body(i)));
                await resp.Content.LoadIntoBufferAsync();
                latencies[i - from] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (resp.StatusCode != HttpStatusCode.Created)
                    throw new InvalidOperationException($"POST {path} #{i}: {(int)resp.StatusCode} {await resp.Content.ReadAsStringAsync()}");
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        return latencies;
    }

    public static HttpClient[] Clients(BerthServer s, int n) => Enumerable.Range(0, n).Select(_ => HttpsClient(s)).ToArray();

    /// <summary>Percentile (nearest-rank) of an already sorted array.</summary>
    public static double Pct(double[] sorted, double p)
    {
        if (sorted.Length == 0) return double.NaN;
        int i = (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1;
        return sorted[Math.Clamp(i, 0, sorted.Length - 1)];
    }

    public static double Median(IEnumerable<double> xs) { var a = xs.OrderBy(x => x).ToArray(); return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2; }

    /// <summary>The machine's load averages (other work on this 2-core machine skews every number; print it beside them).</summary>
    public static string LoadAvg()
    {
        try { return "load average " + string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) + $" on {Environment.ProcessorCount} cores"; }
        catch (IOException) { return "load average unknown"; }
    }

    public static string N0(double v) => v.ToString("N0", CultureInfo.InvariantCulture);
    public static string F1(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
    public static string F2(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
    public static string Verdict(bool pass) => pass ? "PASS" : "FAIL";
}

/// <summary>
/// The raw SQLite baseline of StoreBenchmark: one INSERT of a 1 KB value per transaction (one fsync each), WAL + synchronous=FULL,
/// a single writer, on the given file.
/// </summary>
internal static class RawSqliteBaseline
{
    public static double InsertsPerSecond(string path, byte[] value, int rows)
    {
        using var conn = new SqliteConnection($"Data Source={path};Pooling=False");
        conn.Open();
        using (var pragma = conn.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value BLOB NOT NULL);";
            pragma.ExecuteNonQuery();
        }
        using var insert = conn.CreateCommand();
        insert.CommandText = "INSERT INTO t (name, value) VALUES ($n, $v);";
        var pn = insert.Parameters.Add("$n", SqliteType.Text);
        var pv = insert.Parameters.Add("$v", SqliteType.Blob);
        pv.Value = value;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < rows; i++)
        {
            using var tx = conn.BeginTransaction();
            insert.Transaction = tx;
            pn.Value = $"/registry/configmaps/ns/{i}";
            insert.ExecuteNonQuery();
            tx.Commit();
        }
        sw.Stop();
        return rows / sw.Elapsed.TotalSeconds;
    }

    /// <summary>The baseline with StoreBenchmark's parameters (2,000 rows of 1 KB random bytes, seed 42) in a fresh file in <paramref name="dir"/>.</summary>
    public static double Measure(string dir, int rows = 2_000)
    {
        byte[] value = new byte[1_024];
        new Random(42).NextBytes(value);
        var path = Path.Combine(dir, $"raw-{Guid.NewGuid():N}.db");
        try { return InsertsPerSecond(path, value, rows); }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var f in new[] { path, path + "-wal", path + "-shm" }) try { File.Delete(f); } catch (IOException) { }
        }
    }
}
