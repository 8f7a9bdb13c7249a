using System.ComponentModel;
using System.Diagnostics;

namespace Berth.Kubelet.Streaming;

/// <summary>Runs a command as a process on this host wired to an exec session's streams (the simulated runtime's exec).</summary>
public static class HostProcess
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>Runs <paramref name="command"/> in <paramref name="workDir"/> with exactly <paramref name="env"/> (plus a
    /// default PATH); returns its exit code (128+N when killed by signal N). With a TTY, stderr goes to stdout.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> command, string workDir, IReadOnlyDictionary<string, string> env, ExecStreams streams, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = workDir,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        for (int i = 1; i < command.Count; i++) psi.ArgumentList.Add(command[i]);
        psi.Environment.Clear();
        psi.Environment["PATH"] = DefaultPath;
        foreach (var (k, v) in env) psi.Environment[k] = v;
        if (streams.Tty && !env.ContainsKey("TERM")) psi.Environment["TERM"] = "xterm";

        using var proc = new Process { StartInfo = psi };
        try { proc.Start(); }
        catch (Win32Exception)
        {
            throw new InvalidOperationException($"exec failed: unable to start container process: exec: \"{command[0]}\": executable file not found in $PATH");
        }
        var stdout = Pump(proc.StandardOutput.BaseStream, streams.Stdout);
        var stderr = Pump(proc.StandardError.BaseStream, streams.Tty ? streams.Stdout : streams.Stderr);
        var stdinDone = FeedStdinAsync(proc, streams.Stdin, ct);
        try
        {
            await proc.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            try { proc.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw;
        }
        await Task.WhenAll(stdout, stderr);
        _ = stdinDone; // a client that never closes stdin must not hold the session open
        return proc.ExitCode;
    }

    private static async Task Pump(Stream from, Stream? to)
    {
        var buf = new byte[16 * 1024];
        int n;
        while ((n = await from.ReadAsync(buf)) > 0)
        {
            if (to is null) continue;
            try
            {
                await to.WriteAsync(buf.AsMemory(0, n));
                await to.FlushAsync();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException) { to = null; }
        }
    }

    private static async Task FeedStdinAsync(Process proc, Stream? stdin, CancellationToken ct)
    {
        var target = proc.StandardInput.BaseStream;
        try
        {
            if (stdin is not null)
            {
                var buf = new byte[16 * 1024];
                int n;
                while ((n = await stdin.ReadAsync(buf, ct)) > 0)
                {
                    await target.WriteAsync(buf.AsMemory(0, n), ct);
                    await target.FlushAsync(ct);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException) { }
        finally
        {
            try { proc.StandardInput.Close(); } catch (Exception e) when (e is IOException or InvalidOperationException) { }
        }
    }
}
