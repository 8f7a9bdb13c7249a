using Berth.Kubelet.Streaming.Spdy;

namespace Berth.Kubelet.Tests.Streaming;

public sealed class SpdyHeaderCodecTests
{
    [Fact]
    public void Decodes_zlib_blocks_that_refer_to_the_dictionary_and_to_earlier_blocks()
    {
        // Made with zlib (level 9, the SPDY/3 dictionary, a sync flush per block) as Go's spdy framer writes them: the
        // port-forward client's error and data stream headers. The second block is mostly back-references to the first.
        var codec = new HeaderCodec();
        var first = codec.Decode(Convert.FromHexString("78f9e3c6a7c202253a48f95b044eea16061606409ab308125f99a074cc68004e892545a989b9d0c2863515141500000000ffff"));
        Assert.Equal([new("port", "8080"), new("requestid", "0"), new("streamtype", "error")], first);
        var second = codec.Decode(Convert.FromHexString("225333a8a44a04000000ffff"));
        Assert.Equal([new("port", "8080"), new("requestid", "0"), new("streamtype", "data")], second);
    }

    [Fact]
    public void What_it_encodes_decodes_again_block_after_block()
    {
        var writer = new HeaderCodec();
        var reader = new HeaderCodec();
        Assert.Empty(reader.Decode(writer.Encode([])));
        List<KeyValuePair<string, string>> headers = [new("streamtype", "data"), new("port", "80")];
        Assert.Equal(headers, reader.Decode(writer.Encode(headers)));
    }

    [Fact]
    public void The_dictionary_is_the_spec_one()
    {
        Assert.Equal(1423, HeaderCodec.Dictionary.Length);
        Assert.Equal(0xE3C6A7C2u, Adler32(HeaderCodec.Dictionary)); // the id zlib headers carry for it (the 4 bytes after 78 f9)
    }

    private static uint Adler32(byte[] data)
    {
        uint a = 1, b = 0;
        foreach (var x in data) { a = (a + x) % 65521; b = (b + a) % 65521; }
        return (b << 16) | a;
    }
}
