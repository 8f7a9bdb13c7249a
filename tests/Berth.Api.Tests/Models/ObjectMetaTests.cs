using System.Text;
using System.Text.Json;
using Berth.Api.Meta;

namespace Berth.Api.Tests.Models;

/// <summary>ObjectMeta keeps its rarely set fields apart; they must read, write and serialize as plain fields.</summary>
public class ObjectMetaTests
{
    [Fact]
    public void Rare_fields_round_trip_in_their_places()
    {
        const string json = """
            {"name":"web-0","generateName":"web-","namespace":"default","selfLink":"/x","uid":"u","resourceVersion":"7","generation":2,
             "creationTimestamp":"2024-01-02T03:04:05Z","deletionTimestamp":"2024-01-02T03:05:05Z","deletionGracePeriodSeconds":30,
             "finalizers":["f"],"managedFields":[{"manager":"kubectl","operation":"Apply"}]}
            """;
        var meta = KubeJson.Deserialize<ObjectMeta>(Encoding.UTF8.GetBytes(json));
        Assert.Equal("web-", meta.GenerateName);
        Assert.Equal("/x", meta.SelfLink);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 5, 5, TimeSpan.Zero), meta.DeletionTimestamp);
        Assert.Equal(30, meta.DeletionGracePeriodSeconds);
        Assert.Equal("kubectl", Assert.Single(meta.ManagedFields!).Manager);
        Assert.Equal(json.Replace("\n", "").Replace(" ", ""), JsonSerializer.Serialize(meta, KubeJson.Options));
    }

    [Fact]
    public void Rare_fields_can_be_set_and_cleared()
    {
        var meta = new ObjectMeta { Name = "a" };
        Assert.Null(meta.DeletionTimestamp);
        meta.DeletionTimestamp = DateTimeOffset.UnixEpoch;
        meta.DeletionGracePeriodSeconds = 0;
        Assert.Equal(DateTimeOffset.UnixEpoch, meta.DeletionTimestamp);
        Assert.Equal(0, meta.DeletionGracePeriodSeconds);
        meta.DeletionTimestamp = null;
        Assert.Null(meta.DeletionTimestamp);
        Assert.Equal(0, meta.DeletionGracePeriodSeconds);
        meta.GenerateName = null; // clearing what was never set
        Assert.Equal("""{"name":"a","deletionGracePeriodSeconds":0}""", JsonSerializer.Serialize(meta, KubeJson.Options));
    }
}
