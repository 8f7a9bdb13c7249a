using System.Diagnostics;
using System.Net.Sockets;

namespace Berth.Nfs.Ganesha;

/// <summary>
/// A local nfs-ganesha serving one directory over NFSv4 on 127.0.0.1 (tests, <c>./berth up --nfs</c>). Its files
/// (config, log, pid file) live in <see cref="StateDirectory"/>; a ganesha left running by a previous run with the same
/// state directory is stopped first (found through the pid file), so a crash never leaves the port taken for good.
/// </summary>
public sealed class GaneshaServer : IAsyncDisposable
{
    public const string Binary = "ganesha.nfsd";

    private Process? _process;

    /// <summary>The exported directory; it is also the export path clients mount (Pseudo = Path).</summary>
    public string ExportDirectory { get; }
    public int Port { get; }
    public string Address => "127.0.0.1";
    public string StateDirectory { get; }
    public string ConfigPath => Path.Combine(StateDirectory, "ganesha.conf");
    public string LogPath => Path.Combine(StateDirectory, "ganesha.log");
    public string PidPath => Path.Combine(StateDirectory, "ganesha.pid");
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    private GaneshaServer(string exportDirectory, int port, string stateDirectory)
    {
        ExportDirectory = exportDirectory;
        Port = port;
        StateDirectory = stateDirectory;
    }

    public const int DefaultPort = 2049;

    /// <summary>Starts ganesha exporting <paramref name="exportDirectory"/> on 127.0.0.1:<paramref name="port"/> and returns
    /// once it answers NFS requests. With no port: 2049 unless something else listens there, else a free port.</summary>
    /// <exception cref="InvalidOperationException">ganesha is not installed, the port is taken, or it does not come up.</exception>
    public static async Task<GaneshaServer> StartAsync(string exportDirectory, int? port, string stateDirectory,
        TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var binary = FindBinary() ?? throw new InvalidOperationException(
            $"{Binary} not found on PATH: install nfs-ganesha and nfs-ganesha-vfs (apt-get install nfs-ganesha nfs-ganesha-vfs)");
        exportDirectory = Path.GetFullPath(exportDirectory);
        stateDirectory = Path.GetFullPath(stateDirectory);
        Directory.CreateDirectory(exportDirectory);
        Directory.CreateDirectory(stateDirectory);
        // A ganesha of an earlier run with this state directory goes first: it may hold the port we want.
        await StopStaleAsync(Path.Combine(stateDirectory, "ganesha.pid"));
        var chosen = port ?? (IsListening(DefaultPort) ? FreePort() : DefaultPort);
        if (IsListening(chosen))
            throw new InvalidOperationException($"cannot start the NFS server: 127.0.0.1:{chosen} is already in use");
        var server = new GaneshaServer(exportDirectory, chosen, stateDirectory);
        await File.WriteAllTextAsync(server.ConfigPath, GaneshaConfig.Render(exportDirectory, chosen), ct);

        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-F", "-f", server.ConfigPath, "-L", server.LogPath, "-p", server.PidPath }) psi.ArgumentList.Add(a);
        server._process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {binary}");
        // ganesha logs to its log file; drain the pipes so it never blocks on them.
        server._process.OutputDataReceived += (_, _) => { };
        server._process.ErrorDataReceived += (_, _) => { };
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilServingAsync(timeout ?? TimeSpan.FromSeconds(15), ct);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>Opens an NFS client on this server's export.</summary>
    public NfsClient Connect() => NfsClient.Connect(Address, ExportDirectory, Port);

    private async Task WaitUntilServingAsync(TimeSpan timeout, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        string? lastError = null;
        while (sw.Elapsed < timeout)
        {
            ct.ThrowIfCancellationRequested();
            if (_process!.HasExited)
                throw new InvalidOperationException($"{Binary} exited with code {_process.ExitCode} while starting; {LogTail()}");
            if (IsListening(Port))
            {
                try
                {
                    using var c = NfsClient.Connect(Address, ExportDirectory, Port, TimeSpan.FromSeconds(3));
                    c.LStat("/");
                    return;
                }
                catch (NfsException e) { lastError = e.Message; }
            }
            await Task.Delay(50, ct);
        }
        throw new InvalidOperationException($"{Binary} did not serve 127.0.0.1:{Port} within {timeout.TotalSeconds:0}s" +
            (lastError is null ? "" : $" ({lastError})") + $"; {LogTail()}");
    }

    private string LogTail()
    {
        try
        {
            var lines = File.ReadAllLines(LogPath);
            return "last log lines: " + string.Join(" | ", lines[Math.Max(0, lines.Length - 3)..]);
        }
        catch (IOException) { return $"no log at {LogPath}"; }
    }

    /// <summary>Stops a ganesha left behind by an earlier run with this state directory (its pid file names it).</summary>
    private static async Task StopStaleAsync(string pidPath)
    {
        if (!File.Exists(pidPath)) return;
        if (int.TryParse((await File.ReadAllTextAsync(pidPath)).Trim(), out var pid) && IsGanesha(pid))
        {
            try
            {
                using var stale = Process.GetProcessById(pid);
                stale.Kill();
                await stale.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or TimeoutException) { }
        }
        File.Delete(pidPath);
    }

    private static bool IsGanesha(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim() == Binary; }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>True when something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static bool IsListening(int port)
    {
        try
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Connect(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException) { return false; }
    }

    /// <summary>A TCP port on 127.0.0.1 that nothing listens on right now (tests run in parallel, so never a fixed one).</summary>
    public static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public static string? FindBinary()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin").Split(':'))
        {
            if (dir.Length == 0) continue;
            var candidate = Path.Combine(dir, Binary);
            if (File.Exists(candidate)) return candidate;
        }
        foreach (var candidate in new[] { "/usr/bin/" + Binary, "/usr/sbin/" + Binary })
            if (File.Exists(candidate)) return candidate;
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        var p = _process;
        _process = null;
        if (p is null) return;
        try
        {
            if (!p.HasExited)
            {
                p.Kill();
                await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException) { }
        finally
        {
            p.Dispose();
            try { File.Delete(PidPath); } catch (IOException) { }
        }
    }
}
