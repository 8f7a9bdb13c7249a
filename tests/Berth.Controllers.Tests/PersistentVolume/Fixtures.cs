using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Controllers.PersistentVolumes;

namespace Berth.Controllers.Tests.PersistentVolumes;

/// <summary>Terse builders for PVs and PVCs. Access modes are given in kubectl's short form: "RWO,RWX".</summary>
internal static class Fixtures
{
    public static List<string> Modes(string modes) => modes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(m => m switch
        {
            "RWO" => VolumeConstants.ReadWriteOnce,
            "ROX" => VolumeConstants.ReadOnlyMany,
            "RWX" => VolumeConstants.ReadWriteMany,
            "RWOP" => VolumeConstants.ReadWriteOncePod,
            _ => m,
        }).ToList();

    public static PersistentVolume Pv(string name, string size, string modes = "RWO", string? cls = "",
        string? phase = VolumeConstants.Available, Dictionary<string, string>? labels = null, ObjectReference? claimRef = null,
        string? volumeMode = null, bool deleting = false) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = name,
            Labels = labels,
            DeletionTimestamp = deleting ? DateTimeOffset.UnixEpoch : null,
        },
        Spec = new PersistentVolumeSpec
        {
            Capacity = new() { [VolumeConstants.Storage] = Quantity.Parse(size) },
            AccessModes = Modes(modes),
            StorageClassName = cls,
            ClaimRef = claimRef,
            VolumeMode = volumeMode,
            PersistentVolumeReclaimPolicy = VolumeConstants.Retain,
        },
        Status = new PersistentVolumeStatus { Phase = phase },
    };

    public static PersistentVolumeClaim Pvc(string name, string size, string modes = "RWO", string? cls = "",
        LabelSelector? selector = null, string ns = "default", string? uid = null, string? volumeMode = null,
        string? volumeName = null) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns, Uid = uid ?? "uid-" + name },
        Spec = new PersistentVolumeClaimSpec
        {
            AccessModes = Modes(modes),
            Resources = new VolumeResourceRequirements { Requests = new() { [VolumeConstants.Storage] = Quantity.Parse(size) } },
            StorageClassName = cls,
            Selector = selector,
            VolumeMode = volumeMode,
            VolumeName = volumeName,
        },
        Status = new PersistentVolumeClaimStatus { Phase = VolumeConstants.Pending },
    };

    public static ObjectReference Ref(string name, string ns = "default", string? uid = null)
        => new() { Kind = "PersistentVolumeClaim", Namespace = ns, Name = name, Uid = uid };

    public static Dictionary<string, string> Labels(string s) => s.Split(',', StringSplitOptions.RemoveEmptyEntries)
        .Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => kv[1]);

    public static LabelSelector Selector(string labels) => new() { MatchLabels = Labels(labels) };

    public static LabelSelector Expr(string key, string op, params string[] values)
        => new() { MatchExpressions = [new LabelSelectorRequirement { Key = key, Operator = op, Values = values.Length == 0 ? null : values.ToList() }] };

    public static VolumeIndex Index(params PersistentVolume[] pvs)
    {
        var idx = new VolumeIndex();
        foreach (var pv in pvs) idx.Upsert(pv);
        return idx;
    }
}
