using Berth.Api.Core;
using Berth.Api.Meta;

namespace Berth.Api.Strategies.Workloads;

/// <summary>
/// core/v1 SetDefaults_* for a PodSpec and everything inside it (pkg/apis/core/v1/defaults.go), applied to pods
/// and to the pod templates of workloads alike. Pod-only defaults live in <see cref="PodStrategy"/>.
/// </summary>
internal static class PodSpecDefaults
{
    public const int DefaultFileMode = 420; // 0644

    public static void Apply(PodSpec spec)
    {
        // SetDefaults_PodSpec
        if (string.IsNullOrEmpty(spec.DnsPolicy)) spec.DnsPolicy = "ClusterFirst";
        if (string.IsNullOrEmpty(spec.RestartPolicy)) spec.RestartPolicy = "Always";
        spec.SecurityContext ??= new PodSecurityContext();
        spec.TerminationGracePeriodSeconds ??= 30;
        if (string.IsNullOrEmpty(spec.SchedulerName)) spec.SchedulerName = "default-scheduler";
        // The v1 conversion keeps the deprecated serviceAccount alias equal to serviceAccountName.
        if (string.IsNullOrEmpty(spec.ServiceAccountName) && !string.IsNullOrEmpty(spec.ServiceAccount)) spec.ServiceAccountName = spec.ServiceAccount;
        spec.ServiceAccount = string.IsNullOrEmpty(spec.ServiceAccountName) ? null : spec.ServiceAccountName;

        foreach (var c in spec.Containers ?? []) Container(c);
        foreach (var c in spec.InitContainers ?? []) Container(c);
        foreach (var v in spec.Volumes ?? []) Volume(v);
    }

    public static void Container(Container c)
    {
        if (string.IsNullOrEmpty(c.ImagePullPolicy)) c.ImagePullPolicy = ImageTag(c.Image ?? "") == "latest" ? "Always" : "IfNotPresent";
        if (string.IsNullOrEmpty(c.TerminationMessagePath)) c.TerminationMessagePath = "/dev/termination-log";
        if (string.IsNullOrEmpty(c.TerminationMessagePolicy)) c.TerminationMessagePolicy = "File";
        foreach (var p in c.Ports ?? []) if (string.IsNullOrEmpty(p.Protocol)) p.Protocol = "TCP";
        foreach (var e in c.Env ?? [])
            if (e.ValueFrom?.FieldRef is { } f && string.IsNullOrEmpty(f.ApiVersion)) f.ApiVersion = "v1";
        Probe(c.LivenessProbe);
        Probe(c.ReadinessProbe);
        Probe(c.StartupProbe);
        if (c.Lifecycle is { } l)
        {
            HttpGet(l.PostStart?.HttpGet);
            HttpGet(l.PreStop?.HttpGet);
        }
    }

    /// <summary>The tag as docker's reference parser sees it: "latest" when neither tag nor digest is given, "" for digest-only.</summary>
    public static string ImageTag(string image)
    {
        var at = image.IndexOf('@');
        var name = at >= 0 ? image[..at] : image;
        var slash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        if (colon > slash) return name[(colon + 1)..];
        return at >= 0 ? "" : "latest";
    }

    private static void Probe(Probe? p)
    {
        if (p is null) return;
        p.TimeoutSeconds ??= 1;
        p.PeriodSeconds ??= 10;
        p.SuccessThreshold ??= 1;
        p.FailureThreshold ??= 3;
        HttpGet(p.HttpGet);
    }

    private static void HttpGet(HTTPGetAction? h)
    {
        if (h is null) return;
        if (string.IsNullOrEmpty(h.Path)) h.Path = "/";
        if (string.IsNullOrEmpty(h.Scheme)) h.Scheme = "HTTP";
    }

    /// <summary>Whether a volume names no source at all (SetDefaults_Volume then makes it an emptyDir).</summary>
    public static bool HasNoSource(Volume v)
        => VolumeSources.All.All(s => s.Get(v) is null) && (v.Unknown is null || !v.Unknown.Keys.Any(VolumeSources.LegacyNames.Contains));

    public static void Volume(Volume v)
    {
        if (HasNoSource(v)) v.EmptyDir = new EmptyDirVolumeSource();
        if (v.HostPath is { } hp) hp.Type ??= "";
        if (v.Secret is { } s) s.DefaultMode ??= DefaultFileMode;
        if (v.ConfigMap is { } cm) cm.DefaultMode ??= DefaultFileMode;
        if (v.DownwardAPI is { } d)
        {
            d.DefaultMode ??= DefaultFileMode;
            foreach (var item in d.Items ?? []) FieldRef(item.FieldRef);
        }
        if (v.Projected is { } p)
        {
            p.DefaultMode ??= DefaultFileMode;
            foreach (var src in p.Sources ?? [])
            {
                if (src.ServiceAccountToken is { } t) t.ExpirationSeconds ??= 3600;
                foreach (var item in src.DownwardAPI?.Items ?? []) FieldRef(item.FieldRef);
            }
        }
        if (v.RBD is { } rbd)
        {
            if (string.IsNullOrEmpty(rbd.Pool)) rbd.Pool = "rbd";
            if (string.IsNullOrEmpty(rbd.User)) rbd.User = "admin";
            if (string.IsNullOrEmpty(rbd.Keyring)) rbd.Keyring = "/etc/ceph/keyring";
        }
        if (v.ISCSI is { } iscsi && string.IsNullOrEmpty(iscsi.IscsiInterface)) iscsi.IscsiInterface = "default";
        if (v.AzureDisk is { } az)
        {
            az.CachingMode ??= "ReadWrite";
            az.FsType ??= "ext4";
            az.ReadOnly ??= false;
            az.Kind ??= "Shared";
        }
        if (v.Ephemeral?.VolumeClaimTemplate?.Spec is { } pvc) pvc.VolumeMode ??= "Filesystem";
    }

    private static void FieldRef(ObjectFieldSelector? f)
    {
        if (f is not null && string.IsNullOrEmpty(f.ApiVersion)) f.ApiVersion = "v1";
    }

    /// <summary>SetDefaults_PersistentVolumeClaim for an embedded claim (StatefulSet volumeClaimTemplates).</summary>
    public static void ClaimTemplate(PersistentVolumeClaim pvc)
    {
        pvc.ApiVersion ??= "v1";
        pvc.Kind ??= "PersistentVolumeClaim";
        pvc.Spec ??= new PersistentVolumeClaimSpec();
        pvc.Spec.VolumeMode ??= "Filesystem";
        pvc.Status ??= new PersistentVolumeClaimStatus();
        if (string.IsNullOrEmpty(pvc.Status.Phase)) pvc.Status.Phase = "Pending";
    }
}

/// <summary>The volume sources in the order upstream's validateVolumeSource checks them, with their JSON names.</summary>
internal static class VolumeSources
{
    public sealed record Source(string Name, Func<Volume, object?> Get);

    public static readonly Source[] All =
    [
        new("emptyDir", v => v.EmptyDir),
        new("hostPath", v => v.HostPath),
        new("gitRepo", v => v.GitRepo),
        new("gcePersistentDisk", v => v.GcePersistentDisk),
        new("awsElasticBlockStore", v => v.AwsElasticBlockStore),
        new("secret", v => v.Secret),
        new("nfs", v => v.NFS),
        new("iscsi", v => v.ISCSI),
        new("glusterfs", v => v.Glusterfs),
        new("persistentVolumeClaim", v => v.PersistentVolumeClaim),
        new("rbd", v => v.RBD),
        new("cephfs", v => v.CephFS),
        new("downwardAPI", v => v.DownwardAPI),
        new("fc", v => v.FC),
        new("flexVolume", v => v.FlexVolume),
        new("configMap", v => v.ConfigMap),
        new("azureFile", v => v.AzureFile),
        new("vsphereVolume", v => v.VsphereVolume),
        new("azureDisk", v => v.AzureDisk),
        new("projected", v => v.Projected),
        new("csi", v => v.CSI),
        new("ephemeral", v => v.Ephemeral),
        new("image", v => v.Image),
    ];

    /// <summary>Sources the model does not name (they round-trip through the extension data).</summary>
    public static readonly HashSet<string> LegacyNames = ["flocker", "cinder", "quobyte", "photonPersistentDisk", "portworxVolume", "storageos", "scaleIO"];
}
