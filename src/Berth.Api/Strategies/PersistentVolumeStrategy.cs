using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Api.Validation;
using static Berth.Api.Strategies.StrategySupport;

namespace Berth.Api.Strategies;

/// <summary>persistentvolumes: pkg/registry/core/persistentvolume/strategy.go, SetDefaults_PersistentVolume, ValidatePersistentVolume(Update).</summary>
public sealed class PersistentVolumeStrategy : ResourceStrategy<PersistentVolume>
{
    /// <summary>The clock for status.lastPhaseTransitionTime (tests replace it).</summary>
    public Func<DateTimeOffset> Now { get; init; } = NowSeconds;

    private static readonly string[] ReclaimPolicies = [VolumeConstants.Delete, VolumeConstants.Recycle, VolumeConstants.Retain];
    private static readonly string[] HostPathTypes = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"];

    protected override void PrepareForCreate(PersistentVolume pv)
    {
        pv.Status = new PersistentVolumeStatus { Phase = VolumeConstants.Pending, LastPhaseTransitionTime = Now() };
    }

    protected override void Default(PersistentVolume pv)
    {
        pv.Status ??= new PersistentVolumeStatus();
        if (string.IsNullOrEmpty(pv.Status.Phase)) pv.Status.Phase = VolumeConstants.Pending;
        var spec = pv.Spec ??= new PersistentVolumeSpec();
        if (string.IsNullOrEmpty(spec.PersistentVolumeReclaimPolicy)) spec.PersistentVolumeReclaimPolicy = VolumeConstants.Retain;
        spec.VolumeMode ??= VolumeConstants.Filesystem;
        DefaultSources(spec);
    }

    /// <summary>SetDefaults_* of the volume sources a PV may carry.</summary>
    internal static void DefaultSources(PersistentVolumeSourceFields s)
    {
        if (s.HostPath is { } hp) hp.Type ??= "";
        if (s.RBD is { } rbd)
        {
            if (string.IsNullOrEmpty(rbd.Pool)) rbd.Pool = "rbd";
            if (string.IsNullOrEmpty(rbd.User)) rbd.User = "admin";
            if (string.IsNullOrEmpty(rbd.Keyring)) rbd.Keyring = "/etc/ceph/keyring";
        }
        if (s.ISCSI is { } iscsi && string.IsNullOrEmpty(iscsi.IscsiInterface)) iscsi.IscsiInterface = "default";
        if (s.AzureDisk is { } ad)
        {
            ad.CachingMode ??= "ReadWrite";
            ad.Kind ??= "Shared";
            ad.FsType ??= "ext4";
            ad.ReadOnly ??= false;
        }
    }

    protected override void Validate(PersistentVolume pv, List<FieldError> errors)
    {
        var spec = pv.Spec ?? new PersistentVolumeSpec();
        var path = new FieldPath("spec");

        if (spec.AccessModes is null || spec.AccessModes.Count == 0)
            errors.Add(FieldError.Required(path.Child("accessModes")));
        ValidateAccessModes(spec.AccessModes, path.Child("accessModes"), errors);

        var capPath = path.Child("capacity");
        if (spec.Capacity is null || spec.Capacity.Count == 0)
            errors.Add(FieldError.Required(capPath));
        if (spec.Capacity is null || !spec.Capacity.ContainsKey(VolumeConstants.Storage) || spec.Capacity.Count > 1)
            errors.Add(FieldError.NotSupported(capPath, new GoValue(FormatResourceList(spec.Capacity)), [VolumeConstants.Storage]));
        foreach (var (name, q) in (spec.Capacity ?? []).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (q.Value < 0) errors.Add(FieldError.Invalid(capPath.Key(name), q.Value, "must be a valid resource quantity"));
            ValidatePositive(q, capPath.Key(name), errors);
        }

        if (!string.IsNullOrEmpty(spec.PersistentVolumeReclaimPolicy) && !ReclaimPolicies.Contains(spec.PersistentVolumeReclaimPolicy))
            errors.Add(FieldError.NotSupported(path.Child("persistentVolumeReclaimPolicy"), spec.PersistentVolumeReclaimPolicy, ReclaimPolicies));

        bool nodeAffinitySpecified = false;
        if (spec.NodeAffinity is not null)
        {
            nodeAffinitySpecified = true;
            ValidateVolumeNodeAffinity(spec.NodeAffinity, path.Child("nodeAffinity"), errors);
        }

        int numVolumes = 0;
        bool One(object? source, string name)
        {
            if (source is null) return false;
            if (numVolumes > 0) { errors.Add(FieldError.Forbidden(path.Child(name), "may not specify more than 1 volume type")); return false; }
            numVolumes++;
            return true;
        }
        // The order of ValidatePersistentVolumeSpec.
        if (One(spec.HostPath, "hostPath")) ValidateHostPath(spec.HostPath!, path.Child("hostPath"), errors);
        if (One(spec.GcePersistentDisk, "gcePersistentDisk") && string.IsNullOrEmpty(spec.GcePersistentDisk!.PdName))
            errors.Add(FieldError.Required(path.Child("gcePersistentDisk").Child("pdName")));
        if (One(spec.AwsElasticBlockStore, "awsElasticBlockStore") && string.IsNullOrEmpty(spec.AwsElasticBlockStore!.VolumeID))
            errors.Add(FieldError.Required(path.Child("awsElasticBlockStore").Child("volumeID")));
        if (One(spec.Glusterfs, "glusterfs"))
        {
            if (string.IsNullOrEmpty(spec.Glusterfs!.Endpoints)) errors.Add(FieldError.Required(path.Child("glusterfs").Child("endpoints")));
            if (string.IsNullOrEmpty(spec.Glusterfs.Path)) errors.Add(FieldError.Required(path.Child("glusterfs").Child("path")));
        }
        One(Extra(spec, "flocker"), "flocker");
        if (One(spec.NFS, "nfs")) ValidateNfs(spec.NFS!, path.Child("nfs"), errors);
        if (One(spec.RBD, "rbd"))
        {
            if (spec.RBD!.Monitors is null || spec.RBD.Monitors.Count == 0) errors.Add(FieldError.Required(path.Child("rbd").Child("monitors")));
            if (string.IsNullOrEmpty(spec.RBD.Image)) errors.Add(FieldError.Required(path.Child("rbd").Child("image")));
        }
        One(Extra(spec, "quobyte"), "quobyte");
        if (One(spec.CephFS, "cephfs") && (spec.CephFS!.Monitors is null || spec.CephFS.Monitors.Count == 0))
            errors.Add(FieldError.Required(path.Child("cephfs").Child("monitors")));
        if (One(spec.ISCSI, "iscsi"))
        {
            var p = path.Child("iscsi");
            if (string.IsNullOrEmpty(spec.ISCSI!.TargetPortal)) errors.Add(FieldError.Required(p.Child("targetPortal")));
            if (string.IsNullOrEmpty(spec.ISCSI.IQN)) errors.Add(FieldError.Required(p.Child("iqn")));
            if (spec.ISCSI.Lun is < 0 or > 255) errors.Add(FieldError.Invalid(p.Child("lun"), spec.ISCSI.Lun.Value, "must be between 0 and 255, inclusive"));
        }
        if (One(spec.Cinder, "cinder") && string.IsNullOrEmpty(spec.Cinder!.VolumeID))
            errors.Add(FieldError.Required(path.Child("cinder").Child("volumeID")));
        One(spec.FC, "fc");
        if (One(spec.FlexVolume, "flexVolume") && string.IsNullOrEmpty(spec.FlexVolume!.Driver))
            errors.Add(FieldError.Required(path.Child("flexVolume").Child("driver")));
        One(spec.AzureFile, "azureFile");
        if (One(spec.VsphereVolume, "vsphereVolume") && string.IsNullOrEmpty(spec.VsphereVolume!.VolumePath))
            errors.Add(FieldError.Required(path.Child("vsphereVolume").Child("volumePath")));
        One(Extra(spec, "photonPersistentDisk"), "photonPersistentDisk");
        One(Extra(spec, "portworxVolume"), "portworxVolume");
        One(spec.AzureDisk, "azureDisk");
        One(Extra(spec, "scaleIO"), "scaleIO");
        if (One(spec.Local, "local"))
        {
            var p = path.Child("local");
            if (string.IsNullOrEmpty(spec.Local!.Path)) errors.Add(FieldError.Required(p.Child("path")));
            else NoBacksteps(spec.Local.Path, p.Child("path"), errors);
            if (!nodeAffinitySpecified)
                errors.Add(FieldError.Required(path.Child("nodeAffinity"), "Local volume requires node affinity"));
        }
        One(Extra(spec, "storageos"), "storageos");
        if (One(spec.CSI, "csi"))
        {
            var p = path.Child("csi");
            if (string.IsNullOrEmpty(spec.CSI!.Driver)) errors.Add(FieldError.Required(p.Child("driver")));
            if (string.IsNullOrEmpty(spec.CSI.VolumeHandle)) errors.Add(FieldError.Required(p.Child("volumeHandle")));
        }
        if (numVolumes == 0)
            errors.Add(FieldError.Required(path, "must specify a volume type"));

        if (spec.HostPath is { Path: { } hpPath } && CleanPath(hpPath) == "/" && spec.PersistentVolumeReclaimPolicy == VolumeConstants.Recycle)
            errors.Add(FieldError.Forbidden(path.Child("persistentVolumeReclaimPolicy"), "may not be 'recycle' for a hostPath mount of '/'"));

        if (!string.IsNullOrEmpty(spec.StorageClassName))
            ValidateClassName(spec.StorageClassName, path.Child("storageClassName"), errors);

        if (spec.VolumeMode is not null && !VolumeModes.Contains(spec.VolumeMode))
            errors.Add(FieldError.NotSupported(path.Child("volumeMode"), spec.VolumeMode, VolumeModes));
    }

    private static object? Extra(Extensible e, string name)
        => e.Unknown is not null && e.Unknown.TryGetValue(name, out var v) && v.ValueKind != System.Text.Json.JsonValueKind.Null ? v : null;

    internal static void ValidateNfs(NFSVolumeSource nfs, FieldPath p, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(nfs.Server)) errors.Add(FieldError.Required(p.Child("server")));
        if (string.IsNullOrEmpty(nfs.Path)) errors.Add(FieldError.Required(p.Child("path")));
        if (!(nfs.Path ?? "").StartsWith('/')) errors.Add(FieldError.Invalid(p.Child("path"), nfs.Path ?? "", "must be an absolute path"));
    }

    internal static void ValidateHostPath(HostPathVolumeSource hp, FieldPath p, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(hp.Path)) { errors.Add(FieldError.Required(p.Child("path"))); return; }
        NoBacksteps(hp.Path, p.Child("path"), errors);
        if (hp.Type is not null && !HostPathTypes.Contains(hp.Type))
            errors.Add(FieldError.NotSupported(p.Child("type"), hp.Type, HostPathTypes));
    }

    /// <summary>validatePathNoBacksteps.</summary>
    internal static void NoBacksteps(string target, FieldPath p, List<FieldError> errors)
    {
        if (target.Replace('\\', '/').Split('/').Contains(".."))
            errors.Add(FieldError.Invalid(p, target, "must not contain '..'"));
    }

    private static string CleanPath(string p)
    {
        var parts = new List<string>();
        foreach (var seg in p.Split('/'))
        {
            if (seg is "" or ".") continue;
            if (seg == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(seg);
        }
        var r = (p.StartsWith('/') ? "/" : "") + string.Join("/", parts);
        return r.Length == 0 ? "." : r;
    }

    private static void ValidateVolumeNodeAffinity(VolumeNodeAffinity na, FieldPath p, List<FieldError> errors)
    {
        if (na.Required is null) { errors.Add(FieldError.Required(p.Child("required"), "must specify required node constraints")); return; }
        var terms = p.Child("required").Child("nodeSelectorTerms");
        if (na.Required.NodeSelectorTerms is null || na.Required.NodeSelectorTerms.Count == 0)
        {
            errors.Add(FieldError.Required(terms, "must have at least one node selector term"));
            return;
        }
        for (int i = 0; i < na.Required.NodeSelectorTerms.Count; i++)
        {
            var term = na.Required.NodeSelectorTerms[i];
            var tp = terms.Index(i);
            for (int j = 0; j < (term.MatchExpressions?.Count ?? 0); j++)
                ValidateNodeSelectorRequirement(term.MatchExpressions![j], tp.Child("matchExpressions").Index(j), errors);
            for (int j = 0; j < (term.MatchFields?.Count ?? 0); j++)
                ValidateNodeSelectorRequirement(term.MatchFields![j], tp.Child("matchFields").Index(j), errors);
        }
    }

    private static void ValidateNodeSelectorRequirement(NodeSelectorRequirement rq, FieldPath p, List<FieldError> errors)
    {
        int n = rq.Values?.Count ?? 0;
        switch (rq.Operator)
        {
            case "In" or "NotIn":
                if (n == 0) errors.Add(FieldError.Required(p.Child("values"), "must be specified when `operator` is 'In' or 'NotIn'"));
                break;
            case "Exists" or "DoesNotExist":
                if (n > 0) errors.Add(FieldError.Forbidden(p.Child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                break;
            case "Gt" or "Lt":
                if (n != 1) errors.Add(FieldError.Required(p.Child("values"), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
                break;
            default:
                errors.Add(FieldError.Invalid(p.Child("operator"), rq.Operator ?? "", "not a valid selector operator"));
                break;
        }
        // The key's label-name rules belong to the shared label validation (MetaValidation); not repeated here.
    }

    /// <summary>Go's %v of a ResourceList, simplified: map[storage:10Gi].</summary>
    internal static string FormatResourceList(Dictionary<string, Quantity>? list)
        => "map[" + string.Join(" ", (list ?? []).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + ":" + p.Value)) + "]";

    protected override void ValidateUpdate(PersistentVolume pv, PersistentVolume old, List<FieldError> errors)
    {
        var newSpec = pv.Spec ?? new PersistentVolumeSpec();
        var oldSpec = old.Spec ?? new PersistentVolumeSpec();
        var newSource = SourceOf(newSpec);
        var oldSource = SourceOf(oldSpec);
        // A CSI volume may gain a controllerExpandSecretRef.
        if (oldSource.CSI is { ControllerExpandSecretRef: null } && newSource.CSI is { ControllerExpandSecretRef: not null })
            newSource.CSI.ControllerExpandSecretRef = null;
        if (!SemanticEqual(newSource, oldSource))
            errors.Add(FieldError.Forbidden("spec.persistentvolumesource",
                "spec.persistentvolumesource is immutable after creation\n" + Diff(oldSource, newSource, "core.PersistentVolumeSource")));
        if (newSpec.VolumeMode != oldSpec.VolumeMode)
            errors.Add(FieldError.Invalid("volumeMode", newSpec.VolumeMode, FieldImmutable));
        if (oldSpec.NodeAffinity is not null && !SemanticEqual(newSpec.NodeAffinity, oldSpec.NodeAffinity))
            errors.Add(FieldError.Invalid("nodeAffinity",
                new GoValue(newSpec.NodeAffinity is null ? "nil" : System.Text.Encoding.UTF8.GetString(KubeJson.Serialize(newSpec.NodeAffinity))),
                FieldImmutable + "\n" + Diff(oldSpec.NodeAffinity, newSpec.NodeAffinity, "*core.VolumeNodeAffinity")));
    }

    /// <summary>The PersistentVolumeSource part of a spec (all source fields, including unknown in-tree ones).</summary>
    private static PersistentVolumeSourceOnly SourceOf(PersistentVolumeSpec spec)
    {
        var copy = Clone(spec);
        var s = new PersistentVolumeSourceOnly
        {
            HostPath = copy.HostPath, NFS = copy.NFS, RBD = copy.RBD, Local = copy.Local, CSI = copy.CSI, ISCSI = copy.ISCSI,
            CephFS = copy.CephFS, FC = copy.FC, FlexVolume = copy.FlexVolume, Glusterfs = copy.Glusterfs,
            AwsElasticBlockStore = copy.AwsElasticBlockStore, GcePersistentDisk = copy.GcePersistentDisk, AzureDisk = copy.AzureDisk,
            AzureFile = copy.AzureFile, Cinder = copy.Cinder, VsphereVolume = copy.VsphereVolume,
        };
        foreach (var k in new[] { "flocker", "quobyte", "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos" })
            if (copy.Unknown is not null && copy.Unknown.TryGetValue(k, out var v)) (s.Unknown ??= new())[k] = v;
        return s;
    }

    private sealed class PersistentVolumeSourceOnly : PersistentVolumeSourceFields { }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        new("Name", "string", "name", "Name must be unique within a namespace."),
        new("Capacity", "string", "", "capacity is the description of the persistent volume's resources and capacity."),
        new("Access Modes", "string", "", "accessModes contains all ways the volume can be mounted."),
        new("Reclaim Policy", "string", "", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."),
        new("Status", "string", "", "phase indicates if a volume is available, bound to a claim, or released by a claim."),
        new("Claim", "string", "", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
        new("StorageClass", "string", "", "StorageClass of the pv"),
        new("VolumeAttributesClass", "string", "", "VolumeAttributesClass of the pv"),
        new("Reason", "string", "", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
        new("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created."),
        new("VolumeMode", "string", "", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.", 1),
    ];

    protected override object?[] Row(PersistentVolume pv, DateTimeOffset now)
    {
        var spec = pv.Spec ?? new PersistentVolumeSpec();
        var claim = spec.ClaimRef is null ? "" : spec.ClaimRef.Namespace + "/" + spec.ClaimRef.Name;
        var storage = spec.Capacity is not null && spec.Capacity.TryGetValue(VolumeConstants.Storage, out var q) ? q.ToString() : "0";
        var phase = pv.Metadata.DeletionTimestamp is not null ? "Terminating" : pv.Status?.Phase ?? "";
        var cls = pv.Metadata.Annotation(BetaStorageClassAnnotation) ?? spec.StorageClassName ?? "";
        return
        [
            pv.Metadata.Name, storage, AccessModesShort(spec.AccessModes), spec.PersistentVolumeReclaimPolicy ?? "", phase, claim, cls,
            spec.VolumeAttributesClassName ?? Printing.Unset, pv.Status?.Reason ?? "", Printing.Age(pv.Metadata.CreationTimestamp, now),
            spec.VolumeMode ?? Printing.Unset,
        ];
    }
}
