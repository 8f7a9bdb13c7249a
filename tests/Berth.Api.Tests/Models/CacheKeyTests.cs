using System.Text.Json;
using Berth.Api.Core;
using Berth.Api.Meta;

namespace Berth.Api.Tests.Models;

/// <summary><see cref="ObjectMeta.CacheKey"/>: client-go's namespace/name key, made once per instance and never stale.</summary>
public class CacheKeyTests
{
    [Fact]
    public void Namespaced_objects_are_keyed_namespace_slash_name_and_cluster_scoped_ones_by_name()
    {
        Assert.Equal("default/www-web-0", new ObjectMeta { Namespace = "default", Name = "www-web-0" }.CacheKey());
        Assert.Equal("pv-1", new ObjectMeta { Name = "pv-1" }.CacheKey());
        Assert.Equal("pv-1", new ObjectMeta { Namespace = "", Name = "pv-1" }.CacheKey());
    }

    [Fact]
    public void The_key_is_one_string_per_instance()
    {
        var meta = new ObjectMeta { Namespace = "default", Name = "claim" };
        Assert.Same(meta.CacheKey(), meta.CacheKey());
    }

    [Fact]
    public void Renaming_or_moving_an_object_changes_its_key()
    {
        var meta = new ObjectMeta { Namespace = "default", Name = "a" };
        Assert.Equal("default/a", meta.CacheKey());
        meta.Name = "b";
        Assert.Equal("default/b", meta.CacheKey());
        meta.Namespace = "kube-system";
        Assert.Equal("kube-system/b", meta.CacheKey());
        meta.Namespace = null;
        Assert.Equal("b", meta.CacheKey());
    }

    [Fact]
    public void The_key_is_not_part_of_the_object()
    {
        var pvc = new PersistentVolumeClaim { Metadata = new ObjectMeta { Namespace = "default", Name = "c" } };
        _ = pvc.Metadata.CacheKey();
        var json = JsonSerializer.Serialize(pvc, KubeJson.Options);
        Assert.Equal("""{"metadata":{"name":"c","namespace":"default"}}""", json);
        Assert.Equal("default/c", KubeJson.Deserialize<PersistentVolumeClaim>(System.Text.Encoding.UTF8.GetBytes(json)).Metadata.CacheKey());
    }

    [Fact]
    public void An_equal_key_string_is_taken_over_and_another_is_ignored()
    {
        var meta = new ObjectMeta { Namespace = "default", Name = "claim" };
        var held = string.Concat("default/", "claim");
        meta.ShareCacheKey(held);
        Assert.Same(held, meta.CacheKey());
        meta.ShareCacheKey("default/other");
        meta.ShareCacheKey("default/clai");
        meta.ShareCacheKey("defaultXclaim");
        meta.ShareCacheKey("claim");
        Assert.Same(held, meta.CacheKey());

        var volume = new ObjectMeta { Name = "pv-1" };
        var name = string.Concat("pv-", "1");
        volume.ShareCacheKey("/pv-1");
        Assert.Equal("pv-1", volume.CacheKey());
        volume.ShareCacheKey(name);
        Assert.Same(name, volume.CacheKey());
        volume.Name = "pv-2";
        Assert.Equal("pv-2", volume.CacheKey());
    }
}
