using Berth.Api.Core;
using Berth.Api.Storage;
using Berth.Api.Strategies;
using Berth.Server.Storage;

namespace Berth.Server.Admission;

/// <summary>A claim created without storageClassName gets the default class (the newest, if several are marked).</summary>
public sealed class DefaultStorageClass : IAdmissionPlugin
{
    public async ValueTask AdmitAsync(AdmissionRequest r, CancellationToken ct)
    {
        if (r.Operation != Operation.Create || r.Object is not PersistentVolumeClaim pvc) return;
        pvc.Spec ??= new PersistentVolumeClaimSpec();
        if (pvc.Spec.StorageClassName is not null || pvc.Metadata.Annotation(StrategySupport.BetaStorageClassAnnotation) is not null) return;
        var scType = r.Store.Registry.ByKind("storage.k8s.io", "v1", "StorageClass")!;
        var def = StorageClass.PickDefault(await r.Store.ListSharedModelsAsync<StorageClass>(scType, null, ct));
        if (def is not null) pvc.Spec.StorageClassName = def.Metadata.Name;
    }
}
