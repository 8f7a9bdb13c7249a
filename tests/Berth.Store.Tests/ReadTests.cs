namespace Berth.Store.Tests;

public sealed class ReadTests : IDisposable
{
    readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Get_and_list_reflect_writes_sorted_by_key()
    {
        await using var store = await T.Open(_dir);
        await store.CreateAsync("/registry/pods/default/b", T.B("b"));
        await store.CreateAsync("/registry/pods/default/a", T.B("a"));
        await store.CreateAsync("/registry/pods/kube-system/c", T.B("c"));
        await store.CreateAsync("/registry/services/default/s", T.B("s"));
        await store.UpdateAsync("/registry/pods/default/a", T.B("a2"), 2);
        await store.DeleteAsync("/registry/pods/kube-system/c", 0);

        var a = await store.GetAsync("/registry/pods/default/a");
        Assert.Equal("a2", T.S(a!.Value));
        Assert.Equal(2, a.CreateRevision);
        Assert.Equal(5, a.ModRevision);
        Assert.Null(await store.GetAsync("/registry/pods/kube-system/c"));

        var pods = await store.ListAsync("/registry/pods/");
        Assert.Equal(6, pods.Revision);
        Assert.Equal(["/registry/pods/default/a", "/registry/pods/default/b"], pods.Items.Select(i => i.Key));
        Assert.Equal(["a2", "b"], pods.Items.Select(i => T.S(i.Value)));
        Assert.Equal(3, (await store.ListAsync("")).Items.Count);
        Assert.Empty((await store.ListAsync("/registry/nodes/")).Items);
    }

    [Fact]
    public async Task List_prefix_is_an_exact_byte_match()
    {
        await using var store = await T.Open(_dir);
        string[] keys = ["/x/a%b", "/x/a_b", "/x/aXb", "/x/a", "/x/a/", "/x/b", "/x0", "/x/é", "/x/\uffff", "/y"];
        foreach (var k in keys) Assert.True((await store.CreateAsync(k, T.B(k))).Succeeded);

        Assert.Equal(["/x/a%b"], (await store.ListAsync("/x/a%")).Items.Select(i => i.Key));
        Assert.Equal(["/x/a_b"], (await store.ListAsync("/x/a_")).Items.Select(i => i.Key));
        Assert.Equal(["/x/é"], (await store.ListAsync("/x/é")).Items.Select(i => i.Key));
        Assert.Equal(["/x/\uffff"], (await store.ListAsync("/x/\uffff")).Items.Select(i => i.Key));
        var all = (await store.ListAsync("/x/")).Items.Select(i => i.Key).ToList();
        Assert.Equal(keys.Where(k => k.StartsWith("/x/", StringComparison.Ordinal)).OrderBy(k => k, StringComparer.Ordinal), all);
        Assert.Equal(keys.Length, (await store.ListAsync("")).Items.Count);
    }

    [Fact]
    public async Task List_at_an_older_revision_shows_the_old_state()
    {
        await using var store = await T.Open(_dir);
        await store.CreateAsync("/k/a", T.B("a1"));   // 1
        await store.CreateAsync("/k/b", T.B("b1"));   // 2
        await store.UpdateAsync("/k/a", T.B("a2"), 1); // 3
        await store.DeleteAsync("/k/b", 2);           // 4
        await store.CreateAsync("/k/c", T.B("c1"));   // 5

        var at2 = await store.ListAsync("/k/", 2);
        Assert.Equal(2, at2.Revision);
        Assert.Equal(["/k/a:a1:1", "/k/b:b1:2"], at2.Items.Select(i => $"{i.Key}:{T.S(i.Value)}:{i.ModRevision}"));
        var at3 = await store.ListAsync("/k/", 3);
        Assert.Equal(["/k/a:a2:3", "/k/b:b1:2"], at3.Items.Select(i => $"{i.Key}:{T.S(i.Value)}:{i.ModRevision}"));
        var at4 = await store.ListAsync("/k/", 4);
        Assert.Equal(["/k/a"], at4.Items.Select(i => i.Key));
        var latest = await store.ListAsync("/k/");
        Assert.Equal(5, latest.Revision);
        Assert.Equal(["/k/a", "/k/c"], latest.Items.Select(i => i.Key));
        var fut = await Assert.ThrowsAsync<FutureRevisionException>(async () => await store.ListAsync("/k/", 6));
        Assert.Equal(5, fut.Current);
    }
}
