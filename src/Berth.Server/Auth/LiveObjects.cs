using Berth.Api.Meta;
using Berth.Server.Storage;

namespace Berth.Server.Auth;

/// <summary>Where the authenticator learns whether what a token names still exists: the store's cache.</summary>
public static class LiveObjects
{
    public static LiveUidLookup In(ResourceStore store) => async (kind, ns, name, ct) =>
    {
        var type = store.Registry.ByKind("", "v1", kind);
        if (type is null) return null;
        var obj = await store.TryGetAsync<KubeObject>(type, ns, name, ct);
        return obj is null || obj.Metadata.DeletionTimestamp is not null ? null : obj.Metadata.Uid;
    };
}
