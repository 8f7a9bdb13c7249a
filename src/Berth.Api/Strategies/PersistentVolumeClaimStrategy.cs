using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Api.Validation;
using static Berth.Api.Strategies.StrategySupport;

namespace Berth.Api.Strategies;

/// <summary>persistentvolumeclaims: pkg/registry/core/persistentvolumeclaim/strategy.go, SetDefaults_PersistentVolumeClaim(Spec), ValidatePersistentVolumeClaim(Update).</summary>
public sealed class PersistentVolumeClaimStrategy : ResourceStrategy<PersistentVolumeClaim>
{
    /// <summary>
    /// RecoverVolumeExpansionFailure: when on, a request may shrink down to (not to or below) status.capacity.
    /// Off by default, so shrinking a bound claim reports "field can not be less than previous value" (spec scenario 33).
    /// </summary>
    public bool RecoverFromExpansionFailure { get; init; }

    protected override void PrepareForCreate(PersistentVolumeClaim pvc)
    {
        pvc.Status = new PersistentVolumeClaimStatus { Phase = VolumeConstants.Pending };
        if (pvc.Spec is not null) NormalizeDataSources(pvc.Spec);
    }

    /// <summary>pvcutil.NormalizeDataSources (AnyVolumeDataSource is GA): keep dataSource and dataSourceRef in step.</summary>
    public static void NormalizeDataSources(PersistentVolumeClaimSpec spec)
    {
        if (spec.DataSource is not null && spec.DataSourceRef is null)
            spec.DataSourceRef = new TypedObjectReference { ApiGroup = spec.DataSource.ApiGroup, Kind = spec.DataSource.Kind, Name = spec.DataSource.Name };
        else if (spec.DataSourceRef is not null && spec.DataSource is null && string.IsNullOrEmpty(spec.DataSourceRef.Namespace))
            spec.DataSource = new TypedLocalObjectReference { ApiGroup = spec.DataSourceRef.ApiGroup, Kind = spec.DataSourceRef.Kind, Name = spec.DataSourceRef.Name };
    }

    protected override void Default(PersistentVolumeClaim pvc)
    {
        pvc.Status ??= new PersistentVolumeClaimStatus();
        if (string.IsNullOrEmpty(pvc.Status.Phase)) pvc.Status.Phase = VolumeConstants.Pending;
        var spec = pvc.Spec ??= new PersistentVolumeClaimSpec();
        spec.VolumeMode ??= VolumeConstants.Filesystem;
    }

    protected override void Validate(PersistentVolumeClaim pvc, List<FieldError> errors)
        => ValidateSpec(pvc.Spec ?? new PersistentVolumeClaimSpec(), new FieldPath("spec"), errors);

    /// <summary>ValidatePersistentVolumeClaimSpec; also used for StatefulSet volumeClaimTemplates.</summary>
    public static void ValidateSpec(PersistentVolumeClaimSpec spec, FieldPath path, List<FieldError> errors)
    {
        if (spec.AccessModes is null || spec.AccessModes.Count == 0)
            errors.Add(FieldError.Required(path.Child("accessModes"), "at least 1 access mode is required"));
        // spec.selector: label-selector validation belongs to the shared selector code (Berth.Api.Selectors), run by the server.
        ValidateAccessModes(spec.AccessModes, path.Child("accessModes"), errors);

        var storagePath = path.Child("resources").Key(VolumeConstants.Storage);
        if (spec.Resources?.Requests is null || !spec.Resources.Requests.TryGetValue(VolumeConstants.Storage, out var storage))
            errors.Add(FieldError.Required(storagePath));
        else
            ValidatePositive(storage, storagePath, errors);

        if (!string.IsNullOrEmpty(spec.StorageClassName))
            ValidateClassName(spec.StorageClassName, path.Child("storageClassName"), errors);
        if (spec.VolumeMode is not null && !VolumeModes.Contains(spec.VolumeMode))
            errors.Add(FieldError.NotSupported(path.Child("volumeMode"), spec.VolumeMode, VolumeModes));

        if (spec.DataSource is { } ds) ValidateDataSource(ds.ApiGroup, ds.Kind, ds.Name, path.Child("dataSource"), errors);
        if (spec.DataSourceRef is { } dsr) ValidateDataSource(dsr.ApiGroup, dsr.Kind, dsr.Name, path.Child("dataSourceRef"), errors);
        if (spec.DataSourceRef is { Namespace.Length: > 0 })
        {
            if (spec.DataSource is not null)
                errors.Add(FieldError.Invalid(path, new GoValue(path.Child("dataSource")), "may not be specified when dataSourceRef.namespace is specified"));
        }
        else if (spec.DataSource is not null && spec.DataSourceRef is not null)
        {
            if ((spec.DataSource.ApiGroup ?? "") != (spec.DataSourceRef.ApiGroup ?? "") || spec.DataSource.Kind != spec.DataSourceRef.Kind || spec.DataSource.Name != spec.DataSourceRef.Name)
                errors.Add(FieldError.Invalid(path, new GoValue(path.Child("dataSource")), "must match dataSourceRef"));
        }
    }

    private static void ValidateDataSource(string? apiGroup, string? kind, string? name, FieldPath p, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(name)) errors.Add(FieldError.Required(p.Child("name")));
        if (string.IsNullOrEmpty(kind)) errors.Add(FieldError.Required(p.Child("kind")));
        if (string.IsNullOrEmpty(apiGroup) && !string.IsNullOrEmpty(kind) && kind != "PersistentVolumeClaim")
            errors.Add(FieldError.Invalid(p, kind, "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
    }

    protected override void ValidateUpdate(PersistentVolumeClaim pvc, PersistentVolumeClaim old, List<FieldError> errors)
    {
        var newSpec = Clone(pvc.Spec ?? new PersistentVolumeClaimSpec());
        var oldSpec = Clone(old.Spec ?? new PersistentVolumeClaimSpec());

        // The binder sets volumeName once.
        if (string.IsNullOrEmpty(oldSpec.VolumeName)) oldSpec.VolumeName = newSpec.VolumeName;

        var oldAnn = old.Metadata.Annotation(BetaStorageClassAnnotation);
        var newAnn = pvc.Metadata.Annotation(BetaStorageClassAnnotation);
        if (oldAnn is not null && newAnn == oldAnn && old.Spec?.StorageClassName is null && pvc.Spec?.StorageClassName == oldAnn)
        {
            // Upgrade from the beta annotation to the field.
            newSpec.StorageClassName = null;
        }
        else
        {
            if (newAnn != oldAnn)
                errors.Add(FieldError.Forbidden("metadata.annotations." + BetaStorageClassAnnotation, FieldImmutable));
            // A claim created without a class may get one later (retroactive default StorageClass).
            if (oldAnn is null && old.Spec?.StorageClassName is null && !string.IsNullOrEmpty(pvc.Spec?.StorageClassName))
                newSpec.StorageClassName = null;
        }

        bool bound = pvc.Status?.Phase == VolumeConstants.Bound;
        if (bound && newSpec.Resources?.Requests is not null)
        {
            if (old.Spec?.Resources?.Requests is not null && old.Spec.Resources.Requests.TryGetValue(VolumeConstants.Storage, out var os))
                newSpec.Resources.Requests[VolumeConstants.Storage] = os;
            else
                newSpec.Resources.Requests.Remove(VolumeConstants.Storage);
        }
        if (bound && newSpec.VolumeAttributesClassName is not null)
            newSpec.VolumeAttributesClassName = oldSpec.VolumeAttributesClassName;

        Quantity oldSize = default, newSize = default, statusSize = default;
        old.Spec?.Resources?.Requests?.TryGetValue(VolumeConstants.Storage, out oldSize);
        pvc.Spec?.Resources?.Requests?.TryGetValue(VolumeConstants.Storage, out newSize);
        old.Status?.Capacity?.TryGetValue(VolumeConstants.Storage, out statusSize);

        if (!SemanticEqual(newSpec, oldSpec))
            errors.Add(FieldError.Forbidden("spec",
                "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n" + Diff(oldSpec, newSpec, "core.PersistentVolumeClaimSpec")));
        if (newSize < oldSize)
        {
            if (!RecoverFromExpansionFailure)
                errors.Add(FieldError.Forbidden("spec.resources.requests.storage", "field can not be less than previous value"));
            else if (newSize <= statusSize)
                errors.Add(FieldError.Forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"));
        }
        if (pvc.Spec?.VolumeMode != old.Spec?.VolumeMode)
            errors.Add(FieldError.Invalid("volumeMode", pvc.Spec?.VolumeMode, FieldImmutable));
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        new("Name", "string", "name", "Name must be unique within a namespace."),
        new("Status", "string", "", "phase represents the current phase of PersistentVolumeClaim."),
        new("Volume", "string", "", "volumeName is the binding reference to the PersistentVolume backing this claim."),
        new("Capacity", "string", "", "capacity represents the actual resources of the underlying volume."),
        new("Access Modes", "string", "", "accessModes contains the actual access modes the volume backing the PVC has."),
        new("StorageClass", "string", "", "StorageClass of the pvc"),
        new("VolumeAttributesClass", "string", "", "VolumeAttributesClass of the pvc"),
        new("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created."),
        new("VolumeMode", "string", "", "volumeMode defines what type of volume is required by the claim.", 1),
    ];

    protected override object?[] Row(PersistentVolumeClaim pvc, DateTimeOffset now)
    {
        var spec = pvc.Spec ?? new PersistentVolumeClaimSpec();
        var phase = pvc.Metadata.DeletionTimestamp is not null ? "Terminating" : pvc.Status?.Phase ?? "";
        string capacity = "", modes = "";
        if (!string.IsNullOrEmpty(spec.VolumeName))
        {
            modes = AccessModesShort(pvc.Status?.AccessModes);
            capacity = pvc.Status?.Capacity is not null && pvc.Status.Capacity.TryGetValue(VolumeConstants.Storage, out var q) ? q.ToString() : "0";
        }
        var cls = pvc.Metadata.Annotation(BetaStorageClassAnnotation) ?? spec.StorageClassName ?? "";
        return
        [
            pvc.Metadata.Name, phase, spec.VolumeName ?? "", capacity, modes, cls, spec.VolumeAttributesClassName ?? Printing.Unset,
            Printing.Age(pvc.Metadata.CreationTimestamp, now), spec.VolumeMode ?? Printing.Unset,
        ];
    }
}
