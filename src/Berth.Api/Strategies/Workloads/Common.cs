using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Api.Validation;

namespace Berth.Api.Strategies.Workloads;

/// <summary>A bad value printed the way Go's %#v (or a Stringer) prints it in a field error.</summary>
internal sealed class GoValue(string text)
{
    public override string ToString() => text;
}

/// <summary>Go formatting of values that appear in upstream field errors.</summary>
internal static class GoFormat
{
    /// <summary>%#v of a map[string]string: map[string]string{"a":"b", "c":"d"} (keys sorted), or map[string]string(nil).</summary>
    public static GoValue StringMap(IDictionary<string, string>? m)
    {
        if (m is null) return new("map[string]string(nil)");
        var parts = m.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => FieldError.Quote(kv.Key) + ":" + FieldError.Quote(kv.Value));
        return new("map[string]string{" + string.Join(", ", parts) + "}");
    }

    /// <summary>%#v of a []string: []string{"a", "b"}, or []string(nil).</summary>
    public static GoValue StringSlice(IEnumerable<string>? s)
        => s is null ? new("[]string(nil)") : new("[]string{" + string.Join(", ", s.Select(FieldError.Quote)) + "}");

    /// <summary>The gogo-protobuf String() of a *metav1.LabelSelector (it is a Stringer, so field errors use it).</summary>
    public static GoValue LabelSelector(LabelSelector? sel)
    {
        if (sel is null) return new("nil");
        var sb = new StringBuilder("&LabelSelector{MatchLabels:map[string]string{");
        foreach (var kv in (sel.MatchLabels ?? new()).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            sb.Append(kv.Key).Append(": ").Append(kv.Value).Append(',');
        sb.Append("},MatchExpressions:[]LabelSelectorRequirement{");
        foreach (var r in sel.MatchExpressions ?? new())
            sb.Append("LabelSelectorRequirement{Key:").Append(r.Key).Append(",Operator:").Append(r.Operator)
              .Append(",Values:[").Append(string.Join(" ", r.Values ?? new())).Append("],},");
        sb.Append("},}");
        return new(sb.ToString());
    }

    /// <summary>%#v of an intstr.IntOrString (its String method has a pointer receiver, so field errors print the struct).</summary>
    public static GoValue IntOrString(IntOrString v) => v.IsInt
        ? new($"intstr.IntOrString{{Type:0, IntVal:{v.IntVal.ToString(CultureInfo.InvariantCulture)}, StrVal:\"\"}}")
        : new($"intstr.IntOrString{{Type:1, IntVal:0, StrVal:{FieldError.Quote(v.StrVal)}}}");
}

/// <summary>Shared helpers: cloning and comparing models through their JSON form, common validators.</summary>
internal static class Util
{
    public static T Clone<T>(T value) => KubeJson.Deserialize<T>(KubeJson.Serialize(value));

    public static JsonNode? Node<T>(T value) => value is null ? null : JsonSerializer.SerializeToNode(value, KubeJson.Options);

    /// <summary>Semantic equality as the JSON forms (nulls are omitted, so absent and null compare equal).</summary>
    public static bool JsonEquals<T>(T a, T b) => JsonNode.DeepEquals(Node(a), Node(b));

    public const string NegativeMessage = "must be greater than or equal to 0";

    public static void NonNegative(long value, FieldPath path, List<FieldError> errors)
    {
        if (value < 0) errors.Add(FieldError.Invalid(path, value, NegativeMessage));
    }

    public static void Dns1123Label(string value, FieldPath path, List<FieldError> errors)
    {
        foreach (var m in NameValidation.IsDns1123Label(value)) errors.Add(FieldError.Invalid(path, value, m));
    }

    public static void Dns1123Subdomain(string value, FieldPath path, List<FieldError> errors)
    {
        foreach (var m in NameValidation.IsDns1123Subdomain(value)) errors.Add(FieldError.Invalid(path, value, m));
    }

    /// <summary>validation.IsValidPortNum.</summary>
    public static IReadOnlyList<string> PortNum(int port)
        => port is >= 1 and <= 65535 ? [] : ["must be between 1 and 65535, inclusive"];

    /// <summary>validation.IsValidPortName (IANA_SVC_NAME).</summary>
    public static IReadOnlyList<string> PortName(string port)
    {
        var errs = new List<string>();
        if (port.Length > 15) errs.Add("must be no more than 15 characters");
        if (!System.Text.RegularExpressions.Regex.IsMatch(port, "^[-a-z0-9]+$"))
            errs.Add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        if (!System.Text.RegularExpressions.Regex.IsMatch(port, "[a-z]")) errs.Add("must contain at least one letter (a-z)");
        if (port.Contains("--", StringComparison.Ordinal)) errs.Add("must not contain consecutive hyphens (-)");
        if (port.Length > 0 && (port[0] == '-' || port[^1] == '-')) errs.Add("must not begin or end with a hyphen (-)");
        return errs;
    }

    /// <summary>ValidatePortNumOrName for an IntOrString port; an absent one is Go's zero value, the int 0.</summary>
    public static void PortNumOrName(IntOrString? port, FieldPath path, List<FieldError> errors)
    {
        var v = port ?? IntOrString.FromInt(0);
        if (v.IsInt)
            foreach (var m in PortNum(v.IntVal)) errors.Add(FieldError.Invalid(path, v.IntVal, m));
        else
            foreach (var m in PortName(v.StrVal)) errors.Add(FieldError.Invalid(path, v.StrVal, m));
    }

    public static readonly TableColumn NameColumn = new("Name", "string", "name",
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names");

    public static readonly TableColumn AgeColumn = new("Age", "string", "",
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata");

    /// <summary>layoutContainerCells: container names and images, comma-joined.</summary>
    public static (string Names, string Images) ContainerCells(IEnumerable<Core.Container>? containers)
    {
        var list = containers?.ToList() ?? [];
        return (string.Join(",", list.Select(c => c.Name ?? "")), string.Join(",", list.Select(c => c.Image ?? "")));
    }
}
