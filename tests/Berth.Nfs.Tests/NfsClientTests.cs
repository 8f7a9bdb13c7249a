using System.Text;
using Berth.Nfs;

namespace Berth.Nfs.Tests;

public sealed class NfsClientTests(GaneshaFixture nfs) : IClassFixture<GaneshaFixture>
{
    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public void Directories_and_files_round_trip_over_nfs_on_a_non_default_port()
    {
        Assert.NotEqual(2049, nfs.Server.Port);
        using var c = nfs.Connect();
        var d = Unique("dir");
        c.Mkdir(d, 0x1FF);
        var st = c.LStat(d)!;
        Assert.True(st.IsDirectory);
        Assert.Equal(0x1FF, st.Permissions);
        Assert.True(Directory.Exists(Path.Combine(nfs.Export, d)), "the directory is on the server's disk");

        // Larger than one libnfs NFSv4 WRITE (~3.9 KB), so the chunking is exercised.
        var data = new byte[100_000];
        new Random(1).NextBytes(data);
        c.WriteFile(d + "/f.bin", data, 0x1A4);
        Assert.Equal(data, c.ReadFile(d + "/f.bin"));
        Assert.Equal(data, File.ReadAllBytes(Path.Combine(nfs.Export, d, "f.bin")));
        Assert.Equal(0x1A4, c.LStat(d + "/f.bin")!.Permissions);
        c.Chmod(d + "/f.bin", 0x180);
        Assert.Equal(0x180, c.LStat(d + "/f.bin")!.Permissions);

        // Overwriting an existing file truncates it.
        c.WriteFile(d + "/f.bin", "short"u8);
        Assert.Equal("short", Encoding.UTF8.GetString(c.ReadFile(d + "/f.bin")));

        c.Rename(d + "/f.bin", d + "/g.bin");
        var names = c.ReadDir(d);
        Assert.Single(names);
        Assert.Equal("g.bin", names[0].Name);
        Assert.Equal(NfsFileType.File, names[0].Type);

        c.Unlink(d + "/g.bin");
        Assert.Null(c.LStat(d + "/g.bin"));
        c.Rmdir(d);
        Assert.False(c.Exists(d));
    }

    [Fact]
    public void Errors_carry_the_errno()
    {
        using var c = nfs.Connect();
        var e = Assert.Throws<NfsException>(() => c.Rmdir(Unique("missing")));
        Assert.True(e.NotFound, e.Message);
        var d = Unique("dup");
        c.Mkdir(d);
        Assert.True(Assert.Throws<NfsException>(() => c.Mkdir(d)).AlreadyExists);
    }

    [Fact]
    public void Connecting_to_a_port_without_a_server_fails_with_a_message()
    {
        var port = Berth.Nfs.Ganesha.GaneshaServer.FreePort();
        var e = Assert.ThrowsAny<NfsException>(() => NfsClient.Connect("127.0.0.1", nfs.Export, port, TimeSpan.FromSeconds(3)));
        Assert.Contains(port.ToString(), e.Message);
    }

    [Fact]
    public void Remove_recursive_deletes_links_but_never_what_they_point_to()
    {
        using var c = nfs.Connect();
        var outside = Unique("outside");
        c.Mkdir(outside);
        c.WriteFile(outside + "/keep.txt", "precious"u8);

        var tree = Unique("tree");
        c.Mkdir(tree);
        c.Mkdir(tree + "/sub");
        c.WriteFile(tree + "/sub/a.txt", "a"u8);
        c.Symlink("../" + outside, tree + "/link-to-dir");
        c.Symlink("/" + outside + "/keep.txt", tree + "/sub/link-to-file");
        Assert.True(c.LStat(tree + "/link-to-dir")!.IsSymlink);
        Assert.Equal("../" + outside, c.ReadLink(tree + "/link-to-dir"));

        c.RemoveRecursive(tree);

        Assert.False(c.Exists(tree));
        Assert.Equal("precious", Encoding.UTF8.GetString(c.ReadFile(outside + "/keep.txt")));
        c.RemoveRecursive(tree); // already gone: fine
    }

    [Fact]
    public void Two_clients_in_one_process_do_not_disturb_each_other()
    {
        // libnfs names NFSv4 clients after the pid unless told otherwise; two contexts with one name would steal each
        // other's open state on the server.
        using var a = nfs.Connect();
        using var b = nfs.Connect();
        var d = Unique("two");
        a.Mkdir(d);
        Parallel.For(0, 40, i =>
        {
            var client = i % 2 == 0 ? a : b;
            client.WriteFile($"{d}/f{i}", Encoding.UTF8.GetBytes(new string('x', 5000 + i)));
        });
        Assert.Equal(40, a.ReadDir(d).Count);
        for (var i = 0; i < 40; i++) Assert.Equal(5000 + i, b.ReadFile($"{d}/f{i}").Length);
    }

    [Fact]
    public void Safe_paths_refuse_escapes_and_symlink_components()
    {
        foreach (var bad in new[] { "", "/abs", "a/../b", "..", "a//b", "a/./b", "a/" })
            Assert.NotNull(NfsPath.Problem(bad));
        Assert.Null(NfsPath.Problem("default/claim-1"));

        using var c = nfs.Connect();
        var outside = Unique("target");
        c.Mkdir(outside);
        var link = Unique("link");
        c.Symlink(outside, link);

        Assert.Throws<UnsafePathException>(() => NfsPath.EnsureDirectory(c, link + "/new", 0x1FF));
        Assert.Throws<UnsafePathException>(() => NfsPath.CheckComponents(c, link));
        Assert.Empty(c.ReadDir(outside)); // nothing was created through the link

        var fresh = Unique("ns") + "/a/b";
        Assert.True(NfsPath.EnsureDirectory(c, fresh, 0x1FF));
        Assert.False(NfsPath.EnsureDirectory(c, fresh, 0x1FF));
        Assert.True(c.LStat(fresh)!.IsDirectory);
    }
}
