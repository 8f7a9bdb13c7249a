using System.ComponentModel;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Berth.Api.Meta;
using Berth.Api.Registry;

namespace Berth.Server.Discovery;

public enum OpenApiDialect { V2, V3 }

/// <summary>
/// Builds the schemas of one OpenAPI document by reflection over the model classes: every kind added and every type
/// reachable from it, named by <see cref="SchemaNaming"/>, with descriptions from <see cref="DescriptionAttribute"/>.
/// </summary>
internal sealed class SchemaGenerator
{
    private readonly SchemaNaming _naming;
    private readonly OpenApiDialect _dialect;
    private readonly SortedDictionary<string, JsonObject> _schemas = new(StringComparer.Ordinal);
    private readonly NullabilityInfoContext _nullability = new();

    public SchemaGenerator(SchemaNaming naming, OpenApiDialect dialect)
    {
        _naming = naming;
        _dialect = dialect;
    }

    public IReadOnlyDictionary<string, JsonObject> Schemas => _schemas;

    public string RefPrefix => _dialect == OpenApiDialect.V3 ? "#/components/schemas/" : "#/definitions/";

    public JsonObject Ref(string name) => new() { ["$ref"] = RefPrefix + name };

    /// <summary>A reference carrying its own description: v3 wraps the $ref in allOf (as kube-openapi does); v2 keeps it alongside.</summary>
    public JsonObject Ref(string name, string? description)
    {
        if (string.IsNullOrEmpty(description)) return Ref(name);
        if (_dialect == OpenApiDialect.V3)
            return new JsonObject { ["allOf"] = new JsonArray(Ref(name)), ["description"] = description };
        return new JsonObject { ["$ref"] = RefPrefix + name, ["description"] = description };
    }

    public static JsonObject Gvk(string group, string version, string kind)
        => new() { ["group"] = group, ["kind"] = kind, ["version"] = version };

    public string AddKind(ResourceType t)
    {
        var name = _naming.KindName(t);
        if (_schemas.ContainsKey(name)) return name;
        var schema = ObjectSchema(t.Strategy.ModelType, name, topLevel: true);
        schema["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(t.Group, t.Version, t.Kind));
        _schemas[name] = schema;
        return name;
    }

    public string AddList(ResourceType t)
    {
        var name = _naming.ListName(t);
        if (_schemas.ContainsKey(name)) return name;
        var kindName = AddKind(t);
        AddBuiltin(SchemaNaming.ListMetaName);
        _schemas[name] = new JsonObject
        {
            ["description"] = $"{t.ListKind} is a list of {t.Kind} objects.",
            ["type"] = "object",
            ["required"] = new JsonArray("items"),
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = new JsonObject { ["description"] = WellKnown.ApiVersion, ["type"] = "string" },
                ["items"] = new JsonObject
                {
                    ["description"] = $"items is the list of {t.Kind} objects.",
                    ["type"] = "array",
                    ["items"] = Ref(kindName),
                },
                ["kind"] = new JsonObject { ["description"] = WellKnown.Kind, ["type"] = "string" },
                ["metadata"] = Ref(SchemaNaming.ListMetaName, WellKnown.ListMetadata),
            },
            ["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(t.Group, t.Version, t.ListKind)),
        };
        return name;
    }

    /// <summary>Ensures one of the fixed apimachinery / autoscaling schemas is present.</summary>
    public string AddBuiltin(string name)
    {
        if (_schemas.ContainsKey(name)) return name;
        switch (name)
        {
            case SchemaNaming.TimeName:
                _schemas[name] = new JsonObject { ["description"] = "Time is a timestamp in RFC 3339 form with second precision, e.g. \"2024-01-02T03:04:05Z\".", ["type"] = "string", ["format"] = "date-time" };
                break;
            case SchemaNaming.MicroTimeName:
                _schemas[name] = new JsonObject { ["description"] = "MicroTime is a timestamp in RFC 3339 form with microsecond precision.", ["type"] = "string", ["format"] = "date-time" };
                break;
            case SchemaNaming.QuantityName:
                _schemas[name] = new JsonObject { ["description"] = WellKnown.Quantity, ["type"] = "string" };
                break;
            case SchemaNaming.IntOrStringName:
                _schemas[name] = new JsonObject { ["description"] = "IntOrString holds either an integer or a string.", ["type"] = "string", ["format"] = "int-or-string" };
                break;
            case SchemaNaming.FieldsV1Name:
                _schemas[name] = new JsonObject { ["description"] = "FieldsV1 stores a set of fields in a trie-like JSON structure (the managed-fields format).", ["type"] = "object" };
                break;
            case SchemaNaming.PatchName:
                _schemas[name] = new JsonObject { ["description"] = "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.", ["type"] = "object" };
                break;
            case SchemaNaming.PreconditionsName:
                _schemas[name] = new JsonObject
                {
                    ["description"] = "Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.",
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        ["resourceVersion"] = new JsonObject { ["description"] = "Specifies the target ResourceVersion", ["type"] = "string" },
                        ["uid"] = new JsonObject { ["description"] = "Specifies the target UID.", ["type"] = "string" },
                    },
                };
                break;
            case SchemaNaming.DeleteOptionsName:
                _schemas[name] = new JsonObject();   // reserve against recursion
                AddBuiltin(SchemaNaming.PreconditionsName);
                _schemas[name] = new JsonObject
                {
                    ["description"] = "DeleteOptions may be provided when deleting an API object.",
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        ["apiVersion"] = new JsonObject { ["description"] = WellKnown.ApiVersion, ["type"] = "string" },
                        ["dryRun"] = new JsonObject { ["description"] = "When present, indicates that modifications should not be persisted.", ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
                        ["gracePeriodSeconds"] = new JsonObject { ["description"] = "The duration in seconds before the object should be deleted.", ["type"] = "integer", ["format"] = "int64" },
                        ["kind"] = new JsonObject { ["description"] = WellKnown.Kind, ["type"] = "string" },
                        ["orphanDependents"] = new JsonObject { ["description"] = "Deprecated: use propagationPolicy.", ["type"] = "boolean" },
                        ["preconditions"] = Ref(SchemaNaming.PreconditionsName, "Must be fulfilled before a deletion is carried out."),
                        ["propagationPolicy"] = new JsonObject { ["description"] = "Whether and how garbage collection will be performed: Orphan, Background or Foreground.", ["type"] = "string" },
                    },
                    ["x-kubernetes-group-version-kind"] = new JsonArray(Gvk("", "v1", "DeleteOptions")),
                };
                break;
            case SchemaNaming.ScaleName:
                _schemas[name] = new JsonObject();
                AddBuiltin(SchemaNaming.ScaleSpecName);
                AddBuiltin(SchemaNaming.ScaleStatusName);
                _schemas[name] = new JsonObject
                {
                    ["description"] = "Scale represents a scaling request for a resource.",
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        ["apiVersion"] = new JsonObject { ["description"] = WellKnown.ApiVersion, ["type"] = "string" },
                        ["kind"] = new JsonObject { ["description"] = WellKnown.Kind, ["type"] = "string" },
                        ["metadata"] = Ref(EnsureObject(typeof(ObjectMeta)), WellKnown.Metadata),
                        ["spec"] = Ref(SchemaNaming.ScaleSpecName, "spec defines the behavior of the scale."),
                        ["status"] = Ref(SchemaNaming.ScaleStatusName, "status is the current status of the scale. Read-only."),
                    },
                    ["x-kubernetes-group-version-kind"] = new JsonArray(Gvk("autoscaling", "v1", "Scale")),
                };
                break;
            case SchemaNaming.ScaleSpecName:
                _schemas[name] = new JsonObject
                {
                    ["description"] = "ScaleSpec describes the attributes of a scale subresource.",
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        ["replicas"] = new JsonObject { ["description"] = "replicas is the desired number of instances for the scaled object.", ["type"] = "integer", ["format"] = "int32" },
                    },
                };
                break;
            case SchemaNaming.ScaleStatusName:
                _schemas[name] = new JsonObject
                {
                    ["description"] = "ScaleStatus represents the current status of a scale subresource.",
                    ["type"] = "object",
                    ["required"] = new JsonArray("replicas"),
                    ["properties"] = new JsonObject
                    {
                        ["replicas"] = new JsonObject { ["description"] = "replicas is the actual number of observed instances of the scaled object.", ["type"] = "integer", ["format"] = "int32" },
                        ["selector"] = new JsonObject { ["description"] = "selector is the label query over pods that should match the replicas count, in string form.", ["type"] = "string" },
                    },
                };
                break;
            case SchemaNaming.StatusName:
                EnsureObject(typeof(Status));
                _schemas[name]["x-kubernetes-group-version-kind"] = new JsonArray(Gvk("", "v1", "Status"));
                break;
            default:
                throw new ArgumentException("no built-in schema " + name, nameof(name));
        }
        return name;
    }

    /// <summary>Ensures the schema of a nested object type exists and returns its name.</summary>
    private string EnsureObject(Type type)
    {
        var name = _naming.NameOf(type, SchemaNaming.MetaPackage);
        if (_schemas.ContainsKey(name)) return name;
        _schemas[name] = new JsonObject();   // placeholder: stops recursion on cyclic types
        _schemas[name] = ObjectSchema(type, name, topLevel: false);
        return name;
    }

    private JsonObject ObjectSchema(Type type, string name, bool topLevel)
    {
        if (topLevel) _schemas[name] = new JsonObject();   // placeholder against self references
        var schema = new JsonObject();
        var typeDescription = type.GetCustomAttribute<DescriptionAttribute>()?.Description;
        if (!string.IsNullOrEmpty(typeDescription)) schema["description"] = typeDescription;
        else if (WellKnown.TypeDescriptions.TryGetValue(name, out var known)) schema["description"] = known;
        schema["type"] = "object";

        var properties = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        var required = new List<string>();
        foreach (var p in TypeShapes.Properties(type))
        {
            var member = p.AttributeProvider as MemberInfo;
            var description = member?.GetCustomAttribute<DescriptionAttribute>()?.Description;
            if (string.IsNullOrEmpty(description)) description = WellKnown.PropertyDescription(name, p.Name, topLevel);
            properties[p.Name] = PropertySchema(p, member, description);
            if (IsRequired(p, member)) required.Add(p.Name);
        }
        if (required.Count > 0)
        {
            required.Sort(StringComparer.Ordinal);
            var arr = new JsonArray();
            foreach (var r in required) arr.Add(r);
            schema["required"] = arr;
        }
        var props = new JsonObject();
        foreach (var (k, v) in properties) props[k] = v;
        if (props.Count > 0) schema["properties"] = props;
        return schema;
    }

    private bool IsRequired(JsonPropertyInfo p, MemberInfo? member)
    {
        if (p.IsRequired) return true;   // [JsonRequired] or C# 'required'
        if (member is null) return false;
        if (member.GetCustomAttributes().Any(a => a.GetType().Name == "RequiredAttribute")) return true;
        // A non-nullable string (e.g. OwnerReference.name = "") is a field the API always carries: required upstream too.
        if (member is PropertyInfo pi && pi.PropertyType == typeof(string) && pi.CanWrite)
        {
            try { return _nullability.Create(pi).ReadState == NullabilityState.NotNull; }
            catch (InvalidOperationException) { return false; }
        }
        return false;
    }

    private JsonObject PropertySchema(JsonPropertyInfo p, MemberInfo? member, string? description)
    {
        bool micro = p.CustomConverter is MicroTimeConverter
            || member?.GetCustomAttribute<JsonConverterAttribute>()?.ConverterType == typeof(MicroTimeConverter);
        if (TypeShapes.Unwrap(p.PropertyType) == typeof(System.Text.Json.JsonElement) && p.Name == "fieldsV1")
            return Ref(AddBuiltin(SchemaNaming.FieldsV1Name), description);

        var schema = TypeSchema(p.PropertyType, micro, member, description);
        if (TypeShapes.Classify(p.PropertyType, out var element) == TypeShape.Array && element is not null)
            WellKnown.AddPatchStrategy(schema, p.Name, TypeShapes.Unwrap(element).Name);
        return schema;
    }

    /// <summary>The schema of a value of <paramref name="type"/>; <paramref name="description"/> is attached when given.</summary>
    private JsonObject TypeSchema(Type type, bool micro, MemberInfo? member, string? description)
    {
        var shape = TypeShapes.Classify(type, out var element);
        JsonObject s;
        switch (shape)
        {
            case TypeShape.Time:
                return Ref(AddBuiltin(micro ? SchemaNaming.MicroTimeName : SchemaNaming.TimeName), description);
            case TypeShape.Quantity:
                return Ref(AddBuiltin(SchemaNaming.QuantityName), description);
            case TypeShape.IntOrString:
                return Ref(AddBuiltin(SchemaNaming.IntOrStringName), description);
            case TypeShape.Object:
                return Ref(EnsureObject(TypeShapes.Unwrap(type)), description);
            case TypeShape.String: s = new JsonObject { ["type"] = "string" }; break;
            case TypeShape.Boolean: s = new JsonObject { ["type"] = "boolean" }; break;
            case TypeShape.Integer32: s = new JsonObject { ["type"] = "integer", ["format"] = "int32" }; break;
            case TypeShape.Integer64: s = new JsonObject { ["type"] = "integer", ["format"] = "int64" }; break;
            case TypeShape.Number: s = new JsonObject { ["type"] = "number", ["format"] = "double" }; break;
            case TypeShape.Bytes: s = new JsonObject { ["type"] = "string", ["format"] = "byte" }; break;
            case TypeShape.Json: s = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true }; break;
            case TypeShape.Enum: s = EnumSchema(TypeShapes.Unwrap(type), member); break;
            case TypeShape.Array:
                s = new JsonObject { ["type"] = "array", ["items"] = TypeSchema(element!, micro, null, null) };
                break;
            case TypeShape.Map:
                s = new JsonObject { ["type"] = "object", ["additionalProperties"] = TypeSchema(element!, micro, null, null) };
                break;
            default:
                s = new JsonObject();
                break;
        }
        if (!string.IsNullOrEmpty(description))
        {
            // Put the description first, as kube-openapi does.
            var withDescription = new JsonObject { ["description"] = description };
            foreach (var (k, v) in s.ToList()) { s.Remove(k); withDescription[k] = v; }
            return withDescription;
        }
        return s;
    }

    private static JsonObject EnumSchema(Type enumType, MemberInfo? member)
    {
        var converter = member?.GetCustomAttribute<JsonConverterAttribute>()?.ConverterType
            ?? enumType.GetCustomAttribute<JsonConverterAttribute>()?.ConverterType;
        bool asString = converter is not null && converter.Name.StartsWith("JsonStringEnumConverter", StringComparison.Ordinal);
        if (!asString) return new JsonObject { ["type"] = "integer", ["format"] = "int32" };
        var values = new JsonArray();
        foreach (var f in enumType.GetFields(BindingFlags.Public | BindingFlags.Static))
            values.Add(f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name);
        return new JsonObject { ["type"] = "string", ["enum"] = values };
    }
}
