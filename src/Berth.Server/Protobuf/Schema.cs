namespace Berth.Server.Protobuf;

/// <summary>How a field's protobuf value becomes JSON.</summary>
internal enum FieldKind
{
    String, Bytes, Bool, Int32, Int64,
    /// <summary>resource.Quantity: message {1: string} → JSON string.</summary>
    Quantity,
    /// <summary>metav1.Time: message {1: seconds, 2: nanos} → RFC 3339 string (seconds precision, as Go writes it).</summary>
    Time,
    /// <summary>metav1.MicroTime → RFC 3339 string with microseconds.</summary>
    MicroTime,
    /// <summary>intstr.IntOrString: message {1: type, 2: intVal, 3: strVal} → number or string.</summary>
    IntOrString,
    /// <summary>A nested message → JSON object.</summary>
    Message,
    /// <summary>An embedded Go struct (json ",inline"): the message's fields land in the parent object.</summary>
    Inline,
    /// <summary>map&lt;string, string&gt;.</summary>
    StringMap,
    /// <summary>map&lt;string, bytes&gt; → base64 strings.</summary>
    BytesMap,
    /// <summary>map&lt;string, Quantity&gt;.</summary>
    QuantityMap,
}

/// <summary>
/// One field of a message. <see cref="Ptr"/> marks a Go pointer field (*int32, *bool, *string, *IntOrString, ...):
/// its value is kept even when zero. Plain Go fields are always on the wire, so their zero values are dropped
/// (Go's omitempty), which keeps "absent" and "zero" the same, as they are for the Go decoder.
/// </summary>
internal sealed record FieldDef(int Number, string Name, FieldKind Kind, bool Repeated = false, bool Ptr = false, string? MessageName = null)
{
    /// <summary>The nested message's schema; set when the table is built.</summary>
    public MessageDef? Message { get; set; }
}

/// <summary>A message's fields by number.</summary>
internal sealed class MessageDef(string name, IReadOnlyList<FieldDef> fields)
{
    public string Name { get; } = name;
    public IReadOnlyList<FieldDef> Fields { get; } = fields;
    public Dictionary<int, FieldDef> ByNumber { get; } = fields.ToDictionary(f => f.Number);
}

/// <summary>Helpers that keep the schema table terse: one call per field.</summary>
internal static class Fields
{
    public static FieldDef Str(int n, string name) => new(n, name, FieldKind.String);
    public static FieldDef Strs(int n, string name) => new(n, name, FieldKind.String, Repeated: true);
    public static FieldDef Bytes(int n, string name) => new(n, name, FieldKind.Bytes);
    public static FieldDef Bool(int n, string name) => new(n, name, FieldKind.Bool);
    public static FieldDef I32(int n, string name) => new(n, name, FieldKind.Int32);
    public static FieldDef I64(int n, string name) => new(n, name, FieldKind.Int64);
    public static FieldDef I64s(int n, string name) => new(n, name, FieldKind.Int64, Repeated: true);
    public static FieldDef Qty(int n, string name) => new(n, name, FieldKind.Quantity);
    public static FieldDef Time(int n, string name) => new(n, name, FieldKind.Time);
    public static FieldDef MicroTime(int n, string name) => new(n, name, FieldKind.MicroTime);
    public static FieldDef IntStr(int n, string name) => new(n, name, FieldKind.IntOrString);
    public static FieldDef Msg(int n, string name, string message) => new(n, name, FieldKind.Message, MessageName: message);
    public static FieldDef Msgs(int n, string name, string message) => new(n, name, FieldKind.Message, Repeated: true, MessageName: message);
    public static FieldDef Inline(int n, string message) => new(n, "", FieldKind.Inline, MessageName: message);
    public static FieldDef StrMap(int n, string name) => new(n, name, FieldKind.StringMap);
    public static FieldDef BytesMap(int n, string name) => new(n, name, FieldKind.BytesMap);
    public static FieldDef QtyMap(int n, string name) => new(n, name, FieldKind.QuantityMap);

    /// <summary>Marks a Go pointer field: zero values are kept.</summary>
    public static FieldDef Ptr(FieldDef f) => f with { Ptr = true };
}
