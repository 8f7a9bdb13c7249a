using Berth.Kubelet.ClusterDns;

namespace Berth.Kubelet.Tests;

/// <summary>The hand-written DNS wire format: round trips, compression, and malformed input that must fail cleanly.</summary>
public sealed class DnsMessageTests
{
    public static byte[] Query(string name, ushort type, ushort id = 0x1234, ushort? edns = null)
    {
        var q = new DnsMessage { Id = id, RecursionDesired = true };
        q.Questions.Add(new DnsQuestion(name, type, DnsType.ClassIN));
        if (edns is { } size) q.Additional.Add(DnsRecord.Opt(size));
        return q.Write();
    }

    [Fact]
    public void QueryRoundTrips()
    {
        var bytes = Query("web-0.nginx.default.svc.cluster.local.", DnsType.A, 0xbeef, edns: 1232);
        var m = DnsMessage.Parse(bytes);
        Assert.Equal(0xbeef, m.Id);
        Assert.True(m.RecursionDesired);
        Assert.False(m.IsResponse);
        var q = Assert.Single(m.Questions);
        Assert.Equal(("web-0.nginx.default.svc.cluster.local", DnsType.A, DnsType.ClassIN), (q.Name, q.Type, q.Class));
        Assert.Equal((ushort)1232, m.EdnsUdpSize);
    }

    [Fact]
    public void ResponseCompressesRepeatedNamesAndParsesBack()
    {
        var r = new DnsMessage { Id = 7, IsResponse = true, Authoritative = true, Rcode = DnsRcode.NoError };
        const string name = "nginx.default.svc.cluster.local";
        r.Questions.Add(new DnsQuestion(name, DnsType.A, DnsType.ClassIN));
        for (uint i = 1; i <= 3; i++) r.Answers.Add(DnsRecord.A(name, 5, 0x0a580000 + i));
        r.Answers.Add(DnsRecord.Srv("_web._tcp." + name, 5, 0, 100, 80, "web-0." + name));
        var bytes = r.Write();
        // The owner name is written once; every answer points at it (2 bytes instead of 33).
        Assert.True(bytes.Length < 12 + 37 + 3 * (2 + 14) + 80, $"{bytes.Length} bytes: names were not compressed");
        var back = DnsMessage.Parse(bytes);
        Assert.True(back.IsResponse && back.Authoritative);
        Assert.Equal(4, back.Answers.Count);
        Assert.All(back.Answers.Take(3), a => Assert.Equal(name, a.Name));
        Assert.Equal(new byte[] { 10, 88, 0, 2 }, back.Answers[1].Data);
        Assert.Equal("_web._tcp." + name, back.Answers[3].Name);
        int pos = 6;
        Assert.Equal("web-0." + name, DnsWire.ReadName(back.Answers[3].Data, ref pos));
    }

    [Fact]
    public void OversizedUdpResponseIsTruncatedWithTc()
    {
        var r = new DnsMessage { Id = 9, IsResponse = true };
        r.Questions.Add(new DnsQuestion("big.default.svc.cluster.local", DnsType.A, DnsType.ClassIN));
        for (uint i = 0; i < 100; i++) r.Answers.Add(DnsRecord.A("big.default.svc.cluster.local", 5, i));
        var small = DnsMessage.Parse(r.Write(512));
        Assert.True(small.Truncated);
        Assert.Empty(small.Answers);
        Assert.Single(small.Questions);
        Assert.Equal(100, DnsMessage.Parse(r.Write()).Answers.Count);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 1, 2, 3 })]
    // header claims one question, none follows
    [InlineData(new byte[] { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 })]
    // label length runs past the end
    [InlineData(new byte[] { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, (byte)'a', 0 })]
    // compression pointer to itself (a loop)
    [InlineData(new byte[] { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1 })]
    // forward pointer
    [InlineData(new byte[] { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 20, 0, 1, 0, 1, 0, 0, 0 })]
    // reserved label type 0x40
    [InlineData(new byte[] { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, (byte)'a', 0, 0, 1, 0, 1 })]
    // question without type and class
    [InlineData(new byte[] { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 0, 0 })]
    // answer whose rdlength runs past the end
    [InlineData(new byte[] { 0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 200, 1 })]
    public void MalformedMessagesThrowFormatErrors(byte[] bytes)
    {
        Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(bytes));
    }

    [Fact]
    public void NamesLongerThan255BytesAreRejected()
    {
        var w = new List<byte> { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
        for (int i = 0; i < 5; i++) { w.Add(60); w.AddRange(Enumerable.Repeat((byte)'a', 60)); }
        w.AddRange(new byte[] { 0, 0, 1, 0, 1 });
        Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(w.ToArray()));
    }

    [Fact]
    public void RandomBytesNeverThrowAnythingButFormatErrors()
    {
        var rng = new Random(42);
        var valid = Query("a.b.svc.cluster.local", DnsType.SRV);
        for (int i = 0; i < 20000; i++)
        {
            byte[] msg;
            if (i % 2 == 0)
            {
                msg = new byte[rng.Next(0, 80)];
                rng.NextBytes(msg);
            }
            else
            {
                // Mutations of a valid query: flipped bytes and cut tails find the edge cases random data rarely hits.
                msg = valid[..rng.Next(0, valid.Length + 1)];
                for (int k = 0; k < 3 && msg.Length > 0; k++) msg[rng.Next(msg.Length)] = (byte)rng.Next(256);
            }
            try { DnsMessage.Parse(msg); }
            catch (DnsFormatException) { }
        }
    }

    [Fact]
    public void EscapedLabelsSurviveARoundTrip()
    {
        var raw = new byte[] { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, (byte)'a', (byte)'.', 0x07, 2, (byte)'x', (byte)'y', 0, 0, 1, 0, 1 };
        var m = DnsMessage.Parse(raw);
        Assert.Equal("a\\.\\007.xy", m.Questions[0].Name);
        Assert.Equal(raw, m.Write());
    }
}
