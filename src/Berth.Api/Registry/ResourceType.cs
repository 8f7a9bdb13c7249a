namespace Berth.Api.Registry;

/// <summary>
/// Everything the API server needs to know to serve one resource: its names (for URLs, discovery and kubectl),
/// its scope, and the strategy that defaults, validates and prints its objects.
/// </summary>
public sealed class ResourceType
{
    public required string Group { get; init; }          // "" for the core group
    public required string Version { get; init; }
    public required string Kind { get; init; }
    public required string Plural { get; init; }
    public required string Singular { get; init; }
    public required bool Namespaced { get; init; }
    public string[] ShortNames { get; init; } = [];
    public string[] Categories { get; init; } = [];
    public bool HasStatus { get; init; }
    public bool HasScale { get; init; }
    /// <summary>Storage key prefix segment; two resources may share storage (core and events.k8s.io Events).</summary>
    public string StorageResource { get; init; } = "";
    /// <summary>Set when objects are stored in another kind's shape (see <see cref="IStorageConversion"/>).</summary>
    public IStorageConversion? Conversion { get; init; }
    public required IResourceStrategy Strategy { get; init; }

    public string GroupVersion => Group.Length == 0 ? Version : Group + "/" + Version;
    public string ListKind => Kind + "List";
    /// <summary>The kind as Kubernetes qualifies it in error messages: "PersistentVolumeClaim", "StatefulSet.apps".</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : Kind + "." + Group;
    /// <summary>The resource as Kubernetes qualifies it in NotFound/Conflict messages: "persistentvolumeclaims", "statefulsets.apps".</summary>
    public string QualifiedResource => Group.Length == 0 ? Plural : Plural + "." + Group;
    public string StoragePrefix => "/registry/" + (StorageResource.Length > 0 ? StorageResource : (Group.Length == 0 ? Plural : Group + "/" + Plural)) + "/";

    public static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
}

/// <summary>All resources the server serves, looked up by URL parts or by kind.</summary>
public sealed class ResourceRegistry
{
    private readonly List<ResourceType> _all = new();
    private readonly Dictionary<(string Group, string Version, string Plural), ResourceType> _byPath = new();
    private readonly Dictionary<(string Group, string Version, string Kind), ResourceType> _byKind = new();

    public IReadOnlyList<ResourceType> All => _all;

    public void Add(ResourceType t)
    {
        _all.Add(t);
        _byPath.Add((t.Group, t.Version, t.Plural), t);
        _byKind.Add((t.Group, t.Version, t.Kind), t);
    }

    public ResourceType? ByPath(string group, string version, string plural)
        => _byPath.TryGetValue((group, version, plural), out var t) ? t : null;

    public ResourceType? ByKind(string group, string version, string kind)
        => _byKind.TryGetValue((group, version, kind), out var t) ? t : null;

    public ResourceType? ByApiVersionKind(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/');
        return slash < 0 ? ByKind("", apiVersion, kind) : ByKind(apiVersion[..slash], apiVersion[(slash + 1)..], kind);
    }

    public IEnumerable<string> Groups => _all.Select(t => t.Group).Distinct();
}
