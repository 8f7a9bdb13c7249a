using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Server.Storage;
using Berth.Server.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Berth.Server.Http;

/// <summary>
/// One watch request: a chunked stream of {"type","object"} lines, as kube-apiserver sends them, from the cache.
/// Without a resourceVersion (or with "0") the current objects come first as ADDED; with one, only later changes.
/// </summary>
public sealed class WatchStream(ResourceStore store, ResourceType type, string? ns, ListOptions opts, HttpContext ctx, ILogger log)
{
    private static readonly TimeSpan BookmarkEvery = TimeSpan.FromSeconds(10);
    private bool _table;
    private bool _columnsSent;

    public async Task RunAsync()
    {
        _table = MediaTypes.Choose(ctx.Request.Headers.Accept, tableAllowed: true) == OutputFormat.Table;
        var filter = SelectorFilter.Build(type, opts.LabelSelector, opts.FieldSelector);
        var prefix = ResourceStore.CachePrefixOf(type, ns);
        Func<CachedObject, bool> scoped = o => o.Key.StartsWith(prefix, StringComparison.Ordinal) && filter(o);
        var cache = store.Cache.For(type);

        await store.Cache.SyncAsync(ctx.RequestAborted);
        CacheWatcher? watcher;
        List<CachedObject>? initial = null;
        var rvText = opts.ResourceVersion;
        if (string.IsNullOrEmpty(rvText) || rvText == "0" || opts.SendInitialEvents)
        {
            watcher = cache.ListAndWatch(prefix, scoped, out initial);
        }
        else
        {
            if (!long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out var rv))
                throw ApiException.BadRequest($"invalid resource version: {rvText}");
            watcher = cache.Watch(rv, scoped, out var windowStart);
            if (watcher is null)
            {
                ctx.Response.StatusCode = 200;
                ctx.Response.ContentType = ContentType;
                await WriteErrorAsync(new Status { Code = 410, Reason = "Expired", Outcome = "Failure", Message = $"too old resource version: {rv} ({windowStart})" });
                return;
            }
        }

        using var _ = watcher;
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = ContentType;
        ctx.Response.Headers.CacheControl = "no-cache, private";
        await ctx.Response.StartAsync(ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted); // clients wait for the headers before the first event

        var timeout = TimeSpan.FromSeconds(opts.TimeoutSeconds is int s && s > 0 ? s : 1800 + Random.Shared.Next(1800));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        cts.CancelAfter(timeout);
        var ct = cts.Token;
        try
        {
            if (initial is not null)
            {
                foreach (var o in initial) await WriteEventAsync("ADDED", o, flush: false);
                if (opts.SendInitialEvents && opts.AllowWatchBookmarks)
                    await WriteBookmarkAsync(store.Cache.Revision, initialEventsEnd: true);
                await ctx.Response.Body.FlushAsync(ct);
            }
            var reader = watcher.Events;
            var nextBookmark = DateTime.UtcNow + BookmarkEvery;
            while (!ct.IsCancellationRequested)
            {
                var waitFor = opts.AllowWatchBookmarks ? nextBookmark - DateTime.UtcNow : timeout;
                bool more;
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    wait.CancelAfter(waitFor > TimeSpan.Zero ? waitFor : TimeSpan.FromMilliseconds(1));
                    try { more = await reader.WaitToReadAsync(wait.Token); }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested) { more = true; }
                }
                if (!more) break;
                // Revision read before draining: every event at or below it is already queued (see ObjectCache.Advance).
                long revision = store.Cache.Revision;
                while (reader.TryRead(out var e))
                {
                    var kind = e.Type switch { WatchEventType.Added => "ADDED", WatchEventType.Modified => "MODIFIED", _ => "DELETED" };
                    await WriteEventAsync(kind, e.Object, flush: false);
                }
                if (opts.AllowWatchBookmarks && DateTime.UtcNow >= nextBookmark)
                {
                    await WriteBookmarkAsync(revision, initialEventsEnd: false);
                    nextBookmark = DateTime.UtcNow + BookmarkEvery;
                }
                await ctx.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) { /* client went away or timeout: the stream simply ends */ }
        catch (InvalidOperationException e)
        {
            log.LogInformation("watch of {Resource} ended: {Reason}", type.Plural, e.Message);
        }
    }

    private string ContentType => _table ? MediaTypes.TableJson : MediaTypes.Json;

    private async Task WriteEventAsync(string kind, CachedObject obj, bool flush)
    {
        var buffer = new ArrayBufferWriter<byte>(obj.Json.Length + 64);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            w.WriteStartObject();
            w.WriteString("type", kind);
            w.WritePropertyName("object");
            if (_table)
            {
                TableWriter.Write(w, type, [obj], ctx.Request.Query["includeObject"], !_columnsSent, store.Clock.GetUtcNow(), obj.ModRevision.ToString(CultureInfo.InvariantCulture), null);
                _columnsSent = true;
            }
            else w.WriteRawValue(obj.JsonFor(type), skipInputValidation: true);
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        await ctx.Response.Body.WriteAsync(buffer.WrittenMemory, ctx.RequestAborted);
        if (flush) await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
    }

    private async Task WriteBookmarkAsync(long revision, bool initialEventsEnd)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "BOOKMARK");
            w.WriteStartObject("object");
            w.WriteString("kind", type.Kind);
            w.WriteString("apiVersion", type.GroupVersion);
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", revision.ToString(CultureInfo.InvariantCulture));
            if (initialEventsEnd)
            {
                w.WriteStartObject("annotations");
                w.WriteString("k8s.io/initial-events-end", "true");
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        await ctx.Response.Body.WriteAsync(buffer.WrittenMemory, ctx.RequestAborted);
    }

    private async Task WriteErrorAsync(Status status)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(new { type = "ERROR", @object = status }, KubeJson.Options);
        await ctx.Response.Body.WriteAsync(line, ctx.RequestAborted);
        await ctx.Response.Body.WriteAsync("\n"u8.ToArray(), ctx.RequestAborted);
    }
}
