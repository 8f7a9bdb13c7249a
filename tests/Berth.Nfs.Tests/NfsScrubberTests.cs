using System.Text;
using Berth.Nfs;

namespace Berth.Nfs.Tests;

/// <summary>The Recycle policy's scrub against a real ganesha: everything inside the volume goes, nothing outside it.</summary>
public sealed class NfsScrubberTests(GaneshaFixture nfs) : IClassFixture<GaneshaFixture>
{
    private string NewVolume()
    {
        var dir = Path.Combine(nfs.Export, "vol-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private int Scrub(string volume) => NfsScrubber.Scrub(nfs.Server.Address, volume, nfs.Server.Port);

    [Fact]
    public void Scrub_empties_nested_directories_and_dot_files_but_keeps_the_volume_directory()
    {
        var vol = NewVolume();
        Directory.CreateDirectory(Path.Combine(vol, "a/b/c"));
        File.WriteAllText(Path.Combine(vol, "a/b/c/deep.txt"), "deep");
        File.WriteAllText(Path.Combine(vol, "index.html"), "hello");
        File.WriteAllText(Path.Combine(vol, ".hidden"), "dot");
        Directory.CreateDirectory(Path.Combine(vol, ".git/objects"));
        File.WriteAllText(Path.Combine(vol, ".git/objects/x"), "x");
        File.WriteAllBytes(Path.Combine(vol, "empty"), []);

        // Over NFS too, as a pod would write (not only behind the server's back).
        using (var c = NfsClient.Connect(nfs.Server.Address, vol, nfs.Server.Port))
        {
            c.Mkdir("via-nfs");
            c.WriteFile("via-nfs/f.bin", new byte[10_000]);
        }

        var removed = Scrub(vol);

        Assert.True(Directory.Exists(vol), "the volume's own directory stays");
        Assert.Empty(Directory.EnumerateFileSystemEntries(vol));
        Assert.Equal(12, removed); // a, a/b, a/b/c, deep.txt, index.html, .hidden, .git, objects, x, empty, via-nfs, f.bin
    }

    [Fact]
    public void Symlinks_are_removed_and_never_followed_out_of_the_volume()
    {
        // Outside the export altogether (on the server's disk), and outside the volume but inside the export.
        var hostDir = Path.Combine(nfs.Root, "host-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(hostDir, "sub"));
        File.WriteAllText(Path.Combine(hostDir, "precious.txt"), "keep me");
        File.WriteAllText(Path.Combine(hostDir, "sub/also.txt"), "keep me too");
        var sibling = NewVolume();
        File.WriteAllText(Path.Combine(sibling, "neighbour.txt"), "not yours");

        var vol = NewVolume();
        Directory.CreateDirectory(Path.Combine(vol, "nested"));
        File.CreateSymbolicLink(Path.Combine(vol, "to-host-dir"), hostDir);
        File.CreateSymbolicLink(Path.Combine(vol, "nested/to-host-file"), Path.Combine(hostDir, "precious.txt"));
        File.CreateSymbolicLink(Path.Combine(vol, "to-sibling"), "../" + Path.GetFileName(sibling));
        File.CreateSymbolicLink(Path.Combine(vol, "to-root"), "/");
        File.CreateSymbolicLink(Path.Combine(vol, "dangling"), "/does/not/exist");
        File.CreateSymbolicLink(Path.Combine(vol, "to-parent"), "..");

        var removed = Scrub(vol);

        Assert.Equal(7, removed);
        Assert.Empty(Directory.EnumerateFileSystemEntries(vol));
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(hostDir, "precious.txt")));
        Assert.Equal("keep me too", File.ReadAllText(Path.Combine(hostDir, "sub/also.txt")));
        Assert.Equal("not yours", File.ReadAllText(Path.Combine(sibling, "neighbour.txt")));
        Assert.True(Directory.Exists(nfs.Export), "the export above the volume is untouched");
    }

    [Fact]
    public void Scrubbing_again_is_a_no_op_so_an_interrupted_scrub_converges()
    {
        var vol = NewVolume();
        Directory.CreateDirectory(Path.Combine(vol, "d/e"));
        File.WriteAllText(Path.Combine(vol, "d/e/f"), "f");
        // An earlier scrub died half-way: part of the tree is gone already.
        File.WriteAllText(Path.Combine(vol, "g"), "g");
        File.Delete(Path.Combine(vol, "g"));

        Assert.Equal(3, Scrub(vol));
        Assert.Equal(0, Scrub(vol));
        Assert.Empty(Directory.EnumerateFileSystemEntries(vol));
    }

    [Fact]
    public void A_missing_volume_or_a_file_fails_with_the_servers_reason()
    {
        var missing = Path.Combine(nfs.Export, "never-created-" + Guid.NewGuid().ToString("N")[..8]);
        var e = Assert.ThrowsAny<NfsException>(() => Scrub(missing));
        Assert.Contains("127.0.0.1", e.Message);

        var file = Path.Combine(nfs.Export, "file-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(file, "not a directory");
        Assert.ThrowsAny<NfsException>(() => Scrub(file));
        Assert.Equal("not a directory", File.ReadAllText(file));
    }

    [Fact]
    public void Remove_contents_keeps_the_directory_and_refuses_a_symlinked_one()
    {
        using var c = nfs.Connect();
        var d = "rc-" + Guid.NewGuid().ToString("N")[..8];
        c.Mkdir(d);
        c.WriteFile(d + "/.dot", "x"u8);
        c.Mkdir("target-" + d);
        c.WriteFile("target-" + d + "/keep", "keep"u8);
        c.Symlink("target-" + d, "link-" + d);

        Assert.Equal(1, c.RemoveContents(d));
        Assert.True(c.LStat(d)!.IsDirectory);
        Assert.Empty(c.ReadDir(d));

        var e = Assert.Throws<NfsException>(() => c.RemoveContents("link-" + d));
        Assert.Equal(NfsException.ENOTDIR, e.Errno);
        Assert.Equal("keep", Encoding.UTF8.GetString(c.ReadFile("target-" + d + "/keep")));
    }
}
