using System.Net;
using Berth.Api.Core;
using Berth.Client;
using Berth.Kubelet.ClusterDns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Kubelet.Network;

/// <summary>Everything the node's pod network needs to start: the bridge, the cluster DNS server and the service proxy.</summary>
public sealed record PodNetworkOptions
{
    /// <summary>Where pod address allocations live (one file per address), e.g. DATA/network.</summary>
    public required string StateDir { get; init; }
    public string BridgeName { get; init; } = "berth0";
    public string PodCidr { get; init; } = "10.88.0.0/16";
    public string ClusterDomain { get; init; } = "cluster.local";
    /// <summary>Pod network namespaces are /run/netns/PREFIX…</summary>
    public string NetnsPrefix { get; init; } = "berth-";
    /// <summary>iptables chains are PREFIX-SERVICES, PREFIX-SVC-… (1 to 7 characters).</summary>
    public string ChainPrefix { get; init; } = "BERTH";
    /// <summary>The DNS server listens on the bridge's address at this port (UDP and TCP).</summary>
    public int DnsPort { get; init; } = 53;
    /// <summary>Names outside the cluster domain go to this file's nameservers.</summary>
    public string ResolvConf { get; init; } = "/etc/resolv.conf";
    /// <summary>How long to wait for an upstream resolver before answering SERVFAIL.</summary>
    public TimeSpan ForwardTimeout { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Let pods reach addresses beyond the node (masqueraded); off by default: only the node's pods and host receive pod traffic.</summary>
    public bool AllowEgress { get; init; }
}

/// <summary>
/// The pod network of one node, started in one call: the bridge and IPAM (<see cref="BridgeNetwork"/>, the
/// <see cref="IPodNetwork"/> the runtime uses), the cluster DNS server on the bridge's address and the service proxy.
/// Disposing stops DNS and the proxy; bridge, namespaces and rules stay (pods outlive the agent).
/// </summary>
public sealed class PodNetworkHost : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task _proxyRun;
    private int _disposed;

    private PodNetworkHost(BridgeNetwork network, ClusterDnsServer dns, ServiceProxy proxy, CancellationTokenSource stop, Task proxyRun)
    {
        Network = network;
        Dns = dns;
        Proxy = proxy;
        _stop = stop;
        _proxyRun = proxyRun;
    }

    public BridgeNetwork Network { get; }
    public ClusterDnsServer Dns { get; }
    public ServiceProxy Proxy { get; }

    /// <summary>
    /// Brings up the bridge, then DNS and the service proxy as API clients. With <paramref name="informers"/> the caches
    /// are shared with the caller (who starts the factory); without, the host makes and starts its own.
    /// </summary>
    public static async Task<PodNetworkHost> StartAsync(IApiClient client, PodNetworkOptions options, ILoggerFactory? logs = null, InformerFactory? informers = null, CancellationToken ct = default)
    {
        logs ??= NullLoggerFactory.Instance;
        var network = await BridgeNetwork.CreateAsync(new BridgeNetworkOptions
        {
            StateDir = Path.Combine(options.StateDir, "ips"),
            BridgeName = options.BridgeName,
            PodCidr = options.PodCidr,
            NetnsPrefix = options.NetnsPrefix,
            ClusterDomain = options.ClusterDomain,
        }, logs.CreateLogger("pod-network"), ct);

        bool ownFactory = informers is null;
        informers ??= new InformerFactory(client, logs);
        var resolver = new ClusterDnsResolver(informers.For<Service>(), informers.For<Endpoints>(), options.ClusterDomain);
        var gateway = IPAddress.Parse(network.Gateway);
        var forwarder = new DnsForwarder(DnsForwarder.ReadResolvConf(options.ResolvConf, gateway), options.ForwardTimeout);
        var dns = ClusterDnsServer.Start(resolver, forwarder, new IPEndPoint(gateway, options.DnsPort), logs.CreateLogger("cluster-dns"));

        var proxyLog = logs.CreateLogger("service-proxy");
        var rules = ServiceProxy.PrepareHost(new ServiceRulesOptions
        {
            ChainPrefix = options.ChainPrefix,
            BridgeName = options.BridgeName,
            PodCidr = network.Cidr.ToString(),
            AllowEgress = options.AllowEgress,
        }, proxyLog);
        ServiceProxy proxy;
        try { proxy = new ServiceProxy(informers, rules, proxyLog); }
        catch
        {
            await dns.DisposeAsync();
            throw;
        }
        var stop = new CancellationTokenSource();
        if (ownFactory) await informers.StartAsync(stop.Token);
        var run = Task.Run(() => proxy.RunAsync(1, stop.Token), CancellationToken.None);
        return new PodNetworkHost(network, dns, proxy, stop, run);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stop.Cancel();
        await Dns.DisposeAsync();
        try { await _proxyRun.WaitAsync(TimeSpan.FromSeconds(10)); }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException) { }
        _stop.Dispose();
    }
}
