using Berth.Api.Core;
using Berth.Api.Storage;
using Berth.Server.Storage;

namespace Berth.Server.Admission;

/// <summary>A claim created without storageClassName gets the default class (the newest, if several are marked).</summary>
public sealed class DefaultStorageClass : IAdmissionPlugin
{
    public const string IsDefaultAnnotation = "storageclass.kubernetes.io/is-default-class";
    public const string IsDefaultBetaAnnotation = "storageclass.beta.kubernetes.io/is-default-class";
    public const string BetaClassAnnotation = "volume.beta.kubernetes.io/storage-class";

    public async ValueTask AdmitAsync(AdmissionRequest r, CancellationToken ct)
    {
        if (r.Operation != Operation.Create || r.Object is not PersistentVolumeClaim pvc) return;
        pvc.Spec ??= new PersistentVolumeClaimSpec();
        if (pvc.Spec.StorageClassName is not null || pvc.Metadata.Annotation(BetaClassAnnotation) is not null) return;
        var def = await FindAsync(r.Store, ct);
        if (def is not null) pvc.Spec.StorageClassName = def.Metadata.Name;
    }

    public static bool IsDefault(StorageClass sc)
        => sc.Metadata.Annotation(IsDefaultAnnotation) == "true" || sc.Metadata.Annotation(IsDefaultBetaAnnotation) == "true";

    /// <summary>The default class: of those marked default, the newest (ties by name), as upstream since 1.26.</summary>
    public static async Task<StorageClass?> FindAsync(ResourceStore store, CancellationToken ct)
    {
        var scType = store.Registry.ByKind("storage.k8s.io", "v1", "StorageClass")!;
        StorageClass? best = null;
        foreach (var sc in await store.ListModelsAsync<StorageClass>(scType, null, ct))
        {
            if (!IsDefault(sc)) continue;
            if (best is null) { best = sc; continue; }
            var c = Nullable.Compare(sc.Metadata.CreationTimestamp, best.Metadata.CreationTimestamp);
            if (c > 0 || (c == 0 && string.CompareOrdinal(sc.Metadata.Name, best.Metadata.Name) < 0)) best = sc;
        }
        return best;
    }
}
