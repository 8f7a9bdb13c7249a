using System.Diagnostics;

namespace Berth.E2E.Tests.Infrastructure;

public sealed record KubectlResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
    public KubectlResult EnsureSuccess()
        => ExitCode == 0 ? this : throw new Xunit.Sdk.XunitException($"kubectl failed ({ExitCode}):\n{Stdout}\n{Stderr}");
}

/// <summary>Runs the real kubectl binary against a Berth server.</summary>
public sealed class Kubectl(string kubeconfig)
{
    public static string Binary => Environment.GetEnvironmentVariable("KUBECTL") ?? "kubectl";

    public async Task<KubectlResult> RunAsync(string args, string? stdin = null, IDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--kubeconfig");
        psi.ArgumentList.Add(kubeconfig);
        foreach (var a in SplitArgs(args)) psi.ArgumentList.Add(a);
        psi.Environment["KUBECTL_EXTERNAL_DIFF"] = "";
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var outTask = p.StandardOutput.ReadToEndAsync();
        var errTask = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
            p.StandardInput.Close();
        }
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(true); throw new TimeoutException($"kubectl {args} timed out"); }
        return new KubectlResult(p.ExitCode, await outTask, await errTask);
    }

    public async Task<string> OkAsync(string args, string? stdin = null) => (await RunAsync(args, stdin)).EnsureSuccess().Stdout;

    /// <summary>Splits on spaces, keeping 'single' or "double" quoted parts together (no escapes needed in tests).</summary>
    public static List<string> SplitArgs(string s)
    {
        var result = new List<string>();
        var cur = new System.Text.StringBuilder();
        char quote = '\0';
        bool any = false;
        foreach (var c in s)
        {
            if (quote != '\0') { if (c == quote) quote = '\0'; else cur.Append(c); continue; }
            if (c is '\'' or '"') { quote = c; any = true; continue; }
            if (c == ' ') { if (cur.Length > 0 || any) { result.Add(cur.ToString()); cur.Clear(); any = false; } continue; }
            cur.Append(c);
        }
        if (cur.Length > 0 || any) result.Add(cur.ToString());
        return result;
    }
}
