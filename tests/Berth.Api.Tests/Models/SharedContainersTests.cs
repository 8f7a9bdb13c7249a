using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Core;
using Berth.Api.Meta;

namespace Berth.Api.Tests.Models;

/// <summary>Decoding for shared, never-changed objects (<see cref="KubeJson.SharedOptions"/>): equal small maps and
/// lists are one instance; the objects read and write exactly as with the ordinary options.</summary>
public class SharedContainersTests
{
    private static string Claim(string name, string size, string annotation = "yes") => """
        {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"NAME","namespace":"default",
         "annotations":{"pv.kubernetes.io/bind-completed":"ANNOTATION","pv.kubernetes.io/bound-by-controller":"yes"},
         "finalizers":["kubernetes.io/pvc-protection"],"labels":{"app":"web"}},
         "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"SIZE"}},"volumeName":"pv-NAME"},
         "status":{"phase":"Bound","accessModes":["ReadWriteOnce"],"capacity":{"storage":"SIZE"}}}
        """.Replace("NAME", name).Replace("SIZE", size).Replace("ANNOTATION", annotation);

    private static PersistentVolumeClaim Shared(string json) => JsonSerializer.Deserialize<PersistentVolumeClaim>(json, KubeJson.SharedOptions)!;

    [Fact]
    public void Equal_containers_of_different_objects_are_one_instance()
    {
        var a = Shared(Claim("a", "1Gi"));
        var b = Shared(Claim("b", "1Gi"));
        Assert.Same(a.Metadata.Annotations, b.Metadata.Annotations);
        Assert.Same(a.Metadata.Labels, b.Metadata.Labels);
        Assert.Same(a.Metadata.Finalizers, b.Metadata.Finalizers);
        Assert.Same(a.Spec!.AccessModes, b.Spec!.AccessModes);
        Assert.Same(a.Spec.AccessModes, a.Status!.AccessModes);
        Assert.Same(a.Spec.Resources!.Requests, b.Status!.Capacity);
        Assert.Equal(("a", "b"), (a.Metadata.Name, b.Metadata.Name));
    }

    [Fact]
    public void Different_content_is_never_shared()
    {
        var a = Shared(Claim("a", "1Gi"));
        Assert.NotSame(a.Metadata.Annotations, Shared(Claim("b", "1Gi", annotation: "no")).Metadata.Annotations);
        Assert.Equal("no", Shared(Claim("b", "1Gi", annotation: "no")).Metadata.Annotations!["pv.kubernetes.io/bind-completed"]);
        var other = Shared(Claim("c", "2Gi"));
        Assert.NotSame(a.Spec!.Resources!.Requests, other.Spec!.Resources!.Requests);
        Assert.Equal("2Gi", other.Spec.Resources.Requests!["storage"].ToString());
        Assert.Equal("1Gi", a.Spec.Resources.Requests!["storage"].ToString());
    }

    [Fact]
    public void Shared_decoding_reads_and_writes_what_the_ordinary_options_do()
    {
        var json = Claim("a", "5Gi");
        var shared = KubeJson.Serialize(Shared(json));
        var ordinary = KubeJson.Serialize(JsonSerializer.Deserialize<PersistentVolumeClaim>(json, KubeJson.Options)!);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(ordinary), JsonNode.Parse(shared)));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), JsonNode.Parse(shared)));
        // Empty and null containers, nulls inside, and a map too big to share still read as before.
        var odd = """{"metadata":{"name":"x","labels":{},"annotations":{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6","g":"7","h":"8","i":"9"},"finalizers":null},"spec":{"accessModes":[]}}""";
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse(KubeJson.Serialize(JsonSerializer.Deserialize<PersistentVolumeClaim>(odd, KubeJson.Options)!)),
            JsonNode.Parse(KubeJson.Serialize(Shared(odd)))));
        Assert.Throws<JsonException>(() => Shared("""{"metadata":{"labels":{"a":1}}}"""));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<PersistentVolumeClaim>("""{"metadata":{"labels":{"a":1}}}""", KubeJson.Options));
    }

    [Fact]
    public void The_ordinary_options_never_share()
    {
        var a = JsonSerializer.Deserialize<PersistentVolumeClaim>(Claim("a", "1Gi"), KubeJson.Options)!;
        var b = JsonSerializer.Deserialize<PersistentVolumeClaim>(Claim("b", "1Gi"), KubeJson.Options)!;
        Assert.NotSame(a.Metadata.Annotations, b.Metadata.Annotations);
        Assert.NotSame(a.Spec!.AccessModes, b.Spec!.AccessModes);
        Assert.NotSame(a.Spec.Resources!.Requests, b.Spec.Resources!.Requests);
    }
}
