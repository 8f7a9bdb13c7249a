using System.Diagnostics;
using Berth.E2E.Tests.Infrastructure;
using Berth.Nfs.Ganesha;

namespace Berth.E2E.Tests;

/// <summary>
/// `berth provisioner nfs-subdir` on its own, killed (SIGKILL, via BERTH_FAULT) after it made the directory and before the
/// PV exists; started again it binds the claim to that same directory: one PV, one directory.
/// </summary>
public sealed class NfsProvisionerCrashTests : IAsyncLifetime
{
    private readonly string _root = TempDirectory.Create("berth-e2e-nfscrash-");
    private GaneshaServer _nfs = null!;
    private BerthProcess _berth = null!;
    private Kubectl _k = null!;

    public async Task InitializeAsync()
    {
        if (Environment.UserName != "root") throw new InvalidOperationException("NFS end-to-end tests need root (nfs-ganesha)");
        _nfs = await GaneshaServer.StartAsync(Path.Combine(_root, "export"), GaneshaServer.FreePort(), Path.Combine(_root, "ganesha"));
        _berth = await BerthProcess.StartAsync(); // no provisioner for k8s-sigs.io/nfs-subdir-external-provisioner inside
        _k = new Kubectl(_berth.Kubeconfig);
    }

    public async Task DisposeAsync()
    {
        await _berth.DisposeAsync();
        await _nfs.DisposeAsync();
        TempDirectory.Delete(_root);
    }

    private Process StartProvisioner(string? fault)
    {
        var psi = new ProcessStartInfo(Path.Combine(BerthProcess.RepoRoot, "berth"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "provisioner", "nfs-subdir", "--kubeconfig", _berth.Kubeconfig, "--no-leader-elect",
                     "--server", "127.0.0.1", "--path", _nfs.ExportDirectory, "--port", _nfs.Port.ToString() })
            psi.ArgumentList.Add(a);
        if (fault is not null) psi.Environment["BERTH_FAULT"] = fault;
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    [Fact]
    public async Task A_crash_between_directory_and_pv_leaves_one_directory_and_one_pv()
    {
        await _k.OkAsync($"apply -f {ServerFixture.Manifest("seed003-pvc-dynamic-example.yaml")}");
        await _k.OkAsync("apply -f -", """
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: nfs-client}
            provisioner: k8s-sigs.io/nfs-subdir-external-provisioner
            parameters: {archiveOnDelete: "false"}
            """);
        var uid = await _k.OkAsync("get pvc pvc-dynamic-example -o jsonpath={.metadata.uid}");
        var dir = $"default-pvc-dynamic-example-pvc-{uid}";

        using (var crashing = StartProvisioner("provision-after-storage"))
        {
            await crashing.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.NotEqual(0, crashing.ExitCode);
        }
        using (var nfs = _nfs.Connect()) Assert.True(nfs.LStat(dir)!.IsDirectory, "the directory was made before the crash");
        Assert.Equal("", (await _k.OkAsync("get pv -o name")).Trim());

        using var provisioner = StartProvisioner(null);
        try
        {
            await Eventually.EqualsAsync(_k, "get pvc pvc-dynamic-example -o jsonpath={.status.phase}", "Bound", 60);
            Assert.Equal("persistentvolume/pvc-" + uid, (await _k.OkAsync("get pv -o name")).Trim());
            Assert.Equal($"{_nfs.ExportDirectory}/{dir}", await _k.OkAsync($"get pv pvc-{uid} -o jsonpath={{.spec.nfs.path}}"));
            using var nfs = _nfs.Connect();
            Assert.Single(nfs.ReadDir(""), e => e.Name.StartsWith("default-pvc-dynamic-example", StringComparison.Ordinal));
        }
        finally
        {
            provisioner.Kill();
            await provisioner.WaitForExitAsync();
        }
    }
}
