using System.Text.Json.Nodes;

namespace Berth.Server.Discovery;

/// <summary>
/// Descriptions for fields that come from the shared meta classes (which carry no DescriptionAttribute), and the
/// strategic-merge-patch list metadata kubectl needs to compute apply patches from the OpenAPI document.
/// </summary>
internal static class WellKnown
{
    public const string ApiVersion = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
    public const string Kind = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
    public const string Metadata = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
    public const string ListMetadata = "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
    public const string Quantity = "Quantity is a fixed-point representation of a number, serialized as a string such as \"1\", \"500m\", \"1Gi\" or \"1e3\": a signed decimal number followed by an optional binary (Ki, Mi, Gi, Ti, Pi, Ei), decimal (m, k, M, G, T, P, E) or exponent suffix.";

    public static readonly Dictionary<string, string> TypeDescriptions = new(StringComparer.Ordinal)
    {
        [SchemaNaming.ObjectMetaName] = "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
        [SchemaNaming.ListMetaName] = "ListMeta describes metadata that synthetic resources must have, including lists and various status objects.",
        [SchemaNaming.MetaPackage + ".OwnerReference"] = "OwnerReference contains enough information to let you identify an owning object. An owning object must be in the same namespace as the dependent, or be cluster-scoped, so there is no namespace field.",
        [SchemaNaming.MetaPackage + ".ManagedFieldsEntry"] = "ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.",
        [SchemaNaming.MetaPackage + ".LabelSelector"] = "A label selector is a label query over a set of resources. The result of matchLabels and matchExpressions are ANDed. An empty label selector matches all objects. A null label selector matches no objects.",
        [SchemaNaming.MetaPackage + ".LabelSelectorRequirement"] = "A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values.",
        [SchemaNaming.MetaPackage + ".Condition"] = "Condition contains details for one aspect of the current state of this API Resource.",
        [SchemaNaming.StatusName] = "Status is a return value for calls that don't return other objects.",
        ["io.k8s.api.core.v1.ObjectReference"] = "ObjectReference contains enough information to let you inspect or modify the referred object.",
        ["io.k8s.api.core.v1.LocalObjectReference"] = "LocalObjectReference contains enough information to let you locate the referenced object inside the same namespace.",
    };

    private static readonly Dictionary<string, string> ObjectMetaFields = new(StringComparer.Ordinal)
    {
        ["annotations"] = "Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata. They are not queryable and should be preserved when modifying objects.",
        ["creationTimestamp"] = "CreationTimestamp is a timestamp representing the server time when this object was created. Populated by the system. Read-only.",
        ["deletionGracePeriodSeconds"] = "Number of seconds allowed for this object to gracefully terminate before it will be removed from the system. Only set when deletionTimestamp is also set. Read-only.",
        ["deletionTimestamp"] = "DeletionTimestamp is the RFC 3339 date and time at which this resource will be deleted. Set by the server when a graceful deletion is requested by the user. Read-only.",
        ["finalizers"] = "Must be empty before the object is deleted from the registry. Each entry is an identifier for the responsible component that will remove the entry from the list.",
        ["generateName"] = "GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided.",
        ["generation"] = "A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.",
        ["labels"] = "Map of string keys and values that can be used to organize and categorize (scope and select) objects.",
        ["managedFields"] = "ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow. This is mostly for internal housekeeping, and users typically shouldn't need to set or understand this field.",
        ["name"] = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Cannot be updated.",
        ["namespace"] = "Namespace defines the space within which each name must be unique. An empty namespace is equivalent to the \"default\" namespace, but \"default\" is the canonical representation. Not all objects are required to be scoped to a namespace. Cannot be updated.",
        ["ownerReferences"] = "List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected.",
        ["resourceVersion"] = "An opaque value that represents the internal version of this object that can be used by clients to determine when objects have changed. Populated by the system. Read-only.",
        ["selfLink"] = "Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.",
        ["uid"] = "UID is the unique in time and space value for this object. It is typically generated by the server on successful creation of a resource and is not allowed to change on PUT operations. Populated by the system. Read-only.",
    };

    private static readonly Dictionary<string, string> ListMetaFields = new(StringComparer.Ordinal)
    {
        ["continue"] = "continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available.",
        ["remainingItemCount"] = "remainingItemCount is the number of subsequent items in the list which are not included in this list response.",
        ["resourceVersion"] = "String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed. Read-only.",
        ["selfLink"] = "Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.",
    };

    /// <summary>A description for a property the model does not describe itself, or null.</summary>
    public static string? PropertyDescription(string schemaName, string jsonName, bool topLevel)
    {
        if (topLevel || schemaName == SchemaNaming.StatusName)
        {
            switch (jsonName)
            {
                case "apiVersion": return ApiVersion;
                case "kind": return Kind;
                case "metadata": return schemaName == SchemaNaming.StatusName ? ListMetadata : Metadata;
            }
        }
        if (schemaName == SchemaNaming.ObjectMetaName) return ObjectMetaFields.GetValueOrDefault(jsonName);
        if (schemaName == SchemaNaming.ListMetaName) return ListMetaFields.GetValueOrDefault(jsonName);
        return null;
    }

    /// <summary>(json name, element class name or null for any) → (patch strategy, merge key or null), as the upstream Go types declare them.</summary>
    private static readonly (string Field, string? Element, string Strategy, string? Key)[] PatchStrategies =
    [
        ("containers", null, "merge", "name"),
        ("initContainers", null, "merge", "name"),
        ("ephemeralContainers", null, "merge", "name"),
        ("env", null, "merge", "name"),
        ("ports", "ContainerPort", "merge", "containerPort"),
        ("ports", "ServicePort", "merge", "port"),
        ("volumes", null, "merge,retainKeys", "name"),
        ("volumeMounts", null, "merge", "mountPath"),
        ("volumeDevices", null, "merge", "devicePath"),
        ("imagePullSecrets", null, "merge", "name"),
        ("hostAliases", null, "merge", "ip"),
        ("topologySpreadConstraints", null, "merge", "topologyKey"),
        ("schedulingGates", null, "merge", "name"),
        ("resourceClaims", "PodResourceClaim", "merge,retainKeys", "name"),
        ("conditions", null, "merge", "type"),
        ("addresses", "NodeAddress", "merge", "type"),
        ("podIPs", null, "merge", "ip"),
        ("ownerReferences", null, "merge", "uid"),
        ("secrets", "ObjectReference", "merge", "name"),
        ("finalizers", null, "merge", null),
    ];

    public static void AddPatchStrategy(JsonObject schema, string jsonName, string elementClass)
    {
        foreach (var (field, element, strategy, key) in PatchStrategies)
        {
            if (field != jsonName || (element is not null && element != elementClass)) continue;
            if (key is not null) schema["x-kubernetes-patch-merge-key"] = key;
            schema["x-kubernetes-patch-strategy"] = strategy;
            return;
        }
    }
}
