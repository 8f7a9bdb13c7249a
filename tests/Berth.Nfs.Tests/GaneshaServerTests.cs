using System.Diagnostics;
using Berth.Nfs.Ganesha;

namespace Berth.Nfs.Tests;

public sealed class GaneshaServerTests
{
    [Fact]
    public async Task A_stale_server_from_a_crashed_run_is_stopped_and_replaced()
    {
        var root = Path.Combine(Path.GetTempPath(), "berth-ganesha-" + Guid.NewGuid().ToString("N")[..8]);
        var port = GaneshaServer.FreePort();
        var first = await GaneshaServer.StartAsync(Path.Combine(root, "export"), port, Path.Combine(root, "state"));
        var stalePid = first.ProcessId!.Value;
        try
        {
            var sw = Stopwatch.StartNew();
            // Same state directory: the pid file names the first server, which is "left over" from a crashed run.
            await using var second = await GaneshaServer.StartAsync(Path.Combine(root, "export"), port, Path.Combine(root, "state"));
            Assert.NotEqual(stalePid, second.ProcessId);
            Assert.False(File.Exists($"/proc/{stalePid}/comm") && File.ReadAllText($"/proc/{stalePid}/comm").Trim() == "ganesha.nfsd",
                "the stale ganesha was stopped");
            using var c = second.Connect();
            c.Mkdir("after-restart");
            Assert.True(Directory.Exists(Path.Combine(root, "export", "after-restart")));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"restart took {sw.Elapsed}");
        }
        finally
        {
            await first.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_taken_port_is_reported()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var root = Path.Combine(Path.GetTempPath(), "berth-ganesha-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                GaneshaServer.StartAsync(Path.Combine(root, "export"), port, Path.Combine(root, "state")));
            Assert.Contains($"127.0.0.1:{port} is already in use", e.Message);
        }
        finally
        {
            listener.Stop();
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void The_config_is_nfsv4_only_on_loopback_without_root_squash()
    {
        var conf = GaneshaConfig.Render("/srv/x", 20490);
        Assert.Contains("NFS_Port = 20490;", conf);
        Assert.Contains("Bind_addr = 127.0.0.1;", conf);
        Assert.Contains("Protocols = 4;", conf);
        Assert.Contains("Squash = No_Root_Squash;", conf);
        Assert.Contains("Path = \"/srv/x\";", conf);
        Assert.Throws<ArgumentException>(() => GaneshaConfig.Render("/srv/x\"; }", 1));
    }
}
