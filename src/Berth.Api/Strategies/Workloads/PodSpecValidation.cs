using Berth.Api.Core;
using Berth.Api.Validation;

namespace Berth.Api.Strategies.Workloads;

/// <summary>The parts of upstream's ValidatePodSpec that matter here, with upstream's paths, order and texts.</summary>
internal static class PodSpecValidation
{
    private static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];

    public static void Validate(PodSpec spec, FieldPath path, List<FieldError> errors)
    {
        if (spec.TerminationGracePeriodSeconds is null) errors.Add(FieldError.Required(path.Child("terminationGracePeriodSeconds")));
        var volumes = Volumes(spec.Volumes, path.Child("volumes"), errors);
        Containers(spec, volumes, path.Child("containers"), errors);
        InitContainers(spec, volumes, path.Child("initContainers"), errors);

        switch (spec.RestartPolicy)
        {
            case "Always" or "OnFailure" or "Never": break;
            case null or "": errors.Add(FieldError.Required(path.Child("restartPolicy"))); break;
            default: errors.Add(FieldError.NotSupported(path.Child("restartPolicy"), spec.RestartPolicy, ["Always", "OnFailure", "Never"])); break;
        }
        switch (spec.DnsPolicy)
        {
            case "ClusterFirstWithHostNet" or "ClusterFirst" or "Default" or "None": break;
            case null or "": errors.Add(FieldError.Required(path.Child("dnsPolicy"))); break;
            default: errors.Add(FieldError.NotSupported(path.Child("dnsPolicy"), spec.DnsPolicy, ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"])); break;
        }
        if (!string.IsNullOrEmpty(spec.ServiceAccountName)) Util.Dns1123Subdomain(spec.ServiceAccountName, path.Child("serviceAccountName"), errors);
        if (!string.IsNullOrEmpty(spec.NodeName)) Util.Dns1123Subdomain(spec.NodeName, path.Child("nodeName"), errors);
        if (spec.ActiveDeadlineSeconds is { } ads && (ads < 1 || ads > int.MaxValue))
            errors.Add(FieldError.Invalid(path.Child("activeDeadlineSeconds"), ads, $"must be between 1 and {int.MaxValue}, inclusive"));
        if (!string.IsNullOrEmpty(spec.Hostname)) Util.Dns1123Label(spec.Hostname, path.Child("hostname"), errors);
        if (!string.IsNullOrEmpty(spec.Subdomain)) Util.Dns1123Label(spec.Subdomain, path.Child("subdomain"), errors);
        if (!string.IsNullOrEmpty(spec.PriorityClassName)) Util.Dns1123Subdomain(spec.PriorityClassName, path.Child("priorityClassName"), errors);
        if (spec.PreemptionPolicy is { } pp && pp is not ("Never" or "PreemptLowerPriority"))
            errors.Add(FieldError.NotSupported(path.Child("preemptionPolicy"), pp, ["Never", "PreemptLowerPriority"]));
    }

    /// <summary>validateVolumes: returns the names of the volumes that validated cleanly (mounts may only name those).</summary>
    private static HashSet<string> Volumes(List<Volume>? volumes, FieldPath path, List<FieldError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < (volumes?.Count ?? 0); i++)
        {
            var v = volumes![i];
            var idx = path.Index(i);
            var el = new List<FieldError>();
            VolumeSource(v, idx, el);
            var namePath = idx.Child("name");
            if (string.IsNullOrEmpty(v.Name)) el.Add(FieldError.Required(namePath));
            else Util.Dns1123Label(v.Name, namePath, el);
            if (v.Name is not null && names.Contains(v.Name)) el.Add(FieldError.Duplicate(namePath, v.Name));
            if (el.Count == 0) names.Add(v.Name!);
            else errors.AddRange(el);
        }
        return names;
    }

    private static void VolumeSource(Volume v, FieldPath path, List<FieldError> errors)
    {
        int n = 0;
        foreach (var s in VolumeSources.All)
        {
            var value = s.Get(v);
            if (value is null) continue;
            if (n > 0) { errors.Add(FieldError.Forbidden(path.Child(s.Name), "may not specify more than 1 volume type")); continue; }
            n++;
            var p = path.Child(s.Name);
            switch (value)
            {
                case HostPathVolumeSource hp:
                    if (string.IsNullOrEmpty(hp.Path)) { errors.Add(FieldError.Required(p.Child("path"))); break; }
                    if (hp.Path.Split('/', '\\').Contains("..")) errors.Add(FieldError.Invalid(p.Child("path"), hp.Path, "must not contain '..'"));
                    if (hp.Type is { } t && t is not ("" or "DirectoryOrCreate" or "Directory" or "FileOrCreate" or "File" or "Socket" or "CharDevice" or "BlockDevice"))
                        errors.Add(FieldError.NotSupported(p.Child("type"), t, ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"]));
                    break;
                case NFSVolumeSource nfs:
                    if (string.IsNullOrEmpty(nfs.Server)) errors.Add(FieldError.Required(p.Child("server")));
                    if (string.IsNullOrEmpty(nfs.Path)) errors.Add(FieldError.Required(p.Child("path")));
                    if (!(nfs.Path ?? "").StartsWith('/')) errors.Add(FieldError.Invalid(p.Child("path"), nfs.Path ?? "", "must be an absolute path"));
                    break;
                case PersistentVolumeClaimVolumeSource pvc:
                    if (string.IsNullOrEmpty(pvc.ClaimName)) errors.Add(FieldError.Required(p.Child("claimName")));
                    break;
                case RBDVolumeSource rbd:
                    if (rbd.Monitors is null || rbd.Monitors.Count == 0) errors.Add(FieldError.Required(p.Child("monitors")));
                    if (string.IsNullOrEmpty(rbd.Image)) errors.Add(FieldError.Required(p.Child("image")));
                    break;
                case SecretVolumeSource sec:
                    if (string.IsNullOrEmpty(sec.SecretName)) errors.Add(FieldError.Required(p.Child("secretName")));
                    FileMode(sec.DefaultMode, p.Child("defaultMode"), errors);
                    break;
                case ConfigMapVolumeSource cm:
                    if (string.IsNullOrEmpty(cm.Name)) errors.Add(FieldError.Required(p.Child("name")));
                    FileMode(cm.DefaultMode, p.Child("defaultMode"), errors);
                    break;
            }
        }
        foreach (var legacy in VolumeSources.LegacyNames.Where(k => v.Unknown?.ContainsKey(k) == true))
        {
            if (n > 0) errors.Add(FieldError.Forbidden(path.Child(legacy), "may not specify more than 1 volume type"));
            n++;
        }
        if (n == 0) errors.Add(FieldError.Required(path, "must specify a volume type"));
    }

    private static void FileMode(int? mode, FieldPath path, List<FieldError> errors)
    {
        if (mode is { } m && (m > 511 || m < 0))
            errors.Add(FieldError.Invalid(path, m, "must be a number between 0 and 0777 (octal), both inclusive"));
    }

    private static void Containers(PodSpec spec, HashSet<string> volumes, FieldPath path, List<FieldError> errors)
    {
        var containers = spec.Containers ?? [];
        if (containers.Count == 0) errors.Add(FieldError.Required(path));
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < containers.Count; i++)
        {
            var c = containers[i];
            var p = path.Index(i);
            Common(c, volumes, p, errors);
            if (names.Contains(c.Name ?? "")) errors.Add(FieldError.Duplicate(p.Child("name"), c.Name ?? ""));
            else names.Add(c.Name ?? "");
            Probe(c.LivenessProbe, p.Child("livenessProbe"), errors, mustSucceedOnce: true);
            Probe(c.ReadinessProbe, p.Child("readinessProbe"), errors, mustSucceedOnce: false);
            if (c.ReadinessProbe?.TerminationGracePeriodSeconds is { } rg)
                errors.Add(FieldError.Invalid(p.Child("readinessProbe", "terminationGracePeriodSeconds"), rg, "must not be set for readinessProbes"));
            Probe(c.StartupProbe, p.Child("startupProbe"), errors, mustSucceedOnce: true);
            if (c.RestartPolicy is not null) errors.Add(FieldError.Forbidden(p.Child("restartPolicy"), "may not be set for non-init containers"));
        }
    }

    private static void InitContainers(PodSpec spec, HashSet<string> volumes, FieldPath path, List<FieldError> errors)
    {
        var names = new HashSet<string>((spec.Containers ?? []).Select(c => c.Name ?? ""), StringComparer.Ordinal);
        var inits = spec.InitContainers ?? [];
        for (int i = 0; i < inits.Count; i++)
        {
            var c = inits[i];
            var p = path.Index(i);
            Common(c, volumes, p, errors);
            if (names.Contains(c.Name ?? "")) errors.Add(FieldError.Duplicate(p.Child("name"), c.Name ?? ""));
            else names.Add(c.Name ?? "");
            if (c.RestartPolicy is { } rp && rp != "Always") errors.Add(FieldError.NotSupported(p.Child("restartPolicy"), rp, ["Always"]));
            if (c.RestartPolicy == "Always")
            {
                Probe(c.LivenessProbe, p.Child("livenessProbe"), errors, mustSucceedOnce: true);
                Probe(c.ReadinessProbe, p.Child("readinessProbe"), errors, mustSucceedOnce: false);
                Probe(c.StartupProbe, p.Child("startupProbe"), errors, mustSucceedOnce: true);
            }
            else
            {
                if (c.Lifecycle is not null) errors.Add(FieldError.Forbidden(p.Child("lifecycle"), "may not be set for init containers without restartPolicy=Always"));
                if (c.LivenessProbe is not null) errors.Add(FieldError.Forbidden(p.Child("livenessProbe"), "may not be set for init containers without restartPolicy=Always"));
                if (c.ReadinessProbe is not null) errors.Add(FieldError.Forbidden(p.Child("readinessProbe"), "may not be set for init containers without restartPolicy=Always"));
                if (c.StartupProbe is not null) errors.Add(FieldError.Forbidden(p.Child("startupProbe"), "may not be set for init containers without restartPolicy=Always"));
            }
        }
    }

    /// <summary>validateContainerCommon.</summary>
    private static void Common(Container c, HashSet<string> volumes, FieldPath path, List<FieldError> errors)
    {
        var namePath = path.Child("name");
        if (string.IsNullOrEmpty(c.Name)) errors.Add(FieldError.Required(namePath));
        else Util.Dns1123Label(c.Name, namePath, errors);
        if (string.IsNullOrEmpty(c.Image)) errors.Add(FieldError.Required(path.Child("image")));
        switch (c.TerminationMessagePolicy)
        {
            case "File" or "FallbackToLogsOnError": break;
            case null or "": errors.Add(FieldError.Required(path.Child("terminationMessagePolicy"))); break;
            default: errors.Add(FieldError.NotSupported(path.Child("terminationMessagePolicy"), c.TerminationMessagePolicy, ["File", "FallbackToLogsOnError"])); break;
        }
        Ports(c.Ports, path.Child("ports"), errors);
        Env(c.Env, path.Child("env"), errors);
        Mounts(c.VolumeMounts, volumes, path.Child("volumeMounts"), errors);
        switch (c.ImagePullPolicy)
        {
            case "Always" or "IfNotPresent" or "Never": break;
            case null or "": errors.Add(FieldError.Required(path.Child("imagePullPolicy"))); break;
            default: errors.Add(FieldError.NotSupported(path.Child("imagePullPolicy"), c.ImagePullPolicy, ["Always", "IfNotPresent", "Never"])); break;
        }
    }

    private static void Ports(List<ContainerPort>? ports, FieldPath path, List<FieldError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < (ports?.Count ?? 0); i++)
        {
            var port = ports![i];
            var p = path.Index(i);
            if (!string.IsNullOrEmpty(port.Name))
            {
                var msgs = Util.PortName(port.Name);
                if (msgs.Count > 0) foreach (var m in msgs) errors.Add(FieldError.Invalid(p.Child("name"), port.Name, m));
                else if (!names.Add(port.Name)) errors.Add(FieldError.Duplicate(p.Child("name"), port.Name));
            }
            if ((port.ContainerPortNumber ?? 0) == 0) errors.Add(FieldError.Required(p.Child("containerPort")));
            else foreach (var m in Util.PortNum(port.ContainerPortNumber!.Value)) errors.Add(FieldError.Invalid(p.Child("containerPort"), port.ContainerPortNumber.Value, m));
            if (port.HostPort is { } hp && hp != 0)
                foreach (var m in Util.PortNum(hp)) errors.Add(FieldError.Invalid(p.Child("hostPort"), hp, m));
            if (string.IsNullOrEmpty(port.Protocol)) errors.Add(FieldError.Required(p.Child("protocol")));
            else if (!Protocols.Contains(port.Protocol)) errors.Add(FieldError.NotSupported(p.Child("protocol"), port.Protocol, Protocols));
        }
    }

    private static void Env(List<EnvVar>? env, FieldPath path, List<FieldError> errors)
    {
        for (int i = 0; i < (env?.Count ?? 0); i++)
        {
            var e = env![i];
            var p = path.Index(i);
            if (string.IsNullOrEmpty(e.Name)) errors.Add(FieldError.Required(p.Child("name")));
            if (e.ValueFrom is { } vf)
            {
                int n = (vf.FieldRef is null ? 0 : 1) + (vf.ResourceFieldRef is null ? 0 : 1) + (vf.ConfigMapKeyRef is null ? 0 : 1) + (vf.SecretKeyRef is null ? 0 : 1);
                if (!string.IsNullOrEmpty(e.Value) && n != 0)
                    errors.Add(FieldError.Invalid(p.Child("valueFrom"), "", "may not be specified when `value` is not empty"));
                if (n == 0)
                    errors.Add(FieldError.Invalid(p.Child("valueFrom"), "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
                else if (n > 1)
                    errors.Add(FieldError.Invalid(p.Child("valueFrom"), "", "may not have more than one field specified at a time"));
                if (vf.FieldRef is { } f && string.IsNullOrEmpty(f.FieldPath)) errors.Add(FieldError.Required(p.Child("valueFrom", "fieldRef", "fieldPath")));
            }
        }
    }

    private static void Mounts(List<VolumeMount>? mounts, HashSet<string> volumes, FieldPath path, List<FieldError> errors)
    {
        var points = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < (mounts?.Count ?? 0); i++)
        {
            var m = mounts![i];
            var p = path.Index(i);
            if (string.IsNullOrEmpty(m.Name)) errors.Add(FieldError.Required(p.Child("name")));
            if (!volumes.Contains(m.Name ?? "")) errors.Add(FieldError.NotFound(p.Child("name"), m.Name ?? ""));
            if (string.IsNullOrEmpty(m.MountPath)) errors.Add(FieldError.Required(p.Child("mountPath")));
            if (!points.Add(m.MountPath ?? "")) errors.Add(FieldError.Invalid(p.Child("mountPath"), m.MountPath ?? "", "must be unique"));
            if (!string.IsNullOrEmpty(m.SubPath) && !string.IsNullOrEmpty(m.SubPathExpr))
                errors.Add(FieldError.Invalid(p.Child("subPathExpr"), m.SubPathExpr, "subPathExpr and subPath are mutually exclusive"));
        }
    }

    private static void Probe(Probe? probe, FieldPath path, List<FieldError> errors, bool mustSucceedOnce)
    {
        if (probe is null) return;
        int n = 0;
        if (probe.Exec is { } exec)
        {
            n++;
            if (exec.Command is null || exec.Command.Count == 0) errors.Add(FieldError.Required(path.Child("exec", "command")));
        }
        if (probe.HttpGet is { } http)
        {
            if (n++ > 0) errors.Add(FieldError.Forbidden(path.Child("httpGet"), "may not specify more than 1 handler type"));
            else
            {
                if (string.IsNullOrEmpty(http.Path)) errors.Add(FieldError.Required(path.Child("httpGet", "path")));
                Util.PortNumOrName(http.Port, path.Child("httpGet", "port"), errors);
                if (http.Scheme is { } s && s is not ("HTTP" or "HTTPS")) errors.Add(FieldError.NotSupported(path.Child("httpGet", "scheme"), s, ["HTTP", "HTTPS"]));
            }
        }
        if (probe.TcpSocket is { } tcp)
        {
            if (n++ > 0) errors.Add(FieldError.Forbidden(path.Child("tcpSocket"), "may not specify more than 1 handler type"));
            else Util.PortNumOrName(tcp.Port, path.Child("tcpSocket", "port"), errors);
        }
        if (probe.Grpc is { } grpc)
        {
            if (n++ > 0) errors.Add(FieldError.Forbidden(path.Child("grpc"), "may not specify more than 1 handler type"));
            else foreach (var m in Util.PortNum(grpc.Port ?? 0)) errors.Add(FieldError.Invalid(path.Child("grpc", "port"), grpc.Port ?? 0, m));
        }
        if (n == 0) errors.Add(FieldError.Required(path, "must specify a handler type"));
        Util.NonNegative(probe.InitialDelaySeconds ?? 0, path.Child("initialDelaySeconds"), errors);
        Util.NonNegative(probe.TimeoutSeconds ?? 0, path.Child("timeoutSeconds"), errors);
        Util.NonNegative(probe.PeriodSeconds ?? 0, path.Child("periodSeconds"), errors);
        Util.NonNegative(probe.SuccessThreshold ?? 0, path.Child("successThreshold"), errors);
        Util.NonNegative(probe.FailureThreshold ?? 0, path.Child("failureThreshold"), errors);
        if (probe.TerminationGracePeriodSeconds is { } g && g <= 0)
            errors.Add(FieldError.Invalid(path.Child("terminationGracePeriodSeconds"), g, "must be greater than 0"));
        if (mustSucceedOnce && probe.SuccessThreshold is { } st && st != 1)
            errors.Add(FieldError.Invalid(path.Child("successThreshold"), st, "must be 1"));
    }
}

internal static class FieldPathExtensions
{
    public static FieldPath Child(this FieldPath p, string a, string b) => p.Child(a).Child(b);
    public static FieldPath Child(this FieldPath p, string a, string b, string c) => p.Child(a).Child(b).Child(c);
}
