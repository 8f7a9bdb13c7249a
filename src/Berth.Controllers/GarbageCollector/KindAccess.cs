using Berth.Api.Meta;
using Berth.Api.Strategies;
using Berth.Client;

namespace Berth.Controllers.GarbageCollection;

/// <summary>
/// Untyped access to one built-in kind: its coordinates, its (optional) shared informer's cache, and the API calls the
/// garbage collector and the namespace controller need. Built over the model type with <see cref="Create"/>
/// (MakeGenericType), so callers can treat every kind alike — the role of upstream's dynamic/metadata clients.
/// </summary>
public abstract class KindAccess
{
    protected KindAccess(KindInfo info, string storage)
    {
        Info = info;
        Storage = storage;
    }

    public KindInfo Info { get; }

    /// <summary>"group/version/Kind" ("v1/Kind" for core), the kind part of a work-queue key.</summary>
    public string Gvk => Info.GroupVersion + "/" + Info.Kind;

    /// <summary>What identifies the stored collection: two kinds sharing storage (core and events.k8s.io Events) share it.</summary>
    public string Storage { get; }

    public bool Namespaced => Info.Namespaced;

    /// <summary>The informer once <see cref="Watch"/> was called; null for kinds that are only read live.</summary>
    public abstract ISharedInformer? Informer { get; }

    /// <summary>
    /// Creates (or takes) the factory's informer for this kind, adds the index <paramref name="indexName"/> (if it is not
    /// there yet) and registers the handlers.
    /// </summary>
    public abstract ISharedInformer Watch(InformerFactory factory, string? indexName, Func<KubeObject, IEnumerable<string>>? indexFn,
        Action<KubeObject> onAdd, Action<KubeObject, KubeObject> onUpdate, Action<KubeObject> onDelete);

    /// <summary>The cached object (the cache's own: do not mutate), or null when not cached or not watched.</summary>
    public abstract KubeObject? GetCached(string? ns, string name);

    /// <summary>Cached objects whose index value matches (none when not watched).</summary>
    public abstract IReadOnlyList<KubeObject> ByIndex(string indexName, string value);

    /// <summary>A live read; null when the object does not exist.</summary>
    public abstract Task<KubeObject?> GetLiveAsync(string? ns, string name, CancellationToken ct);

    /// <summary>A live list of the collection (one namespace, or all when ns is null), paged.</summary>
    public abstract Task<IReadOnlyList<KubeObject>> ListLiveAsync(string? ns, CancellationToken ct);

    /// <summary>Deletes; null when the object is gone now, else the object as finalizers or a grace period keep it. Errors throw.</summary>
    public abstract Task<KubeObject?> DeleteAsync(string? ns, string name, DeleteRequest opts, CancellationToken ct);

    /// <summary>A JSON merge patch of the object. Errors throw.</summary>
    public abstract Task<KubeObject> MergePatchAsync(string? ns, string name, string patchJson, CancellationToken ct);

    /// <summary>The API group of an apiVersion ("" for core "v1").</summary>
    public static string GroupOf(string? apiVersion)
    {
        if (string.IsNullOrEmpty(apiVersion)) return "";
        var i = apiVersion.IndexOf('/');
        return i < 0 ? "" : apiVersion[..i];
    }

    public static KindAccess Create(KindInfo info, string storage, IApiClient client)
        => (KindAccess)Activator.CreateInstance(typeof(KindAccess<>).MakeGenericType(info.ModelType), info, storage, client)!;

    /// <summary>One accessor for every built-in kind, in registration order.</summary>
    public static IReadOnlyList<KindAccess> ForAllKinds(IApiClient client)
    {
        var kinds = new List<KindAccess>();
        foreach (var t in BuiltinResources.Types())
        {
            var info = KindResolver.Default.Resolve(t.Strategy.ModelType);
            var storage = (t.Group.Length == 0 ? "core" : t.Group) + "/" + (string.IsNullOrEmpty(t.StorageResource) ? t.Plural : t.StorageResource);
            // Two kinds registered over the same model class would be ambiguous for the typed client; keep the first.
            if (kinds.Any(k => k.Info.ModelType == info.ModelType)) continue;
            kinds.Add(Create(info, storage, client));
        }
        return kinds;
    }
}

internal sealed class KindAccess<T> : KindAccess where T : KubeObject
{
    private readonly IApiClient _client;
    private SharedInformer<T>? _informer;

    public KindAccess(KindInfo info, string storage, IApiClient client) : base(info, storage) => _client = client;

    public override ISharedInformer? Informer => _informer;

    public override ISharedInformer Watch(InformerFactory factory, string? indexName, Func<KubeObject, IEnumerable<string>>? indexFn,
        Action<KubeObject> onAdd, Action<KubeObject, KubeObject> onUpdate, Action<KubeObject> onDelete)
    {
        var inf = factory.For<T>();
        if (indexName is not null && indexFn is not null)
        {
            // A second controller over the same factory (e.g. after a restart in-process) finds the index in place.
            try { inf.AddIndex(indexName, o => indexFn(o)); }
            catch (InvalidOperationException) { }
        }
        inf.AddEventHandler(o => onAdd(o), (a, b) => onUpdate(a, b), o => onDelete(o));
        _informer = inf;
        return inf;
    }

    public override KubeObject? GetCached(string? ns, string name) => _informer?.Get(Namespaced ? ns : null, name);

    public override IReadOnlyList<KubeObject> ByIndex(string indexName, string value)
        => _informer is null ? [] : _informer.ByIndex(indexName, value);

    public override async Task<KubeObject?> GetLiveAsync(string? ns, string name, CancellationToken ct)
    {
        try { return await _client.GetAsync<T>(Namespaced ? ns : null, name, ct); }
        catch (ApiStatusException e) when (e.IsNotFound) { return null; }
    }

    public override async Task<IReadOnlyList<KubeObject>> ListLiveAsync(string? ns, CancellationToken ct)
    {
        var all = new List<KubeObject>();
        string? cont = null;
        do
        {
            var page = await _client.ListAsync<T>(Namespaced ? ns : null, new ListRequest { Limit = 500, Continue = cont }, ct);
            all.AddRange(page.Items);
            cont = string.IsNullOrEmpty(page.Continue) ? null : page.Continue;
        } while (cont is not null);
        return all;
    }

    public override async Task<KubeObject?> DeleteAsync(string? ns, string name, DeleteRequest opts, CancellationToken ct)
        => await _client.DeleteAsync<T>(Namespaced ? ns : null, name, opts, ct);

    public override async Task<KubeObject> MergePatchAsync(string? ns, string name, string patchJson, CancellationToken ct)
        => await _client.PatchAsync<T>(Namespaced ? ns : null, name, PatchType.Merge, patchJson, null, ct);
}
