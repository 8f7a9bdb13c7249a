namespace Berth.Store.Tests;

public sealed class WriteTests : IDisposable
{
    readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Revisions_increase_by_exactly_one_per_write()
    {
        await using var store = await T.Open(_dir);
        Assert.Equal(0, store.CurrentRevision);
        var c = await store.CreateAsync("/a", T.B("1"));
        Assert.True(c.Succeeded);
        Assert.Equal(1, c.Revision);
        Assert.Equal(1, c.Current!.CreateRevision);
        Assert.Equal(1, c.Current.ModRevision);
        var u = await store.UpdateAsync("/a", T.B("2"), 1);
        Assert.True(u.Succeeded);
        Assert.Equal(2, u.Revision);
        Assert.Equal(1, u.Current!.CreateRevision);
        Assert.Equal(2, u.Current.ModRevision);
        var c2 = await store.CreateAsync("/b", T.B("x"));
        Assert.Equal(3, c2.Revision);
        var d = await store.DeleteAsync("/a", 2);
        Assert.True(d.Succeeded);
        Assert.Equal(4, d.Revision);
        Assert.Equal(4, store.CurrentRevision);
        // failed writes do not consume a revision
        var fail = await store.CreateAsync("/b", T.B("y"));
        Assert.False(fail.Succeeded);
        Assert.Equal(4, store.CurrentRevision);
        Assert.Equal(5, (await store.CreateAsync("/a", T.B("again"))).Revision);
    }

    [Fact]
    public async Task Create_on_existing_key_fails_with_current_value()
    {
        await using var store = await T.Open(_dir);
        await store.CreateAsync("/k", T.B("v1"));
        await store.UpdateAsync("/k", T.B("v2"), 1);
        var r = await store.CreateAsync("/k", T.B("other"));
        Assert.False(r.Succeeded);
        Assert.Equal(2, r.Revision);
        Assert.NotNull(r.Current);
        Assert.Equal("v2", T.S(r.Current!.Value));
        Assert.Equal(2, r.Current.ModRevision);
        Assert.Equal(1, r.Current.CreateRevision);
        Assert.Equal("v2", T.S((await store.GetAsync("/k"))!.Value));
    }

    [Fact]
    public async Task Update_with_stale_revision_fails_and_changes_nothing()
    {
        await using var store = await T.Open(_dir);
        await store.CreateAsync("/k", T.B("v1"));
        await store.UpdateAsync("/k", T.B("v2"), 1);
        var r = await store.UpdateAsync("/k", T.B("stale"), 1);
        Assert.False(r.Succeeded);
        Assert.Equal("v2", T.S(r.Current!.Value));
        Assert.Equal(2, store.CurrentRevision);
        var got = await store.GetAsync("/k");
        Assert.Equal("v2", T.S(got!.Value));
        Assert.Equal(2, got.ModRevision);

        var missing = await store.UpdateAsync("/nope", T.B("x"), 1);
        Assert.False(missing.Succeeded);
        Assert.Null(missing.Current);
        Assert.Null(await store.GetAsync("/nope"));
    }

    [Fact]
    public async Task Delete_with_stale_revision_fails_and_changes_nothing()
    {
        await using var store = await T.Open(_dir);
        await store.CreateAsync("/k", T.B("v1"));
        await store.UpdateAsync("/k", T.B("v2"), 1);
        var r = await store.DeleteAsync("/k", 1);
        Assert.False(r.Succeeded);
        Assert.Equal("v2", T.S(r.Current!.Value));
        Assert.Equal(2, store.CurrentRevision);
        Assert.NotNull(await store.GetAsync("/k"));

        var ok = await store.DeleteAsync("/k", 0); // 0 = unconditional
        Assert.True(ok.Succeeded);
        Assert.Equal("v2", T.S(ok.Current!.Value));
        Assert.Equal(3, ok.Current.ModRevision);
        Assert.Null(await store.GetAsync("/k"));

        var again = await store.DeleteAsync("/k", 0);
        Assert.False(again.Succeeded);
        Assert.Null(again.Current);
        Assert.Equal(3, store.CurrentRevision);
    }

    [Fact]
    public async Task Race_of_16_updates_with_the_same_expected_revision_has_exactly_one_winner()
    {
        await using var store = await T.Open(_dir);
        var created = await store.CreateAsync("/race", T.B("0"));
        using var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            start.Wait();
            return await store.UpdateAsync("/race", T.B($"w{i}"), created.Revision);
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(tasks);
        var winners = results.Where(r => r.Succeeded).ToList();
        Assert.Single(winners);
        Assert.Equal(2, store.CurrentRevision);
        var final = await store.GetAsync("/race");
        Assert.Equal(T.S(winners[0].Current!.Value), T.S(final!.Value));
        foreach (var loser in results.Where(r => !r.Succeeded))
            Assert.Equal(2, loser.Current!.ModRevision); // losers see the winner's value
    }

    [Fact]
    public async Task A_thousand_concurrent_creates_all_succeed_with_distinct_contiguous_revisions()
    {
        await using var store = await T.Open(_dir);
        var tasks = Enumerable.Range(0, 1000)
            .Select(i => Task.Run(async () => await store.CreateAsync($"/c/{i:D4}", T.B($"v{i}")))).ToArray();
        var results = await Task.WhenAll(tasks);
        Assert.All(results, r => Assert.True(r.Succeeded));
        var revs = results.Select(r => r.Revision).OrderBy(r => r).ToArray();
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), revs);
        Assert.Equal(1000, store.CurrentRevision);
        var list = await store.ListAsync("/c/");
        Assert.Equal(1000, list.Items.Count);
        Assert.Equal(1000, list.Revision);
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal($"/c/{i:D4}", list.Items[i].Key);
            Assert.Equal($"v{i}", T.S(list.Items[i].Value));
        }
    }

    [Fact]
    public async Task Writes_after_dispose_are_refused_and_queued_writes_complete()
    {
        var store = await T.Open(_dir);
        var pending = Enumerable.Range(0, 200).Select(i => store.CreateAsync($"/p/{i}", T.B("v")).AsTask()).ToArray();
        await store.DisposeAsync();
        var results = await Task.WhenAll(pending);
        Assert.All(results, r => Assert.True(r.Succeeded));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.CreateAsync("/late", T.B("v")));
        await using var reopened = await T.Open(_dir);
        Assert.Equal(200, reopened.CurrentRevision);
    }
}
