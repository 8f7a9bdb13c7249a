using Berth.E2E.Tests.Infrastructure;

namespace Berth.E2E.Tests;

/// <summary>
/// Seed 001's StatefulSet walkthrough with real kubectl: scheduler, StatefulSet controller, PV binder and the local
/// node agent (simulated runtime: no containers run here) acting together.
/// </summary>
public sealed class StatefulSetWalkthroughTests
{
    [Fact]
    public async Task Seed001_web_waits_for_volumes_then_runs_three_replicas_with_stable_identities()
    {
        await using var b = await BerthProcess.StartAsync();
        var k = new Kubectl(b.Kubeconfig);
        await k.OkAsync($"apply -f {ServerFixture.Manifest("seed001-nfs-pvs.yaml")}");
        await k.OkAsync($"apply -f {ServerFixture.Manifest("seed001-web.yaml")}");

        // Only nfspv1 fits: web-0 runs, web-1 waits with the scheduler's message, web-2 is not created.
        await Eventually.EqualsAsync(k, "get pod web-0 -o jsonpath={.status.phase}", "Running", 30);
        var d = await Eventually.OutputAsync(k, "describe pod web-1", s => s.Contains("FailedScheduling"), 30);
        Assert.Contains("0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.", d);
        Assert.Equal("Pending", await k.OkAsync("get pod web-1 -o jsonpath={.status.phase}"));
        Assert.NotEqual(0, (await k.RunAsync("get pod web-2")).ExitCode);
        var sts = await k.OkAsync("get sts web");
        Assert.Contains("1/3", sts);

        // Two more RWO volumes of class nfs: all three replicas bind and run.
        await k.OkAsync($"apply -f {ServerFixture.Manifest("seed001-nfs-pvs-rwo.yaml")}");
        await Eventually.OutputAsync(k, "get sts web", s => s.Contains("3/3"), 40);
        var pv = await k.OkAsync("get pv");
        foreach (var claim in new[] { "default/www-web-0", "default/www-web-1", "default/www-web-2" }) Assert.Contains(claim, pv);
        var events = await k.OkAsync("get events --field-selector involvedObject.kind=StatefulSet");
        Assert.Contains("create Claim www-web-0 Pod web-0 in StatefulSet web success", events);
        Assert.Contains("create Pod web-2 in StatefulSet web successful", events);
        Assert.Equal("web-0 nginx", await k.OkAsync("get pod web-0 -o jsonpath='{.spec.hostname} {.spec.subdomain}'"));
        var ep = await Eventually.OutputAsync(k, "get endpoints nginx -o jsonpath={.subsets[0].addresses[*].hostname}", s => s.Split(' ').Length == 3);
        Assert.Contains("web-1", ep);

        // A deleted pod comes back with the same name, identity and claim.
        var uid = await k.OkAsync("get pod web-0 -o jsonpath={.metadata.uid}");
        await k.OkAsync("delete pod web-0");
        await Eventually.OutputAsync(k, "get pod web-0 -o jsonpath={.metadata.uid}{.status.phase}", s => !s.StartsWith(uid) && s.EndsWith("Running"), 30);
        Assert.Equal("www-web-0", await k.OkAsync("get pod web-0 -o jsonpath={.spec.volumes[0].persistentVolumeClaim.claimName}"));

        // Scaling down removes pods from the highest ordinal; the claims stay.
        await k.OkAsync("scale sts web --replicas=1");
        await Eventually.OutputAsync(k, "get pods", s => !s.Contains("web-1") && !s.Contains("web-2"), 40);
        var pvcs = await k.OkAsync("get pvc");
        Assert.Contains("www-web-2", pvcs);
    }

    [Fact]
    public async Task Seed000_claims_nothing_can_satisfy_leave_the_first_pod_pending_with_the_reasons()
    {
        await using var b = await BerthProcess.StartAsync();
        var k = new Kubectl(b.Kubeconfig);
        await k.OkAsync("apply -f -", """
            apiVersion: v1
            kind: Service
            metadata: {name: nginx, labels: {app: nginx}}
            spec:
              ports: [{port: 80, name: web}]
              clusterIP: None
              selector: {app: nginx}
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: web}
            spec:
              serviceName: nginx
              replicas: 2
              selector: {matchLabels: {app: nginx}}
              template:
                metadata: {labels: {app: nginx}}
                spec:
                  containers:
                  - name: nginx
                    image: nginx:1.8
                    ports: [{containerPort: 80, name: web}]
                    volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
              volumeClaimTemplates:
              - metadata: {name: www}
                spec:
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 1Gi}}
            """);
        var pvc = await Eventually.OutputAsync(k, "describe pvc www-web-0", s => s.Contains("FailedBinding"), 30);
        Assert.Contains("no persistent volumes available for this claim and no storage class is set", pvc);
        var pod = await Eventually.OutputAsync(k, "describe pod web-0", s => s.Contains("FailedScheduling"), 30);
        Assert.Contains("pod has unbound immediate PersistentVolumeClaims", pod);
        Assert.NotEqual(0, (await k.RunAsync("get pod web-1")).ExitCode);
        Assert.Contains("0/2", await k.OkAsync("get sts web"));
    }

    [Fact]
    public async Task Rollout_status_history_and_undo_follow_the_revisions()
    {
        await using var b = await BerthProcess.StartAsync();
        var k = new Kubectl(b.Kubeconfig);
        await k.OkAsync($"apply -f {ServerFixture.Manifest("seed001-nfs-pvs.yaml")}");
        await k.OkAsync($"apply -f {ServerFixture.Manifest("seed001-nfs-pvs-rwo.yaml")}");
        await k.OkAsync($"apply -f {ServerFixture.Manifest("seed001-web.yaml")}");
        await Eventually.OutputAsync(k, "get sts web", s => s.Contains("3/3"), 60);
        var first = await k.OkAsync("get sts web -o jsonpath={.status.currentRevision}");

        await k.OkAsync("set image sts/web nginx=nginx:1.25");
        var status = await k.RunAsync("rollout status sts web --timeout=90s", timeout: TimeSpan.FromSeconds(100));
        status.EnsureSuccess();
        Assert.Contains("roll out complete", status.Stdout);
        var second = await k.OkAsync("get sts web -o jsonpath={.status.updateRevision}");
        Assert.NotEqual(first, second);
        Assert.Equal(second, await k.OkAsync("get sts web -o jsonpath={.status.currentRevision}"));
        Assert.Equal("nginx:1.25 nginx:1.25 nginx:1.25", await k.OkAsync("get pods -l app=nginx -o jsonpath='{.items[*].spec.containers[0].image}'"));
        var history = await k.OkAsync("rollout history sts web");
        Assert.Contains("1 ", history);
        Assert.Contains("2 ", history);

        await k.OkAsync("rollout undo sts web");
        (await k.RunAsync("rollout status sts web --timeout=90s", timeout: TimeSpan.FromSeconds(100))).EnsureSuccess();
        await Eventually.EqualsAsync(k, "get pods -l app=nginx -o jsonpath='{.items[*].metadata.labels.controller-revision-hash}'", $"{first} {first} {first}", 60);
    }
}
