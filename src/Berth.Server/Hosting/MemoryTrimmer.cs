using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Berth.Server.Hosting;

/// <summary>
/// Gives memory the server no longer uses back to the operating system once it goes quiet. A cold start, a resync of
/// every controller or a large list allocates far more than the server keeps, and the GC (workstation, non-concurrent)
/// keeps those freed regions committed until later collections decommit them step by step — collections that an idle
/// server no longer makes. So: every few seconds, if little was allocated since the last look (the server is quiet) and
/// the GC holds noticeably more committed memory than after the last trim, one aggressive full collection (compacting,
/// decommitting every free region). Go's runtime does the same with its background scavenger. Then the same for native
/// memory: glibc's malloc keeps what SQLite, OpenSSL and the runtime freed in its per-thread arenas, and gives it back
/// only when asked (<c>malloc_trim</c>).
/// </summary>
public sealed class MemoryTrimmer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly ILogger _log;
    private readonly TimeSpan _interval;
    private readonly long _quietBytes, _slackBytes;

    /// <param name="interval">How often to look.</param>
    /// <param name="quietBytes">At most this many bytes allocated in one interval counts as quiet (a trim pauses the process).</param>
    /// <param name="slackBytes">Committed memory may grow this much past what the last trim left before the next one.</param>
    public MemoryTrimmer(ILogger log, TimeSpan? interval = null, long quietBytes = 16 << 20, long slackBytes = 24 << 20)
    {
        _log = log;
        _interval = interval ?? TimeSpan.FromSeconds(2);
        _quietBytes = quietBytes;
        _slackBytes = slackBytes;
        _loop = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        long lastAllocated = GC.GetTotalAllocatedBytes();
        long afterTrim = 0;
        long nativeTrimmed = Environment.TickCount64;
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                long allocated = GC.GetTotalAllocatedBytes();
                bool quiet = allocated - lastAllocated <= _quietBytes;
                lastAllocated = allocated;
                long committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
                if (!quiet) continue;
                if (committed <= afterTrim + _slackBytes)
                {
                    // The managed heap is fine, but native memory is freed on its own schedule (connections closing,
                    // statements finalized): while quiet, hand it back now and then. A trim with nothing to give is cheap.
                    if (Environment.TickCount64 - nativeTrimmed >= NativeTrimEveryMs) { TrimNativeHeap(); nativeTrimmed = Environment.TickCount64; }
                    continue;
                }

                // The large-object heap is compacted only when asked: big arrays of a startup (lists, growing dictionaries)
                // otherwise leave holes that keep its regions committed.
                System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers(); // what finalizers free (TLS sessions, SQLite statements) is native memory too
                TrimNativeHeap();
                nativeTrimmed = Environment.TickCount64;
                afterTrim = GC.GetGCMemoryInfo().TotalCommittedBytes;
                lastAllocated = GC.GetTotalAllocatedBytes();
                _log.LogDebug("memory trimmed: GC committed {Before} MB -> {After} MB", committed >> 20, afterTrim >> 20);
            }
        }
        catch (OperationCanceledException) { /* stopping */ }
    }

    private const long NativeTrimEveryMs = 10_000;
    private static bool _noMallocTrim;

    /// <summary>Returns the free pages of every malloc arena to the kernel; nothing where the C library has no malloc_trim (musl).</summary>
    private static void TrimNativeHeap()
    {
        if (_noMallocTrim || !OperatingSystem.IsLinux()) return;
        try { MallocTrim(0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { _noMallocTrim = true; }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop;
        _stop.Dispose();
    }
}
