using Berth.E2E.Tests.Infrastructure;

namespace Berth.E2E.Tests;

/// <summary>The PV controller as the tutorials show it, driven with real kubectl (seeds 001–003).</summary>
public sealed class PersistentVolumeBindingTests
{
    private static async Task<(BerthProcess, Kubectl)> StartAsync()
    {
        var b = await BerthProcess.StartAsync();
        return (b, new Kubectl(b.Kubeconfig));
    }

    private static string Claim(string name, string size, string mode, string cls, string extraSpec = "") => $"""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: {name}
        spec:
          accessModes: [{mode}]
          storageClassName: "{cls}"
          resources:
            requests:
              storage: {size}
        {extraSpec}
        """;

    [Fact]
    public async Task Seed001_claim_binds_the_smallest_fitting_nfs_volume_and_pv_shows_the_claim()
    {
        var (b, k) = await StartAsync();
        await using var _ = b;
        await k.OkAsync($"apply -f {ServerFixture.Manifest("seed001-nfs-pvs.yaml")}");
        await Eventually.EqualsAsync(k, "get pv nfspv1 -o jsonpath={.status.phase}", "Available");
        await k.OkAsync("apply -f -", Claim("www-web-0", "0.5Gi", "ReadWriteOnce", "nfs"));
        await Eventually.EqualsAsync(k, "get pvc www-web-0 -o jsonpath={.status.phase}", "Bound");
        Assert.Equal("nfspv1", await k.OkAsync("get pvc www-web-0 -o jsonpath={.spec.volumeName}"));
        Assert.Equal("1Gi", await k.OkAsync("get pvc www-web-0 -o jsonpath={.status.capacity.storage}"));
        var pv = await k.OkAsync("get pv nfspv1");
        Assert.Contains("default/www-web-0", pv);
        Assert.Contains("Bound", pv);
        Assert.Equal("yes", await k.OkAsync("get pv nfspv1 -o jsonpath={.metadata.annotations.pv\\.kubernetes\\.io/bound-by-controller}"));
        Assert.Equal("yes", await k.OkAsync("get pvc www-web-0 -o jsonpath={.metadata.annotations.pv\\.kubernetes\\.io/bind-completed}"));
        // A second claim of the same shape finds nothing: nfspv2 is ROX, nfspv3 is class slow.
        await k.OkAsync("apply -f -", Claim("www-web-1", "0.5Gi", "ReadWriteOnce", "nfs"));
        var d = await Eventually.OutputAsync(k, "describe pvc www-web-1", s => s.Contains("nfspv3:") && s.Contains("nfspv2:") && s.Contains("ProvisioningFailed"));
        Assert.Contains("nfspv2: access modes [ROX] do not include ReadWriteOnce", d);
        Assert.Contains("nfspv3: storage class \"slow\" is not \"nfs\"", d);
        Assert.Contains("storageclass.storage.k8s.io \"nfs\" not found", d);
        Assert.Equal("Pending", await k.OkAsync("get pvc www-web-1 -o jsonpath={.status.phase}"));
        // Adding a matching volume binds the waiting claim at once.
        await k.OkAsync("apply -f -", """
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: nfspv4}
            spec:
              capacity: {storage: 1Gi}
              accessModes: [ReadWriteOnce]
              storageClassName: nfs
              nfs: {path: /nfsdata4, server: 192.168.0.116}
            """);
        await Eventually.EqualsAsync(k, "get pvc www-web-1 -o jsonpath={.spec.volumeName}", "nfspv4", 10);
    }

    [Fact]
    public async Task Seed003_retained_volume_is_released_then_made_available_by_clearing_claimRef()
    {
        var (b, k) = await StartAsync();
        await using var _ = b;
        await k.OkAsync($"apply -f {ServerFixture.Manifest("seed002-task-pv.yaml")}");
        await Eventually.EqualsAsync(k, "get pvc task-pv-claim -o jsonpath={.status.phase}", "Bound");
        var oldUid = await k.OkAsync("get pvc task-pv-claim -o jsonpath={.metadata.uid}");

        await k.OkAsync("delete pvc task-pv-claim");
        await Eventually.EqualsAsync(k, "get pv task-pv-volume -o jsonpath={.status.phase}", "Released");
        Assert.Equal(oldUid, await k.OkAsync("get pv task-pv-volume -o jsonpath={.spec.claimRef.uid}"));
        Assert.Contains("default/task-pv-claim", await k.OkAsync("get pv task-pv-volume"));

        // The same claim again does not get the released volume.
        await k.OkAsync($"apply -f {ServerFixture.Manifest("seed002-task-pv.yaml")}");
        await Task.Delay(1500);
        Assert.Equal("Pending", await k.OkAsync("get pvc task-pv-claim -o jsonpath={.status.phase}"));
        Assert.Equal("Released", await k.OkAsync("get pv task-pv-volume -o jsonpath={.status.phase}"));

        // The tutorial's fix: drop the claimRef; the volume is Available and the waiting claim takes it.
        await k.OkAsync("patch pv task-pv-volume -p '{\"spec\":{\"claimRef\":null}}'");
        await Eventually.EqualsAsync(k, "get pvc task-pv-claim -o jsonpath={.status.phase}", "Bound");
        Assert.Equal("task-pv-volume", await k.OkAsync("get pvc task-pv-claim -o jsonpath={.spec.volumeName}"));
    }

    [Fact]
    public async Task Removing_only_uid_and_resourceVersion_reserves_the_volume_for_that_claim_name()
    {
        var (b, k) = await StartAsync();
        await using var _ = b;
        await k.OkAsync($"apply -f {ServerFixture.Manifest("seed002-task-pv.yaml")}");
        await Eventually.EqualsAsync(k, "get pvc task-pv-claim -o jsonpath={.status.phase}", "Bound");
        await k.OkAsync("delete pvc task-pv-claim");
        await Eventually.EqualsAsync(k, "get pv task-pv-volume -o jsonpath={.status.phase}", "Released");
        await k.OkAsync("patch pv task-pv-volume --type json -p '[{\"op\":\"remove\",\"path\":\"/spec/claimRef/uid\"},{\"op\":\"remove\",\"path\":\"/spec/claimRef/resourceVersion\"}]'");
        await Eventually.EqualsAsync(k, "get pv task-pv-volume -o jsonpath={.status.phase}", "Available");
        // Another claim that would fit may not take it.
        await k.OkAsync("apply -f -", Claim("intruder", "1Gi", "ReadWriteOnce", "manual"));
        await Task.Delay(1000);
        Assert.Equal("Pending", await k.OkAsync("get pvc intruder -o jsonpath={.status.phase}"));
        await k.OkAsync($"apply -f {ServerFixture.Manifest("seed002-task-pv.yaml")}");
        await Eventually.EqualsAsync(k, "get pvc task-pv-claim -o jsonpath={.spec.volumeName}", "task-pv-volume");
        Assert.Equal("Pending", await k.OkAsync("get pvc intruder -o jsonpath={.status.phase}"));
    }

    [Fact]
    public async Task A_claim_with_no_class_and_no_match_says_so_and_an_nfs_volume_with_Delete_fails_to_delete()
    {
        var (b, k) = await StartAsync();
        await using var _ = b;
        await k.OkAsync("apply -f -", """
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: a}
            spec:
              capacity: {storage: 1G}
              accessModes: [ReadWriteOnce]
              persistentVolumeReclaimPolicy: Delete
              nfs: {path: /exports/a, server: 10.0.0.1}
            """);
        await k.OkAsync("apply -f -", Claim("x", "1Gi", "ReadWriteOnce", ""));
        var d = await Eventually.OutputAsync(k, "describe pvc x", s => s.Contains("FailedBinding") && s.Contains("a: capacity"));
        Assert.Contains("no persistent volumes available for this claim and no storage class is set", d);
        Assert.Contains("a: capacity 1G is less than the requested 1Gi", d);

        await k.OkAsync("apply -f -", Claim("second", "1G", "ReadWriteOnce", ""));
        await Eventually.EqualsAsync(k, "get pvc second -o jsonpath={.spec.volumeName}", "a");
        await k.OkAsync("delete pvc second");
        await Eventually.EqualsAsync(k, "get pv a -o jsonpath={.status.phase}", "Failed");
        var pvd = await Eventually.OutputAsync(k, "describe pv a", s => s.Contains("VolumeFailedDelete"));
        Assert.Contains("error getting deleter volume plugin for volume \"a\": no deletable volume plugin matched", pvd);
    }

    [Fact]
    public async Task A_bound_volume_and_a_claim_in_use_stay_Terminating_until_released()
    {
        var (b, k) = await StartAsync();
        await using var _ = b;
        await k.OkAsync($"apply -f {ServerFixture.Manifest("seed002-task-pv.yaml")}");
        await Eventually.EqualsAsync(k, "get pvc task-pv-claim -o jsonpath={.status.phase}", "Bound");
        // A scheduled pod uses the claim (nodeName set by hand: no scheduler is needed for protection).
        await k.OkAsync("apply -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: user}
            spec:
              nodeName: somewhere
              containers: [{name: c, image: nginx}]
              volumes: [{name: v, persistentVolumeClaim: {claimName: task-pv-claim}}]
            """);
        await k.OkAsync("delete pv task-pv-volume --wait=false");
        await k.OkAsync("delete pvc task-pv-claim --wait=false");
        await Task.Delay(1500);
        Assert.Contains("Terminating", await k.OkAsync("get pvc task-pv-claim"));
        Assert.Contains("Terminating", await k.OkAsync("get pv task-pv-volume"));
        Assert.Equal("Bound", await k.OkAsync("get pvc task-pv-claim -o jsonpath={.status.phase}"));

        // The pod goes: the claim goes, the volume is released, then goes too.
        await k.OkAsync("delete pod user --grace-period=0 --force");
        await Eventually.OutputAsync(k, "get pvc", s => !s.Contains("task-pv-claim"));
        await Eventually.OutputAsync(k, "get pv", s => !s.Contains("task-pv-volume"));
    }
}
