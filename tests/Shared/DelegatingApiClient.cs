using Berth.Api.Meta;
using Berth.Client;

namespace Berth.Tests.Shared;

/// <summary>An API client that passes every call to another; test clients override the calls they change (a lagging
/// watch, a write budget, a stale first list). Linked into the test projects that need it.</summary>
public abstract class DelegatingApiClient(IApiClient inner) : IApiClient
{
    protected IApiClient Inner { get; } = inner;

    public virtual Task<T> GetAsync<T>(string? ns, string name, CancellationToken ct = default) where T : KubeObject => Inner.GetAsync<T>(ns, name, ct);
    public virtual Task<ObjectList<T>> ListAsync<T>(string? ns, ListRequest? req = null, CancellationToken ct = default) where T : KubeObject => Inner.ListAsync<T>(ns, req, ct);
    public virtual IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? ns, WatchRequest req, CancellationToken ct = default) where T : KubeObject => Inner.WatchAsync<T>(ns, req, ct);
    public virtual Task<T> CreateAsync<T>(T obj, CancellationToken ct = default) where T : KubeObject => Inner.CreateAsync(obj, ct);
    public virtual Task<T> UpdateAsync<T>(T obj, CancellationToken ct = default) where T : KubeObject => Inner.UpdateAsync(obj, ct);
    public virtual Task<T> UpdateStatusAsync<T>(T obj, CancellationToken ct = default) where T : KubeObject => Inner.UpdateStatusAsync(obj, ct);
    public virtual Task<T> PatchAsync<T>(string? ns, string name, PatchType type, string patchJson, string? subresource = null, CancellationToken ct = default) where T : KubeObject
        => Inner.PatchAsync<T>(ns, name, type, patchJson, subresource, ct);
    public virtual Task<T?> DeleteAsync<T>(string? ns, string name, DeleteRequest? opts = null, CancellationToken ct = default) where T : KubeObject
        => Inner.DeleteAsync<T>(ns, name, opts, ct);
    public virtual Task BindPodAsync(string ns, string name, string nodeName, string? uid = null, CancellationToken ct = default) => Inner.BindPodAsync(ns, name, nodeName, uid, ct);
}
