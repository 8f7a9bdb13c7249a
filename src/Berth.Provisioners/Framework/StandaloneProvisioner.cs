using System.Net;
using Berth.Api.Coordination;
using Berth.Client;
using Microsoft.Extensions.Logging;

namespace Berth.Provisioners.Framework;

/// <summary>
/// <c>berth provisioner KIND [--kubeconfig F] [--name NAME] [--lease-namespace NS] [--no-leader-elect] [KIND's options]</c>:
/// one provisioner in its own process against a (remote) Berth over HTTPS, as the seeds' provisioner Deployment runs.
/// It takes the Lease named after the provisioner ('/' → '-') before it provisions, so several copies can run and
/// only one acts; losing the Lease ends the process (exit 1), as upstream's library does, to be restarted.
/// </summary>
public static class StandaloneProvisioner
{
    public const string DefaultLeaseNamespace = "kube-system";

    public static string Usage()
    {
        var lines = new List<string>();
        foreach (var f in ProvisionerRegistry.All)
            lines.Add($"  berth provisioner {f.Kind} [--kubeconfig FILE] [--name PROVISIONER_NAME] [--lease-namespace NS] [--no-leader-elect] {f.Usage}".TrimEnd());
        return string.Join("\n", lines);
    }

    /// <summary>Parses the command line and runs until <paramref name="stop"/> (exit 0) or until leadership is lost (exit 1).</summary>
    /// <exception cref="ArgumentException">Bad usage; the message is one line for the user.</exception>
    public static async Task<int> RunAsync(string[] args, ILoggerFactory logs, CancellationToken stop, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (args.Length == 0 || args[0].StartsWith('-'))
            throw new ArgumentException("provisioner needs a kind: " + string.Join(" | ", ProvisionerRegistry.All.Select(f => f.Kind)));
        var factory = ProvisionerRegistry.Find(args[0])
            ?? throw new ArgumentException($"unknown provisioner \"{args[0]}\" (known: {string.Join(", ", ProvisionerRegistry.All.Select(f => f.Kind))})");

        var options = ParseOptions(args[1..]);
        string? Take(string key) => options.Remove(key, out var v) ? v : null;
        var kubeconfig = Take("kubeconfig") ?? environment("KUBECONFIG") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        var name = Take("name") ?? NonEmpty(environment("PROVISIONER_NAME")) ?? factory.DefaultProvisionerName;
        var leaseNamespace = Take("lease-namespace") ?? NonEmpty(environment("POD_NAMESPACE")) ?? DefaultLeaseNamespace;
        bool leaderElect = Take("no-leader-elect") is null;
        int workers = Take("workers") is { } w ? (int.TryParse(w, out var n) && n > 0 ? n : throw new ArgumentException("--workers must be a positive number")) : 8;
        if (!File.Exists(kubeconfig)) throw new ArgumentException($"kubeconfig {kubeconfig} not found (use --kubeconfig FILE or KUBECONFIG)");

        var provisioner = factory.Create(new ProvisionerSettings(options, environment), logs);
        var log = logs.CreateLogger("provisioner");
        using var client = HttpApiClient.FromKubeconfig(kubeconfig);
        var controllerOptions = new ProvisionControllerOptions { ProvisionerName = name, Workers = workers };
        await using var events = new EventRecorder(client, controllerOptions.Component, Dns.GetHostName(), logs.CreateLogger("events"));

        if (!leaderElect)
        {
            await RunControllerAsync(client, provisioner, controllerOptions, events, logs, log, stop);
            return 0;
        }

        var leaseName = name.Replace('/', '-');
        var elector = new LeaderElector(client, new LeaderElectionConfig
        {
            LeaseNamespace = leaseNamespace, LeaseName = leaseName, Identity = controllerOptions.Identity,
        }, logs.CreateLogger("leaderelection"));
        log.LogInformation("attempting to acquire leader lease {Namespace}/{Lease}...", leaseNamespace, leaseName);
        bool lost = false;
        await elector.RunAsync(async leading =>
        {
            log.LogInformation("successfully acquired lease {Namespace}/{Lease}", leaseNamespace, leaseName);
            try
            {
                var lease = await client.GetAsync<Lease>(leaseNamespace, leaseName, leading);
                events.Event(lease, EventRecorder.Normal, "LeaderElection", $"{controllerOptions.Identity} became leader");
            }
            catch (ApiStatusException) { /* the event is informative only */ }
            await RunControllerAsync(client, provisioner, controllerOptions, events, logs, log, leading);
        }, () => lost = !stop.IsCancellationRequested, stop);
        if (lost)
        {
            log.LogError("leaderelection lost: {Namespace}/{Lease}", leaseNamespace, leaseName);
            return 1;
        }
        return 0;
    }

    private static async Task RunControllerAsync(IApiClient client, IVolumeProvisioner provisioner, ProvisionControllerOptions options,
        EventRecorder events, ILoggerFactory logs, ILogger log, CancellationToken ct)
    {
        var informers = new InformerFactory(client, logs);
        var controller = new ProvisionController(client, informers, provisioner, options, events, logs.CreateLogger("provision-controller"));
        log.LogInformation("Starting provisioner controller {Component}!", options.Component);
        await informers.StartAsync(ct);
        try { await informers.WaitForCacheSyncAsync(ct); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
        log.LogInformation("Started provisioner controller {Component}!", options.Component);
        await controller.RunAsync(options.Workers, ct);
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>"--key value", "--key=value", and bare flags ("--no-leader-elect") into a dictionary (flags map to "").</summary>
    private static Dictionary<string, string> ParseOptions(string[] args)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length == 2) throw new ArgumentException($"unexpected argument \"{a}\"");
            var eq = a.IndexOf('=');
            if (eq > 0) { result[a[2..eq]] = a[(eq + 1)..]; continue; }
            var key = a[2..];
            if (key.StartsWith("no-", StringComparison.Ordinal)) { result[key] = ""; continue; }
            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"{a} needs a value");
            result[key] = args[++i];
        }
        return result;
    }
}
