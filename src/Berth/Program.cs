using System.Runtime.InteropServices;
using Berth.Provisioners.NfsSubdir;
using Berth.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace Berth;

/// <summary>The berth command line: up, server (see shared/spec/command-line.md for the fixed contract).</summary>
public static class Program
{
    private const string Usage = """
        usage:
          berth up [--nfs] [--listen HOST:PORT]
              Start a single-machine Berth with every default (data in ./.berth, https://127.0.0.1:6443).
          berth server --data-dir DIR --listen HOST:PORT [--runtime process|simulated] [--no-default-storage-class]
                       [--nfs | --nfs-server HOST --nfs-path EXPORT_PATH [--nfs-port PORT]]
              Start Berth with explicit settings; writes DIR/kubeconfig before it reports ready.
              --nfs starts a local NFS server (nfs-ganesha) exporting DIR/nfs and creates the class nfs-client;
              --nfs-server/--nfs-path (or NFS_SERVER/NFS_PATH) run the nfs-subdir provisioner against your own server.
          berth provisioner local-path|nfs-subdir [--kubeconfig FILE] [--name PROVISIONER_NAME] [--lease-namespace NS] [--no-leader-elect] ...
              Run one provisioner on its own against a (remote) Berth, with a Lease for leader election.
          berth image import FILE [--data-dir DIR] [--name REF]
              Import the images of a `docker save` or OCI image layout archive (tar or tar.gz) into DIR/images
              (default ./.berth); pods on this node can run them at once. --name gives the image a reference.
          berth image list [--data-dir DIR]
          berth version
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            return args[0] switch
            {
                "up" => await RunServerAsync(ParseServer(args[1..], up: true), printExport: true),
                "server" => await RunServerAsync(ParseServer(args[1..], up: false), printExport: false),
                "provisioner" => await RunProvisionerAsync(args[1..]),
                "image" => ImageCommand.Run(args[1..]),
                "version" => Version(),
                _ => Fail($"unknown command \"{args[0]}\"\n{Usage}"),
            };
        }
        catch (StartupException e) { return Fail(e.Message); }
        catch (ArgumentException e) { return Fail(e.Message); }
    }

    private static int Version()
    {
        Console.WriteLine("berth (Kubernetes v1.32 API)");
        return 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("berth: " + message);
        return 1;
    }

    private static ServerOptions ParseServer(string[] args, bool up)
    {
        string? dataDir = up ? Path.Combine(Environment.CurrentDirectory, ".berth") : null;
        string listen = "127.0.0.1:6443";
        string? runtime = null;
        bool defaultClass = true;
        bool localNfs = false;
        var nfs = new Dictionary<string, string>();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--data-dir": dataDir = Value(); break;
                case "--listen": listen = Value(); break;
                case "--runtime":
                    runtime = Value();
                    if (runtime is not ("process" or "simulated")) throw new ArgumentException("--runtime must be process or simulated");
                    break;
                case "--no-default-storage-class": defaultClass = false; break;
                case "--nfs": localNfs = true; break;
                case "--nfs-server": nfs["NFS_SERVER"] = Value(); break;
                case "--nfs-path": nfs["NFS_PATH"] = Value(); break;
                case "--nfs-port": nfs["NFS_PORT"] = Value(); break;
                default: throw new ArgumentException($"unknown option \"{args[i]}\"");
            }
        }
        if (dataDir is null) throw new ArgumentException("--data-dir is required");
        runtime ??= DefaultRuntime();
        // Flags first, then the upstream provisioner's environment variables.
        var nfsOptions = NfsSubdirOptions.FromEnvironment(k => nfs.TryGetValue(k, out var v) ? v : Environment.GetEnvironmentVariable(k));
        if (localNfs && nfsOptions is not null) throw new ArgumentException("--nfs starts its own NFS server; leave out --nfs-server/--nfs-path (and NFS_SERVER/NFS_PATH)");
        return new ServerOptions
        {
            DataDir = dataDir, Listen = listen, Runtime = runtime, DefaultStorageClass = defaultClass,
            NfsSubdir = nfsOptions, NfsClientClass = localNfs,
        };
    }

    private static bool IsRoot() => OperatingSystem.IsLinux() && Environment.UserName == "root";

    /// <summary>
    /// Real pods when they can run here (root, with the host programs the process runtime uses); otherwise simulated pods,
    /// said once, so that `./berth up` works on a fresh machine. An explicit `--runtime process` fails with the reason instead.
    /// </summary>
    private static string DefaultRuntime()
    {
        if (!IsRoot())
        {
            Console.Error.WriteLine("berth: not running as root: pods are simulated (real pods need root: runc, network namespaces)");
            return "simulated";
        }
        var missing = new List<string>();
        foreach (var tool in new[] { "runc", "tini", "ip", "iptables", "busybox" })
            if (Berth.Kubelet.Runc.HostTools.Which(tool) is null) missing.Add(tool);
        if (Berth.Kubelet.Runc.HostTools.Which("cc") is null && Berth.Kubelet.Runc.HostTools.Which("gcc") is null) missing.Add("gcc");
        if (missing.Count == 0) return "process";
        Console.Error.WriteLine($"berth: {string.Join(", ", missing)} not installed: pods are simulated " +
                                "(apt-get install runc tini iproute2 iptables busybox gcc for real pods; see .ci/run for the full list)");
        return "simulated";
    }

    private static async Task<int> RunProvisionerAsync(string[] args)
    {
        using var logs = LoggerFactory.Create(b => b
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
            .SetMinimumLevel(LogLevel.Information));
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        return await Berth.Provisioners.Framework.StandaloneProvisioner.RunAsync(args, logs, stop.Token);
    }

    private static async Task<int> RunServerAsync(ServerOptions options, bool printExport)
    {
        using var logs = LoggerFactory.Create(b => b
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
            .SetMinimumLevel(LogLevel.Information));
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });

        // --nfs: a local ganesha exporting DATA/nfs, served by the built-in nfs-subdir provisioner; it stops with Berth.
        await using var ganesha = options.NfsClientClass ? await LocalNfs.StartAsync(options.DataDir) : null;
        if (ganesha is not null) options = options with { NfsSubdir = LocalNfs.ProvisionerOptions(ganesha) };
        await using var server = await BerthServer.StartAsync(options, logs, stop.Token);
        if (ganesha is not null) Console.WriteLine($"NFS server (nfs-ganesha) at {ganesha.Address}:{ganesha.Port} exporting {ganesha.ExportDirectory}; class nfs-client");
        Console.WriteLine($"Berth is ready at {server.Url}");
        if (printExport) Console.WriteLine($"export KUBECONFIG={server.KubeconfigPath}");
        else Console.WriteLine($"kubeconfig: {server.KubeconfigPath}");
        try { await Task.Delay(Timeout.Infinite, stop.Token); }
        catch (OperationCanceledException) { }
        Console.WriteLine("Berth is shutting down");
        return 0;
    }
}
