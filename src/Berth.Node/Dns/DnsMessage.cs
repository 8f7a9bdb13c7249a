using System.Buffers.Binary;
using System.Text;

namespace Berth.Kubelet.ClusterDns;

/// <summary>Record types and codes of RFC 1035 and successors that the cluster DNS server uses.</summary>
public static class DnsType
{
    public const ushort A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, TXT = 16, AAAA = 28, SRV = 33, OPT = 41, ANY = 255;
    public const ushort ClassIN = 1;
}

public static class DnsRcode
{
    public const int NoError = 0, FormErr = 1, ServFail = 2, NXDomain = 3, NotImp = 4, Refused = 5;
}

/// <summary>A malformed DNS message: a name that runs past the end, a compression loop, a count that lies.</summary>
public sealed class DnsFormatException(string message) : Exception(message);

public sealed record DnsQuestion(string Name, ushort Type, ushort Class);

/// <summary>A resource record; <see cref="Data"/> is the RDATA as on the wire (names inside it uncompressed when we write them).</summary>
public sealed record DnsRecord(string Name, ushort Type, ushort Class, uint Ttl, byte[] Data)
{
    public static DnsRecord A(string name, uint ttl, uint ipv4)
    {
        var d = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(d, ipv4);
        return new DnsRecord(name, DnsType.A, DnsType.ClassIN, ttl, d);
    }

    public static DnsRecord Cname(string name, uint ttl, string target) => new(name, DnsType.CNAME, DnsType.ClassIN, ttl, DnsWire.EncodeName(target));

    public static DnsRecord Srv(string name, uint ttl, ushort priority, ushort weight, ushort port, string target)
    {
        var t = DnsWire.EncodeName(target);
        var d = new byte[6 + t.Length];
        BinaryPrimitives.WriteUInt16BigEndian(d, priority);
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(2), weight);
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(4), port);
        t.CopyTo(d, 6);
        return new DnsRecord(name, DnsType.SRV, DnsType.ClassIN, ttl, d);
    }

    public static DnsRecord Soa(string zone, uint ttl, string mname, string rname, uint serial, uint refresh, uint retry, uint expire, uint minimum)
    {
        var m = DnsWire.EncodeName(mname);
        var r = DnsWire.EncodeName(rname);
        var d = new byte[m.Length + r.Length + 20];
        m.CopyTo(d, 0);
        r.CopyTo(d, m.Length);
        var p = d.AsSpan(m.Length + r.Length);
        BinaryPrimitives.WriteUInt32BigEndian(p, serial);
        BinaryPrimitives.WriteUInt32BigEndian(p[4..], refresh);
        BinaryPrimitives.WriteUInt32BigEndian(p[8..], retry);
        BinaryPrimitives.WriteUInt32BigEndian(p[12..], expire);
        BinaryPrimitives.WriteUInt32BigEndian(p[16..], minimum);
        return new DnsRecord(zone, DnsType.SOA, DnsType.ClassIN, ttl, d);
    }

    /// <summary>An EDNS(0) OPT pseudo-record advertising <paramref name="udpSize"/> (RFC 6891).</summary>
    public static DnsRecord Opt(ushort udpSize) => new("", DnsType.OPT, udpSize, 0, []);
}

/// <summary>
/// A DNS message (RFC 1035 §4): header, question and the three record sections. <see cref="Parse"/> accepts only
/// well-formed input and throws <see cref="DnsFormatException"/> otherwise; <see cref="Write"/> compresses owner names.
/// </summary>
public sealed class DnsMessage
{
    public const int HeaderLength = 12;
    public ushort Id { get; set; }
    public bool IsResponse { get; set; }
    public int Opcode { get; set; }
    public bool Authoritative { get; set; }
    public bool Truncated { get; set; }
    public bool RecursionDesired { get; set; }
    public bool RecursionAvailable { get; set; }
    public int Rcode { get; set; }
    public List<DnsQuestion> Questions { get; } = new();
    public List<DnsRecord> Answers { get; } = new();
    public List<DnsRecord> Authority { get; } = new();
    public List<DnsRecord> Additional { get; } = new();

    /// <summary>The EDNS OPT record's UDP payload size, or null without one.</summary>
    public ushort? EdnsUdpSize
    {
        get
        {
            foreach (var r in Additional) if (r.Type == DnsType.OPT) return r.Class;
            return null;
        }
    }

    /// <summary>The id of a message too broken to parse, if its header at least is there (to answer FORMERR).</summary>
    public static bool TryReadId(ReadOnlySpan<byte> msg, out ushort id)
    {
        id = msg.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(msg) : (ushort)0;
        return msg.Length >= HeaderLength;
    }

    public static DnsMessage Parse(ReadOnlySpan<byte> msg)
    {
        if (msg.Length < HeaderLength) throw new DnsFormatException($"message of {msg.Length} bytes is shorter than a header");
        var flags = BinaryPrimitives.ReadUInt16BigEndian(msg[2..]);
        var m = new DnsMessage
        {
            Id = BinaryPrimitives.ReadUInt16BigEndian(msg),
            IsResponse = (flags & 0x8000) != 0,
            Opcode = (flags >> 11) & 0xf,
            Authoritative = (flags & 0x0400) != 0,
            Truncated = (flags & 0x0200) != 0,
            RecursionDesired = (flags & 0x0100) != 0,
            RecursionAvailable = (flags & 0x0080) != 0,
            Rcode = flags & 0xf,
        };
        int qd = BinaryPrimitives.ReadUInt16BigEndian(msg[4..]);
        int an = BinaryPrimitives.ReadUInt16BigEndian(msg[6..]);
        int ns = BinaryPrimitives.ReadUInt16BigEndian(msg[8..]);
        int ar = BinaryPrimitives.ReadUInt16BigEndian(msg[10..]);
        int pos = HeaderLength;
        for (int i = 0; i < qd; i++)
        {
            var name = DnsWire.ReadName(msg, ref pos);
            if (pos + 4 > msg.Length) throw new DnsFormatException("question runs past the end of the message");
            m.Questions.Add(new DnsQuestion(name, BinaryPrimitives.ReadUInt16BigEndian(msg[pos..]), BinaryPrimitives.ReadUInt16BigEndian(msg[(pos + 2)..])));
            pos += 4;
        }
        ReadRecords(msg, ref pos, an, m.Answers);
        ReadRecords(msg, ref pos, ns, m.Authority);
        ReadRecords(msg, ref pos, ar, m.Additional);
        return m;
    }

    private static void ReadRecords(ReadOnlySpan<byte> msg, ref int pos, int count, List<DnsRecord> into)
    {
        for (int i = 0; i < count; i++)
        {
            var name = DnsWire.ReadName(msg, ref pos);
            if (pos + 10 > msg.Length) throw new DnsFormatException("record header runs past the end of the message");
            var type = BinaryPrimitives.ReadUInt16BigEndian(msg[pos..]);
            var cls = BinaryPrimitives.ReadUInt16BigEndian(msg[(pos + 2)..]);
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(msg[(pos + 4)..]);
            int len = BinaryPrimitives.ReadUInt16BigEndian(msg[(pos + 8)..]);
            pos += 10;
            if (pos + len > msg.Length) throw new DnsFormatException("record data runs past the end of the message");
            into.Add(new DnsRecord(name, type, cls, ttl, msg.Slice(pos, len).ToArray()));
            pos += len;
        }
    }

    /// <summary>
    /// The message on the wire. If it would exceed <paramref name="maxSize"/>, records are left off from the end and TC is
    /// set (the client then asks again over TCP), as RFC 2181 §9 asks.
    /// </summary>
    public byte[] Write(int maxSize = 65535)
    {
        var w = new DnsWire.Writer();
        WriteAll(w, Answers.Count, Authority.Count, Additional.Count, Truncated);
        if (w.Length <= maxSize) return w.ToArray();
        // Too big: keep the question (and an OPT record), drop the answer sections, flag truncation.
        var opt = Additional.FindAll(r => r.Type == DnsType.OPT);
        var small = new DnsWire.Writer();
        var trimmed = new DnsMessage { Id = Id, IsResponse = IsResponse, Opcode = Opcode, Authoritative = Authoritative, RecursionDesired = RecursionDesired, RecursionAvailable = RecursionAvailable, Rcode = Rcode };
        trimmed.Questions.AddRange(Questions);
        trimmed.Additional.AddRange(opt);
        trimmed.WriteAll(small, 0, 0, trimmed.Additional.Count, truncated: true);
        return small.ToArray();
    }

    private void WriteAll(DnsWire.Writer w, int an, int ns, int ar, bool truncated)
    {
        w.U16(Id);
        int flags = (IsResponse ? 0x8000 : 0) | (Opcode & 0xf) << 11 | (Authoritative ? 0x0400 : 0) | (truncated ? 0x0200 : 0)
            | (RecursionDesired ? 0x0100 : 0) | (RecursionAvailable ? 0x0080 : 0) | (Rcode & 0xf);
        w.U16((ushort)flags);
        w.U16((ushort)Questions.Count);
        w.U16((ushort)an);
        w.U16((ushort)ns);
        w.U16((ushort)ar);
        foreach (var q in Questions)
        {
            w.Name(q.Name);
            w.U16(q.Type);
            w.U16(q.Class);
        }
        WriteRecords(w, Answers, an);
        WriteRecords(w, Authority, ns);
        WriteRecords(w, Additional, ar);
    }

    private static void WriteRecords(DnsWire.Writer w, List<DnsRecord> records, int count)
    {
        for (int i = 0; i < count; i++)
        {
            var r = records[i];
            w.Name(r.Name);
            w.U16(r.Type);
            w.U16(r.Class);
            w.U32(r.Ttl);
            w.U16((ushort)r.Data.Length);
            w.Bytes(r.Data);
        }
    }
}

/// <summary>Names on the wire: reading with compression pointers (bounded, so loops fail), writing with compression.</summary>
public static class DnsWire
{
    public const int MaxNameLength = 255;

    /// <summary>Reads a possibly compressed name at <paramref name="pos"/> and moves past it; the result has no trailing dot ("" is the root).</summary>
    public static string ReadName(ReadOnlySpan<byte> msg, ref int pos)
    {
        var sb = new StringBuilder();
        int p = pos, jumps = 0, wireLength = 0;
        int? after = null;
        while (true)
        {
            if (p >= msg.Length) throw new DnsFormatException("name runs past the end of the message");
            int len = msg[p];
            if ((len & 0xc0) == 0xc0)
            {
                if (p + 1 >= msg.Length) throw new DnsFormatException("compression pointer runs past the end of the message");
                int target = (len & 0x3f) << 8 | msg[p + 1];
                // Pointers must point backwards; bounding the jumps too stops any loop.
                if (target >= p || ++jumps > 64) throw new DnsFormatException("bad compression pointer");
                after ??= p + 2;
                p = target;
                continue;
            }
            if ((len & 0xc0) != 0) throw new DnsFormatException($"unsupported label type 0x{len:x2}");
            p++;
            if (len == 0) break;
            if (p + len > msg.Length) throw new DnsFormatException("label runs past the end of the message");
            wireLength += len + 1;
            if (wireLength + 1 > MaxNameLength) throw new DnsFormatException("name longer than 255 bytes");
            if (sb.Length > 0) sb.Append('.');
            foreach (var b in msg.Slice(p, len))
            {
                // Dots and non-printables inside a label are escaped so the text form stays unambiguous.
                if (b == '.' || b == '\\') sb.Append('\\').Append((char)b);
                else if (b < 0x21 || b > 0x7e) sb.Append('\\').Append(b.ToString("D3"));
                else sb.Append((char)b);
            }
            p += len;
        }
        pos = after ?? p;
        return sb.ToString();
    }

    /// <summary>A name in uncompressed wire form (as SRV targets must be); trailing dot optional.</summary>
    public static byte[] EncodeName(string name)
    {
        var w = new Writer(compress: false);
        w.Name(name);
        return w.ToArray();
    }

    public sealed class Writer(bool compress = true)
    {
        private byte[] _buf = new byte[512];
        private readonly Dictionary<string, int> _offsets = compress ? new(StringComparer.OrdinalIgnoreCase) : null!;
        public int Length { get; private set; }

        public byte[] ToArray() => _buf.AsSpan(0, Length).ToArray();

        private Span<byte> Take(int n)
        {
            if (Length + n > _buf.Length) Array.Resize(ref _buf, Math.Max(_buf.Length * 2, Length + n));
            var s = _buf.AsSpan(Length, n);
            Length += n;
            return s;
        }

        public void U16(ushort v) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), v);
        public void U32(uint v) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), v);
        public void Bytes(ReadOnlySpan<byte> b) => b.CopyTo(Take(b.Length));

        /// <summary>Writes a name (text form as <see cref="ReadName"/> gives, trailing dot optional), pointing at an earlier copy of any suffix.</summary>
        public void Name(string name)
        {
            var labels = SplitLabels(name);
            for (int i = 0; i < labels.Count; i++)
            {
                if (compress)
                {
                    var suffix = string.Join('.', labels.GetRange(i, labels.Count - i).ConvertAll(l => Encoding.Latin1.GetString(l)));
                    if (_offsets.TryGetValue(suffix, out var at)) { U16((ushort)(0xc000 | at)); return; }
                    if (Length < 0x3fff) _offsets[suffix] = Length;
                }
                var l = labels[i];
                Take(1)[0] = (byte)l.Length;
                Bytes(l);
            }
            Take(1)[0] = 0;
        }
    }

    /// <summary>A text name's labels as bytes, undoing the escapes <see cref="ReadName"/> writes; throws on labels over 63 bytes.</summary>
    public static List<byte[]> SplitLabels(string name)
    {
        var labels = new List<byte[]>();
        if (name.Length == 0 || name == ".") return labels;
        var cur = new List<byte>();
        int total = 1;
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (c == '\\' && i + 1 < name.Length)
            {
                if (i + 3 < name.Length && char.IsAsciiDigit(name[i + 1]) && char.IsAsciiDigit(name[i + 2]) && char.IsAsciiDigit(name[i + 3]))
                {
                    cur.Add((byte)int.Parse(name.AsSpan(i + 1, 3)));
                    i += 3;
                }
                else cur.Add((byte)name[++i]);
                continue;
            }
            if (c == '.')
            {
                if (i == name.Length - 1) break; // trailing dot
                Flush();
                continue;
            }
            cur.Add((byte)c);
        }
        Flush();
        if (total > MaxNameLength) throw new ArgumentException($"name {name} is longer than 255 bytes");
        return labels;

        void Flush()
        {
            if (cur.Count is 0 or > 63) throw new ArgumentException($"name {name} has an empty label or one longer than 63 bytes");
            labels.Add(cur.ToArray());
            total += cur.Count + 1;
            cur.Clear();
        }
    }
}
