using Berth.E2E.Tests.Infrastructure;

namespace Berth.E2E.Tests;

/// <summary>kubectl delete --cascade=background|foreground|orphan and namespace deletion, as on a real cluster.</summary>
public sealed class GarbageCollectionTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private readonly Kubectl _k = f.Kubectl;

    private async Task<string> OwnerWithDependentAsync(string owner, string dependent)
    {
        await _k.OkAsync("apply -f -", $"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {owner}}}\ndata: {{role: owner}}\n");
        var uid = await _k.OkAsync($"get cm {owner} -o jsonpath={{.metadata.uid}}");
        await _k.OkAsync("apply -f -", $$"""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{dependent}}
              ownerReferences:
              - apiVersion: v1
                kind: ConfigMap
                name: {{owner}}
                uid: {{uid}}
                blockOwnerDeletion: true
            data: {role: dependent}
            """);
        return uid;
    }

    [Fact]
    public async Task Background_deletion_removes_dependents_after_the_owner()
    {
        await OwnerWithDependentAsync("bg-owner", "bg-dep");
        await _k.OkAsync("delete cm bg-owner");
        await Eventually.OutputAsync(_k, "get cm", s => !s.Contains("bg-dep"));
    }

    [Fact]
    public async Task Orphan_deletion_keeps_dependents_without_the_reference()
    {
        await OwnerWithDependentAsync("or-owner", "or-dep");
        await _k.OkAsync("delete cm or-owner --cascade=orphan");
        await Eventually.OutputAsync(_k, "get cm", s => !s.Contains("or-owner"));
        Assert.Equal("", await _k.OkAsync("get cm or-dep -o jsonpath={.metadata.ownerReferences}"));
    }

    [Fact]
    public async Task Foreground_deletion_removes_dependents_first()
    {
        await OwnerWithDependentAsync("fg-owner", "fg-dep");
        await _k.OkAsync("delete cm fg-owner --cascade=foreground --wait=true --timeout=30s");
        var all = await _k.OkAsync("get cm");
        Assert.DoesNotContain("fg-dep", all);
        Assert.DoesNotContain("fg-owner", all);
    }

    [Fact]
    public async Task Deleting_a_namespace_deletes_what_it_holds()
    {
        await _k.OkAsync("apply -f -", "apiVersion: v1\nkind: Namespace\nmetadata: {name: doomed}\n");
        await _k.OkAsync("apply -n doomed -f -", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: inside}\n");
        await _k.OkAsync("apply -n doomed -f -", "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec: {accessModes: [ReadWriteOnce], storageClassName: \"\", resources: {requests: {storage: 1Gi}}}\n");
        await _k.OkAsync("delete namespace doomed --timeout=60s");
        var r = await _k.RunAsync("get namespace doomed");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("namespaces \"doomed\" not found", r.Stderr);
        var forbidden = await _k.RunAsync("delete namespace default");
        Assert.Contains("this namespace may not be deleted", forbidden.Stderr);
    }
}
