using System.Diagnostics;
using System.Text;

namespace Berth.Kubelet.Network;

/// <summary>What a finished host command printed and how it exited.</summary>
public sealed record HostCommandResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;
}

/// <summary>A host command failed: the message names the program, its arguments and what it printed on stderr.</summary>
public sealed class HostCommandException(string message) : Exception(message);

/// <summary>
/// Runs host programs (ip, iptables-restore) with an argument list, never through a shell, so no text that a pod controls
/// can be interpreted as shell syntax. Standard input may carry a batch (ip -batch -, iptables-restore).
/// </summary>
public static class HostCommand
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static async Task<HostCommandResult> RunAsync(string program, IReadOnlyList<string> args, string? stdin = null, CancellationToken ct = default, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = new Process { StartInfo = psi };
        try { p.Start(); }
        catch (System.ComponentModel.Win32Exception e) { throw new HostCommandException($"{program}: cannot start: {e.Message}"); }
        var stdout = p.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = p.StandardError.ReadToEndAsync(CancellationToken.None);
        if (stdin is not null)
        {
            try
            {
                await p.StandardInput.WriteAsync(stdin.AsMemory(), CancellationToken.None);
                p.StandardInput.Close();
            }
            catch (IOException) { } // the program exited early; its exit code and stderr say why
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout ?? DefaultTimeout);
        try { await p.WaitForExitAsync(limit.Token); }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            ct.ThrowIfCancellationRequested();
            throw new HostCommandException($"{Describe(program, args)}: timed out after {(timeout ?? DefaultTimeout).TotalSeconds:0}s");
        }
        return new HostCommandResult(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs the command and throws <see cref="HostCommandException"/> unless it exits 0.</summary>
    public static async Task<string> CheckAsync(string program, IReadOnlyList<string> args, string? stdin = null, CancellationToken ct = default)
    {
        var r = await RunAsync(program, args, stdin, ct);
        if (!r.Ok) throw new HostCommandException($"{Describe(program, args)} exited {r.ExitCode}: {r.Stderr.Trim()}");
        return r.Stdout;
    }

    private static string Describe(string program, IReadOnlyList<string> args)
    {
        var sb = new StringBuilder(program);
        foreach (var a in args) sb.Append(' ').Append(a);
        return sb.ToString();
    }
}
