using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;
using Berth.Controllers.PersistentVolumes;
using Berth.Controllers.Tests.GarbageCollection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Controllers.Tests.PersistentVolumes;

/// <summary>
/// The Recycle reclaim policy through the real controller on a bare store (no other controller running): recyclers are
/// chosen by volume source, a failure leaves the volume Failed with upstream's event, a scrub interrupted by a crash is
/// finished by the next controller.
/// </summary>
public sealed class RecycleTests(BareStoreFixture fx) : IClassFixture<BareStoreFixture>
{
    private IApiClient C => fx.Client;

    /// <summary>A stand-in for the NFS recycler: counts calls per volume (the store holds other tests' volumes too, which
    /// every controller started here also reclaims), fails while <see cref="Failure"/> is set.</summary>
    private sealed class FakeNfsRecycler : IVolumeRecycler
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _calls = new();
        public string? Failure;
        public int Calls(string pv) => _calls.GetValueOrDefault(pv);
        public bool CanRecycle(PersistentVolume pv) => pv.Spec?.NFS is not null;
        public Task<string> RecycleAsync(PersistentVolume pv, CancellationToken ct)
        {
            _calls.AddOrUpdate(pv.Metadata.Name!, 1, (_, n) => n + 1);
            if (Failure is { } f) throw new IOException(f);
            return Task.FromResult("emptied " + pv.Spec!.NFS!.Server + ":" + pv.Spec.NFS.Path);
        }
    }

    private static RunningPvController Start(IApiClient c, params IVolumeRecycler[] recyclers) => RunningPvController.Start(c, recyclers: recyclers);

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A Recycle volume once bound (by the controller) to a claim that no longer exists: it is released at once.</summary>
    private async Task<string> ReleasedVolumeAsync(string name, NFSVolumeSource? nfs = null, HostPathVolumeSource? hostPath = null)
    {
        await C.CreateAsync(new PersistentVolume
        {
            Metadata = new ObjectMeta { Name = name, Annotations = new() { [Ann.BoundByController] = Ann.Yes } },
            Spec = new PersistentVolumeSpec
            {
                Capacity = new() { ["storage"] = Quantity.Parse("1Gi") },
                AccessModes = ["ReadWriteOnce"],
                PersistentVolumeReclaimPolicy = "Recycle",
                ClaimRef = new ObjectReference { Kind = "PersistentVolumeClaim", Namespace = "default", Name = "gone-" + name, Uid = "uid-gone-" + name },
                NFS = nfs,
                HostPath = hostPath,
            },
        });
        return name;
    }

    private Task<PersistentVolume> PvAsync(string name) => C.GetAsync<PersistentVolume>(null, name);

    private async Task<List<string>> EventsAsync(string name)
        => (await C.ListAsync<Event>("default")).Items.Where(e => e.InvolvedObject?.Name == name)
            .Select(e => $"{e.Type} {e.Reason} {e.Message}").ToList();

    private static NFSVolumeSource Nfs(string path) => new() { Server = "127.0.0.1", Path = path };

    [Fact]
    public async Task A_recycled_volume_is_available_again_with_upstreams_events()
    {
        var recycler = new FakeNfsRecycler();
        var pv = await ReleasedVolumeAsync(Unique("recycled"), Nfs("/exports/a"));
        await using var ctl = Start(C, new HostPathRecycler(), recycler);

        await Kube.EventuallyAsync(async () => (await PvAsync(pv)).Status?.Phase == "Available", "the volume to be Available");
        var v = await PvAsync(pv);
        Assert.Null(v.Spec!.ClaimRef);
        Assert.False(v.Metadata.Annotations?.ContainsKey(Ann.BoundByController) ?? false);
        Assert.Equal(1, recycler.Calls(pv));
        await Kube.EventuallyAsync(async () => (await EventsAsync(pv)).Contains("Normal VolumeRecycled Volume recycled"), "VolumeRecycled");
        Assert.Contains("Normal RecyclerPod Recycler pod: emptied 127.0.0.1:/exports/a", await EventsAsync(pv));
    }

    [Fact]
    public async Task A_failed_recycle_leaves_the_volume_failed_until_a_later_attempt_succeeds()
    {
        var recycler = new FakeNfsRecycler { Failure = "mounting 127.0.0.1:/exports/b failed: connection refused" };
        var pv = await ReleasedVolumeAsync(Unique("failing"), Nfs("/exports/b"));
        await using var ctl = Start(C, recycler);

        const string message = "Recycle failed: failed to recycle volume: mounting 127.0.0.1:/exports/b failed: connection refused";
        await Kube.EventuallyAsync(async () => (await PvAsync(pv)).Status?.Phase == "Failed", "the volume to be Failed");
        Assert.Equal(message, (await PvAsync(pv)).Status!.Message);
        Assert.NotNull((await PvAsync(pv)).Spec!.ClaimRef);
        await Kube.EventuallyAsync(async () => (await EventsAsync(pv)).Contains("Warning VolumeFailedRecycle " + message), "VolumeFailedRecycle");

        // The server is back; any change of the volume (or the 15 s retry) recycles it.
        recycler.Failure = null;
        var v = await PvAsync(pv);
        v.Metadata.Labels = new() { ["poke"] = "1" };
        await C.UpdateAsync(v);
        await Kube.EventuallyAsync(async () => (await PvAsync(pv)).Status?.Phase == "Available", "the volume to be Available");
        Assert.Null((await PvAsync(pv)).Status!.Message);
    }

    [Fact]
    public async Task A_volume_without_a_recycler_fails_with_upstreams_message()
    {
        var pv = await ReleasedVolumeAsync(Unique("norecycler"), Nfs("/exports/c"));
        await using var ctl = Start(C); // the default: hostPath only

        await Kube.EventuallyAsync(async () => (await PvAsync(pv)).Status?.Phase == "Failed", "the volume to be Failed");
        Assert.Equal("No recycler plugin found for the volume!", (await PvAsync(pv)).Status!.Message);
        await Kube.EventuallyAsync(async () => (await EventsAsync(pv)).Contains("Warning VolumeFailedRecycle No recycler plugin found for the volume!"), "the event");
    }

    [Fact]
    public async Task A_volume_still_used_by_a_pod_is_not_scrubbed()
    {
        var recycler = new FakeNfsRecycler();
        var pv = Unique("inuse");
        await C.CreateAsync(new Pod
        {
            Metadata = new ObjectMeta { Name = "user-" + pv, Namespace = "default" },
            Spec = new PodSpec
            {
                Containers = [new Container { Name = "c", Image = "busybox" }],
                Volumes = [new Volume { Name = "v", PersistentVolumeClaim = new PersistentVolumeClaimVolumeSource { ClaimName = "gone-" + pv } }],
            },
        });
        await ReleasedVolumeAsync(pv, Nfs("/exports/d"));
        await using var ctl = Start(C, recycler);

        await Kube.EventuallyAsync(async () => (await EventsAsync(pv)).Contains($"Normal VolumeFailedRecycle Volume is used by pods: default/user-{pv}"), "the in-use event");
        Assert.Equal("Released", (await PvAsync(pv)).Status?.Phase);
        Assert.Equal(0, recycler.Calls(pv));
    }

    /// <summary>Empties half a hostPath directory, then hangs until the controller "crashes".</summary>
    private sealed class DyingRecycler(TaskCompletionSource halfway) : IVolumeRecycler
    {
        public bool CanRecycle(PersistentVolume pv) => pv.Spec?.HostPath is not null;
        public async Task<string> RecycleAsync(PersistentVolume pv, CancellationToken ct)
        {
            var files = Directory.GetFiles(pv.Spec!.HostPath!.Path!);
            for (var i = 0; i < files.Length / 2; i++) File.Delete(files[i]);
            halfway.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return "never";
        }
    }

    [Fact]
    public async Task A_scrub_interrupted_by_a_crash_is_finished_after_the_restart()
    {
        var dir = TempDirectory.Create("berth-recycle-");
        try
        {
            for (var i = 0; i < 6; i++) File.WriteAllText(Path.Combine(dir, $"f{i}"), "data");
            Directory.CreateDirectory(Path.Combine(dir, ".cache/x"));
            var pv = await ReleasedVolumeAsync(Unique("crash"), hostPath: new HostPathVolumeSource { Path = dir });

            var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using (Start(C, new DyingRecycler(halfway)))
                await halfway.Task.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal("Released", (await PvAsync(pv)).Status?.Phase);
            Assert.NotEmpty(Directory.EnumerateFileSystemEntries(dir));

            await using var second = Start(C);
            await Kube.EventuallyAsync(async () => (await PvAsync(pv)).Status?.Phase == "Available", "the volume to be Available");
            Assert.True(Directory.Exists(dir));
            Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
        }
        finally { TempDirectory.Delete(dir); }
    }
}
