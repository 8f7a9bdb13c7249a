using System.Diagnostics;
using Berth.E2E.Tests.Infrastructure;

namespace Berth.E2E.Tests;

/// <summary>kubectl's verbs against Berth: patch (three kinds), edit, replace, delete with finalizers, watch, scale, errors.</summary>
public sealed class KubectlVerbTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private readonly Kubectl _k = f.Kubectl;

    private static string Claim(string name, string size = "1Gi", string extra = "") => $"""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: {name}
        spec:
          accessModes: ["ReadWriteOnce"]
          storageClassName: ""
          resources:
            requests:
              storage: {size}
        {extra}
        """;

    [Fact]
    public async Task Patch_merge_json_and_strategic_all_apply()
    {
        await _k.OkAsync("apply -f -", Claim("patched"));
        await _k.OkAsync("patch pvc patched --type merge -p '{\"metadata\":{\"labels\":{\"tier\":\"gold\",\"zone\":\"a\"}}}'");
        await _k.OkAsync("patch pvc patched --type json -p '[{\"op\":\"replace\",\"path\":\"/metadata/labels/zone\",\"value\":\"b\"}]'");
        await _k.OkAsync("patch pvc patched -p '{\"metadata\":{\"labels\":{\"tier\":null}}}'");
        Assert.Equal("{\"zone\":\"b\"}", await _k.OkAsync("get pvc patched -o jsonpath={.metadata.labels}"));

        var bad = await _k.RunAsync("patch pvc patched --type json -p '[{\"op\":\"test\",\"path\":\"/metadata/labels/zone\",\"value\":\"z\"}]'");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Equal("b", await _k.OkAsync("get pvc patched -o jsonpath={.metadata.labels.zone}"));
    }

    [Fact]
    public async Task Edit_with_an_editor_changes_the_object()
    {
        await _k.OkAsync($"apply -f {ServerFixture.Manifest("seed001-nfs-pvs.yaml")}");
        var r = await _k.RunAsync("edit pv nfspv3", env: new Dictionary<string, string> { ["KUBE_EDITOR"] = "sed -i s/ReadWriteMany/ReadOnlyMany/" });
        r.EnsureSuccess();
        Assert.Contains("persistentvolume/nfspv3 edited", r.Stdout);
        Assert.Equal("[\"ReadOnlyMany\"]", await _k.OkAsync("get pv nfspv3 -o jsonpath={.spec.accessModes}"));
    }

    [Fact]
    public async Task Replace_with_a_stale_resourceVersion_is_refused()
    {
        await _k.OkAsync("apply -f -", Claim("stale"));
        var yaml = await _k.OkAsync("get pvc stale -o yaml");
        await _k.OkAsync("label pvc stale changed=yes");
        var r = await _k.RunAsync("replace -f -", yaml);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Operation cannot be fulfilled on persistentvolumeclaims \"stale\": the object has been modified; please apply your changes to the latest version and try again", r.Stderr);
        Assert.Equal("yes", await _k.OkAsync("get pvc stale -o jsonpath={.metadata.labels.changed}"));
    }

    [Fact]
    public async Task Delete_waits_for_finalizers()
    {
        await _k.OkAsync("apply -f -", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: held
              finalizers: ["example.com/keep"]
            data: {a: "1"}
            """);
        await _k.OkAsync("delete configmap held --wait=false");
        Assert.NotEqual("", await _k.OkAsync("get configmap held -o jsonpath={.metadata.deletionTimestamp}"));
        await _k.OkAsync("patch configmap held --type json -p '[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]'");
        var gone = await _k.RunAsync("get configmap held");
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("configmaps \"held\" not found", gone.Stderr);
    }

    [Fact]
    public async Task Get_watch_prints_new_objects_as_they_come()
    {
        var psi = new ProcessStartInfo(Kubectl.Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--kubeconfig", f.Berth.Kubeconfig, "get", "pvc", "-w", "--request-timeout=0" }) psi.ArgumentList.Add(a);
        using var watch = Process.Start(psi)!;
        var lines = new List<string>();
        var seen = new TaskCompletionSource();
        watch.OutputDataReceived += (_, e) => { if (e.Data is null) return; lock (lines) lines.Add(e.Data); if (e.Data.StartsWith("watched-late ")) seen.TrySetResult(); };
        watch.BeginOutputReadLine();
        try
        {
            await Task.Delay(1500);
            await _k.OkAsync("apply -f -", Claim("watched-late"));
            var done = await Task.WhenAny(seen.Task, Task.Delay(TimeSpan.FromSeconds(20)));
            Assert.True(done == seen.Task, "kubectl get -w did not print the new claim; saw:\n" + string.Join("\n", lines));
        }
        finally { watch.Kill(true); }
    }

    [Fact]
    public async Task Invalid_objects_get_upstream_messages_and_nothing_is_stored()
    {
        var r = await _k.RunAsync("apply -f -", Claim("neg", "-1Gi"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("The PersistentVolumeClaim \"neg\" is invalid: spec.resources[storage]: Invalid value: \"-1Gi\": must be greater than zero", r.Stderr);

        var modes = await _k.RunAsync("apply -f -", Claim("modes").Replace("ReadWriteOnce", "ReadWriteSometimes"));
        Assert.Contains("spec.accessModes: Unsupported value: \"ReadWriteSometimes\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\"", modes.Stderr);

        var unknown = await _k.RunAsync("apply -f -", Claim("unknownfield").Replace("storageClassName: \"\"", "storageClassName: \"\"\n  colour: blue"));
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("unknown field \"spec.colour\"", unknown.Stderr);

        var ns = await _k.RunAsync("apply -n nowhere -f -", Claim("elsewhere"));
        Assert.Contains("namespaces \"nowhere\" not found", ns.Stderr);

        var get = await _k.RunAsync("get pvc neg modes unknownfield");
        Assert.Contains("persistentvolumeclaims \"neg\" not found", get.Stderr);
    }

    [Fact]
    public async Task Half_a_gibibyte_reads_back_as_512Mi()
    {
        await _k.OkAsync("apply -f -", Claim("half", "0.5Gi"));
        Assert.Equal("512Mi", await _k.OkAsync("get pvc half -o jsonpath={.spec.resources.requests.storage}"));
        var yaml = await _k.OkAsync("get pvc half -o yaml");
        Assert.Contains("storage: 512Mi", yaml);
        Assert.Contains("- kubernetes.io/pvc-protection", yaml);
    }

    [Fact]
    public async Task Scale_updates_replicas_through_the_scale_subresource()
    {
        await _k.OkAsync($"apply -f {ServerFixture.Manifest("seed001-web.yaml")}");
        await _k.OkAsync("scale sts web --replicas=5");
        Assert.Equal("5", await _k.OkAsync("get sts web -o jsonpath={.spec.replicas}"));
        var neg = await _k.RunAsync("scale sts web --replicas=-1");
        Assert.NotEqual(0, neg.ExitCode);
    }
}
