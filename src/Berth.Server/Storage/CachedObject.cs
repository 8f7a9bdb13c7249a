using System.Text.Json;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Store;

namespace Berth.Server.Storage;

/// <summary>
/// One object as the API serves it: its JSON with metadata.resourceVersion filled in, and the attributes that
/// label and field selectors look at, computed once when the object enters the cache.
/// </summary>
public sealed class CachedObject
{
    public required string Key { get; init; }
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public required byte[] Json { get; init; }
    public required long ModRevision { get; init; }
    public required long CreateRevision { get; init; }
    public required Dictionary<string, string>? Labels { get; init; }
    public required Dictionary<string, string> Fields { get; init; }

    /// <summary>Decodes a stored value into the kind's model, with the resourceVersion of its revision.</summary>
    public static KubeObject Decode(ResourceType type, ReadOnlySpan<byte> value, long modRevision)
    {
        var obj = (KubeObject)(JsonSerializer.Deserialize(value, type.Strategy.ModelType, KubeJson.Options)
            ?? throw new JsonException("stored value is null"));
        obj.Metadata.ResourceVersion = modRevision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        obj.ApiVersion = type.GroupVersion;
        obj.Kind = type.Kind;
        return obj;
    }

    public static CachedObject FromModel(ResourceType type, string key, KubeObject obj, long modRevision, long createRevision)
    {
        obj.Metadata.ResourceVersion = modRevision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["metadata.name"] = obj.Metadata.Name ?? "",
        };
        if (type.Namespaced) fields["metadata.namespace"] = obj.Metadata.Namespace ?? "";
        type.Strategy.AddSelectableFields(obj, fields);
        return new CachedObject
        {
            Key = key,
            Namespace = obj.Metadata.Namespace ?? "",
            Name = obj.Metadata.Name ?? "",
            Json = JsonSerializer.SerializeToUtf8Bytes(obj, type.Strategy.ModelType, KubeJson.Options),
            ModRevision = modRevision,
            CreateRevision = createRevision,
            Labels = obj.Metadata.Labels,
            Fields = fields,
        };
    }

    public static CachedObject FromStore(ResourceType type, KeyValue kv)
        => FromModel(type, kv.Key, Decode(type, kv.Value.Span, kv.ModRevision), kv.ModRevision, kv.CreateRevision);

    public KubeObject ToModel(ResourceType type)
        => (KubeObject)(JsonSerializer.Deserialize(Json, type.Strategy.ModelType, KubeJson.Options) ?? throw new JsonException("null"));
}

public enum WatchEventType { Added, Modified, Deleted }

/// <summary>A change to one object: the object after the change (for Deleted: its last state, at the delete's revision) and before.</summary>
public sealed record CacheEvent(WatchEventType Type, CachedObject Object, CachedObject? Previous, long Revision);
