using Berth.Api.Meta;

namespace Berth.Client;

/// <summary>
/// Typed access to the API for any built-in kind; the resource is resolved from the model class (see <see cref="KindResolver"/>).
/// Two implementations: <see cref="HttpApiClient"/> (HTTPS, for agents on other machines) and Berth.Server's InProcessClient.
/// Errors are <see cref="ApiStatusException"/>. Objects returned are the caller's own (never shared with a cache).
/// For cluster-scoped kinds pass ns = null.
/// </summary>
public interface IApiClient
{
    Task<T> GetAsync<T>(string? ns, string name, CancellationToken ct = default) where T : KubeObject;
    Task<ObjectList<T>> ListAsync<T>(string? ns, ListRequest? req = null, CancellationToken ct = default) where T : KubeObject;
    /// <summary>Follows changes until the server ends the watch (timeout), the caller cancels, or an Error event (then the stream ends).</summary>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? ns, WatchRequest req, CancellationToken ct = default) where T : KubeObject;
    /// <summary>Creates in obj.Metadata.Namespace.</summary>
    Task<T> CreateAsync<T>(T obj, CancellationToken ct = default) where T : KubeObject;
    /// <summary>PUT: a non-empty metadata.resourceVersion must be current, else 409 Conflict.</summary>
    Task<T> UpdateAsync<T>(T obj, CancellationToken ct = default) where T : KubeObject;
    /// <summary>PUT to /status: only the status changes.</summary>
    Task<T> UpdateStatusAsync<T>(T obj, CancellationToken ct = default) where T : KubeObject;
    Task<T> PatchAsync<T>(string? ns, string name, PatchType type, string patchJson, string? subresource = null, CancellationToken ct = default) where T : KubeObject;
    /// <summary>Deletes; returns null when the object is gone, or the object when finalizers or a grace period keep it for now.</summary>
    Task<T?> DeleteAsync<T>(string? ns, string name, DeleteRequest? opts = null, CancellationToken ct = default) where T : KubeObject;
    /// <summary>POST pods/NAME/binding: assigns the pod to the node (spec.nodeName and PodScheduled=True in one write); 409 when
    /// it is already assigned or being deleted, or when <paramref name="uid"/> is given and is not the pod's.</summary>
    Task BindPodAsync(string ns, string name, string nodeName, string? uid = null, CancellationToken ct = default);
}
