using System.Diagnostics;

namespace Berth.Kubelet.Runc;

/// <summary>
/// kubectl exec into a container: `runc exec` wired to the session's streams. Without a TTY the streams are plain pipes;
/// with one, `script` gives runc a terminal to run `runc exec --tty` from (runc then allocates the container's pty and
/// copies between the two); window size changes (the resize channel) are set on script's terminal, whose SIGWINCH makes
/// runc pass them on to the container's.
/// </summary>
internal static class ContainerExec
{
    public static async Task<int> RunAsync(string runc, string runId, IReadOnlyList<string> command, ExecStreams streams, CancellationToken ct)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (streams.Tty)
        {
            // script -q: no banner; -e: its exit code is the child's; -c: the command line (quoted for sh).
            psi.FileName = "/usr/bin/script";
            var line = string.Join(' ', new[] { runc, "exec", "--tty", runId }.Concat(command).Select(Quote));
            foreach (var a in new[] { "-q", "-e", "-c", line, "/dev/null" }) psi.ArgumentList.Add(a);
            psi.Environment["TERM"] = "xterm";
        }
        else
        {
            psi.FileName = runc;
            foreach (var a in new[] { "exec", runId }) psi.ArgumentList.Add(a);
            foreach (var a in command) psi.ArgumentList.Add(a);
        }
        using var p = System.Diagnostics.Process.Start(psi) ?? throw new InvalidOperationException("cannot start runc exec");
        var pumps = new List<Task>
        {
            CopyAsync(p.StandardOutput.BaseStream, streams.Stdout, ct),
            CopyAsync(p.StandardError.BaseStream, streams.Tty ? streams.Stdout : streams.Stderr, ct),
        };
        if (streams.Tty && streams.Resize is { } sizes) _ = ApplyResizesAsync(p.Id, sizes, ct);
        var stdin = streams.Stdin is { } input
            ? Task.Run(async () =>
            {
                try { await input.CopyToAsync(p.StandardInput.BaseStream, ct); }
                catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException) { }
                try { p.StandardInput.Close(); } catch (IOException) { }
            }, CancellationToken.None)
            : CloseAsync(p);
        try { await p.WaitForExitAsync(ct); }
        catch (OperationCanceledException)
        {
            try { p.Kill(true); } catch (InvalidOperationException) { }
            throw;
        }
        await Task.WhenAll(pumps);
        return p.ExitCode;
    }

    private static async Task ApplyResizesAsync(int scriptPid, System.Threading.Channels.ChannelReader<(ushort Width, ushort Height)> sizes, CancellationToken ct)
    {
        string? tty = null;
        try
        {
            await foreach (var (width, height) in sizes.ReadAllAsync(ct))
            {
                // The first size usually arrives before script has made its terminal: wait for it a little.
                for (int i = 0; tty is null && i < 100; i++)
                {
                    tty = TerminalOf(scriptPid);
                    if (tty is null) await Task.Delay(10, ct);
                }
                if (tty is null || !Native.SetWindowSize(tty, width, height)) return; // the exec has ended
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>The terminal script runs its command on: the stdin of one of its children.</summary>
    private static string? TerminalOf(int scriptPid)
    {
        try
        {
            var children = File.ReadAllText($"/proc/{scriptPid}/task/{scriptPid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var child in children)
                if (new FileInfo($"/proc/{child}/fd/0").LinkTarget is { } t && t.StartsWith("/dev/pts/", StringComparison.Ordinal)) return t;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }

    private static Task CloseAsync(System.Diagnostics.Process p)
    {
        try { p.StandardInput.Close(); } catch (IOException) { }
        return Task.CompletedTask;
    }

    private static async Task CopyAsync(Stream from, Stream? to, CancellationToken ct)
    {
        var buf = new byte[16384];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buf, ct)) > 0)
            {
                if (to is null) continue;
                await to.WriteAsync(buf.AsMemory(0, n), ct);
                await to.FlushAsync(ct);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException) { }
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
