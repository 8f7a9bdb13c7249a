using Berth.Api.Apps;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Rbac;
using Berth.Api.Registry;
using Berth.Api.Strategies.Workloads;

namespace Berth.Api.Strategies;

/// <summary>One strategy instance per built-in kind. RBAC kinds get the basic NAME/AGE one.</summary>
public static class BuiltinStrategies
{
    public static PersistentVolumeStrategy PersistentVolume { get; } = new();
    public static PersistentVolumeClaimStrategy PersistentVolumeClaim { get; } = new();
    public static StorageClassStrategy StorageClass { get; } = new();
    public static SecretStrategy Secret { get; } = new();
    public static ConfigMapStrategy ConfigMap { get; } = new();
    public static NamespaceStrategy Namespace { get; } = new();
    public static ServiceAccountStrategy ServiceAccount { get; } = new();
    public static EndpointsStrategy Endpoints { get; } = new();
    public static NodeStrategy Node { get; } = new();
    public static EventStrategy Event { get; } = new();
    public static EventsV1Strategy EventsV1Event { get; } = new();
    public static LeaseStrategy Lease { get; } = new();
    /// <summary>Without allocators: the server registers its own instance that hands out cluster IPs and node ports.</summary>
    public static ServiceStrategy Service { get; } = new();
    public static PodStrategy Pod { get; } = new();
    public static StatefulSetStrategy StatefulSet { get; } = new();
    public static ControllerRevisionStrategy ControllerRevision { get; } = new();
    public static Workloads.DeploymentStrategy Deployment { get; } = new();
    public static IResourceStrategy Role { get; } = new BasicStrategy<Role>();
    public static IResourceStrategy ClusterRole { get; } = new BasicStrategy<ClusterRole>();
    public static IResourceStrategy RoleBinding { get; } = new BasicStrategy<RoleBinding>();
    public static IResourceStrategy ClusterRoleBinding { get; } = new BasicStrategy<ClusterRoleBinding>();
}

/// <summary>Registers every built-in kind of the models (core, storage.k8s.io, apps, coordination.k8s.io, events.k8s.io, rbac).</summary>
public static class BuiltinResources
{
    /// <summary>
    /// Adds the ResourceType entries. Pass replacements (keyed by "group/version/Kind", core as "v1/Kind")
    /// to use other strategies, e.g. a full Pod strategy: <c>{ ["v1/Pod"] = podStrategy }</c>.
    /// </summary>
    public static void Register(ResourceRegistry registry, IReadOnlyDictionary<string, IResourceStrategy>? overrides = null)
    {
        foreach (var t in Types(overrides)) registry.Add(t);
    }

    public static IEnumerable<ResourceType> Types(IReadOnlyDictionary<string, IResourceStrategy>? overrides = null)
    {
        IResourceStrategy S(string group, string version, string kind, IResourceStrategy s)
        {
            var key = (group.Length == 0 ? "" : group + "/") + version + "/" + kind;
            return overrides is not null && overrides.TryGetValue(key, out var o) ? o : s;
        }

        ResourceType T(string group, string kind, string plural, bool ns, IResourceStrategy s, string[]? shortNames = null,
            string[]? categories = null, bool status = false, bool scale = false, string storage = "", string version = "v1",
            IStorageConversion? conversion = null)
            => new()
            {
                Group = group, Version = version, Kind = kind, Plural = plural, Singular = kind.ToLowerInvariant(), Namespaced = ns,
                ShortNames = shortNames ?? [], Categories = categories ?? [], HasStatus = status, HasScale = scale,
                StorageResource = storage, Strategy = S(group, version, kind, s), Conversion = conversion,
            };

        // core/v1
        yield return T("", "Namespace", "namespaces", false, BuiltinStrategies.Namespace, ["ns"], status: true);
        yield return T("", "PersistentVolume", "persistentvolumes", false, BuiltinStrategies.PersistentVolume, ["pv"], status: true);
        yield return T("", "PersistentVolumeClaim", "persistentvolumeclaims", true, BuiltinStrategies.PersistentVolumeClaim, ["pvc"], status: true);
        yield return T("", "Pod", "pods", true, BuiltinStrategies.Pod, ["po"], ["all"], status: true);
        yield return T("", "Service", "services", true, BuiltinStrategies.Service, ["svc"], ["all"], status: true);
        yield return T("", "Endpoints", "endpoints", true, BuiltinStrategies.Endpoints, ["ep"]);
        yield return T("", "Secret", "secrets", true, BuiltinStrategies.Secret);
        yield return T("", "ConfigMap", "configmaps", true, BuiltinStrategies.ConfigMap, ["cm"]);
        yield return T("", "ServiceAccount", "serviceaccounts", true, BuiltinStrategies.ServiceAccount, ["sa"]);
        yield return T("", "Node", "nodes", false, BuiltinStrategies.Node, ["no"], status: true);
        yield return T("", "Event", "events", true, BuiltinStrategies.Event, ["ev"], storage: "events");
        // storage.k8s.io/v1
        yield return T("storage.k8s.io", "StorageClass", "storageclasses", false, BuiltinStrategies.StorageClass, ["sc"]);
        // apps/v1
        yield return T("apps", "StatefulSet", "statefulsets", true, BuiltinStrategies.StatefulSet, ["sts"], ["all"], status: true, scale: true);
        yield return T("apps", "ControllerRevision", "controllerrevisions", true, BuiltinStrategies.ControllerRevision);
        yield return T("apps", "Deployment", "deployments", true, BuiltinStrategies.Deployment, ["deploy"], ["all"], status: true, scale: true);
        // coordination.k8s.io/v1
        yield return T("coordination.k8s.io", "Lease", "leases", true, BuiltinStrategies.Lease);
        // events.k8s.io/v1 (shares storage with core Events; the server converts between the two shapes)
        yield return T("events.k8s.io", "Event", "events", true, BuiltinStrategies.EventsV1Event, ["ev"], storage: "events", conversion: Events.EventConversion.Instance);
        // rbac.authorization.k8s.io/v1
        yield return T("rbac.authorization.k8s.io", "Role", "roles", true, BuiltinStrategies.Role);
        yield return T("rbac.authorization.k8s.io", "ClusterRole", "clusterroles", false, BuiltinStrategies.ClusterRole);
        yield return T("rbac.authorization.k8s.io", "RoleBinding", "rolebindings", true, BuiltinStrategies.RoleBinding);
        yield return T("rbac.authorization.k8s.io", "ClusterRoleBinding", "clusterrolebindings", false, BuiltinStrategies.ClusterRoleBinding);
    }
}
