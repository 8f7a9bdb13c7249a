using System.Runtime.InteropServices;
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
              Start Berth with explicit settings; writes DIR/kubeconfig before it reports ready.
          berth provisioner local-path|nfs-subdir [--kubeconfig FILE] [--name PROVISIONER_NAME] [--lease-namespace NS] [--no-leader-elect] ...
              Run one provisioner on its own against a (remote) Berth, with a Lease for leader election.
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
        string runtime = IsRoot() ? "process" : "simulated";
        bool defaultClass = true;
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
                case "--nfs": throw new ArgumentException("--nfs is not available yet (the NFS provisioner is tracked in its own issue)");
                default: throw new ArgumentException($"unknown option \"{args[i]}\"");
            }
        }
        if (dataDir is null) throw new ArgumentException("--data-dir is required");
        return new ServerOptions { DataDir = dataDir, Listen = listen, Runtime = runtime, DefaultStorageClass = defaultClass };
    }

    private static bool IsRoot() => OperatingSystem.IsLinux() && Environment.UserName == "root";

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

        await using var server = await BerthServer.StartAsync(options, logs, stop.Token);
        Console.WriteLine($"Berth is ready at {server.Url}");
        if (printExport) Console.WriteLine($"export KUBECONFIG={server.KubeconfigPath}");
        else Console.WriteLine($"kubeconfig: {server.KubeconfigPath}");
        try { await Task.Delay(Timeout.Infinite, stop.Token); }
        catch (OperationCanceledException) { }
        Console.WriteLine("Berth is shutting down");
        return 0;
    }
}
