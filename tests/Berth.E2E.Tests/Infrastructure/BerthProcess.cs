using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Berth.E2E.Tests.Infrastructure;

/// <summary>
/// A real `./berth server` process on a free loopback port with its own data directory, as a user starts it.
/// Dispose stops it with SIGTERM (and checks it exits cleanly).
/// </summary>
public sealed class BerthProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    public string DataDir { get; }
    public int Port { get; }
    public string Kubeconfig => Path.Combine(DataDir, "kubeconfig");
    public string Output { get { lock (_output) return _output.ToString(); } }

    private BerthProcess(Process p, string dataDir, int port) { _process = p; DataDir = dataDir; Port = port; }

    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !(File.Exists(Path.Combine(dir.FullName, "berth")) && File.Exists(Path.Combine(dir.FullName, "Berth.slnx"))))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root from " + AppContext.BaseDirectory);
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Starts a server without the default StorageClass (the suites written before it assume none); tests of
    /// dynamic provisioning use <see cref="StartWithAsync"/>.</summary>
    public static Task<BerthProcess> StartAsync(string? dataDir = null, params string[] extraArgs)
        => StartWithAsync(new BerthProcessOptions { DataDir = dataDir, ExtraArgs = extraArgs });

    public static async Task<BerthProcess> StartWithAsync(BerthProcessOptions options)
    {
        var dataDir = options.DataDir ?? TempDirectory.Create("berth-e2e-");
        var extraArgs = options.DefaultStorageClass ? options.ExtraArgs : [.. options.ExtraArgs, "--no-default-storage-class"];
        var port = FreePort();
        var psi = new ProcessStartInfo(Path.Combine(RepoRoot, "berth"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoRoot,
        };
        foreach (var a in new[] { "server", "--data-dir", dataDir, "--listen", $"127.0.0.1:{port}", "--runtime", options.Runtime }) psi.ArgumentList.Add(a);
        foreach (var a in extraArgs) psi.ArgumentList.Add(a);
        foreach (var (k, v) in options.Environment) psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        var bp = new BerthProcess(p, dataDir, port);
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (bp._output) bp._output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (bp._output) bp._output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        await bp.WaitReadyAsync(TimeSpan.FromSeconds(120));
        return bp;
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"berth exited with {_process.ExitCode}:\n{Output}");
            if (File.Exists(Kubeconfig))
            {
                try
                {
                    var r = await http.GetStringAsync($"https://127.0.0.1:{Port}/readyz");
                    if (r == "ok") return;
                }
                catch (HttpRequestException) { }
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("berth did not become ready:\n" + Output);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Waits for the process to end by itself (a crash) and returns its exit code; throws on timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Stops with SIGTERM and returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (_process.HasExited) return _process.ExitCode;
        Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { _process.Kill(true); await _process.WaitForExitAsync(); return -1; }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        // Kept beside the store: what the server logged is where a failed test's story is (read it with the data dir).
        try { await File.WriteAllTextAsync(Path.Combine(DataDir, "server-output.log"), Output); } catch (IOException) { }
    }
}

public sealed record BerthProcessOptions
{
    public string? DataDir { get; init; }
    public string[] ExtraArgs { get; init; } = [];
    /// <summary>The pod runtime: simulated (no processes), or process (runc containers on the node's bridge network).</summary>
    public string Runtime { get; init; } = "simulated";
    /// <summary>Keep the default StorageClass local-path (off: --no-default-storage-class is passed).</summary>
    public bool DefaultStorageClass { get; init; }
    /// <summary>Extra environment variables (e.g. BERTH_FAULT for crash tests).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}
