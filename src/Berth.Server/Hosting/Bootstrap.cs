using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Storage;
using Berth.Provisioners.LocalPath;
using Berth.Provisioners.NfsSubdir;
using Berth.Server.Http;
using Berth.Server.Storage;

namespace Berth.Server.Hosting;

/// <summary>Objects every cluster starts with: the system namespaces, the <c>kubernetes</c> Service.</summary>
public static class Bootstrap
{
    public static readonly string[] Namespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    public static async Task EnsureAsync(ResourceStore store, CancellationToken ct)
    {
        var nsType = store.Registry.ByKind("", "v1", "Namespace")!;
        foreach (var name in Namespaces)
        {
            if (await store.TryGetAsync<Namespace>(nsType, null, name, ct) is not null) continue;
            try { await store.CreateAsync(nsType, null, new Namespace { Metadata = new() { Name = name } }, false, ct); }
            catch (ApiException e) when (e.Code == 409) { }
        }
    }

    public const string DefaultStorageClassName = "local-path";

    /// <summary>The default class of a single-machine Berth: local-path, waiting for the first consumer so the directory is
    /// made on the node the pod runs on. Made again at each start when missing (--no-default-storage-class to go without).</summary>
    public static async Task EnsureDefaultStorageClassAsync(ResourceStore store, CancellationToken ct)
    {
        var type = store.Registry.ByKind("storage.k8s.io", "v1", "StorageClass")!;
        if (await store.TryGetAsync<StorageClass>(type, null, DefaultStorageClassName, ct) is not null) return;
        var sc = new StorageClass
        {
            Metadata = new() { Name = DefaultStorageClassName, Annotations = new() { [StorageClass.IsDefaultAnnotation] = "true" } },
            Provisioner = LocalPathOptions.DefaultProvisionerName,
            ReclaimPolicy = "Delete",
            VolumeBindingMode = VolumeBindingModes.WaitForFirstConsumer,
            AllowVolumeExpansion = true,
        };
        try { await store.CreateAsync(type, null, sc, false, ct); }
        catch (ApiException e) when (e.Code == 409) { }
    }

    public const string NfsClientStorageClassName = "nfs-client";

    /// <summary>The seeds' <c>nfs-client</c> class (upstream's deploy/class.yaml) for <c>./berth up --nfs</c>; left alone
    /// when it exists (the user may have changed it).</summary>
    public static async Task EnsureNfsClientClassAsync(ResourceStore store, CancellationToken ct)
    {
        var type = store.Registry.ByKind("storage.k8s.io", "v1", "StorageClass")!;
        if (await store.TryGetAsync<StorageClass>(type, null, NfsClientStorageClassName, ct) is not null) return;
        var sc = new StorageClass
        {
            Metadata = new() { Name = NfsClientStorageClassName },
            Provisioner = NfsSubdirOptions.DefaultProvisionerName,
            Parameters = new() { [NfsSubdirProvisioner.ArchiveOnDeleteParameter] = "false" },
            ReclaimPolicy = "Delete",
            VolumeBindingMode = VolumeBindingModes.Immediate,
            AllowVolumeExpansion = true,
        };
        try { await store.CreateAsync(type, null, sc, false, ct); }
        catch (ApiException e) when (e.Code == 409) { }
    }

    public const string KubernetesServiceIP = "10.96.0.1"; // the first address of ServiceAllocator.Cidr, kept out of allocation

    /// <summary>
    /// The <c>default/kubernetes</c> Service and its Endpoints, as kube-apiserver's endpoint reconciler keeps them: ClusterIP
    /// 10.96.0.1, port https 443 → the API server's port. Reconciled at every start, since the port may change between
    /// runs. The Service has no selector, so the endpoints controller leaves its Endpoints to us.
    /// </summary>
    public static async Task EnsureKubernetesServiceAsync(ResourceStore store, string host, int port, CancellationToken ct)
    {
        var address = host is "0.0.0.0" or "::" or "localhost" ? "127.0.0.1" : host;
        var svcType = store.Registry.ByKind("", "v1", "Service")!;
        var svc = await store.TryGetAsync<Service>(svcType, "default", "kubernetes", ct);
        var target = IntOrString.FromInt(port);
        if (svc is null)
        {
            svc = new Service
            {
                Metadata = new() { Name = "kubernetes", Namespace = "default", Labels = new() { ["component"] = "apiserver", ["provider"] = "kubernetes" } },
                Spec = new ServiceSpec
                {
                    Type = "ClusterIP",
                    ClusterIP = KubernetesServiceIP,
                    SessionAffinity = "None",
                    Ports = [new ServicePort { Name = "https", Port = 443, Protocol = "TCP", TargetPort = target }],
                },
            };
            try { await store.CreateAsync(svcType, "default", svc, false, ct); }
            catch (ApiException e) when (e.Code == 409) { }
        }
        else if (svc.Spec?.Ports is [{ } only] && only.TargetPort is { IsInt: true } current && current.IntVal != port)
        {
            only.TargetPort = target;
            try { await store.UpdateAsync(svcType, "default", "kubernetes", svc, null, false, ct); }
            catch (ApiException e) when (e.Code is 409 or 404) { }
        }

        var epType = store.Registry.ByKind("", "v1", "Endpoints")!;
        var subsets = new List<EndpointSubset>
        {
            new() { Addresses = [new EndpointAddress { Ip = address }], Ports = [new EndpointPort { Name = "https", Port = port, Protocol = "TCP" }] },
        };
        var ep = await store.TryGetAsync<Endpoints>(epType, "default", "kubernetes", ct);
        if (ep is null)
        {
            ep = new Endpoints
            {
                Metadata = new() { Name = "kubernetes", Namespace = "default", Labels = new() { ["endpointslice.kubernetes.io/skip-mirror"] = "true" } },
                Subsets = subsets,
            };
            try { await store.CreateAsync(epType, "default", ep, false, ct); }
            catch (ApiException e) when (e.Code == 409) { }
        }
        else if (ep.Subsets is not [{ Addresses: [{ } a], Ports: [{ } p] }] || a.Ip != address || p.Port != port)
        {
            ep.Subsets = subsets;
            try { await store.UpdateAsync(epType, "default", "kubernetes", ep, null, false, ct); }
            catch (ApiException e) when (e.Code is 409 or 404) { }
        }
    }
}
