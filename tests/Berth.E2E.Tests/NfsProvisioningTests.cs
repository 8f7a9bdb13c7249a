using Berth.E2E.Tests.Infrastructure;
using Berth.Nfs;
using Berth.Nfs.Ganesha;

namespace Berth.E2E.Tests;

/// <summary>A real nfs-ganesha (on a free port) and `berth server --nfs-server … --nfs-path … --nfs-port …`.</summary>
public sealed class NfsServerFixture : IAsyncLifetime
{
    public string Root { get; } = TempDirectory.Create("berth-e2e-nfs-");
    public string Export => Path.Combine(Root, "export");
    public GaneshaServer Nfs { get; private set; } = null!;
    public BerthProcess Berth { get; private set; } = null!;
    public Kubectl Kubectl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (Environment.UserName != "root") throw new InvalidOperationException("NFS end-to-end tests need root (nfs-ganesha)");
        Nfs = await GaneshaServer.StartAsync(Export, GaneshaServer.FreePort(), Path.Combine(Root, "ganesha"));
        Berth = await BerthProcess.StartAsync(null, "--nfs-server", "127.0.0.1", "--nfs-path", Export, "--nfs-port", Nfs.Port.ToString());
        Kubectl = new Kubectl(Berth.Kubeconfig);
    }

    /// <summary>The export seen over NFS (not as the local directory it happens to be).</summary>
    public NfsClient Connect() => Nfs.Connect();

    public async Task DisposeAsync()
    {
        if (Berth is not null) await Berth.DisposeAsync();
        if (Nfs is not null) await Nfs.DisposeAsync();
        TempDirectory.Delete(Root);
    }
}

/// <summary>Seeds 000 and 002: the nfs-subdir provisioner's class, claim and delete behaviour, with real kubectl.</summary>
public sealed class NfsProvisioningTests(NfsServerFixture f) : IClassFixture<NfsServerFixture>
{
    private readonly Kubectl _k = f.Kubectl;

    private async Task<string> BoundVolumeAsync(string claim, string ns = "default")
    {
        await Eventually.EqualsAsync(_k, $"get pvc {claim} -n {ns} -o jsonpath={{.status.phase}}", "Bound", 30);
        return await _k.OkAsync($"get pvc {claim} -n {ns} -o jsonpath={{.spec.volumeName}}");
    }

    [Fact]
    public async Task Seed000_test_claim_is_bound_to_a_directory_on_the_nfs_server_and_deleting_it_removes_the_directory()
    {
        await _k.OkAsync($"apply -f {ServerFixture.Manifest("seed000-managed-nfs-storage.yaml")}");
        var pv = await BoundVolumeAsync("test-claim");
        var uid = await _k.OkAsync("get pvc test-claim -o jsonpath={.metadata.uid}");
        Assert.Equal("pvc-" + uid, pv);

        // pathPattern "${.PVC.namespace}/${.PVC.annotations.nfs.io/storage-path}" without the annotation: "default".
        Assert.Equal($"127.0.0.1 {f.Export}/default", await _k.OkAsync($"get pv {pv} -o jsonpath='{{.spec.nfs.server}} {{.spec.nfs.path}}'"));
        Assert.Equal($"port={f.Nfs.Port}", await _k.OkAsync($"get pv {pv} -o jsonpath={{.spec.mountOptions[0]}}"));
        Assert.Equal("k8s-sigs.io/nfs-subdir-external-provisioner", await _k.OkAsync($"get pv {pv} -o jsonpath={{.metadata.annotations.pv\\.kubernetes\\.io/provisioned-by}}"));
        Assert.Equal("ReadWriteMany 1Mi Delete managed-nfs-storage", await _k.OkAsync(
            $"get pv {pv} -o jsonpath='{{.spec.accessModes[0]}} {{.spec.capacity.storage}} {{.spec.persistentVolumeReclaimPolicy}} {{.spec.storageClassName}}'"));
        using (var nfs = f.Connect())
        {
            var st = nfs.LStat("default");
            Assert.NotNull(st);
            Assert.True(st.IsDirectory);
            Assert.Equal(0x1FF, st.Permissions);
            nfs.WriteFile("default/SUCCESS", ""u8); // what the seed's test-pod does
        }
        var events = await _k.OkAsync("get events --field-selector involvedObject.name=test-claim");
        Assert.Contains("ProvisioningSucceeded", events);

        // onDelete: delete
        await _k.OkAsync("delete pvc test-claim");
        await Eventually.OutputAsync(_k, "get pv", s => !s.Contains(pv), 30);
        using (var nfs = f.Connect()) Assert.Null(nfs.LStat("default"));
    }

    [Fact]
    public async Task Path_pattern_annotations_place_the_directory_and_escapes_are_refused_with_an_event()
    {
        await _k.OkAsync("create namespace shop");
        await _k.OkAsync("apply -f -", """
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: by-path}
            provisioner: k8s-sigs.io/nfs-subdir-external-provisioner
            parameters:
              pathPattern: "${.PVC.namespace}/${.PVC.labels.app}/${.PVC.annotations.nfs.io/storage-path}"
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: orders
              namespace: shop
              labels: {app: orders-db}
              annotations: {nfs.io/storage-path: data}
            spec:
              storageClassName: by-path
              accessModes: [ReadWriteMany]
              resources: {requests: {storage: 1Mi}}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: sneaky
              namespace: shop
              labels: {app: x}
              annotations: {nfs.io/storage-path: ../../../etc}
            spec:
              storageClassName: by-path
              accessModes: [ReadWriteMany]
              resources: {requests: {storage: 1Mi}}
            """);
        var pv = await BoundVolumeAsync("orders", "shop");
        Assert.Equal($"{f.Export}/shop/orders-db/data", await _k.OkAsync($"get pv {pv} -o jsonpath={{.spec.nfs.path}}"));
        using (var nfs = f.Connect()) Assert.True(nfs.LStat("shop/orders-db/data")!.IsDirectory);

        var failed = await Eventually.OutputAsync(_k, "get events -n shop --field-selector involvedObject.name=sneaky,reason=ProvisioningFailed",
            s => s.Contains("ProvisioningFailed"), 30);
        Assert.Contains("must not contain", failed);
        Assert.Equal("Pending", await _k.OkAsync("get pvc sneaky -n shop -o jsonpath={.status.phase}"));
        Assert.False(Directory.Exists(Path.Combine(f.Root, "etc")));
    }

    [Fact]
    public async Task Without_on_delete_the_directory_is_archived()
    {
        await _k.OkAsync("apply -f -", """
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: archiving}
            provisioner: k8s-sigs.io/nfs-subdir-external-provisioner
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: keepme}
            spec:
              storageClassName: archiving
              accessModes: [ReadWriteMany]
              resources: {requests: {storage: 1Mi}}
            """);
        var pv = await BoundVolumeAsync("keepme");
        var dir = $"default-keepme-{pv}";
        using (var nfs = f.Connect()) nfs.WriteFile(dir + "/data.txt", "kept"u8);
        await _k.OkAsync("delete pvc keepme");
        await Eventually.OutputAsync(_k, "get pv", s => !s.Contains(pv), 30);
        using (var nfs = f.Connect())
        {
            Assert.Null(nfs.LStat(dir));
            Assert.Equal("kept", System.Text.Encoding.UTF8.GetString(nfs.ReadFile("archived-" + dir + "/data.txt")));
        }
    }
}

/// <summary>Seed 003 on `berth server --nfs`: the local ganesha, the nfs-client class, a claim and a StatefulSet on it.</summary>
public sealed class LocalNfsTests : IAsyncLifetime
{
    private BerthProcess _berth = null!;
    private Kubectl _k = null!;

    public async Task InitializeAsync()
    {
        if (Environment.UserName != "root") throw new InvalidOperationException("--nfs needs root (nfs-ganesha)");
        _berth = await BerthProcess.StartAsync(null, "--nfs");
        _k = new Kubectl(_berth.Kubeconfig);
    }

    public async Task DisposeAsync()
    {
        await _berth.DisposeAsync();
        Assert.False(File.Exists(Path.Combine(_berth.DataDir, "ganesha", "ganesha.pid")), "ganesha stops with berth");
    }

    [Fact]
    public async Task Seed003_pvc_dynamic_example_and_a_statefulset_get_directories_on_the_local_nfs_server()
    {
        Assert.Equal("k8s-sigs.io/nfs-subdir-external-provisioner false",
            await _k.OkAsync("get sc nfs-client -o jsonpath='{.provisioner} {.parameters.archiveOnDelete}'"));
        await _k.OkAsync($"apply -f {ServerFixture.Manifest("seed003-pvc-dynamic-example.yaml")}");
        await _k.OkAsync($"apply -f {ServerFixture.Manifest("seed003-statefulset-nfs-client.yaml")}");
        await Eventually.EqualsAsync(_k, "get pvc pvc-dynamic-example -o jsonpath={.status.phase}", "Bound", 30);
        await Eventually.EqualsAsync(_k, "get pvc my-volume-my-statefulset-0 -o jsonpath={.status.phase}", "Bound", 30);

        var pv = await _k.OkAsync("get pvc pvc-dynamic-example -o jsonpath={.spec.volumeName}");
        var export = Path.Combine(_berth.DataDir, "nfs");
        var options = await _k.OkAsync($"get pv {pv} -o jsonpath={{.spec.mountOptions}}");
        var port = options.Contains("port=") ? int.Parse(System.Text.RegularExpressions.Regex.Match(options, @"port=(\d+)").Groups[1].Value) : 2049;
        Assert.Equal($"{export}/default-pvc-dynamic-example-{pv}", await _k.OkAsync($"get pv {pv} -o jsonpath={{.spec.nfs.path}}"));
        var stsPv = await _k.OkAsync("get pvc my-volume-my-statefulset-0 -o jsonpath={.spec.volumeName}");
        using (var nfs = NfsClient.Connect("127.0.0.1", export, port))
        {
            Assert.True(nfs.LStat($"default-pvc-dynamic-example-{pv}")!.IsDirectory);
            Assert.True(nfs.LStat($"default-my-volume-my-statefulset-0-{stsPv}")!.IsDirectory);
        }

        // archiveOnDelete: "false" deletes the directory.
        await _k.OkAsync("delete pvc pvc-dynamic-example");
        await Eventually.OutputAsync(_k, "get pv", s => !s.Contains(pv), 30);
        using (var nfs = NfsClient.Connect("127.0.0.1", export, port))
        {
            Assert.Null(nfs.LStat($"default-pvc-dynamic-example-{pv}"));
            Assert.Null(nfs.LStat($"archived-default-pvc-dynamic-example-{pv}"));
        }
    }
}
