using Berth.Store.Sqlite;

namespace Berth.Store.Tests;

public sealed class WatchTests : IDisposable
{
    readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(10_000)] // history from the in-memory ring
    [InlineData(5)]      // history from the log table
    public async Task Watch_from_R_delivers_exactly_the_events_after_R_in_order_while_writes_continue(int ringSize)
    {
        await using var store = await T.Open(_dir, new SqliteStoreOptions { WatchHistorySize = ringSize });
        for (int i = 0; i < 300; i++) await store.CreateAsync($"/w/{i}", T.B($"{i}"));
        const long from = 120;

        // Writers keep going while the watch starts and catches up.
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < 150; i++) await store.CreateAsync($"/w/live-{w}-{i}", T.B("x"));
        })).ToArray();
        await Task.Delay(5);
        var collect = T.Collect(store.WatchAsync("/w/", from), 300 - (int)from + 600);
        await Task.WhenAll(writers);
        var events = await collect;

        Assert.Equal(Enumerable.Range((int)from + 1, events.Count).Select(i => (long)i), events.Select(e => e.Revision));
        Assert.All(events, e => Assert.Equal(StoreEventType.Put, e.Type));
        Assert.Equal("/w/120", events[0].Current.Key); // revision 121 created /w/120
        Assert.Equal(900, store.CurrentRevision);
    }

    [Fact]
    public async Task Watch_after_restart_replays_history_from_the_log_then_live()
    {
        await using (var store = await T.Open(_dir))
        {
            await store.CreateAsync("/r/a", T.B("1"));
            await store.UpdateAsync("/r/a", T.B("2"), 1);
            await store.DeleteAsync("/r/a", 2);
        }
        await using var reopened = await T.Open(_dir);
        var collect = T.Collect(reopened.WatchAsync("/r/", 0), 4);
        await reopened.CreateAsync("/r/b", T.B("3"));
        var events = await collect;
        Assert.Equal([1L, 2, 3, 4], events.Select(e => e.Revision));
        Assert.Equal([StoreEventType.Put, StoreEventType.Put, StoreEventType.Delete, StoreEventType.Put], events.Select(e => e.Type));
        Assert.Null(events[0].Previous);
        Assert.Equal("1", T.S(events[1].Previous!.Value));
        Assert.Equal(1, events[1].Previous!.ModRevision);
        Assert.Equal("2", T.S(events[2].Current.Value));
        Assert.Equal("2", T.S(events[2].Previous!.Value));
        Assert.Equal(2, events[2].Previous!.ModRevision);
        Assert.Equal("/r/b", events[3].Current.Key);
    }

    [Fact]
    public async Task Watch_on_a_prefix_filters_other_keys()
    {
        await using var store = await T.Open(_dir);
        await store.CreateAsync("/a/1", T.B("x"));
        await store.CreateAsync("/b/1", T.B("x"));
        var collect = T.Collect(store.WatchAsync("/a/", 0), 3);
        await store.CreateAsync("/b/2", T.B("x"));
        await store.CreateAsync("/a/2", T.B("x"));
        await store.CreateAsync("/ab", T.B("x"));
        await store.CreateAsync("/a/3", T.B("x"));
        var events = await collect;
        Assert.Equal(["/a/1", "/a/2", "/a/3"], events.Select(e => e.Current.Key));
        Assert.Equal([1L, 4, 6], events.Select(e => e.Revision));
    }

    [Fact]
    public async Task Delete_events_carry_the_previous_value()
    {
        await using var store = await T.Open(_dir);
        var collect = T.Collect(store.WatchAsync("/d/", 0), 3);
        await store.CreateAsync("/d/x", T.B("first"));
        await store.UpdateAsync("/d/x", T.B("second"), 1);
        var del = await store.DeleteAsync("/d/x", 2);
        var events = await collect;
        var d = events[2];
        Assert.Equal(StoreEventType.Delete, d.Type);
        Assert.Equal(3, d.Revision);
        Assert.Equal("second", T.S(d.Current.Value));
        Assert.Equal(1, d.Current.CreateRevision);
        Assert.Equal("second", T.S(d.Previous!.Value));
        Assert.Equal(2, d.Previous.ModRevision);
        Assert.Equal("first", T.S(events[1].Previous!.Value));
        Assert.Equal(3, del.Revision);
    }

    [Fact]
    public async Task Watch_from_a_compacted_revision_throws_on_the_first_MoveNext()
    {
        await using var store = await T.Open(_dir);
        for (int i = 0; i < 10; i++) await store.CreateAsync($"/c/{i}", T.B("x"));
        await store.CompactAsync(6);
        var watch = store.WatchAsync("/c/", 3); // no exception yet
        await using var e = watch.GetAsyncEnumerator();
        var ex = await Assert.ThrowsAsync<RevisionCompactedException>(async () => await e.MoveNextAsync());
        Assert.Equal(3, ex.Requested);
        Assert.Equal(6, ex.Compacted);
        // exactly at the compacted revision is fine
        var events = await T.Collect(store.WatchAsync("/c/", 6), 4);
        Assert.Equal([7L, 8, 9, 10], events.Select(x => x.Revision));
    }

    [Fact]
    public async Task Watch_sees_the_event_before_the_write_completes()
    {
        await using var store = await T.Open(_dir);
        var seen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cts = new CancellationTokenSource();
        var pump = Task.Run(async () =>
        {
            await foreach (var ev in store.WatchAsync("", 0, cts.Token)) { seen.TrySetResult(ev.Revision); break; }
        });
        await Task.Delay(50);
        await store.CreateAsync("/k", T.B("v"));
        // published before the write's task completed, so it is already in the watcher's channel
        Assert.True(seen.Task.Wait(5_000));
        Assert.Equal(1, await seen.Task);
        await pump;
    }

    [Fact]
    public async Task A_watcher_that_falls_behind_ends_with_WatchOverflowException_after_its_buffered_events()
    {
        await using var store = await T.Open(_dir, new SqliteStoreOptions { WatchChannelCapacity = 10 });
        await using var e = store.WatchAsync("", 0).GetAsyncEnumerator();
        var first = e.MoveNextAsync(); // registers the watcher
        await store.CreateAsync("/k/0", T.B("x"));
        Assert.True(await first);
        for (int i = 1; i < 30; i++) await store.CreateAsync($"/k/{i}", T.B("x"));
        var got = new List<long> { e.Current.Revision };
        var ex = await Assert.ThrowsAsync<WatchOverflowException>(async () =>
        {
            while (await e.MoveNextAsync()) got.Add(e.Current.Revision);
        });
        Assert.Equal(10, ex.Capacity);
        Assert.Equal(Enumerable.Range(1, got.Count).Select(i => (long)i), got); // in order, no gaps before the end
        Assert.True(got.Count is >= 10 and < 30);
        Assert.Equal(30, store.CurrentRevision); // writers were not blocked
    }

    [Fact]
    public async Task Cancellation_ends_the_enumeration_cleanly()
    {
        await using var store = await T.Open(_dir);
        using var cts = new CancellationTokenSource();
        var count = 0;
        var pump = Task.Run(async () =>
        {
            await foreach (var _ in store.WatchAsync("", 0, cts.Token)) count++;
        });
        await store.CreateAsync("/a", T.B("x"));
        await Task.Delay(100);
        cts.Cancel();
        await pump.WaitAsync(TimeSpan.FromSeconds(5)); // no exception
        Assert.Equal(1, count);
    }

    [Fact]
    public async Task Dispose_ends_active_watches()
    {
        var store = await T.Open(_dir);
        var pump = Task.Run(async () =>
        {
            var n = 0;
            await foreach (var _ in store.WatchAsync("", 0)) n++;
            return n;
        });
        await store.CreateAsync("/a", T.B("x"));
        await Task.Delay(100);
        await store.DisposeAsync();
        Assert.Equal(1, await pump.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
