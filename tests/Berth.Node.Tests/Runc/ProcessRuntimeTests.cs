using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Kubelet.Runc;
using Berth.Kubelet.Tests.Images;

namespace Berth.Kubelet.Tests.Runc;

/// <summary>The process runtime with real runc, tini, busybox and nginx (needs root and those packages, as CI has).</summary>
public sealed class ProcessRuntimeTests : IDisposable
{
    private readonly string _dir = TempDirectory.Create("berth-rt-");
    private readonly PointToPointPodNetwork _net = new();
    private readonly List<ProcessRuntime> _runtimes = new();

    public ProcessRuntimeTests()
    {
        Assert.True(Environment.UserName == "root", "the process runtime tests need root (runc, mounts, network namespaces)");
        foreach (var tool in new[] { "runc", "tini", "busybox", "nginx", "ip" })
            Assert.True(HostTools.Which(tool) is not null, $"the process runtime tests need {tool} installed");
    }

    private ProcessRuntime Runtime(string? stateDir = null)
    {
        var rt = new ProcessRuntime(new ProcessRuntimeOptions
        {
            StateDir = stateDir ?? Path.Combine(_dir, "node"),
            ImageStoreDir = Path.Combine(_dir, "images"),
            Network = _net,
            InitialBackoff = TimeSpan.FromMilliseconds(500),
            MaxBackoff = TimeSpan.FromSeconds(2),
            ExitPoll = TimeSpan.FromMilliseconds(50),
        });
        _runtimes.Add(rt);
        return rt;
    }

    public void Dispose()
    {
        foreach (var rt in _runtimes)
            foreach (var p in rt.ListPods())
                rt.StopPodAsync(new Pod { Metadata = new ObjectMeta { Uid = p.Pod.Uid } }, 0, default).Wait();
        TempDirectory.Delete(_dir);
    }

    private static Pod NewPod(string name, string restartPolicy, params Container[] containers) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default", Uid = Guid.NewGuid().ToString() },
        Spec = new PodSpec { Containers = containers.ToList(), RestartPolicy = restartPolicy, NodeName = "node1", TerminationGracePeriodSeconds = 1 },
    };

    private static Container Busybox(string name, string script) => new() { Name = name, Image = "busybox", Command = ["sh", "-c", script] };

    private static async Task<ContainerRuntimeStatus> WaitFor(ProcessRuntime rt, string uid, Func<ContainerRuntimeStatus, bool> done, int seconds = 15, string container = "c")
    {
        var sw = Stopwatch.StartNew();
        ContainerRuntimeStatus? last = null;
        while (sw.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            var st = rt.Status(uid);
            last = st?.Containers.Concat(st.InitContainers).FirstOrDefault(c => c.Name == container);
            if (last is not null && done(last)) return last;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"container {container} did not reach the expected state in {seconds}s; last: {JsonSerializer.Serialize(last)}");
    }

    [Fact]
    public async Task Busybox_writes_to_a_hostPath_volume_and_the_pod_succeeds()
    {
        var rt = Runtime();
        var host = Path.Combine(_dir, "data");
        var pod = NewPod("writer", "Never", Busybox("c", "echo \"from $(hostname) $POD_NAME\" > /mnt/out.txt"));
        pod.Spec!.Containers![0].Env = [new EnvVar { Name = "POD_NAME", ValueFrom = new EnvVarSource { FieldRef = new ObjectFieldSelector { FieldPath = "metadata.name" } } }];
        pod.Spec.Containers[0].VolumeMounts = [new VolumeMount { Name = "data", MountPath = "/mnt" }];
        pod.Spec.Volumes = [new Volume { Name = "data", HostPath = new HostPathVolumeSource { Path = host, Type = "DirectoryOrCreate" } }];
        await rt.StartPodAsync(pod, default);
        var c = await WaitFor(rt, pod.Metadata.Uid!, s => s.State == ContainerRunState.Terminated);
        Assert.True(c.ExitCode == 0, $"exit {c.ExitCode} {c.Reason}: {c.Message}");
        Assert.Equal("Completed", c.Reason);
        Assert.Equal("from writer writer\n", File.ReadAllText(Path.Combine(host, "out.txt")));
        var status = PodStatusBuilder.FromSandbox(pod, rt.Status(pod.Metadata.Uid!)!, "127.0.0.1", DateTimeOffset.UtcNow);
        Assert.Equal("Succeeded", status.Phase);
    }

    [Fact]
    public async Task Nginx_serves_a_file_from_a_hostPath_volume_on_the_pod_IP()
    {
        var rt = Runtime();
        var html = Path.Combine(_dir, "html");
        Directory.CreateDirectory(html);
        File.WriteAllText(Path.Combine(html, "index.html"), "pv and pvc\n");
        var pod = NewPod("web", "Always", new Container
        {
            Name = "c", Image = "nginx",
            VolumeMounts = [new VolumeMount { Name = "www", MountPath = "/usr/share/nginx/html" }],
            ReadinessProbe = new Probe { HttpGet = new HTTPGetAction { Path = "/", Port = IntOrString.FromInt(80) }, PeriodSeconds = 1 },
        });
        pod.Spec!.Volumes = [new Volume { Name = "www", HostPath = new HostPathVolumeSource { Path = html } }];
        var sandbox = await rt.StartPodAsync(pod, default);
        await WaitFor(rt, pod.Metadata.Uid!, s => s.Ready);
        using var http = new HttpClient();
        Assert.Equal("pv and pvc\n", await http.GetStringAsync($"http://{sandbox.Ip}/"));
        // The kubelet's /etc files are in place.
        var hosts = await Exec(rt, pod.Metadata.Uid!, "c", ["cat", "/etc/hosts", "/etc/resolv.conf"]);
        Assert.Contains($"{sandbox.Ip}\tweb", hosts.Stdout);
        Assert.Contains("search default.svc.cluster.local svc.cluster.local cluster.local", hosts.Stdout);
        Assert.Contains("nameserver 10.96.0.10", hosts.Stdout);
    }

    [Fact]
    public async Task Redis_answers_on_the_pod_IP_and_saves_into_data()
    {
        var rt = Runtime();
        var data = Path.Combine(_dir, "redis");
        var pod = NewPod("redis", "Always", new Container
        {
            Name = "c", Image = "redis:7",
            VolumeMounts = [new VolumeMount { Name = "data", MountPath = "/data" }],
            LivenessProbe = new Probe { TcpSocket = new TCPSocketAction { Port = IntOrString.FromInt(6379) }, PeriodSeconds = 1 },
            ReadinessProbe = new Probe { Exec = new ExecAction { Command = ["redis-cli", "ping"] }, PeriodSeconds = 1 },
        });
        pod.Spec!.Volumes = [new Volume { Name = "data", HostPath = new HostPathVolumeSource { Path = data, Type = "DirectoryOrCreate" } }];
        var sandbox = await rt.StartPodAsync(pod, default);
        await WaitFor(rt, pod.Metadata.Uid!, s => s.Ready);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(sandbox.Ip!, 6379);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("SET k v\r\nSAVE\r\n"));
        var buf = new byte[64];
        var got = "";
        while (!got.Contains("+OK\r\n+OK\r\n")) got += Encoding.ASCII.GetString(buf, 0, await stream.ReadAsync(buf));
        Assert.True(File.Exists(Path.Combine(data, "dump.rdb")), "redis saved into /data");
    }

    [Fact]
    public async Task A_crashing_container_restarts_with_back_off_and_shows_CrashLoopBackOff()
    {
        var rt = Runtime();
        var pod = NewPod("crash", "Always", Busybox("c", "echo run; exit 3"));
        await rt.StartPodAsync(pod, default);
        var c = await WaitFor(rt, pod.Metadata.Uid!, s => s.State == ContainerRunState.Waiting && s.Reason == "CrashLoopBackOff" && s.RestartCount >= 2);
        Assert.Equal(3, c.LastTermination!.ExitCode);
        Assert.Equal("Error", c.LastTermination.Reason);
        Assert.Contains("back-off", c.Message);
        Assert.Equal("Running", PodStatusBuilder.Phase(pod.Spec!, PodStatusBuilder.FromSandbox(pod, rt.Status(pod.Metadata.Uid!)!, "h", DateTimeOffset.UtcNow).ContainerStatuses!));

        // OnFailure: an exit 0 ends it for good.
        var once = NewPod("once", "OnFailure", Busybox("c", "exit 0"));
        await rt.StartPodAsync(once, default);
        var done = await WaitFor(rt, once.Metadata.Uid!, s => s.State == ContainerRunState.Terminated);
        await Task.Delay(700);
        Assert.Equal(0, rt.Status(once.Metadata.Uid!)!.Containers[0].RestartCount);
        Assert.Equal("Completed", done.Reason);
    }

    [Fact]
    public async Task Init_containers_run_in_order_before_the_app_containers()
    {
        var rt = Runtime();
        var pod = NewPod("init", "Never", Busybox("c", "cat /work/a /work/b"));
        pod.Spec!.InitContainers = [Busybox("i1", "echo first > /work/a"), Busybox("i2", "test -f /work/a && echo second > /work/b")];
        foreach (var ctr in pod.Spec.InitContainers.Concat(pod.Spec.Containers!)) ctr.VolumeMounts = [new VolumeMount { Name = "work", MountPath = "/work" }];
        pod.Spec.Volumes = [new Volume { Name = "work", EmptyDir = new EmptyDirVolumeSource() }];
        await rt.StartPodAsync(pod, default);
        var c = await WaitFor(rt, pod.Metadata.Uid!, s => s.State == ContainerRunState.Terminated);
        Assert.Equal(0, c.ExitCode);
        Assert.EndsWith("stdout F second", File.ReadAllLines(rt.ContainerLogPath(pod.Metadata.Uid!, "c", false)!)[1]);
        var status = PodStatusBuilder.FromSandbox(pod, rt.Status(pod.Metadata.Uid!)!, "h", DateTimeOffset.UtcNow);
        Assert.Equal("Succeeded", status.Phase);
        Assert.All(status.InitContainerStatuses!, s => Assert.Equal("Completed", s.State!.Terminated!.Reason));
        Assert.Equal("True", status.Conditions!.Single(x => x.Type == "Initialized").Status);

        // A failing init container with restartPolicy Never fails the pod; the app container never starts.
        var bad = NewPod("init-bad", "Never", Busybox("c", "true"));
        bad.Spec!.InitContainers = [Busybox("i1", "exit 2")];
        await rt.StartPodAsync(bad, default);
        await WaitFor(rt, bad.Metadata.Uid!, s => s.State == ContainerRunState.Terminated, container: "i1");
        var badStatus = PodStatusBuilder.FromSandbox(bad, rt.Status(bad.Metadata.Uid!)!, "h", DateTimeOffset.UtcNow);
        Assert.Equal("Failed", badStatus.Phase);
        Assert.Equal("PodInitializing", badStatus.ContainerStatuses![0].State!.Waiting!.Reason);
    }

    [Fact]
    public async Task A_container_over_its_memory_limit_is_OOMKilled()
    {
        var rt = Runtime();
        var c = Busybox("c", "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo ${#x}");
        c.Resources = new ResourceRequirements { Limits = new() { ["memory"] = Quantity.Parse("32Mi") } };
        var pod = NewPod("oom", "Never", c);
        await rt.StartPodAsync(pod, default);
        var s = await WaitFor(rt, pod.Metadata.Uid!, x => x.State == ContainerRunState.Terminated, seconds: 20);
        Assert.Equal("OOMKilled", s.Reason);
        Assert.Equal(137, s.ExitCode);
    }

    [Fact]
    public async Task A_failing_liveness_exec_probe_restarts_the_container()
    {
        var rt = Runtime();
        var pod = NewPod("live", "Always", new Container
        {
            Name = "c", Image = "busybox", Command = ["sh", "-c", "sleep 1000"],
            LivenessProbe = new Probe { Exec = new ExecAction { Command = ["cat", "/tmp/healthy"] }, PeriodSeconds = 1, FailureThreshold = 1 },
        });
        await rt.StartPodAsync(pod, default);
        var c = await WaitFor(rt, pod.Metadata.Uid!, s => s.RestartCount >= 1, seconds: 15);
        Assert.NotNull(c.LastTermination);
        Assert.NotEqual(0, c.LastTermination!.ExitCode);
    }

    [Fact]
    public async Task Exec_returns_output_and_exit_code_and_logs_are_in_CRI_format()
    {
        var rt = Runtime();
        var pod = NewPod("ex", "Always", Busybox("c", "echo one; echo two >&2; exec sleep 1000"));
        await rt.StartPodAsync(pod, default);
        await WaitFor(rt, pod.Metadata.Uid!, s => s.State == ContainerRunState.Running);
        var r = await Exec(rt, pod.Metadata.Uid!, "c", ["sh", "-c", "echo out; echo err >&2; exit 7"]);
        Assert.Equal(7, r.Code);
        Assert.Equal("out\n", r.Stdout);
        Assert.Equal("err\n", r.Stderr);
        var stdin = await Exec(rt, pod.Metadata.Uid!, "c", ["cat"], "piped\n");
        Assert.Equal("piped\n", stdin.Stdout);

        // With a TTY the command runs on a terminal; stderr joins stdout.
        using (var tty = new MemoryStream())
        {
            var code = await rt.ExecAsync(pod.Metadata.Uid!, "c", ["sh", "-c", "tty; exit 4"], new ExecStreams { Stdout = tty, Tty = true }, default);
            Assert.Equal(4, code);
            Assert.Contains("/dev/pts/", Encoding.UTF8.GetString(tty.ToArray()));
        }

        var log = rt.ContainerLogPath(pod.Metadata.Uid!, "c", previous: false)!;
        var lines = File.ReadAllLines(log);
        Assert.Equal(2, lines.Length);
        var cri = new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) F (.*)$");
        Assert.Matches(cri, lines[0]);
        Assert.EndsWith(" stdout F one", lines.Single(l => l.Contains(" stdout ")));
        Assert.EndsWith(" stderr F two", lines.Single(l => l.Contains(" stderr ")));
        Assert.Null(rt.ContainerLogPath(pod.Metadata.Uid!, "c", previous: true));
    }

    [Fact]
    public async Task A_restarted_agent_adopts_running_containers()
    {
        var state = Path.Combine(_dir, "adopt");
        var first = Runtime(state);
        var pod = NewPod("adopt", "Always", Busybox("c", "echo hi; exec sleep 1000"));
        await first.StartPodAsync(pod, default);
        var running = await WaitFor(first, pod.Metadata.Uid!, s => s.State == ContainerRunState.Running);
        first.Detach(); // "the agent process ends": its containers keep running
        _runtimes.Remove(first);

        var second = Runtime(state);
        var adopted = second.ListPods().Single();
        Assert.Equal(pod.Metadata.Uid, adopted.Pod.Uid);
        var c = await WaitFor(second, pod.Metadata.Uid!, s => s.State == ContainerRunState.Running);
        Assert.Equal(running.ContainerId, c.ContainerId);
        Assert.Equal(0, c.RestartCount);
        var r = await Exec(second, pod.Metadata.Uid!, "c", ["echo", "still here"]);
        Assert.Equal("still here\n", r.Stdout);
    }

    [Fact]
    public async Task A_run_whose_shim_and_container_were_killed_is_lost_and_restarted()
    {
        var rt = Runtime();
        var pod = NewPod("lost", "Always", Busybox("c", "exec sleep 1000"));
        await rt.StartPodAsync(pod, default);
        var c = await WaitFor(rt, pod.Metadata.Uid!, s => s.State == ContainerRunState.Running);
        // Alive and well for longer than the liveness check's period (25 polls): not lost while its shim runs.
        await Task.Delay(1500);
        Assert.Equal(0, rt.Status(pod.Metadata.Uid!)!.Containers[0].RestartCount);

        // kill -9 of the shim, and the container gone from runc: nobody writes the exit file; the run is noticed lost and restarted.
        var shim = ShimOf(c.ContainerId!);
        Process.Start("kill", ["-KILL", shim.ToString()])!.WaitForExit();
        await CommandRunnerAccess.Runc(["delete", "-f", c.ContainerId!]);
        var restarted = await WaitFor(rt, pod.Metadata.Uid!, s => s.RestartCount == 1 && s.State == ContainerRunState.Running, 20);
        Assert.NotEqual(c.ContainerId, restarted.ContainerId);
        Assert.Equal("Error", restarted.LastTermination!.Reason);
    }

    /// <summary>The pid of the berth-shim whose command line names the run.</summary>
    private static int ShimOf(string runId)
    {
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out var pid)) continue;
            try
            {
                var cmd = File.ReadAllText(Path.Combine(d, "cmdline")).Split('\0');
                if (Path.GetFileName(cmd[0]).StartsWith("berth-shim", StringComparison.Ordinal) && cmd.Contains(runId)) return pid;
            }
            catch (IOException) { }
        }
        throw new Xunit.Sdk.XunitException("no shim for run " + runId);
    }

    [Fact]
    public async Task Stop_kills_a_process_that_ignores_SIGTERM_after_the_grace_period()
    {
        var rt = Runtime();
        var pod = NewPod("stubborn", "Always", Busybox("c", "trap '' TERM; while true; do sleep 1; done"));
        await rt.StartPodAsync(pod, default);
        var c = await WaitFor(rt, pod.Metadata.Uid!, s => s.State == ContainerRunState.Running);
        var sw = Stopwatch.StartNew();
        await rt.StopPodAsync(pod, 2, default);
        Assert.InRange(sw.Elapsed.TotalSeconds, 1.9, 12);
        Assert.Null(rt.Status(pod.Metadata.Uid!));
        Assert.False((await CommandRunnerAccess.Runc(["state", c.ContainerId])).Ok, "the runc container is gone");
        Assert.False(Directory.Exists(Path.Combine(_dir, "node", "pods", pod.Metadata.Uid!)), "the pod's state is removed");
    }

    [Fact]
    public async Task An_unknown_image_waits_with_ErrImagePull_and_says_how_to_import_it()
    {
        var rt = Runtime();
        var pod = NewPod("img", "Always", new Container { Name = "c", Image = "example.com/nothing:1" });
        await rt.StartPodAsync(pod, default);
        var c = await WaitFor(rt, pod.Metadata.Uid!, s => s.Reason is "ErrImagePull");
        Assert.Contains("berth image import", c.Message);
        c = await WaitFor(rt, pod.Metadata.Uid!, s => s.Reason is "ImagePullBackOff");
    }

    [Fact]
    public async Task An_imported_image_runs_from_its_own_root_filesystem_with_its_config()
    {
        // An image of busybox and the libraries it links (nothing else from the host), entrypoint + cmd, env, cwd, user.
        var archive = Path.Combine(_dir, "app.tar");
        var config = TestImage.Config(new System.Text.Json.Nodes.JsonObject
        {
            ["Env"] = new System.Text.Json.Nodes.JsonArray("PATH=/bin", "GREETING=hello from the image"),
            ["Entrypoint"] = new System.Text.Json.Nodes.JsonArray("/bin/sh", "-c"),
            ["Cmd"] = new System.Text.Json.Nodes.JsonArray("echo $GREETING; busybox cat /image-only.txt; echo cwd=$(pwd) uid=$(busybox id -u); " +
                "test -e /usr/sbin/nginx || echo no-host-nginx; echo written > /tmp/w; busybox sleep 30"),
            ["WorkingDir"] = "/work",
            ["User"] = "1234",
        });
        var files = TestImage.BusyboxLayer();
        files.Add(TestImage.File("image-only.txt", "only in the image\n"));
        files.Add(TestImage.Dir("tmp/", (UnixFileMode)0b111_111_111 | UnixFileMode.StickyBit));
        TestImage.WriteDockerSave(archive, config, [TestImage.Tar(files, gzip: true)], "example.com/tools/app:1");
        Assert.True(System.IO.File.Exists("/usr/sbin/nginx"), "the host has nginx (the image must not)");

        // The pod waits for the image; imported while the runtime runs, it starts within the back-off, without a restart.
        var rt = new ProcessRuntime(new ProcessRuntimeOptions
        {
            StateDir = Path.Combine(_dir, "node"), ImageStoreDir = Path.Combine(_dir, "images"), Network = _net,
            InitialBackoff = TimeSpan.FromSeconds(30), ExitPoll = TimeSpan.FromMilliseconds(50),
        });
        _runtimes.Add(rt);
        var pod = NewPod("imported", "Never", new Container { Name = "c", Image = "example.com/tools/app:1" });
        await rt.StartPodAsync(pod, default);
        await WaitFor(rt, pod.Metadata.Uid!, s => s.Reason == "ErrImagePull");
        Berth.Kubelet.Images.ImageImporter.Import(new Berth.Kubelet.Images.ImageStore(Path.Combine(_dir, "images")), archive);
        var c = await WaitFor(rt, pod.Metadata.Uid!, s => s.State == ContainerRunState.Running, seconds: 10);
        Assert.StartsWith("sha256:", c.ImageId);
        var log = "";
        for (int i = 0; i < 100 && !log.Contains("no-host-nginx"); i++)
        {
            await Task.Delay(50);
            log = System.IO.File.ReadAllText(rt.ContainerLogPath(pod.Metadata.Uid!, "c", false)!);
        }
        Assert.True(log.Contains("hello from the image"), log);
        Assert.Contains("only in the image", log);
        Assert.Contains("cwd=/work uid=1234", log);
        Assert.Contains("no-host-nginx", log);

        // exec runs in the image too, and the pod's args replace the image's Cmd (not its Entrypoint).
        var r = await Exec(rt, pod.Metadata.Uid!, "c", ["sh", "-c", "busybox cat /tmp/w; test -e /usr/bin/dotnet || echo no-host-dotnet"]);
        Assert.Equal("written\nno-host-dotnet\n", r.Stdout);
        await rt.StopPodAsync(pod, 0, default);

        var pod2 = NewPod("args", "Never", new Container { Name = "c", Image = "example.com/tools/app:1", Args = ["echo args:$0", "x"] });
        await rt.StartPodAsync(pod2, default);
        c = await WaitFor(rt, pod2.Metadata.Uid!, s => s.State == ContainerRunState.Terminated);
        Assert.Equal(0, c.ExitCode);
        Assert.Contains("args:x", System.IO.File.ReadAllText(rt.ContainerLogPath(pod2.Metadata.Uid!, "c", false)!));
    }

    private const string KubeletToken = "kubelet-test-token-0123456789abcdef0123";

    /// <summary>A kubelet API server for one pod of <paramref name="rt"/>.</summary>
    private static async Task<Berth.Kubelet.Streaming.KubeletServer> KubeletFor(ProcessRuntime rt, Pod pod)
    {
        var server = new Berth.Kubelet.Streaming.KubeletServer(
            new Berth.Kubelet.Streaming.KubeletServerOptions { Certificate = Streaming.KubeletServerTests.SelfSigned(), Token = KubeletToken },
            rt, (ns, name) => name == pod.Metadata.Name ? pod : null, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await server.StartAsync(default);
        return server;
    }

    [Fact]
    public async Task Attach_streams_output_from_now_on_and_feeds_stdin_of_a_stdin_container()
    {
        var rt = Runtime();
        var c = Busybox("c", "echo before; while read l; do echo got:$l; echo err:$l >&2; [ \"$l\" = quit ] && exit 3; done");
        c.Stdin = true;
        var pod = NewPod("att", "Never", c);
        await rt.StartPodAsync(pod, default);
        await WaitFor(rt, pod.Metadata.Uid!, s => s.State == ContainerRunState.Running);
        await using var server = await KubeletFor(rt, pod);
        var url = new Uri($"wss://127.0.0.1:{server.Port}/attach/default/att/c?stdin=1&stdout=1&stderr=1");

        await using (var first = await Streaming.ChannelClient.ConnectAsync(url, KubeletToken))
        {
            await Task.Delay(200);
            await first.SendAsync(0, "hello\n");
            await first.WaitForAsync("got:hello\n");
            await first.WaitForAsync("err:hello\n", stderr: true);
            Assert.DoesNotContain("before", first.Stdout); // attach shows what comes after it, not the log
            Assert.DoesNotContain("err:", first.Stdout);
        }
        // Detaching leaves stdin open: a second attach goes on where the first stopped, and sees the container end.
        await using var second = await Streaming.ChannelClient.ConnectAsync(url, KubeletToken);
        await Task.Delay(200);
        await second.SendAsync(0, "again\n");
        await second.WaitForAsync("got:again\n");
        Assert.DoesNotContain("hello", second.Stdout);
        await second.SendAsync(0, "quit\n");
        await second.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("got:quit", second.Stdout);
        Assert.Contains("Success", second.Error);
        var st = await WaitFor(rt, pod.Metadata.Uid!, s => s.State == ContainerRunState.Terminated);
        Assert.Equal(3, st.ExitCode);
    }

    [Fact]
    public async Task Exec_with_a_tty_over_the_WebSocket_protocol_applies_resizes()
    {
        var rt = Runtime();
        var pod = NewPod("tty", "Always", Busybox("c", "exec sleep 1000"));
        await rt.StartPodAsync(pod, default);
        await WaitFor(rt, pod.Metadata.Uid!, s => s.State == ContainerRunState.Running);
        const string token = KubeletToken;
        await using var server = await KubeletFor(rt, pod);
        var script = Uri.EscapeDataString("sleep 0.5; echo size=$(stty size); read x; echo size=$(stty size)");
        await using var ws = await Streaming.ChannelClient.ConnectAsync(
            new Uri($"wss://127.0.0.1:{server.Port}/exec/default/tty/c?command=sh&command=-c&command={script}&stdin=1&stdout=1&tty=1"), token);

        await ws.ResizeAsync(100, 40); // kubectl sends the terminal's size first
        await ws.WaitForAsync("size=40 100");
        await ws.ResizeAsync(132, 50); // the user resized the window
        await Task.Delay(300);
        await ws.SendAsync(0, "\n");
        await ws.WaitForAsync("size=50 132");
        await ws.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("Success", ws.Error);
    }

    private sealed record ExecResult(int Code, string Stdout, string Stderr);

    private static async Task<ExecResult> Exec(ProcessRuntime rt, string uid, string container, string[] cmd, string? stdin = null)
    {
        using var o = new MemoryStream();
        using var e = new MemoryStream();
        var code = await rt.ExecAsync(uid, container, cmd, new ExecStreams
        {
            Stdout = o, Stderr = e, Stdin = stdin is null ? null : new MemoryStream(Encoding.UTF8.GetBytes(stdin)),
        }, default);
        return new ExecResult(code, Encoding.UTF8.GetString(o.ToArray()), Encoding.UTF8.GetString(e.ToArray()));
    }

    private static class CommandRunnerAccess
    {
        public static async Task<(bool Ok, string Out)> Runc(string[] args)
        {
            var psi = new ProcessStartInfo("runc") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(psi)!;
            var o = await p.StandardOutput.ReadToEndAsync();
            await p.WaitForExitAsync();
            return (p.ExitCode == 0, o);
        }
    }
}
