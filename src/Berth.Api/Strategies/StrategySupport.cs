using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Validation;

namespace Berth.Api.Strategies;

/// <summary>A bad value printed verbatim (Go's %v of a struct or map), not quoted like a string.</summary>
public sealed record GoValue(string Text)
{
    public override string ToString() => Text;
}

/// <summary>Helpers shared by the strategies: semantic equality, deep copies, diffs and small upstream helpers.</summary>
public static partial class StrategySupport
{
    public const string FieldImmutable = "field is immutable";
    public const string ImmutableWhenSet = "field is immutable when `immutable` is set";
    public const int MaxSecretSize = 1 * 1024 * 1024;
    public const string BetaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class";

    /// <summary>A deep copy through JSON.</summary>
    public static T Clone<T>(T value) => KubeJson.Deserialize<T>(KubeJson.Serialize(value));

    /// <summary>
    /// apiequality.Semantic.DeepEqual, approximated on the JSON form: absent, null and empty lists are equal
    /// (Go's forked DeepEqual treats nil and empty slices alike); quantities compare by their canonical text.
    /// </summary>
    public static bool SemanticEqual<T>(T? a, T? b)
    {
        var na = Normalize(a is null ? null : JsonSerializer.SerializeToNode(a, KubeJson.Options));
        var nb = Normalize(b is null ? null : JsonSerializer.SerializeToNode(b, KubeJson.Options));
        return JsonNode.DeepEquals(na, nb);
    }

    private static JsonNode? Normalize(JsonNode? n)
    {
        switch (n)
        {
            case JsonObject o:
                var r = new JsonObject();
                foreach (var (k, v) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    var nv = Normalize(v);
                    if (nv is null || nv is JsonArray { Count: 0 }) continue;
                    r[k] = nv;
                }
                return r;
            case JsonArray a:
                var ra = new JsonArray();
                foreach (var x in a) ra.Add(Normalize(x));
                return ra;
            case null:
                return null;
            default:
                return n.DeepClone();
        }
    }

    /// <summary>A cmp.Diff-like listing of the top-level fields that differ ("- \tfield: old" / "+ \tfield: new").</summary>
    public static string Diff<T>(T? oldValue, T? newValue, string goType)
    {
        var o = Normalize(oldValue is null ? null : JsonSerializer.SerializeToNode(oldValue, KubeJson.Options)) as JsonObject ?? new JsonObject();
        var n = Normalize(newValue is null ? null : JsonSerializer.SerializeToNode(newValue, KubeJson.Options)) as JsonObject ?? new JsonObject();
        var sb = new StringBuilder();
        sb.Append("  ").Append(goType).Append("{\n");
        int same = 0;
        foreach (var key in o.Select(p => p.Key).Union(n.Select(p => p.Key)).OrderBy(k => k, StringComparer.Ordinal))
        {
            o.TryGetPropertyValue(key, out var ov);
            n.TryGetPropertyValue(key, out var nv);
            if (JsonNode.DeepEquals(ov, nv)) { same++; continue; }
            var name = char.ToUpperInvariant(key[0]) + key[1..];
            sb.Append("- \t").Append(name).Append(": ").Append(ov?.ToJsonString(KubeJson.Options) ?? "nil").Append(",\n");
            sb.Append("+ \t").Append(name).Append(": ").Append(nv?.ToJsonString(KubeJson.Options) ?? "nil").Append(",\n");
        }
        if (same > 0) sb.Append("  \t... // ").Append(same.ToString(CultureInfo.InvariantCulture)).Append(same == 1 ? " identical field\n" : " identical fields\n");
        sb.Append("  }\n");
        return sb.ToString();
    }

    /// <summary>helper.GetAccessModesAsString: short forms in the fixed order RWO, ROX, RWX, RWOP.</summary>
    public static string AccessModesShort(IEnumerable<string>? modes)
    {
        if (modes is null) return "";
        var set = modes.ToHashSet(StringComparer.Ordinal);
        var parts = new List<string>(4);
        if (set.Contains(VolumeConstants.ReadWriteOnce)) parts.Add("RWO");
        if (set.Contains(VolumeConstants.ReadOnlyMany)) parts.Add("ROX");
        if (set.Contains(VolumeConstants.ReadWriteMany)) parts.Add("RWX");
        if (set.Contains(VolumeConstants.ReadWriteOncePod)) parts.Add("RWOP");
        return string.Join(",", parts);
    }

    /// <summary>Access-mode validation shared by PV and PVC specs.</summary>
    public static void ValidateAccessModes(List<string>? modes, FieldPath path, List<FieldError> errors)
    {
        bool rwop = false, other = false;
        foreach (var mode in modes ?? [])
        {
            if (!VolumeConstants.AccessModes.Contains(mode))
                errors.Add(FieldError.NotSupported(path, mode, VolumeConstants.AccessModes));
            if (mode == VolumeConstants.ReadWriteOncePod) rwop = true;
            else if (VolumeConstants.AccessModes.Contains(mode)) other = true;
        }
        if (rwop && other)
            errors.Add(FieldError.Forbidden(path, "may not use ReadWriteOncePod with other access modes"));
    }

    public static readonly string[] VolumeModes = [VolumeConstants.Block, VolumeConstants.Filesystem];

    /// <summary>ValidateClassName (a DNS subdomain) as field.Invalid errors.</summary>
    public static void ValidateClassName(string name, FieldPath path, List<FieldError> errors)
    {
        foreach (var msg in NameValidation.IsDns1123Subdomain(name))
            errors.Add(FieldError.Invalid(path, name, msg));
    }

    /// <summary>ValidatePositiveQuantityValue: "must be greater than zero".</summary>
    public static bool ValidatePositive(Quantity q, FieldPath path, List<FieldError> errors)
    {
        if (q.Sign <= 0) { errors.Add(FieldError.Invalid(path, q.ToString(), "must be greater than zero")); return false; }
        return true;
    }

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigMapKeyRegex();

    /// <summary>
    /// validation.IsConfigMapKey (apimachinery) — written here because Validation/ has no such helper yet;
    /// move it next to NameValidation when that lands.
    /// </summary>
    public static IReadOnlyList<string> IsConfigMapKey(string value)
    {
        var errs = new List<string>();
        if (value.Length > 253) errs.Add("must be no more than 253 characters");
        if (!ConfigMapKeyRegex().IsMatch(value))
            errs.Add("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
        if (value == ".") errs.Add("must not be '.'");
        else if (value == "..") errs.Add("must not be '..'");
        else if (value.StartsWith("..", StringComparison.Ordinal)) errs.Add("must not start with '..'");
        return errs;
    }

    /// <summary>metav1.Time now (second precision).</summary>
    public static DateTimeOffset NowSeconds()
    {
        var n = DateTimeOffset.UtcNow;
        return new DateTimeOffset(n.Ticks - n.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
    }

    public static bool DictEqual<TV>(Dictionary<string, TV>? a, Dictionary<string, TV>? b, Func<TV, TV, bool> eq)
    {
        if (a is null || b is null) return a is null && b is null;
        if (a.Count != b.Count) return false;
        foreach (var (k, v) in a)
            if (!b.TryGetValue(k, out var w) || !eq(v, w)) return false;
        return true;
    }
}
