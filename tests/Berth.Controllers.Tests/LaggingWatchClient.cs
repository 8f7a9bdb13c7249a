using System.Runtime.CompilerServices;
using Berth.Api.Meta;
using Berth.Client;

namespace Berth.Controllers.Tests;

/// <summary>An API client whose watch events for one kind arrive late: that kind's informer lags behind the others.</summary>
public sealed class LaggingWatchClient(IApiClient inner, Type laggingKind, TimeSpan delay) : IApiClient
{
    public Task BindPodAsync(string ns, string name, string nodeName, string? uid = null, CancellationToken ct = default) => inner.BindPodAsync(ns, name, nodeName, uid, ct);
    public Task<T> GetAsync<T>(string? ns, string name, CancellationToken ct = default) where T : KubeObject => inner.GetAsync<T>(ns, name, ct);
    public Task<ObjectList<T>> ListAsync<T>(string? ns, ListRequest? req = null, CancellationToken ct = default) where T : KubeObject => inner.ListAsync<T>(ns, req, ct);

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? ns, WatchRequest req, [EnumeratorCancellation] CancellationToken ct = default) where T : KubeObject
    {
        await foreach (var e in inner.WatchAsync<T>(ns, req, ct))
        {
            if (typeof(T) == laggingKind && e.Type != Berth.Client.WatchEventType.Bookmark) await Task.Delay(delay, ct);
            yield return e;
        }
    }

    public Task<T> CreateAsync<T>(T obj, CancellationToken ct = default) where T : KubeObject => inner.CreateAsync(obj, ct);
    public Task<T> UpdateAsync<T>(T obj, CancellationToken ct = default) where T : KubeObject => inner.UpdateAsync(obj, ct);
    public Task<T> UpdateStatusAsync<T>(T obj, CancellationToken ct = default) where T : KubeObject => inner.UpdateStatusAsync(obj, ct);
    public Task<T> PatchAsync<T>(string? ns, string name, PatchType type, string patchJson, string? subresource = null, CancellationToken ct = default) where T : KubeObject
        => inner.PatchAsync<T>(ns, name, type, patchJson, subresource, ct);
    public Task<T?> DeleteAsync<T>(string? ns, string name, DeleteRequest? opts = null, CancellationToken ct = default) where T : KubeObject
        => inner.DeleteAsync<T>(ns, name, opts, ct);
}
