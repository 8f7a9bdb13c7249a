using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Storage;
using Berth.Client;
using static Berth.Provisioners.Tests.Objects;

namespace Berth.Provisioners.Tests;

/// <summary>The ProvisionController against a real in-process server with the real PV controller, and a fake backend.</summary>
public sealed class ProvisionControllerTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private IApiClient C => fx.Client;

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..6];

    private async Task<PersistentVolumeClaim> BoundAsync(string ns, string name, double seconds = 15)
        => await EventuallyAsync(async () =>
        {
            var c = await C.GetAsync<PersistentVolumeClaim>(ns, name);
            return c.Status?.Phase == "Bound" ? c : null;
        }, $"claim {ns}/{name} Bound", seconds);

    [Fact]
    public async Task Immediate_claim_gets_pvc_uid_volume_with_class_settings_and_binds()
    {
        var provisionerName = "test.example.com/" + Unique("imm");
        var fake = new FakeProvisioner();
        await using var running = new RunningProvisioner(C, fake, provisionerName);
        var ns = await NamespaceAsync(C);
        var sc = Unique("sc");
        await C.CreateAsync(Class(sc, provisionerName, reclaim: "Retain", mountOptions: ["nfsvers=4.1"]));
        var claim = await C.CreateAsync(Claim(ns, "data", sc, "3Gi", "ReadWriteMany"));

        var bound = await BoundAsync(ns, "data");
        var pvName = "pvc-" + claim.Metadata.Uid;
        Assert.Equal(pvName, bound.Spec!.VolumeName);
        var pv = await C.GetAsync<PersistentVolume>(null, pvName);
        Assert.Equal(provisionerName, pv.Metadata.Annotation("pv.kubernetes.io/provisioned-by"));
        Assert.Equal(pvName, pv.Metadata.Annotation("fake.example.com/id"));
        Assert.Equal("Retain", pv.Spec!.PersistentVolumeReclaimPolicy);
        Assert.Equal(["nfsvers=4.1"], pv.Spec.MountOptions!);
        Assert.Equal(sc, pv.Spec.StorageClassName);
        Assert.Equal(["ReadWriteMany"], pv.Spec.AccessModes!);
        Assert.Equal("Filesystem", pv.Spec.VolumeMode);
        Assert.Equal("3Gi", pv.Spec.Capacity!["storage"].ToString());
        Assert.Equal(claim.Metadata.Uid, pv.Spec.ClaimRef!.Uid);
        Assert.Equal("/fake/" + pvName, pv.Spec.HostPath!.Path);
        Assert.Equal(1, fake.Provisioned[pvName]);

        var provisioning = await EventAsync(C, ns, "data", "Provisioning");
        Assert.Equal($"External provisioner is provisioning volume for claim \"{ns}/data\"", provisioning.Message);
        Assert.StartsWith(provisionerName + "_", provisioning.Source!.Component);
        var ok = await EventAsync(C, ns, "data", "ProvisioningSucceeded");
        Assert.Equal($"Successfully provisioned volume {pvName}", ok.Message);
    }

    [Fact]
    public async Task Failure_emits_ProvisioningFailed_and_is_retried_until_it_succeeds()
    {
        var provisionerName = "test.example.com/" + Unique("fail");
        var fake = new FakeProvisioner { FailProvisions = 2 };
        await using var running = new RunningProvisioner(C, fake, provisionerName);
        var ns = await NamespaceAsync(C);
        var sc = Unique("sc");
        await C.CreateAsync(Class(sc, provisionerName));
        await C.CreateAsync(Claim(ns, "c", sc));

        var failed = await EventAsync(C, ns, "c", "ProvisioningFailed");
        Assert.Equal($"failed to provision volume with StorageClass \"{sc}\": disk on fire", failed.Message);
        Assert.Equal("Warning", failed.Type);
        await BoundAsync(ns, "c");
        Assert.Single(fake.Provisioned);
    }

    [Fact]
    public async Task Two_provisioners_share_one_informer_factory_and_each_serves_its_own_classes()
    {
        var nameA = "test.example.com/" + Unique("a");
        var nameB = "test.example.com/" + Unique("b");
        var fakeA = new FakeProvisioner();
        var fakeB = new FakeProvisioner();
        var informers = new InformerFactory(C);
        using var stop = new CancellationTokenSource();
        await using var a = new RunningProvisioner(C, fakeA, nameA, informers);
        await using var b = new RunningProvisioner(C, fakeB, nameB, informers);
        await informers.StartAsync(stop.Token);
        var ns = await NamespaceAsync(C);
        var scA = Unique("sc");
        var scB = Unique("sc");
        await C.CreateAsync(Class(scA, nameA));
        await C.CreateAsync(Class(scB, nameB));
        var ca = await C.CreateAsync(Claim(ns, "for-a", scA));
        var cb = await C.CreateAsync(Claim(ns, "for-b", scB));
        await BoundAsync(ns, "for-a");
        await BoundAsync(ns, "for-b");
        Assert.Equal(["pvc-" + ca.Metadata.Uid], fakeA.Provisioned.Keys.ToArray());
        Assert.Equal(["pvc-" + cb.Metadata.Uid], fakeB.Provisioned.Keys.ToArray());
        stop.Cancel();
    }

    [Fact]
    public async Task Claims_of_other_provisioners_and_of_no_class_are_left_alone()
    {
        var provisionerName = "test.example.com/" + Unique("mine");
        var fake = new FakeProvisioner();
        await using var running = new RunningProvisioner(C, fake, provisionerName);
        var ns = await NamespaceAsync(C);
        var other = Unique("other");
        await C.CreateAsync(Class(other, "someone.else/provisioner"));
        await C.CreateAsync(Claim(ns, "theirs", other));
        await C.CreateAsync(Claim(ns, "classless", ""));
        // The PV controller addresses "theirs" to the other provisioner: wait for that, then give ours time to (not) act.
        await EventAsync(C, ns, "theirs", "ExternalProvisioning");
        await Task.Delay(500);
        Assert.Empty(fake.Provisioned);
        Assert.Equal("Pending", (await C.GetAsync<PersistentVolumeClaim>(ns, "theirs")).Status?.Phase);
        Assert.Equal("Pending", (await C.GetAsync<PersistentVolumeClaim>(ns, "classless")).Status?.Phase);
    }

    [Fact]
    public async Task WaitForFirstConsumer_waits_for_selected_node_and_a_vanished_node_is_rescheduled()
    {
        var provisionerName = "test.example.com/" + Unique("wffc");
        var fake = new FakeProvisioner();
        await using var running = new RunningProvisioner(C, fake, provisionerName);
        var ns = await NamespaceAsync(C);
        var sc = Unique("sc");
        await C.CreateAsync(Class(sc, provisionerName, VolumeBindingModes.WaitForFirstConsumer));
        await C.CreateAsync(Claim(ns, "w", sc));
        await EventAsync(C, ns, "w", "WaitForFirstConsumer");
        await Task.Delay(300);
        Assert.Empty(fake.Provisioned);

        // A node that does not exist: the annotation is removed so the scheduler chooses again.
        var claim = await C.GetAsync<PersistentVolumeClaim>(ns, "w");
        (claim.Metadata.Annotations ??= new())["volume.kubernetes.io/selected-node"] = "ghost";
        await C.UpdateAsync(claim);
        var failed = await EventAsync(C, ns, "w", "ProvisioningFailed");
        Assert.Equal("failed to get target node: node \"ghost\" not found", failed.Message);
        await EventuallyAsync(async () =>
            (await C.GetAsync<PersistentVolumeClaim>(ns, "w")).Metadata.Annotation("volume.kubernetes.io/selected-node") is null ? "" : null,
            "selected-node removed");
        Assert.Empty(fake.Provisioned);

        // A real node: provisioned for it.
        var nodeName = Unique("node");
        await C.CreateAsync(new Node { Metadata = new ObjectMeta { Name = nodeName } });
        claim = await C.GetAsync<PersistentVolumeClaim>(ns, "w");
        (claim.Metadata.Annotations ??= new())["volume.kubernetes.io/selected-node"] = nodeName;
        await C.UpdateAsync(claim);
        await BoundAsync(ns, "w");
        Assert.Contains(nodeName, fake.SelectedNodes);
    }

    [Fact]
    public async Task Reschedule_failure_removes_selected_node()
    {
        var provisionerName = "test.example.com/" + Unique("resched");
        var fake = new FakeProvisioner { FailProvisions = 1, Reschedule = true };
        await using var running = new RunningProvisioner(C, fake, provisionerName);
        var ns = await NamespaceAsync(C);
        var sc = Unique("sc");
        var nodeName = Unique("node");
        await C.CreateAsync(new Node { Metadata = new ObjectMeta { Name = nodeName } });
        await C.CreateAsync(Class(sc, provisionerName, VolumeBindingModes.WaitForFirstConsumer));
        var claim = Claim(ns, "r", sc);
        claim.Metadata.Annotations = new() { ["volume.kubernetes.io/selected-node"] = nodeName };
        await C.CreateAsync(claim);
        await EventAsync(C, ns, "r", "ProvisioningFailed");
        await EventuallyAsync(async () =>
            (await C.GetAsync<PersistentVolumeClaim>(ns, "r")).Metadata.Annotation("volume.kubernetes.io/selected-node") is null ? "" : null,
            "selected-node removed");
        Assert.Empty(fake.Provisioned);
    }

    [Fact]
    public async Task Released_delete_volume_is_deleted_after_a_failure_that_marks_it_Failed()
    {
        var provisionerName = "test.example.com/" + Unique("del");
        var fake = new FakeProvisioner { FailDeletes = 1 };
        await using var running = new RunningProvisioner(C, fake, provisionerName);
        var ns = await NamespaceAsync(C);
        var sc = Unique("sc");
        await C.CreateAsync(Class(sc, provisionerName));
        var claim = await C.CreateAsync(Claim(ns, "d", sc));
        await BoundAsync(ns, "d");
        var pvName = "pvc-" + claim.Metadata.Uid;

        await C.DeleteAsync<PersistentVolumeClaim>(ns, "d");
        var failed = await EventAsync(C, "default", pvName, "VolumeFailedDelete");
        Assert.Equal("device busy", failed.Message);
        await EventuallyAsync(async () => await TryGetVolumeAsync(C, pvName) is null ? "" : null, "PV deleted");
        Assert.Equal([pvName], fake.Deleted.ToArray());
    }

    [Fact]
    public async Task Failed_delete_shows_on_the_volume()
    {
        var provisionerName = "test.example.com/" + Unique("delf");
        var fake = new FakeProvisioner { FailDeletes = 1000 };
        await using var running = new RunningProvisioner(C, fake, provisionerName);
        var ns = await NamespaceAsync(C);
        var sc = Unique("sc");
        await C.CreateAsync(Class(sc, provisionerName));
        var claim = await C.CreateAsync(Claim(ns, "f", sc));
        await BoundAsync(ns, "f");
        var pvName = "pvc-" + claim.Metadata.Uid;
        await C.DeleteAsync<PersistentVolumeClaim>(ns, "f");
        var pv = await EventuallyAsync(async () => await TryGetVolumeAsync(C, pvName) is { Status.Phase: "Failed" } v ? v : null, "PV Failed");
        Assert.Equal("device busy", pv.Status!.Message);
        Assert.Empty(fake.Deleted);
    }

    [Fact]
    public async Task Retain_volume_is_kept_when_released()
    {
        var provisionerName = "test.example.com/" + Unique("ret");
        var fake = new FakeProvisioner();
        await using var running = new RunningProvisioner(C, fake, provisionerName);
        var ns = await NamespaceAsync(C);
        var sc = Unique("sc");
        await C.CreateAsync(Class(sc, provisionerName, reclaim: "Retain"));
        var claim = await C.CreateAsync(Claim(ns, "k", sc));
        await BoundAsync(ns, "k");
        var pvName = "pvc-" + claim.Metadata.Uid;
        await C.DeleteAsync<PersistentVolumeClaim>(ns, "k");
        await EventuallyAsync(async () => await TryGetVolumeAsync(C, pvName) is { Status.Phase: "Released" } v ? v : null, "PV Released");
        await Task.Delay(300);
        Assert.NotNull(await TryGetVolumeAsync(C, pvName));
        Assert.Empty(fake.Deleted);
    }

    [Fact]
    public async Task Growing_a_bound_claim_resizes_volume_and_claim_with_upstream_events()
    {
        var provisionerName = "test.example.com/" + Unique("grow");
        var fake = new FakeProvisioner();
        await using var running = new RunningProvisioner(C, fake, provisionerName);
        var ns = await NamespaceAsync(C);
        var sc = Unique("sc");
        await C.CreateAsync(Class(sc, provisionerName, expand: true));
        var claim = await C.CreateAsync(Claim(ns, "g", sc, "1Gi"));
        await BoundAsync(ns, "g");
        var pvName = "pvc-" + claim.Metadata.Uid;

        await C.PatchAsync<PersistentVolumeClaim>(ns, "g", PatchType.Merge, """{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}""");
        var grown = await EventuallyAsync(async () =>
        {
            var c = await C.GetAsync<PersistentVolumeClaim>(ns, "g");
            return c.Status?.Capacity?["storage"].ToString() == "2Gi" && c.Status.Conditions is null ? c : null;
        }, "claim capacity 2Gi without resize conditions");
        Assert.Equal("2Gi", (await C.GetAsync<PersistentVolume>(null, pvName)).Spec!.Capacity!["storage"].ToString());
        Assert.Contains((pvName, 2L << 30), fake.Expanded);
        var resizing = await EventAsync(C, ns, "g", "Resizing");
        Assert.Equal($"External resizer is resizing volume {pvName}", resizing.Message);
        var done = await EventAsync(C, ns, "g", "VolumeResizeSuccessful");
        Assert.Equal("Resize volume succeeded", done.Message);
        Assert.Equal("Bound", grown.Status!.Phase);
    }
}
