using Berth.Server.Http;

namespace Berth.Server.Admission;

/// <summary>The system namespaces cannot be deleted (the rest of NamespaceLifecycle lives in ResourceStore's create path).</summary>
public sealed class NamespaceLifecycle : IAdmissionPlugin
{
    public static readonly string[] Immortal = ["default", "kube-system", "kube-public"];

    public ValueTask AdmitAsync(AdmissionRequest r, CancellationToken ct)
    {
        if (r.Operation == Operation.Delete && r.Type.Kind == "Namespace" && r.Type.Group.Length == 0
            && Immortal.Contains(r.Object.Metadata.Name))
            throw ApiException.Forbidden($"namespaces \"{r.Object.Metadata.Name}\" is forbidden: this namespace may not be deleted", r.Type, r.Object.Metadata.Name);
        return ValueTask.CompletedTask;
    }
}
