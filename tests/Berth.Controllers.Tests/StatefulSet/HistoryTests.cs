using System.Text;
using Berth.Controllers.StatefulSets;

namespace Berth.Controllers.Tests.StatefulSets;

public sealed class StatefulSetHistoryTests
{
    [Fact]
    public void Hash_is_go_fnv32_of_data_and_collision_count_in_the_safe_alphabet()
    {
        // fnv.New32 ("a") = 0x050c5d7e = 84696446 → each digit mapped through "bcdfghjklmnpqrstvwxz2456789".
        Assert.Equal("d8bfb88b", ControllerHistory.Hash(Encoding.ASCII.GetBytes("a"), null));
        Assert.Equal(ControllerHistory.Hash(Encoding.ASCII.GetBytes("a0"), null), ControllerHistory.Hash(Encoding.ASCII.GetBytes("a"), 0));
        Assert.NotEqual(ControllerHistory.Hash(Encoding.ASCII.GetBytes("a"), 0), ControllerHistory.Hash(Encoding.ASCII.GetBytes("a"), 1));
    }

    [Fact]
    public void Patch_is_the_template_as_a_sorted_replace_and_round_trips()
    {
        var set = StsHarness.Web(image: "nginx:<1>&");
        var patch = Encoding.UTF8.GetString(ControllerHistory.Patch(set));
        Assert.StartsWith("{\"spec\":{\"template\":{\"$patch\":\"replace\",\"metadata\":{\"creationTimestamp\":null,\"labels\":{\"app\":\"nginx\"}},\"spec\":{\"containers\":[{\"image\":\"nginx:\\u003c1\\u003e\\u0026\"", patch);
        Assert.Contains("\"resources\":{}", patch);
        var rev = ControllerHistory.NewRevision(set, 1, 0);
        Assert.Equal("web-" + ControllerHistory.Hash(ControllerHistory.Patch(set), 0), rev.Metadata.Name);
        Assert.Equal(ControllerHistory.Patch(set), ControllerHistory.CanonicalData(rev));
        var applied = ControllerHistory.ApplyRevision(StsHarness.Web(image: "other"), rev);
        Assert.Equal("nginx:<1>&", applied.Spec!.Template!.Spec!.Containers![0].Image);
        Assert.True(ControllerHistory.Equal(rev, ControllerHistory.NewRevision(applied, 7, 3)));
    }

    [Theory]
    [InlineData("web-0", "web", 0)]
    [InlineData("my-web-12", "my-web", 12)]
    [InlineData("web", "", -1)]
    [InlineData("web-x", "", -1)]
    [InlineData("web-99999999999", "", -1)]
    public void Ordinals_parse_as_upstream(string name, string parent, int ordinal)
        => Assert.Equal((parent, ordinal), StatefulSetUtils.ParentAndOrdinal(name));
}
