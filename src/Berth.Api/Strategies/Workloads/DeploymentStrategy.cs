using Berth.Api.Apps;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Api.Validation;
using AppsDeploymentStrategy = Berth.Api.Apps.DeploymentStrategy;

namespace Berth.Api.Strategies.Workloads;

/// <summary>apps/v1 Deployment: SetDefaults_Deployment, ValidateDeployment(Update), printDeployment, /scale.</summary>
public sealed class DeploymentStrategy : ResourceStrategy<Deployment>
{
    protected override void PrepareForCreate(Deployment obj) => obj.Status = new DeploymentStatus();

    protected override void Default(Deployment obj)
    {
        var spec = obj.Spec ??= new DeploymentSpec();
        spec.Replicas ??= 1;
        var strategy = spec.Strategy ??= new AppsDeploymentStrategy();
        if (string.IsNullOrEmpty(strategy.Type)) strategy.Type = "RollingUpdate";
        if (strategy.Type == "RollingUpdate")
        {
            var ru = strategy.RollingUpdate ??= new RollingUpdateDeployment();
            ru.MaxUnavailable ??= IntOrString.FromString("25%");
            ru.MaxSurge ??= IntOrString.FromString("25%");
        }
        spec.RevisionHistoryLimit ??= 10;
        spec.ProgressDeadlineSeconds ??= 600;
        spec.Template ??= new PodTemplateSpec();
        PodSpecDefaults.Apply(spec.Template.Spec ??= new PodSpec());
    }

    protected override void Validate(Deployment obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? new DeploymentSpec();
        var path = FieldPath.Root.Child("spec");
        Util.NonNegative(spec.Replicas ?? 0, path.Child("replicas"), errors);

        if (spec.Selector is null) errors.Add(FieldError.Required(path.Child("selector")));
        else
        {
            LabelSelectors.Validate(spec.Selector, path.Child("selector"), errors);
            if ((spec.Selector.MatchLabels?.Count ?? 0) + (spec.Selector.MatchExpressions?.Count ?? 0) == 0)
                errors.Add(FieldError.Invalid(path.Child("selector"), GoFormat.LabelSelector(spec.Selector), "empty selector is invalid for deployment"));
        }

        var template = spec.Template ?? new PodTemplateSpec();
        var tpath = path.Child("template");
        if (!LabelSelectors.IsValid(spec.Selector))
            errors.Add(FieldError.Invalid(path.Child("selector"), GoFormat.LabelSelector(spec.Selector), "invalid label selector"));
        else
        {
            if (!LabelSelectors.IsEmpty(spec.Selector) && !LabelSelectors.Matches(spec.Selector, template.Metadata?.Labels))
                errors.Add(FieldError.Invalid(tpath.Child("metadata", "labels"), GoFormat.StringMap(template.Metadata?.Labels), "`selector` does not match template `labels`"));
            var podSpec = template.Spec ?? new PodSpec();
            PodSpecValidation.Validate(podSpec, tpath.Child("spec"), errors);
            if (podSpec.EphemeralContainers is { Count: > 0 })
                errors.Add(FieldError.Forbidden(tpath.Child("spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"));
            if (podSpec.RestartPolicy != "Always")
                errors.Add(FieldError.NotSupported(tpath.Child("spec", "restartPolicy"), podSpec.RestartPolicy ?? "", ["Always"]));
            if (podSpec.ActiveDeadlineSeconds is not null)
                errors.Add(FieldError.Forbidden(tpath.Child("spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in ReplicaSet is not Supported"));
        }

        var strategy = spec.Strategy ?? new AppsDeploymentStrategy();
        var spath = path.Child("strategy");
        switch (strategy.Type)
        {
            case "Recreate":
                if (strategy.RollingUpdate is not null)
                    errors.Add(FieldError.Forbidden(spath.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'"));
                break;
            case "RollingUpdate":
                if (strategy.RollingUpdate is not { } ru)
                    errors.Add(FieldError.Required(spath.Child("rollingUpdate"), "this should be defaulted and never be nil"));
                else
                {
                    var rpath = spath.Child("rollingUpdate");
                    var mu = ru.MaxUnavailable ?? IntOrString.FromInt(0);
                    var ms = ru.MaxSurge ?? IntOrString.FromInt(0);
                    Percent.ValidatePositiveIntOrPercent(mu, Shown(mu), rpath.Child("maxUnavailable"), errors);
                    Percent.ValidatePositiveIntOrPercent(ms, Shown(ms), rpath.Child("maxSurge"), errors);
                    if (Percent.Value(mu) == 0 && Percent.Value(ms) == 0)
                        errors.Add(FieldError.Invalid(rpath.Child("maxUnavailable"), Shown(mu), "may not be 0 when `maxSurge` is 0"));
                    Percent.NotMoreThan100(mu, Shown(mu), rpath.Child("maxUnavailable"), errors);
                }
                break;
            default:
                errors.Add(FieldError.NotSupported(spath, new GoValue($"apps.DeploymentStrategy{{Type:{FieldError.Quote(strategy.Type ?? "")}, RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}}"), ["Recreate", "RollingUpdate"]));
                break;
        }

        Util.NonNegative(spec.MinReadySeconds ?? 0, path.Child("minReadySeconds"), errors);
        if (spec.RevisionHistoryLimit is { } rhl) Util.NonNegative(rhl, path.Child("revisionHistoryLimit"), errors);
        if (spec.ProgressDeadlineSeconds is { } pds)
        {
            Util.NonNegative(pds, path.Child("progressDeadlineSeconds"), errors);
            if (pds <= (spec.MinReadySeconds ?? 0))
                errors.Add(FieldError.Invalid(path.Child("progressDeadlineSeconds"), pds, "must be greater than minReadySeconds"));
        }
    }

    /// <summary>intstr.IntOrString is a Stringer: field errors print 25% or 1 unquoted.</summary>
    private static GoValue Shown(IntOrString v) => new(v.ToString());

    protected override void ValidateUpdate(Deployment obj, Deployment old, List<FieldError> errors)
    {
        // apps/v1 forbids changing the selector.
        if (!Util.JsonEquals(obj.Spec?.Selector, old.Spec?.Selector))
            errors.Add(FieldError.Invalid(FieldPath.Root.Child("spec").Child("selector"), GoFormat.LabelSelector(obj.Spec?.Selector), "field is immutable"));
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Util.NameColumn,
        new("Ready", "string", "", "Number of the pod with ready state"),
        new("Up-to-date", "string", "", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
        new("Available", "string", "", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
        Util.AgeColumn,
        new("Containers", "string", "", "Names of each container in the template.", 1),
        new("Images", "string", "", "Images referenced by each container in the template.", 1),
        new("Selector", "string", "", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", 1),
    ];

    protected override object?[] Row(Deployment obj, DateTimeOffset now)
    {
        var status = obj.Status ?? new DeploymentStatus();
        var (names, images) = Util.ContainerCells(obj.Spec?.Template?.Spec?.Containers);
        var selector = LabelSelectors.IsValid(obj.Spec?.Selector) ? LabelSelectors.Format(obj.Spec?.Selector) : "<invalid>";
        return
        [
            obj.Metadata.Name,
            $"{status.ReadyReplicas ?? 0}/{obj.Spec?.Replicas ?? 1}",
            (long)(status.UpdatedReplicas ?? 0),
            (long)(status.AvailableReplicas ?? 0),
            Printing.Age(obj.Metadata.CreationTimestamp, now),
            names, images, selector,
        ];
    }

    public override IScaleAccessor? Scale { get; } = new ScaleAccessor();

    private sealed class ScaleAccessor : IScaleAccessor
    {
        public int GetReplicas(KubeObject obj) => ((Deployment)obj).Spec?.Replicas ?? 1;
        public void SetReplicas(KubeObject obj, int replicas) => (((Deployment)obj).Spec ??= new DeploymentSpec()).Replicas = replicas;
        public int GetStatusReplicas(KubeObject obj) => ((Deployment)obj).Status?.Replicas ?? 0;
        public string GetSelector(KubeObject obj) => LabelSelectors.Format(((Deployment)obj).Spec?.Selector);
    }
}
