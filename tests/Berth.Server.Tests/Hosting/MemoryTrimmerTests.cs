using System.Runtime.CompilerServices;
using Berth.Server.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Server.Tests.Hosting;

public sealed class MemoryTrimmerTests
{
    [Fact]
    public async Task Memory_freed_by_a_burst_is_given_back_once_the_process_is_quiet()
    {
        long baseline = GC.GetGCMemoryInfo().TotalCommittedBytes;
        Burst(); // ~200 MB reachable for a moment, then garbage that no collection has reclaimed
        GC.Collect(0); // a young collection, as a busy server makes: it promotes, it does not give back
        long afterBurst = GC.GetGCMemoryInfo().TotalCommittedBytes;

        await using var trimmer = new MemoryTrimmer(NullLogger.Instance, TimeSpan.FromMilliseconds(100), quietBytes: 64 << 20);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        long now;
        while ((now = GC.GetGCMemoryInfo().TotalCommittedBytes) > afterBurst - (100L << 20) && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.True(now <= afterBurst - (100L << 20),
            $"committed {now >> 20} MB after the trim; {afterBurst >> 20} MB after the burst, {baseline >> 20} MB before it");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Burst()
    {
        var hold = new List<byte[]>();
        for (int i = 0; i < 200; i++) { var a = new byte[1 << 20]; a[i] = 1; hold.Add(a); }
        GC.KeepAlive(hold);
    }
}
