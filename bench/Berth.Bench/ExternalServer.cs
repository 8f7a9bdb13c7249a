using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Berth.Bench;

/// <summary>A `berth server` child process (the built Release binary) on a free loopback port, the runtime simulated unless asked.</summary>
internal sealed class ExternalServer : IAsyncDisposable
{
    public static string RepoRoot { get; } = FindRepoRoot();
    /// <summary>What ./berth runs (its ReadyToRun publish); run ./berth once first so it is built and current.</summary>
    public static string BinaryPath => Path.Combine(RepoRoot, ".build", "berth", "berth");

    public Process Process { get; }
    public string DataDir { get; }
    public int Port { get; }
    public string Url => $"https://127.0.0.1:{Port}";
    public long StartTimestamp { get; }
    private readonly StringBuilder _output = new();

    private ExternalServer(Process p, string dataDir, int port, long started)
    {
        Process = p; DataDir = dataDir; Port = port; StartTimestamp = started;
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Builds Berth the way users get it (./berth publishes when its sources changed).</summary>
    public static void EnsureBuilt()
    {
        using var p = Process.Start(new ProcessStartInfo(Path.Combine(RepoRoot, "berth"), ["version"])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0 || !File.Exists(BinaryPath))
            throw new InvalidOperationException($"./berth could not build itself:\n{stdout.Result}\n{stderr.Result}");
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Starts the process (the timestamp is taken just before Process.Start); <paramref name="runtime"/> "process"
    /// runs real pods (root, the bridge berth0: one such server per machine).</summary>
    public static ExternalServer Start(string dataDir, int? port = null, string runtime = "simulated")
    {
        int p = port ?? FreePort();
        var psi = new ProcessStartInfo(BinaryPath, ["server", "--data-dir", dataDir, "--listen", $"127.0.0.1:{p}", "--runtime", runtime])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        long t0 = Stopwatch.GetTimestamp();
        var proc = Process.Start(psi) ?? throw new InvalidOperationException("cannot start berth");
        var s = new ExternalServer(proc, dataDir, p, t0);
        proc.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (s._output) s._output.AppendLine(e.Data); };
        proc.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (s._output) s._output.AppendLine(e.Data); };
        proc.BeginOutputReadLine();
        proc.BeginErrorReadLine();
        return s;
    }

    /// <summary>Polls GET /readyz every <paramref name="pollMs"/> ms (no CA check: the CA may not exist yet) until it answers "ok"; returns the time since start.</summary>
    public async Task<TimeSpan> WaitReadyAsync(int pollMs = 10, int timeoutSeconds = 60)
    {
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = new() { RemoteCertificateValidationCallback = (_, _, _, _) => true },
            ConnectTimeout = TimeSpan.FromSeconds(2),
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (DateTime.UtcNow < deadline)
        {
            if (Process.HasExited) throw new InvalidOperationException($"berth exited with {Process.ExitCode}:\n{Output}");
            try
            {
                var text = await http.GetStringAsync($"{Url}/readyz");
                if (text == "ok") return Stopwatch.GetElapsedTime(StartTimestamp);
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(pollMs);
        }
        throw new TimeoutException($"berth not ready after {timeoutSeconds} s:\n{Output}");
    }

    /// <summary>The CA and the admin token from the kubeconfig the server writes (once it has).</summary>
    public async Task<(string CaPem, string Token)> CredentialsAsync()
    {
        var path = Path.Combine(DataDir, "kubeconfig");
        for (int i = 0; i < 500 && !File.Exists(path); i++) await Task.Delay(10);
        var lines = await File.ReadAllLinesAsync(path);
        string ca = "", token = "";
        foreach (var raw in lines)
        {
            var l = raw.Trim();
            if (l.StartsWith("certificate-authority-data:", StringComparison.Ordinal))
                ca = Encoding.UTF8.GetString(Convert.FromBase64String(l["certificate-authority-data:".Length..].Trim()));
            else if (l.StartsWith("token:", StringComparison.Ordinal)) token = l["token:".Length..].Trim();
        }
        return (ca, token);
    }

    public async Task<HttpClient> ClientAsync(int maxConnections = 1)
    {
        var (ca, token) = await CredentialsAsync();
        return ApiBench.HttpsClient(Url, ca, token, maxConnections);
    }

    /// <summary>VmRSS of the process, in KB, from /proc/PID/status.</summary>
    public long VmRssKb() => StatusKb("VmRSS");

    /// <summary>A kB figure of /proc/PID/status (VmRSS, RssAnon, RssFile, RssShmem); -1 when absent.</summary>
    public long StatusKb(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{Process.Id}/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]);
        return -1;
    }

    /// <summary>Where the resident memory is: anonymous (GC heap, native allocations), mapped files (code), shared (JIT code).</summary>
    public string RssBreakdown()
        => $"anonymous {StatusKb("RssAnon") / 1024.0:F1} MB, mapped files {StatusKb("RssFile") / 1024.0:F1} MB, shared {StatusKb("RssShmem") / 1024.0:F1} MB";

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    /// <summary>SIGTERM and wait for the exit (SIGKILL after the timeout).</summary>
    public async Task StopAsync(int timeoutSeconds = 20)
    {
        if (Process.HasExited) return;
        kill(Process.Id, 15);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try { await Process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { Process.Kill(entireProcessTree: true); await Process.WaitForExitAsync(); }
    }

    public async ValueTask DisposeAsync()
    {
        try { await StopAsync(); } catch (InvalidOperationException) { }
        Process.Dispose();
    }

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Berth.slnx"))) return d.FullName;
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Berth.slnx"))) return d.FullName;
        throw new InvalidOperationException("cannot find the repository root (Berth.slnx)");
    }
}
