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
    public string Root { get; } = TempDirectory.Create("berth-e2e-proc-");
    public string Export => Path.Combine(Root, "export");
    public GaneshaServer Nfs { get; private set; } = null!;
    public BerthProcess Berth { get; private set; } = null!;
    public Kubectl Kubectl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (Environment.UserName != "root") throw new InvalidOperationException("process-runtime end-to-end tests need root (runc, bridge network, ganesha)");
        foreach (var tool in new[] { "runc", "tini", "busybox", "nginx", "iptables", "ganesha.nfsd" })
            if (!ToolExists(tool)) throw new InvalidOperationException($"process-runtime end-to-end tests need {tool} installed (see .ci/run)");
        _netnsBefore = PodNetns();
        Nfs = await GaneshaServer.StartAsync(Export, GaneshaServer.FreePort(), Path.Combine(Root, "ganesha"));
        Berth = await BerthProcess.StartWithAsync(new BerthProcessOptions
        {
            Runtime = "process",
            DefaultStorageClass = true,
            ExtraArgs = ["--nfs-server", "127.0.0.1", "--nfs-path", Export, "--nfs-port", Nfs.Port.ToString()],
        });
        Kubectl = new Kubectl(Berth.Kubeconfig);
    }

    private HashSet<string> _netnsBefore = [];

    private static HashSet<string> PodNetns() =>
        Directory.Exists("/run/netns") ? new HashSet<string>(Directory.GetFiles("/run/netns", "berth-*"), StringComparer.Ordinal) : [];

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
                await Kubectl.RunAsync("delete statefulsets --all --all-namespaces --wait=false");
                await Kubectl.RunAsync("delete pods --all --all-namespaces --grace-period=1 --timeout=60s", timeout: TimeSpan.FromSeconds(90));
                // Pods leave the API before the node has torn their networks down; stopping the server then would leave
                // their namespaces behind with nobody to remove them (this data directory goes).
                for (var i = 0; i < 100 && PodNetns().Except(_netnsBefore).Any(); i++) await Task.Delay(200);
            }
            await Berth.DisposeAsync();
        }
        if (Nfs is not null) await Nfs.DisposeAsync();
        TempDirectory.Delete(Root);
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

    private async Task WaitReadyAsync(string pod, int seconds = 90, string ns = "default")
    {
        // kubectl wait fails at once on a pod that does not exist yet (a StatefulSet's pod is created a moment after apply).
        await Eventually.OutputAsync(_k, $"get pod -n {ns} {pod} -o name --ignore-not-found", o => o.Trim() == "pod/" + pod, 30);
        var r = await _k.RunAsync($"wait -n {ns} --for=condition=Ready pod/{pod} --timeout={seconds}s", timeout: TimeSpan.FromSeconds(seconds + 10));
        if (r.ExitCode != 0)
        {
            var describe = await _k.RunAsync($"describe pod -n {ns} {pod}");
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

    /// <summary>
    /// A seed manifest whose NFS PersistentVolumes name the tutorial's LAN server, pointed at this fixture's ganesha
    /// (127.0.0.1, a free port given as the <c>port=N</c> mount option, the export directory as the root of the seed's
    /// paths); everything else is the seed's text. Returns the path of the adapted copy.
    /// </summary>
    private string PointedAtOurNfs(string manifest, string seedServer)
    {
        var docs = File.ReadAllText(ServerFixture.Manifest(manifest)).Split("\n---\n");
        for (var i = 0; i < docs.Length; i++)
        {
            if (!docs[i].Contains("\nkind: PersistentVolume\n")) continue;
            docs[i] = docs[i].Replace($"server: {seedServer}", "server: 127.0.0.1")
                .Replace("    path: /", $"    path: {f.Export}/")
                .Replace("\nspec:\n", $"\nspec:\n  mountOptions:\n  - port={f.Nfs.Port}\n");
        }
        var path = Path.Combine(f.Root, "nfs-" + manifest);
        File.WriteAllText(path, string.Join("\n---\n", docs));
        return path;
    }

    /// <summary>A directory on the NFS server, as the seeds make them (mkdir; chmod 777).</summary>
    private string ServerDirectory(string relative)
    {
        var dir = Path.Combine(f.Export, relative);
        Directory.CreateDirectory(dir);
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(dir, (UnixFileMode)0x1FF);
        return dir;
    }

    [Fact]
    public async Task Seed001_web_on_nfs_pvs_serves_the_servers_index_html_across_pod_deletion_and_web_0_nginx_resolves()
    {
        const string ns = "seed001";
        var sw = Stopwatch.StartNew();
        foreach (var d in new[] { "nfsdata", "nfsdata2", "nfsdata3" }) ServerDirectory(d);
        await _k.OkAsync($"create namespace {ns}");
        await _k.OkAsync($"create -f {PointedAtOurNfs("seed001-nfs-pvs.yaml", "192.168.0.116")}");
        // The seed's image heqingbao/k8s_myapp:v1 is the tutorial author's nginx build on Docker Hub; this node pulls from
        // no registry, so the built-in nginx stands in for it (everything else is the seed's statefulset.yaml).
        var web = Path.Combine(f.Root, "seed001-web.yaml");
        File.WriteAllText(web, File.ReadAllText(ServerFixture.Manifest("seed001-web.yaml")).Replace("image: heqingbao/k8s_myapp:v1", "image: nginx"));
        await _k.OkAsync($"apply -n {ns} -f {web}");
        await WaitReadyAsync("web-0", 60, ns);
        Assert.Equal("nfspv1", await _k.OkAsync($"get pvc -n {ns} www-web-0 -o jsonpath={{.spec.volumeName}}"));

        // Only nfspv1 is ReadWriteOnce of class nfs: web-1 stays Pending, as in the seed, and web-2 is not created (OrderedReady).
        await Eventually.OutputAsync(_k, $"describe pod -n {ns} web-1", o => o.Contains("FailedScheduling") && o.Contains("pod has unbound immediate PersistentVolumeClaims"), 30);
        Assert.Equal("Pending", await _k.OkAsync($"get pod -n {ns} web-1 -o jsonpath={{.status.phase}}"));
        Assert.Contains("NotFound", (await _k.RunAsync($"get pod -n {ns} web-2")).Output);

        // The seed replaces nfspv2 and nfspv3 with ReadWriteOnce volumes of class nfs: web-1 and then web-2 start.
        await _k.OkAsync("delete pv nfspv2 nfspv3");
        await _k.OkAsync($"create -f {PointedAtOurNfs("seed001-nfs-pvs-rwo.yaml", "192.168.0.116")}");
        await WaitReadyAsync("web-1", 60, ns);
        await WaitReadyAsync("web-2", 60, ns);
        var claims = await _k.OkAsync("get pv nfspv1 nfspv2 nfspv3 -o \"jsonpath={range .items[*]}{.spec.claimRef.name}{','}{end}\"");
        Assert.Equal("www-web-0,www-web-1,www-web-2,", claims.Trim());
        output.WriteLine($"seed 001: web-0..2 Ready on their NFS volumes in {sw.ElapsedMilliseconds} ms");

        // On the NFS server: echo "hello world" > /nfsdata/index.html; web-0 serves it.
        File.WriteAllText(Path.Combine(f.Export, "nfsdata", "index.html"), "hello world\n");
        var ip = await _k.OkAsync($"get pod -n {ns} web-0 -o jsonpath={{.status.podIP}}");
        var uid = await _k.OkAsync($"get pod -n {ns} web-0 -o jsonpath={{.metadata.uid}}");
        await GetAsync($"http://{ip}/", "hello world");

        sw.Restart();
        await _k.OkAsync($"delete pod -n {ns} web-0");
        await Eventually.OutputAsync(_k, $"get pod -n {ns} web-0 -o jsonpath={{.metadata.uid}}", u => u.Length > 0 && u != uid, 60);
        await WaitReadyAsync("web-0", 60, ns);
        var newIp = await _k.OkAsync($"get pod -n {ns} web-0 -o jsonpath={{.status.podIP}}");
        Assert.NotEqual(ip, newIp);
        await GetAsync($"http://{newIp}/", "hello world");
        output.WriteLine($"seed 001: web-0 recreated ({ip} -> {newIp}) and serving the same page in {sw.ElapsedMilliseconds} ms");

        // Pods reach each other by the stable name: web-0.nginx from a busybox pod.
        var client = Path.Combine(f.Root, "seed001-client.yaml");
        File.WriteAllText(client, """
            apiVersion: v1
            kind: Pod
            metadata:
              name: client
            spec:
              terminationGracePeriodSeconds: 1
              containers:
                - name: busybox
                  image: busybox
                  command: ["sleep", "3600"]
            """);
        await _k.OkAsync($"apply -n {ns} -f {client}");
        await WaitReadyAsync("client", 60, ns);
        var lookup = await Eventually.OutputAsync(_k, $"exec -n {ns} client -- nslookup web-0.nginx.{ns}.svc.cluster.local", o => o.Contains(newIp), 20);
        Assert.Contains(newIp, lookup);
        Assert.Equal("hello world", (await _k.OkAsync($"exec -n {ns} client -- wget -qO- http://web-0.nginx/")).Trim());

        await _k.OkAsync($"delete statefulset -n {ns} web");
        await _k.RunAsync($"delete pods -n {ns} --all --grace-period=1", timeout: TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Seed003_redis_statefulsets_keep_a_saved_key_across_pod_deletion_and_answer_each_other_by_stable_name()
    {
        const string ns = "shiqi";
        var sw = Stopwatch.StartNew();
        var existDir = ServerDirectory("nfs/shiqi-redis-exist-pvc");
        await _k.OkAsync($"create namespace {ns}");
        await _k.OkAsync($"apply -f {ServerFixture.Manifest("seed003-nfs-client-class.yaml")}");
        // The seed's StatefulSets name headless Services (serviceName) it never shows; these are the usual ones.
        var services = Path.Combine(f.Root, "seed003-services.yaml");
        File.WriteAllText(services, """
            apiVersion: v1
            kind: Service
            metadata:
              name: redis-exist-pvc
              namespace: shiqi
            spec:
              clusterIP: None
              selector:
                app: redis-exist-pvc
              ports:
                - port: 6379
                  name: redis
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: redis-not-exist-pvc
              namespace: shiqi
            spec:
              clusterIP: None
              selector:
                app: redis-not-exist-pvc
              ports:
                - port: 6379
                  name: redis
            """);
        await _k.OkAsync($"apply -f {services}");
        await _k.OkAsync($"apply -f {PointedAtOurNfs("seed003-redis-exist-pvc.yaml", "192.168.110.168")}");
        await _k.OkAsync($"apply -f {ServerFixture.Manifest("seed003-redis-not-exist-pvc.yaml")}");
        string[] pods = ["statefulset-redis-exist-pvc-0", "statefulset-redis-not-exist-pvc-0"];
        foreach (var pod in pods) await WaitReadyAsync(pod, 90, ns);
        Assert.Equal("pv-shiqi-redis-exist-pvc", await _k.OkAsync($"get pvc -n {ns} pvc-shiqi-redis-exist-pvc -o jsonpath={{.spec.volumeName}}"));
        var dynamicPv = await _k.OkAsync($"get pvc -n {ns} pvc-shiqi-statefulset-redis-not-exist-pvc-0 -o jsonpath={{.spec.volumeName}}");
        var dynamicPath = await _k.OkAsync($"get pv {dynamicPv} -o jsonpath={{.spec.nfs.path}}");
        Assert.StartsWith(f.Export + "/", dynamicPath);
        output.WriteLine($"seed 003: both redis pods Ready (readiness: redis-cli ping) in {sw.ElapsedMilliseconds} ms");

        // redis-cli: SET testkey …; SAVE (dump.rdb lands in /data, i.e. on the NFS server).
        var values = new Dictionary<string, string> { [pods[0]] = "Hello, Redis!", [pods[1]] = "Hello, Redis Dynamic PVC!" };
        var uids = new Dictionary<string, string>();
        foreach (var pod in pods)
        {
            Assert.Equal("OK", (await _k.OkAsync($"exec -n {ns} {pod} -- redis-cli SET testkey \"{values[pod]}\"")).Trim());
            Assert.Equal(values[pod], (await _k.OkAsync($"exec -n {ns} {pod} -- redis-cli GET testkey")).Trim());
            Assert.Equal("OK", (await _k.OkAsync($"exec -n {ns} {pod} -- redis-cli SAVE")).Trim());
            uids[pod] = await _k.OkAsync($"get pod -n {ns} {pod} -o jsonpath={{.metadata.uid}}");
        }
        Assert.True(File.Exists(Path.Combine(existDir, "dump.rdb")), "dump.rdb on the NFS server under /nfs/shiqi-redis-exist-pvc");
        Assert.True(File.Exists(Path.Combine(dynamicPath, "dump.rdb")), $"dump.rdb on the NFS server under {dynamicPath}");

        sw.Restart();
        await _k.OkAsync($"delete pod -n {ns} {pods[0]} {pods[1]}");
        foreach (var pod in pods)
        {
            await Eventually.OutputAsync(_k, $"get pod -n {ns} {pod} -o jsonpath={{.metadata.uid}}", u => u.Length > 0 && u != uids[pod], 60);
            await WaitReadyAsync(pod, 90, ns);
        }
        output.WriteLine($"seed 003: both redis pods recreated and Ready in {sw.ElapsedMilliseconds} ms");
        foreach (var pod in pods)
            Assert.Equal(values[pod], (await _k.OkAsync($"exec -n {ns} {pod} -- redis-cli GET testkey")).Trim());

        // Each answers the other by <pod>.<service> through the cluster DNS.
        Assert.Equal("PONG", (await _k.OkAsync($"exec -n {ns} {pods[1]} -- redis-cli -h {pods[0]}.redis-exist-pvc ping")).Trim());
        Assert.Equal("PONG", (await _k.OkAsync($"exec -n {ns} {pods[0]} -- redis-cli -h {pods[1]}.redis-not-exist-pvc ping")).Trim());
        // The tcpSocket liveness probe found nothing wrong.
        foreach (var pod in pods)
            Assert.Equal("0", await _k.OkAsync($"get pod -n {ns} {pod} -o jsonpath={{.status.containerStatuses[0].restartCount}}"));

        await _k.OkAsync($"delete statefulset -n {ns} statefulset-redis-exist-pvc statefulset-redis-not-exist-pvc");
        await _k.RunAsync($"delete pods -n {ns} --all --grace-period=1", timeout: TimeSpan.FromSeconds(60));
    }
}
