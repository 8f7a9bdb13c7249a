using System.Text;

namespace Berth.Server.Tests.Protobuf;

/// <summary>A tiny protobuf writer for hand-encoding test messages: tags, varints, length-delimited fields.</summary>
public sealed class Pb
{
    private readonly List<byte> _b = [];

    public Pb Raw(params byte[] bytes) { _b.AddRange(bytes); return this; }

    public Pb Varint(ulong v)
    {
        while (v >= 0x80) { _b.Add((byte)(v | 0x80)); v >>= 7; }
        _b.Add((byte)v);
        return this;
    }

    public Pb Tag(int field, int wire) => Varint((ulong)((field << 3) | wire));
    public Pb Int(int field, long v) => Tag(field, 0).Varint((ulong)v);
    public Pb Bool(int field, bool v) => Int(field, v ? 1 : 0);
    public Pb Bytes(int field, byte[] v) { Tag(field, 2).Varint((ulong)v.Length); _b.AddRange(v); return this; }
    public Pb Str(int field, string v) => Bytes(field, Encoding.UTF8.GetBytes(v));
    public Pb Msg(int field, Pb inner) => Bytes(field, inner.ToArray());
    public Pb Msg(int field) => Bytes(field, []);
    public Pb Map(int field, string key, string value) => Msg(field, new Pb().Str(1, key).Str(2, value));
    public Pb Map(int field, string key, byte[] value) => Msg(field, new Pb().Str(1, key).Bytes(2, value));
    public Pb Quantity(int field, string v) => Msg(field, new Pb().Str(1, v));
    public Pb IntOrString(int field, int v) => Msg(field, new Pb().Int(1, 0).Int(2, v));
    public Pb IntOrString(int field, string v) => Msg(field, new Pb().Int(1, 1).Str(3, v));

    public byte[] ToArray() => [.. _b];

    /// <summary>"k8s\0" + runtime.Unknown {typeMeta {apiVersion, kind}, raw, contentEncoding "", contentType ""}, as kubectl writes it.</summary>
    public static byte[] Envelope(string apiVersion, string kind, Pb raw)
        => [.. "k8s\0"u8, .. new Pb().Msg(1, new Pb().Str(1, apiVersion).Str(2, kind)).Msg(2, raw).Str(3, "").Str(4, "").ToArray()];

    public static byte[] FromHex(string hex) => Convert.FromHexString(hex);
}
