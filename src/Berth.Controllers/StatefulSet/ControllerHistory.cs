using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Apps;
using Berth.Api.Core;
using Berth.Api.Meta;

namespace Berth.Controllers.StatefulSets;

/// <summary>
/// pkg/controller/history and the revision helpers of stateful_set_utils.go: the stored patch of a set's template,
/// its hash and name, equality of revisions, and applying a revision back onto a set.
/// </summary>
public static class ControllerHistory
{
    /// <summary>k8s.io/apimachinery/pkg/util/rand's alphabet (no vowels, no confusable digits).</summary>
    public const string SafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>
    /// getPatch: <c>{"spec":{"template":{"$patch":"replace",...}}}</c> as Go's json.Marshal of a map writes it (keys sorted,
    /// HTML characters escaped). The template is the API form Go would encode: <c>metadata.creationTimestamp: null</c> and
    /// <c>resources: {}</c> in containers are written as upstream's non-pointer structs are.
    /// </summary>
    public static byte[] Patch(StatefulSet set)
    {
        var template = KubeJson.ToNode(set.Spec?.Template ?? new PodTemplateSpec());
        if (template["metadata"] is not JsonObject meta) template["metadata"] = meta = new JsonObject();
        if (!meta.ContainsKey("creationTimestamp")) meta["creationTimestamp"] = null;
        if (template["spec"] is JsonObject spec)
            foreach (var list in new[] { "containers", "initContainers" })
                if (spec[list] is JsonArray cs)
                    foreach (var c in cs) if (c is JsonObject co && !co.ContainsKey("resources")) co["resources"] = new JsonObject();
        template["$patch"] = "replace";
        var patch = new JsonObject { ["spec"] = new JsonObject { ["template"] = template } };
        return Encoding.UTF8.GetBytes(GoJson.Marshal(patch));
    }

    /// <summary>
    /// HashControllerRevision: FNV-1 32-bit (Go's fnv.New32, as upstream) over the data and the decimal collision count,
    /// the decimal digits of the sum mapped through <see cref="SafeEncodeString"/>.
    /// </summary>
    public static string Hash(byte[] data, int? collisionCount)
    {
        uint h = 2166136261;
        void Add(ReadOnlySpan<byte> bytes) { foreach (var b in bytes) { h *= 16777619; h ^= b; } }
        Add(data);
        if (collisionCount is { } c) Add(Encoding.ASCII.GetBytes(c.ToString(CultureInfo.InvariantCulture)));
        return SafeEncodeString(h.ToString(CultureInfo.InvariantCulture));
    }

    public static string SafeEncodeString(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var ch in s) sb.Append(SafeAlphabet[ch % SafeAlphabet.Length]);
        return sb.ToString();
    }

    /// <summary>ControllerRevisionName: prefix truncated to 223 characters.</summary>
    public static string RevisionName(string prefix, string hash) => $"{(prefix.Length > 223 ? prefix[..223] : prefix)}-{hash}";

    /// <summary>newRevision: the revision of the set's current template (name from the hash with the given collision count).</summary>
    public static ControllerRevision NewRevision(StatefulSet set, long revision, int collisionCount)
    {
        var data = Patch(set);
        var hash = Hash(data, collisionCount);
        var labels = set.Spec?.Template?.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : new Dictionary<string, string>();
        labels[StatefulSetUtils.HashLabel] = hash;
        using var doc = JsonDocument.Parse(data);
        return new ControllerRevision
        {
            ApiVersion = StatefulSetUtils.AppsV1,
            Kind = "ControllerRevision",
            Metadata = new ObjectMeta
            {
                Name = RevisionName(set.Metadata.Name ?? "", hash),
                Namespace = set.Metadata.Namespace,
                Labels = labels,
                Annotations = set.Metadata.Annotations is { Count: > 0 } a ? new Dictionary<string, string>(a) : null,
                OwnerReferences = [StatefulSetUtils.ControllerRef(set)],
            },
            Data = doc.RootElement.Clone(),
            Revision = revision,
        };
    }

    /// <summary>The data in canonical (Go json.Marshal) form, for comparisons and hashing of stored revisions.</summary>
    public static byte[] CanonicalData(ControllerRevision r)
        => r.Data is { } d && d.ValueKind != JsonValueKind.Undefined ? Encoding.UTF8.GetBytes(GoJson.Marshal(JsonNode.Parse(d.GetRawText()))) : [];

    /// <summary>EqualRevision: same data.</summary>
    public static bool Equal(ControllerRevision a, ControllerRevision b) => CanonicalData(a).AsSpan().SequenceEqual(CanonicalData(b));

    /// <summary>nextRevision: one more than the largest revision number (1 for none).</summary>
    public static long NextRevision(IReadOnlyList<ControllerRevision> revisions)
        => revisions.Count == 0 ? 1 : revisions.Max(r => r.Revision ?? 0) + 1;

    /// <summary>ApplyRevision: a copy of the set whose template is the revision's.</summary>
    public static StatefulSet ApplyRevision(StatefulSet set, ControllerRevision revision)
    {
        var copy = Berth.Client.KubeObjects.DeepCopy(set);
        if (revision.Data is not { ValueKind: JsonValueKind.Object } d) return copy;
        var node = JsonNode.Parse(d.GetRawText());
        if (node?["spec"]?["template"] is not JsonObject template) return copy;
        template.Remove("$patch");
        if (template["metadata"] is JsonObject meta && meta["creationTimestamp"] is null) meta.Remove("creationTimestamp");
        copy.Spec ??= new StatefulSetSpec();
        copy.Spec.Template = KubeJson.Deserialize<PodTemplateSpec>(template);
        return copy;
    }
}

/// <summary>Go's encoding/json output for a generic value: object keys sorted bytewise, HTML-safe string escaping.</summary>
public static class GoJson
{
    public static string Marshal(JsonNode? node)
    {
        var sb = new StringBuilder();
        Write(sb, node);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, JsonNode? n)
    {
        switch (n)
        {
            case null: sb.Append("null"); break;
            case JsonObject o:
                sb.Append('{');
                bool first = true;
                foreach (var kv in o.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, kv.Key);
                    sb.Append(':');
                    Write(sb, kv.Value);
                }
                sb.Append('}');
                break;
            case JsonArray a:
                sb.Append('[');
                for (int i = 0; i < a.Count; i++) { if (i > 0) sb.Append(','); Write(sb, a[i]); }
                sb.Append(']');
                break;
            case JsonValue v:
                switch (v.GetValueKind())
                {
                    case JsonValueKind.String: WriteString(sb, v.GetValue<string>()); break;
                    case JsonValueKind.True: sb.Append("true"); break;
                    case JsonValueKind.False: sb.Append("false"); break;
                    case JsonValueKind.Null: sb.Append("null"); break;
                    default: sb.Append(v.ToJsonString()); break;
                }
                break;
        }
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var ch in s)
        {
            switch (ch)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '<': sb.Append("\\u003c"); break;
                case '>': sb.Append("\\u003e"); break;
                case '&': sb.Append("\\u0026"); break;
                case '\u2028': sb.Append("\\u2028"); break;
                case '\u2029': sb.Append("\\u2029"); break;
                default:
                    if (ch < 0x20) sb.Append("\\u00").Append(((int)ch).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append(ch);
                    break;
            }
        }
        sb.Append('"');
    }
}
