using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using static Berth.Bench.ApiBench;

namespace Berth.Bench;

/// <summary>
/// LIST of 10,000 PVCs over HTTPS from an in-process server: full JSON, the Table form kubectl asks for, and limit=500 paging
/// through all of them. Client time from sending the request to having read the whole body; best and median of 10 runs
/// (after one unmeasured run each). Args: [N] objects (default 10,000).
/// </summary>
public sealed class ApiListBenchmark : IBenchmark
{
    public string Name => "api-list";
    public string Description => "LIST 10,000 PVCs over HTTPS: JSON, Table, and limit=500 pages (best/median of 10)";

    const int Runs = 10;
    const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io";

    public async Task RunAsync(string[] args)
    {
        int count = args.Where(a => int.TryParse(a, out _)).Select(int.Parse).DefaultIfEmpty(10_000).First();
        string dir = TempDir("api-list");
        try
        {
            Console.WriteLine($"directory: {dir}; {LoadAvg()}");
            await using var server = await StartServerAsync(Path.Combine(dir, "data"));
            var writers = Clients(server, 16);
            try
            {
                var fill = Stopwatch.StartNew();
                await PostManyAsync(writers, PvcPath, 0, count, i => PvcJson($"claim-{i:D6}"));
                Console.WriteLine($"created {N0(count)} PVCs in {F1(fill.Elapsed.TotalSeconds)} s");
            }
            finally { foreach (var w in writers) w.Dispose(); }

            using var http = HttpsClient(server);
            using var one = HttpsClient(server);

            // Full JSON.
            var (jsonMs, jsonBytes, jsonItems) = await TimeAsync(http, PvcPath, null);
            Report("LIST JSON", jsonMs, jsonBytes, jsonItems);
            // Table (what kubectl get asks for).
            var (tableMs, tableBytes, tableRows) = await TimeAsync(http, PvcPath, TableAccept);
            Report("LIST Table", tableMs, tableBytes, tableRows);

            // Paging with limit=500 through all.
            await PageAllAsync(http); // warm
            var pageRuns = new List<double>();
            int pages = 0, paged = 0;
            var firstPage = new List<double>();
            var laterPages = new List<double>();
            for (int r = 0; r < Runs; r++)
            {
                var perPage = new List<double>();
                var sw = Stopwatch.StartNew();
                (pages, paged) = await PageAllAsync(http, perPage);
                pageRuns.Add(sw.Elapsed.TotalMilliseconds);
                firstPage.Add(perPage[0]);
                laterPages.AddRange(perPage.Skip(1));
            }
            Console.WriteLine($"LIST limit=500 through all: {pages} pages, {N0(paged)} items: best {F1(pageRuns.Min())} ms, median {F1(Median(pageRuns))} ms (per page ~{F1(Median(pageRuns) / pages)} ms)");
            Console.WriteLine($"  first page (no continue token) median {F1(Median(firstPage))} ms; continued pages median {F1(Median(laterPages))} ms");
            if (paged != jsonItems) Console.WriteLine($"  WARNING: paging saw {paged} items, the full list {jsonItems}");

            // A single GET for scale.
            var getRuns = new List<double>();
            for (int r = 0; r < 200; r++)
            {
                var sw = Stopwatch.StartNew();
                using var resp = await one.GetAsync($"{PvcPath}/claim-{r:D6}");
                await resp.Content.ReadAsByteArrayAsync();
                getRuns.Add(sw.Elapsed.TotalMilliseconds);
            }
            Console.WriteLine($"(for scale) GET one PVC: median {F2(Median(getRuns))} ms;  {LoadAvg()}");

            Console.WriteLine($"api-list JSON: best {F1(jsonMs.Min())} ms, median {F1(Median(jsonMs))} ms for {N0(jsonItems)} PVCs ({F1(jsonBytes / 1048576.0)} MB) — target < 200 ms: {Verdict(Median(jsonMs) < 200)}");
            Console.WriteLine($"api-list Table: best {F1(tableMs.Min())} ms, median {F1(Median(tableMs))} ms for {N0(tableRows)} rows ({F1(tableBytes / 1048576.0)} MB)");
            Console.WriteLine($"api-list limit=500 paging: best {F1(pageRuns.Min())} ms, median {F1(Median(pageRuns))} ms for {pages} pages / {N0(paged)} PVCs (first page {F1(Median(firstPage))} ms, continued pages {F1(Median(laterPages))} ms each)");
        }
        finally { DeleteDir(dir); }
    }

    static void Report(string what, List<double> ms, long bytes, int items)
        => Console.WriteLine($"{what}: {N0(items)} items, {N0(bytes)} bytes: best {F1(ms.Min())} ms, median {F1(Median(ms))} ms, runs [{string.Join(", ", ms.Select(F1))}]");

    /// <summary>One unmeasured run, then <see cref="Runs"/> measured ones; the item count is checked outside the timing.</summary>
    static async Task<(List<double> Ms, long Bytes, int Items)> TimeAsync(HttpClient http, string path, string? accept)
    {
        byte[] body = [];
        var ms = new List<double>();
        for (int r = 0; r <= Runs; r++)
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, path);
            if (accept is not null) req.Headers.Accept.ParseAdd(accept);
            var sw = Stopwatch.StartNew();
            using var resp = await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
            body = await resp.Content.ReadAsByteArrayAsync();
            sw.Stop();
            if (resp.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"LIST {path}: {(int)resp.StatusCode}");
            if (r > 0) ms.Add(sw.Elapsed.TotalMilliseconds);
        }
        using var doc = JsonDocument.Parse(body);
        int items = doc.RootElement.TryGetProperty("items", out var it) ? it.GetArrayLength()
                  : doc.RootElement.TryGetProperty("rows", out var rows) ? rows.GetArrayLength() : -1;
        return (ms, body.Length, items);
    }

    static async Task<(int Pages, int Items)> PageAllAsync(HttpClient http, List<double>? pageMs = null)
    {
        int pages = 0, items = 0;
        string? cont = null;
        do
        {
            var url = $"{PvcPath}?limit=500" + (cont is null ? "" : "&continue=" + Uri.EscapeDataString(cont));
            var sw = Stopwatch.StartNew();
            using var resp = await http.GetAsync(url);
            var body = await resp.Content.ReadAsByteArrayAsync();
            pageMs?.Add(sw.Elapsed.TotalMilliseconds);
            if (resp.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"LIST page {pages}: {(int)resp.StatusCode}");
            using var doc = JsonDocument.Parse(body);
            items += doc.RootElement.GetProperty("items").GetArrayLength();
            cont = doc.RootElement.GetProperty("metadata").TryGetProperty("continue", out var c) && c.GetString() is { Length: > 0 } s ? s : null;
            pages++;
        } while (cont is not null);
        return (pages, items);
    }
}
