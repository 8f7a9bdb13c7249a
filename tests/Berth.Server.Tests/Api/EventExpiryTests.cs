using System.Diagnostics;
using System.Globalization;

namespace Berth.Server.Tests.Api;

/// <summary>Events are deleted a TTL after their last write (kube-apiserver's --event-ttl, 1 h by default).</summary>
public sealed class EventExpiryTests
{
    private const string Events = "/api/v1/namespaces/default/events";

    private static string EventJson(string name, DateTimeOffset last) => $$"""
        {"metadata":{"name":"{{name}}"},"involvedObject":{"kind":"PersistentVolumeClaim","namespace":"default","name":"data"},
         "reason":"WaitForFirstConsumer","message":"waiting","type":"Normal","source":{"component":"persistentvolume-controller"},
         "lastTimestamp":"{{last.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}","count":1}
        """;

    [Fact]
    public async Task An_event_goes_a_ttl_after_its_last_write_and_a_rewrite_restarts_its_clock()
    {
        await using var t = await TestServer.StartAsync(configure: o => o with { EventTtl = TimeSpan.FromSeconds(3) });
        var sw = Stopwatch.StartNew();
        Assert.Equal(201, (await t.SendAsync(HttpMethod.Post, Events, EventJson("once", DateTimeOffset.UtcNow))).Code);
        Assert.Equal(201, (await t.SendAsync(HttpMethod.Post, Events, EventJson("again", DateTimeOffset.UtcNow))).Code);

        // Written again 1.5 s later (as a recorder bumps count): its hour starts over.
        await Task.Delay(1500);
        var (_, again) = await t.SendAsync(HttpMethod.Get, Events + "/again");
        again!["count"] = 2;
        Assert.Equal(200, (await t.SendAsync(HttpMethod.Put, Events + "/again", again.ToJsonString())).Code);

        while ((await t.SendAsync(HttpMethod.Get, Events + "/once")).Code != 404)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), "the event was not deleted after its TTL");
            await Task.Delay(100);
        }
        var goneAfter = sw.Elapsed;
        Assert.True(goneAfter >= TimeSpan.FromSeconds(3), $"deleted after {goneAfter}, before its TTL");
        if (goneAfter < TimeSpan.FromSeconds(4.5)) // the rewritten one must outlive the first by the time between the writes
            Assert.Equal(200, (await t.SendAsync(HttpMethod.Get, Events + "/again")).Code);

        while ((await t.SendAsync(HttpMethod.Get, Events + "/again")).Code != 404)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), "the rewritten event was not deleted after its TTL");
            await Task.Delay(100);
        }
        Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(4.5), $"the rewritten event went after {sw.Elapsed}, before a TTL from its last write");
    }

    [Fact]
    public async Task Events_written_before_a_restart_keep_the_clock_of_their_last_write()
    {
        await using var t = await TestServer.StartAsync();
        Assert.Equal(201, (await t.SendAsync(HttpMethod.Post, Events, EventJson("old", DateTimeOffset.UtcNow))).Code);
        await Task.Delay(4000);
        Assert.Equal(201, (await t.SendAsync(HttpMethod.Post, Events, EventJson("recent", DateTimeOffset.UtcNow))).Code);
        // TTL 6 s, a sweep every 1.5 s. The old event was written over 4 s before this start, so its 6 s are up at the first
        // sweeps (counting from this start instead would keep it 6 s more); the recent one has seconds to go.
        await using var again = await t.RestartAsync(o => o with { EventTtl = TimeSpan.FromSeconds(6) });
        var sw = Stopwatch.StartNew();
        while ((await again.SendAsync(HttpMethod.Get, Events + "/old")).Code != 404)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(4.5), "the old event lived on as if written at the restart");
            await Task.Delay(100);
        }
        Assert.Equal(200, (await again.SendAsync(HttpMethod.Get, Events + "/recent")).Code);
    }
}
