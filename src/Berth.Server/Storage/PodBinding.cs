using Berth.Api.Core;
using Berth.Api.Validation;
using Berth.Server.Http;

namespace Berth.Server.Storage;

/// <summary>
/// pods/binding, as upstream's BindingREST: the scheduler's single write that assigns a pod to a node — spec.nodeName,
/// the Binding's annotations and PodScheduled=True together — refused with 409 for a pod already assigned or being
/// deleted. (A scheduler that PUTs spec.nodeName and then writes the condition makes two writes per pod, and a pod that
/// is briefly assigned but not yet "scheduled".)
/// </summary>
public static class PodBinding
{
    /// <param name="binding">metadata.name the pod's (uid and resourceVersion, when set, preconditions; annotations added to the
    /// pod), target the node.</param>
    public static async Task BindAsync(ResourceStore store, string ns, string podName, Binding binding, bool dryRun, CancellationToken ct)
    {
        var b = binding.Metadata;
        var target = binding.Target;
        var pods = store.Registry.ByPath("", "v1", "pods") ?? throw new InvalidOperationException("no pods resource");
        if (b.Name != podName) throw ApiException.BadRequest("name in URL does not match name in Binding object");
        var errors = new List<FieldError>();
        if (!string.IsNullOrEmpty(target?.Kind) && target.Kind != "Node")
            errors.Add(FieldError.NotSupported("target.kind", target.Kind, ["Node", "<empty>"]));
        if (string.IsNullOrEmpty(target?.Name)) errors.Add(FieldError.Required("target.name"));
        if (errors.Count > 0) throw ApiException.Invalid("Binding", "", "Binding", podName, errors);

        await store.UpdateWithAsync(pods, ns, podName, "binding", obj =>
        {
            var pod = (Pod)obj;
            var m = pod.Metadata;
            if (b.Uid is { Length: > 0 } uid && uid != m.Uid)
                throw ApiException.Conflict(pods, podName, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {m.Uid}");
            if (b.ResourceVersion is { Length: > 0 } rv && rv != m.ResourceVersion)
                throw ApiException.Conflict(pods, podName, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {m.ResourceVersion}");
            if (m.DeletionTimestamp is not null)
                throw ApiException.Conflict("pods/binding", podName, $"pod {podName} is being deleted, cannot be assigned to a host");
            if (pod.Spec?.NodeName is { Length: > 0 } assigned)
                throw ApiException.Conflict("pods/binding", podName, $"pod {podName} is already assigned to node \"{assigned}\"");

            (pod.Spec ??= new PodSpec()).NodeName = target!.Name;
            if (b.Annotations is { Count: > 0 })
            {
                m.Annotations ??= new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (k, v) in b.Annotations) m.Annotations[k] = v;
            }
            var status = pod.Status ??= new PodStatus();
            var conditions = status.Conditions ??= [];
            var scheduled = conditions.Find(c => c.Type == "PodScheduled");
            if (scheduled is null) conditions.Add(new PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = store.Clock.GetUtcNow() });
            else if (scheduled.Status != "True")
            {
                scheduled.Status = "True";
                scheduled.Reason = null;
                scheduled.Message = null;
                scheduled.LastTransitionTime = store.Clock.GetUtcNow();
            }
            return pod;
        }, dryRun, ct);
    }
}
