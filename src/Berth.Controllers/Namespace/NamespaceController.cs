using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;
using Berth.Controllers.GarbageCollection;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.Namespaces;

/// <summary>
/// kubernetes pkg/controller/namespace: empties a namespace that is being deleted, then releases it.
/// <para>For a Namespace with a deletionTimestamp and the <c>kubernetes</c> finalizer in spec.finalizers: status.phase
/// becomes Terminating; every namespaced object of every kind in it is listed live (not from a cache, which could miss
/// an object created a moment before the namespace started terminating) and deleted with Background propagation.
/// While anything remains (objects held by finalizers or a grace period) the namespace is checked again after
/// <see cref="RecheckDelay"/>. Only a pass that finds nothing at all removes <c>kubernetes</c> from spec.finalizers (a
/// resourceVersion-checked update); the server then deletes the namespace.</para>
/// </summary>
public sealed class NamespaceController : Controller
{
    public const string KubernetesFinalizer = "kubernetes";
    public const string Terminating = "Terminating";

    private readonly IApiClient _client;
    private readonly SharedInformer<Namespace> _namespaces;
    private readonly List<KindAccess> _kinds = new();

    public NamespaceController(IApiClient client, InformerFactory informers, ILogger? log = null) : base("namespace-controller", log)
    {
        _client = client;
        var storages = new HashSet<string>(StringComparer.Ordinal);
        foreach (var k in KindAccess.ForAllKinds(client))
            if (k.Namespaced && storages.Add(k.Storage)) _kinds.Add(k); // core and events.k8s.io Events: one collection
        _namespaces = informers.For<Namespace>();
        _namespaces.AddEventHandler(EnqueueIfDeleting, (_, n) => EnqueueIfDeleting(n), null);
        WaitFor(_namespaces);
    }

    /// <summary>How soon a namespace whose content is still held (finalizers, grace periods) is looked at again.</summary>
    public TimeSpan RecheckDelay { get; init; } = TimeSpan.FromSeconds(1);

    private void EnqueueIfDeleting(Namespace ns)
    {
        if (ns.Metadata.DeletionTimestamp is not null) Enqueue(ns);
    }

    protected override async Task SyncAsync(string key, CancellationToken ct)
    {
        var cached = _namespaces.Get(key);
        if (cached is null || cached.Metadata.DeletionTimestamp is null) return;
        var ns = cached;
        var name = ns.Metadata.Name!;

        if (ns.Status?.Phase != Terminating)
        {
            var copy = KubeObjects.DeepCopy(ns);
            (copy.Status ??= new NamespaceStatus()).Phase = Terminating;
            try { ns = await _client.UpdateStatusAsync(copy, ct); }
            catch (ApiStatusException e) when (e.IsNotFound) { return; }
        }
        if (ns.Spec?.Finalizers is not { } fins || !fins.Contains(KubernetesFinalizer)) return; // released already

        int found = 0, held = 0;
        foreach (var kind in _kinds)
        {
            foreach (var o in await kind.ListLiveAsync(name, ct))
            {
                found++;
                if (o.Metadata.DeletionTimestamp is not null) { held++; continue; }
                try
                {
                    var left = await kind.DeleteAsync(name, o.Metadata.Name!, new DeleteRequest
                    {
                        PropagationPolicy = "Background",
                        PreconditionUid = o.Metadata.Uid,
                    }, ct);
                    if (left is not null) held++;
                }
                catch (ApiStatusException e) when (e.IsNotFound || e.IsConflict) { } // gone, or replaced: the next pass sees it
            }
        }
        if (found > 0)
        {
            Log.LogDebug("namespace {Namespace}: {Found} object(s) found, {Held} still held", name, found, held);
            // Everything deleted went at once: confirm with another pass right away; else wait for the holders.
            if (held == 0) Queue.Add(key);
            else Queue.AddAfter(key, RecheckDelay);
            return;
        }

        // A full pass found nothing: release the namespace.
        for (int attempt = 0; ; attempt++)
        {
            var copy = KubeObjects.DeepCopy(ns);
            copy.Spec!.Finalizers!.RemoveAll(f => f == KubernetesFinalizer);
            try
            {
                await _client.UpdateAsync(copy, ct);
                Log.LogInformation("namespace {Namespace}: empty; removed the {Finalizer} finalizer", name, KubernetesFinalizer);
                return;
            }
            catch (ApiStatusException e) when (e.IsNotFound) { return; }
            catch (ApiStatusException e) when (e.IsConflict && attempt < 3)
            {
                ns = await _client.GetAsync<Namespace>(null, name, ct);
                if (ns.Metadata.Uid != cached.Metadata.Uid || ns.Spec?.Finalizers is not { } f || !f.Contains(KubernetesFinalizer)) return;
            }
        }
    }
}
