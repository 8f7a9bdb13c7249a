using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Storage;
using Berth.Provisioners.Framework;
using Berth.Provisioners.LocalPath;

namespace Berth.Provisioners.Tests;

/// <summary>The local-path backend alone: directory naming and mode, idempotence, and deletion that never leaves the root.</summary>
public sealed class LocalPathProvisionerTests : IDisposable
{
    private readonly string _base = TempDirectory.Create("berth-lp-");
    private string Root => Path.Combine(_base, "root");
    private string Outside => Path.Combine(_base, "outside");

    public void Dispose()
    {
        TempDirectory.Delete(_base);
    }

    private LocalPathProvisioner Make() => new(new LocalPathOptions { Root = Root, NodeName = "node-a" });

    private static ProvisionRequest Request(string uid = "1234", string ns = "team", string name = "data", Dictionary<string, string>? parameters = null, string? node = null) => new()
    {
        PvName = "pvc-" + uid,
        Claim = new PersistentVolumeClaim { Metadata = new ObjectMeta { Name = name, Namespace = ns, Uid = uid } },
        StorageClass = new StorageClass { Metadata = new ObjectMeta { Name = "lp" }, Provisioner = LocalPathOptions.DefaultProvisionerName, Parameters = parameters },
        SelectedNode = node is null ? null : new Node { Metadata = new ObjectMeta { Name = node } },
    };

    private static PersistentVolume Volume(ProvisionRequest r, ProvisionedVolume v)
        => ProvisionController.BuildVolume(r, v);

    [Fact]
    public async Task Provision_makes_one_world_writable_directory_per_claim_and_is_idempotent()
    {
        var lp = Make();
        var r = Request();
        var first = Volume(r, await lp.ProvisionAsync(r, default));
        var dir = Path.Combine(Root, "pvc-1234_team_data");
        Assert.Equal(dir, first.Spec!.HostPath!.Path);
        Assert.Equal("DirectoryOrCreate", first.Spec.HostPath.Type);
        Assert.True(Directory.Exists(dir));
        if (!OperatingSystem.IsWindows()) Assert.Equal((UnixFileMode)0b111_111_111, File.GetUnixFileMode(dir));
        var term = Assert.Single(first.Spec.NodeAffinity!.Required!.NodeSelectorTerms!);
        var expr = Assert.Single(term.MatchExpressions!);
        Assert.Equal(("kubernetes.io/hostname", "In", "node-a"), (expr.Key, expr.Operator, Assert.Single(expr.Values!)));

        File.WriteAllText(Path.Combine(dir, "keep"), "x");
        var again = Volume(r, await lp.ProvisionAsync(r, default)); // after a crash: the same directory, contents kept
        Assert.Equal(dir, again.Spec!.HostPath!.Path);
        Assert.Single(Directory.GetDirectories(Root));
        Assert.True(File.Exists(Path.Combine(dir, "keep")));
    }

    [Fact]
    public async Task Local_volume_type_and_the_selected_node()
    {
        var lp = Make();
        var r = Request(parameters: new() { ["volumeType"] = "local" }, node: "node-a");
        var pv = Volume(r, await lp.ProvisionAsync(r, default));
        Assert.Null(pv.Spec!.HostPath);
        Assert.Equal(Path.Combine(Root, "pvc-1234_team_data"), pv.Spec.Local!.Path);

        var bad = await Assert.ThrowsAsync<ProvisioningException>(() => lp.ProvisionAsync(Request(uid: "9", parameters: new() { ["volumeType"] = "nfs" }), default));
        Assert.Equal("unsupported volumeType \"nfs\": supported values: \"hostPath\", \"local\"", bad.Message);
        var elsewhere = await Assert.ThrowsAsync<ProvisioningException>(() => lp.ProvisionAsync(Request(uid: "8", node: "node-b"), default));
        Assert.True(elsewhere.Reschedule);
        Assert.False(Directory.Exists(Path.Combine(Root, "pvc-8_team_data")));
    }

    [Fact]
    public async Task Delete_removes_the_directory_and_succeeds_when_it_is_already_gone()
    {
        var lp = Make();
        var r = Request();
        var pv = Volume(r, await lp.ProvisionAsync(r, default));
        Directory.CreateDirectory(Path.Combine(pv.Spec!.HostPath!.Path!, "sub", "deeper"));
        File.WriteAllText(Path.Combine(pv.Spec.HostPath.Path!, "sub", "f"), "x");
        await lp.DeleteAsync(pv, null, default);
        Assert.False(Directory.Exists(pv.Spec.HostPath.Path));
        await lp.DeleteAsync(pv, null, default);
        Assert.True(Directory.Exists(Root));
    }

    [Fact]
    public async Task Delete_never_follows_links_out_of_the_root()
    {
        var lp = Make();
        Directory.CreateDirectory(Outside);
        var precious = Path.Combine(Outside, "precious");
        File.WriteAllText(precious, "keep me");

        // A link inside the volume's directory: unlinked, its target untouched.
        var r = Request();
        var pv = Volume(r, await lp.ProvisionAsync(r, default));
        Directory.CreateSymbolicLink(Path.Combine(pv.Spec!.HostPath!.Path!, "escape"), Outside);
        File.CreateSymbolicLink(Path.Combine(pv.Spec.HostPath.Path!, "file-link"), precious);
        await lp.DeleteAsync(pv, null, default);
        Assert.False(Directory.Exists(pv.Spec.HostPath.Path));
        Assert.Equal("keep me", File.ReadAllText(precious));

        // The volume's directory itself replaced by a link: the link goes, not what it points to.
        var r2 = Request(uid: "5678");
        var pv2 = Volume(r2, await lp.ProvisionAsync(r2, default));
        Directory.Delete(pv2.Spec!.HostPath!.Path!);
        Directory.CreateSymbolicLink(pv2.Spec.HostPath.Path!, Outside);
        await lp.DeleteAsync(pv2, null, default);
        Assert.False(Path.Exists(pv2.Spec.HostPath.Path));
        Assert.Equal("keep me", File.ReadAllText(precious));
    }

    [Theory]
    [InlineData("{outside}")]
    [InlineData("{root}/../outside")]
    [InlineData("{root}")]
    [InlineData("{root}/pvc-other_team_data")]
    [InlineData("{root}/pvc-1234_team_data/../../outside")]
    [InlineData("{root}/nested/pvc-1234_team_data")]
    public async Task Delete_refuses_paths_that_are_not_the_volumes_own_directory(string template)
    {
        var lp = Make();
        Directory.CreateDirectory(Outside);
        Directory.CreateDirectory(Path.Combine(Root, "pvc-other_team_data"));
        Directory.CreateDirectory(Path.Combine(Root, "nested", "pvc-1234_team_data"));
        var path = template.Replace("{root}", Root).Replace("{outside}", Outside);
        var pv = new PersistentVolume
        {
            Metadata = new ObjectMeta { Name = "pvc-1234" },
            Spec = new PersistentVolumeSpec { HostPath = new HostPathVolumeSource { Path = path } },
        };
        var e = await Assert.ThrowsAsync<ProvisioningException>(() => lp.DeleteAsync(pv, null, default));
        Assert.StartsWith("refusing to delete", e.Message);
        Assert.True(Directory.Exists(Outside));
        Assert.True(Directory.Exists(Path.Combine(Root, "pvc-other_team_data")));
        Assert.True(Directory.Exists(Path.Combine(Root, "nested", "pvc-1234_team_data")));
    }

    [Fact]
    public void Factory_is_registered_and_reads_its_options()
    {
        var f = ProvisionerRegistry.Find("local-path");
        Assert.NotNull(f);
        Assert.Equal("berth.io/local-path", f.DefaultProvisionerName);
        var lp = (LocalPathProvisioner)f.Create(new ProvisionerSettings(new Dictionary<string, string> { ["root"] = Root },
            name => name == "NODE_NAME" ? "node-x" : null), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        Assert.Equal(Root, lp.Root);
        Assert.Equal("node-x", lp.Options.NodeName);
        var e = Assert.Throws<ArgumentException>(() => f.Create(new ProvisionerSettings(new Dictionary<string, string> { ["rooot"] = "x" }, _ => null),
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));
        Assert.Equal("unknown option \"--rooot\" for local-path", e.Message);
    }
}
