using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Berth.Kubelet.Streaming.Spdy;

/// <summary>
/// SPDY/3 header blocks (name/value pairs, zlib-compressed with one stream per direction and the spec's preset
/// dictionary). Reading: .NET's inflater takes no preset dictionary, so the dictionary is fed to it first as a stored
/// deflate block (its output discarded); the peer's back-references into the dictionary then resolve against the window.
/// Writing: each block goes out as one stored (uncompressed) deflate block plus the empty stored block of a sync flush,
/// which any zlib reader accepts and which ends byte-aligned, so nothing is carried between blocks.
/// </summary>
public sealed class HeaderCodec
{
    /// <summary>The SPDY/3 header compression dictionary (draft-mbelshe-httpbis-spdy-00, 2.6.10.1).</summary>
    public static readonly byte[] Dictionary = Convert.FromBase64String(
        "AAAAB29wdGlvbnMAAAAEaGVhZAAAAARwb3N0AAAAA3B1dAAAAAZkZWxldGUAAAAFdHJhY2UAAAAGYWNjZXB0AAAADmFjY2VwdC1jaGFyc2V0AA" +
        "AAD2FjY2VwdC1lbmNvZGluZwAAAA9hY2NlcHQtbGFuZ3VhZ2UAAAANYWNjZXB0LXJhbmdlcwAAAANhZ2UAAAAFYWxsb3cAAAANYXV0aG9yaXph" +
        "dGlvbgAAAA1jYWNoZS1jb250cm9sAAAACmNvbm5lY3Rpb24AAAAMY29udGVudC1iYXNlAAAAEGNvbnRlbnQtZW5jb2RpbmcAAAAQY29udGVudC" +
        "1sYW5ndWFnZQAAAA5jb250ZW50LWxlbmd0aAAAABBjb250ZW50LWxvY2F0aW9uAAAAC2NvbnRlbnQtbWQ1AAAADWNvbnRlbnQtcmFuZ2UAAAAM" +
        "Y29udGVudC10eXBlAAAABGRhdGUAAAAEZXRhZwAAAAZleHBlY3QAAAAHZXhwaXJlcwAAAARmcm9tAAAABGhvc3QAAAAIaWYtbWF0Y2gAAAARaW" +
        "YtbW9kaWZpZWQtc2luY2UAAAANaWYtbm9uZS1tYXRjaAAAAAhpZi1yYW5nZQAAABNpZi11bm1vZGlmaWVkLXNpbmNlAAAADWxhc3QtbW9kaWZp" +
        "ZWQAAAAIbG9jYXRpb24AAAAMbWF4LWZvcndhcmRzAAAABnByYWdtYQAAABJwcm94eS1hdXRoZW50aWNhdGUAAAATcHJveHktYXV0aG9yaXphdG" +
        "lvbgAAAAVyYW5nZQAAAAdyZWZlcmVyAAAAC3JldHJ5LWFmdGVyAAAABnNlcnZlcgAAAAJ0ZQAAAAd0cmFpbGVyAAAAEXRyYW5zZmVyLWVuY29k" +
        "aW5nAAAAB3VwZ3JhZGUAAAAKdXNlci1hZ2VudAAAAAR2YXJ5AAAAA3ZpYQAAAAd3YXJuaW5nAAAAEHd3dy1hdXRoZW50aWNhdGUAAAAGbWV0aG" +
        "9kAAAAA2dldAAAAAZzdGF0dXMAAAAGMjAwIE9LAAAAB3ZlcnNpb24AAAAISFRUUC8xLjEAAAADdXJsAAAABnB1YmxpYwAAAApzZXQtY29va2ll" +
        "AAAACmtlZXAtYWxpdmUAAAAGb3JpZ2luMTAwMTAxMjAxMjAyMjA1MjA2MzAwMzAyMzAzMzA0MzA1MzA2MzA3NDAyNDA1NDA2NDA3NDA4NDA5ND" +
        "EwNDExNDEyNDEzNDE0NDE1NDE2NDE3NTAyNTA0NTA1MjAzIE5vbi1BdXRob3JpdGF0aXZlIEluZm9ybWF0aW9uMjA0IE5vIENvbnRlbnQzMDEg" +
        "TW92ZWQgUGVybWFuZW50bHk0MDAgQmFkIFJlcXVlc3Q0MDEgVW5hdXRob3JpemVkNDAzIEZvcmJpZGRlbjQwNCBOb3QgRm91bmQ1MDAgSW50ZX" +
        "JuYWwgU2VydmVyIEVycm9yNTAxIE5vdCBJbXBsZW1lbnRlZDUwMyBTZXJ2aWNlIFVuYXZhaWxhYmxlSmFuIEZlYiBNYXIgQXByIE1heSBKdW4g" +
        "SnVsIEF1ZyBTZXB0IE9jdCBOb3YgRGVjIDAwOjAwOjAwIE1vbiwgVHVlLCBXZWQsIFRodSwgRnJpLCBTYXQsIFN1biwgR01UY2h1bmtlZCx0ZX" +
        "h0L2h0bWwsaW1hZ2UvcG5nLGltYWdlL2pwZyxpbWFnZS9naWYsYXBwbGljYXRpb24veG1sLGFwcGxpY2F0aW9uL3hodG1sK3htbCx0ZXh0L3Bs" +
        "YWluLHRleHQvamF2YXNjcmlwdCxwdWJsaWNwcml2YXRlbWF4LWFnZT1nemlwLGRlZmxhdGUsc2RjaGNoYXJzZXQ9dXRmLThjaGFyc2V0PWlzby" +
        "04ODU5LTEsdXRmLSwqLGVucT0wLg==");

    private readonly FeedStream _feed = new();
    private readonly DeflateStream _inflater;
    private bool _readZlibHeader;
    private bool _wroteZlibHeader;

    public HeaderCodec()
    {
        _feed.Push(StoredBlock(Dictionary, 0, Dictionary.Length));
        _inflater = new DeflateStream(_feed, CompressionMode.Decompress);
        var discard = new byte[Dictionary.Length];
        _inflater.ReadExactly(discard);
    }

    /// <summary>Decodes one compressed header block (the rest of a SYN_STREAM, SYN_REPLY or HEADERS frame).</summary>
    public List<KeyValuePair<string, string>> Decode(ReadOnlySpan<byte> compressed)
    {
        if (!_readZlibHeader)
        {
            // The zlib header (and, with FDICT, the dictionary's id) starts the first block only.
            if (compressed.Length < 2) throw new InvalidDataException("SPDY header block too short");
            int skip = (compressed[1] & 0x20) != 0 ? 6 : 2;
            compressed = compressed[skip..];
            _readZlibHeader = true;
        }
        _feed.Push(compressed.ToArray());
        var count = ReadInt();
        if (count is < 0 or > 1024) throw new InvalidDataException("SPDY header block has too many headers");
        var headers = new List<KeyValuePair<string, string>>(count);
        for (int i = 0; i < count; i++)
        {
            var name = ReadString();
            var value = ReadString();
            // Several values of one name are joined by NUL.
            foreach (var v in value.Split('\0')) headers.Add(new(name, v));
        }
        return headers;
    }

    /// <summary>Encodes a header block for a frame this side sends.</summary>
    public byte[] Encode(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var plain = new MemoryStream();
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(four, headers.Count);
        plain.Write(four);
        foreach (var (k, v) in headers)
        {
            foreach (var s in new[] { k.ToLowerInvariant(), v })
            {
                var b = Encoding.UTF8.GetBytes(s);
                BinaryPrimitives.WriteInt32BigEndian(four, b.Length);
                plain.Write(four);
                plain.Write(b);
            }
        }
        var outp = new MemoryStream();
        if (!_wroteZlibHeader)
        {
            outp.WriteByte(0x78); // deflate, 32K window
            outp.WriteByte(0x01); // no preset dictionary needed: nothing we write refers to it
            _wroteZlibHeader = true;
        }
        var body = plain.ToArray();
        outp.Write(StoredBlock(body, 0, body.Length));
        // An empty stored block, as zlib's sync flush ends with: Go's inflater hands out a block's bytes only when it
        // reaches the next block header, so without it the reader would wait for bytes of the next frame.
        outp.Write(StoredBlock([], 0, 0));
        return outp.ToArray();
    }

    /// <summary>A non-final stored deflate block (at most 65535 bytes).</summary>
    private static byte[] StoredBlock(byte[] data, int offset, int length)
    {
        if (length > 0xFFFF) throw new ArgumentOutOfRangeException(nameof(length));
        var b = new byte[5 + length];
        b[0] = 0; // BFINAL=0, BTYPE=00 (stored)
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(1), (ushort)length);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(3), (ushort)~length);
        Array.Copy(data, offset, b, 5, length);
        return b;
    }

    private int ReadInt()
    {
        Span<byte> four = stackalloc byte[4];
        ReadExactly(four);
        return BinaryPrimitives.ReadInt32BigEndian(four);
    }

    private string ReadString()
    {
        var n = ReadInt();
        if (n is < 0 or > 1 << 20) throw new InvalidDataException("SPDY header too long");
        var b = new byte[n];
        ReadExactly(b);
        return Encoding.UTF8.GetString(b);
    }

    private void ReadExactly(Span<byte> into)
    {
        while (into.Length > 0)
        {
            var n = _inflater.Read(into);
            if (n <= 0) throw new InvalidDataException("SPDY header block is truncated");
            into = into[n..];
        }
    }

    /// <summary>The inflater's input: the bytes pushed so far; empty (0) when drained, never blocking.</summary>
    private sealed class FeedStream : ReadOnlyStream
    {
        private readonly Queue<byte[]> _chunks = new();
        private int _offset;

        public void Push(byte[] chunk) { if (chunk.Length > 0) _chunks.Enqueue(chunk); }
        public void Clear() { _chunks.Clear(); _offset = 0; }

        public override int Read(Span<byte> buffer)
        {
            if (_chunks.Count == 0) return 0;
            var head = _chunks.Peek();
            var n = Math.Min(buffer.Length, head.Length - _offset);
            head.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            if (_offset == head.Length) { _chunks.Dequeue(); _offset = 0; }
            return n;
        }
    }
}
