using System.Net;
using System.Net.Sockets;
using Berth.Api.Registry;
using Berth.Client;
using Berth.Controllers.GarbageCollection;
using Berth.Controllers.Namespaces;
using Berth.Controllers.PersistentVolumes;
using Berth.Controllers.Protection;
using Berth.Controllers.ServiceEndpoints;
using Berth.Kubelet;
using Berth.Kubelet.Network;
using Berth.Kubelet.Streaming;
using Berth.Controllers.StatefulSets;
using Berth.Provisioners.Framework;
using Berth.Provisioners.LocalPath;
using Berth.Provisioners.NfsSubdir;
using Berth.Scheduling;
using Berth.Server.Admission;
using Berth.Server.Client;
using Berth.Server.Auth;
using Berth.Server.Authorization;
using Berth.Controllers.ServiceAccounts;
using Berth.Server.Http;
using Berth.Server.Storage;
using Berth.Store;
using Berth.Store.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Berth.Server.Hosting;

/// <summary>
/// One Berth control plane: the store, the API server over HTTPS, and (as later issues add them) the controllers
/// and the node agent, all in this process.
/// </summary>
public sealed class BerthServer : IAsyncDisposable
{
    private WebApplication _app = null!;
    private IKeyValueStore _kv = null!;
    private ObjectCache _cache = null!;
    private readonly List<IAsyncDisposable> _components = new();

    public required ServerOptions Options { get; init; }
    public ResourceStore Store { get; private set; } = null!;
    public string Url { get; private set; } = "";
    public string KubeconfigPath => Path.Combine(Options.DataDir, "kubeconfig");
    public string AdminToken { get; private set; } = "";
    public string CaPem { get; private set; } = "";

    public static async Task<BerthServer> StartAsync(ServerOptions options, ILoggerFactory logs, CancellationToken ct = default)
    {
        var server = new BerthServer { Options = options };
        try { await server.StartCoreAsync(logs, ct); }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    private async Task StartCoreAsync(ILoggerFactory logs, CancellationToken ct)
    {
        var log = logs.CreateLogger("berth");
        var dataDir = Path.GetFullPath(Options.DataDir);
        try
        {
            Directory.CreateDirectory(dataDir);
            var probe = Path.Combine(dataDir, ".write-test");
            await File.WriteAllTextAsync(probe, "ok", ct);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"data directory {dataDir} is not writable: {e.Message}", e);
        }

        var (host, port) = ParseListen(Options.Listen);
        // Loading the PKI (OpenSSL's first use, PKCS#12 round trip) does not depend on the store: overlap the two.
        var pki = Task.Run(() => Certificates.LoadOrCreate(Path.Combine(dataDir, "pki"), host is "0.0.0.0" or "::" ? [] : [host]), ct);

        try { _kv = await SqliteStore.OpenAsync(Path.Combine(dataDir, "store.db"), SqliteStoreOptions.Production); }
        catch (StoreOpenException e) { throw new StartupException($"cannot open the store: {e.Message}", e); }

        var allocator = new ServiceAllocator();
        var registry = BuiltinRegistry.Create(allocator);
        _cache = new ObjectCache(_kv, registry, logs.CreateLogger("cache"));
        await _cache.StartAsync(ct);
        Store = new ResourceStore(_kv, _cache, registry, AdmissionChain.Create());
        allocator.Attach(Store);
        await Bootstrap.EnsureAsync(Store, ct);
        if (Options.DefaultStorageClass) await Bootstrap.EnsureDefaultStorageClassAsync(Store, ct);
        if (Options.NfsClientClass) await Bootstrap.EnsureNfsClientClassAsync(Store, ct);
        await BootstrapPolicy.EnsureAsync(Store, ct);
        _components.Add(new EventExpiry(Store, Options.EventTtl, logs.CreateLogger("event-expiry")));
        var certs = await pki;
        // The API server -> kubelet hop (pods/log, exec, portforward): the kubelet serves with the cluster's certificate
        // and requires this token.
        var kubeletToken = KubeletToken.LoadOrCreate(Path.Combine(dataDir, "auth"));
        var kubelets = new KubeletProxy(new KubeletClientOptions(certs.Ca, kubeletToken));
        _components.Add(new AsyncStop(() => { kubelets.Dispose(); return Task.CompletedTask; }));

        var saTokens = new ServiceAccountTokens(Path.Combine(dataDir, "auth"), Store.Clock);
        _components.Add(new AsyncStop(() => { saTokens.Dispose(); return Task.CompletedTask; }));
        var auth = new Authenticator(Path.Combine(dataDir, "auth"), saTokens, LiveObjects.In(Store));
        AdminToken = auth.AdminToken;
        var rbacPolicy = await InformerRbacPolicy.StartAsync(new InProcessClient(Store), logs, ct);
        _components.Add(rbacPolicy);
        var rbac = new RbacAuthorizer(rbacPolicy);
        CaPem = certs.CaPem;

        // No configuration files to reload: the default content root is the working directory, and reloadOnChange
        // watches it recursively (inotify on every new directory, container root filesystems included when the data
        // directory lies beneath it: most of the server's CPU per pod).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = 32 * RequestBody.MaxBytes; // RequestBody enforces the API limit itself
            k.AddServerHeader = false;
            k.Listen(IPAddress.Parse(host == "localhost" ? "127.0.0.1" : host), port, l => l.UseHttps(certs.Serving));
        });
        _app = builder.Build();
        var pipeline = new RequestPipeline(Store, auth, new RequestAuthorizer(rbac, Store.Registry), new AuthEndpoints(Store, auth, saTokens, rbac),
            logs.CreateLogger("api"), kubelets);
        _app.Run(pipeline.HandleAsync);
        try { await _app.StartAsync(ct); }
        catch (IOException e) when (e.InnerException is SocketException || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            throw new StartupException($"cannot listen on {Options.Listen}: address already in use", e);
        }
        var bound = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var boundPort = new Uri(bound).Port;
        Url = $"https://{(host is "0.0.0.0" ? "127.0.0.1" : host.Contains(':') ? "[" + host + "]" : host)}:{boundPort}";
        pipeline.ServerAddress = $"{host}:{boundPort}";
        await Bootstrap.EnsureKubernetesServiceAsync(Store, host, boundPort, ct);
        Kubeconfig.Write(KubeconfigPath, Url, certs.CaPem, auth.AdminToken);
        pipeline.Ready = true;
        // The controllers start once the API serves (as kube-controller-manager is another process that comes up after
        // kube-apiserver): their first pass over every object then does not delay /readyz.
        await StartControllersAsync(logs, new KubeletServerOptions { Certificate = certs.Serving, Token = kubeletToken });
        _components.Add(new MemoryTrimmer(logs.CreateLogger("memory")));
        log.LogInformation("serving on {Url}; store revision {Revision}", Url, _kv.CurrentRevision);
    }

    /// <summary>kube-controller-manager's part: every controller as an API client over one in-process client.</summary>
    private async Task StartControllersAsync(ILoggerFactory logs, KubeletServerOptions kubelet)
    {
        var manager = new ControllerManager(new InProcessClient(Store), logs);
        var host = Dns.GetHostName();
        bool On(string name) => !Options.DisabledControllers.Contains(name);
        EventRecorder Recorder(string component)
        {
            var r = new EventRecorder(manager.Client, component, host, logs.CreateLogger("events"));
            _components.Add(r); // recorders are disposed after the manager (added below): controllers record until they stop
            return r;
        }

        if (On(ControllerNames.PersistentVolume))
            // Binds wait on durable writes, so many are kept in flight.
            manager.Run(new PersistentVolumeController(manager.Client, manager.Informers, Recorder(PersistentVolumeController.Component), logs.CreateLogger("pv-controller"),
                recyclers: [new HostPathRecycler(), new NfsVolumeRecycler()]), workers: 32);
        if (On(ControllerNames.PvcProtection))
            manager.Run(new PvcProtectionController(manager.Client, manager.Informers, logs.CreateLogger("pvc-protection")));
        if (On(ControllerNames.PvProtection))
            manager.Run(new PvProtectionController(manager.Client, manager.Informers, logs.CreateLogger("pv-protection")));
        if (On(ControllerNames.GarbageCollector))
            manager.Run(new GarbageCollector(manager.Client, manager.Informers, logs.CreateLogger("garbage-collector")), workers: 4);
        if (On(ControllerNames.Namespace))
            manager.Run(new NamespaceController(manager.Client, manager.Informers, logs.CreateLogger("namespace-controller")), workers: 2);
        if (On(ControllerNames.Scheduler))
            // Scheduling cycles are serial (one lock); binding waits on durable writes, so many bindings are kept in flight.
            manager.Run(new Scheduler(manager.Client, manager.Informers, Recorder(Scheduler.SchedulerName), logs.CreateLogger("scheduler")), workers: 16);
        if (On(ControllerNames.StatefulSet))
            manager.Run(new StatefulSetController(manager.Client, manager.Informers, Recorder("statefulset-controller"), logs.CreateLogger("statefulset-controller")), workers: 4);
        if (On(ControllerNames.ServiceAccount))
            manager.Run(new ServiceAccountsController(manager.Client, manager.Informers, logs.CreateLogger("serviceaccount-controller")));
        if (On(ControllerNames.Endpoints))
            manager.Run(new EndpointsController(manager.Client, manager.Informers, logs.CreateLogger("endpoints-controller")), workers: 2);
        if (On(ControllerNames.LocalPathProvisioner))
        {
            // No Lease here: this process is the only one serving its store, so there is nobody to elect against, and a
            // restart after a crash must provision at once rather than wait out the dead process's lease (15 s).
            // (A standalone `berth provisioner local-path` takes a Lease; run it under another --name than this one.)
            var localPath = new LocalPathProvisioner(new LocalPathOptions
            {
                Root = Options.LocalPathRoot ?? Path.Combine(Path.GetFullPath(Options.DataDir), "local-path"),
                NodeName = new NodeAgentOptions().NodeName,
            });
            var options = new ProvisionControllerOptions { ProvisionerName = LocalPathOptions.DefaultProvisionerName };
            manager.Run(new ProvisionController(manager.Client, manager.Informers, localPath, options, Recorder(options.Component),
                logs.CreateLogger("local-path-provisioner")), workers: options.Workers);
        }
        if (Options.NfsSubdir is { } nfsOptions && On(ControllerNames.NfsSubdirProvisioner))
        {
            // No Lease, as for local-path above.
            var nfs = new NfsSubdirProvisioner(nfsOptions);
            _components.Add(new AsyncStop(() => { nfs.Dispose(); return Task.CompletedTask; })); // after the manager stops
            var options = new ProvisionControllerOptions { ProvisionerName = nfsOptions.ProvisionerName };
            manager.Run(new ProvisionController(manager.Client, manager.Informers, nfs, options, Recorder(options.Component),
                logs.CreateLogger("nfs-subdir-provisioner")), workers: options.Workers);
        }
        _components.Add(manager);
        // Real pods need the node's network: the bridge, cluster DNS and the service proxy (sharing the informers above).
        IPodNetwork? podNetwork = null;
        if (On(ControllerNames.NodeAgent) && Options.Runtime == "process")
        {
            var netOptions = Options.PodNetwork ?? new PodNetworkOptions { StateDir = Path.Combine(Options.DataDir, "network") };
            PodNetworkHost net;
            try { net = await PodNetworkHost.StartAsync(manager.Client, netOptions, logs, manager.Informers); }
            catch (Exception e) when (e is HostCommandException or InvalidOperationException or IOException or System.Net.Sockets.SocketException)
            {
                throw new StartupException($"cannot set up the pod network ({netOptions.BridgeName}, {netOptions.PodCidr}): {e.Message}", e);
            }
            _components.Add(net);
            podNetwork = net.Network;
        }
        await manager.StartInformersAsync();
        if (On(ControllerNames.NodeAgent)) StartNodeAgent(manager, logs, kubelet, podNetwork);
    }

    /// <summary>The local node: the kubelet's part, with the pod runtime chosen on the command line.</summary>
    private void StartNodeAgent(ControllerManager manager, ILoggerFactory logs, KubeletServerOptions kubelet, IPodNetwork? podNetwork)
    {
        var log = logs.CreateLogger("node-agent");
        Berth.Kubelet.Runc.ProcessRuntime? process = null;
        if (podNetwork is not null)
        {
            try { process = Berth.Kubelet.Runc.ProcessRuntimeFactory.Create(Options.DataDir, podNetwork, logs.CreateLogger("runtime")); }
            catch (InvalidOperationException e) { throw new StartupException(e.Message, e); }
        }
        var agent = new NodeAgent(manager.Client, new NodeAgentOptions
        {
            SharedInformers = manager.Informers,
            Runtime = process,
            KubeletServer = kubelet,
            StopDelay = TimeSpan.FromMilliseconds(500), // simulated pods: see SimulatedRuntimeOptions.StopDelay
        }, log);
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => agent.RunAsync(stop.Token));
        _components.Add(new AsyncStop(async () =>
        {
            stop.Cancel();
            try { await run.WaitAsync(TimeSpan.FromSeconds(10)); } catch (Exception) { /* stopping */ }
            process?.Detach(); // as a kubelet restart: containers keep running and the next start adopts them
        }));
    }

    private sealed class AsyncStop(Func<Task> stop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await stop();
    }

    private static (string Host, int Port) ParseListen(string listen)
    {
        var i = listen.LastIndexOf(':');
        if (i <= 0 || !int.TryParse(listen.AsSpan(i + 1), out var port) || port is < 0 or > 65535)
            throw new StartupException($"--listen must be HOST:PORT, got \"{listen}\"");
        var host = listen[..i].Trim('[', ']');
        if (host != "localhost" && !IPAddress.TryParse(host, out _))
            throw new StartupException($"--listen host must be an IP address or localhost, got \"{host}\"");
        return (host, port);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) { try { await _app.StopAsync(); } catch { } await _app.DisposeAsync(); }
        for (int i = _components.Count - 1; i >= 0; i--) await _components[i].DisposeAsync();
        if (_cache is not null) await _cache.DisposeAsync();
        if (_kv is not null) await _kv.DisposeAsync();
    }
}
