using System.Net;
using System.Net.Sockets;
using Berth.Server.Hosting;
using Berth.Server.Tests.Api;

namespace Berth.Server.Tests.Hosting;

public sealed class ReadinessTests
{
    /// <summary>A client waits for /readyz and then reads DIR/kubeconfig (the contract of `berth server`). On a restart the
    /// kubeconfig of the previous run names another port, so /readyz must not say ok before the new one is written.
    /// (A race by nature: with the kubeconfig written after the controllers start, this failed in about half its runs on a
    /// 2-core machine, as the E2E restart test did now and then in CI; it cannot fail when the order is right.)</summary>
    [Fact]
    public async Task Readyz_says_ok_only_once_the_kubeconfig_names_this_run()
    {
        var dir = TempDirectory.Create("berth-ready-");
        try
        {
            await using (var first = await TestServer.StartAsync(dir)) // leaves a kubeconfig naming a port now closed
            {
                // Objects for the controllers' informers to list at the next start, which widens the window between the
                // API serving and start-up finishing.
                await Parallel.ForAsync(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
                    Assert.Equal(201, (await first.SendAsync(HttpMethod.Post, "/api/v1/persistentvolumes",
                        "{\"metadata\":{\"name\":\"pv" + i + "\"},\"spec\":{\"capacity\":{\"storage\":\"1Gi\"},\"accessModes\":[\"ReadWriteOnce\"],\"hostPath\":{\"path\":\"/tmp/pv" + i + "\"}}}")).Code));
            }
            var port = FreePort();
            var url = $"https://127.0.0.1:{port}";
            Assert.DoesNotContain(url, await File.ReadAllTextAsync(Path.Combine(dir, "kubeconfig")));

            using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
            using var stop = new CancellationTokenSource();
            var sawOk = 0;
            var sawStale = 0;
            var poll = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        using var r = await http.GetAsync(url + "/readyz", stop.Token);
                        if (r.StatusCode == HttpStatusCode.OK)
                        {
                            Interlocked.Increment(ref sawOk);
                            if (!(await File.ReadAllTextAsync(Path.Combine(dir, "kubeconfig"))).Contains(url)) Interlocked.Increment(ref sawStale);
                        }
                        else Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
                    }
                    catch (HttpRequestException) { await Task.Delay(1); } // not listening yet
                    catch (OperationCanceledException) { }
                }
            });
            await using (await TestServer.StartAsync(dir, o => o with { Listen = $"127.0.0.1:{port}" }))
            {
                for (var waited = 0; Volatile.Read(ref sawOk) < 3 && waited < 10_000; waited += 10) await Task.Delay(10);
                stop.Cancel();
                await poll;
            }
            Assert.True(sawOk > 0);
            Assert.Equal(0, sawStale);
        }
        finally { TempDirectory.Delete(dir); }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
