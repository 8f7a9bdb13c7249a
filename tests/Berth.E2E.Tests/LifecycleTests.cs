using System.Diagnostics;
using Berth.E2E.Tests.Infrastructure;

namespace Berth.E2E.Tests;

/// <summary>Starting, stopping and restarting ./berth server as a user does.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task Objects_survive_a_restart_with_the_same_data_dir_and_sigterm_exits_zero()
    {
        var dir = TempDirectory.Create("berth-restart-");
        string uid;
        await using (var first = await BerthProcess.StartAsync(dir))
        {
            var k = new Kubectl(first.Kubeconfig);
            await k.OkAsync($"apply -f {ServerFixture.Manifest("seed001-nfs-pvs.yaml")}");
            uid = await k.OkAsync("get pv nfspv1 -o jsonpath={.metadata.uid}");
            Assert.Equal(0, await first.StopAsync());
        }
        await using var second = await BerthProcess.StartAsync(dir);
        var k2 = new Kubectl(second.Kubeconfig);
        Assert.Equal(uid, await k2.OkAsync("get pv nfspv1 -o jsonpath={.metadata.uid}"));
        Assert.Contains("nfspv3", await k2.OkAsync("get pv"));
    }

    [Fact]
    public async Task Anonymous_requests_are_refused()
    {
        await using var b = await BerthProcess.StartAsync();
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        var r = await http.GetAsync($"https://127.0.0.1:{b.Port}/api/v1/namespaces/default/secrets");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, r.StatusCode);
    }

    private static async Task<(int Code, string Stderr)> RunBerthAsync(params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(BerthProcess.RepoRoot, "berth")) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await err);
    }

    [Fact]
    public async Task A_port_in_use_is_a_one_line_error()
    {
        await using var b = await BerthProcess.StartAsync();
        var dir = TempDirectory.Create("berth-port-");
        var (code, err) = await RunBerthAsync("server", "--data-dir", dir, "--listen", $"127.0.0.1:{b.Port}", "--runtime", "simulated");
        TempDirectory.Delete(dir);
        Assert.NotEqual(0, code);
        Assert.Contains("address already in use", err);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_corrupt_store_is_a_one_line_error()
    {
        var dir = TempDirectory.Create("berth-corrupt-");
        await File.WriteAllTextAsync(Path.Combine(dir, "store.db"), "this is not a database, it is a sentence that fills a page" + new string('x', 5000));
        var (code, err) = await RunBerthAsync("server", "--data-dir", dir, "--listen", $"127.0.0.1:{BerthProcess.FreePort()}");
        TempDirectory.Delete(dir);
        Assert.NotEqual(0, code);
        Assert.StartsWith("berth: cannot open the store", err.Trim());
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task An_unwritable_data_dir_is_a_one_line_error()
    {
        var file = Path.GetTempFileName(); // a file where a directory should be
        var (code, err) = await RunBerthAsync("server", "--data-dir", Path.Combine(file, "data"), "--listen", $"127.0.0.1:{BerthProcess.FreePort()}");
        File.Delete(file);
        Assert.NotEqual(0, code);
        Assert.Contains("is not writable", err);
    }
}
