using Berth.Api.Core;
using Berth.Api.Storage;
using Berth.Provisioners.LocalPath;
using Berth.Provisioners.NfsSubdir;
using Berth.Server.Http;
using Berth.Server.Storage;

namespace Berth.Server.Hosting;

/// <summary>Objects every cluster starts with: the system namespaces.</summary>
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
}
