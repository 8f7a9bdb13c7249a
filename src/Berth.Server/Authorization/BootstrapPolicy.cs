using System.Text.Json;
using Berth.Api.Meta;
using Berth.Api.Rbac;
using Berth.Server.Http;
using Berth.Server.Storage;

namespace Berth.Server.Authorization;

/// <summary>
/// The ClusterRoles and ClusterRoleBindings every cluster starts with (upstream's bootstrappolicy, flattened: no
/// aggregation). Made at each start when missing; those still marked <c>rbac.authorization.kubernetes.io/autoupdate:
/// "true"</c> are brought back to these rules, as kube-apiserver reconciles them; set it to "false" to keep your own.
/// </summary>
public static class BootstrapPolicy
{
    public const string AutoUpdateAnnotation = "rbac.authorization.kubernetes.io/autoupdate";
    private const string Group = "rbac.authorization.k8s.io";

    private static readonly string[] Read = ["get", "list", "watch"];
    private static readonly string[] Write = ["create", "delete", "deletecollection", "patch", "update"];
    private static readonly string[] ReadWrite = [.. Read, .. Write];

    private static PolicyRule R(string[] verbs, string group, params string[] resources)
        => new() { Verbs = [.. verbs], ApiGroups = [group], Resources = [.. resources] };

    private static PolicyRule Urls(string[] verbs, params string[] urls) => new() { Verbs = [.. verbs], NonResourceURLs = [.. urls] };

    // What "view" reads (never Secrets: they would let a viewer act as any ServiceAccount).
    private static readonly PolicyRule[] ViewRules =
    [
        R(Read, "", "configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods", "replicationcontrollers",
            "replicationcontrollers/scale", "serviceaccounts", "services", "services/status"),
        R(Read, "", "bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status", "replicationcontrollers/status",
            "resourcequotas", "resourcequotas/status"),
        R(Read, "", "namespaces"),
        R(Read, "apps", "controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status",
            "replicasets", "replicasets/scale", "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status"),
        R(Read, "events.k8s.io", "events"),
        R(Read, "discovery.k8s.io", "endpointslices"),
        R(Read, "batch", "cronjobs", "cronjobs/status", "jobs", "jobs/status"),
        R(Read, "policy", "poddisruptionbudgets", "poddisruptionbudgets/status"),
    ];

    private static readonly PolicyRule[] EditRules =
    [
        .. ViewRules,
        R(Read, "", "secrets", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "services/proxy"),
        R(Write, "", "pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "configmaps", "endpoints", "events",
            "persistentvolumeclaims", "replicationcontrollers", "replicationcontrollers/scale", "secrets", "serviceaccounts", "services",
            "services/proxy"),
        R(["create"], "", "serviceaccounts/token"),
        R(Write, "apps", "daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets", "replicasets/scale",
            "statefulsets", "statefulsets/scale"),
        R(Write, "batch", "cronjobs", "jobs"),
        R(Write, "policy", "poddisruptionbudgets"),
        R(ReadWrite, "coordination.k8s.io", "leases"),
    ];

    private static readonly PolicyRule[] AdminRules =
    [
        .. EditRules,
        R(ReadWrite, Group, "rolebindings", "roles"),
        R(["create"], "authorization.k8s.io", "localsubjectaccessreviews"),
    ];

    private static readonly string[] HealthUrls = ["/healthz", "/livez", "/readyz", "/version", "/version/"];

    public static IReadOnlyList<ClusterRole> ClusterRoles { get; } =
    [
        Role("cluster-admin", R(["*"], "*", "*"), Urls(["*"], "*")),
        Role("admin", AdminRules),
        Role("edit", EditRules),
        Role("view", ViewRules),
        Role("system:discovery", Urls(["get"], "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*",
            "/readyz", "/version", "/version/")),
        Role("system:basic-user",
            R(["create"], "authorization.k8s.io", "selfsubjectaccessreviews", "selfsubjectrulesreviews"),
            R(["create"], "authentication.k8s.io", "selfsubjectreviews")),
        Role("system:public-info-viewer", Urls(["get"], HealthUrls)),
    ];

    public static IReadOnlyList<ClusterRoleBinding> ClusterRoleBindings { get; } =
    [
        Binding("cluster-admin", "cluster-admin", "system:masters"),
        Binding("system:discovery", "system:discovery", "system:authenticated"),
        Binding("system:basic-user", "system:basic-user", "system:authenticated"),
        Binding("system:public-info-viewer", "system:public-info-viewer", "system:authenticated", "system:unauthenticated"),
    ];

    private static ObjectMeta Meta(string name) => new()
    {
        Name = name,
        Labels = new() { ["kubernetes.io/bootstrapping"] = "rbac-defaults" },
        Annotations = new() { [AutoUpdateAnnotation] = "true" },
    };

    private static ClusterRole Role(string name, params PolicyRule[] rules) => new() { Metadata = Meta(name), Rules = [.. rules] };

    private static ClusterRoleBinding Binding(string name, string role, params string[] groups) => new()
    {
        Metadata = Meta(name),
        RoleRef = new RoleRef { ApiGroup = Group, Kind = "ClusterRole", Name = role },
        Subjects = groups.Select(g => new Subject { ApiGroup = Group, Kind = "Group", Name = g }).ToList(),
    };

    public static async Task EnsureAsync(ResourceStore store, CancellationToken ct)
    {
        var roleType = store.Registry.ByKind(Group, "v1", "ClusterRole")!;
        foreach (var want in ClusterRoles)
            await EnsureOneAsync(store, roleType, want, r => JsonSerializer.Serialize(r.Rules, KubeJson.Options), (r, w) => r.Rules = w.Rules, ct);
        var bindingType = store.Registry.ByKind(Group, "v1", "ClusterRoleBinding")!;
        foreach (var want in ClusterRoleBindings)
            await EnsureOneAsync(store, bindingType, want, b => JsonSerializer.Serialize(new object?[] { b.RoleRef, b.Subjects }, KubeJson.Options),
                (b, w) => { b.RoleRef = w.RoleRef; b.Subjects = w.Subjects; }, ct);
    }

    private static async Task EnsureOneAsync<T>(ResourceStore store, Berth.Api.Registry.ResourceType type, T want, Func<T, string> content,
        Action<T, T> copy, CancellationToken ct) where T : KubeObject
    {
        var name = want.Metadata.Name!;
        var have = await store.TryGetAsync<T>(type, null, name, ct);
        if (have is null)
        {
            // A fresh copy each time: the store fills in metadata of what it is given.
            var fresh = JsonSerializer.Deserialize<T>(JsonSerializer.SerializeToUtf8Bytes(want, KubeJson.Options), KubeJson.Options)!;
            try { await store.CreateAsync(type, null, fresh, false, ct); }
            catch (ApiException e) when (e.Code == 409) { }
            return;
        }
        if (have.Metadata.Annotation(AutoUpdateAnnotation) != "true" || content(have) == content(want)) return;
        try
        {
            await store.UpdateWithAsync(type, null, name, null, current =>
            {
                copy((T)current, want);
                return current;
            }, false, ct);
        }
        catch (ApiException e) when (e.Code is 404 or 409) { /* changed meanwhile: the next start reconciles */ }
    }
}
