using System.Diagnostics;
using System.Text;
using Berth.Nfs.Fuse;

namespace Berth.Nfs.Tests;

public sealed class NfsFuseMountTests(GaneshaFixture nfs, Xunit.Abstractions.ITestOutputHelper log) : IClassFixture<GaneshaFixture>
{
    [Fact]
    public async Task Files_written_through_the_mount_are_on_the_server_and_back()
    {
        Assert.True(File.Exists("/dev/fuse"), "FUSE tests need /dev/fuse");
        using var c = nfs.Connect();
        c.Mkdir("vol", 0x1FF);
        c.WriteFile("vol/from-server.txt", "written over NFS"u8);
        var mnt = Path.Combine(nfs.Root, "mnt");

        await using (var mount = await NfsFuseMount.MountAsync("127.0.0.1", nfs.Server.Port, nfs.Export, "vol", mnt))
        {
            Assert.True(NfsFuseMount.IsMounted(mnt));
            Assert.Equal("written over NFS", await File.ReadAllTextAsync(Path.Combine(mnt, "from-server.txt")));

            await File.WriteAllTextAsync(Path.Combine(mnt, "SUCCESS"), "from the mount");
            Directory.CreateDirectory(Path.Combine(mnt, "d/e"));
            Assert.Equal("from the mount", Encoding.UTF8.GetString(c.ReadFile("vol/SUCCESS")));
            Assert.True(c.LStat("vol/d/e")!.IsDirectory);
            c.Symlink("d/e", "vol/link");
            Assert.Equal("d/e", new FileInfo(Path.Combine(mnt, "link")).LinkTarget);
            File.Move(Path.Combine(mnt, "SUCCESS"), Path.Combine(mnt, "d/SUCCESS"));
            Assert.Null(c.LStat("vol/SUCCESS"));
            Assert.True(c.Exists("vol/d/SUCCESS"));

            // 50 MB through the mount: the number goes to the test output.
            var buf = new byte[1 << 20];
            new Random(2).NextBytes(buf);
            var sw = Stopwatch.StartNew();
            await using (var f = new FileStream(Path.Combine(mnt, "big"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                for (var i = 0; i < 50; i++) await f.WriteAsync(buf);
                f.Flush(flushToDisk: true);
            }
            var mbps = 50 / sw.Elapsed.TotalSeconds;
            log.WriteLine($"50 MB through berth-nfs-fuse: {sw.Elapsed.TotalSeconds:0.00} s, {mbps:0} MB/s");
            Assert.Equal(50L << 20, c.LStat("vol/big")!.Size);
            Assert.Equal(buf, File.ReadAllBytes(Path.Combine(nfs.Export, "vol", "big"))[(49 << 20)..]);
        }
        Assert.False(NfsFuseMount.IsMounted(mnt), "disposing unmounts");
    }

    [Fact]
    public void The_port_comes_from_the_pv_mount_options()
    {
        Assert.Equal(20490, NfsFuseMount.PortFromMountOptions(["nfsvers=4.1", "port=20490"]));
        Assert.Equal(2049, NfsFuseMount.PortFromMountOptions(null));
        Assert.Equal(2049, NfsFuseMount.PortFromMountOptions(["port=x"]));
    }

    [Fact]
    public async Task A_symlinked_sub_path_is_refused()
    {
        using var c = nfs.Connect();
        c.Symlink("/etc", "evil");
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            NfsFuseMount.MountAsync("127.0.0.1", nfs.Server.Port, nfs.Export, "evil", Path.Combine(nfs.Root, "mnt-evil")));
        Assert.Contains("symbolic link", e.Message);
        Assert.False(NfsFuseMount.IsMounted(Path.Combine(nfs.Root, "mnt-evil")));
    }
}
