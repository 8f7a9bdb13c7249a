using System.Collections.Concurrent;
using Berth.Api.Strategies;

namespace Berth.Client;

/// <summary>The API coordinates of one kind.</summary>
public sealed record KindInfo(string Group, string Version, string Kind, string Plural, bool Namespaced, Type ModelType)
{
    public string GroupVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    /// <summary>The URL path of the collection (name null) or of one object, optionally a subresource.</summary>
    public string Path(string? ns, string? name = null, string? subresource = null)
    {
        var p = Group.Length == 0 ? "/api/" + Version : "/apis/" + Group + "/" + Version;
        if (Namespaced && !string.IsNullOrEmpty(ns)) p += "/namespaces/" + Uri.EscapeDataString(ns);
        p += "/" + Plural;
        if (name is not null) p += "/" + Uri.EscapeDataString(name);
        if (subresource is not null) p += "/" + subresource;
        return p;
    }
}

/// <summary>Maps a model class to its resource, from <see cref="BuiltinResources.Types"/>.</summary>
public sealed class KindResolver
{
    private readonly ConcurrentDictionary<Type, KindInfo> _byType = new();

    public static KindResolver Default { get; } = new();

    public KindResolver()
    {
        foreach (var t in BuiltinResources.Types())
            _byType.TryAdd(t.Strategy.ModelType, new KindInfo(t.Group, t.Version, t.Kind, t.Plural, t.Namespaced, t.Strategy.ModelType));
    }

    public KindInfo Resolve<T>() => Resolve(typeof(T));

    public KindInfo Resolve(Type t) => _byType.TryGetValue(t, out var k) ? k
        : throw new ArgumentException($"{t.FullName} is not the model of a built-in kind");
}
