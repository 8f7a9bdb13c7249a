using System.Diagnostics;
using System.Text;
using Berth.E2E.Tests.Infrastructure;

namespace Berth.E2E.Tests;

/// <summary>
/// ServiceAccount tokens and RBAC with real kubectl (issue 4 §2: a standalone provisioner against a remote Berth with a
/// ServiceAccount token): the seeds' nfs-subdir rbac.yaml, <c>kubectl create token</c>, <c>kubectl auth can-i</c>, and
/// <c>berth provisioner local-path</c> running as that ServiceAccount, then as one with no bindings.
/// </summary>
public sealed class ServiceAccountTests : IAsyncLifetime
{
    private BerthProcess _berth = null!;
    private Kubectl _k = null!;
    private readonly List<string> _cleanup = new();

    public async Task InitializeAsync()
    {
        _berth = await BerthProcess.StartAsync();
        _k = new Kubectl(_berth.Kubeconfig);
    }

    public async Task DisposeAsync()
    {
        await _berth.DisposeAsync();
        foreach (var d in _cleanup) TempDirectory.Delete(d);
    }

    /// <summary>A copy of the admin kubeconfig whose user carries <paramref name="token"/> instead (kubectl config
    /// set-credentials, as a user would make one).</summary>
    private async Task<string> KubeconfigWithTokenAsync(string token)
    {
        var dir = TempDirectory.Create("berth-e2e-sa-");
        _cleanup.Add(dir);
        var path = Path.Combine(dir, "kubeconfig");
        File.Copy(_berth.Kubeconfig, path);
        await new Kubectl(path).OkAsync($"config set-credentials admin --token={token}");
        return path;
    }

    private sealed class Provisioner(Process process, StringBuilder output) : IAsyncDisposable
    {
        public string Log { get { lock (output) return output.ToString(); } }
        public bool HasExited => process.HasExited;

        public ValueTask DisposeAsync()
        {
            if (!process.HasExited) process.Kill(true);
            process.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private Provisioner StartProvisioner(string kubeconfig, string name, string root)
    {
        var psi = new ProcessStartInfo(Path.Combine(BerthProcess.RepoRoot, "berth"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = BerthProcess.RepoRoot,
        };
        // The seed's Role allows Leases in the ServiceAccount's namespace only (upstream sets POD_NAMESPACE there).
        foreach (var a in new[] { "provisioner", "local-path", "--kubeconfig", kubeconfig, "--name", name, "--root", root, "--lease-namespace", "default" })
            psi.ArgumentList.Add(a);
        var output = new StringBuilder();
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return new Provisioner(p, output);
    }

    private static string ClassAndClaim(string cls, string provisioner, string claim) => $"""
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {"{"}name: {cls}{"}"}
        provisioner: {provisioner}
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {"{"}name: {claim}, namespace: default{"}"}
        spec:
          accessModes: [ReadWriteOnce]
          storageClassName: {cls}
          resources: {"{"}requests: {"{"}storage: 1Gi{"}"}{"}"}
        """;

    private string NewRoot()
    {
        var root = TempDirectory.Create("berth-e2e-sa-root-");
        _cleanup.Add(root);
        return root;
    }

    [Fact]
    public async Task The_seeds_provisioner_service_account_provisions_and_one_without_bindings_is_forbidden()
    {
        await _k.OkAsync($"create -f {ServerFixture.Manifest("seed000-nfs-subdir-rbac.yaml")}");
        await _k.OkAsync("create serviceaccount nobody");
        var token = (await _k.OkAsync("create token nfs-client-provisioner --duration 1h")).Trim();
        var nobodyToken = (await _k.OkAsync("create token nobody")).Trim();
        Assert.DoesNotContain(token, _berth.Output); // tokens are never logged

        // kubectl auth can-i, asked as each ServiceAccount.
        async Task<string> CanI(string t, string what) => (await _k.RunAsync($"--token={t} auth can-i {what}")).Stdout.Trim();
        Assert.Equal("yes", await CanI(token, "create persistentvolumes"));
        Assert.Equal("yes", await CanI(token, "update persistentvolumeclaims -n other"));   // a ClusterRoleBinding: every namespace
        Assert.Equal("yes", await CanI(token, "create leases.coordination.k8s.io"));       // the Role in default
        Assert.Equal("no", await CanI(token, "create leases.coordination.k8s.io -n kube-system"));
        Assert.Equal("no", await CanI(token, "delete persistentvolumeclaims"));
        Assert.Equal("no", await CanI(token, "get secrets"));
        Assert.Equal("no", await CanI(nobodyToken, "create persistentvolumes"));
        Assert.Equal("yes", (await _k.OkAsync("auth can-i delete secrets -n kube-system")).Trim()); // the admin: system:masters
        Assert.Contains("Username    system:serviceaccount:default:nfs-client-provisioner", (await _k.OkAsync($"--token={token} auth whoami")));

        // The provisioner as nfs-client-provisioner: the claim gets its volume.
        var root = NewRoot();
        await using (var allowed = StartProvisioner(await KubeconfigWithTokenAsync(token), "e2e.io/sa-allowed", root))
        {
            await _k.OkAsync("apply -f -", ClassAndClaim("sa-allowed", "e2e.io/sa-allowed", "allowed"));
            await Eventually.EqualsAsync(_k, "get pvc allowed -o jsonpath={.status.phase}", "Bound", 90);
            var uid = await _k.OkAsync("get pvc allowed -o jsonpath={.metadata.uid}");
            Assert.True(Directory.Exists(Path.Combine(root, $"pvc-{uid}_default_allowed")), allowed.Log);
            Assert.NotEqual("", await _k.OkAsync("get lease e2e.io-sa-allowed -o jsonpath={.spec.holderIdentity}")); // the Role's leases
            Assert.DoesNotContain("forbidden", allowed.Log);
        }

        // The provisioner as nobody: every call is refused, the log says why, nothing is provisioned.
        var deniedRoot = NewRoot();
        await using (var denied = StartProvisioner(await KubeconfigWithTokenAsync(nobodyToken), "e2e.io/sa-denied", deniedRoot))
        {
            await _k.OkAsync("apply -f -", ClassAndClaim("sa-denied", "e2e.io/sa-denied", "denied"));
            var deadline = DateTime.UtcNow.AddSeconds(60);
            const string expected = "leases.coordination.k8s.io \"e2e.io-sa-denied\" is forbidden: User \"system:serviceaccount:default:nobody\" cannot get resource \"leases\" in API group \"coordination.k8s.io\" in the namespace \"default\"";
            while (!denied.Log.Contains(expected) && DateTime.UtcNow < deadline) await Task.Delay(200);
            Assert.Contains(expected, denied.Log);
            Assert.False(denied.HasExited, denied.Log);
            Assert.Equal("Pending", await _k.OkAsync("get pvc denied -o jsonpath={.status.phase}"));
            Assert.Empty(Directory.GetFileSystemEntries(deniedRoot));
            Assert.DoesNotContain(nobodyToken, denied.Log);
        }

        // A forged token and the token of a deleted ServiceAccount: 401, as kubectl reports it.
        var parts = token.Split('.');
        var forged = parts[0] + "." + parts[1] + "." + (parts[2][0] == 'A' ? 'B' : 'A') + parts[2][1..];
        var r = await _k.RunAsync($"--token={forged} get pvc");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("error: You must be logged in to the server (Unauthorized)", r.Stderr);
        await _k.OkAsync("delete serviceaccount nobody");
        r = await _k.RunAsync($"--token={nobodyToken} auth whoami");
        Assert.Contains("Unauthorized", r.Stderr);
    }

    [Fact]
    public async Task Denials_read_like_kube_apiservers()
    {
        await _k.OkAsync("create serviceaccount reader");
        await _k.OkAsync("create role pod-reader --verb=get,list --resource=pods");
        await _k.OkAsync("create rolebinding reader --role=pod-reader --serviceaccount=default:reader");
        var token = (await _k.OkAsync("create token reader")).Trim();

        await Eventually.OutputAsync(_k, $"--token={token} get pods", _ => true, 20); // allowed once the binding is seen
        var r = await _k.RunAsync($"--token={token} get pvc");
        Assert.Equal("Error from server (Forbidden): persistentvolumeclaims is forbidden: User \"system:serviceaccount:default:reader\" cannot list resource \"persistentvolumeclaims\" in API group \"\" in the namespace \"default\"",
            r.Stderr.Trim());
        r = await _k.RunAsync($"--token={token} get pv");
        Assert.Equal("Error from server (Forbidden): persistentvolumes is forbidden: User \"system:serviceaccount:default:reader\" cannot list resource \"persistentvolumes\" in API group \"\" at the cluster scope",
            r.Stderr.Trim());
        r = await _k.RunAsync($"--token={token} get pods -n kube-system");
        Assert.Contains("cannot list resource \"pods\" in API group \"\" in the namespace \"kube-system\"", r.Stderr);
        Assert.Contains("default", await _k.OkAsync("get serviceaccounts")); // the serviceaccount controller's default account
        r = await _k.RunAsync("create token reader --duration 5m");
        Assert.Contains("may not specify a duration less than 10 minutes", r.Stderr);
    }
}
