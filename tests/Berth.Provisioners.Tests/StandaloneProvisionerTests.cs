using Berth.Provisioners.Framework;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Provisioners.Tests;

/// <summary>`berth provisioner` usage errors: one line for the user, before anything connects.</summary>
public sealed class StandaloneProvisionerTests
{
    private static Task<int> Run(params string[] args)
        => StandaloneProvisioner.RunAsync(args, NullLoggerFactory.Instance, CancellationToken.None, _ => null);

    [Fact]
    public async Task Unknown_kind_lists_the_known_ones()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Run("ceph"));
        Assert.StartsWith("unknown provisioner \"ceph\" (known: ", e.Message);
        Assert.Contains("local-path", e.Message);
    }

    [Fact]
    public async Task Missing_kind_kubeconfig_and_values_are_reported()
    {
        Assert.StartsWith("provisioner needs a kind: ", (await Assert.ThrowsAsync<ArgumentException>(() => Run())).Message);
        var missing = Path.Combine(Path.GetTempPath(), "no-such-kubeconfig-" + Guid.NewGuid().ToString("N"));
        Assert.Equal($"kubeconfig {missing} not found (use --kubeconfig FILE or KUBECONFIG)",
            (await Assert.ThrowsAsync<ArgumentException>(() => Run("local-path", "--kubeconfig", missing))).Message);
        Assert.Equal("--root needs a value", (await Assert.ThrowsAsync<ArgumentException>(() => Run("local-path", "--root"))).Message);
        Assert.Equal("unexpected argument \"extra\"", (await Assert.ThrowsAsync<ArgumentException>(() => Run("local-path", "extra"))).Message);
    }

    [Fact]
    public void Usage_names_every_registered_kind()
        => Assert.Contains("berth provisioner local-path [--kubeconfig FILE] [--name PROVISIONER_NAME] [--lease-namespace NS] [--no-leader-elect] [--root DIR] [--node-name NODE]",
            StandaloneProvisioner.Usage());
}
