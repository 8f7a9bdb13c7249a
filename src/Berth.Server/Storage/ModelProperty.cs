using System.Collections.Concurrent;
using System.Text.Json.Serialization.Metadata;
using Berth.Api.Meta;
using Berth.Api.Registry;

namespace Berth.Server.Storage;

/// <summary>
/// A top-level property of a kind's model by its JSON name (spec, status), read and written through the serializer's
/// own accessors: the store moves a status between two models without encoding either to a JSON tree.
/// </summary>
internal sealed class ModelProperty
{
    private static readonly ConcurrentDictionary<(Type, string), ModelProperty?> ByType = new();
    private readonly JsonPropertyInfo _info;

    private ModelProperty(JsonPropertyInfo info) => _info = info;

    public Type PropertyType => _info.PropertyType;
    public object? Get(KubeObject obj) => _info.Get!(obj);
    public void Set(KubeObject obj, object? value) => _info.Set!(obj, value);

    /// <summary>The property, or null when the model has none of that name that can be read and written (then the caller works on JSON trees).</summary>
    public static ModelProperty? Of(ResourceType t, string jsonName) => ByType.GetOrAdd((t.Strategy.ModelType, jsonName), static key =>
    {
        var info = KubeJson.Options.GetTypeInfo(key.Item1);
        foreach (var p in info.Properties)
            if (p.Name == key.Item2 && p.Get is not null && p.Set is not null) return new ModelProperty(p);
        return null;
    });
}
