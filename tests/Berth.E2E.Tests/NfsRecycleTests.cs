using System.Diagnostics;
using Berth.E2E.Tests.Infrastructure;
using Berth.Nfs.Ganesha;

namespace Berth.E2E.Tests;

/// <summary>A real nfs-ganesha on a free port and a plain `berth server --runtime simulated` (static NFS volumes only).</summary>
public sealed class NfsRecycleFixture : IAsyncLifetime
{
    public string Root { get; } = TempDirectory.Create("berth-e2e-recycle-");
    public string Export => Path.Combine(Root, "export");
    public string GaneshaState => Path.Combine(Root, "ganesha");
    public GaneshaServer Nfs { get; set; } = null!;
    public BerthProcess Berth { get; private set; } = null!;
    public Kubectl Kubectl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (Environment.UserName != "root") throw new InvalidOperationException("NFS end-to-end tests need root (nfs-ganesha)");
        Nfs = await GaneshaServer.StartAsync(Export, GaneshaServer.FreePort(), GaneshaState);
        Berth = await BerthProcess.StartAsync();
        Kubectl = new Kubectl(Berth.Kubeconfig);
    }

    public async Task DisposeAsync()
    {
        if (Berth is not null) await Berth.DisposeAsync();
        if (Nfs is not null) await Nfs.DisposeAsync();
        TempDirectory.Delete(Root);
    }
}

/// <summary>The Recycle reclaim policy on NFS volumes, with real kubectl and a real NFS server: the claim goes, the
/// volume's contents go (never what a symlink in it points to), the volume is Available for the next claim.</summary>
public sealed class NfsRecycleTests(NfsRecycleFixture f) : IClassFixture<NfsRecycleFixture>
{
    private readonly Kubectl _k = f.Kubectl;

    private string Manifest(string name, string dir) => $$"""
        apiVersion: v1
        kind: PersistentVolume
        metadata:
          name: {{name}}
        spec:
          capacity: {storage: 1Gi}
          accessModes: [ReadWriteOnce]
          persistentVolumeReclaimPolicy: Recycle
          storageClassName: {{name}}
          mountOptions: [hard, "port={{f.Nfs.Port}}"]
          nfs:
            server: 127.0.0.1
            path: {{dir}}
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: {{name}}-claim
        spec:
          storageClassName: {{name}}
          accessModes: [ReadWriteOnce]
          resources:
            requests: {storage: 1Gi}
        """;

    /// <summary>The volume's phases as `kubectl get pv -w` reports them, until it reports <paramref name="until"/>;
    /// <paramref name="watching"/> completes once the watch has reported the current phase.</summary>
    private static async Task<List<string>> WatchPhasesAsync(string kubeconfig, string pv, string until, TaskCompletionSource watching, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(Kubectl.Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--kubeconfig", kubeconfig, "get", "pv", pv, "-w", "-o", "jsonpath={.status.phase}{\"\\n\"}" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var phases = new List<string>();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await p.StandardOutput.ReadLineAsync(cts.Token) is { } line)
            {
                phases.Add(line.Trim());
                watching.TrySetResult();
                if (line.Trim() == until) break;
            }
        }
        catch (OperationCanceledException) { }
        finally
        {
            watching.TrySetResult();
            p.Kill(true);
        }
        return phases;
    }

    [Fact]
    public async Task Deleting_the_claim_scrubs_the_nfs_volume_and_makes_it_available_without_touching_what_symlinks_point_to()
    {
        var dir = Path.Combine(f.Export, "recycle-me");
        Directory.CreateDirectory(Path.Combine(dir, "html/img"));
        await File.WriteAllTextAsync(Path.Combine(dir, "html/index.html"), "<h1>old tenant</h1>");
        await File.WriteAllTextAsync(Path.Combine(dir, "html/img/logo.png"), "png");
        await File.WriteAllTextAsync(Path.Combine(dir, ".bash_history"), "secrets");
        // A host directory outside the export, and a symlink to it planted in the volume (plus a dangling one).
        var hostDir = Path.Combine(f.Root, "host-data");
        Directory.CreateDirectory(hostDir);
        await File.WriteAllTextAsync(Path.Combine(hostDir, "precious.txt"), "keep me");
        File.CreateSymbolicLink(Path.Combine(dir, "escape"), hostDir);
        File.CreateSymbolicLink(Path.Combine(dir, "html/escape-file"), Path.Combine(hostDir, "precious.txt"));
        File.CreateSymbolicLink(Path.Combine(dir, "dangling"), "/nowhere/at/all");

        await _k.OkAsync("apply -f -", Manifest("nfs-recycle", dir));
        await Eventually.EqualsAsync(_k, "get pvc nfs-recycle-claim -o jsonpath={.status.phase}", "Bound", 30);
        Assert.Equal("Bound default/nfs-recycle-claim", await _k.OkAsync("get pv nfs-recycle -o jsonpath='{.status.phase} {.spec.claimRef.namespace}/{.spec.claimRef.name}'"));

        var watching = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = WatchPhasesAsync(f.Berth.Kubeconfig, "nfs-recycle", "Available", watching, TimeSpan.FromSeconds(60));
        await watching.Task; // the watch reported "Bound": every later phase will be seen
        await _k.OkAsync("delete pvc nfs-recycle-claim");
        var phases = await watch;
        Assert.Equal("Bound", phases.FirstOrDefault());
        Assert.True(phases.IndexOf("Released") >= 0 && phases.IndexOf("Released") < phases.LastIndexOf("Available"),
            "phases seen: " + string.Join(" → ", phases));

        Assert.Equal("Available", (await _k.OkAsync("get pv nfs-recycle -o jsonpath='{.status.phase} {.spec.claimRef}'")).Trim());
        Assert.True(Directory.Exists(dir), "the exported directory itself stays");
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
        Assert.Equal("keep me", await File.ReadAllTextAsync(Path.Combine(hostDir, "precious.txt")));

        var events = await Eventually.OutputAsync(_k, "get events --field-selector involvedObject.name=nfs-recycle",
            s => s.Contains("VolumeRecycled"), 20);
        Assert.Contains("Volume recycled", events);
        Assert.Contains("RecyclerPod", events);

        // The next claim binds it again.
        await _k.OkAsync("apply -f -", Manifest("nfs-recycle", dir));
        await Eventually.EqualsAsync(_k, "get pv nfs-recycle -o jsonpath={.status.phase}", "Bound", 30);
    }

    [Fact]
    public async Task While_the_server_is_down_the_volume_is_failed_and_it_recycles_once_the_server_is_back()
    {
        var dir = Path.Combine(f.Export, "server-down");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "data"), "old");
        await _k.OkAsync("apply -f -", Manifest("nfs-down", dir));
        await Eventually.EqualsAsync(_k, "get pvc nfs-down-claim -o jsonpath={.status.phase}", "Bound", 30);

        var port = f.Nfs.Port;
        await f.Nfs.DisposeAsync();
        try
        {
            await _k.OkAsync("delete pvc nfs-down-claim");
            await Eventually.EqualsAsync(_k, "get pv nfs-down -o jsonpath={.status.phase}", "Failed", 60);
            var message = await _k.OkAsync("get pv nfs-down -o jsonpath={.status.message}");
            Assert.StartsWith("Recycle failed: failed to recycle volume: ", message);
            Assert.Contains($"port {port}", message);
            var events = await _k.OkAsync("get events --field-selector involvedObject.name=nfs-down,reason=VolumeFailedRecycle");
            Assert.Contains("Warning", events);
            Assert.Equal("old", await File.ReadAllTextAsync(Path.Combine(dir, "data")));
        }
        finally
        {
            f.Nfs = await GaneshaServer.StartAsync(f.Export, port, f.GaneshaState);
        }
        // Retried as upstream does at each resync (15 s).
        await Eventually.EqualsAsync(_k, "get pv nfs-down -o jsonpath={.status.phase}", "Available", 60);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
    }
}
