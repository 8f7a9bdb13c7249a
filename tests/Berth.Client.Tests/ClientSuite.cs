using System.Collections.Concurrent;
using Berth.Api.Coordination;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;

namespace Berth.Client.Tests;

public sealed class HttpClientTests(ServerFixture f) : ClientSuite(f, ClientKind.Http), IClassFixture<ServerFixture>;
public sealed class InProcessClientTests(ServerFixture f) : ClientSuite(f, ClientKind.InProcess), IClassFixture<ServerFixture>;

/// <summary>The same behaviour, against HttpApiClient and InProcessClient.</summary>
public abstract class ClientSuite(ServerFixture fixture, ClientKind kind)
{
    protected ClientKind Kind { get; } = kind;
    protected ServerHarness Harness => fixture.Harness;
    protected IApiClient C => fixture.Harness.Client(Kind);

    // ------------------------------------------------------------------ CRUD

    [Fact]
    public async Task CreateGetUpdateConflictPatchDelete()
    {
        var ns = await Util.NewNamespaceAsync(C);
        var created = await C.CreateAsync(Util.Cm(ns, "a", new() { ["k"] = "v1" }));
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.False(string.IsNullOrEmpty(created.Metadata.ResourceVersion));
        Assert.Equal("ConfigMap", created.Kind);

        var got = await C.GetAsync<ConfigMap>(ns, "a");
        Assert.Equal("v1", got.Data!["k"]);
        Assert.Equal(created.Metadata.ResourceVersion, got.Metadata.ResourceVersion);

        got.Data["k"] = "v2";
        var updated = await C.UpdateAsync(got);
        Assert.Equal("v2", updated.Data!["k"]);
        Assert.NotEqual(got.Metadata.ResourceVersion, updated.Metadata.ResourceVersion);

        // got still carries the old resourceVersion: 409 Conflict
        got.Data["k"] = "stale";
        var conflict = await Assert.ThrowsAsync<ApiStatusException>(() => C.UpdateAsync(got));
        Assert.True(conflict.IsConflict);
        Assert.Equal(409, conflict.Code);

        var exists = await Assert.ThrowsAsync<ApiStatusException>(() => C.CreateAsync(Util.Cm(ns, "a")));
        Assert.True(exists.IsAlreadyExists);
        Assert.False(exists.IsConflict);

        var invalid = await Assert.ThrowsAsync<ApiStatusException>(() => C.CreateAsync(Util.Cm(ns, "Not_Valid")));
        Assert.True(invalid.IsInvalid);

        var merged = await C.PatchAsync<ConfigMap>(ns, "a", PatchType.Merge, """{"data":{"m":"1"}}""");
        Assert.Equal("v2", merged.Data!["k"]);
        Assert.Equal("1", merged.Data["m"]);
        var strategic = await C.PatchAsync<ConfigMap>(ns, "a", PatchType.StrategicMerge, """{"metadata":{"labels":{"x":"y"}}}""");
        Assert.Equal("y", strategic.Metadata.Labels!["x"]);
        var json = await C.PatchAsync<ConfigMap>(ns, "a", PatchType.Json, """[{"op":"remove","path":"/data/k"}]""");
        Assert.False(json.Data!.ContainsKey("k"));
        var stalePatch = await Assert.ThrowsAsync<ApiStatusException>(() =>
            C.PatchAsync<ConfigMap>(ns, "a", PatchType.Merge, $$$"""{"metadata":{"resourceVersion":"{{{created.Metadata.ResourceVersion}}}"},"data":{"z":"1"}}"""));
        Assert.True(stalePatch.IsConflict);

        var deleted = await C.DeleteAsync<ConfigMap>(ns, "a");
        Assert.Null(deleted);
        var nf = await Assert.ThrowsAsync<ApiStatusException>(() => C.GetAsync<ConfigMap>(ns, "a"));
        Assert.True(nf.IsNotFound);
        var nf2 = await Assert.ThrowsAsync<ApiStatusException>(() => C.DeleteAsync<ConfigMap>(ns, "a"));
        Assert.True(nf2.IsNotFound);
    }

    [Fact]
    public async Task UpdateStatusChangesOnlyStatus_AndFinalizersKeepObject()
    {
        var ns = await Util.NewNamespaceAsync(C);
        var pod = await C.CreateAsync(new Pod
        {
            Metadata = new ObjectMeta { Name = "p", Namespace = ns },
            Spec = new PodSpec { Containers = [new Container { Name = "c", Image = "busybox" }] },
        });
        pod.Status = new PodStatus { Phase = "Running" };
        pod.Metadata.Labels = new() { ["ignored"] = "yes" };
        var st = await C.UpdateStatusAsync(pod);
        Assert.Equal("Running", st.Status!.Phase);
        Assert.Null(st.Metadata.Labels);

        var cm = Util.Cm(ns, "fin");
        cm.Metadata.Finalizers = ["example.com/hold"];
        await C.CreateAsync(cm);
        var pending = await C.DeleteAsync<ConfigMap>(ns, "fin");
        Assert.NotNull(pending);
        Assert.NotNull(pending!.Metadata.DeletionTimestamp);
        await C.PatchAsync<ConfigMap>(ns, "fin", PatchType.Merge, """{"metadata":{"finalizers":null}}""");
        var nf = await Assert.ThrowsAsync<ApiStatusException>(() => C.GetAsync<ConfigMap>(ns, "fin"));
        Assert.True(nf.IsNotFound);
    }

    [Fact]
    public async Task ListWithSelectorsAndPages()
    {
        var ns = await Util.NewNamespaceAsync(C);
        for (int i = 0; i < 5; i++)
            await C.CreateAsync(Util.Cm(ns, $"cm{i}", labels: new() { ["app"] = i % 2 == 0 ? "even" : "odd" }));

        var all = await C.ListAsync<ConfigMap>(ns);
        Assert.Equal(5, all.Items.Count(i => i.Metadata.Name!.StartsWith("cm")));
        Assert.True(long.Parse(all.ResourceVersion) > 0);

        var even = await C.ListAsync<ConfigMap>(ns, new ListRequest { LabelSelector = "app=even" });
        Assert.Equal(["cm0", "cm2", "cm4"], even.Items.Select(i => i.Metadata.Name!).Order().ToArray());

        var byName = await C.ListAsync<ConfigMap>(ns, new ListRequest { FieldSelector = "metadata.name=cm3" });
        Assert.Equal("cm3", Assert.Single(byName.Items).Metadata.Name);

        var names = new List<string>();
        string? cont = null;
        int pages = 0;
        do
        {
            var page = await C.ListAsync<ConfigMap>(ns, new ListRequest { LabelSelector = "app", Limit = 2, Continue = cont });
            Assert.True(page.Items.Count <= 2);
            names.AddRange(page.Items.Select(i => i.Metadata.Name!));
            cont = page.Continue;
            pages++;
        } while (cont is not null);
        Assert.Equal(3, pages);
        Assert.Equal(["cm0", "cm1", "cm2", "cm3", "cm4"], names.ToArray());

        var bad = await Assert.ThrowsAsync<ApiStatusException>(() => C.ListAsync<ConfigMap>(ns, new ListRequest { LabelSelector = "a in (" }));
        Assert.Equal(400, bad.Code);

        // cluster-scoped list
        var nss = await C.ListAsync<Namespace>(null);
        Assert.Contains(nss.Items, n => n.Metadata.Name == ns);
    }

    // ------------------------------------------------------------------ watch

    [Fact]
    public async Task WatchDeliversAddModifyDeleteInOrder()
    {
        var ns = await Util.NewNamespaceAsync(C);
        var other = await Util.NewNamespaceAsync(C);
        var list = await C.ListAsync<ConfigMap>(ns);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var events = new List<(WatchEventType, string, string?)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var e in C.WatchAsync<ConfigMap>(ns, new WatchRequest { ResourceVersion = list.ResourceVersion }, cts.Token))
            {
                events.Add((e.Type, e.Object!.Metadata.Name!, e.Object.Data?.GetValueOrDefault("k")));
                if (events.Count == 4) break;
            }
        });
        var a = await C.CreateAsync(Util.Cm(ns, "w", new() { ["k"] = "1" }));
        await C.CreateAsync(Util.Cm(other, "elsewhere"));
        a.Data!["k"] = "2";
        await C.UpdateAsync(a);
        await C.DeleteAsync<ConfigMap>(ns, "w");
        await C.CreateAsync(Util.Cm(ns, "w2"));
        await watching;
        Assert.Equal(
            [(WatchEventType.Added, "w", "1"), (WatchEventType.Modified, "w", "2"), (WatchEventType.Deleted, "w", "2"), (WatchEventType.Added, "w2", null)],
            events);

        // Without a resourceVersion the current objects come first, and the selector applies.
        var initial = new List<string>();
        using var cts2 = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var e in C.WatchAsync<ConfigMap>(ns, new WatchRequest { FieldSelector = "metadata.name=w2", TimeoutSeconds = 1 }, cts2.Token))
            initial.Add(e.Type + ":" + e.Object!.Metadata.Name);
        Assert.Equal(["Added:w2"], initial); // and the stream ended by itself after timeoutSeconds

        // A namespaced watch without resourceVersion reports only that namespace's changes.
        var seen = new List<string>();
        using var cts3 = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var w3 = Task.Run(async () =>
        {
            await foreach (var e in C.WatchAsync<ConfigMap>(ns, new WatchRequest { TimeoutSeconds = 5 }, cts3.Token))
            {
                seen.Add(e.Object!.Metadata.Namespace + "/" + e.Object.Metadata.Name);
                if (e.Object.Metadata.Name == "marker") break;
            }
        });
        await Task.Delay(300);
        await C.CreateAsync(Util.Cm(other, "leak"));
        await C.CreateAsync(Util.Cm(ns, "marker"));
        await w3;
        Assert.DoesNotContain(seen, x => x.StartsWith(other + "/"));
        Assert.Contains(ns + "/marker", seen);
    }

    // ------------------------------------------------------------------ informer

    [Fact]
    public async Task InformerSyncsSeesChangesAndIndexes()
    {
        var ns = await Util.NewNamespaceAsync(C);
        await C.CreateAsync(Util.Cm(ns, "pre", labels: new() { ["team"] = "x" }));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var inf = new SharedInformer<ConfigMap>(C, ns);
        inf.AddIndex("team", o => o.Metadata.Labels?.TryGetValue("team", out var t) == true ? [t] : []);
        var log = new ConcurrentQueue<string>();
        inf.AddEventHandler(o => log.Enqueue("add " + o.Metadata.Name), (o, n) => log.Enqueue("update " + n.Metadata.Name), o => log.Enqueue("delete " + o.Metadata.Name));
        Assert.False(inf.HasSynced);
        inf.Start(cts.Token);
        await inf.WaitForSyncAsync(cts.Token);
        Assert.True(inf.HasSynced);
        Assert.NotNull(inf.Get($"{ns}/pre"));

        var b = await C.CreateAsync(Util.Cm(ns, "b", labels: new() { ["team"] = "x" }));
        b.Metadata.Labels!["team"] = "y";
        await C.UpdateAsync(b);
        await C.DeleteAsync<ConfigMap>(ns, "pre");
        await Util.EventuallyAsync(() => log.Count >= 4, "4 notifications");
        Assert.Equal(["add pre", "add b", "update b", "delete pre"], log.ToArray());
        Assert.Null(inf.Get(ns, "pre"));
        Assert.Empty(inf.ByIndex("team", "x"));
        Assert.Equal("b", Assert.Single(inf.ByIndex("team", "y")).Metadata.Name);
        Assert.Single(inf.ByIndex(SharedInformer<ConfigMap>.NamespaceIndex, ns));

        // A late handler gets the current objects as adds.
        var late = new ConcurrentQueue<string>();
        inf.OnAdd(o => late.Enqueue(o.Metadata.Name!));
        await Util.EventuallyAsync(() => late.Count == 1, "late add");
        Assert.Equal("b", late.Single());
        cts.Cancel();
    }

    [Fact]
    public async Task InformerCacheMatchesServerAfterConcurrentWrites()
    {
        var ns = await Util.NewNamespaceAsync(C);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        var inf = new SharedInformer<ConfigMap>(C, ns);
        int notifications = 0;
        inf.AddEventHandler(_ => Interlocked.Increment(ref notifications), (_, _) => Interlocked.Increment(ref notifications), _ => Interlocked.Increment(ref notifications));
        inf.Start(cts.Token);
        await inf.WaitForSyncAsync(cts.Token);

        // 200 concurrent writes: creates of 40 names, updates and deletes racing each other.
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cts.Token }, async (i, ct) =>
        {
            var name = "c" + (i % 40);
            try
            {
                switch (i / 40)
                {
                    case 0: await C.CreateAsync(Util.Cm(ns, name, new() { ["i"] = i.ToString() }), ct); break;
                    case 4 when i % 3 == 0: await C.DeleteAsync<ConfigMap>(ns, name, null, ct); break;
                    default: await C.PatchAsync<ConfigMap>(ns, name, PatchType.Merge, $$$"""{"data":{"i":"{{{i}}}"}}""", null, ct); break;
                }
            }
            catch (ApiStatusException e) when (e.IsNotFound || e.IsAlreadyExists) { }
        });

        var server = await C.ListAsync<ConfigMap>(ns);
        var expected = server.Items.Where(i => i.Metadata.Name!.StartsWith('c')).ToDictionary(i => i.Metadata.Name!, i => i.Metadata.ResourceVersion);
        Assert.True(expected.Count > 20);
        await Util.EventuallyAsync(() =>
        {
            var mine = inf.List().Where(i => i.Metadata.Name!.StartsWith('c')).ToDictionary(i => i.Metadata.Name!, i => i.Metadata.ResourceVersion);
            return mine.Count == expected.Count && mine.All(kv => expected.TryGetValue(kv.Key, out var rv) && rv == kv.Value);
        }, "informer cache equal to the server's list");
        Assert.True(notifications >= expected.Count);
        Assert.Equal(1, inf.ListCount);
    }

    [Fact]
    public async Task InformerRewatchesAfterServerSideTimeoutWithoutLosingEvents()
    {
        var ns = await Util.NewNamespaceAsync(C);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var inf = new SharedInformer<ConfigMap>(C, ns, new InformerOptions { WatchTimeoutSeconds = 1 });
        var adds = new ConcurrentDictionary<string, int>();
        var updates = new ConcurrentQueue<string>();
        inf.AddEventHandler(o => adds.AddOrUpdate(o.Metadata.Name!, 1, (_, n) => n + 1), (_, n) => updates.Enqueue(n.Metadata.Name!), null);
        inf.Start(cts.Token);
        await inf.WaitForSyncAsync(cts.Token);
        // Writes spread over ~3 watch lifetimes.
        for (int i = 0; i < 30; i++)
        {
            await C.CreateAsync(Util.Cm(ns, "t" + i));
            await Task.Delay(100);
        }
        await C.PatchAsync<ConfigMap>(ns, "t0", PatchType.Merge, """{"data":{"x":"1"}}""");
        await Util.EventuallyAsync(() => adds.Count == 30 && updates.Contains("t0"), "all 30 adds and the update");
        Assert.All(adds.Values, n => Assert.Equal(1, n)); // no duplicates
        Assert.Equal(1, inf.ListCount); // recovered by re-watching, not relisting
        Assert.Equal(30, inf.Count);
    }

    [Fact]
    public async Task InformerRelistsOnGoneAndReconcilesCache()
    {
        // A restarted server's watch window starts at its current revision, so resourceVersion "1" is too old (410).
        await using var first = await ServerHarness.StartAsync();
        var c1 = first.Client(Kind);
        var ns = await Util.NewNamespaceAsync(c1);
        foreach (var n in new[] { "keep", "gone", "changed" }) await c1.CreateAsync(Util.Cm(ns, n));
        await using var h = await first.RestartAsync();
        var real = h.Client(Kind);
        // The first list is reported at resourceVersion "1"; right after it, the world changes.
        var client = new StaleFirstListClient(real, async () =>
        {
            await real.DeleteAsync<ConfigMap>(ns, "gone");
            await real.PatchAsync<ConfigMap>(ns, "changed", PatchType.Merge, """{"data":{"v":"2"}}""");
            await real.CreateAsync(Util.Cm(ns, "new"));
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var inf = new SharedInformer<ConfigMap>(client, ns);
        var log = new ConcurrentQueue<string>();
        inf.AddEventHandler(o => log.Enqueue("add " + o.Metadata.Name), (o, n) => log.Enqueue("update " + n.Metadata.Name), o => log.Enqueue("delete " + o.Metadata.Name));
        inf.Start(cts.Token);
        await Util.EventuallyAsync(() => inf.ListCount >= 2 && log.Count >= 6, "a relist after 410");
        var after = log.Skip(3).Order().ToArray();
        Assert.Equal(["add new", "delete gone", "update changed"], after);
        Assert.Equal(["changed", "keep", "new"], inf.List().Select(o => o.Metadata.Name!).Order().ToArray());
        Assert.Equal("2", inf.Get(ns, "changed")!.Data!["v"]);
        // Watching from "1" directly yields the Error event with 410.
        WatchEvent<ConfigMap>? firstEvent = null;
        await foreach (var e in real.WatchAsync<ConfigMap>(ns, new WatchRequest { ResourceVersion = "1" }, cts.Token)) { firstEvent = e; break; }
        Assert.NotNull(firstEvent);
        Assert.Equal(WatchEventType.Error, firstEvent.Type);
        Assert.Equal(410, firstEvent.Status!.Code);
    }

    [Fact]
    public async Task InformerResyncRedeliversUpdates()
    {
        var ns = await Util.NewNamespaceAsync(C);
        await C.CreateAsync(Util.Cm(ns, "r"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var inf = new SharedInformer<ConfigMap>(C, ns, new InformerOptions { ResyncPeriod = TimeSpan.FromMilliseconds(200) });
        int same = 0;
        inf.OnUpdate((o, n) => { if (ReferenceEquals(o, n)) Interlocked.Increment(ref same); });
        inf.Start(cts.Token);
        await Util.EventuallyAsync(() => Volatile.Read(ref same) >= 2, "two resyncs");
    }

    [Fact]
    public async Task FactorySharesInformers()
    {
        var ns = await Util.NewNamespaceAsync(C);
        var f = new InformerFactory(C);
        Assert.Same(f.For<ConfigMap>(ns), f.For<ConfigMap>(ns));
        Assert.NotSame(f.For<ConfigMap>(ns), f.For<ConfigMap>());
        Assert.NotSame((object)f.For<ConfigMap>(ns), f.For<Secret>(ns));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await f.StartAsync(cts.Token);
        await f.WaitForCacheSyncAsync(cts.Token);
        var late = f.For<Pod>(ns); // created after start: started too
        await late.WaitForSyncAsync(cts.Token);
        Assert.All(f.Informers, i => Assert.True(i.HasSynced));
        var copy = KubeObjects.DeepCopy(Util.Cm(ns, "x", new() { ["a"] = "b" }));
        Assert.Equal("b", copy.Data!["a"]);
    }

    // ------------------------------------------------------------------ controller

    [Fact]
    public async Task CopyControllerConvergesAfterBurstAndRestart()
    {
        var ns = await Util.NewNamespaceAsync(C);
        await C.CreateAsync(Util.Cm(ns, "src", new() { ["n"] = "0" }));

        async Task<(CancellationTokenSource, Task, CopyController)> StartAsync()
        {
            var cts = new CancellationTokenSource();
            var factory = new InformerFactory(C);
            var ctl = new CopyController(factory, C, ns);
            await factory.StartAsync(cts.Token);
            return (cts, ctl.RunAsync(3, cts.Token), ctl);
        }

        async Task<bool> Converged(string want)
        {
            try { return (await C.GetAsync<ConfigMap>(ns, "dst")).Data?.GetValueOrDefault("n") == want; }
            catch (ApiStatusException e) when (e.IsNotFound) { return false; }
        }

        var (cts, run, ctl) = await StartAsync();
        await Util.EventuallyAsync(() => Converged("0"), "initial copy");
        for (int i = 1; i <= 30; i++)
            await C.PatchAsync<ConfigMap>(ns, "src", PatchType.Merge, $$$"""{"data":{"n":"{{{i}}}"}}""");
        await Util.EventuallyAsync(() => Converged("30"), "copy after burst");
        Assert.True(ctl.Syncs >= 2);
        Assert.Equal(1, ctl.ConcurrentMax); // 3 workers, one key: never processed concurrently
        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(5));

        // While stopped the source changes; a new controller (new caches) converges from the current state.
        await C.PatchAsync<ConfigMap>(ns, "src", PatchType.Merge, """{"data":{"n":"restart"}}""");
        await C.PatchAsync<ConfigMap>(ns, "dst", PatchType.Merge, """{"data":{"n":"tampered"}}""");
        (cts, run, _) = await StartAsync();
        await Util.EventuallyAsync(() => Converged("restart"), "copy after restart");
        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    // ------------------------------------------------------------------ events

    [Fact]
    public async Task EventRecorderAggregatesIdenticalEvents()
    {
        var ns = await Util.NewNamespaceAsync(C);
        var cm = await C.CreateAsync(Util.Cm(ns, "subject"));
        await using var rec = new EventRecorder(C, "test-controller");
        for (int i = 0; i < 3; i++) await rec.RecordAsync(cm, EventRecorder.Normal, "Synced", "all good");
        await rec.RecordAsync(cm, EventRecorder.Warning, "Failed", "different");
        var nsObj = await C.GetAsync<Namespace>(null, ns);
        await rec.RecordAsync(nsObj, EventRecorder.Normal, "Seen", "cluster-scoped");

        var events = (await C.ListAsync<Event>(ns)).Items;
        var synced = Assert.Single(events, e => e.Reason == "Synced");
        Assert.Equal(3, synced.Count);
        Assert.StartsWith("subject.", synced.Metadata.Name);
        Assert.Equal("ConfigMap", synced.InvolvedObject!.Kind);
        Assert.Equal(cm.Metadata.Uid, synced.InvolvedObject.Uid);
        Assert.Equal("test-controller", synced.Source!.Component);
        Assert.Equal("Normal", synced.Type);
        Assert.True(synced.LastTimestamp >= synced.FirstTimestamp);
        Assert.Equal(1, Assert.Single(events, e => e.Reason == "Failed").Count);
        Assert.Contains((await C.ListAsync<Event>("default")).Items, e => e.Reason == "Seen" && e.InvolvedObject!.Name == ns);
    }

    [Fact]
    public async Task EventRecorderCombinesSimilarEventsAndLimitsSpamAsUpstream()
    {
        var ns = await Util.NewNamespaceAsync(C);
        var set = await C.CreateAsync(Util.Cm(ns, "set"));
        await using var rec = new EventRecorder(C, "test-controller");
        // 12 messages of one reason: 9 Events of their own, then one combined Event counting the rest.
        for (int i = 1; i <= 12; i++) await rec.RecordAsync(set, EventRecorder.Normal, "SuccessfulCreate", $"create Pod web-{i} in StatefulSet web successful");
        var events = (await C.ListAsync<Event>(ns)).Items;
        Assert.Equal(9, events.Count(e => e.Reason == "SuccessfulCreate" && e.Message!.StartsWith("create Pod web-", StringComparison.Ordinal)));
        var combined = Assert.Single(events, e => e.Message!.StartsWith(EventRecorder.CombinedPrefix, StringComparison.Ordinal));
        Assert.Equal(3, combined.Count);
        Assert.Equal(EventRecorder.CombinedPrefix + "create Pod web-12 in StatefulSet web successful", combined.Message);

        // 30 events of distinct reasons about another object: the spam filter lets the first 25 through.
        var other = await C.CreateAsync(Util.Cm(ns, "other"));
        for (int i = 0; i < 30; i++) await rec.RecordAsync(other, EventRecorder.Warning, $"Reason{i}", "m");
        events = (await C.ListAsync<Event>(ns)).Items;
        Assert.Equal(EventRecorder.SpamBurst, events.Count(e => e.InvolvedObject!.Name == "other"));
        Assert.DoesNotContain(events, e => e.Reason == "Reason25");
    }

    [Fact]
    public async Task EventRecorderWritesSeveralObjectsEventsAtOnceAndEachObjectsInOrder()
    {
        var ns = await Util.NewNamespaceAsync(C);
        var subjects = new List<ConfigMap>();
        for (int i = 0; i < 16; i++) subjects.Add(await C.CreateAsync(Util.Cm(ns, $"s{i}")));
        // The first event create is held until another has started: one writer at a time would never start a second.
        var gated = new GatedCreates(C);
        await using (var rec = new EventRecorder(gated, "test-controller"))
        {
            foreach (var cm in subjects)
                for (int n = 0; n < 3; n++) rec.Event(cm, EventRecorder.Normal, "Synced", "all good");
        } // disposing writes what is queued
        Assert.True(gated.SecondStartedWhileFirstHeld, "a second event was written while the first was in flight");

        // Each object's three events were seen in order by one writer: one Event counting 3, not several.
        var events = (await C.ListAsync<Event>(ns)).Items;
        foreach (var cm in subjects)
            Assert.Equal(3, Assert.Single(events, e => e.InvolvedObject!.Name == cm.Metadata.Name).Count);
    }

    /// <summary>Passes everything on, but holds the first create until a second one starts (at most 5 s).</summary>
    private sealed class GatedCreates(IApiClient inner) : DelegatingApiClient(inner)
    {
        private int _creates;
        private readonly TaskCompletionSource _second = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool SecondStartedWhileFirstHeld { get; private set; }

        public override async Task<T> CreateAsync<T>(T obj, CancellationToken ct = default)
        {
            if (Interlocked.Increment(ref _creates) == 1)
            {
                try { await _second.Task.WaitAsync(TimeSpan.FromSeconds(5), ct); SecondStartedWhileFirstHeld = true; }
                catch (TimeoutException) { }
            }
            else _second.TrySetResult();
            return await Inner.CreateAsync(obj, ct);
        }
    }

    // ------------------------------------------------------------------ leader election

    [Fact]
    public async Task ExactlyOneLeaderAndTakeover()
    {
        var ns = await Util.NewNamespaceAsync(C);
        LeaderElectionConfig Cfg(string id, bool release) => new()
        {
            LeaseNamespace = ns, LeaseName = "lock", Identity = id, ReleaseOnCancel = release,
            LeaseDuration = TimeSpan.FromSeconds(2), RenewDeadline = TimeSpan.FromSeconds(1.5), RetryPeriod = TimeSpan.FromMilliseconds(300),
        };
        var leading = new ConcurrentDictionary<string, bool>();
        Task Run(LeaderElector e, CancellationToken ct) => e.RunAsync(async lct =>
        {
            leading[e.Identity] = true;
            try { await Task.Delay(Timeout.Infinite, lct); } finally { leading[e.Identity] = false; }
        }, () => { }, ct);

        // "a" starts alone and leads; it will stop without releasing, so a successor must wait for the lease to expire.
        var a = new LeaderElector(C, Cfg("a", release: false));
        var b = new LeaderElector(C, Cfg("b", release: true));
        var c = new LeaderElector(C, Cfg("c", release: true));
        using var ca = new CancellationTokenSource();
        using var cb = new CancellationTokenSource();
        using var cc = new CancellationTokenSource();
        var ta = Run(a, ca.Token);
        await Util.EventuallyAsync(() => leading.GetValueOrDefault("a"), "a leads");
        var tb = Run(b, cb.Token); var tc = Run(c, cc.Token);
        await Task.Delay(1500); // well past b's and c's first attempts, within renewals of a
        Assert.Equal(["a"], leading.Where(kv => kv.Value).Select(kv => kv.Key).ToArray());
        var lease = await C.GetAsync<Lease>(ns, "lock");
        Assert.Equal("a", lease.Spec!.HolderIdentity);
        Assert.Equal(2, lease.Spec.LeaseDurationSeconds);
        Assert.Equal(0, lease.Spec.LeaseTransitions);

        // The leader stops (crash-like, no release): after expiry exactly one other takes over.
        ca.Cancel();
        await ta.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(leading["a"]);
        await Util.EventuallyAsync(() => leading.Count(kv => kv.Value) == 1, "takeover after expiry", 10);
        var second = leading.Single(kv => kv.Value).Key;
        lease = await C.GetAsync<Lease>(ns, "lock");
        Assert.Equal(second, lease.Spec!.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);
        await Task.Delay(600);
        Assert.Equal(1, leading.Values.Count(v => v));

        // The second stops and releases: the third takes over promptly (well before a 2 s expiry would allow).
        var (stopCts, stopTask, third) = second == "b" ? (cb, tb, "c") : (cc, tc, "b");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        stopCts.Cancel();
        await stopTask.WaitAsync(TimeSpan.FromSeconds(5));
        var holder = (await C.GetAsync<Lease>(ns, "lock")).Spec!.HolderIdentity;
        Assert.True(string.IsNullOrEmpty(holder) || holder == third, $"holder after release: {holder}");
        await Util.EventuallyAsync(() => leading.GetValueOrDefault(third), "takeover after release", 10);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1.5), $"takeover after release took {sw.Elapsed}");
        Assert.Equal(2, (await C.GetAsync<Lease>(ns, "lock")).Spec!.LeaseTransitions);
        ca.Cancel(); cb.Cancel(); cc.Cancel();
        await Task.WhenAll(ta, tb, tc).WaitAsync(TimeSpan.FromSeconds(5));
    }
}

/// <summary>Toy controller: keeps ConfigMap "dst" a copy of ConfigMap "src"'s data, in one namespace.</summary>
public sealed class CopyController : Controller
{
    private readonly SharedInformer<ConfigMap> _cms;
    private readonly IApiClient _client;
    private int _running;
    public int Syncs;
    public int ConcurrentMax;

    public CopyController(InformerFactory factory, IApiClient client, string ns) : base("copy")
    {
        _client = client;
        _cms = factory.For<ConfigMap>(ns);
        WaitFor(_cms);
        // Both objects map to the source's key: a change to either re-syncs the copy.
        void On(ConfigMap o) { if (o.Metadata.Name is "src" or "dst") Queue.Add(o.Metadata.Namespace + "/src"); }
        _cms.AddEventHandler(On, (_, n) => On(n), On);
    }

    protected override async Task SyncAsync(string key, CancellationToken ct)
    {
        var running = Interlocked.Increment(ref _running);
        InterlockedMax(ref ConcurrentMax, running);
        Interlocked.Increment(ref Syncs);
        try
        {
            var (ns, _) = KubeObjects.SplitKey(key);
            var src = _cms.Get(key);
            var dst = _cms.Get(ns, "dst");
            if (src is null)
            {
                if (dst is not null) await _client.DeleteAsync<ConfigMap>(ns, "dst", null, ct);
                return;
            }
            var want = src.Data ?? new();
            if (dst is null)
            {
                await _client.CreateAsync(Util.Cm(ns!, "dst", new(want)), ct);
                return;
            }
            if (dst.Data is not null && dst.Data.Count == want.Count && !dst.Data.Except(want).Any()) return;
            var copy = KubeObjects.DeepCopy(dst); // never mutate the cache's object
            copy.Data = new(want);
            await _client.UpdateAsync(copy, ct); // 409 on a stale cache: retried with backoff
        }
        finally { Interlocked.Decrement(ref _running); }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int cur;
        while ((cur = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, cur) != cur) { }
    }
}

/// <summary>Reports the first list at resourceVersion "1" and runs a change right after it, to force 410 and a diffing relist.</summary>
public sealed class StaleFirstListClient(IApiClient inner, Func<Task> afterFirstList) : DelegatingApiClient(inner)
{
    private int _lists;
    public override async Task<ObjectList<T>> ListAsync<T>(string? ns, ListRequest? req = null, CancellationToken ct = default)
    {
        var r = await Inner.ListAsync<T>(ns, req, ct);
        if (Interlocked.Increment(ref _lists) != 1) return r;
        await afterFirstList();
        return new ObjectList<T> { Items = r.Items, ResourceVersion = "1", Continue = r.Continue };
    }
}
