using Berth.E2E.Tests.Infrastructure;

namespace Berth.E2E.Tests;

/// <summary>
/// Issue 4: never two PVs or two directories for one claim, also when the process dies between creating the storage
/// and creating the PV. BERTH_FAULT=provision-after-storage makes `berth server` SIGKILL itself exactly there.
/// </summary>
public sealed class ProvisionerCrashTests
{
    private const string ImmediateClass = """
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: lp-now}
        provisioner: berth.io/local-path
        volumeBindingMode: Immediate
        """;

    private const string ClaimYaml = """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: survivor}
        spec:
          accessModes: [ReadWriteOnce]
          storageClassName: lp-now
          resources: {requests: {storage: 1Gi}}
        """;

    [Fact]
    public async Task Crash_after_the_directory_before_the_PV_converges_to_one_PV_and_one_directory()
    {
        var dataDir = TempDirectory.Create("berth-e2e-crash-");
        var root = Path.Combine(dataDir, "local-path");
        var faulty = await BerthProcess.StartWithAsync(new BerthProcessOptions
        {
            DataDir = dataDir,
            Environment = new Dictionary<string, string> { ["BERTH_FAULT"] = "provision-after-storage" },
        });
        await using (faulty)
        {
            var k = new Kubectl(faulty.Kubeconfig);
            await k.OkAsync("apply -f -", ImmediateClass);
            await k.OkAsync("apply -f -", ClaimYaml);
            var code = await faulty.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(137, code); // SIGKILL
            Assert.Contains("fault injected at provision-after-storage", faulty.Output);
        }
        // Dead between the two steps: the directory is there, the PV is not.
        var before = Directory.GetDirectories(root, "pvc-*_default_survivor");
        Assert.Single(before);

        await using var restarted = await BerthProcess.StartAsync(dataDir);
        var k2 = new Kubectl(restarted.Kubeconfig);
        await Eventually.EqualsAsync(k2, "get pvc survivor -o jsonpath={.status.phase}", "Bound", 30);
        var uid = await k2.OkAsync("get pvc survivor -o jsonpath={.metadata.uid}");
        var pvs = (await k2.OkAsync("get pv -o custom-columns=NAME:.metadata.name,CLAIM:.spec.claimRef.uid --no-headers"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join(" ", l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToArray();
        Assert.Equal([$"pvc-{uid} {uid}"], pvs);
        Assert.Equal([Path.Combine(root, $"pvc-{uid}_default_survivor")], Directory.GetDirectories(root));
        Assert.Equal(before[0], Path.Combine(root, $"pvc-{uid}_default_survivor"));
    }
}
