using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Berth.Server.Protobuf;

/// <summary>
/// Turns a Kubernetes protobuf request body (what kubectl's generator commands send) into the JSON object a client
/// would have sent: "k8s\0" magic, then runtime.Unknown {1: typeMeta {1: apiVersion, 2: kind}, 2: raw,
/// 3: contentEncoding, 4: contentType}, where raw is the object's message, decoded with <see cref="KubeSchemas"/>.
/// </summary>
public static class KubeProtobuf
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static ReadOnlySpan<byte> Magic => "k8s\0"u8;

    public static bool IsProtobuf(string? contentType)
        => contentType is not null && contentType.StartsWith(MediaType, StringComparison.OrdinalIgnoreCase)
            && (contentType.Length == MediaType.Length || contentType[MediaType.Length] is ';' or ' ');

    /// <exception cref="ProtobufFormatException">The body is not well-formed, or holds a kind this table does not know.</exception>
    public static JsonObject ToJson(ReadOnlySpan<byte> body)
    {
        if (body.Length < Magic.Length || !body[..Magic.Length].SequenceEqual(Magic))
            throw new ProtobufFormatException("the protobuf body does not start with the Kubernetes magic number \"k8s\\x00\"");

        string apiVersion = "", kind = "", encoding = "", contentType = "";
        ReadOnlySpan<byte> raw = default;
        var r = new WireReader(body[Magic.Length..], "runtime.Unknown");
        while (!r.End)
        {
            var (field, wire) = r.ReadTag();
            switch (field)
            {
                case 1:
                    var tm = new WireReader(ExpectLen(ref r, field, wire), "runtime.Unknown.typeMeta");
                    while (!tm.End)
                    {
                        var (f, w) = tm.ReadTag();
                        if (f == 1) apiVersion = Utf8(ExpectLen(ref tm, f, w), tm.Where);
                        else if (f == 2) kind = Utf8(ExpectLen(ref tm, f, w), tm.Where);
                        else tm.Skip(f, w);
                    }
                    break;
                case 2: raw = ExpectLen(ref r, field, wire); break;
                case 3: encoding = Utf8(ExpectLen(ref r, field, wire), r.Where); break;
                case 4: contentType = Utf8(ExpectLen(ref r, field, wire), r.Where); break;
                default: r.Skip(field, wire); break;
            }
        }
        if (kind.Length == 0 || apiVersion.Length == 0)
            throw new ProtobufFormatException("the protobuf envelope (runtime.Unknown) names no apiVersion and kind");
        if (encoding.Length != 0)
            throw new ProtobufFormatException($"the protobuf envelope's content encoding \"{encoding}\" is not supported");
        if (contentType.Length != 0 && !contentType.StartsWith(MediaType, StringComparison.OrdinalIgnoreCase))
            throw new ProtobufFormatException($"the protobuf envelope's content type \"{contentType}\" is not supported");
        if (!KubeSchemas.Kinds.TryGetValue((apiVersion, kind), out var schema))
            throw new ProtobufFormatException($"protobuf is not supported for {kind} in version \"{apiVersion}\"; send JSON or YAML");

        var json = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
        ReadMessage(raw, schema, json, kind);
        return json;
    }

    /// <summary>Decodes one message into <paramref name="into"/> (new fields are added; repeated fields append).</summary>
    private static void ReadMessage(ReadOnlySpan<byte> data, MessageDef msg, JsonObject into, string path)
    {
        var r = new WireReader(data, path);
        while (!r.End)
        {
            var (number, wire) = r.ReadTag();
            if (!msg.ByNumber.TryGetValue(number, out var f)) { r.Skip(number, wire); continue; }
            ReadField(ref r, f, wire, into, path);
        }
    }

    private static void ReadField(ref WireReader r, FieldDef f, WireType wire, JsonObject into, string path)
    {
        var here = path + "." + f.Name;
        switch (f.Kind)
        {
            case FieldKind.Inline:
                ReadMessage(ExpectLen(ref r, f.Number, wire), f.Message!, into, path);
                return;
            case FieldKind.Message when !f.Repeated:
                var obj = into[f.Name] as JsonObject ?? new JsonObject(); // a repeated occurrence merges, as protobuf does
                ReadMessage(ExpectLen(ref r, f.Number, wire), f.Message!, obj, here);
                into[f.Name] = obj;
                return;
            case FieldKind.StringMap or FieldKind.BytesMap or FieldKind.QuantityMap:
                var map = into[f.Name] as JsonObject ?? new JsonObject();
                var (key, value) = ReadMapEntry(ExpectLen(ref r, f.Number, wire), f.Kind, here);
                map[key] = value;
                into[f.Name] = map;
                return;
        }

        if (f.Repeated)
        {
            var arr = into[f.Name] as JsonArray ?? new JsonArray();
            if (wire == WireType.Len && f.Kind is FieldKind.Bool or FieldKind.Int32 or FieldKind.Int64)
            {
                // a packed repeated scalar: varints back to back
                var packed = new WireReader(r.ReadBytes(), here);
                while (!packed.End) arr.Add(Scalar(ref packed, f, WireType.Varint, out _));
            }
            else arr.Add(Scalar(ref r, f, wire, out _));
            into[f.Name] = arr;
            return;
        }

        var v = Scalar(ref r, f, wire, out var zero);
        if (zero && !f.Ptr) into.Remove(f.Name); // plain Go fields are always on the wire; zero means "not set" (omitempty)
        else into[f.Name] = v;
    }

    /// <summary>Reads one value of a non-map field; <paramref name="zero"/> says whether it is the Go zero value.</summary>
    private static JsonNode? Scalar(ref WireReader r, FieldDef f, WireType wire, out bool zero)
    {
        var here = r.Where + "." + f.Name;
        switch (f.Kind)
        {
            case FieldKind.String:
                var s = Utf8(ExpectLen(ref r, f.Number, wire), r.Where);
                zero = s.Length == 0;
                return JsonValue.Create(s);
            case FieldKind.Bytes:
                var b = ExpectLen(ref r, f.Number, wire);
                zero = b.Length == 0;
                return JsonValue.Create(Convert.ToBase64String(b));
            case FieldKind.Bool:
                var flag = ExpectVarint(ref r, f.Number, wire) != 0;
                zero = !flag;
                return JsonValue.Create(flag);
            case FieldKind.Int32:
                var i = (int)(long)ExpectVarint(ref r, f.Number, wire); // negative int32s are sign-extended to 64 bits
                zero = i == 0;
                return JsonValue.Create(i);
            case FieldKind.Int64:
                var l = (long)ExpectVarint(ref r, f.Number, wire);
                zero = l == 0;
                return JsonValue.Create(l);
            case FieldKind.Quantity:
                var q = ReadQuantity(ExpectLen(ref r, f.Number, wire), here);
                zero = q.Length == 0;
                return JsonValue.Create(q.Length == 0 ? "0" : q);
            case FieldKind.Time or FieldKind.MicroTime:
                var (sec, nanos) = ReadTime(ExpectLen(ref r, f.Number, wire), here);
                zero = sec == 0 && nanos == 0;
                return JsonValue.Create(FormatTime(sec, nanos, f.Kind == FieldKind.MicroTime, here));
            case FieldKind.IntOrString:
                return ReadIntOrString(ExpectLen(ref r, f.Number, wire), here, out zero);
            case FieldKind.Message:
                zero = false;
                var obj = new JsonObject();
                ReadMessage(ExpectLen(ref r, f.Number, wire), f.Message!, obj, here);
                return obj;
            default:
                throw new InvalidOperationException($"protobuf schema: unexpected field kind {f.Kind}");
        }
    }

    private static (string Key, JsonNode? Value) ReadMapEntry(ReadOnlySpan<byte> entry, FieldKind kind, string path)
    {
        string key = "";
        JsonNode? value = kind switch
        {
            FieldKind.BytesMap => JsonValue.Create(""),
            FieldKind.QuantityMap => JsonValue.Create("0"),
            _ => JsonValue.Create(""),
        };
        var r = new WireReader(entry, path);
        while (!r.End)
        {
            var (f, w) = r.ReadTag();
            if (f == 1) key = Utf8(ExpectLen(ref r, f, w), r.Where);
            else if (f == 2)
            {
                var v = ExpectLen(ref r, f, w);
                value = kind switch
                {
                    FieldKind.BytesMap => JsonValue.Create(Convert.ToBase64String(v)),
                    FieldKind.QuantityMap => JsonValue.Create(ReadQuantity(v, path + "[" + key + "]") is { Length: > 0 } q ? q : "0"),
                    _ => JsonValue.Create(Utf8(v, r.Where)),
                };
            }
            else r.Skip(f, w);
        }
        return (key, value);
    }

    private static string ReadQuantity(ReadOnlySpan<byte> data, string path)
    {
        var s = "";
        var r = new WireReader(data, path);
        while (!r.End)
        {
            var (f, w) = r.ReadTag();
            if (f == 1) s = Utf8(ExpectLen(ref r, f, w), r.Where);
            else r.Skip(f, w);
        }
        return s;
    }

    private static (long Seconds, int Nanos) ReadTime(ReadOnlySpan<byte> data, string path)
    {
        long seconds = 0;
        int nanos = 0;
        var r = new WireReader(data, path);
        while (!r.End)
        {
            var (f, w) = r.ReadTag();
            if (f == 1) seconds = (long)ExpectVarint(ref r, f, w);
            else if (f == 2) nanos = (int)(long)ExpectVarint(ref r, f, w);
            else r.Skip(f, w);
        }
        return (seconds, nanos);
    }

    private static string FormatTime(long seconds, int nanos, bool micro, string path)
    {
        if (seconds < -62135596800 || seconds > 253402300799 || nanos is < 0 or > 999_999_999)
            throw new ProtobufFormatException($"{path}: time {seconds}s {nanos}ns is out of range");
        var t = DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime;
        return micro
            ? t.AddTicks(nanos / 100).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)
            : t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private static JsonNode ReadIntOrString(ReadOnlySpan<byte> data, string path, out bool zero)
    {
        long type = 0;
        int intVal = 0;
        string strVal = "";
        var r = new WireReader(data, path);
        while (!r.End)
        {
            var (f, w) = r.ReadTag();
            switch (f)
            {
                case 1: type = (long)ExpectVarint(ref r, f, w); break;
                case 2: intVal = (int)(long)ExpectVarint(ref r, f, w); break;
                case 3: strVal = Utf8(ExpectLen(ref r, f, w), r.Where); break;
                default: r.Skip(f, w); break;
            }
        }
        switch (type)
        {
            case 0: zero = intVal == 0; return JsonValue.Create(intVal);
            case 1: zero = strVal.Length == 0; return JsonValue.Create(strVal);
            default: throw new ProtobufFormatException($"{path}: IntOrString type {type} is neither 0 (int) nor 1 (string)");
        }
    }

    /// <summary>Reads a varint field's value after checking the wire type.</summary>
    private static ulong ExpectVarint(scoped ref WireReader r, int field, WireType wire)
    {
        if (wire != WireType.Varint) throw WrongWire(r.Where, field, wire, WireType.Varint);
        return r.ReadVarint();
    }

    /// <summary>Reads a length-delimited field's bytes after checking the wire type.</summary>
    private static ReadOnlySpan<byte> ExpectLen(scoped ref WireReader r, int field, WireType wire)
    {
        if (wire != WireType.Len) throw WrongWire(r.Where, field, wire, WireType.Len);
        return r.ReadBytes();
    }

    private static ProtobufFormatException WrongWire(string where, int field, WireType wire, WireType expected)
        => new($"{where}: field {field} has wire type {(int)wire} ({wire}), expected {(int)expected} ({expected})");

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string Utf8(ReadOnlySpan<byte> bytes, string where)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { throw new ProtobufFormatException($"{where}: a string field is not valid UTF-8"); }
    }
}
