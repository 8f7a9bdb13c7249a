using System.Globalization;
using Berth.Api.Apps;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Api.Validation;

namespace Berth.Api.Strategies.Workloads;

/// <summary>apps/v1 StatefulSet: SetDefaults_StatefulSet, ValidateStatefulSet(Update), printStatefulSet, /scale.</summary>
public sealed class StatefulSetStrategy : ResourceStrategy<StatefulSet>
{
    /// <summary>The immutability error text of ValidateStatefulSetUpdate in Kubernetes 1.32.</summary>
    public const string ImmutableSpecMessage =
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

    protected override void PrepareForCreate(StatefulSet obj)
    {
        // Create cannot set status; replicas and availableReplicas are always serialised.
        obj.Status = new StatefulSetStatus { Replicas = 0, AvailableReplicas = 0 };
    }

    protected override void Default(StatefulSet obj)
    {
        var spec = obj.Spec ??= new StatefulSetSpec();
        if (string.IsNullOrEmpty(spec.PodManagementPolicy)) spec.PodManagementPolicy = "OrderedReady";
        spec.UpdateStrategy ??= new StatefulSetUpdateStrategy();
        if (string.IsNullOrEmpty(spec.UpdateStrategy.Type))
        {
            spec.UpdateStrategy.Type = "RollingUpdate";
            spec.UpdateStrategy.RollingUpdate ??= new RollingUpdateStatefulSetStrategy();
        }
        if (spec.UpdateStrategy.Type == "RollingUpdate" && spec.UpdateStrategy.RollingUpdate is { } ru) ru.Partition ??= 0;
        spec.PersistentVolumeClaimRetentionPolicy ??= new StatefulSetPersistentVolumeClaimRetentionPolicy();
        if (string.IsNullOrEmpty(spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted)) spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted = "Retain";
        if (string.IsNullOrEmpty(spec.PersistentVolumeClaimRetentionPolicy.WhenScaled)) spec.PersistentVolumeClaimRetentionPolicy.WhenScaled = "Retain";
        spec.Replicas ??= 1;
        spec.RevisionHistoryLimit ??= 10;
        spec.Template ??= new PodTemplateSpec();
        PodSpecDefaults.Apply(spec.Template.Spec ??= new PodSpec());
        foreach (var pvc in spec.VolumeClaimTemplates ?? []) PodSpecDefaults.ClaimTemplate(pvc);
    }

    protected override void Validate(StatefulSet obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new StatefulSetSpec();
        var path = FieldPath.Root.Child("spec");

        switch (spec.PodManagementPolicy)
        {
            case null or "": errors.Add(FieldError.Required(path.Child("podManagementPolicy"))); break;
            case "OrderedReady" or "Parallel": break;
            default: errors.Add(FieldError.Invalid(path.Child("podManagementPolicy"), spec.PodManagementPolicy, "must be 'OrderedReady' or 'Parallel'")); break;
        }

        var strategy = spec.UpdateStrategy ?? new StatefulSetUpdateStrategy();
        var strategyPath = path.Child("updateStrategy");
        switch (strategy.Type)
        {
            case null or "":
                errors.Add(FieldError.Required(strategyPath));
                break;
            case "OnDelete":
                if (strategy.RollingUpdate is not null)
                    errors.Add(FieldError.Invalid(strategyPath.Child("rollingUpdate"), GoRollingUpdate(strategy.RollingUpdate), "only allowed for updateStrategy 'RollingUpdate'"));
                break;
            case "RollingUpdate":
                if (strategy.RollingUpdate is { } ru) ValidateRollingUpdate(ru, strategyPath.Child("rollingUpdate"), errors);
                break;
            default:
                var ruText = strategy.RollingUpdate is null ? "(*apps.RollingUpdateStatefulSetStrategy)(nil)" : "(*apps.RollingUpdateStatefulSetStrategy)(0xc000000000)";
                errors.Add(FieldError.Invalid(strategyPath, new GoValue($"apps.StatefulSetUpdateStrategy{{Type:{FieldError.Quote(strategy.Type)}, RollingUpdate:{ruText}}}"),
                    "must be 'RollingUpdate' or 'OnDelete'"));
                break;
        }

        if (spec.PersistentVolumeClaimRetentionPolicy is { } policy)
        {
            var pp = path.Child("persistentVolumeClaimRetentionPolicy");
            RetentionType(policy.WhenDeleted, pp.Child("whenDeleted"), errors);
            RetentionType(policy.WhenScaled, pp.Child("whenScaled"), errors);
        }

        Util.NonNegative(spec.Replicas ?? 0, path.Child("replicas"), errors);
        Util.NonNegative(spec.MinReadySeconds ?? 0, path.Child("minReadySeconds"), errors);
        if (spec.Ordinals is { } ord) Util.NonNegative(ord.Start ?? 0, path.Child("ordinals.start"), errors);

        if (spec.Selector is null) errors.Add(FieldError.Required(path.Child("selector")));
        else
        {
            LabelSelectors.Validate(spec.Selector, path.Child("selector"), errors);
            if ((spec.Selector.MatchLabels?.Count ?? 0) + (spec.Selector.MatchExpressions?.Count ?? 0) == 0)
                errors.Add(FieldError.Invalid(path.Child("selector"), GoFormat.LabelSelector(spec.Selector), "empty selector is invalid for statefulset"));
        }

        var template = spec.Template ?? new PodTemplateSpec();
        if (!LabelSelectors.IsValid(spec.Selector))
            errors.Add(FieldError.Invalid(path.Child("selector"), GoFormat.LabelSelector(spec.Selector), ""));
        else if (!LabelSelectors.IsEmpty(spec.Selector) && !LabelSelectors.Matches(spec.Selector, template.Metadata?.Labels))
            errors.Add(FieldError.Invalid(path.Child("template", "metadata", "labels"), GoFormat.StringMap(template.Metadata?.Labels), "`selector` does not match template `labels`"));

        var podSpec = template.Spec ?? new PodSpec();
        if (podSpec.RestartPolicy != "Always")
            errors.Add(FieldError.NotSupported(path.Child("template", "spec", "restartPolicy"), podSpec.RestartPolicy ?? "", ["Always"]));
        if (podSpec.ActiveDeadlineSeconds is not null)
            errors.Add(FieldError.Forbidden(path.Child("template", "spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in StatefulSet is not Supported"));
    }

    private static void RetentionType(string? value, FieldPath path, List<FieldError> errors)
    {
        if (value is not ("Retain" or "Delete")) errors.Add(FieldError.NotSupported(path, value ?? "", ["Retain", "Delete"]));
    }

    private static void ValidateRollingUpdate(RollingUpdateStatefulSetStrategy ru, FieldPath path, List<FieldError> errors)
    {
        Util.NonNegative(ru.Partition ?? 0, path.Child("partition"), errors);
        if (ru.MaxUnavailable is { } mu)
        {
            var p = path.Child("maxUnavailable");
            var shown = GoFormat.IntOrString(mu);
            Percent.ValidatePositiveIntOrPercent(mu, shown, p, errors);
            if (Percent.Value(mu) == 0) errors.Add(FieldError.Invalid(p, shown, "cannot be 0"));
            Percent.NotMoreThan100(mu, shown, p, errors);
        }
    }

    private static GoValue GoRollingUpdate(RollingUpdateStatefulSetStrategy ru)
    {
        var mu = ru.MaxUnavailable is null ? "(*intstr.IntOrString)(nil)" : "(*intstr.IntOrString)(0xc000000000)";
        return new($"apps.RollingUpdateStatefulSetStrategy{{Partition:{(ru.Partition ?? 0).ToString(CultureInfo.InvariantCulture)}, MaxUnavailable:{mu}}}");
    }

    protected override void ValidateUpdate(StatefulSet obj, StatefulSet old, List<FieldError> errors)
    {
        var spec = Util.Clone(obj.Spec ?? new StatefulSetSpec());
        var oldSpec = old.Spec ?? new StatefulSetSpec();
        spec.Replicas = oldSpec.Replicas;
        spec.Template = oldSpec.Template;
        spec.UpdateStrategy = oldSpec.UpdateStrategy;
        spec.MinReadySeconds = oldSpec.MinReadySeconds;
        spec.Ordinals = oldSpec.Ordinals;
        spec.PersistentVolumeClaimRetentionPolicy = oldSpec.PersistentVolumeClaimRetentionPolicy;
        if (!Util.JsonEquals(spec, oldSpec))
            errors.Add(FieldError.Forbidden(FieldPath.Root.Child("spec"), ImmutableSpecMessage));
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Util.NameColumn,
        new("Ready", "string", "", "Number of the pod with ready state"),
        Util.AgeColumn,
        new("Containers", "string", "", "Names of each container in the template.", 1),
        new("Images", "string", "", "Images referenced by each container in the template.", 1),
    ];

    protected override object?[] Row(StatefulSet obj, DateTimeOffset now)
    {
        var (names, images) = Util.ContainerCells(obj.Spec?.Template?.Spec?.Containers);
        return
        [
            obj.Metadata.Name,
            $"{obj.Status?.ReadyReplicas ?? 0}/{obj.Spec?.Replicas ?? 1}",
            Printing.Age(obj.Metadata.CreationTimestamp, now),
            names, images,
        ];
    }

    public override IScaleAccessor? Scale { get; } = new ScaleAccessor();

    private sealed class ScaleAccessor : IScaleAccessor
    {
        public int GetReplicas(KubeObject obj) => ((StatefulSet)obj).Spec?.Replicas ?? 1;
        public void SetReplicas(KubeObject obj, int replicas) => (((StatefulSet)obj).Spec ??= new StatefulSetSpec()).Replicas = replicas;
        public int GetStatusReplicas(KubeObject obj) => ((StatefulSet)obj).Status?.Replicas ?? 0;
        public string GetSelector(KubeObject obj) => LabelSelectors.Format(((StatefulSet)obj).Spec?.Selector);
    }
}

/// <summary>IntOrString percent helpers of apps validation (ValidatePositiveIntOrPercent, IsNotMoreThan100Percent).</summary>
internal static class Percent
{
    public const string InvalidPercent =
        "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

    private static bool TryPercent(IntOrString v, out int value)
    {
        value = 0;
        return v.IsString && System.Text.RegularExpressions.Regex.IsMatch(v.StrVal, "^[0-9]+%$")
            && int.TryParse(v.StrVal[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>getIntOrPercentValue.</summary>
    public static int Value(IntOrString v) => TryPercent(v, out var p) ? p : v.IntVal;

    /// <summary>
    /// ValidatePositiveIntOrPercent. Upstream's third case ("must be an integer or percentage") needs an IntOrString of
    /// neither type; the JSON decoder refuses such a value before validation.
    /// </summary>
    public static void ValidatePositiveIntOrPercent(IntOrString v, object shown, FieldPath path, List<FieldError> errors)
    {
        if (v.IsString)
        {
            if (!TryPercent(v, out _)) errors.Add(FieldError.Invalid(path, shown, InvalidPercent));
        }
        else Util.NonNegative(v.IntVal, path, errors);
    }

    public static void NotMoreThan100(IntOrString v, object shown, FieldPath path, List<FieldError> errors)
    {
        if (TryPercent(v, out var p) && p > 100) errors.Add(FieldError.Invalid(path, shown, "must not be greater than 100%"));
    }
}
