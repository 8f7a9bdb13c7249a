using System.Diagnostics;
using System.Text;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Kubelet.Runc;
using Berth.Nfs.Fuse;
using Berth.Nfs.Ganesha;

namespace Berth.Kubelet.Tests.Runc;

/// <summary>NFS persistent volumes in runc pods: real nfs-ganesha on a free port, berth-nfs-fuse, runc and busybox (needs
/// root and those packages, as CI has).</summary>
public sealed class NfsVolumeTests : IAsyncLifetime
{
    private readonly string _dir = TempDirectory.Create("berth-nfsvol-");
    private readonly PointToPointPodNetwork _net = new();
    private readonly List<ProcessRuntime> _runtimes = new();
    private GaneshaServer _nfs = null!;

    public async Task InitializeAsync()
    {
        Assert.True(Environment.UserName == "root", "the NFS volume tests need root (runc, FUSE mounts, ganesha)");
        foreach (var tool in new[] { "runc", "tini", "busybox", "ip" })
            Assert.True(HostTools.Which(tool) is not null, $"the NFS volume tests need {tool} installed");
        Assert.True(GaneshaServer.FindBinary() is not null, "the NFS volume tests need nfs-ganesha: apt-get install nfs-ganesha nfs-ganesha-vfs");
        _nfs = await GaneshaServer.StartAsync(Path.Combine(_dir, "export"), GaneshaServer.FreePort(), Path.Combine(_dir, "ganesha"));
    }

    public async Task DisposeAsync()
    {
        foreach (var rt in _runtimes)
            foreach (var p in rt.ListPods())
                await rt.StopPodAsync(new Pod { Metadata = new ObjectMeta { Uid = p.Pod.Uid } }, 0, default);
        if (_nfs is not null) await _nfs.DisposeAsync();
        TempDirectory.Delete(_dir);
    }

    private ProcessRuntime Runtime()
    {
        var rt = new ProcessRuntime(new ProcessRuntimeOptions
        {
            StateDir = Path.Combine(_dir, "node"),
            Network = _net,
            Mounters = ProcessRuntimeFactory.DefaultMounters(),
            ExitPoll = TimeSpan.FromMilliseconds(50),
        });
        _runtimes.Add(rt);
        return rt;
    }

    /// <summary>A PV as the nfs-subdir provisioner writes it: a directory of the export, the port as a mount option.</summary>
    private PersistentVolume Pv(string subdir)
    {
        Directory.CreateDirectory(Path.Combine(_nfs.ExportDirectory, subdir));
        return new PersistentVolume
        {
            Metadata = new ObjectMeta { Name = "pvc-" + subdir },
            Spec = new PersistentVolumeSpec
            {
                NFS = new NFSVolumeSource { Server = _nfs.Address, Path = _nfs.ExportDirectory + "/" + subdir },
                MountOptions = ["port=" + _nfs.Port, "nfsvers=4.1"],
            },
        };
    }

    private static PodLaunch Launch(string name, string script, PersistentVolume pv, string restartPolicy)
    {
        var pod = new Pod
        {
            Metadata = new ObjectMeta { Name = name, Namespace = "default", Uid = Guid.NewGuid().ToString() },
            Spec = new PodSpec
            {
                RestartPolicy = restartPolicy, NodeName = "node1", TerminationGracePeriodSeconds = 1,
                Containers = [new Container { Name = "c", Image = "busybox", Command = ["sh", "-c", script], VolumeMounts = [new VolumeMount { Name = "nfs-pvc", MountPath = "/mnt" }] }],
                Volumes = [new Volume { Name = "nfs-pvc", PersistentVolumeClaim = new PersistentVolumeClaimVolumeSource { ClaimName = "test-claim" } }],
            },
        };
        return new PodLaunch(pod) { ClaimVolumes = new Dictionary<string, PersistentVolume> { ["nfs-pvc"] = pv } };
    }

    private static async Task<ContainerRuntimeStatus> WaitFor(ProcessRuntime rt, string uid, Func<ContainerRuntimeStatus, bool> done)
    {
        var sw = Stopwatch.StartNew();
        ContainerRuntimeStatus? last = null;
        while (sw.Elapsed < TimeSpan.FromSeconds(20))
        {
            last = rt.Status(uid)?.Containers.FirstOrDefault(c => c.Name == "c");
            if (last is not null && done(last)) return last;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"container c did not reach the expected state; last: {last?.State} {last?.Reason} {last?.Message}");
    }

    private static int MountCount(string dir)
    {
        var n = 0;
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var f = line.Split(' ');
            if (f.Length > 4 && f[4] == dir) n++;
        }
        return n;
    }

    [Fact]
    public async Task Busybox_touches_SUCCESS_on_an_nfs_volume_and_the_file_is_on_the_server()
    {
        var rt = Runtime();
        var launch = Launch("test-pod", "touch /mnt/SUCCESS && exit 0 || exit 1", Pv("default-test-claim"), "Never");
        var uid = launch.Pod.Metadata.Uid!;
        await rt.StartPodAsync(launch, default);
        var mountDir = Path.Combine(_dir, "node", "pods", uid, "volumes", "nfs-pvc");
        Assert.True(NfsFuseMount.IsMounted(mountDir), "the nfs volume is a FUSE mount at the pod's volume directory");
        var c = await WaitFor(rt, uid, s => s.State == ContainerRunState.Terminated);
        Assert.True(c.ExitCode == 0, $"exit {c.ExitCode} {c.Reason}: {c.Message}");

        using (var client = _nfs.Connect())
            Assert.NotNull(client.Stat("default-test-claim/SUCCESS"));

        await rt.StopPodAsync(launch.Pod, 0, default);
        Assert.False(NfsFuseMount.IsMounted(mountDir), "stopping the pod unmounts its nfs volume");
    }

    [Fact]
    public async Task A_restarted_runtime_keeps_the_running_pods_nfs_mount_without_mounting_twice()
    {
        var first = Runtime();
        var launch = Launch("writer", "echo one > /mnt/a; exec sleep 1000", Pv("default-writer"), "Always");
        var uid = launch.Pod.Metadata.Uid!;
        await first.StartPodAsync(launch, default);
        await WaitFor(first, uid, s => s.State == ContainerRunState.Running);
        first.Detach();
        _runtimes.Remove(first);

        var second = Runtime();
        var mountDir = Path.Combine(_dir, "node", "pods", uid, "volumes", "nfs-pvc");
        Assert.Equal(1, MountCount(mountDir));
        await WaitFor(second, uid, s => s.State == ContainerRunState.Running);
        var output = new MemoryStream();
        var code = await second.ExecAsync(uid, "c", ["sh", "-c", "echo two >> /mnt/a && cat /mnt/a"], new ExecStreams { Stdout = output }, default);
        Assert.Equal(0, code);
        Assert.Equal("one\ntwo\n", Encoding.UTF8.GetString(output.ToArray()));

        await second.StopPodAsync(launch.Pod, 0, default);
        Assert.Equal(0, MountCount(mountDir));
        using var client = _nfs.Connect();
        Assert.Equal("one\ntwo\n", Encoding.UTF8.GetString(client.ReadFile("default-writer/a")));
    }
}
