using System.Diagnostics;
using Berth.E2E.Tests.Infrastructure;
using Berth.Nfs.Ganesha;
using Xunit.Abstractions;

namespace Berth.E2E.Tests;

/// <summary>
/// One `./berth server --runtime process` (runc pods on the default bridge berth0, 10.88.0.0/16, cluster DNS on port 53,
/// the default local-path class) and a real nfs-ganesha for the nfs-subdir class. Its tests share that node network, so
/// they are one collection and run one at a time.
/// </summary>
public sealed class ProcessServerFixture : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("berth-e2e-proc-").FullName;
    public string Export => Path.Combine(Root, "export");
    public GaneshaServer Nfs { get; private set; } = null!;
    public BerthProcess Berth { get; private set; } = null!;
    public Kubectl Kubectl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (Environment.UserName != "root") throw new InvalidOperationException("process-runtime end-to-end tests need root (runc, bridge network, ganesha)");
        foreach (var tool in new[] { "runc", "tini", "busybox", "nginx", "iptables", "ganesha.nfsd" })
            if (!ToolExists(tool)) throw new InvalidOperationException($"process-runtime end-to-end tests need {tool} installed (see .ci/run)");
        Nfs = await GaneshaServer.StartAsync(Export, GaneshaServer.FreePort(), Path.Combine(Root, "ganesha"));
        Berth = await BerthProcess.StartWithAsync(new BerthProcessOptions
        {
            Runtime = "process",
            DefaultStorageClass = true,
            ExtraArgs = ["--nfs-server", "127.0.0.1", "--nfs-path", Export, "--nfs-port", Nfs.Port.ToString()],
        });
        Kubectl = new Kubectl(Berth.Kubeconfig);
    }

    private static bool ToolExists(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, tool))) return true;
        return File.Exists("/usr/sbin/" + tool) || File.Exists("/usr/bin/" + tool);
    }

    public async Task DisposeAsync()
    {
        if (Berth is not null)
        {
            // Containers outlive a server stop by design: remove the workloads and their pods first.
            if (!Berth.HasExited)
            {
                await Kubectl.RunAsync("delete statefulsets --all --wait=false");
                await Kubectl.RunAsync("delete pods --all --grace-period=1 --timeout=60s", timeout: TimeSpan.FromSeconds(90));
            }
            await Berth.DisposeAsync();
        }
        if (Nfs is not null) await Nfs.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class ProcessRuntimeCollection : ICollectionFixture<ProcessServerFixture>
{
    public const string Name = "process runtime (berth0, DNS on :53)";
}

/// <summary>The seed walkthroughs with real pods: real kubectl, `berth server --runtime process`, runc, nginx, busybox.</summary>
[Collection(ProcessRuntimeCollection.Name)]
public sealed class ProcessRuntimeSeedTests(ProcessServerFixture f, ITestOutputHelper output)
{
    private readonly Kubectl _k = f.Kubectl;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private async Task<string> GetAsync(string url, string expected, double seconds = 20)
    {
        var sw = Stopwatch.StartNew();
        var last = "";
        while (sw.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            try
            {
                last = await Http.GetStringAsync(url);
                if (last.Trim() == expected) return last;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { last = e.Message; }
            await Task.Delay(200);
        }
        throw new Xunit.Sdk.XunitException($"GET {url}: expected \"{expected}\", last answer: {last}\n{f.Berth.Output[^Math.Min(3000, f.Berth.Output.Length)..]}");
    }

    private async Task WaitReadyAsync(string pod, int seconds = 90)
    {
        var r = await _k.RunAsync($"wait --for=condition=Ready pod/{pod} --timeout={seconds}s", timeout: TimeSpan.FromSeconds(seconds + 10));
        if (r.ExitCode != 0)
        {
            var describe = await _k.RunAsync($"describe pod {pod}");
            throw new Xunit.Sdk.XunitException($"pod {pod} not Ready: {r.Output}\n{describe.Output}");
        }
    }

    [Fact]
    public async Task Seed002_nginx_serves_index_html_from_a_hostPath_pv_bound_through_a_claim()
    {
        var sw = Stopwatch.StartNew();
        var data = Path.Combine(f.Root, "pv");
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(data, "index.html"), "pv and pvc\n");
        var manifest = Path.Combine(f.Root, "seed002.yaml");
        File.WriteAllText(manifest, File.ReadAllText(ServerFixture.Manifest("seed002-task-pv.yaml")).Replace("\"/data/pv\"", $"\"{data}\"") + """
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: task-pv-pod
            spec:
              terminationGracePeriodSeconds: 1
              volumes:
                - name: task-pv-storage
                  persistentVolumeClaim:
                    claimName: task-pv-claim
              containers:
                - name: task-pv-container
                  image: nginx
                  ports:
                    - containerPort: 80
                      name: "http-server"
                  volumeMounts:
                    - mountPath: "/usr/share/nginx/html"
                      name: task-pv-storage
            """);
        await _k.OkAsync($"apply -f {manifest}");
        await WaitReadyAsync("task-pv-pod");
        var ip = await _k.OkAsync("get pod task-pv-pod -o jsonpath={.status.podIP}");
        Assert.StartsWith("10.88.", ip);
        await GetAsync($"http://{ip}/", "pv and pvc");
        output.WriteLine($"seed 002: pod serving in {sw.ElapsedMilliseconds} ms");
        await _k.OkAsync("delete pod task-pv-pod --grace-period=1");
    }

    private const string WebManifest = """
        apiVersion: v1
        kind: Service
        metadata:
          name: nginx
          labels:
            app: nginx
        spec:
          ports:
            - port: 80
              name: web
          clusterIP: None
          selector:
            app: nginx
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: web
        spec:
          serviceName: "nginx"
          replicas: 2
          selector:
            matchLabels:
              app: nginx
          template:
            metadata:
              labels:
                app: nginx
            spec:
              terminationGracePeriodSeconds: 1
              containers:
                - name: nginx
                  image: nginx
                  ports:
                    - containerPort: 80
                      name: web
                  volumeMounts:
                    - name: www
                      mountPath: /usr/share/nginx/html
          volumeClaimTemplates:
            - metadata:
                name: www
              spec:
                accessModes: ["ReadWriteOnce"]
                resources:
                  requests:
                    storage: 1Gi
        """;

    [Fact]
    public async Task Seed004_statefulset_pages_survive_pod_deletion_and_pods_resolve_each_other_by_stable_name()
    {
        var sw = Stopwatch.StartNew();
        var manifest = Path.Combine(f.Root, "web.yaml");
        File.WriteAllText(manifest, WebManifest);
        await _k.OkAsync($"apply -f {manifest}");
        await WaitReadyAsync("web-0", 120);
        await WaitReadyAsync("web-1", 120);
        output.WriteLine($"seed 004: both replicas Ready in {sw.ElapsedMilliseconds} ms");
        var oldUids = new Dictionary<string, string>();
        for (var i = 0; i < 2; i++)
        {
            await _k.OkAsync($"exec web-{i} -- sh -c \"echo hello $(hostname) > /usr/share/nginx/html/index.html\"");
            oldUids[$"web-{i}"] = await _k.OkAsync($"get pod web-{i} -o jsonpath={{.metadata.uid}}");
        }

        sw.Restart();
        await _k.OkAsync("delete pod web-0 web-1 --grace-period=1");
        for (var i = 0; i < 2; i++)
        {
            var name = $"web-{i}";
            await Eventually.OutputAsync(_k, $"get pod {name} -o jsonpath={{.metadata.uid}}", uid => uid.Length > 0 && uid != oldUids[name], 60);
            await WaitReadyAsync(name, 120);
        }
        output.WriteLine($"seed 004: both replicas recreated and Ready in {sw.ElapsedMilliseconds} ms");
        var ips = new string[2];
        for (var i = 0; i < 2; i++)
        {
            ips[i] = await _k.OkAsync($"get pod web-{i} -o jsonpath={{.status.podIP}}");
            await GetAsync($"http://{ips[i]}/", $"hello web-{i}");
        }

        // The headless service gives each replica a stable name: web-0.nginx, through the cluster DNS.
        var hosts = await Eventually.OutputAsync(_k, "exec web-1 -- getent hosts web-0.nginx.default.svc.cluster.local", o => o.Contains(ips[0]), 20);
        Assert.StartsWith(ips[0], hosts.Trim());
        var shortName = await _k.RunAsync("exec web-1 -- getent hosts web-0.nginx");
        Assert.True(shortName.ExitCode == 0 && shortName.Stdout.StartsWith(ips[0]), $"web-0.nginx through the search path: {shortName.Output}");

        await _k.OkAsync("delete statefulset web");
        await _k.RunAsync("delete pod web-0 web-1 --grace-period=1 --ignore-not-found");
    }

    [Fact]
    public async Task Seed000_test_pod_touches_SUCCESS_in_its_nfs_subdir_claim()
    {
        var sw = Stopwatch.StartNew();
        await _k.OkAsync($"apply -f {ServerFixture.Manifest("seed000-managed-nfs-storage.yaml")}");
        var manifest = Path.Combine(f.Root, "test-pod.yaml");
        File.WriteAllText(manifest, """
            kind: Pod
            apiVersion: v1
            metadata:
              name: test-pod
            spec:
              containers:
              - name: test-pod
                image: busybox:stable
                command:
                  - "/bin/sh"
                args:
                  - "-c"
                  - "touch /mnt/SUCCESS && exit 0 || exit 1"
                volumeMounts:
                  - name: nfs-pvc
                    mountPath: "/mnt"
              restartPolicy: "Never"
              volumes:
                - name: nfs-pvc
                  persistentVolumeClaim:
                    claimName: test-claim
            """);
        await _k.OkAsync($"apply -f {manifest}");
        try
        {
            await Eventually.EqualsAsync(_k, "get pod test-pod -o jsonpath={.status.phase}", "Succeeded", 60);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException(e.Message + "\n" + (await _k.RunAsync("describe pod test-pod")).Output);
        }
        output.WriteLine($"seed 000: test-pod Succeeded in {sw.ElapsedMilliseconds} ms");
        var pv = await _k.OkAsync("get pvc test-claim -o jsonpath={.spec.volumeName}");
        var path = await _k.OkAsync($"get pv {pv} -o jsonpath={{.spec.nfs.path}}");
        Assert.StartsWith(f.Export + "/", path);
        using (var nfs = f.Nfs.Connect())
            Assert.NotNull(nfs.Stat(path[(f.Export.Length + 1)..] + "/SUCCESS"));
        await _k.OkAsync("delete pod test-pod");
    }
}
