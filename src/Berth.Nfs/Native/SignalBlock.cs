using System.Runtime.InteropServices;

namespace Berth.Nfs.Native;

/// <summary>
/// Blocks asynchronous signals on the calling thread for the length of a libnfs call. libnfs' synchronous calls wait in
/// poll() and give up on any interruption ("Poll failed") while the request is still in flight, and its reply later
/// lands in a stack frame that is gone. A .NET process takes signals all the time (SIGCHLD from child processes, the
/// runtime's own), so the thread making the call keeps them blocked; another thread takes them meanwhile.
/// </summary>
internal readonly ref struct SignalBlock
{
    private const int SIG_BLOCK = 0, SIG_SETMASK = 2;
    private const int SigSetBytes = 128; // glibc's sigset_t

    private readonly byte[]? _old;

    private SignalBlock(byte[] old) => _old = old;

    public static SignalBlock Enter()
    {
        var all = new byte[SigSetBytes];
        Array.Fill(all, (byte)0xFF);
        // Faults stay deliverable (they are synchronous and fatal when blocked anyway): SIGILL 4, SIGBUS 7, SIGFPE 8, SIGSEGV 11.
        foreach (var sig in (ReadOnlySpan<int>)[4, 7, 8, 11])
            all[(sig - 1) / 8] &= (byte)~(1 << ((sig - 1) % 8));
        var old = new byte[SigSetBytes];
        return pthread_sigmask(SIG_BLOCK, all, old) == 0 ? new SignalBlock(old) : default;
    }

    public void Dispose()
    {
        if (_old is not null) pthread_sigmask(SIG_SETMASK, _old, null);
    }

    [DllImport("libc", EntryPoint = "pthread_sigmask")]
    private static extern int pthread_sigmask(int how, byte[] set, byte[]? oldset);
}
