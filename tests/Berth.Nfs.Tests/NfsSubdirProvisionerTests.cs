using System.Text;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Storage;
using Berth.Nfs;
using Berth.Provisioners.Framework;
using Berth.Provisioners.NfsSubdir;

namespace Berth.Nfs.Tests;

/// <summary>The nfs-subdir provisioner against a real ganesha, called directly (the framework calls it the same way).</summary>
public sealed class NfsSubdirProvisionerTests(GaneshaFixture nfs) : IClassFixture<GaneshaFixture>, IDisposable
{
    private readonly NfsSubdirProvisioner _provisioner = new(new NfsSubdirOptions
    {
        Server = "127.0.0.1",
        Path = nfs.Export,
        Port = nfs.Server.Port,
    });

    public void Dispose() => _provisioner.Dispose();

    private static PersistentVolumeClaim Claim(string name, string ns = "default", Dictionary<string, string>? annotations = null,
        Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns, Uid = Guid.NewGuid().ToString(), Annotations = annotations, Labels = labels },
        Spec = new PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteMany"],
            Resources = new VolumeResourceRequirements { Requests = new() { ["storage"] = Quantity.Parse("1Mi") } },
        },
    };

    private static StorageClass Class(params (string Key, string Value)[] parameters) => new()
    {
        Metadata = new ObjectMeta { Name = "nfs-" + Guid.NewGuid().ToString("N")[..6] },
        Provisioner = NfsSubdirOptions.DefaultProvisionerName,
        Parameters = parameters.ToDictionary(p => p.Key, p => p.Value),
    };

    private static ProvisionRequest Request(PersistentVolumeClaim claim, StorageClass sc) =>
        new() { PvName = "pvc-" + claim.Metadata.Uid, Claim = claim, StorageClass = sc };

    private static async Task<PersistentVolume> ProvisionAsync(NfsSubdirProvisioner p, ProvisionRequest r)
    {
        var volume = await p.ProvisionAsync(r, CancellationToken.None);
        var pv = new PersistentVolume { Metadata = new ObjectMeta { Name = r.PvName }, Spec = new PersistentVolumeSpec() };
        volume.SetSource(pv.Spec);
        return pv;
    }

    [Fact]
    public async Task The_default_directory_is_namespace_claim_pv_with_mode_0777_and_an_nfs_source()
    {
        var r = Request(Claim("test-claim"), Class());
        var pv = await ProvisionAsync(_provisioner, r);
        var dir = $"default-test-claim-{r.PvName}";
        Assert.Equal("127.0.0.1", pv.Spec!.NFS!.Server);
        Assert.Equal(nfs.Export + "/" + dir, pv.Spec.NFS.Path);
        Assert.Contains($"port={nfs.Server.Port}", pv.Spec.MountOptions!);

        using var c = nfs.Connect();
        var st = c.LStat(dir)!;
        Assert.True(st.IsDirectory);
        Assert.Equal(0x1FF, st.Permissions);
        Assert.Empty(c.ReadDir(dir)); // no marker inside the volume

        // Idempotent: a retry after a crash (same PV name) gives the same directory and no second one.
        var again = await ProvisionAsync(_provisioner, r);
        Assert.Equal(pv.Spec.NFS.Path, again.Spec!.NFS!.Path);
        Assert.Single(c.ReadDir(""), e => e.Name.Contains(r.PvName));
    }

    [Fact]
    public async Task A_path_pattern_uses_namespace_name_labels_and_annotations()
    {
        var ns = "ns" + Guid.NewGuid().ToString("N")[..6];
        var claim = Claim("data", ns, annotations: new() { ["nfs.io/storage-path"] = "web" }, labels: new() { ["app"] = "shop" });
        var sc = Class(("pathPattern", "${.PVC.namespace}/${.PVC.labels.app}-${.PVC.name}/${.PVC.annotations.nfs.io/storage-path}"));
        var pv = await ProvisionAsync(_provisioner, Request(claim, sc));
        Assert.Equal($"{nfs.Export}/{ns}/shop-data/web", pv.Spec!.NFS!.Path);
        using var c = nfs.Connect();
        Assert.True(c.LStat($"{ns}/shop-data/web")!.IsDirectory);
    }

    [Fact]
    public async Task The_seed_pattern_without_its_annotation_gives_the_namespace_directory_and_a_second_claim_is_refused()
    {
        // Seed 000's class: "${.PVC.namespace}/${.PVC.annotations.nfs.io/storage-path}"; without the annotation upstream
        // puts the claim in "<namespace>", which a second claim would share.
        var ns = "seed" + Guid.NewGuid().ToString("N")[..6];
        var sc = Class(("pathPattern", "${.PVC.namespace}/${.PVC.annotations.nfs.io/storage-path}"), ("onDelete", "delete"));
        var first = Request(Claim("test-claim", ns), sc);
        var pv = await ProvisionAsync(_provisioner, first);
        Assert.Equal($"{nfs.Export}/{ns}", pv.Spec!.NFS!.Path);

        var e = await Assert.ThrowsAsync<ProvisioningException>(() => _provisioner.ProvisionAsync(Request(Claim("other", ns), sc), default));
        Assert.Contains($"already belongs to volume {first.PvName}", e.Message);

        var inside = Request(Claim("nested", ns, annotations: new() { ["nfs.io/storage-path"] = "sub" }), sc);
        e = await Assert.ThrowsAsync<ProvisioningException>(() => _provisioner.ProvisionAsync(inside, default));
        Assert.Contains($"inside \"{ns}\", the directory of volume {first.PvName}", e.Message);
        using var c = nfs.Connect();
        Assert.Null(c.LStat($"{ns}/sub"));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../escape")]
    [InlineData("/etc")]
    [InlineData("..")]
    [InlineData(".berth-nfs-subdir")]
    public async Task Patterns_that_leave_the_export_are_refused(string storagePath)
    {
        var claim = Claim("evil-" + Guid.NewGuid().ToString("N")[..6], annotations: new() { ["nfs.io/storage-path"] = storagePath });
        var sc = Class(("pathPattern", "${.PVC.annotations.nfs.io/storage-path}"));
        await Assert.ThrowsAsync<ProvisioningException>(() => _provisioner.ProvisionAsync(Request(claim, sc), default));
        Assert.False(Directory.Exists(Path.Combine(nfs.Root, "escape")));
    }

    [Fact]
    public async Task A_symlink_on_the_way_is_refused_and_nothing_is_created_through_it()
    {
        using var c = nfs.Connect();
        var target = "target-" + Guid.NewGuid().ToString("N")[..6];
        c.Mkdir(target);
        var link = "link-" + Guid.NewGuid().ToString("N")[..6];
        c.Symlink(target, link);
        var claim = Claim("c", annotations: new() { ["p"] = link + "/vol" });
        var e = await Assert.ThrowsAsync<ProvisioningException>(() => _provisioner.ProvisionAsync(Request(claim, Class(("pathPattern", "${.PVC.annotations.p}"))), default));
        Assert.Contains("symbolic link", e.Message);
        Assert.Empty(c.ReadDir(target));
    }

    [Fact]
    public async Task An_existing_directory_with_data_that_no_claim_owns_is_refused()
    {
        using var c = nfs.Connect();
        var dir = "admin-data-" + Guid.NewGuid().ToString("N")[..6];
        c.Mkdir(dir);
        c.WriteFile(dir + "/important", "x"u8);
        var claim = Claim("c", annotations: new() { ["p"] = dir });
        var e = await Assert.ThrowsAsync<ProvisioningException>(() => _provisioner.ProvisionAsync(Request(claim, Class(("pathPattern", "${.PVC.annotations.p}"))), default));
        Assert.Contains("does not belong to this claim", e.Message);
    }

    [Fact]
    public async Task Delete_follows_on_delete_then_archive_on_delete()
    {
        using var c = nfs.Connect();
        async Task<(PersistentVolume Pv, string Dir)> Make(StorageClass sc)
        {
            var r = Request(Claim("d" + Guid.NewGuid().ToString("N")[..6]), sc);
            var pv = await ProvisionAsync(_provisioner, r);
            var dir = pv.Spec!.NFS!.Path![(nfs.Export.Length + 1)..];
            c.WriteFile(dir + "/SUCCESS", "ok"u8);
            return (pv, dir);
        }

        var delete = Class(("onDelete", "delete"));
        var (pv1, dir1) = await Make(delete);
        await _provisioner.DeleteAsync(pv1, delete, default);
        Assert.Null(c.LStat(dir1));
        await _provisioner.DeleteAsync(pv1, delete, default); // already gone: fine

        var retain = Class(("onDelete", "retain"), ("archiveOnDelete", "false"));
        var (pv2, dir2) = await Make(retain);
        await _provisioner.DeleteAsync(pv2, retain, default);
        Assert.Equal("ok", Encoding.UTF8.GetString(c.ReadFile(dir2 + "/SUCCESS")));

        var noArchive = Class(("archiveOnDelete", "false"));
        var (pv3, dir3) = await Make(noArchive);
        await _provisioner.DeleteAsync(pv3, noArchive, default);
        Assert.Null(c.LStat(dir3));

        var archive = Class();
        var (pv4, dir4) = await Make(archive);
        await _provisioner.DeleteAsync(pv4, archive, default);
        Assert.Null(c.LStat(dir4));
        Assert.Equal("ok", Encoding.UTF8.GetString(c.ReadFile("archived-" + dir4 + "/SUCCESS")));

        var bad = Class(("archiveOnDelete", "maybe"));
        var (pv5, _) = await Make(bad);
        var e = await Assert.ThrowsAsync<ProvisioningException>(() => _provisioner.DeleteAsync(pv5, bad, default));
        Assert.Equal("strconv.ParseBool: parsing \"maybe\": invalid syntax", e.Message);
    }

    [Fact]
    public async Task Delete_never_follows_a_symlink_the_pod_left_in_its_volume()
    {
        using var c = nfs.Connect();
        var precious = "precious-" + Guid.NewGuid().ToString("N")[..6];
        c.Mkdir(precious);
        c.WriteFile(precious + "/keep", "keep"u8);
        var sc = Class(("onDelete", "delete"));
        var pv = await ProvisionAsync(_provisioner, Request(Claim("linky"), sc));
        var dir = pv.Spec!.NFS!.Path![(nfs.Export.Length + 1)..];
        c.Symlink("../" + precious, dir + "/escape");
        await _provisioner.DeleteAsync(pv, sc, default);
        Assert.Null(c.LStat(dir));
        Assert.Equal("keep", Encoding.UTF8.GetString(c.ReadFile(precious + "/keep")));
    }

    [Fact]
    public async Task Parallel_claims_get_distinct_directories()
    {
        var sc = Class();
        var requests = Enumerable.Range(0, 60).Select(i => Request(Claim($"par-{i}"), sc)).ToList();
        var pvs = await Task.WhenAll(requests.Select(r => ProvisionAsync(_provisioner, r)));
        Assert.Equal(60, pvs.Select(p => p.Spec!.NFS!.Path).Distinct().Count());
        using var c = nfs.Connect();
        foreach (var pv in pvs) Assert.True(c.LStat(pv.Spec!.NFS!.Path![(nfs.Export.Length + 1)..])!.IsDirectory);
    }

    [Fact]
    public async Task A_claim_selector_is_refused_like_upstream()
    {
        var claim = Claim("sel");
        claim.Spec!.Selector = new LabelSelector { MatchLabels = new() { ["a"] = "b" } };
        var e = await Assert.ThrowsAsync<ProvisioningException>(() => _provisioner.ProvisionAsync(Request(claim, Class()), default));
        Assert.Equal("claim Selector is not supported", e.Message);
    }

    [Fact]
    public void Options_come_from_the_upstream_environment_variables()
    {
        var env = new Dictionary<string, string> { ["NFS_SERVER"] = "10.0.0.5", ["NFS_PATH"] = "/srv/nfs" };
        var o = NfsSubdirOptions.FromEnvironment(k => env.GetValueOrDefault(k))!;
        Assert.Equal(("10.0.0.5", "/srv/nfs", 2049, "k8s-sigs.io/nfs-subdir-external-provisioner"), (o.Server, o.Path, o.Port, o.ProvisionerName));
        env["PROVISIONER_NAME"] = "example.com/nfs";
        env["NFS_PORT"] = "20490";
        o = NfsSubdirOptions.FromEnvironment(k => env.GetValueOrDefault(k))!;
        Assert.Equal(("example.com/nfs", 20490), (o.ProvisionerName, o.Port));
        Assert.Null(NfsSubdirOptions.FromEnvironment(_ => null));
        Assert.Equal("NFS_PATH not set", Assert.Throws<ArgumentException>(() => NfsSubdirOptions.FromEnvironment(k => k == "NFS_SERVER" ? "x" : null)).Message);
    }
}
