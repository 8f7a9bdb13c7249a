using Berth.E2E.Tests.Infrastructure;

namespace Berth.E2E.Tests;

/// <summary>`kubectl rollout restart sts` with real kubectl: a new revision from the restartedAt annotation, pods replaced highest ordinal first, each back with its name and claim.</summary>
public sealed class StatefulSetRolloutRestartTests
{
    [Fact]
    public async Task Rollout_restart_replaces_pods_highest_ordinal_first_with_the_same_names_and_claims()
    {
        await using var b = await BerthProcess.StartAsync();
        var k = new Kubectl(b.Kubeconfig);
        await k.OkAsync($"apply -f {ServerFixture.Manifest("seed001-nfs-pvs.yaml")}");
        await k.OkAsync($"apply -f {ServerFixture.Manifest("seed001-nfs-pvs-rwo.yaml")}");
        await k.OkAsync($"apply -f {ServerFixture.Manifest("seed001-web.yaml")}");
        await Eventually.OutputAsync(k, "get sts web", s => s.Contains("3/3"), 60);
        var before = new Dictionary<string, string>();
        foreach (var n in new[] { "web-0", "web-1", "web-2" }) before[n] = await k.OkAsync($"get pod {n} -o jsonpath={{.metadata.uid}}");
        var firstRevision = await k.OkAsync("get sts web -o jsonpath={.status.currentRevision}");

        Assert.Contains("statefulset.apps/web restarted", await k.OkAsync("rollout restart sts web"));
        var restartedAt = await k.OkAsync("get sts web -o jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}");
        Assert.NotEmpty(restartedAt);
        var status = await k.RunAsync("rollout status sts web --timeout=90s", timeout: TimeSpan.FromSeconds(100));
        status.EnsureSuccess();
        Assert.Contains("partitioned roll out complete: 3 new pods have been updated...", status.Stdout);

        var revision = await k.OkAsync("get sts web -o jsonpath={.status.updateRevision}");
        Assert.NotEqual(firstRevision, revision);
        Assert.Equal(revision, await k.OkAsync("get sts web -o jsonpath={.status.currentRevision}"));
        foreach (var n in new[] { "web-0", "web-1", "web-2" })
        {
            var line = await k.OkAsync($"get pod {n} -o jsonpath='{{.metadata.uid}} {{.metadata.labels.controller-revision-hash}} " +
                                       $"{{.spec.volumes[0].persistentVolumeClaim.claimName}} {{.spec.hostname}} {{.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}}'");
            var f = line.Split(' ');
            Assert.NotEqual(before[n], f[0]);                              // a new pod...
            Assert.Equal([revision, "www-" + n, n, restartedAt], f[1..]);  // ...with the same name, claim and hostname, at the new revision
        }
        Assert.Equal("www-web-0 www-web-1 www-web-2", await k.OkAsync("get pvc -o jsonpath='{.items[*].metadata.name}'"));

        // Highest ordinal first: the set's delete events, in the order they were written.
        var events = await k.OkAsync("get events --field-selector involvedObject.kind=StatefulSet,involvedObject.name=web " +
                                     "-o jsonpath='{range .items[*]}{.metadata.resourceVersion} {.message}{\"\\n\"}{end}'");
        var deletes = events.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', 2)).Where(p => p[1].StartsWith("delete Pod", StringComparison.Ordinal))
            .OrderBy(p => long.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture)).Select(p => p[1]).ToList();
        Assert.Equal(["delete Pod web-2 in StatefulSet web successful", "delete Pod web-1 in StatefulSet web successful",
            "delete Pod web-0 in StatefulSet web successful"], deletes);
    }
}
