using System.Runtime.CompilerServices;
using Berth.Api.Meta;
using Berth.Client;

namespace Berth.Controllers.Tests;

/// <summary>An API client whose watch events for one kind arrive late: that kind's informer lags behind the others.</summary>
public sealed class LaggingWatchClient(IApiClient inner, Type laggingKind, TimeSpan delay) : DelegatingApiClient(inner)
{
    public override async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? ns, WatchRequest req, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var e in Inner.WatchAsync<T>(ns, req, ct))
        {
            if (typeof(T) == laggingKind && e.Type != Berth.Client.WatchEventType.Bookmark) await Task.Delay(delay, ct);
            yield return e;
        }
    }
}
