using Berth.E2E.Tests.Infrastructure;

namespace Berth.E2E.Tests;

/// <summary>`kubectl apply --server-side` against Berth: create, update, field ownership, conflicts and --force-conflicts.</summary>
public sealed class ServerSideApplyTests
{
    private const string ConfigMap = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          labels: {app: demo}
        data:
          size: "1Gi"
          mode: "fast"
        """;

    [Fact]
    public async Task Server_side_apply_creates_updates_and_reports_conflicts_as_kubectl_expects()
    {
        await using var b = await BerthProcess.StartAsync();
        var k = new Kubectl(b.Kubeconfig);
        Assert.Contains("configmap/settings serverside-applied", await k.OkAsync("apply --server-side -f -", ConfigMap));
        Assert.Contains("manager: kubectl", await k.OkAsync("get cm settings -o yaml --show-managed-fields"));
        Assert.DoesNotContain("managedFields", await k.OkAsync("get cm settings -o yaml"));

        // Another writer changes a field the applier owns; re-applying a different value conflicts, naming that writer.
        await k.OkAsync("patch cm settings -p '{\"data\":{\"size\":\"2Gi\"}}'");
        var conflict = await k.RunAsync("apply --server-side -f -", ConfigMap.Replace("fast", "slow"));
        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("Apply failed with 1 conflict: conflict with \"kubectl-patch\" using v1: .data.size", conflict.Stderr);
        Assert.Equal("fast", await k.OkAsync("get cm settings -o jsonpath={.data.mode}")); // nothing was written

        // Forced, the applier takes the field back; dropping a field it alone owned removes it.
        await k.OkAsync("apply --server-side --force-conflicts -f -", ConfigMap.Replace("fast", "slow"));
        Assert.Equal("1Gi slow", await k.OkAsync("get cm settings -o jsonpath='{.data.size} {.data.mode}'"));
        await k.OkAsync("apply --server-side -f -", ConfigMap.Replace("\n  mode: \"fast\"", ""));
        Assert.Equal("{\"size\":\"1Gi\"}", await k.OkAsync("get cm settings -o jsonpath={.data}"));

        // A replace (PUT) of what `get -o yaml` printed, with the size changed: that field now belongs to kubectl-replace.
        var yaml = await k.OkAsync("get cm settings -o yaml");
        Assert.Contains("replaced", await k.OkAsync("replace -f -", yaml.Replace("size: 1Gi", "size: 3Gi")));
        Assert.Contains("manager: kubectl-replace", await k.OkAsync("get cm settings -o yaml --show-managed-fields"));
        var replaced = await k.RunAsync("apply --server-side -f -", ConfigMap.Replace("\n  mode: \"fast\"", "").Replace("1Gi", "4Gi"));
        Assert.NotEqual(0, replaced.ExitCode);
        Assert.Contains("conflict with \"kubectl-replace\" using v1: .data.size", replaced.Stderr);
        Assert.Equal("3Gi", await k.OkAsync("get cm settings -o jsonpath={.data.size}"));
        var stale = await k.RunAsync("replace -f -", yaml); // its resourceVersion is the one before the replace
        Assert.NotEqual(0, stale.ExitCode);
        Assert.Contains("the object has been modified", stale.Stderr);

        // A claim from the seeds, applied server-side, binds like one applied client-side.
        Assert.Contains("serverside-applied", await k.OkAsync($"apply --server-side -f {ServerFixture.Manifest("seed002-task-pv.yaml")}"));
        await Eventually.EqualsAsync(k, "get pvc task-pv-claim -o jsonpath={.status.phase}", "Bound", 30);
    }
}
