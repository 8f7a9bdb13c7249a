using Berth.Store.Sqlite;

namespace Berth.Store.Tests;

public sealed class LifecycleTests : IDisposable
{
    readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Compaction_keeps_live_values_readable_and_reduces_rows()
    {
        var path = _dir.File();
        await using (var store = await SqliteStore.OpenAsync(path, new SqliteStoreOptions { CompactBatchSize = 7 }))
        {
            for (int i = 0; i < 20; i++) await store.CreateAsync($"/k/{i:D2}", T.B("v0"));
            for (int round = 1; round <= 5; round++)
                for (int i = 0; i < 20; i++)
                    await store.UpdateAsync($"/k/{i:D2}", T.B($"v{round}"), round * 20 + i - 19);
            for (int i = 0; i < 5; i++) await store.DeleteAsync($"/k/{i:D2}", 0);
            await store.UpdateAsync("/k/19", T.B("after"), 120); // revision 126, above the compaction point
            Assert.Equal(126, store.CurrentRevision);
            var atCompact = await store.ListAsync("/k/", 125);

            Assert.Equal(125, await store.CompactAsync(125));
            Assert.Equal(125, store.CompactedRevision);
            Assert.Equal(125, await store.CompactAsync(100)); // no-op below
            await Assert.ThrowsAsync<FutureRevisionException>(async () => await store.CompactAsync(1000));

            var list = await store.ListAsync("/k/");
            Assert.Equal(15, list.Items.Count);
            Assert.Equal("v5", T.S(list.Items[0].Value));
            Assert.Equal("after", T.S(list.Items[^1].Value));
            Assert.Equal(1 + 5, list.Items[0].CreateRevision); // /k/05 was created at revision 6
            // the state at the compacted revision itself stays readable; below it is gone
            var again = await store.ListAsync("/k/", 125);
            Assert.Equal(atCompact.Items.Select(i => $"{i.Key}={T.S(i.Value)}@{i.ModRevision}"),
                again.Items.Select(i => $"{i.Key}={T.S(i.Value)}@{i.ModRevision}"));
            await Assert.ThrowsAsync<RevisionCompactedException>(async () => await store.ListAsync("/k/", 124));
            // the event above the compaction still has its previous value
            var ev = await T.Collect(store.WatchAsync("/k/", 125), 1);
            Assert.Equal("v5", T.S(ev[0].Previous!.Value));
            // writes continue normally
            Assert.True((await store.UpdateAsync("/k/10", T.B("new"), list.Items[5].ModRevision)).Succeeded);
        }
        // 15 live rows + the /k/19 row at 106 superseded above the compaction point + the new update at 127
        Assert.Equal(15 + 1 + 1, T.CountRows(path));
        await using var reopened = await SqliteStore.OpenAsync(path);
        Assert.Equal(125, reopened.CompactedRevision);
        Assert.Equal(127, reopened.CurrentRevision);
    }

    [Fact]
    public async Task Compacting_a_trailing_delete_keeps_the_revision_after_restart()
    {
        await using (var store = await T.Open(_dir))
        {
            await store.CreateAsync("/a", T.B("x"));
            await store.DeleteAsync("/a", 0);
            await store.CompactAsync(2);
        }
        Assert.Equal(0, T.CountRows(_dir.File()));
        await using var reopened = await T.Open(_dir);
        Assert.Equal(2, reopened.CurrentRevision);
        Assert.Equal(2, (await reopened.ListAsync("")).Revision);
        Assert.Equal(3, (await reopened.CreateAsync("/a", T.B("y"))).Revision);
    }

    [Fact]
    public async Task Background_compactor_keeps_the_last_N_revisions()
    {
        await using var store = await T.Open(_dir, new SqliteStoreOptions
        {
            AutoCompactRetain = 10,
            AutoCompactInterval = TimeSpan.FromMilliseconds(50),
        });
        await store.CreateAsync("/k", T.B("0"));
        for (int i = 1; i < 50; i++) await store.UpdateAsync("/k", T.B($"{i}"), i);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (store.CompactedRevision != 40 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(40, store.CompactedRevision);
        Assert.Equal("49", T.S((await store.GetAsync("/k"))!.Value));
    }

    [Fact]
    public async Task Restart_preserves_keys_and_revisions_and_revisions_continue()
    {
        await using (var store = await T.Open(_dir))
        {
            await store.CreateAsync("/a", T.B("a"));
            await store.CreateAsync("/b", T.B("b"));
            await store.UpdateAsync("/a", T.B("a2"), 1);
            await store.CreateAsync("/c", T.B("c"));
            await store.DeleteAsync("/c", 4);
            await store.CompactAsync(2);
        }
        await using var reopened = await T.Open(_dir);
        Assert.Equal(5, reopened.CurrentRevision);
        Assert.Equal(2, reopened.CompactedRevision);
        var list = await reopened.ListAsync("/");
        Assert.Equal(["/a=a2@3/1", "/b=b@2/2"], list.Items.Select(i => $"{i.Key}={T.S(i.Value)}@{i.ModRevision}/{i.CreateRevision}"));
        // compare-and-swap works against the restored revisions (read from the log the first time a key is written)
        Assert.False((await reopened.CreateAsync("/a", T.B("x"))).Succeeded);
        Assert.False((await reopened.UpdateAsync("/a", T.B("x"), 1)).Succeeded);
        var u = await reopened.UpdateAsync("/a", T.B("a3"), 3);
        Assert.True(u.Succeeded);
        Assert.Equal(6, u.Revision);
        Assert.Equal(7, (await reopened.CreateAsync("/c", T.B("c2"))).Revision);
    }

    [Fact]
    public async Task After_a_restart_racing_writes_to_one_key_still_see_each_other()
    {
        await using (var store = await T.Open(_dir))
        {
            for (int i = 0; i < 50; i++) await store.CreateAsync($"/k{i}", T.B("v"));
        }
        await using var reopened = await T.Open(_dir);
        // 50 keys not yet written since the restart, each raced by 4 updates from the same expected revision (they share
        // batches): exactly one wins per key, and a delete from that old revision then fails.
        var races = Enumerable.Range(0, 50).SelectMany(i => Enumerable.Range(0, 4)
            .Select(w => reopened.UpdateAsync($"/k{i}", T.B($"w{w}"), i + 1).AsTask())).ToList();
        var results = await Task.WhenAll(races);
        Assert.Equal(50, results.Count(r => r.Succeeded));
        for (int i = 0; i < 50; i++)
        {
            Assert.Single(results.Skip(i * 4).Take(4), r => r.Succeeded);
            Assert.False((await reopened.DeleteAsync($"/k{i}", i + 1)).Succeeded);
        }
        var current = (await reopened.GetAsync("/k7"))!;
        Assert.True((await reopened.DeleteAsync("/k7", current.ModRevision)).Succeeded);
        Assert.Null(await reopened.GetAsync("/k7"));
        Assert.True((await reopened.CreateAsync("/k7", T.B("again"))).Succeeded);
        Assert.False((await reopened.CreateAsync("/k8", T.B("taken"))).Succeeded);
    }

    [Fact]
    public async Task Opening_a_garbage_file_fails_with_StoreOpenException()
    {
        var path = _dir.File("garbage.db");
        await File.WriteAllBytesAsync(path, Enumerable.Range(0, 8192).Select(i => (byte)(i * 7 + 3)).ToArray());
        var ex = await Assert.ThrowsAsync<StoreOpenException>(() => SqliteStore.OpenAsync(path));
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public async Task Opening_a_foreign_sqlite_database_fails_with_StoreOpenException()
    {
        var path = _dir.File("other.db");
        using (var conn = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "CREATE TABLE log (id INTEGER PRIMARY KEY, x TEXT);";
            cmd.ExecuteNonQuery();
        }
        var ex = await Assert.ThrowsAsync<StoreOpenException>(() => SqliteStore.OpenAsync(path));
        Assert.Contains("not a Berth store", ex.Message);
    }

    [Fact]
    public async Task A_store_in_use_cannot_be_opened_twice()
    {
        await using var store = await T.Open(_dir);
        var ex = await Assert.ThrowsAsync<StoreOpenException>(() => T.Open(_dir));
        Assert.Contains("in use", ex.Message);
    }
}
