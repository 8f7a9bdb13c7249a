using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Store;

namespace Berth.Server.Storage;

/// <summary>
/// One object as the API serves it: its JSON with metadata.resourceVersion filled in, and what label and field
/// selectors look at. Entering the cache costs one scan of the stored bytes (no decoding into the model): the
/// resourceVersion is spliced in and the labels are read; selectable fields are computed on first use.
/// </summary>
public sealed class CachedObject
{
    private Dictionary<string, string>? _fields;
    private KubeObject? _shared;

    public required ResourceType Type { get; init; }
    /// <summary>The key within its resource's cache: "namespace/name", or the name of a cluster-scoped object (the store's
    /// key without the resource's prefix; <see cref="ResourceStore.CacheKeyOf"/>). Also the key every informer in the
    /// process files the shared model under.</summary>
    public required string Key { get; init; }
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public required byte[] Json { get; init; }
    public required long ModRevision { get; init; }
    public required long CreateRevision { get; init; }
    public required LabelMap? Labels { get; init; }
    /// <summary>Where the resourceVersion was spliced into <see cref="Json"/> (offset and length; the stored form lacks it).</summary>
    public required (int Start, int Length) RvSplice { get; init; }

    /// <summary>metadata.name, metadata.namespace and the kind's own selectable fields.</summary>
    public Dictionary<string, string> Fields => _fields ??= ComputeFields(Type, SharedModel);

    /// <summary>
    /// The object as the kind's model, decoded once and shared by every reader that promises not to change it
    /// (informers' caches, selectors): a write fans out to many watchers, and each decoding its own copy of the same
    /// bytes is most of what a watch costs in this process. Callers that may change the object use <see cref="ToModel"/>.
    /// </summary>
    public KubeObject SharedModel
    {
        get
        {
            var m = Volatile.Read(ref _shared);
            if (m is not null) return m;
            // Nobody changes the shared instance, so its equal small maps and lists can be shared with other objects'.
            m = Type.Conversion is null ? Decode(Type.Strategy.ModelType, KubeJson.SharedOptions) : ToModel(Type);
            m.ApiVersion ??= Type.GroupVersion;
            m.Kind ??= Type.Kind;
            // One string for the name and one for the key this object is cached under, in the cache and in every informer.
            if (m.Metadata.Name == Name) m.Metadata.Name = Name;
            m.Metadata.ShareCacheKey(Key);
            return Interlocked.CompareExchange(ref _shared, m, null) ?? m;
        }
    }

    /// <summary>
    /// The object as <paramref name="type"/>'s model for a reader that will not change it: the shared instance when one is
    /// already decoded, else a fresh one that is not kept (a table of events need not leave every event decoded in memory).
    /// </summary>
    public KubeObject ReadOnlyModel(ResourceType type)
        => type.Conversion is null && Volatile.Read(ref _shared) is { } shared ? shared : ToModel(type);

    /// <summary>
    /// Drops the shared decoded form once a newer version has replaced this one (superseded versions stay in the watch
    /// window, and keeping thousands of decoded models there would cost more memory than it saves; a watcher that is
    /// behind decodes again).
    /// </summary>
    public void ReleaseSharedModel() => Volatile.Write(ref _shared, null);

    /// <summary>Whether <paramref name="stored"/> (an object encoded without resourceVersion) is this object's stored form.</summary>
    public bool StoredFormEquals(ReadOnlySpan<byte> stored)
    {
        var (start, length) = RvSplice;
        var json = Json.AsSpan();
        return stored.Length == json.Length - length
            && stored[..start].SequenceEqual(json[..start])
            && stored[start..].SequenceEqual(json[(start + length)..]);
    }

    private static Dictionary<string, string> ComputeFields(ResourceType type, KubeObject obj)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal) { ["metadata.name"] = obj.Metadata.Name ?? "" };
        if (type.Namespaced) fields["metadata.namespace"] = obj.Metadata.Namespace ?? "";
        type.Strategy.AddSelectableFields(obj, fields);
        return fields;
    }

    /// <summary>Builds the served form of a stored value (stored values carry no resourceVersion: the revision is it).</summary>
    public static CachedObject FromStore(ResourceType type, KeyValue kv)
    {
        var value = kv.Value.Span;
        var (metadataStart, metadataEmpty, labels) = Scan(value);
        var rv = Encoding.UTF8.GetBytes("\"resourceVersion\":\"" + kv.ModRevision.ToString(CultureInfo.InvariantCulture) + "\"" + (metadataEmpty ? "" : ","));
        var json = new byte[value.Length + rv.Length];
        value[..(metadataStart + 1)].CopyTo(json);
        rv.CopyTo(json.AsSpan(metadataStart + 1));
        value[(metadataStart + 1)..].CopyTo(json.AsSpan(metadataStart + 1 + rv.Length));

        var rest = kv.Key.AsSpan(type.StoragePrefix.Length);
        string ns = "", name, key;
        int slash = type.Namespaced ? rest.IndexOf('/') : -1;
        if (slash >= 0) { ns = SharedStringConverter.Share(rest[..slash]); name = rest[(slash + 1)..].ToString(); key = rest.ToString(); }
        else key = name = rest.ToString();

        return new CachedObject
        {
            Type = type, Key = key, Namespace = ns, Name = name, Json = json,
            ModRevision = kv.ModRevision, CreateRevision = kv.CreateRevision, Labels = labels,
            RvSplice = (metadataStart + 1, rv.Length),
        };
    }

    /// <summary>Finds the metadata object (its '{' offset, whether it is empty) and reads metadata.labels.</summary>
    private static (int MetadataStart, bool MetadataEmpty, LabelMap? Labels) Scan(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("stored value is not an object");
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0) break;
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
            if (!reader.ValueTextEquals("metadata"u8)) { reader.Read(); reader.Skip(); continue; }
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("metadata is not an object");
            int start = (int)reader.TokenStartIndex;
            LabelMap? labels = null;
            bool empty = true;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                empty = false;
                bool isLabels = reader.ValueTextEquals("labels"u8);
                reader.Read();
                if (isLabels && reader.TokenType == JsonTokenType.StartObject)
                {
                    var pairs = new List<string>();
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        pairs.Add(SharedStringConverter.Read(ref reader));
                        reader.Read();
                        pairs.Add(reader.TokenType == JsonTokenType.String ? SharedStringConverter.Read(ref reader) : "");
                    }
                    labels = LabelMap.Of(pairs);
                }
                else reader.Skip();
            }
            return (start, empty, labels);
        }
        throw new JsonException("stored value has no metadata");
    }

    /// <summary>The object as the kind's model (a fresh instance each call: callers may change it). A kind stored in another
    /// kind's shape (<see cref="ResourceType.Conversion"/>) is converted.</summary>
    public KubeObject ToModel(ResourceType type)
    {
        if (type.Conversion is not { } c) return Decode(type.Strategy.ModelType, KubeJson.Options);
        return c.FromStored(Decode(c.StoredModelType, KubeJson.Options));
    }

    /// <summary>The JSON served for <paramref name="type"/>: the cached bytes, or for a converted kind its own shape.</summary>
    public byte[] JsonFor(ResourceType type)
        => type.Conversion is null ? Json : JsonSerializer.SerializeToUtf8Bytes(ToModel(type), type.Strategy.ModelType, KubeJson.Options);

    private KubeObject Decode(Type model, JsonSerializerOptions options)
        => (KubeObject)(JsonSerializer.Deserialize(Json, model, options) ?? throw new JsonException("null"));
}

public enum WatchEventType { Added, Modified, Deleted }

/// <summary>A change to one object: the object after the change (for Deleted: its last state, at the delete's revision) and before.</summary>
public sealed record CacheEvent(WatchEventType Type, CachedObject Object, CachedObject? Previous, long Revision);
