using System.Collections.Concurrent;
using Berth.Api.Core;
using Berth.Api.Storage;
using Berth.Client;
using Microsoft.Extensions.Logging;

namespace Berth.Provisioners.Framework;

/// <summary>
/// The Kubernetes side of a dynamic provisioner (sig-storage-lib-external-provisioner's ProvisionController, plus the
/// external-resizer's part): it watches the claims addressed to <see cref="ProvisionControllerOptions.ProvisionerName"/>,
/// asks its <see cref="IVolumeProvisioner"/> for storage and creates the PV <c>pvc-&lt;claim uid&gt;</c> pre-bound to the
/// claim (the PV controller completes the binding); it deletes the storage of its released Delete volumes, then the PV
/// object; and it grows the volumes of claims whose request rose above their capacity.
/// <para>Keys are "pvc:NS/NAME" and "pv:NAME". Every sync reads the caches and moves one step; each step is idempotent
/// (the PV name is derived from the claim uid, storage creation finds what an earlier attempt made, a PV that already
/// exists is success), so a crash anywhere followed by a restart converges without a second PV or a second directory.</para>
/// </summary>
public sealed partial class ProvisionController : Controller
{
    private const string ClaimPrefix = "pvc:";
    private const string VolumePrefix = "pv:";
    // Per provisioner name: several provisioners (local-path, nfs-subdir) share one process's informers.
    private readonly string _selectedNodeIndex;
    private readonly string _waitingByClassIndex;

    private readonly IApiClient _client;
    private readonly IVolumeProvisioner _provisioner;
    private readonly EventRecorder _events;
    private readonly SharedInformer<PersistentVolumeClaim> _claims;
    private readonly SharedInformer<StorageClass> _classes;
    private readonly SharedInformer<PersistentVolume> _volumes;
    private readonly SharedInformer<Node> _nodes;
    /// <summary>PVs this process created that the informer may not show yet: a second sync of the claim in that window
    /// must not provision again (it would be harmless — the PV create answers AlreadyExists — but noisy).</summary>
    private readonly ConcurrentDictionary<string, byte> _created = new(StringComparer.Ordinal);
    /// <summary>PVs whose storage this process deleted while the informer may still show them un-deleted: not again.</summary>
    private readonly ConcurrentDictionary<string, byte> _deleted = new(StringComparer.Ordinal);

    public ProvisionControllerOptions Options { get; }
    public string ProvisionerName => Options.ProvisionerName;

    public ProvisionController(IApiClient client, InformerFactory informers, IVolumeProvisioner provisioner,
        ProvisionControllerOptions options, EventRecorder events, ILogger? log = null)
        : base("provisioner " + options.ProvisionerName, log)
    {
        _client = client;
        _provisioner = provisioner;
        _events = events;
        Options = options;
        _selectedNodeIndex = "provisioner-selected-node/" + options.ProvisionerName;
        _waitingByClassIndex = "provisioner-waiting-by-class/" + options.ProvisionerName;
        _claims = informers.For<PersistentVolumeClaim>();
        _classes = informers.For<StorageClass>();
        _volumes = informers.For<PersistentVolume>();
        _nodes = informers.For<Node>();
        WaitFor(_claims); WaitFor(_classes); WaitFor(_volumes); WaitFor(_nodes);

        _claims.AddIndex(_selectedNodeIndex, c => c.Metadata.Annotation(StorageNames.SelectedNode) is { Length: > 0 } n ? [n] : []);
        _claims.AddIndex(_waitingByClassIndex, c => IsAddressedToUs(c) && string.IsNullOrEmpty(c.Spec?.VolumeName) ? [StorageNames.ClaimClass(c)] : []);

        _claims.AddEventHandler(OnClaim, (_, c) => OnClaim(c), null);
        _volumes.AddEventHandler(OnVolume, (_, pv) => OnVolume(pv), pv =>
        {
            _created.TryRemove(pv.Metadata.Name!, out _);
            _deleted.TryRemove(pv.Metadata.Name!, out _);
            // A provisioned volume deleted behind our back: its claim, if still waiting, is looked at again.
            if (pv.Spec?.ClaimRef is { Name.Length: > 0 } r) Queue.Add(ClaimPrefix + r.Namespace + "/" + r.Name);
        });
        // A class created or fixed after its claims: they are tried again now rather than at the next back-off.
        _classes.AddEventHandler(OnClass, (_, sc) => OnClass(sc), null);
        // A selected node that disappears: its claims are rescheduled (the selected-node annotation is removed).
        _nodes.AddEventHandler(null, null, n =>
        {
            foreach (var c in _claims.ByIndex(_selectedNodeIndex, n.Metadata.Name!)) OnClaim(c);
        });
    }

    private bool IsAddressedToUs(PersistentVolumeClaim c) => StorageNames.ClaimProvisioner(c) == Options.ProvisionerName;

    private void OnClaim(PersistentVolumeClaim c)
    {
        if (IsAddressedToUs(c)) Queue.Add(ClaimPrefix + c.Metadata.Namespace + "/" + c.Metadata.Name);
    }

    private void OnVolume(PersistentVolume pv)
    {
        if (pv.Metadata.Annotation(StorageNames.ProvisionedBy) != Options.ProvisionerName) return;
        Queue.Add(VolumePrefix + pv.Metadata.Name);
        // A resized volume lets its claim finish the resize.
        if (pv.Spec?.ClaimRef is { Name.Length: > 0 } r) Queue.Add(ClaimPrefix + r.Namespace + "/" + r.Name);
    }

    private void OnClass(StorageClass sc)
    {
        if (sc.Provisioner != Options.ProvisionerName) return;
        foreach (var c in _claims.ByIndex(_waitingByClassIndex, sc.Metadata.Name!)) OnClaim(c);
    }

    protected override Task SyncAsync(string key, CancellationToken ct)
    {
        if (key.StartsWith(VolumePrefix, StringComparison.Ordinal))
        {
            var pv = _volumes.Get(key[VolumePrefix.Length..]);
            return pv is null ? Task.CompletedTask : SyncVolumeAsync(KubeObjects.DeepCopy(pv), ct);
        }
        var claim = _claims.Get(key[ClaimPrefix.Length..]);
        if (claim is null || claim.Metadata.DeletionTimestamp is not null) return Task.CompletedTask;
        claim = KubeObjects.DeepCopy(claim);
        return string.IsNullOrEmpty(claim.Spec?.VolumeName) ? SyncWaitingClaimAsync(claim, ct) : SyncBoundClaimAsync(claim, ct);
    }
}
