using System.Diagnostics;

namespace Berth.Client.Tests;

public sealed class WorkQueueTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task AddedKeysAreDeduplicated()
    {
        var q = new WorkQueue<string>();
        q.Add("a"); q.Add("b"); q.Add("a"); q.Add("a");
        Assert.Equal(2, q.Len);
        Assert.Equal(("a", false), await q.GetAsync());
        Assert.Equal(("b", false), await q.GetAsync());
        Assert.Equal(0, q.Len);
        var next = q.GetAsync();
        await Task.Delay(50);
        Assert.False(next.IsCompleted); // nothing queued: the worker waits (no busy loop, no spurious key)
        q.Add("c");
        Assert.Equal(("c", false), await next.WaitAsync(Short));
    }

    [Fact]
    public async Task KeyInProcessingIsNotHandedOutAgainAndIsRequeuedOnDone()
    {
        var q = new WorkQueue<string>();
        q.Add("k");
        var (k, _) = await q.GetAsync();
        q.Add("k"); // while processing
        q.Add("k");
        var second = q.GetAsync();
        await Task.Delay(50);
        Assert.False(second.IsCompleted);
        Assert.Equal(0, q.Len);
        q.Done(k);
        Assert.Equal(("k", false), await second.WaitAsync(Short));
        q.Done("k");
        var third = q.GetAsync();
        await Task.Delay(50);
        Assert.False(third.IsCompleted); // processed once after Done, not twice
    }

    [Fact]
    public async Task ManyWorkersNeverProcessOneKeyConcurrently()
    {
        var q = new WorkQueue<int>();
        var active = new int[5];
        int violations = 0, processed = 0;
        using var cts = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var (key, shutdown) = await q.GetAsync();
                if (shutdown) return;
                if (Interlocked.Increment(ref active[key]) > 1) Interlocked.Increment(ref violations);
                await Task.Yield();
                Thread.SpinWait(2000);
                Interlocked.Decrement(ref active[key]);
                Interlocked.Increment(ref processed);
                q.Done(key);
            }
        })).ToArray();
        for (int i = 0; i < 5000; i++) q.Add(i % 5);
        await Util.EventuallyAsync(() => q.Len == 0, "drained");
        await Task.Delay(50);
        q.ShutDown();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, violations);
        Assert.True(processed >= 5 && processed < 5000, $"processed {processed}");
    }

    [Fact]
    public void BackoffGrowsExponentiallyAndForgetResets()
    {
        var q = new WorkQueue<string>();
        Assert.Equal(TimeSpan.FromMilliseconds(5), q.When("x"));
        Assert.Equal(TimeSpan.FromMilliseconds(10), q.When("x"));
        Assert.Equal(TimeSpan.FromMilliseconds(20), q.When("x"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), q.When("y")); // per key
        Assert.Equal(3, q.NumRequeues("x"));
        for (int i = 0; i < 40; i++) q.When("x");
        Assert.Equal(TimeSpan.FromSeconds(1000), q.When("x")); // capped
        q.Forget("x");
        Assert.Equal(0, q.NumRequeues("x"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), q.When("x"));
    }

    [Fact]
    public async Task AddRateLimitedDelaysByBackoff()
    {
        var q = new WorkQueue<string>(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));
        q.When("k"); // one earlier failure: the next wait is 200 ms
        var sw = Stopwatch.StartNew();
        q.AddRateLimited("k");
        Assert.Equal(0, q.Len);
        var (k, _) = await q.GetAsync().WaitAsync(TimeSpan.FromSeconds(3));
        Assert.Equal("k", k);
        Assert.True(sw.ElapsedMilliseconds >= 180, $"{sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task AddAfterWaitsAndKeepsTheEarliestTime()
    {
        var q = new WorkQueue<string>();
        var sw = Stopwatch.StartNew();
        q.AddAfter("late", TimeSpan.FromSeconds(30));
        q.AddAfter("late", TimeSpan.FromMilliseconds(150)); // earlier wins
        q.AddAfter("late", TimeSpan.FromSeconds(20));       // later is ignored
        Assert.Equal(0, q.Len);
        var (k, _) = await q.GetAsync().WaitAsync(TimeSpan.FromSeconds(3));
        Assert.Equal("late", k);
        Assert.InRange(sw.ElapsedMilliseconds, 140, 2900);
        q.Done(k);
        q.AddAfter("now", TimeSpan.Zero);
        Assert.Equal(1, q.Len);
    }

    [Fact]
    public async Task ShutDownReleasesWaitersAndDrains()
    {
        var q = new WorkQueue<string>();
        var waiting = q.GetAsync();
        q.ShutDown();
        Assert.True((await waiting.WaitAsync(Short)).Shutdown);

        var q2 = new WorkQueue<string>();
        q2.Add("left");
        q2.ShutDown();
        q2.Add("ignored");
        Assert.Equal(("left", false), await q2.GetAsync());
        Assert.True((await q2.GetAsync()).Shutdown);
    }

    [Fact]
    public async Task CancelledGetDoesNotSwallowKeys()
    {
        var q = new WorkQueue<string>();
        using var cts = new CancellationTokenSource();
        var t = q.GetAsync(cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => t);
        q.Add("k");
        Assert.Equal(("k", false), await q.GetAsync().WaitAsync(Short));
    }

    [Fact]
    public async Task A_drained_burst_gives_back_its_room_and_loses_no_key()
    {
        // 5,000 keys at once (every object at a start), drained: the queue trims itself. Keys being processed and added
        // again meanwhile must survive the trim and come back on Done, and later keys must flow as before.
        var q = new WorkQueue<string>();
        for (int i = 0; i < 5_000; i++) q.Add("k" + i);
        var held = new List<string>();
        for (int i = 0; i < 5_000; i++)
        {
            var (key, _) = await q.GetAsync();
            if (i % 1_000 == 0) { held.Add(key); q.Add(key); } // dirty while processing
            else q.Done(key);
        }
        Assert.Equal(0, q.Len);
        foreach (var k in held) q.Done(k);
        Assert.Equal(held.Count, q.Len);
        var again = new List<string>();
        for (int i = 0; i < held.Count; i++) { var (k, _) = await q.GetAsync().WaitAsync(Short); again.Add(k); q.Done(k); }
        Assert.Equal(held, again);
        q.Add("later");
        Assert.Equal(("later", false), await q.GetAsync().WaitAsync(Short));
    }
}

public sealed class KubeconfigTests
{
    [Fact]
    public async Task ParsesBerthKubeconfigAndTrustsOnlyItsCa()
    {
        await using var h = await ServerHarness.StartAsync();
        using var good = HttpApiClient.FromKubeconfig(h.Server.KubeconfigPath);
        Assert.Equal(new Uri(h.Server.Url), good.Server);
        var ns = await good.GetAsync<Berth.Api.Core.Namespace>(null, "default");
        Assert.Equal("default", ns.Metadata.Name);

        // Another CA: the TLS handshake fails.
        using var other = System.Security.Cryptography.ECDsa.Create();
        var req = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=other", other, System.Security.Cryptography.HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var bad = new HttpApiClient(new Uri(h.Server.Url), ca.ExportCertificatePem(), h.Server.AdminToken);
        await Assert.ThrowsAsync<HttpRequestException>(() => bad.GetAsync<Berth.Api.Core.Namespace>(null, "default"));

        // Wrong token: 401 as an ApiStatusException.
        using var anon = new HttpApiClient(new Uri(h.Server.Url), h.Server.CaPem, "wrong");
        var e = await Assert.ThrowsAsync<ApiStatusException>(() => anon.GetAsync<Berth.Api.Core.Namespace>(null, "default"));
        Assert.Equal(401, e.Code);
    }
}
