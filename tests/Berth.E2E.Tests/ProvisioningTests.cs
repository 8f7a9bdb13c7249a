using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Berth.E2E.Tests.Infrastructure;

namespace Berth.E2E.Tests;

/// <summary>A Berth server with its default StorageClass (local-path) and the built-in provisioner, as `./berth up` runs.</summary>
public sealed class DefaultClassFixture : IAsyncLifetime
{
    public BerthProcess Berth { get; private set; } = null!;
    public Kubectl Kubectl { get; private set; } = null!;
    public string LocalPathRoot => Path.Combine(Berth.DataDir, "local-path");

    public async Task InitializeAsync()
    {
        Berth = await BerthProcess.StartWithAsync(new BerthProcessOptions { DefaultStorageClass = true });
        Kubectl = new Kubectl(Berth.Kubeconfig);
    }

    public async Task DisposeAsync() => await Berth.DisposeAsync();
}

/// <summary>Dynamic provisioning with local-path, driven with real kubectl (issue 4: default class, WaitForFirstConsumer,
/// deletion, expansion, the empty and the missing class).</summary>
public sealed class ProvisioningTests(DefaultClassFixture fx) : IClassFixture<DefaultClassFixture>
{
    private Kubectl K => fx.Kubectl;

    private static string Claim(string ns, string name, string size, string? cls) => $"""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        spec:
          accessModes: [ReadWriteOnce]
          {(cls is null ? "" : $"storageClassName: \"{cls}\"")}
          resources: {"{"}requests: {"{"}storage: {size}{"}"}{"}"}
        """;

    private static string Pod(string ns, string name, string claim) => $"""
        apiVersion: v1
        kind: Pod
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        spec:
          containers:
          - name: app
            image: busybox
            command: [sh, -c, "touch /data/SUCCESS && sleep 3600"]
            volumeMounts: [{"{"}name: data, mountPath: /data{"}"}]
          volumes:
          - name: data
            persistentVolumeClaim: {"{"}claimName: {claim}{"}"}
        """;

    private static string Resize(string size) => "'{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"" + size + "\"}}}}'";

    private async Task<string> NamespaceAsync()
    {
        var ns = "p-" + Guid.NewGuid().ToString("N")[..8];
        await K.OkAsync($"create namespace {ns}");
        return ns;
    }

    [Fact]
    public async Task Default_class_is_listed_as_default()
    {
        var table = await K.OkAsync("get sc");
        Assert.Matches(new Regex(@"(?m)^local-path \(default\)\s+berth\.io/local-path\s+Delete\s+WaitForFirstConsumer\s+true\s+"), table);
    }

    [Fact]
    public async Task Claim_without_class_waits_for_its_pod_then_binds_with_node_affinity_and_a_directory_removed_on_delete()
    {
        var ns = await NamespaceAsync();
        await K.OkAsync("apply -f -", Claim(ns, "data", "1Gi", cls: null));
        Assert.Equal("local-path", await K.OkAsync($"get pvc data -n {ns} -o jsonpath={{.spec.storageClassName}}"));
        await Eventually.OutputAsync(K, $"describe pvc data -n {ns}", s => s.Contains("WaitForFirstConsumer") && s.Contains("waiting for first consumer to be created before binding"));
        Assert.Equal("Pending", await K.OkAsync($"get pvc data -n {ns} -o jsonpath={{.status.phase}}"));
        Assert.Empty(Directory.Exists(fx.LocalPathRoot) ? Directory.GetDirectories(fx.LocalPathRoot, $"*_{ns}_data") : []);

        await K.OkAsync("apply -f -", Pod(ns, "app", "data"));
        await Eventually.EqualsAsync(K, $"get pvc data -n {ns} -o jsonpath={{.status.phase}}", "Bound", 30);
        var uid = await K.OkAsync($"get pvc data -n {ns} -o jsonpath={{.metadata.uid}}");
        var pvName = "pvc-" + uid;
        Assert.Equal(pvName, await K.OkAsync($"get pvc data -n {ns} -o jsonpath={{.spec.volumeName}}"));
        var node = await Eventually.OutputAsync(K, $"get pod app -n {ns} -o jsonpath={{.spec.nodeName}}", s => s.Length > 0, 30);
        Assert.Equal(node, await K.OkAsync($"get pvc data -n {ns} -o jsonpath={{.metadata.annotations.volume\\.kubernetes\\.io/selected-node}}"));
        Assert.Equal("""[{"key":"kubernetes.io/hostname","operator":"In","values":["NODE"]}]""".Replace("NODE", node), await K.OkAsync(
            $"get pv {pvName} -o jsonpath={{.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions}}"));
        Assert.Equal("berth.io/local-path", await K.OkAsync($"get pv {pvName} -o jsonpath={{.metadata.annotations.pv\\.kubernetes\\.io/provisioned-by}}"));
        Assert.Equal("Delete", await K.OkAsync($"get pv {pvName} -o jsonpath={{.spec.persistentVolumeReclaimPolicy}}"));
        var dir = Path.Combine(fx.LocalPathRoot, $"{pvName}_{ns}_data");
        Assert.Equal(dir, await K.OkAsync($"get pv {pvName} -o jsonpath={{.spec.hostPath.path}}"));
        Assert.True(Directory.Exists(dir), dir);
        if (!OperatingSystem.IsWindows()) Assert.Equal((UnixFileMode)0b111_111_111, File.GetUnixFileMode(dir));
        var events = await K.OkAsync($"get events -n {ns} --field-selector involvedObject.name=data -o custom-columns=REASON:.reason,MESSAGE:.message --no-headers");
        Assert.Contains($"External provisioner is provisioning volume for claim \"{ns}/data\"", events);
        Assert.Contains($"Successfully provisioned volume {pvName}", events);
        await Eventually.EqualsAsync(K, $"get pod app -n {ns} -o jsonpath={{.status.phase}}", "Running", 30);

        await K.OkAsync($"delete pod app -n {ns} --wait=false");
        await K.OkAsync($"delete pvc data -n {ns} --wait=false");
        await Eventually.OutputAsync(K, "get pv -o name", s => !s.Contains(pvName), 30);
        Assert.False(Directory.Exists(dir), dir + " still exists");
    }

    [Fact]
    public async Task Empty_class_never_provisions_and_a_missing_class_says_so()
    {
        var ns = await NamespaceAsync();
        await K.OkAsync("apply -f -", Claim(ns, "none", "1Gi", cls: ""));
        await K.OkAsync("apply -f -", Claim(ns, "ghost", "1Gi", cls: "does-not-exist"));
        await Eventually.OutputAsync(K, $"describe pvc none -n {ns}", s => s.Contains("no persistent volumes available for this claim and no storage class is set"));
        await Eventually.OutputAsync(K, $"describe pvc ghost -n {ns}", s => s.Contains("storageclass.storage.k8s.io \"does-not-exist\" not found"));
        Assert.Equal("", await K.OkAsync($"get pvc none -n {ns} -o jsonpath={{.spec.storageClassName}}"));
        Assert.Equal("Pending Pending", await K.OkAsync($"get pvc none ghost -n {ns} -o jsonpath={{.items[*].status.phase}}"));
        Assert.DoesNotContain($"{ns}/", await K.OkAsync("get pv"));
        Assert.Empty(Directory.Exists(fx.LocalPathRoot) ? Directory.GetDirectories(fx.LocalPathRoot, $"*_{ns}_*") : []);
    }

    [Fact]
    public async Task Expansion_grows_the_claim_and_shrinking_or_a_forbidding_class_is_refused()
    {
        var ns = await NamespaceAsync();
        await K.OkAsync("apply -f -", """
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: lp-immediate}
            provisioner: berth.io/local-path
            volumeBindingMode: Immediate
            allowVolumeExpansion: true
            ---
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: lp-fixed}
            provisioner: berth.io/local-path
            volumeBindingMode: Immediate
            """);
        await K.OkAsync("apply -f -", Claim(ns, "grow", "1Gi", "lp-immediate"));
        await K.OkAsync("apply -f -", Claim(ns, "fixed", "1Gi", "lp-fixed"));
        await Eventually.EqualsAsync(K, $"get pvc grow fixed -n {ns} -o jsonpath={{.items[*].status.phase}}", "Bound Bound", 30);

        await K.OkAsync($"patch pvc grow -n {ns} -p {Resize("2Gi")}");
        await Eventually.EqualsAsync(K, $"get pvc grow -n {ns} -o jsonpath={{.status.capacity.storage}}", "2Gi", 30);
        var pv = await K.OkAsync($"get pvc grow -n {ns} -o jsonpath={{.spec.volumeName}}");
        Assert.Equal("2Gi", await K.OkAsync($"get pv {pv} -o jsonpath={{.spec.capacity.storage}}"));
        var described = await Eventually.OutputAsync(K, $"describe pvc grow -n {ns}", s => s.Contains("VolumeResizeSuccessful"));
        Assert.Contains($"External resizer is resizing volume {pv}", described);
        Assert.Contains("Resize volume succeeded", described);
        Assert.Equal("", await K.OkAsync($"get pvc grow -n {ns} -o jsonpath={{.status.conditions}}"));

        var shrink = await K.RunAsync($"patch pvc grow -n {ns} -p {Resize("1Gi")}");
        Assert.NotEqual(0, shrink.ExitCode);
        Assert.Contains("spec.resources.requests.storage: Forbidden: field can not be less than previous value", shrink.Stderr);

        var forbidden = await K.RunAsync($"patch pvc fixed -n {ns} -p {Resize("2Gi")}");
        Assert.NotEqual(0, forbidden.ExitCode);
        Assert.Contains("persistentvolumeclaims \"fixed\" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize", forbidden.Stderr);
    }

    [Fact]
    public async Task Standalone_provisioner_takes_its_lease_and_provisions_over_https()
    {
        var ns = await NamespaceAsync();
        var root = TempDirectory.Create("berth-e2e-standalone-");
        var psi = new ProcessStartInfo(Path.Combine(BerthProcess.RepoRoot, "berth"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = BerthProcess.RepoRoot,
        };
        foreach (var a in new[] { "provisioner", "local-path", "--kubeconfig", fx.Berth.Kubeconfig, "--name", "e2e.io/standalone", "--root", root, "--lease-namespace", ns })
            psi.ArgumentList.Add(a);
        var output = new StringBuilder();
        using var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        try
        {
            await K.OkAsync("apply -f -", """
                apiVersion: storage.k8s.io/v1
                kind: StorageClass
                metadata: {name: lp-standalone}
                provisioner: e2e.io/standalone
                """);
            await K.OkAsync("apply -f -", Claim(ns, "remote", "1Gi", "lp-standalone"));
            await Eventually.EqualsAsync(K, $"get pvc remote -n {ns} -o jsonpath={{.status.phase}}", "Bound", 60);
            var uid = await K.OkAsync($"get pvc remote -n {ns} -o jsonpath={{.metadata.uid}}");
            Assert.True(Directory.Exists(Path.Combine(root, $"pvc-{uid}_{ns}_remote")));
            var holder = await K.OkAsync($"get lease e2e.io-standalone -n {ns} -o jsonpath={{.spec.holderIdentity}}");
            Assert.NotEqual("", holder);
            string log;
            lock (output) log = output.ToString();
            Assert.Contains($"attempting to acquire leader lease {ns}/e2e.io-standalone...", log);
            Assert.Contains($"successfully acquired lease {ns}/e2e.io-standalone", log);
            Assert.Contains($"Started provisioner controller e2e.io/standalone_{holder}!", log);
            var events = await K.OkAsync($"get events -n {ns} --field-selector involvedObject.name=remote -o custom-columns=SOURCE:.source.component --no-headers");
            Assert.Contains($"e2e.io/standalone_{holder}", events);

            Process.Start("kill", ["-TERM", p.Id.ToString()])!.WaitForExit();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await p.WaitForExitAsync(cts.Token);
            Assert.Equal(0, p.ExitCode);
        }
        finally
        {
            if (!p.HasExited) p.Kill(true);
            TempDirectory.Delete(root);
        }
    }
}
