using Berth.Kubelet.Images;

namespace Berth.Kubelet.Tests.Runc;

public sealed class ImageCatalogTests : IDisposable
{
    private readonly string _dir = TempDirectory.Create("berth-img-");
    private readonly ImageCatalog _catalog;

    public ImageCatalogTests() => _catalog = new ImageCatalog(_dir);
    public void Dispose() => TempDirectory.Delete(_dir);

    [Theory]
    [InlineData("nginx", "docker.io/library/nginx:latest", "nginx")]
    [InlineData("nginx:1.25", "docker.io/library/nginx:1.25", "nginx")]
    [InlineData("docker.io/library/nginx:latest", "docker.io/library/nginx:latest", "nginx")]
    [InlineData("registry.k8s.io/nginx-slim:0.8", "registry.k8s.io/nginx-slim:0.8", "nginx")]
    [InlineData("redis:7.2-alpine", "docker.io/library/redis:7.2-alpine", "redis-server")]
    [InlineData("k8s.gcr.io/busybox", "k8s.gcr.io/busybox:latest", "sh")]
    [InlineData("busybox@sha256:abc", "docker.io/library/busybox@sha256:abc", "sh")]
    [InlineData("registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9", "/usr/bin/sleep")]
    public void Built_in_images_resolve_with_their_default_command(string reference, string canonical, string program)
    {
        var image = _catalog.Resolve(reference);
        Assert.NotNull(image);
        Assert.Equal(canonical, image!.Reference);
        Assert.Equal(program, image.Cmd[0]);
        Assert.Contains("@sha256:", image.ImageId);
        Assert.Equal(image.ImageId, _catalog.Resolve(reference)!.ImageId);
    }

    [Fact]
    public void Unknown_images_resolve_to_nothing_and_the_message_says_how_to_import()
    {
        Assert.Null(_catalog.Resolve("quay.io/someone/app:1"));
        Assert.Null(_catalog.Resolve(""));
        Assert.Contains("./berth image import FILE", ImageCatalog.NotFoundMessage("quay.io/someone/app:1"));
    }

    [Fact]
    public void Nginx_serves_the_official_document_root_and_redis_runs_without_protected_mode()
    {
        var nginx = _catalog.Resolve("nginx")!;
        Assert.Equal(["nginx", "-g", "daemon off;"], nginx.Cmd);
        Assert.Contains(nginx.Files, f => f.Key == "/etc/nginx/conf.d/default.conf" && f.Value.Contains("root   /usr/share/nginx/html;"));
        var redis = _catalog.Resolve("redis")!;
        Assert.Equal("/data", redis.WorkingDir);
        Assert.Equal(["redis-server", "--appendonly", "yes", "--protected-mode", "no"], redis.AdjustArgs!(["redis-server", "--appendonly", "yes"]));
        Assert.Equal(["sh", "-c", "x"], redis.AdjustArgs!(["sh", "-c", "x"]));
    }
}
