using Berth.Api.Core;
using Berth.Api.Registry;
using Berth.Api.Storage;
using Berth.Api.Validation;
using static Berth.Api.Strategies.StrategySupport;

namespace Berth.Api.Strategies;

/// <summary>storageclasses: pkg/registry/storage/storageclass/strategy.go, SetDefaults_StorageClass, ValidateStorageClass(Update).</summary>
public sealed class StorageClassStrategy : ResourceStrategy<StorageClass>
{
    private static readonly string[] ReclaimPolicies = [VolumeConstants.Delete, VolumeConstants.Retain];
    private static readonly string[] BindingModes = [VolumeBindingModes.Immediate, VolumeBindingModes.WaitForFirstConsumer];
    private const int MaxParameterCount = 512;
    private const int MaxParameterSize = 256 * 1024;

    protected override void Default(StorageClass sc)
    {
        sc.ReclaimPolicy ??= VolumeConstants.Delete;
        sc.VolumeBindingMode ??= VolumeBindingModes.Immediate;
    }

    protected override void Validate(StorageClass sc, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(sc.Provisioner))
            errors.Add(FieldError.Required("provisioner"));
        // A non-empty provisioner must also be a qualified name (ValidateQualifiedName): left to the shared name validation.

        var parameters = sc.Parameters ?? [];
        if (parameters.Count > MaxParameterCount)
            errors.Add(FieldError.TooLong("parameters", "Provisioner Parameters exceeded max allowed", MaxParameterCount));
        else
        {
            long total = 0;
            foreach (var (k, v) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (k.Length < 1) errors.Add(FieldError.Invalid("parameters", k, "field can not be empty."));
                total += k.Length + v.Length;
            }
            if (total > MaxParameterSize) errors.Add(FieldError.TooLong("parameters", "", MaxParameterSize));
        }

        if (!string.IsNullOrEmpty(sc.ReclaimPolicy) && !ReclaimPolicies.Contains(sc.ReclaimPolicy))
            errors.Add(FieldError.NotSupported("reclaimPolicy", sc.ReclaimPolicy, ReclaimPolicies));

        if (sc.VolumeBindingMode is null)
            errors.Add(FieldError.Required("volumeBindingMode"));
        else if (!BindingModes.Contains(sc.VolumeBindingMode))
            errors.Add(FieldError.NotSupported("volumeBindingMode", sc.VolumeBindingMode, BindingModes));

        ValidateAllowedTopologies(sc.AllowedTopologies, new FieldPath("allowedTopologies"), errors);
    }

    private static void ValidateAllowedTopologies(List<TopologySelectorTerm>? terms, FieldPath p, List<FieldError> errors)
    {
        if (terms is null || terms.Count == 0) return;
        var seen = new List<Dictionary<string, HashSet<string>>>();
        for (int i = 0; i < terms.Count; i++)
        {
            var idx = p.Index(i);
            var exprMap = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            var exprs = terms[i].MatchLabelExpressions ?? [];
            for (int j = 0; j < exprs.Count; j++)
            {
                var rq = exprs[j];
                var rp = idx.Child("matchLabelExpressions").Index(j);
                var values = new HashSet<string>(StringComparer.Ordinal);
                if (rq.Values is null || rq.Values.Count == 0)
                    errors.Add(FieldError.Required(rp.Child("values"), "must specify as least one value"));
                for (int k = 0; k < (rq.Values?.Count ?? 0); k++)
                    if (!values.Add(rq.Values![k])) errors.Add(FieldError.Duplicate(rp.Child("values").Index(k), rq.Values[k]));
                var key = rq.Key ?? "";
                if (exprMap.ContainsKey(key)) errors.Add(FieldError.Duplicate(rp.Child("key"), key));
                exprMap[key] = values;
            }
            foreach (var t in seen)
                if (t.Count == exprMap.Count && t.All(kv => exprMap.TryGetValue(kv.Key, out var v) && v.SetEquals(kv.Value)))
                    errors.Add(FieldError.Duplicate(idx.Child("matchLabelExpressions"), ""));
            seen.Add(exprMap);
        }
    }

    protected override void ValidateUpdate(StorageClass sc, StorageClass old, List<FieldError> errors)
    {
        if (!DictEqual(sc.Parameters, old.Parameters, (a, b) => a == b))
            errors.Add(FieldError.Forbidden("parameters", "updates to parameters are forbidden."));
        if ((sc.Provisioner ?? "") != (old.Provisioner ?? ""))
            errors.Add(FieldError.Forbidden("provisioner", "updates to provisioner are forbidden."));
        if (sc.ReclaimPolicy != old.ReclaimPolicy)
            errors.Add(FieldError.Forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
        if (sc.VolumeBindingMode != old.VolumeBindingMode)
            errors.Add(FieldError.Invalid("volumeBindingMode", sc.VolumeBindingMode, FieldImmutable));
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        new("Name", "string", "name", "Name must be unique within a namespace."),
        new("Provisioner", "string", "", "provisioner indicates the type of the provisioner."),
        new("ReclaimPolicy", "string", "", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete."),
        new("VolumeBindingMode", "string", "", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound. When unset, VolumeBindingImmediate is used."),
        new("AllowVolumeExpansion", "string", "", "allowVolumeExpansion shows whether the storage class allow volume expand."),
        new("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created."),
    ];

    protected override object?[] Row(StorageClass sc, DateTimeOffset now)
        =>
        [
            sc.IsDefault ? sc.Metadata.Name + " (default)" : sc.Metadata.Name,
            sc.Provisioner ?? "",
            sc.ReclaimPolicy ?? VolumeConstants.Delete,
            sc.VolumeBindingMode ?? VolumeBindingModes.Immediate,
            sc.AllowVolumeExpansion ?? false,
            Printing.Age(sc.Metadata.CreationTimestamp, now),
        ];
}
