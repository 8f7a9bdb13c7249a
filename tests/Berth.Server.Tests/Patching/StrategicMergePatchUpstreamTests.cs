using Berth.Server.Patching;
using static Berth.Server.Tests.Patching.JsonAssert;

namespace Berth.Server.Tests.Patching;

/// <summary>
/// Cases from k8s.io/apimachinery pkg/util/strategicpatch/patch_test.go (strategicMergePatchRawTestCases and
/// customStrategicMergePatchRawTestCases): the upstream ThreeWay patch applied to Current must give Result,
/// in order. The schema mirrors upstream's MergeItem test struct.
/// </summary>
public class StrategicMergePatchUpstreamTests
{
    private static readonly PatchSchema MergeItem = new(new Dictionary<string, FieldPatchMeta>
    {
        ["mergingList"] = FieldPatchMeta.MergeBy("name"),
        ["mergingList.mergingList"] = FieldPatchMeta.MergeBy("name"),
        ["mergingList.mergingIntList"] = FieldPatchMeta.MergeSet,
        ["mergingIntList"] = FieldPatchMeta.MergeSet,
        ["mergeItemPtr"] = FieldPatchMeta.MergeBy("name"),
        ["retainKeysMap"] = new(PatchStrategy.Default, RetainKeys: true),
        ["retainKeysMap.mergingList"] = FieldPatchMeta.MergeBy("name"),
        ["retainKeysMap.mergingIntList"] = FieldPatchMeta.MergeSet,
        ["retainKeysMergingList"] = FieldPatchMeta.MergeBy("name", retainKeys: true),
        ["replacingItem"] = new(PatchStrategy.Replace),
    });

    public static TheoryData<string, string, string, string> Cases => new()
    {
        {
            "add an item in a list and preserve order",
            """{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}""",
            """{"$setElementOrder/mergingList":[{"name":3},{"name":1},{"name":2}],"mergingList":[{"name":3,"value":3}]}""",
            """{"mergingList":[{"name":3,"value":3},{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}"""
        },
        {
            "add multiple items in a list and preserve order",
            """{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}""",
            """{"$setElementOrder/mergingList":[{"name":1},{"name":4},{"name":2},{"name":3}],"mergingList":[{"name":4,"value":4},{"name":3,"value":3}]}""",
            """{"mergingList":[{"name":1,"other":"a"},{"name":4,"value":4},{"name":2,"value":2,"other":"b"},{"name":3,"value":3}]}"""
        },
        {
            "add and delete an item in a list and preserve order",
            """{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"},{"name":3,"value":3}]}""",
            """{"$setElementOrder/mergingList":[{"name":4},{"name":2},{"name":1}],"mergingList":[{"name":4,"value":4},{"name":3,"$patch":"delete"}]}""",
            """{"mergingList":[{"name":4,"value":4},{"name":2,"value":2,"other":"b"},{"name":1,"other":"a"}]}"""
        },
        {
            "set elements order in a list with server-only items",
            """{"mergingList":[{"name":1,"other":"a"},{"name":3,"value":3},{"name":4,"value":4},{"name":2,"value":2},{"name":9}]}""",
            """{"$setElementOrder/mergingList":[{"name":4},{"name":2},{"name":3},{"name":1}]}""",
            """{"mergingList":[{"name":4,"value":4},{"name":2,"value":2},{"name":3,"value":3},{"name":1,"other":"a"},{"name":9}]}"""
        },
        {
            "set elements order in a list with server-only items 2",
            """{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2},{"name":9},{"name":3,"value":3},{"name":4,"value":4}]}""",
            """{"$setElementOrder/mergingList":[{"name":2},{"name":1},{"name":4},{"name":3}]}""",
            """{"mergingList":[{"name":2,"value":2},{"name":1,"other":"a"},{"name":9},{"name":4,"value":4},{"name":3,"value":3}]}"""
        },
        {
            "set elements order in a list with server-only items 3",
            """{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2},{"name":7},{"name":9},{"name":8},{"name":3,"value":3},{"name":4,"value":4}]}""",
            """{"$setElementOrder/mergingList":[{"name":2},{"name":1},{"name":4},{"name":3}]}""",
            """{"mergingList":[{"name":2,"value":2},{"name":1,"other":"a"},{"name":7},{"name":9},{"name":8},{"name":4,"value":4},{"name":3,"value":3}]}"""
        },
        {
            "add an item in a int list and preserve order",
            """{"mergingIntList":[1,4,2]}""",
            """{"$setElementOrder/mergingIntList":[3,1,2],"mergingIntList":[3]}""",
            """{"mergingIntList":[3,1,4,2]}"""
        },
        {
            "delete an item in a list of primitives and preserve order",
            """{"mergingIntList":[1,2,3]}""",
            """{"$setElementOrder/mergingIntList":[2,1],"$deleteFromPrimitiveList/mergingIntList":[3]}""",
            """{"mergingIntList":[2,1]}"""
        },
        {
            "$deleteFromPrimitiveList of nonexistent item does not add it",
            """{"mergingIntList":[1,2]}""",
            """{"$deleteFromPrimitiveList/mergingIntList":[3]}""",
            """{"mergingIntList":[1,2]}"""
        },
        {
            "$deleteFromPrimitiveList on nonexistent list does not add the list",
            """{"foo":["bar"]}""",
            """{"$deleteFromPrimitiveList/mergingIntList":[3]}""",
            """{"foo":["bar"]}"""
        },
        {
            "$deleteFromPrimitiveList deletes from a list without merge strategy",
            """{"nonMergingIntList":[1,2,3]}""",
            """{"$deleteFromPrimitiveList/nonMergingIntList":[2]}""",
            """{"nonMergingIntList":[1,3]}"""
        },
        {
            "$setElementOrder contains item not present in the list",
            """{"mergingList":[{"name":1},{"name":3}]}""",
            """{"$setElementOrder/mergingList":[{"name":3},{"name":2},{"name":1}],"mergingList":[{"name":3,"value":3},{"name":1,"value":1}]}""",
            """{"mergingList":[{"name":3,"value":3},{"name":1,"value":1}]}"""
        },
        {
            "delete and reorder in one list, reorder in another",
            """{"mergingList":[{"name":"a","value":"a"},{"name":"b","value":"b"}],"mergeItemPtr":[{"name":"c","value":"c"},{"name":"d","value":"d"}]}""",
            """{"$setElementOrder/mergingList":[{"name":"b"}],"$setElementOrder/mergeItemPtr":[{"name":"d"},{"name":"c"}],"mergingList":[{"$patch":"delete","name":"a"}]}""",
            """{"mergingList":[{"name":"b","value":"b"}],"mergeItemPtr":[{"name":"d","value":"d"},{"name":"c","value":"c"}]}"""
        },
        {
            "retainKeys map should clear defaulted field",
            """{"retainKeysMap":{"value":"foo"}}""",
            """{"retainKeysMap":{"$retainKeys":["other"],"other":"bar"}}""",
            """{"retainKeysMap":{"other":"bar"}}"""
        },
        {
            "retainKeys map should clear defaulted field with conflict (discriminated union)",
            """{"retainKeysMap":{"name":"type1","value":"foo"}}""",
            """{"retainKeysMap":{"$retainKeys":["name","other"],"name":"type2","other":"bar"}}""",
            """{"retainKeysMap":{"name":"type2","other":"bar"}}"""
        },
        {
            "retainKeys map adds an item in nested merging list",
            """{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"b"},{"name":"x"}]}}""",
            """{"retainKeysMap":{"$retainKeys":["mergingList","name"],"$setElementOrder/mergingList":[{"name":"a"},{"name":"b"},{"name":"c"}],"mergingList":[{"name":"c"}]}}""",
            """{"retainKeysMap":{"name":"foo","mergingList":[{"name":"a"},{"name":"b"},{"name":"c"},{"name":"x"}]}}"""
        },
        {
            "retainKeys list of maps clears a field",
            """{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"a","other":"b"}]}""",
            """{"$setElementOrder/retainKeysMergingList":[{"name":"bar"},{"name":"foo"}],"retainKeysMergingList":[{"$retainKeys":["name","value"],"name":"foo"}]}""",
            """{"retainKeysMergingList":[{"name":"bar"},{"name":"foo","value":"a"}]}"""
        },
        {
            "merging list without order directive: existing order kept, merged element updated in place",
            """{"mergingList":[{"name":"a","value":1},{"name":"b","value":2},{"name":"c","value":3}]}""",
            """{"mergingList":[{"name":"b","value":20}]}""",
            """{"mergingList":[{"name":"a","value":1},{"name":"b","value":20},{"name":"c","value":3}]}"""
        },
        {
            "merging list without order directive: a patch holding only a new element puts it first (upstream mergeSortedSlice)",
            """{"mergingList":[{"name":"a"},{"name":"b"}]}""",
            """{"mergingList":[{"name":"c"}]}""",
            """{"mergingList":[{"name":"c"},{"name":"a"},{"name":"b"}]}"""
        },
        {
            "merging list without order directive: new element after an existing one follows it",
            """{"mergingList":[{"name":"a"},{"name":"b"}]}""",
            """{"mergingList":[{"name":"b","value":1},{"name":"c"}]}""",
            """{"mergingList":[{"name":"a"},{"name":"b","value":1},{"name":"c"}]}"""
        },
        {
            "merge lists of scalars dedups",
            """{"mergingIntList":[1,2]}""",
            """{"mergingIntList":[2,3]}""",
            """{"mergingIntList":[1,2,3]}"""
        },
        {
            "non-merging list is replaced",
            """{"nonMergingList":[{"name":"a","value":1},{"name":"b"}]}""",
            """{"nonMergingList":[{"name":"c"}]}""",
            """{"nonMergingList":[{"name":"c"}]}"""
        },
        {
            "nested merging list inside merging list",
            """{"mergingList":[{"name":"a","mergingList":[{"name":"x","value":1},{"name":"y","value":2}]}]}""",
            """{"mergingList":[{"name":"a","mergingList":[{"name":"y","value":3}]}]}""",
            """{"mergingList":[{"name":"a","mergingList":[{"name":"x","value":1},{"name":"y","value":3}]}]}"""
        },
        {
            "delete field from map in merging list",
            """{"mergingList":[{"name":"a","value":1,"other":"o"}]}""",
            """{"mergingList":[{"name":"a","value":null}]}""",
            """{"mergingList":[{"name":"a","other":"o"}]}"""
        },
        {
            "$patch: replace on a list replaces it with the other elements",
            """{"mergingList":[{"name":"a","value":1},{"name":"b"}]}""",
            """{"mergingList":[{"$patch":"replace"},{"name":"c","value":3}]}""",
            """{"mergingList":[{"name":"c","value":3}]}"""
        },
        {
            "$patch: replace on a map",
            """{"simpleMap":{"a":"1","b":"2"},"keep":true}""",
            """{"simpleMap":{"$patch":"replace","c":"3"}}""",
            """{"simpleMap":{"c":"3"},"keep":true}"""
        },
        {
            "$patch: delete on a map empties it",
            """{"simpleMap":{"a":"1"},"keep":true}""",
            """{"simpleMap":{"$patch":"delete"}}""",
            """{"simpleMap":{},"keep":true}"""
        },
        {
            "$patch: delete on an absent map adds nothing",
            """{"keep":true}""",
            """{"simpleMap":{"$patch":"delete"}}""",
            """{"keep":true}"""
        },
        {
            "replace patch strategy replaces a map",
            """{"replacingItem":{"a":1,"b":{"c":2}}}""",
            """{"replacingItem":{"b":{"d":3}}}""",
            """{"replacingItem":{"b":{"d":3}}}"""
        },
        {
            "new value from the patch loses its null members",
            """{}""",
            """{"simpleMap":{"a":"1","b":null}}""",
            """{"simpleMap":{"a":"1"}}"""
        },
        {
            "null on a missing key is ignored",
            """{"a":1}""",
            """{"b":null}""",
            """{"a":1}"""
        },
        {
            "type change replaces",
            """{"a":{"b":1}}""",
            """{"a":"scalar"}""",
            """{"a":"scalar"}"""
        },
        {
            "$patch: delete of a missing list element is a no-op",
            """{"mergingList":[{"name":"a"}]}""",
            """{"mergingList":[{"name":"zzz","$patch":"delete"}]}""",
            """{"mergingList":[{"name":"a"}]}"""
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void AppliesLikeUpstream(string description, string current, string patch, string expected)
    {
        Assert.NotNull(description);
        var result = StrategicMergePatch.Apply(Obj(current), Obj(patch), MergeItem);
        Equal(expected, result);
        NoDirectives(result);
    }

    [Theory]
    [InlineData(
        "order in $setElementOrder and patch list must match",
        """{"mergingList":[{"name":1},{"name":3},{"name":2}]}""",
        """{"$setElementOrder/mergingList":[{"name":1},{"name":2},{"name":3}],"mergingList":[{"name":3,"value":3},{"name":1,"value":1}]}""",
        "doesn't match")]
    [InlineData(
        "order in $setElementOrder and int patch list must match",
        """{"mergingIntList":[1,3,2]}""",
        """{"$setElementOrder/mergingIntList":[1,2,3],"mergingIntList":[3,1]}""",
        "doesn't match")]
    [InlineData(
        "missing merge key",
        """{"mergingList":[{"name":1,"value":"a"}]}""",
        """{"mergingList":[{"value":"b"}]}""",
        "does not contain declared merge key: name")]
    [InlineData(
        "$patch: delete element without merge key",
        """{"mergingList":[{"name":1}]}""",
        """{"mergingList":[{"$patch":"delete","value":"b"}]}""",
        "does not contain declared merge key: name")]
    [InlineData(
        "unknown $patch value in a map",
        """{"simpleMap":{"a":"1"}}""",
        """{"simpleMap":{"$patch":"frobnicate"}}""",
        "unknown patch type: frobnicate")]
    [InlineData(
        "unknown $patch value in a list",
        """{"mergingList":[{"name":"a"}]}""",
        """{"mergingList":[{"name":"a","$patch":"frobnicate"}]}""",
        "unknown patch type: frobnicate")]
    [InlineData(
        "$patch: merge is rejected on maps (as upstream)",
        """{"simpleMap":{"a":"1"}}""",
        """{"simpleMap":{"$patch":"merge","b":"2"}}""",
        "unknown patch type: merge")]
    [InlineData(
        "$patch: merge is rejected in lists (as upstream)",
        """{"mergingList":[{"name":"a"}]}""",
        """{"mergingList":[{"$patch":"merge"}]}""",
        "merging lists cannot yet be specified in the patch")]
    [InlineData(
        "$retainKeys must list every patched key",
        """{"retainKeysMap":{"name":"a"}}""",
        """{"retainKeysMap":{"$retainKeys":["name"],"other":"x"}}""",
        "invalid patch format of retainKeys")]
    [InlineData(
        "$retainKeys must be a list",
        """{"retainKeysMap":{"name":"a"}}""",
        """{"retainKeysMap":{"$retainKeys":"name"}}""",
        "invalid patch format of retainKeys")]
    [InlineData(
        "malformed $deleteFromPrimitiveList key",
        """{"mergingIntList":[1]}""",
        """{"$deleteFromPrimitiveListmergingIntList":[1]}""",
        "invalid patch format of primitive list")]
    [InlineData(
        "lists of lists",
        """{"mergingIntList":[[1]]}""",
        """{"mergingIntList":[[2]]}""",
        "lists of lists are not supported")]
    public void RejectsLikeUpstream(string description, string current, string patch, string message)
    {
        Assert.NotNull(description);
        var ex = Assert.Throws<PatchException>(() => StrategicMergePatch.Apply(Obj(current), Obj(patch), MergeItem));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DoesNotMutateInputs()
    {
        var current = Obj("""{"mergingList":[{"name":"a","value":1}],"simpleMap":{"k":"v"}}""");
        var patch = Obj("""{"mergingList":[{"name":"a","value":2},{"name":"b"}],"simpleMap":{"k":null}}""");
        var result = StrategicMergePatch.Apply(current, patch, MergeItem);

        Equal("""{"mergingList":[{"name":"a","value":2},{"name":"b"}],"simpleMap":{}}""", result);
        Equal("""{"mergingList":[{"name":"a","value":1}],"simpleMap":{"k":"v"}}""", current);
        Equal("""{"mergingList":[{"name":"a","value":2},{"name":"b"}],"simpleMap":{"k":null}}""", patch);
    }
}
