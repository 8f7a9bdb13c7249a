using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Api.Meta;

/// <summary>Base of every model class: keeps the JSON fields the class does not name, so they survive a round trip.</summary>
public abstract class Extensible
{
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

/// <summary>A top-level API object: apiVersion, kind, metadata.</summary>
public abstract class KubeObject : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ObjectMeta Metadata { get; set; } = new();
}

public sealed class ObjectMeta : Extensible
{
    private string? _name, _namespace, _key;
    // Fields most stored objects never have live apart: a cache holds one ObjectMeta per object, and these took ~60 of
    // its ~190 bytes. The properties read and write them as if they were fields of their own.
    private RareFields? _rare;

    private sealed class RareFields
    {
        public string? GenerateName, SelfLink;
        public DateTimeOffset? DeletionTimestamp;
        public long? DeletionGracePeriodSeconds;
        public List<ManagedFieldsEntry>? ManagedFields;
    }

    private RareFields? Rare(bool setting) => _rare ?? (setting ? _rare = new RareFields() : null);

    public string? Name { get => _name; set { _name = value; _key = null; } }
    public string? GenerateName { get => _rare?.GenerateName; set { if (Rare(value is not null) is { } r) r.GenerateName = value; } }
    public string? Namespace { get => _namespace; set { _namespace = value; _key = null; } }
    public string? SelfLink { get => _rare?.SelfLink; set { if (Rare(value is not null) is { } r) r.SelfLink = value; } }
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
    public long? Generation { get; set; }
    public DateTimeOffset? CreationTimestamp { get; set; }
    public DateTimeOffset? DeletionTimestamp { get => _rare?.DeletionTimestamp; set { if (Rare(value is not null) is { } r) r.DeletionTimestamp = value; } }
    public long? DeletionGracePeriodSeconds { get => _rare?.DeletionGracePeriodSeconds; set { if (Rare(value is not null) is { } r) r.DeletionGracePeriodSeconds = value; } }
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public List<OwnerReference>? OwnerReferences { get; set; }
    public List<string>? Finalizers { get; set; }
    public List<ManagedFieldsEntry>? ManagedFields { get => _rare?.ManagedFields; set { if (Rare(value is not null) is { } r) r.ManagedFields = value; } }

    /// <summary>
    /// "namespace/name", or the name of a cluster-scoped object (client-go's MetaNamespaceKeyFunc). Made once per
    /// instance: an object shared by every informer is then keyed by one string in their caches, indexes and work
    /// queues, instead of a new one per use.
    /// </summary>
    public string CacheKey() => _key ??= KeyOf(_namespace, _name);

    /// <summary>The key of the object with this namespace and name: "namespace/name", or the name when there is no namespace.</summary>
    public static string KeyOf(string? ns, string? name) => string.IsNullOrEmpty(ns) ? name ?? "" : ns + "/" + name;

    /// <summary>Makes <paramref name="key"/> this object's <see cref="CacheKey"/> if it is equal to it: the API server's
    /// cache already holds that string for the object, and its informers then share it instead of making another.</summary>
    public void ShareCacheKey(string key)
    {
        var name = (_name ?? "").AsSpan();
        bool equal = string.IsNullOrEmpty(_namespace)
            ? name.SequenceEqual(key)
            : key.Length == _namespace.Length + 1 + name.Length && key.StartsWith(_namespace, StringComparison.Ordinal)
              && key[_namespace.Length] == '/' && key.AsSpan(_namespace.Length + 1).SequenceEqual(name);
        if (equal) _key = key;
    }

    public string? Label(string key) => Labels is not null && Labels.TryGetValue(key, out var v) ? v : null;
    public string? Annotation(string key) => Annotations is not null && Annotations.TryGetValue(key, out var v) ? v : null;
    public bool HasFinalizer(string f) => Finalizers is not null && Finalizers.Contains(f);
}

public sealed class OwnerReference : Extensible
{
    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Name { get; set; } = "";
    public string Uid { get; set; } = "";
    public bool? Controller { get; set; }
    public bool? BlockOwnerDeletion { get; set; }
}

public sealed class ManagedFieldsEntry : Extensible
{
    public string? Manager { get; set; }
    public string? Operation { get; set; }
    public string? ApiVersion { get; set; }
    public DateTimeOffset? Time { get; set; }
    public string? FieldsType { get; set; }
    public JsonElement? FieldsV1 { get; set; }
    public string? Subresource { get; set; }
}

public sealed class ListMeta : Extensible
{
    public string? ResourceVersion { get; set; }
    [JsonPropertyName("continue")]
    public string? Continue { get; set; }
    public long? RemainingItemCount { get; set; }
    public string? SelfLink { get; set; }
}

/// <summary>A reference to an object in the same or another namespace (core/v1 ObjectReference).</summary>
public sealed class ObjectReference : Extensible
{
    public string? Kind { get; set; }
    public string? Namespace { get; set; }
    public string? Name { get; set; }
    public string? Uid { get; set; }
    public string? ApiVersion { get; set; }
    public string? ResourceVersion { get; set; }
    public string? FieldPath { get; set; }
}

public sealed class LocalObjectReference : Extensible
{
    public string? Name { get; set; }
}

/// <summary>metav1.LabelSelector as it appears in specs.</summary>
public sealed class LabelSelector : Extensible
{
    public Dictionary<string, string>? MatchLabels { get; set; }
    public List<LabelSelectorRequirement>? MatchExpressions { get; set; }
}

public sealed class LabelSelectorRequirement : Extensible
{
    public string Key { get; set; } = "";
    public string Operator { get; set; } = "";
    public List<string>? Values { get; set; }
}

/// <summary>metav1.Condition (used by newer kinds) and the common condition shape.</summary>
public sealed class Condition : Extensible
{
    public string Type { get; set; } = "";
    public string Status { get; set; } = "";
    public long? ObservedGeneration { get; set; }
    public DateTimeOffset? LastTransitionTime { get; set; }
    public DateTimeOffset? LastProbeTime { get; set; }
    public string? Reason { get; set; }
    public string? Message { get; set; }
}
