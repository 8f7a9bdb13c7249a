using System.Text;
using Berth.Api.Apps;
using Berth.Api.Meta;
using Berth.Server.Http;

namespace Berth.Server.Tests.Http;

/// <summary>Unknown fields are named by their path wherever they are, in lists of objects too; maps and lists of plain
/// values are not walked (they cannot hold any).</summary>
public class UnknownFieldsTests
{
    [Fact]
    public void Unknown_fields_are_found_at_every_depth_and_named_by_path()
    {
        const string json = """
            {"apiVersion":"apps/v1","kind":"StatefulSet","bogus0":1,
             "metadata":{"name":"web","labels":{"app":"nginx"},"ownerReferences":[{"apiVersion":"v1","kind":"X","name":"o","uid":"u","bogus1":true}]},
             "spec":{"serviceName":"nginx","selector":{"matchLabels":{"app":"nginx"}},
              "template":{"metadata":{"labels":{"app":"nginx"}},"spec":{"containers":[
                {"name":"a","image":"nginx"},
                {"name":"b","image":"nginx","bogus2":"x","ports":[{"containerPort":80,"bogus3":1}],"resources":{"requests":{"cpu":"1"}}}]}},
              "volumeClaimTemplates":[{"metadata":{"name":"www"},"spec":{"accessModes":["ReadWriteOnce"],"bogus4":{},"resources":{"requests":{"storage":"1Gi"}}}}]}}
            """;
        var set = KubeJson.Deserialize<StatefulSet>(Encoding.UTF8.GetBytes(json));
        Assert.Equal(
            ["bogus0", "metadata.ownerReferences[0].bogus1", "spec.template.spec.containers[1].bogus2",
             "spec.template.spec.containers[1].ports[0].bogus3", "spec.volumeClaimTemplates[0].spec.bogus4"],
            UnknownFields.Find(set).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_known_object_has_none()
    {
        const string json = """
            {"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"web","labels":{"app":"nginx"},"annotations":{"a":"b"}},
             "spec":{"serviceName":"nginx","selector":{"matchLabels":{"app":"nginx"}},
              "template":{"metadata":{"labels":{"app":"nginx"}},"spec":{"containers":[{"name":"a","image":"nginx","args":["-g"]}]}}}}
            """;
        Assert.Empty(UnknownFields.Find(KubeJson.Deserialize<StatefulSet>(Encoding.UTF8.GetBytes(json))));
    }
}
