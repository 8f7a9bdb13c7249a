using System.Text.Json.Nodes;
using Berth.Kubelet.Images;
using static Berth.Kubelet.Tests.Images.TestImage;

namespace Berth.Kubelet.Tests.Images;

/// <summary>berth image import: docker save and OCI archives, layers with whiteouts and links, and archives that try to
/// write outside the image.</summary>
public sealed class ImageImportTests : IDisposable
{
    private readonly string _dir = TempDirectory.Create("berth-import-");
    private readonly ImageStore _store;

    public ImageImportTests() => _store = new ImageStore(Path.Combine(_dir, "images"));

    public void Dispose()
    {
        TempDirectory.Delete(_dir);
    }

    private static JsonObject AppConfig() => Config(new JsonObject
    {
        ["Env"] = new JsonArray("PATH=/bin", "GREETING=hello"),
        ["Entrypoint"] = new JsonArray("/bin/sh", "-c"),
        ["Cmd"] = new JsonArray("echo $GREETING"),
        ["WorkingDir"] = "/work",
        ["User"] = "app",
    });

    private static byte[] Lower() => Tar(
    [
        Dir("etc/"), File("etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n"),
        File("image-only.txt", "from the image\n"),
        File("secret.txt", "s\n", (UnixFileMode)0b110_100_000, uid: 1000, gid: 1001),
        File("removed.txt", "gone\n"),
        Dir("opaque/"), File("opaque/old.txt", "old\n"),
        Dir("keep/"), File("keep/a.txt", "a\n"),
        Symlink("latest", "image-only.txt"),
    ], gzip: true);

    private static byte[] Upper() => Tar(
    [
        File(".wh.removed.txt", ""),
        Dir("opaque/"), File("opaque/new.txt", "new\n"), File("opaque/.wh..wh..opq", ""),
        Hardlink("hard.txt", "image-only.txt"),
        File("latest", "replaced the link\n"),
    ]);

    [Fact]
    public void A_docker_save_archive_is_unpacked_layer_by_layer_with_whiteouts_links_modes_and_owners()
    {
        var archive = Path.Combine(_dir, "app.tar");
        WriteDockerSave(archive, AppConfig(), [Lower(), Upper()], "myapp:1", "registry.example.com/team/app:v2");

        var imported = ImageImporter.Import(_store, archive);

        var img = Assert.Single(imported);
        Assert.True(img.New);
        Assert.Equal(2, img.Layers);
        Assert.Equal(["docker.io/library/myapp:1", "registry.example.com/team/app:v2"], img.References);
        var found = _store.Find("myapp:1") ?? throw new Xunit.Sdk.XunitException("myapp:1 not found");
        Assert.Equal(img.Id, found.Id);
        Assert.Equal(found.Id, _store.Find("docker.io/library/myapp:1")!.Id);
        Assert.Null(_store.Find("myapp"));  // "latest" was not imported
        var root = found.RootFs;
        Assert.Equal("from the image\n", System.IO.File.ReadAllText(Path.Combine(root, "image-only.txt")));
        Assert.False(System.IO.File.Exists(Path.Combine(root, "removed.txt")), ".wh.removed.txt deletes the lower layer's file");
        Assert.False(System.IO.File.Exists(Path.Combine(root, ".wh.removed.txt")), "whiteouts are not files of the image");
        Assert.False(System.IO.File.Exists(Path.Combine(root, "opaque/old.txt")), "an opaque directory hides the lower layer's entries");
        Assert.True(System.IO.File.Exists(Path.Combine(root, "opaque/new.txt")), "but keeps its own layer's, even those before the marker");
        Assert.True(System.IO.File.Exists(Path.Combine(root, "keep/a.txt")));
        Assert.Equal("replaced the link\n", System.IO.File.ReadAllText(Path.Combine(root, "latest")));
        Assert.Null(new FileInfo(Path.Combine(root, "latest")).LinkTarget);
        // Writing over a link replaced the link, not its target.
        Assert.Equal("from the image\n", System.IO.File.ReadAllText(Path.Combine(root, "image-only.txt")));
        Assert.Equal(Inode(Path.Combine(root, "image-only.txt")), Inode(Path.Combine(root, "hard.txt")));
        Assert.Equal("640", StatText(Path.Combine(root, "secret.txt"), "%a"));
        Assert.Equal("1000:1001", Owner(Path.Combine(root, "secret.txt")));

        Assert.Equal(["/bin/sh", "-c"], found.Config.Entrypoint);
        Assert.Equal(["echo $GREETING"], found.Config.Cmd);
        Assert.Contains(new KeyValuePair<string, string>("GREETING", "hello"), found.Config.Env);
        Assert.Equal("/work", found.Config.WorkingDir);
        Assert.Equal((1000, 1001), ImageUser.Resolve(root, found.Config.User));
        Assert.Equal((7, 0), ImageUser.Resolve(root, "7"));
        Assert.Throws<InvalidOperationException>(() => ImageUser.Resolve(root, "nobody"));

        // Importing again changes nothing but the references; the store lists it.
        var again = Assert.Single(ImageImporter.Import(_store, archive, name: "extra"));
        Assert.False(again.New);
        Assert.Equal(img.Id, _store.Find("extra:latest")!.Id);
        Assert.Equal(3, Assert.Single(_store.List()).References.Count);
        Assert.Empty(Directory.GetDirectories(_store.Dir, ".import-*"));
    }

    [Fact]
    public void An_OCI_layout_archive_picks_this_platforms_image_and_records_the_name_and_digest()
    {
        var archive = Path.Combine(_dir, "app.oci.tar.gz");
        WriteOciLayout(archive, AppConfig(), [Lower(), Upper()], "docker.io/library/tool:3");

        var img = Assert.Single(ImageImporter.Import(_store, archive));

        Assert.Contains("docker.io/library/tool:3", img.References);
        var byDigest = img.References.Single(r => r.StartsWith("docker.io/library/tool@sha256:", StringComparison.Ordinal));
        var found = _store.Find("tool:3")!;
        Assert.Equal(found.Id, _store.Find(byDigest)!.Id);
        Assert.Equal(byDigest, found.StatusId);
        Assert.True(System.IO.File.Exists(Path.Combine(found.RootFs, "opaque/new.txt")));
        Assert.False(System.IO.File.Exists(Path.Combine(found.RootFs, "removed.txt")));
    }

    [Fact]
    public void Imported_images_win_over_built_in_ones_and_a_running_catalog_sees_new_imports()
    {
        var catalog = new ImageCatalog(Path.Combine(_dir, "node"), _store);
        Assert.Null(catalog.Resolve("busybox")!.RootFs); // built in: the host's /
        Assert.Null(catalog.Resolve("myapp:1"));

        var archive = Path.Combine(_dir, "app.tar");
        WriteDockerSave(archive, AppConfig(), [Lower()], "myapp:1", "busybox:latest");
        ImageImporter.Import(_store, archive);

        var mine = catalog.Resolve("busybox") ?? throw new Xunit.Sdk.XunitException("busybox does not resolve");
        Assert.NotNull(mine.RootFs);
        Assert.Equal("docker.io/library/busybox:latest", mine.Reference);
        Assert.Equal(["echo $GREETING"], mine.Cmd);
        Assert.Equal(mine.RootFs, catalog.Resolve("myapp:1")!.RootFs);
    }

    public static TheoryData<string> Escapes => new()
    {
        "dotdot", "absolute", "absolute-symlink-parent", "relative-symlink-parent", "hardlink-out", "hardlink-through-symlink",
        "symlink-in-lower-layer", "whiteout-through-symlink",
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public void Archives_never_write_outside_the_image(string trick)
    {
        var outside = Path.Combine(_dir, "outside");
        Directory.CreateDirectory(outside);
        var victim = Path.Combine(outside, "victim.txt");
        System.IO.File.WriteAllText(victim, "untouched");
        // How many "../" lead from the image's root (images/.import-X/image/rootfs/DIR) up to _dir: enough either way.
        var up = string.Concat(Enumerable.Repeat("../", 12));
        List<byte[]> layers = trick switch
        {
            "dotdot" => [Tar([File(up + "outside/pwned", "x")])],
            "absolute" => [Tar([File(outside.TrimStart('/') is var rel ? "/" + rel + "/pwned" : "", "x")])],
            "absolute-symlink-parent" => [Tar([Symlink("link", outside), File("link/pwned", "x")])],
            "relative-symlink-parent" => [Tar([Symlink("link", up + outside.TrimStart('/')), File("link/pwned", "x")])],
            "hardlink-out" => [Tar([Hardlink("h", up + victim.TrimStart('/'))])],
            "hardlink-through-symlink" => [Tar([Symlink("link", outside), Hardlink("h", "link/victim.txt")])],
            "symlink-in-lower-layer" => [Tar([Symlink("victim.txt", victim)]), Tar([File("victim.txt", "pwned")])],
            "whiteout-through-symlink" => [Tar([Symlink("link", outside)]), Tar([File("link/.wh.victim.txt", "")])],
            _ => throw new ArgumentException(trick),
        };
        var archive = Path.Combine(_dir, "evil.tar");
        WriteDockerSave(archive, Config(new JsonObject { ["Cmd"] = new JsonArray("x") }), layers, "evil:1");

        try { ImageImporter.Import(_store, archive); }
        catch (InvalidDataException) { } // refusing the archive is fine too

        Assert.Equal("untouched", System.IO.File.ReadAllText(victim));
        Assert.Null(new FileInfo(victim).LinkTarget);
        Assert.Equal(["victim.txt"], Directory.GetFileSystemEntries(outside).Select(Path.GetFileName));
        Assert.Equal(1, LinkCount(victim));
        Assert.Empty(Directory.GetDirectories(_store.Dir, ".import-*"));
    }

    [Fact]
    public void Layers_are_checked_against_the_configs_diff_ids()
    {
        var layer = Tar([File("a.txt", "a")]);
        var good = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(layer));
        var config = Config(new JsonObject { ["Cmd"] = new JsonArray("x") });
        config["rootfs"]!["diff_ids"] = new JsonArray(good);
        var archive = Path.Combine(_dir, "good.tar");
        WriteDockerSave(archive, config, [layer], "checked:1");
        Assert.Single(ImageImporter.Import(_store, archive));

        config["rootfs"]!["diff_ids"] = new JsonArray("sha256:" + new string('0', 64));
        WriteDockerSave(archive, config, [layer], "damaged:1");
        var e = Assert.Throws<InvalidDataException>(() => ImageImporter.Import(_store, archive));
        Assert.Contains("the archive is damaged", e.Message);
        Assert.Null(_store.Find("damaged:1"));
        Assert.Single(_store.List());
    }

    [Fact]
    public void An_archive_that_is_not_an_image_is_refused_with_a_reason()
    {
        var archive = Path.Combine(_dir, "junk.tar");
        System.IO.File.WriteAllBytes(archive, Tar([File("hello.txt", "hi")]));
        var e = Assert.Throws<InvalidDataException>(() => ImageImporter.Import(_store, archive));
        Assert.Contains("neither a docker save archive", e.Message);
        Assert.Empty(_store.List());
    }

    private static long Inode(string path) => Stat(path, "%i");
    private static long LinkCount(string path) => Stat(path, "%h");
    private static string Owner(string path) => StatText(path, "%u:%g");

    private static long Stat(string path, string format) => long.Parse(StatText(path, format), System.Globalization.CultureInfo.InvariantCulture);

    private static string StatText(string path, string format)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("stat", ["-c", format, path]) { RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var s = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return s;
    }
}
