using System.Diagnostics;
using System.Net.Http;
using System.Text.Json;

namespace Berth.Bench;

/// <summary>
/// One watch of a namespace's pods that remembers, per pod name, when it was first seen Running and Ready and whether it
/// (timestamps taken as each event line is parsed, so waiting on them adds nothing to the measured latency).
/// </summary>
internal sealed class PodWatcher
{
    private readonly object _lock = new();
    private readonly Dictionary<string, (long Scheduled, long Running, long Ready)> _times = new(StringComparer.Ordinal);
    private readonly HashSet<string> _present = new(StringComparer.Ordinal);

    public async Task RunAsync(HttpClient http, string podsPath, CancellationToken ct)
    {
        string rv = "";
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (rv.Length == 0)
                {
                    using var list = JsonDocument.Parse(await http.GetStringAsync(podsPath, ct));
                    rv = list.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString() ?? "";
                    foreach (var item in list.RootElement.GetProperty("items").EnumerateArray()) Observe("ADDED", item);
                }
                using var resp = await http.GetAsync($"{podsPath}?watch=true&resourceVersion={rv}", HttpCompletionOption.ResponseHeadersRead, ct);
                if (!resp.IsSuccessStatusCode) { rv = ""; await Task.Delay(100, ct); continue; }
                using var reader = new StreamReader(await resp.Content.ReadAsStreamAsync(ct));
                while (await reader.ReadLineAsync(ct) is { } line)
                {
                    if (line.Length == 0) continue;
                    using var ev = JsonDocument.Parse(line);
                    var type = ev.RootElement.GetProperty("type").GetString() ?? "";
                    var obj = ev.RootElement.GetProperty("object");
                    if (type == "ERROR") { rv = ""; break; }
                    rv = obj.GetProperty("metadata").GetProperty("resourceVersion").GetString() ?? rv;
                    Observe(type, obj);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException) { await Task.Delay(100, CancellationToken.None); }
        }
    }

    private void Observe(string type, JsonElement pod)
    {
        long now = Stopwatch.GetTimestamp();
        var name = pod.GetProperty("metadata").GetProperty("name").GetString() ?? "";
        lock (_lock)
        {
            if (type == "DELETED") { _present.Remove(name); return; }
            if (_present.Add(name)) _times[name] = (0, 0, 0);
            var (scheduled, running, ready) = _times[name];
            if (scheduled == 0 && pod.TryGetProperty("spec", out var spec) && spec.TryGetProperty("nodeName", out var node) && node.GetString() is { Length: > 0 })
                scheduled = now;
            _times[name] = (scheduled, running, ready);
            if (!pod.TryGetProperty("status", out var status)) return;
            if (running == 0 && status.TryGetProperty("phase", out var phase) && phase.GetString() == "Running") running = now;
            if (ready == 0 && status.TryGetProperty("conditions", out var conditions))
                foreach (var c in conditions.EnumerateArray())
                    if (c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True") ready = now;
            _times[name] = (scheduled, running, ready);
        }
    }

    /// <summary>When the pod was first seen bound to a node, Running and Ready (Stopwatch timestamps; 0 when not yet).</summary>
    public (long Scheduled, long Running, long Ready) Times(string name)
    {
        lock (_lock) return _times.TryGetValue(name, out var t) ? t : (0, 0, 0);
    }

    public Task RunningAsync(string name, TimeSpan timeout) => UntilAsync(() => Times(name).Running != 0, $"pod {name} Running", timeout);
    public Task ReadyAsync(string name, TimeSpan timeout) => UntilAsync(() => Times(name).Ready != 0, $"pod {name} Ready", timeout);

    private static async Task UntilAsync(Func<bool> done, string what, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (!done())
        {
            if (sw.Elapsed > timeout) throw new TimeoutException($"{what}: not after {timeout.TotalSeconds} s");
            await Task.Delay(2);
        }
    }
}
