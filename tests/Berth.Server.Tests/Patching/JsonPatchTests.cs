using Berth.Server.Patching;
using static Berth.Server.Tests.Patching.JsonAssert;

namespace Berth.Server.Tests.Patching;

public class JsonPatchTests
{
    // RFC 6902 Appendix A examples that succeed.
    [Theory]
    [InlineData("A.1", """{"foo":"bar"}""", """[{"op":"add","path":"/baz","value":"qux"}]""", """{"baz":"qux","foo":"bar"}""")]
    [InlineData("A.2", """{"foo":["bar","baz"]}""", """[{"op":"add","path":"/foo/1","value":"qux"}]""", """{"foo":["bar","qux","baz"]}""")]
    [InlineData("A.3", """{"baz":"qux","foo":"bar"}""", """[{"op":"remove","path":"/baz"}]""", """{"foo":"bar"}""")]
    [InlineData("A.4", """{"foo":["bar","qux","baz"]}""", """[{"op":"remove","path":"/foo/1"}]""", """{"foo":["bar","baz"]}""")]
    [InlineData("A.5", """{"baz":"qux","foo":"bar"}""", """[{"op":"replace","path":"/baz","value":"boo"}]""", """{"baz":"boo","foo":"bar"}""")]
    [InlineData("A.6", """{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}""", """[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]""", """{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}""")]
    [InlineData("A.7", """{"foo":["all","grass","cows","eat"]}""", """[{"op":"move","from":"/foo/1","path":"/foo/3"}]""", """{"foo":["all","cows","eat","grass"]}""")]
    [InlineData("A.8", """{"baz":"qux","foo":["a",2,"c"]}""", """[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]""", """{"baz":"qux","foo":["a",2,"c"]}""")]
    [InlineData("A.10", """{"foo":"bar"}""", """[{"op":"add","path":"/child","value":{"grandchild":{}}}]""", """{"foo":"bar","child":{"grandchild":{}}}""")]
    [InlineData("A.11", """{"foo":"bar"}""", """[{"op":"add","path":"/baz","value":"qux","xyz":123}]""", """{"foo":"bar","baz":"qux"}""")]
    [InlineData("A.14", """{"/":9,"~1":10}""", """[{"op":"test","path":"/~01","value":10}]""", """{"/":9,"~1":10}""")]
    [InlineData("A.16", """{"foo":["bar"]}""", """[{"op":"add","path":"/foo/-","value":["abc","def"]}]""", """{"foo":["bar",["abc","def"]]}""")]
    [InlineData("~1 escape", """{"metadata":{"annotations":{}}}""", """[{"op":"add","path":"/metadata/annotations/example.com~1owner","value":"me"}]""", """{"metadata":{"annotations":{"example.com/owner":"me"}}}""")]
    [InlineData("copy", """{"a":{"x":[1,2]}}""", """[{"op":"copy","from":"/a","path":"/b"},{"op":"add","path":"/b/x/-","value":3}]""", """{"a":{"x":[1,2]},"b":{"x":[1,2,3]}}""")]
    [InlineData("dash appends to list", """{"spec":{"finalizers":["a"]}}""", """[{"op":"add","path":"/spec/finalizers/-","value":"b"}]""", """{"spec":{"finalizers":["a","b"]}}""")]
    [InlineData("negative index (evanphx)", """{"l":[1,2,3]}""", """[{"op":"remove","path":"/l/-1"}]""", """{"l":[1,2]}""")]
    [InlineData("add at end index", """{"l":[1]}""", """[{"op":"add","path":"/l/1","value":2}]""", """{"l":[1,2]}""")]
    [InlineData("replace whole document", """{"a":1}""", """[{"op":"replace","path":"","value":{"b":2}}]""", """{"b":2}""")]
    [InlineData("test number equality across spellings", """{"n":1}""", """[{"op":"test","path":"/n","value":1.0}]""", """{"n":1}""")]
    [InlineData("kubectl scale style", """{"spec":{"replicas":1}}""", """[{"op":"test","path":"/spec/replicas","value":1},{"op":"replace","path":"/spec/replicas","value":3}]""", """{"spec":{"replicas":3}}""")]
    public void AppliesOperations(string name, string original, string patch, string expected)
    {
        Assert.NotNull(name);
        Equal(expected, JsonPatch.Apply(Obj(original), Obj(patch)));
    }

    [Theory]
    [InlineData("A.9 test fails", """{"baz":"qux","foo":["a",2,"c"]}""", """[{"op":"test","path":"/baz","value":"bar"}]""", "testing value /baz failed")]
    [InlineData("A.12 add to missing parent", """{"foo":"bar"}""", """[{"op":"add","path":"/baz/bat","value":"qux"}]""", "add operation does not apply: doc is missing path: \"/baz/bat\"")]
    [InlineData("A.15 string vs number", """{"/":9,"~1":10}""", """[{"op":"test","path":"/~01","value":"10"}]""", "testing value /~01 failed")]
    [InlineData("invalid pointer", """{"foo":"bar"}""", """[{"op":"add","path":"foo","value":1}]""", "invalid JSON pointer \"foo\"")]
    [InlineData("remove missing member", """{"spec":{}}""", """[{"op":"remove","path":"/spec/foo"}]""", "Unable to remove nonexistent key: foo")]
    [InlineData("remove under missing path", """{"a":1}""", """[{"op":"remove","path":"/spec/foo"}]""", "doc is missing path: \"/spec/foo\"")]
    [InlineData("replace missing member", """{"spec":{}}""", """[{"op":"replace","path":"/spec/foo","value":1}]""", "replace operation does not apply: doc is missing key: /spec/foo")]
    [InlineData("index past end", """{"l":[1]}""", """[{"op":"add","path":"/l/5","value":2}]""", "Unable to access invalid index: 5")]
    [InlineData("non-numeric index", """{"l":[1]}""", """[{"op":"add","path":"/l/x","value":2}]""", "value was not a proper array index: 'x'")]
    [InlineData("move from missing", """{"a":1}""", """[{"op":"move","from":"/b","path":"/c"}]""", "move operation does not apply: doc is missing from path: /b")]
    [InlineData("copy to missing parent", """{"a":1}""", """[{"op":"copy","from":"/a","path":"/x/y"}]""", "copy operation does not apply: doc is missing destination path: /x/y")]
    [InlineData("unknown op", """{"a":1}""", """[{"op":"frobnicate","path":"/a"}]""", "Unexpected kind: frobnicate")]
    [InlineData("missing path", """{"a":1}""", """[{"op":"add","value":1}]""", "operation missing path field")]
    [InlineData("add at root", """{"a":1}""", """[{"op":"add","path":"","value":{}}]""", "doc is missing path: \"\"")]
    public void RejectsPatchesThatDoNotApply(string name, string original, string patch, string message)
    {
        Assert.NotNull(name);
        var ex = Assert.Throws<PatchException>(() => JsonPatch.Apply(Obj(original), Obj(patch)));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.Equal(422, ex.StatusCode);
    }

    [Fact]
    public void TestOfMissingMemberAgainstNullSucceedsLikeEvanphx()
    {
        Equal("""{"a":1,"b":2}""", JsonPatch.Apply(Obj("""{"a":1}"""), Obj("""[{"op":"test","path":"/x","value":null},{"op":"add","path":"/b","value":2}]""")));
    }

    [Fact]
    public void FailedTestLeavesOriginalUntouchedAndAppliesNothing()
    {
        var original = Obj("""{"a":1}""");
        Assert.Throws<PatchException>(() => JsonPatch.Apply(original, Obj("""[{"op":"add","path":"/b","value":2},{"op":"test","path":"/a","value":2}]""")));
        Equal("""{"a":1}""", original);
    }

    [Fact]
    public void PatchThatIsNotAnArrayIsABadRequest()
    {
        var ex = Assert.Throws<PatchException>(() => JsonPatch.Apply(Obj("""{"a":1}"""), Obj("""{"op":"add","path":"/b","value":2}""")));
        Assert.Equal(400, ex.StatusCode);
    }

    [Fact]
    public void AddedValuesAreCopiesNotSharedWithThePatch()
    {
        var patch = Obj("""[{"op":"add","path":"/a","value":{"k":"v"}}]""");
        var first = JsonPatch.Apply(Obj("{}"), patch);
        var second = JsonPatch.Apply(Obj("{}"), patch);
        first["a"]!["k"] = "changed";
        Equal("""{"a":{"k":"v"}}""", second);
    }
}
