using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Berth.Api.Meta;
using Berth.Api.Registry;

namespace Berth.Server.Discovery;

/// <summary>
/// Names the OpenAPI schema of every model type the way kube-apiserver does ("io.k8s.api.core.v1.PersistentVolume",
/// "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"). Names are assigned once, walking the registry in order, so the
/// v2 and v3 documents agree.
/// </summary>
public sealed class SchemaNaming
{
    public const string MetaPackage = "io.k8s.apimachinery.pkg.apis.meta.v1";
    public const string TimeName = MetaPackage + ".Time";
    public const string MicroTimeName = MetaPackage + ".MicroTime";
    public const string FieldsV1Name = MetaPackage + ".FieldsV1";
    public const string ObjectMetaName = MetaPackage + ".ObjectMeta";
    public const string ListMetaName = MetaPackage + ".ListMeta";
    public const string StatusName = MetaPackage + ".Status";
    public const string DeleteOptionsName = MetaPackage + ".DeleteOptions";
    public const string PreconditionsName = MetaPackage + ".Preconditions";
    public const string PatchName = MetaPackage + ".Patch";
    public const string QuantityName = "io.k8s.apimachinery.pkg.api.resource.Quantity";
    public const string IntOrStringName = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
    public const string ScaleName = "io.k8s.api.autoscaling.v1.Scale";
    public const string ScaleSpecName = "io.k8s.api.autoscaling.v1.ScaleSpec";
    public const string ScaleStatusName = "io.k8s.api.autoscaling.v1.ScaleStatus";

    /// <summary>Classes in Berth.Api.Meta that are core/v1 types upstream, not meta/v1 ones.</summary>
    private static readonly HashSet<Type> CoreTypesInMeta = [typeof(ObjectReference), typeof(LocalObjectReference)];

    private readonly Dictionary<Type, string> _names = new();
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _namespacePackages = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Group, string Version, string Kind), string> _kindNames = new();

    public SchemaNaming(ResourceRegistry registry)
    {
        // The package of a C# namespace: that of the first kind whose class lives there.
        foreach (var t in registry.All)
        {
            var ns = t.Strategy.ModelType.Namespace ?? "";
            _namespacePackages.TryAdd(ns, PackageOf(t.Group, t.Version));
        }
        foreach (var t in registry.All)
        {
            var name = PackageOf(t.Group, t.Version) + "." + t.Kind;
            _kindNames[(t.Group, t.Version, t.Kind)] = name;
            _taken.Add(name);
            _taken.Add(name + "List");
            _names.TryAdd(t.Strategy.ModelType, name);
        }
        foreach (var t in registry.All)
            Walk(t.Strategy.ModelType, PackageOf(t.Group, t.Version), new HashSet<Type>());
        Walk(typeof(Status), MetaPackage, new HashSet<Type>());
    }

    /// <summary>The Go package kube-apiserver names a group version's types with: "" → io.k8s.api.core.v1, "storage.k8s.io" → io.k8s.api.storage.v1.</summary>
    public static string PackageOf(string group, string version)
    {
        if (group.Length == 0) return "io.k8s.api.core." + version;
        var first = group.Split('.')[0];
        return "io.k8s.api." + first + "." + version;
    }

    public string KindName(ResourceType t) => _kindNames[(t.Group, t.Version, t.Kind)];
    public string ListName(ResourceType t) => KindName(t) + "List";

    /// <summary>The schema name of a model (object) type; assigns one if the type was not seen while walking the registry.</summary>
    public string NameOf(Type type, string fallbackPackage)
    {
        if (_names.TryGetValue(type, out var name)) return name;
        Walk(type, fallbackPackage, new HashSet<Type>());
        return _names[type];
    }

    private void Assign(Type type, string fallbackPackage)
    {
        if (_names.ContainsKey(type)) return;
        string package;
        if (type.Namespace == typeof(KubeObject).Namespace)
            package = CoreTypesInMeta.Contains(type) ? "io.k8s.api.core.v1" : MetaPackage;
        else if (!_namespacePackages.TryGetValue(type.Namespace ?? "", out package!))
            package = fallbackPackage;
        var baseName = package + "." + SimpleName(type);
        var name = baseName;
        for (int i = 2; !_taken.Add(name); i++) name = baseName + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _names[type] = name;
    }

    private static string SimpleName(Type type)
    {
        var n = type.Name;
        var tick = n.IndexOf('`');
        return tick < 0 ? n : n[..tick];
    }

    private void Walk(Type type, string package, HashSet<Type> seen)
    {
        type = TypeShapes.Unwrap(type);
        if (!seen.Add(type)) return;
        var shape = TypeShapes.Classify(type, out var element);
        switch (shape)
        {
            case TypeShape.Array:
            case TypeShape.Map:
                Walk(element!, package, seen);
                return;
            case TypeShape.Object:
                Assign(type, package);
                var own = _names[type];
                var ownPackage = own[..own.LastIndexOf('.')];
                foreach (var p in TypeShapes.Properties(type))
                    Walk(p.PropertyType, ownPackage, seen);
                return;
            default:
                return;
        }
    }
}

internal enum TypeShape { String, Integer32, Integer64, Number, Boolean, Bytes, Time, Quantity, IntOrString, Json, Enum, Array, Map, Object }

internal static class TypeShapes
{
    public static Type Unwrap(Type t) => Nullable.GetUnderlyingType(t) ?? t;

    public static TypeShape Classify(Type type, out Type? element)
    {
        element = null;
        type = Unwrap(type);
        if (type == typeof(string) || type == typeof(char) || type == typeof(Guid) || type == typeof(Uri) || type == typeof(TimeSpan)) return TypeShape.String;
        if (type == typeof(bool)) return TypeShape.Boolean;
        if (type == typeof(int) || type == typeof(short) || type == typeof(byte) || type == typeof(sbyte) || type == typeof(ushort)) return TypeShape.Integer32;
        if (type == typeof(long) || type == typeof(uint) || type == typeof(ulong)) return TypeShape.Integer64;
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return TypeShape.Number;
        if (type == typeof(byte[])) return TypeShape.Bytes;
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime)) return TypeShape.Time;
        if (type == typeof(Quantity)) return TypeShape.Quantity;
        if (type == typeof(IntOrString)) return TypeShape.IntOrString;
        if (type == typeof(JsonElement) || type == typeof(object) || typeof(JsonNode).IsAssignableFrom(type) || type == typeof(JsonDocument)) return TypeShape.Json;
        if (type.IsEnum) return TypeShape.Enum;

        var dict = FindGeneric(type, typeof(IDictionary<,>)) ?? FindGeneric(type, typeof(IReadOnlyDictionary<,>));
        if (dict is not null) { element = dict.GetGenericArguments()[1]; return TypeShape.Map; }
        if (type.IsArray) { element = type.GetElementType()!; return TypeShape.Array; }
        var seq = FindGeneric(type, typeof(IEnumerable<>));
        if (seq is not null) { element = seq.GetGenericArguments()[0]; return TypeShape.Array; }

        JsonTypeInfo info;
        try { info = KubeJson.Options.GetTypeInfo(type); }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException) { return TypeShape.Json; }
        // A type with its own converter that is not an object contract: a scalar in JSON (most likely a string).
        return info.Kind == JsonTypeInfoKind.Object ? TypeShape.Object : TypeShape.String;
    }

    private static Type? FindGeneric(Type type, Type generic)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == generic) return type;
        foreach (var i in type.GetInterfaces())
            if (i.IsGenericType && i.GetGenericTypeDefinition() == generic) return i;
        return null;
    }

    /// <summary>The JSON properties of an object type as KubeJson (de)serializes them, without the unknown-fields bag.</summary>
    public static IEnumerable<JsonPropertyInfo> Properties(Type type)
    {
        var info = KubeJson.Options.GetTypeInfo(type);
        foreach (var p in info.Properties)
        {
            if (p.IsExtensionData || p.Get is null) continue;
            if (p.AttributeProvider is MemberInfo m &&
                m.GetCustomAttribute<System.Text.Json.Serialization.JsonIgnoreAttribute>() is { Condition: System.Text.Json.Serialization.JsonIgnoreCondition.Always })
                continue;
            yield return p;
        }
    }
}
