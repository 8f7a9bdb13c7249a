using System.Text;
using Berth.Server.Hosting;
using Berth.Server.Storage;
using Berth.Store;

namespace Berth.Server.Tests.Storage;

/// <summary>The API cache's form of a stored object: labels read without decoding, equal label sets shared, and the
/// shared decoded model naming the object with the cache's own name string.</summary>
public class CachedObjectTests
{
    private static readonly Berth.Api.Registry.ResourceRegistry Registry = BuiltinRegistry.Create(new ServiceAllocator());
    private static readonly Berth.Api.Registry.ResourceType Claims = Registry.ByPath("", "v1", "persistentvolumeclaims")!;
    private static long _revision = 100;

    private static CachedObject Claim(string name, string labels)
    {
        var json = "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"" + name +
                   "\",\"namespace\":\"default\"" + (labels.Length == 0 ? "" : ",\"labels\":{" + labels + "}") +
                   "},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}";
        long rev = Interlocked.Increment(ref _revision);
        return CachedObject.FromStore(Claims, new KeyValue(Claims.StoragePrefix + "default/" + name, Encoding.UTF8.GetBytes(json), rev, rev));
    }

    [Fact]
    public void Equal_label_sets_of_different_objects_are_one_map()
    {
        var a = Claim("a", "\"app\":\"web\",\"tier\":\"storage\"");
        var b = Claim("b", "\"app\":\"web\",\"tier\":\"storage\"");
        Assert.Same(a.Labels, b.Labels);
        Assert.Equal("web", b.Labels!["app"]);
        Assert.Equal(2, b.Labels.Count);
    }

    [Fact]
    public void Different_label_sets_are_never_shared()
    {
        var a = Claim("a", "\"app\":\"web\",\"tier\":\"storage\"");
        var values = Claim("b", "\"app\":\"web\",\"tier\":\"cache\"");
        var order = Claim("c", "\"tier\":\"storage\",\"app\":\"web\"");
        var fewer = Claim("d", "\"app\":\"web\"");
        Assert.NotSame(a.Labels, values.Labels);
        Assert.Equal("cache", values.Labels!["tier"]);
        Assert.Equal("storage", a.Labels!["tier"]);
        Assert.NotSame(a.Labels, fewer.Labels);
        Assert.Single(fewer.Labels!);
        Assert.Equal(a.Labels.OrderBy(kv => kv.Key), order.Labels!.OrderBy(kv => kv.Key));
        Assert.Null(Claim("e", "").Labels);
    }

    [Fact]
    public void The_shared_model_is_named_and_keyed_with_the_caches_own_strings()
    {
        var c = Claim("www-web-0", "");
        Assert.Equal("default/www-web-0", c.Key);
        Assert.Same(c.Name, c.SharedModel.Metadata.Name);
        Assert.Same(c.Key, c.SharedModel.Metadata.CacheKey());
        Assert.Equal(c.ModRevision.ToString(), c.SharedModel.Metadata.ResourceVersion);
    }

    [Fact]
    public void A_cluster_scoped_object_is_keyed_by_its_name()
    {
        var volumes = Registry.ByPath("", "v1", "persistentvolumes")!;
        var json = Encoding.UTF8.GetBytes("{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolume\",\"metadata\":{\"name\":\"pv-1\"},\"spec\":{}}");
        var c = CachedObject.FromStore(volumes, new KeyValue(volumes.StoragePrefix + "pv-1", json, 7, 7));
        Assert.Equal("pv-1", c.Key);
        Assert.Same(c.Name, c.Key);
        Assert.Same(c.Key, c.SharedModel.Metadata.CacheKey());
    }
}
