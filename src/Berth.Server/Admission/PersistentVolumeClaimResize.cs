using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Storage;
using Berth.Controllers.PersistentVolumes;
using Berth.Server.Http;

namespace Berth.Server.Admission;

/// <summary>Growing a claim is allowed only for a bound, dynamically provisioned claim whose class allows expansion.</summary>
public sealed class PersistentVolumeClaimResize : IAdmissionPlugin
{
    public async ValueTask AdmitAsync(AdmissionRequest r, CancellationToken ct)
    {
        if (r.Operation != Operation.Update || r.Subresource is not null) return;
        if (r.Object is not PersistentVolumeClaim pvc || r.Old is not PersistentVolumeClaim old) return;
        var newSize = Storage(pvc);
        var oldSize = Storage(old);
        if (newSize is null || oldSize is null || newSize.Value <= oldSize.Value) return;

        string Forbidden(string why) => $"persistentvolumeclaims \"{pvc.Metadata.Name}\" is forbidden: {why}";
        if (old.Status?.Phase != "Bound")
            throw ApiException.Forbidden(Forbidden("Only bound persistent volume claims can be expanded"), r.Type, pvc.Metadata.Name);
        var className = VolumeMatcher.ClaimClass(old);
        StorageClass? sc = null;
        if (!string.IsNullOrEmpty(className))
            sc = await r.Store.TryGetAsync<StorageClass>(r.Store.Registry.ByKind("storage.k8s.io", "v1", "StorageClass")!, null, className, ct);
        if (sc?.AllowVolumeExpansion != true)
            throw ApiException.Forbidden(Forbidden("only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"), r.Type, pvc.Metadata.Name);
    }

    private static Quantity? Storage(PersistentVolumeClaim c)
        => c.Spec?.Resources?.Requests is { } req && req.TryGetValue("storage", out var q) ? q : null;
}
