using System.Collections.Concurrent;

namespace Berth.Server.Patching;

/// <summary>How strategic merge patch combines a field (the <c>patchStrategy</c> struct tag).</summary>
public enum PatchStrategy
{
    /// <summary>No tag: lists are replaced atomically, maps merge key by key.</summary>
    Default,

    /// <summary><c>patchStrategy:"merge"</c>: lists merge element-wise (by merge key, or as a set of primitives).</summary>
    Merge,

    /// <summary><c>patchStrategy:"replace"</c>: the field is replaced wholesale, maps included.</summary>
    Replace,
}

/// <summary>Patch metadata of one field: strategy, <c>patchMergeKey</c>, and whether it is tagged <c>retainKeys</c>.</summary>
/// <remarks><c>retainKeys</c> only matters to clients building patches; the server honours a
/// <c>$retainKeys</c> directive wherever it appears, so it is informational here.</remarks>
public readonly record struct FieldPatchMeta(PatchStrategy Strategy, string? MergeKey = null, bool RetainKeys = false)
{
    /// <summary>Untagged field: atomic list / merged map.</summary>
    public static FieldPatchMeta Atomic => default;

    /// <summary>A list of primitives merged as a set (e.g. <c>metadata.finalizers</c>).</summary>
    public static FieldPatchMeta MergeSet => new(PatchStrategy.Merge);

    /// <summary>A list of objects merged by <paramref name="mergeKey"/> (e.g. containers by <c>name</c>).</summary>
    public static FieldPatchMeta MergeBy(string mergeKey, bool retainKeys = false) =>
        new(PatchStrategy.Merge, mergeKey, retainKeys);
}

/// <summary>
/// Strategic-merge-patch metadata for one kind: for each path of field names from the object's root
/// (list elements add no segment, so a container's env is <c>spec.containers.env</c>), the field's
/// <see cref="FieldPatchMeta"/>. Fields not listed are <see cref="FieldPatchMeta.Atomic"/>.
/// Instances are immutable and thread-safe.
/// </summary>
public sealed class PatchSchema
{
    private static readonly ConcurrentDictionary<(string Group, string Kind), PatchSchema> Cache = new();

    private readonly Dictionary<string, FieldPatchMeta> _fields;

    /// <summary>Builds a schema from dotted field paths, e.g. <c>("spec.containers", MergeBy("name"))</c>.</summary>
    public PatchSchema(IEnumerable<KeyValuePair<string, FieldPatchMeta>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        _fields = new Dictionary<string, FieldPatchMeta>(StringComparer.Ordinal);
        Root = new Node();
        foreach (var (path, meta) in fields)
        {
            var segments = path.Split('.');
            if (segments.Any(s => s.Length == 0))
            {
                throw new ArgumentException($"invalid field path '{path}'", nameof(fields));
            }

            _fields[path] = meta;
            var node = Root;
            foreach (var segment in segments)
            {
                node = node.GetOrAdd(segment);
            }

            node.Meta = meta;
        }
    }

    /// <summary>A schema with no tagged fields: every list atomic, every map merged (what JSON merge patch would do, plus directives).</summary>
    public static PatchSchema Empty { get; } = new([]);

    /// <summary>All tagged fields, by dotted path.</summary>
    public IReadOnlyDictionary<string, FieldPatchMeta> Fields => _fields;

    internal Node Root { get; }

    /// <summary>Metadata of the field at <paramref name="path"/> (field names from the root).</summary>
    public FieldPatchMeta Lookup(IReadOnlyList<string> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Node? node = Root;
        foreach (var segment in path)
        {
            node = node.Child(segment);
            if (node is null)
            {
                return FieldPatchMeta.Atomic;
            }
        }

        return node.Meta;
    }

    /// <summary>Metadata of the field at a dotted path such as <c>spec.template.spec.containers</c>.</summary>
    public FieldPatchMeta Lookup(string dottedPath) => Lookup(dottedPath.Split('.'));

    /// <summary>Metadata of a field of a kind: <c>PatchSchema.Lookup("apps", "StatefulSet", ["spec","template","spec","containers"])</c>.</summary>
    public static FieldPatchMeta Lookup(string group, string kind, IReadOnlyList<string> path) =>
        ForKind(group, kind).Lookup(path);

    /// <summary>
    /// The built-in schema for a kind Berth serves (group "" or "core" for the core API group).
    /// Tags follow k8s.io/api core/v1, apps/v1, batch/v1, storage/v1 and apimachinery meta/v1 types.go.
    /// Unknown kinds get the object-metadata rules plus pod-template rules under <c>spec.template</c>;
    /// everything else in them is atomic (lists) or merged (maps).
    /// </summary>
    public static PatchSchema ForKind(string group, string kind)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(kind);
        var normalizedGroup = group is "core" ? string.Empty : group.ToLowerInvariant();
        return Cache.GetOrAdd((normalizedGroup, kind.ToLowerInvariant()), static key => Build(key.Group, key.Kind));
    }

    private static PatchSchema Build(string group, string kind)
    {
        var b = new List<KeyValuePair<string, FieldPatchMeta>>();
        void Add(string path, FieldPatchMeta meta) => b.Add(new(path, meta));

        void ObjectMeta(string prefix)
        {
            Add(prefix + "finalizers", FieldPatchMeta.MergeSet);
            Add(prefix + "ownerReferences", FieldPatchMeta.MergeBy("uid"));
        }

        void Container(string prefix)
        {
            Add(prefix, FieldPatchMeta.MergeBy("name"));
            Add(prefix + ".ports", FieldPatchMeta.MergeBy("containerPort"));
            Add(prefix + ".env", FieldPatchMeta.MergeBy("name"));
            Add(prefix + ".volumeMounts", FieldPatchMeta.MergeBy("mountPath"));
            Add(prefix + ".volumeDevices", FieldPatchMeta.MergeBy("devicePath"));
        }

        void PodSpec(string prefix)
        {
            Container(prefix + "containers");
            Container(prefix + "initContainers");
            Container(prefix + "ephemeralContainers");
            Add(prefix + "volumes", FieldPatchMeta.MergeBy("name", retainKeys: true));
            Add(prefix + "imagePullSecrets", FieldPatchMeta.MergeBy("name"));
            Add(prefix + "hostAliases", FieldPatchMeta.MergeBy("ip"));
            Add(prefix + "topologySpreadConstraints", FieldPatchMeta.MergeBy("topologyKey"));
            Add(prefix + "schedulingGates", FieldPatchMeta.MergeBy("name"));
            Add(prefix + "resourceClaims", FieldPatchMeta.MergeBy("name", retainKeys: true));
            // tolerations, readinessGates, hostIPs... : atomic (no patchStrategy tag).
        }

        void PodTemplate(string prefix)
        {
            ObjectMeta(prefix + "metadata.");
            PodSpec(prefix + "spec.");
        }

        void Conditions(string prefix) => Add(prefix + "conditions", FieldPatchMeta.MergeBy("type"));

        ObjectMeta("metadata.");
        switch (group, kind)
        {
            case ("", "pod"):
                PodSpec("spec.");
                Conditions("status.");
                Add("status.hostIPs", FieldPatchMeta.MergeBy("ip"));
                Add("status.podIPs", FieldPatchMeta.MergeBy("ip"));
                Add("status.resourceClaimStatuses", FieldPatchMeta.MergeBy("name", retainKeys: true));
                // containerStatuses / initContainerStatuses / ephemeralContainerStatuses: atomic.
                break;
            case ("", "podtemplate"):
                PodTemplate("template.");
                break;
            case ("", "replicationcontroller"):
                PodTemplate("spec.template.");
                Conditions("status.");
                break;
            case ("", "service"):
                Add("spec.ports", FieldPatchMeta.MergeBy("port"));
                Conditions("status.");
                break;
            case ("", "node"):
                Add("spec.podCIDRs", FieldPatchMeta.MergeSet);
                Conditions("status.");
                Add("status.addresses", FieldPatchMeta.MergeBy("type"));
                break;
            case ("", "persistentvolumeclaim"):
                Conditions("status.");
                break;
            case ("", "namespace"):
                Conditions("status.");
                break;
            case ("", "serviceaccount"):
                // imagePullSecrets of a ServiceAccount is +listType=atomic upstream (unlike PodSpec's).
                Add("secrets", FieldPatchMeta.MergeBy("name"));
                break;
            case ("", "componentstatus"):
                Conditions(string.Empty);
                break;
            case ("", "persistentvolume"): // PersistentVolumeStatus has no tagged lists
            case ("", "endpoints"): // subsets: atomic
            case ("", "event"):
            case ("events.k8s.io", "event"):
            case ("", "secret"):
            case ("", "configmap"):
            case ("", "limitrange"):
            case ("", "resourcequota"):
            case ("coordination.k8s.io", "lease"):
            case ("storage.k8s.io", "storageclass"):
            case ("apps", "controllerrevision"):
                break;
            case ("storage.k8s.io", "csinode"):
                Add("spec.drivers", FieldPatchMeta.MergeBy("name"));
                break;
            case ("apps", "statefulset"):
                PodTemplate("spec.template.");
                Conditions("status.");
                // spec.volumeClaimTemplates: atomic.
                break;
            case ("apps", "deployment"):
                PodTemplate("spec.template.");
                Add("spec.strategy", new FieldPatchMeta(PatchStrategy.Default, RetainKeys: true));
                Conditions("status.");
                break;
            case ("apps", "replicaset"):
            case ("apps", "daemonset"):
            case ("batch", "job"):
                PodTemplate("spec.template.");
                Conditions("status.");
                break;
            case ("batch", "cronjob"):
                ObjectMeta("spec.jobTemplate.metadata.");
                PodTemplate("spec.jobTemplate.spec.template.");
                break;
            default:
                PodTemplate("spec.template.");
                break;
        }

        return new PatchSchema(b);
    }

    internal sealed class Node
    {
        private Dictionary<string, Node>? _children;

        internal FieldPatchMeta Meta { get; set; }

        internal Node? Child(string name) =>
            _children is not null && _children.TryGetValue(name, out var child) ? child : null;

        internal Node GetOrAdd(string name)
        {
            _children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
            if (!_children.TryGetValue(name, out var child))
            {
                child = new Node();
                _children[name] = child;
            }

            return child;
        }
    }
}
