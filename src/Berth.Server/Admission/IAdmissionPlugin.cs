using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Server.Storage;

namespace Berth.Server.Admission;

public enum Operation { Create, Update, Delete }

/// <summary>What an admission plugin sees: the operation, the object as it will be written, and the old one.</summary>
public sealed record AdmissionRequest(Operation Operation, ResourceType Type, string? Subresource, KubeObject Object, KubeObject? Old, ResourceStore Store);

/// <summary>
/// A mutating-and-validating admission step, run after defaulting and before validation, as kube-apiserver's
/// built-in plugins (NamespaceLifecycle, DefaultStorageClass, StorageObjectInUseProtection, PersistentVolumeClaimResize).
/// May change <see cref="AdmissionRequest.Object"/>; rejects by throwing an ApiException.
/// </summary>
public interface IAdmissionPlugin
{
    ValueTask AdmitAsync(AdmissionRequest request, CancellationToken ct);
}
