using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using static Berth.Bench.ApiBench;

namespace Berth.Bench;

/// <summary>
/// Watch fan-out latency: 100 concurrent watchers of PVCs in default (watch=true from the current resourceVersion, each on its own
/// HTTP/1.1 connection), then 200 label PATCHes of one claim, one at a time (the next is sent once every watcher has seen the
/// previous one). For every (watcher, event) pair: delay from just before the PATCH is sent, and from the moment its response arrived,
/// to the moment the watcher has parsed the event line. Server in this process. Args: [watchers] [updates].
/// </summary>
public sealed class ApiWatchBenchmark : IBenchmark
{
    public string Name => "api-watch";
    public string Description => "100 PVC watchers, 200 sequential PATCHes: event delivery delay p50/p99";

    public async Task RunAsync(string[] args)
    {
        var nums = args.Where(a => int.TryParse(a, out _)).Select(int.Parse).ToArray();
        int watchers = nums.Length > 0 ? nums[0] : 100;
        int updates = nums.Length > 1 ? nums[1] : 200;
        string dir = TempDir("api-watch");
        var clients = new List<HttpClient>();
        using var stop = new CancellationTokenSource();
        try
        {
            Console.WriteLine($"directory: {dir}; {LoadAvg()}");
            await using var server = await StartServerAsync(Path.Combine(dir, "data"));
            using var http = HttpsClient(server);
            // A few claims so the watched prefix is not trivially small; one of them is the one we patch.
            var fill = Clients(server, 4);
            try { await PostManyAsync(fill, PvcPath, 0, 100, i => PvcJson($"claim-{i:D6}")); }
            finally { foreach (var f in fill) f.Dispose(); }
            const string target = "claim-000042";

            string rv;
            using (var list = await http.GetAsync(PvcPath + "?limit=1"))
            {
                using var doc = JsonDocument.Parse(await list.Content.ReadAsByteArrayAsync());
                rv = doc.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString()!;
            }

            var parsedAt = new long[watchers, updates];
            var seen = new int[updates];
            var allSeen = Enumerable.Range(0, updates).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
            var streams = new List<Task>();
            var connect = Stopwatch.StartNew();
            var ready = new List<Task>();
            for (int w = 0; w < watchers; w++)
            {
                var c = HttpsClient(server, 1, Timeout.InfiniteTimeSpan);
                clients.Add(c);
                int wi = w;
                var headers = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                ready.Add(headers.Task);
                streams.Add(Task.Run(() => WatchAsync(c, wi, rv, target, parsedAt, seen, allSeen, watchers, headers, stop.Token)));
            }
            // The server does not flush the response headers of a watch with a resourceVersion until the first event, so "connected"
            // cannot be told from the headers: one priming PATCH (label seq=prime), which every watcher gets (replayed from rv if it
            // registers later), marks every watch as established.
            await Task.Delay(500);
            await PatchAsync(http, target, "prime");
            try { await Task.WhenAll(ready).WaitAsync(TimeSpan.FromSeconds(60)); }
            catch (TimeoutException) { Console.WriteLine($"  only {ready.Count(t => t.IsCompleted)}/{watchers} watchers got the priming event in 60 s"); throw; }
            Console.WriteLine($"{watchers} watchers established (resourceVersion {rv}) in {F1(connect.Elapsed.TotalMilliseconds)} ms (priming event seen by all)");

            var sentAt = new long[updates];
            var respAt = new long[updates];
            var patchMs = new double[updates];
            for (int i = 0; i < updates; i++)
            {
                (sentAt[i], respAt[i]) = await PatchAsync(http, target, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                patchMs[i] = Stopwatch.GetElapsedTime(sentAt[i], respAt[i]).TotalMilliseconds;
                try { await allSeen[i].Task.WaitAsync(TimeSpan.FromSeconds(10)); }
                catch (TimeoutException) { Console.WriteLine($"  update {i}: only {Volatile.Read(ref seen[i])}/{watchers} watchers saw it within 10 s"); }
            }

            var fromSend = new List<double>();
            var fromResp = new List<double>();
            int missing = 0, early = 0;
            for (int w = 0; w < watchers; w++)
                for (int i = 0; i < updates; i++)
                {
                    long t = parsedAt[w, i];
                    if (t == 0) { missing++; continue; }
                    fromSend.Add(Stopwatch.GetElapsedTime(sentAt[i], t).TotalMilliseconds);
                    double r = (t - respAt[i]) * 1000.0 / Stopwatch.Frequency;
                    if (r < 0) early++;
                    fromResp.Add(r);
                }
            var s = fromSend.OrderBy(x => x).ToArray();
            var r2 = fromResp.OrderBy(x => x).ToArray();
            Array.Sort(patchMs);
            Console.WriteLine($"PATCH round trip: p50 {F2(Pct(patchMs, 50))} ms, p99 {F2(Pct(patchMs, 99))} ms");
            Console.WriteLine($"{N0(s.Length)} (watcher, event) pairs, {missing} missing; {early} parsed before the PATCH response arrived (negative delay)");
            Console.WriteLine($"delay from before send:    p50 {F2(Pct(s, 50))} ms  p90 {F2(Pct(s, 90))} ms  p99 {F2(Pct(s, 99))} ms  max {F2(s[^1])} ms");
            Console.WriteLine($"delay from PATCH response: p50 {F2(Pct(r2, 50))} ms  p90 {F2(Pct(r2, 90))} ms  p99 {F2(Pct(r2, 99))} ms  max {F2(r2[^1])} ms");
            // Fan-out spread: per update, time from the first watcher to the last watcher having parsed it.
            var spread = Enumerable.Range(0, updates).Select(i =>
            {
                var ts = Enumerable.Range(0, watchers).Select(w => parsedAt[w, i]).Where(t => t != 0).ToArray();
                return ts.Length == 0 ? 0 : (ts.Max() - ts.Min()) * 1000.0 / Stopwatch.Frequency;
            }).OrderBy(x => x).ToArray();
            Console.WriteLine($"fan-out spread (first to last watcher, per update): p50 {F2(Pct(spread, 50))} ms, p99 {F2(Pct(spread, 99))} ms;  {LoadAvg()}");
            bool pass = missing == 0 && Pct(r2, 99) < 50 && Pct(s, 99) < 50;
            Console.WriteLine($"api-watch: {watchers} watchers x {updates} updates: delay from response p50 {F1(Pct(r2, 50))} ms, p99 {F1(Pct(r2, 99))} ms; " +
                              $"from send p50 {F1(Pct(s, 50))} ms, p99 {F1(Pct(s, 99))} ms; {missing} missing — target p99 < 50 ms: {Verdict(pass)}");

            stop.Cancel();
            foreach (var c in clients) c.CancelPendingRequests();
            try { await Task.WhenAll(streams).WaitAsync(TimeSpan.FromSeconds(10)); } catch (Exception) { /* streams end with cancellation */ }
        }
        finally
        {
            stop.Cancel();
            foreach (var c in clients) c.Dispose();
            DeleteDir(dir);
        }
    }

    /// <summary>Merge-patches label seq; returns the timestamps just before sending and when the whole response has arrived.</summary>
    static async Task<(long Sent, long Received)> PatchAsync(HttpClient http, string name, string seq)
    {
        var body = $"{{\"metadata\":{{\"labels\":{{\"seq\":\"{seq}\"}}}}}}";
        using var req = new HttpRequestMessage(HttpMethod.Patch, $"{PvcPath}/{name}")
        { Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/merge-patch+json")) };
        long sent = Stopwatch.GetTimestamp();
        using var resp = await http.SendAsync(req);
        await resp.Content.LoadIntoBufferAsync();
        long received = Stopwatch.GetTimestamp();
        if (resp.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"PATCH seq={seq}: {(int)resp.StatusCode} {await resp.Content.ReadAsStringAsync()}");
        return (sent, received);
    }

    static async Task WatchAsync(HttpClient http, int w, string rv, string target, long[,] parsedAt, int[] seen, TaskCompletionSource[] allSeen,
                                 int watchers, TaskCompletionSource headers, CancellationToken ct)
    {
        try
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, $"{PvcPath}?watch=true&resourceVersion={rv}&timeoutSeconds=300");
            using var resp = await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, ct);
            if (resp.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"watch {w}: {(int)resp.StatusCode}");
            using var stream = await resp.Content.ReadAsStreamAsync(ct);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.Length == 0) continue;
                using var doc = JsonDocument.Parse(line);
                var obj = doc.RootElement.GetProperty("object");
                var meta = obj.GetProperty("metadata");
                long now = Stopwatch.GetTimestamp();
                if (doc.RootElement.GetProperty("type").GetString() != "MODIFIED" || meta.GetProperty("name").GetString() != target) continue;
                if (!meta.TryGetProperty("labels", out var labels) || !labels.TryGetProperty("seq", out var seq)) continue;
                if (seq.GetString() == "prime") { headers.TrySetResult(); continue; }
                int i = int.Parse(seq.GetString()!);
                if (i >= seen.Length || parsedAt[w, i] != 0) continue;
                parsedAt[w, i] = now;
                if (Interlocked.Increment(ref seen[i]) == watchers) allSeen[i].TrySetResult();
            }
        }
        catch (OperationCanceledException) { }
        catch (HttpRequestException) when (ct.IsCancellationRequested) { }
        catch (IOException) when (ct.IsCancellationRequested) { }
        catch (Exception e) { headers.TrySetException(e); Console.WriteLine($"  watcher {w} failed: {e.GetType().Name}: {e.Message} {e.InnerException?.GetType().Name}: {e.InnerException?.Message}"); }
    }
}
