namespace Berth.Server.Protobuf;

/// <summary>A request body that is not well-formed Kubernetes protobuf. A <see cref="FormatException"/>, so the API answers 400.</summary>
public sealed class ProtobufFormatException(string message) : FormatException(message);

/// <summary>Protobuf wire types (the low three bits of a tag).</summary>
internal enum WireType { Varint = 0, Fixed64 = 1, Len = 2, StartGroup = 3, EndGroup = 4, Fixed32 = 5 }

/// <summary>
/// Reads the protobuf wire format from a span: tags, varints, length-delimited fields, fixed32/64.
/// Every read checks its bounds; malformed input throws <see cref="ProtobufFormatException"/> naming <c>where</c>.
/// </summary>
internal ref struct WireReader(ReadOnlySpan<byte> data, string where)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public readonly bool End => _pos >= _data.Length;
    public readonly string Where => where;

    public (int Field, WireType Wire) ReadTag()
    {
        var at = _pos;
        var tag = ReadVarint();
        var field = tag >> 3;
        var wire = (int)(tag & 7);
        if (field is 0 or > 0x1FFF_FFFF) throw Error($"invalid field number {field} at offset {at}");
        if (wire > 5) throw Error($"invalid wire type {wire} at offset {at}");
        return ((int)field, (WireType)wire);
    }

    public ulong ReadVarint()
    {
        var at = _pos;
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_pos >= _data.Length) throw Error($"truncated varint at offset {at}");
            var b = _data[_pos++];
            if (shift == 63 && b > 1) throw Error($"varint overflows 64 bits at offset {at}");
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw Error($"varint longer than 10 bytes at offset {at}");
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        var at = _pos;
        var len = ReadVarint();
        if (len > (ulong)(_data.Length - _pos))
            throw Error($"length {len} at offset {at} runs past the end of the data ({_data.Length - _pos} bytes left)");
        var s = _data.Slice(_pos, (int)len);
        _pos += (int)len;
        return s;
    }

    public uint ReadFixed32()
    {
        if (_data.Length - _pos < 4) throw Error($"truncated fixed32 at offset {_pos}");
        var v = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(_data.Slice(_pos, 4));
        _pos += 4;
        return v;
    }

    public ulong ReadFixed64()
    {
        if (_data.Length - _pos < 8) throw Error($"truncated fixed64 at offset {_pos}");
        var v = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(_data.Slice(_pos, 8));
        _pos += 8;
        return v;
    }

    /// <summary>Skips a field this reader has no schema entry for.</summary>
    public void Skip(int field, WireType wire)
    {
        switch (wire)
        {
            case WireType.Varint: ReadVarint(); break;
            case WireType.Fixed64: ReadFixed64(); break;
            case WireType.Len: ReadBytes(); break;
            case WireType.Fixed32: ReadFixed32(); break;
            default: throw Error($"field {field} uses groups (wire type {(int)wire}), which Kubernetes protobuf never does");
        }
    }

    public readonly ProtobufFormatException Error(string message)
        => new(where.Length == 0 ? message : $"{where}: {message}");
}
