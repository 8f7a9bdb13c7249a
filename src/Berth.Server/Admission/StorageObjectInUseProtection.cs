using Berth.Api.Core;

namespace Berth.Server.Admission;

/// <summary>New PVs and PVCs get the protection finalizers that keep them while in use.</summary>
public sealed class StorageObjectInUseProtection : IAdmissionPlugin
{
    public ValueTask AdmitAsync(AdmissionRequest r, CancellationToken ct)
    {
        if (r.Operation != Operation.Create) return ValueTask.CompletedTask;
        var finalizer = r.Object switch { PersistentVolume => PersistentVolume.ProtectionFinalizer, PersistentVolumeClaim => PersistentVolumeClaim.ProtectionFinalizer, _ => null };
        if (finalizer is null) return ValueTask.CompletedTask;
        var m = r.Object.Metadata;
        m.Finalizers ??= new List<string>();
        if (!m.Finalizers.Contains(finalizer)) m.Finalizers.Add(finalizer);
        return ValueTask.CompletedTask;
    }
}
