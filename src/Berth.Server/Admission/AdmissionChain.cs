namespace Berth.Server.Admission;

/// <summary>The built-in admission plugins, in kube-apiserver's order.</summary>
public static class AdmissionChain
{
    public static IReadOnlyList<IAdmissionPlugin> Create() =>
    [
        new NamespaceLifecycle(),
        new DefaultStorageClass(),
        new PersistentVolumeClaimResize(),
        new StorageObjectInUseProtection(),
    ];
}
