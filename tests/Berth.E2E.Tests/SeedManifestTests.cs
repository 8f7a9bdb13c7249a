using Berth.E2E.Tests.Infrastructure;

namespace Berth.E2E.Tests;

/// <summary>The tutorials' manifests, applied with real kubectl, and what kubectl shows for them.</summary>
public sealed class SeedManifestTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private readonly Kubectl _k = f.Kubectl;

    private static string[] Cells(string line) => System.Text.RegularExpressions.Regex.Split(line.Trim(), @"\s{2,}");

    [Fact]
    public async Task Seed_PVs_claims_class_secret_and_service_apply_and_print_upstream_columns()
    {
        foreach (var m in new[] { "seed001-nfs-pvs.yaml", "seed002-task-pv.yaml", "seed000-managed-nfs-storage.yaml", "seed004-ceph-secret.yaml", "seed001-web.yaml" })
            await _k.OkAsync($"apply -f {ServerFixture.Manifest(m)}");

        var pv = (await _k.OkAsync("get pv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"], Cells(pv[0]));
        var nfspv2 = Cells(pv.Single(l => l.StartsWith("nfspv2 ")));
        Assert.Equal(["nfspv2", "5Gi", "ROX", "Retain"], nfspv2[..4]);
        Assert.Contains("nfs", nfspv2);
        Assert.Contains("<unset>", nfspv2);

        var wide = (await _k.OkAsync("get pv -o wide")).Split('\n')[0];
        Assert.EndsWith("VOLUMEMODE", wide.Trim());

        var pvc = (await _k.OkAsync("get pvc")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"], Cells(pvc[0]));
        Assert.Contains(pvc, l => l.StartsWith("task-pv-claim ") && l.Contains("manual"));

        var sc = (await _k.OkAsync("get sc")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"], Cells(sc[0]));
        Assert.Equal(["managed-nfs-storage", "k8s-sigs.io/nfs-subdir-external-provisioner", "Delete", "Immediate", "false"], Cells(sc[1])[..5]);

        var svc = (await _k.OkAsync("get svc nginx")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["nginx", "ClusterIP", "None", "<none>", "80/TCP"], Cells(svc[1])[..5]);

        Assert.Equal("kubernetes.io/rbd", await _k.OkAsync("get secret ceph-secret -o jsonpath={.type}"));
        Assert.Equal("QVFCWXFpQmN6RmZUSUJBQW56Ym5jZVE5alhLMGJBUUxWUTVaWEE9PQ==", await _k.OkAsync("get secret ceph-secret -o jsonpath={.data.key}"));
        // The StatefulSet's claim template keeps the tutorial's 0.5Gi in canonical form.
        Assert.Equal("512Mi", await _k.OkAsync("get sts web -o jsonpath={.spec.volumeClaimTemplates[0].spec.resources.requests.storage}"));
    }

    [Fact]
    public async Task Describe_pv_and_pvc_show_the_upstream_sections()
    {
        await _k.OkAsync($"apply -f {ServerFixture.Manifest("seed001-nfs-pvs.yaml")}");
        var d = await _k.OkAsync("describe pv nfspv1");
        foreach (var s in new[] { "Name:", "Finalizers:      [kubernetes.io/pv-protection]", "StorageClass:    nfs", "Reclaim Policy:  Retain", "Access Modes:    RWO", "Capacity:        1Gi", "Type:      NFS (an NFS mount that lasts the lifetime of a pod)", "Server:    192.168.0.116", "Path:      /nfsdata", "Events:" })
            Assert.Contains(s, d);
        await _k.OkAsync($"apply -f {ServerFixture.Manifest("seed002-task-pv.yaml")}");
        var c = await _k.OkAsync("describe pvc task-pv-claim");
        Assert.Contains("Finalizers:    [kubernetes.io/pvc-protection]", c);
        Assert.Contains("Used By:       <none>", c);
    }

    [Fact]
    public async Task Api_resources_list_the_kinds_with_short_names()
    {
        var lines = (await _k.OkAsync("api-resources")).Split('\n');
        foreach (var (name, shortName) in new[] { ("persistentvolumes", "pv"), ("persistentvolumeclaims", "pvc"), ("storageclasses", "sc"), ("statefulsets", "sts"), ("services", "svc"), ("namespaces", "ns"), ("endpoints", "ep"), ("events", "ev"), ("configmaps", "cm"), ("serviceaccounts", "sa"), ("nodes", "no"), ("pods", "po") })
            Assert.Contains(lines, l => Cells(l).Length > 1 && Cells(l)[0] == name && Cells(l)[1] == shortName);
        Assert.Contains(lines, l => l.StartsWith("leases ") && l.Contains("coordination.k8s.io/v1"));
        Assert.Contains(lines, l => l.StartsWith("controllerrevisions ") && l.Contains("apps/v1"));
    }

    [Fact]
    public async Task Explain_reads_the_served_openapi()
    {
        var e = await _k.OkAsync("explain pv.spec.claimRef");
        Assert.Contains("KIND:       PersistentVolume", e);
        Assert.Contains("FIELD: claimRef <ObjectReference>", e);
        Assert.Contains("namespace\t<string>", e);
        Assert.Contains("uid\t<string>", e);
    }
}
