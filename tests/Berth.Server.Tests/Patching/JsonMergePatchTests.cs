using Berth.Server.Patching;
using static Berth.Server.Tests.Patching.JsonAssert;

namespace Berth.Server.Tests.Patching;

public class JsonMergePatchTests
{
    // RFC 7386 Appendix A, plus the RFC's section 3 example behaviour for nested null deletion.
    [Theory]
    [InlineData("""{"a":"b"}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"b":"c"}""", """{"a":"b","b":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"a":null}""", """{}""")]
    [InlineData("""{"a":"b","b":"c"}""", """{"a":null}""", """{"b":"c"}""")]
    [InlineData("""{"a":["b"]}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"c"}""", """{"a":["b"]}""", """{"a":["b"]}""")]
    [InlineData("""{"a":{"b":"c"}}""", """{"a":{"b":"d","c":null}}""", """{"a":{"b":"d"}}""")]
    [InlineData("""{"a":[{"b":"c"}]}""", """{"a":[1]}""", """{"a":[1]}""")]
    [InlineData("""["a","b"]""", """["c","d"]""", """["c","d"]""")]
    [InlineData("""{"a":"b"}""", """["c"]""", """["c"]""")]
    [InlineData("""{"a":"foo"}""", "null", "null")]
    [InlineData("""{"a":"foo"}""", "\"bar\"", "\"bar\"")]
    [InlineData("""{"e":null}""", """{"a":1}""", """{"e":null,"a":1}""")]
    [InlineData("""[1,2]""", """{"a":"b","c":null}""", """{"a":"b"}""")]
    [InlineData("""{}""", """{"a":{"bb":{"ccc":null}}}""", """{"a":{"bb":{}}}""")]
    public void Rfc7386AppendixA(string original, string patch, string expected)
    {
        Equal(expected, JsonMergePatch.Apply(Parse(original), Parse(patch)));
    }

    [Fact]
    public void NullDeletesALabelAndLeavesTheRestOfMetadata()
    {
        var original = Obj("""{"metadata":{"name":"p","labels":{"app":"web","tier":"fe"}},"spec":{"containers":[{"name":"a","image":"x"},{"name":"b"}]}}""");
        var result = JsonMergePatch.Apply(original, Parse("""{"metadata":{"labels":{"tier":null}},"spec":{"containers":[{"name":"a","image":"y"}]}}"""));

        // Lists are replaced wholesale by merge patch: container b is gone.
        Equal("""{"metadata":{"name":"p","labels":{"app":"web"}},"spec":{"containers":[{"name":"a","image":"y"}]}}""", result);
    }

    [Fact]
    public void DoesNotMutateItsInputs()
    {
        var original = Obj("""{"a":{"b":1}}""");
        var patch = Obj("""{"a":{"c":{"d":2}}}""");
        var result = JsonMergePatch.Apply(original, patch);

        Equal("""{"a":{"b":1,"c":{"d":2}}}""", result);
        Equal("""{"a":{"b":1}}""", original);
        Equal("""{"a":{"c":{"d":2}}}""", patch);
    }
}
