using System.Text;
using Berth.Server.Patching;
using static Berth.Server.Tests.Patching.JsonAssert;

namespace Berth.Server.Tests.Patching;

public class PatchApplierTests
{
    private const string Pod = """{"metadata":{"name":"p","labels":{"a":"1"}},"spec":{"containers":[{"name":"c","image":"x"},{"name":"d","image":"y"}]}}""";

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void DispatchesJsonPatch()
    {
        var result = PatchApplier.Apply("application/json-patch+json", Obj(Pod), B("""[{"op":"replace","path":"/spec/containers/1/image","value":"z"}]"""), PatchSchema.ForKind("", "Pod"));
        Assert.Equal("z", (string?)result["spec"]!["containers"]![1]!["image"]);
    }

    [Fact]
    public void DispatchesMergePatchWhichReplacesLists()
    {
        var result = PatchApplier.Apply("application/merge-patch+json; charset=utf-8", Obj(Pod), B("""{"spec":{"containers":[{"name":"c","image":"n"}]}}"""), PatchSchema.ForKind("", "Pod"));
        Equal("""[{"name":"c","image":"n"}]""", result["spec"]!["containers"]);
    }

    [Fact]
    public void DispatchesStrategicMergePatchWhichMergesContainers()
    {
        var result = PatchApplier.Apply("Application/Strategic-Merge-Patch+JSON", Obj(Pod), B("""{"spec":{"containers":[{"name":"c","image":"n"}]}}"""), PatchSchema.ForKind("", "Pod"));
        Equal("""[{"name":"c","image":"n"},{"name":"d","image":"y"}]""", result["spec"]!["containers"]);
    }

    [Theory]
    [InlineData("application/apply-patch+yaml")]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    [InlineData("")]
    public void UnsupportedContentTypesThrow415Exception(string contentType)
    {
        var ex = Assert.Throws<UnsupportedPatchTypeException>(() => PatchApplier.Apply(contentType, Obj(Pod), B("{}"), PatchSchema.Empty));
        Assert.Equal(contentType, ex.ContentType);
        Assert.Contains("application/strategic-merge-patch+json", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/json-patch+json", "[{\"op\":")]
    [InlineData("application/merge-patch+json", "{\"a\":1} trailing")]
    [InlineData("application/strategic-merge-patch+json", "")]
    [InlineData("application/strategic-merge-patch+json", "[1,2]")]
    [InlineData("application/merge-patch+json", "[1,2]")]
    public void MalformedBodiesAreBadRequests(string contentType, string body)
    {
        var ex = Assert.Throws<PatchException>(() => PatchApplier.Apply(contentType, Obj(Pod), B(body), PatchSchema.ForKind("", "Pod")));
        Assert.Equal(400, ex.StatusCode);
    }

    [Fact]
    public void JsonPatchTestFailureIsUnprocessable()
    {
        var ex = Assert.Throws<PatchException>(() => PatchApplier.Apply("application/json-patch+json", Obj(Pod), B("""[{"op":"test","path":"/metadata/name","value":"q"}]"""), PatchSchema.Empty));
        Assert.Equal(422, ex.StatusCode);
        Assert.Equal("testing value /metadata/name failed: test failed", ex.Message);
    }

    [Fact]
    public void OriginalIsNeverMutated()
    {
        var original = Obj(Pod);
        PatchApplier.Apply("application/strategic-merge-patch+json", original, B("""{"metadata":{"labels":{"a":null}},"spec":{"containers":[{"$patch":"delete","name":"c"}]}}"""), PatchSchema.ForKind("", "Pod"));
        PatchApplier.Apply("application/merge-patch+json", original, B("""{"metadata":{"labels":null}}"""), PatchSchema.Empty);
        PatchApplier.Apply("application/json-patch+json", original, B("""[{"op":"remove","path":"/spec"}]"""), PatchSchema.Empty);
        Equal(Pod, original);
    }
}
