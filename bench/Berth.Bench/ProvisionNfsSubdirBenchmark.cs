using System.Diagnostics;
using Berth.Api.Core;
using Berth.Nfs.Ganesha;
using Berth.Provisioners.NfsSubdir;
using Berth.Server.Client;
using Berth.Server.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using static Berth.Bench.ApiBench;

namespace Berth.Bench;

/// <summary>
/// Issue #4 §7: N claims (default 1,000) created in a burst on an nfs-subdir class against a local nfs-ganesha; the
/// in-process nfs-subdir provisioner makes one directory per claim over NFS (libnfs) and the PV. Measures the time from
/// the first create until every claim is Bound, then checks the export over NFS: N directories, no duplicates, and every
/// PV pointing at its own. Target &lt; 10 s for 1,000 (users report minutes with upstream provisioners). Args: [N].
/// </summary>
public sealed class ProvisionNfsSubdirBenchmark : IBenchmark
{
    public string Name => "provision-nfs-subdir";
    public string Description => "N claims (default 1,000) in a burst on an nfs-subdir class against a local ganesha; all Bound, N directories";

    const int Clients = 16;
    const double TargetSeconds = 10;

    public async Task RunAsync(string[] args)
    {
        var n = args.Length > 0 && int.TryParse(args[0], out var x) ? x : 1_000;
        var dir = TempDir("nfs-subdir");
        GaneshaServer? nfs = null;
        BerthServer? server = null;
        var http = new List<HttpClient>();
        try
        {
            nfs = await GaneshaServer.StartAsync(Path.Combine(dir, "export"), GaneshaServer.FreePort(), Path.Combine(dir, "ganesha"));
            server = await BerthServer.StartAsync(new ServerOptions
            {
                DataDir = Path.Combine(dir, "data"), Listen = "127.0.0.1:0", Runtime = "simulated",
                NfsSubdir = new NfsSubdirOptions { Server = nfs.Address, Path = nfs.ExportDirectory, Port = nfs.Port },
            }, NullLoggerFactory.Instance);
            Console.WriteLine($"{LoadAvg()}; ganesha on 127.0.0.1:{nfs.Port} exporting {nfs.ExportDirectory}; claims POSTed over HTTPS by {Clients} clients; " +
                              "server and provisioner in this process");
            var clients = ApiBench.Clients(server, Clients);
            http.AddRange(clients);
            using (var resp = await clients[0].PostAsync("/apis/storage.k8s.io/v1/storageclasses", Json(
                       "{\"apiVersion\":\"storage.k8s.io/v1\",\"kind\":\"StorageClass\",\"metadata\":{\"name\":\"nfs-bench\"}," +
                       "\"provisioner\":\"k8s-sigs.io/nfs-subdir-external-provisioner\",\"parameters\":{\"archiveOnDelete\":\"false\"}}")))
                resp.EnsureSuccessStatusCode();

            var api = new InProcessClient(server.Store);
            var t0 = Stopwatch.GetTimestamp();
            await PostManyAsync(clients, PvcPath, 0, n, i =>
                "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"bench-" + i + "\"}," +
                "\"spec\":{\"storageClassName\":\"nfs-bench\",\"accessModes\":[\"ReadWriteMany\"],\"resources\":{\"requests\":{\"storage\":\"1Mi\"}}}}");
            double createSec = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            int bound = 0;
            List<PersistentVolumeClaim> claims = [];
            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 120;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                claims = (await api.ListAsync<PersistentVolumeClaim>("default")).Items;
                bound = 0;
                foreach (var c in claims) if (c.Status?.Phase == "Bound") bound++;
                if (bound == n) break;
                await Task.Delay(50);
            }
            double boundSec = Stopwatch.GetElapsedTime(t0).TotalSeconds;

            // The export, over NFS: one directory per claim, each PV on its own.
            var pvs = (await api.ListAsync<PersistentVolume>(null)).Items;
            var paths = new HashSet<string>(StringComparer.Ordinal);
            foreach (var pv in pvs) if (pv.Spec?.NFS?.Path is { } p) paths.Add(p);
            using var nfsClient = nfs.Connect();
            int dirs = 0;
            foreach (var e in nfsClient.ReadDir("")) if (e.Name.StartsWith("default-bench-", StringComparison.Ordinal)) dirs++;

            Console.WriteLine($"claims: {N0(n)} created in {F2(createSec)} s; {N0(bound)} Bound {F2(boundSec)} s after the first create = {N0(n / boundSec)} claims/s");
            Console.WriteLine($"export: {N0(dirs)} claim directories over NFS; {N0(pvs.Count)} PVs with {N0(paths.Count)} distinct paths");
            bool ok = bound == n && dirs == n && pvs.Count == n && paths.Count == n;
            Console.WriteLine($"provision-nfs-subdir {N0(n)}: all Bound in {F2(boundSec)} s, {N0(dirs)} directories, no duplicates: {(ok ? "yes" : "NO")} — " +
                              $"target < {F1(TargetSeconds)} s: {Verdict(ok && boundSec < TargetSeconds)}");
            Console.WriteLine($"  ({LoadAvg()})");
        }
        finally
        {
            foreach (var h in http) h.Dispose();
            if (server is not null) await server.DisposeAsync();
            if (nfs is not null) await nfs.DisposeAsync();
            DeleteDir(dir);
        }
    }
}
