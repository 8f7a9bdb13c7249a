using System.Diagnostics;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Storage;
using Berth.Client;
using Berth.Server.Client;
using Berth.Server.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using static Berth.Bench.ApiBench;

namespace Berth.Bench;

/// <summary>
/// Dynamic provisioning under a burst (issue 4: 1,000 claims, all Bound, 1,000 directories, no duplicates, &lt; 10 s).
/// A server in this process with its built-in local-path provisioner; an Immediate local-path class; N claims POSTed over
/// HTTPS by 16 clients; the time from the first create until every claim is Bound (seen by an informer on the
/// in-process client). Then the final state is checked: one PV pvc-&lt;uid&gt; per claim, pre-bound to it, and exactly
/// one directory per claim under the root. Args: [N] (default 1,000).
/// </summary>
public sealed class ProvisionLocalPathBenchmark : IBenchmark
{
    public string Name => "provision-local-path";
    public string Description => "N claims (default 1,000) in a burst on an Immediate local-path class: all Bound, one PV and one directory each";

    const int Clients = 16;
    const double TargetSeconds = 10.0;
    static readonly TimeSpan BoundTimeout = TimeSpan.FromSeconds(120);

    public async Task RunAsync(string[] args)
    {
        int n = args.Length > 0 && int.TryParse(args[0], out var v) ? v : 1_000;
        Console.WriteLine($"{LoadAvg()}; claims POSTed over HTTPS by {Clients} clients; server, provisioner and observer in this process");
        var dir = TempDir("provision-local-path");
        var root = Path.Combine(dir, "local-path");
        BerthServer? server = null;
        HttpClient[] http = [];
        try
        {
            server = await BerthServer.StartAsync(new ServerOptions
            {
                DataDir = Path.Combine(dir, "data"), Listen = "127.0.0.1:0", Runtime = "simulated", LocalPathRoot = root,
            }, NullLoggerFactory.Instance);
            var client = new InProcessClient(server.Store);
            await client.CreateAsync(new StorageClass
            {
                Metadata = new ObjectMeta { Name = "bench-local-path" },
                Provisioner = "berth.io/local-path",
                VolumeBindingMode = VolumeBindingModes.Immediate,
            });
            http = ApiBench.Clients(server, Clients);

            using var stop = new CancellationTokenSource();
            var bound = new BoundCounter(n);
            var claims = new SharedInformer<PersistentVolumeClaim>(client, "default");
            claims.AddEventHandler(bound.Observe, (_, c) => bound.Observe(c), null);
            claims.Start(stop.Token);
            await claims.WaitForSyncAsync();

            var t0 = Stopwatch.GetTimestamp();
            var latencies = await PostManyAsync(http, PvcPath, 0, n, i => ClaimJson($"claim-{i:D5}"));
            double createSec = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            bool allBound = await bound.Done.Task.WaitAsync(BoundTimeout).ContinueWith(t => t.IsCompletedSuccessfully);
            double totalSec = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            stop.Cancel();
            Array.Sort(latencies);
            Console.WriteLine($"  claims: {N0(n)} created in {F2(createSec)} s = {N0(n / createSec)}/s (p50 {F1(Pct(latencies, 50))} ms, p99 {F1(Pct(latencies, 99))} ms)");
            Console.WriteLine(allBound
                ? $"  claims: all {N0(n)} Bound {F2(totalSec)} s after the first create = {N0(n / totalSec)} claims/s ({F2(totalSec - createSec)} s after the last create returned)"
                : $"  claims: only {N0(bound.Count)} of {N0(n)} Bound after {BoundTimeout.TotalSeconds} s");

            // Verification on the final state.
            var finalClaims = (await client.ListAsync<PersistentVolumeClaim>("default")).Items;
            var pvs = (await client.ListAsync<PersistentVolume>(null)).Items;
            var dirs = Directory.Exists(root) ? Directory.GetDirectories(root) : [];
            var problems = new List<string>();
            var pvByName = pvs.ToDictionary(p => p.Metadata.Name!);
            var expectedDirs = new HashSet<string>(StringComparer.Ordinal);
            foreach (var c in finalClaims)
            {
                var pvName = "pvc-" + c.Metadata.Uid;
                if (c.Spec?.VolumeName != pvName) problems.Add($"{c.Metadata.Name}: bound to {c.Spec?.VolumeName ?? "nothing"}, not {pvName}");
                if (!pvByName.TryGetValue(pvName, out var pv)) problems.Add($"{c.Metadata.Name}: no PV {pvName}");
                else if (pv.Spec?.ClaimRef?.Uid != c.Metadata.Uid) problems.Add($"{pvName}: claimRef is not {c.Metadata.Name}");
                expectedDirs.Add(Path.Combine(root, $"{pvName}_default_{c.Metadata.Name}"));
            }
            int strayPvs = pvs.Count(p => p.Metadata.Annotation("pv.kubernetes.io/provisioned-by") == "berth.io/local-path") - finalClaims.Count;
            if (strayPvs != 0) problems.Add($"{strayPvs} PVs more than claims");
            foreach (var d in dirs) if (!expectedDirs.Contains(d)) problems.Add($"unexpected directory {d}");
            int missingDirs = expectedDirs.Count(d => !Directory.Exists(d));
            if (missingDirs > 0) problems.Add($"{missingDirs} claims without their directory");
            Console.WriteLine($"  final state: {N0(finalClaims.Count)} claims, {N0(pvs.Count)} PVs, {N0(dirs.Length)} directories under {root}");
            foreach (var p in problems.Take(10)) Console.WriteLine("    " + p);
            bool pass = allBound && problems.Count == 0 && finalClaims.Count == n && dirs.Length == n;
            Console.WriteLine($"provision-local-path {N0(n)}: all Bound in {F2(totalSec)} s = {N0(n / totalSec)} claims/s, one PV and one directory each: " +
                              $"{(problems.Count == 0 ? "verified" : $"{problems.Count} PROBLEMS")} — target < {F1(TargetSeconds)} s: {Verdict(pass && totalSec < TargetSeconds)}");
            Console.WriteLine($"  ({LoadAvg()})");
        }
        finally
        {
            foreach (var h in http) h.Dispose();
            if (server is not null) await server.DisposeAsync();
            DeleteDir(dir);
        }
    }

    static string ClaimJson(string name) =>
        "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"" + name +
        "\"},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"storageClassName\":\"bench-local-path\",\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}";

    sealed class BoundCounter(int target)
    {
        private readonly HashSet<string> _bound = new(StringComparer.Ordinal);
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Count { get { lock (_bound) return _bound.Count; } }

        public void Observe(PersistentVolumeClaim c)
        {
            if (c.Status?.Phase != "Bound") return;
            lock (_bound) if (_bound.Add(c.Metadata.Name!) && _bound.Count >= target) Done.TrySetResult();
        }
    }
}
