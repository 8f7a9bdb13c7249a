using System.Text.Json;
using Berth.Api.Meta;
using Berth.Api.Validation;

namespace Berth.Api.Tests;

public class MetaValidationTests
{
    private static readonly FieldPath Md = new("metadata");
    private static List<string> S(IEnumerable<FieldError> e) => e.Select(x => x.ToString()).ToList();
    private static List<string> Create(ObjectMeta m, bool namespaced = true) => S(MetaValidation.ValidateObjectMeta(m, namespaced, NameValidation.IsDns1123Subdomain, Md));

    private const string SubdomainMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    [Fact]
    public void Valid() => Assert.Empty(Create(new ObjectMeta { Name = "web", Namespace = "default", Labels = new() { ["app"] = "web" }, Annotations = new() { ["example.com/x"] = "y" } }));

    [Fact]
    public void NameRequired() => Assert.Equal(["metadata.name: Required value: name or generateName is required"], Create(new ObjectMeta { Namespace = "default" }));

    [Fact]
    public void NameInvalid() => Assert.Equal(["metadata.name: Invalid value: \"Web_1\": " + SubdomainMsg], Create(new ObjectMeta { Name = "Web_1", Namespace = "default" }));

    [Fact]
    public void GenerateName()
    {
        Assert.Equal(["metadata.name: Required value: name or generateName is required"], Create(new ObjectMeta { GenerateName = "web-", Namespace = "default" }));
        Assert.Empty(Create(new ObjectMeta { GenerateName = "web-", Name = "web-abcde", Namespace = "default" }));
        Assert.Equal(["metadata.generateName: Invalid value: \"Web-\": " + SubdomainMsg],
            Create(new ObjectMeta { GenerateName = "Web-", Name = "web-x", Namespace = "default" }));
    }

    [Fact]
    public void NamespaceScope()
    {
        Assert.Equal(["metadata.namespace: Required value"], Create(new ObjectMeta { Name = "a" }));
        Assert.Equal(["metadata.namespace: Forbidden: not allowed on this type"], Create(new ObjectMeta { Name = "a", Namespace = "x" }, namespaced: false));
        Assert.Empty(Create(new ObjectMeta { Name = "a" }, namespaced: false));
        Assert.Equal(["metadata.namespace: Invalid value: \"a.b\": must not contain dots"], Create(new ObjectMeta { Name = "a", Namespace = "a.b" }));
    }

    [Fact]
    public void GenerationNonNegative()
        => Assert.Equal(["metadata.generation: Invalid value: -1: must be greater than or equal to 0"], Create(new ObjectMeta { Name = "a", Namespace = "d", Generation = -1 }));

    [Fact]
    public void Labels()
    {
        var errs = Create(new ObjectMeta { Name = "a", Namespace = "d", Labels = new() { ["a b"] = "ok", ["k"] = "-bad" } });
        Assert.Equal(2, errs.Count);
        Assert.StartsWith("metadata.labels: Invalid value: \"a b\": name part must consist of alphanumeric characters", errs[0]);
        Assert.StartsWith("metadata.labels: Invalid value: \"-bad\": a valid label must be an empty string", errs[1]);
    }

    [Fact]
    public void Annotations()
    {
        Assert.Empty(Create(new ObjectMeta { Name = "a", Namespace = "d", Annotations = new() { ["Example.COM/Key"] = "x" } }));
        var bad = Create(new ObjectMeta { Name = "a", Namespace = "d", Annotations = new() { ["a/b/c"] = "x" } });
        Assert.StartsWith("metadata.annotations: Invalid value: \"a/b/c\": a qualified name must consist", Assert.Single(bad));
        Assert.Equal(["metadata.annotations: Too long: may not be more than 262144 bytes"],
            Create(new ObjectMeta { Name = "a", Namespace = "d", Annotations = new() { ["k"] = new string('x', 262144) } }));
        Assert.Empty(Create(new ObjectMeta { Name = "a", Namespace = "d", Annotations = new() { ["k"] = new string('x', 262143) } }));
    }

    [Fact]
    public void Finalizers()
    {
        Assert.Empty(Create(new ObjectMeta { Name = "a", Namespace = "d", Finalizers = ["kubernetes", "example.com/f", "foo"] }));
        Assert.StartsWith("metadata.finalizers: Invalid value: \"a/b/c\": a qualified name",
            Assert.Single(Create(new ObjectMeta { Name = "a", Namespace = "d", Finalizers = ["a/b/c"] })));
        Assert.Equal(["metadata.finalizers: Invalid value: []string{\"orphan\", \"foregroundDeletion\"}: finalizer orphan and foregroundDeletion cannot be both set"],
            Create(new ObjectMeta { Name = "a", Namespace = "d", Finalizers = ["orphan", "foregroundDeletion"] }));
        Assert.Equal(["spec.finalizers: Invalid value: \"foo\": name is neither a standard finalizer name nor is it fully qualified"],
            S(MetaValidation.ValidateKubeFinalizerName("foo", new FieldPath("spec.finalizers"))));
        Assert.Empty(MetaValidation.ValidateKubeFinalizerName("kubernetes", new FieldPath("spec.finalizers")));
    }

    [Fact]
    public void OwnerReferences()
    {
        var ok = new OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "rs", Uid = "u1", Controller = true };
        Assert.Empty(Create(new ObjectMeta { Name = "a", Namespace = "d", OwnerReferences = [ok] }));
        Assert.Equal([
            "metadata.ownerReferences.apiVersion: Invalid value: \"\": version must not be empty",
            "metadata.ownerReferences.kind: Invalid value: \"\": kind must not be empty",
            "metadata.ownerReferences.name: Invalid value: \"\": name must not be empty",
            "metadata.ownerReferences.uid: Invalid value: \"\": uid must not be empty"],
            Create(new ObjectMeta { Name = "a", Namespace = "d", OwnerReferences = [new OwnerReference()] }));
        Assert.Equal(["metadata.ownerReferences.apiVersion: Invalid value: \"apps/\": version must not be empty"],
            Create(new ObjectMeta { Name = "a", Namespace = "d", OwnerReferences = [new OwnerReference { ApiVersion = "apps/", Kind = "K", Name = "n", Uid = "u" }] }));
        var two = Create(new ObjectMeta
        {
            Name = "a", Namespace = "d",
            OwnerReferences = [ok, new OwnerReference { ApiVersion = "v1", Kind = "Pod", Name = "p", Uid = "u2", Controller = true }],
        });
        var err = Assert.Single(two);
        Assert.StartsWith("metadata.ownerReferences: Invalid value: []v1.OwnerReference{v1.OwnerReference{APIVersion:\"apps/v1\", Kind:\"ReplicaSet\"", err);
        Assert.EndsWith(": Only one reference can have Controller set to true. Found \"true\" in references for ReplicaSet/rs and Pod/p", err);
        var ev = Assert.Single(Create(new ObjectMeta { Name = "a", Namespace = "d", OwnerReferences = [new OwnerReference { ApiVersion = "v1", Kind = "Event", Name = "e", Uid = "u" }] }));
        Assert.EndsWith(": /v1, Kind=Event is disallowed from being an owner", ev);
    }

    [Fact]
    public void ManagedFields()
    {
        Assert.Equal(["metadata.managedFields[0].operation: Invalid value: \"Patch\": must be `Apply` or `Update`",
                      "metadata.managedFields[0].fieldsType: Invalid value: \"FieldsV2\": must be `FieldsV1`"],
            Create(new ObjectMeta { Name = "a", Namespace = "d", ManagedFields = [new ManagedFieldsEntry { Operation = "Patch", FieldsType = "FieldsV2", Manager = "kubectl" }] }));
        Assert.Equal(["metadata.managedFields[0].manager: Too long: may not be more than 128 bytes"],
            Create(new ObjectMeta { Name = "a", Namespace = "d", ManagedFields = [new ManagedFieldsEntry { Operation = "Apply", Manager = new string('m', 129) }] }));
        Assert.Equal(["metadata.managedFields[0].manager: Invalid value: \"a\\tb\": invalid character U+0009 (at position 1)"],
            Create(new ObjectMeta { Name = "a", Namespace = "d", ManagedFields = [new ManagedFieldsEntry { Operation = "Update", Manager = "a\tb" }] }));
    }

    // ---- update

    private static ObjectMeta Old() => new()
    {
        Name = "a", Namespace = "d", Uid = "u1", ResourceVersion = "5", Generation = 3,
        CreationTimestamp = DateTimeOffset.FromUnixTimeSeconds(1000),
    };

    private static ObjectMeta Copy(ObjectMeta m) => KubeJson.Deserialize<ObjectMeta>(KubeJson.Serialize(m));

    private static List<string> Update(ObjectMeta n, ObjectMeta o) => S(MetaValidation.ValidateObjectMetaUpdate(n, o, Md));

    [Fact]
    public void Update_Valid() => Assert.Empty(Update(Copy(Old()), Old()));

    [Fact]
    public void Update_Immutable()
    {
        var n = Copy(Old()); n.Name = "b"; n.Namespace = "e"; n.Uid = "u2";
        n.CreationTimestamp = DateTimeOffset.FromUnixTimeSeconds(2000);
        Assert.Equal([
            "metadata.name: Invalid value: \"b\": field is immutable",
            "metadata.namespace: Invalid value: \"e\": field is immutable",
            "metadata.uid: Invalid value: \"u2\": field is immutable",
            "metadata.creationTimestamp: Invalid value: 1970-01-01 00:33:20 +0000 UTC: field is immutable"], Update(n, Old()));
    }

    [Fact]
    public void Update_DeletionFields()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1000);
        var old = Old();
        var n = Copy(old); n.DeletionTimestamp = now;
        Assert.Equal(["metadata.deletionTimestamp: Invalid value: 1970-01-01 00:16:40 +0000 UTC: field is immutable"], Update(n, old));
        old.DeletionTimestamp = now;
        n = Copy(old); n.DeletionTimestamp = null;
        Assert.Equal(["metadata.deletionTimestamp: Invalid value: \"null\": field is immutable"], Update(n, old));
        old = Old();
        n = Copy(old); n.DeletionGracePeriodSeconds = 30;
        Assert.Equal(["metadata.deletionGracePeriodSeconds: Invalid value: 30: field is immutable"], Update(n, old));
        old.DeletionGracePeriodSeconds = 30; n = Copy(old); n.DeletionGracePeriodSeconds = null;
        Assert.Equal(["metadata.deletionGracePeriodSeconds: Invalid value: \"null\": field is immutable"], Update(n, old));
    }

    [Fact]
    public void Update_NoNewFinalizersWhileDeleting()
    {
        var old = Old(); old.DeletionTimestamp = DateTimeOffset.FromUnixTimeSeconds(1000); old.Finalizers = ["a"];
        var n = Copy(old); n.Finalizers = ["a", "y", "x"];
        Assert.Equal(["metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"x\", \"y\"}"], Update(n, old));
        n.Finalizers = [];
        Assert.Empty(Update(n, old));
        old.DeletionTimestamp = null; n = Copy(old); n.Finalizers = ["a", "x"];
        Assert.Empty(Update(n, old));
    }

    [Fact]
    public void Update_GenerationAndResourceVersion()
    {
        var n = Copy(Old()); n.Generation = 2; n.ResourceVersion = null;
        Assert.Equal(["metadata.resourceVersion: Invalid value: \"\": must be specified for an update",
                      "metadata.generation: Invalid value: 2: must not be decremented"], Update(n, Old()));
    }

    [Fact]
    public void GoTimeFormat()
    {
        Assert.Equal("2024-01-02 03:04:05 +0000 UTC", GoValue.Time(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero)).ToString());
        Assert.Equal("2024-01-02 03:04:05.5 +0000 UTC", GoValue.Time(new DateTimeOffset(2024, 1, 2, 3, 4, 5, 500, TimeSpan.Zero)).ToString());
        Assert.Equal("0001-01-01 00:00:00 +0000 UTC", GoValue.Time(null).ToString());
    }
}

public class IntOrStringTests
{
    private sealed class H { public IntOrString V { get; set; } public IntOrString? O { get; set; } }

    [Theory]
    [InlineData("{\"v\":80}", true, 80, "80")]
    [InlineData("{\"v\":\"http\"}", false, 0, "http")]
    [InlineData("{\"v\":\"25%\"}", false, 0, "25%")]
    [InlineData("{\"v\":\"8080\"}", false, 8080, "8080")]
    [InlineData("{\"v\":-1}", true, -1, "-1")]
    public void Json(string json, bool isInt, int intValue, string str)
    {
        var h = JsonSerializer.Deserialize<H>(json, KubeJson.Options)!;
        Assert.Equal(isInt, h.V.IsInt);
        Assert.Equal(intValue, h.V.IntValue());
        Assert.Equal(str, h.V.ToString());
        Assert.Equal(json, JsonSerializer.Serialize(h, KubeJson.Options));
    }

    [Theory]
    [InlineData("{\"v\":1.5}")]
    [InlineData("{\"v\":4294967296}")]
    [InlineData("{\"v\":true}")]
    public void Json_Invalid(string json) => Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<H>(json, KubeJson.Options));

    [Fact]
    public void DefaultIsIntZero()
    {
        IntOrString v = default;
        Assert.True(v.IsInt);
        Assert.Equal("0", v.ToString());
        Assert.Equal("{\"v\":0}", JsonSerializer.Serialize(new H(), KubeJson.Options));
    }

    [Theory]
    [InlineData("123", true, 123)]
    [InlineData("-5", true, -5)]
    [InlineData("abc", false, 0)]
    [InlineData("4294967296", false, 0)]
    [InlineData("", false, 0)]
    public void Parse(string s, bool isInt, int v)
    {
        var x = IntOrString.Parse(s);
        Assert.Equal(isInt, x.IsInt);
        Assert.Equal(v, x.IsInt ? x.IntVal : 0);
        Assert.Equal(s, x.StringValue);
    }

    [Theory]
    // upstream TestGetScaledValueFromIntOrPercent
    [InlineData(1, 0, false, 1)]
    [InlineData("%", 0, false, null)]
    [InlineData("10%", 10, false, 1)]
    [InlineData("10%", 10, true, 1)]
    [InlineData("25%", 5, false, 1)]
    [InlineData("25%", 5, true, 2)]
    [InlineData("1", 100, false, null)]
    [InlineData("50%", 3, true, 2)]
    [InlineData("50%", 3, false, 1)]
    [InlineData("0%", 7, true, 0)]
    [InlineData("100%", 7, false, 7)]
    public void Scaled(object input, int total, bool roundUp, int? expect)
    {
        IntOrString v = input is int i ? IntOrString.FromInt(i) : IntOrString.FromString((string)input);
        if (expect is null) Assert.Throws<FormatException>(() => v.GetScaledValueFromIntOrPercent(total, roundUp));
        else Assert.Equal(expect.Value, v.GetScaledValueFromIntOrPercent(total, roundUp));
    }

    [Fact]
    public void ScaledErrors()
    {
        Assert.Equal("invalid value for IntOrString: invalid type: string is not a percentage",
            Assert.Throws<FormatException>(() => IntOrString.FromString("1").GetScaledValueFromIntOrPercent(10, false)).Message);
        Assert.Equal("invalid value for IntOrString: invalid value \"a%\": strconv.Atoi: parsing \"a\": invalid syntax",
            Assert.Throws<FormatException>(() => IntOrString.FromString("a%").GetScaledValueFromIntOrPercent(10, false)).Message);
        Assert.Equal("nil value for IntOrString",
            Assert.Throws<FormatException>(() => IntOrString.GetScaledValueFromIntOrPercent(null, 10, false)).Message);
        Assert.True(IntOrString.TryGetScaledValueFromIntOrPercent("30%", 10, true, out var r, out _));
        Assert.Equal(3, r);
    }
}
