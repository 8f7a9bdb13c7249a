using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Berth.Store.Sqlite;

/// <summary>
/// The embedded store: an etcd-model revisioned key-value store in one SQLite file (WAL, synchronous=FULL), modelled
/// on kine. Every write is appended to one log table whose row id is the revision; one writer thread commits queued
/// writes in groups (one fsync per group). Values are not cached: reads go to SQLite through a small pool of read
/// connections; the writer keeps only key → (create, mod) revisions of live keys for compare-and-swap.
/// <para>
/// Compaction semantics (as etcd): after <c>CompactAsync(C)</c> reads at revisions below C and watches from below C fail
/// with <see cref="RevisionCompactedException"/>; the state at C itself stays readable (the latest row of each key at or
/// below C is kept unless it is a tombstone) and a watch from C replays everything after it.
/// </para>
/// </summary>
public sealed class SqliteStore : IKeyValueStore
{
    const int HistoryPageSize = 1_000;

    readonly string _path;
    readonly SqliteStoreOptions _options;
    readonly FileStream _lockFile;
    readonly LogWriter _writer;
    readonly WatchHub _hub;
    readonly ReadPool _pool;
    readonly SemaphoreSlim _compactLock = new(1, 1);
    readonly CancellationTokenSource _stopping = new();
    readonly Task _backgroundCompactor;
    int _disposed;

    SqliteStore(string path, SqliteStoreOptions options, FileStream lockFile, SqliteConnection writerConnection,
        long revision, long compacted)
    {
        _path = path;
        _options = options;
        _lockFile = lockFile;
        _hub = new WatchHub(options.WatchHistorySize, options.WatchChannelCapacity, revision);
        _writer = new LogWriter(writerConnection, _hub, revision, compacted, options.MaxWriteBatch);
        _pool = new ReadPool(path, options.ReadConnections);
        _backgroundCompactor = options.AutoCompactRetain > 0 ? Task.Run(RunBackgroundCompactorAsync) : Task.CompletedTask;
    }

    /// <summary>The store's file.</summary>
    public string Path => _path;

    public long CurrentRevision => _hub.CurrentRevision;

    public long CompactedRevision => _writer.CompactedRevision;

    /// <summary>
    /// Opens (or creates) the store at <paramref name="path"/>. A file that is not a Berth store, is corrupt, has another
    /// schema version, or is open in another process fails with <see cref="StoreOpenException"/>.
    /// </summary>
    public static Task<SqliteStore> OpenAsync(string path, SqliteStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new SqliteStoreOptions();
        options.Validate();
        return Task.Run(() => Open(System.IO.Path.GetFullPath(path), options));
    }

    static SqliteStore Open(string path, SqliteStoreOptions options)
    {
        if (Directory.Exists(path)) throw new StoreOpenException($"{path} is a directory, not a Berth store");
        string? dir = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);

        FileStream lockFile;
        try
        {
            lockFile = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new StoreOpenException($"{path} is in use by another process (cannot lock {path}.lock: {ex.Message})", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new StoreOpenException($"cannot lock {path}.lock: {ex.Message}", ex);
        }

        SqliteConnection? conn = null;
        try
        {
            conn = Schema.OpenConnection(path, readOnlyQueries: false);
            Schema.EnsureOrValidate(conn, path);
            long compacted = Schema.MetaValue(conn, Schema.MetaCompactRevision) ?? 0;
            long maxId = Schema.Scalar(conn, "SELECT IFNULL(MAX(id), 0) FROM log;");
            return new SqliteStore(path, options, lockFile, conn, Math.Max(maxId, compacted), compacted);
        }
        catch (Exception ex)
        {
            conn?.Dispose();
            lockFile.Dispose();
            if (ex is StoreOpenException) throw;
            if (ex is SqliteException sql)
                throw new StoreOpenException($"{path} is not a valid Berth store: {OneLine(sql.Message)}", ex);
            throw new StoreOpenException($"cannot open {path}: {OneLine(ex.Message)}", ex);
        }
    }

    static string OneLine(string s) => s.ReplaceLineEndings(" ");

    // ---- reads ----

    public async ValueTask<KeyValue?> GetAsync(string key, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ThrowIfDisposed();
        ReadConnection conn = await _pool.RentAsync(ct).ConfigureAwait(false);
        try { return conn.Get(key); }
        finally { _pool.Return(conn); }
    }

    public async ValueTask<RangeResult> ListAsync(string prefix, long revision = 0, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        ThrowIfDisposed();
        long compacted = CompactedRevision;
        if (revision > 0 && revision < compacted) throw new RevisionCompactedException(revision, compacted);
        ReadConnection conn = await _pool.RentAsync(ct).ConfigureAwait(false);
        try { return conn.List(KeyRange.ForPrefix(prefix), revision); }
        finally { _pool.Return(conn); }
    }

    // ---- writes ----

    public ValueTask<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct = default)
        => Enqueue(WriteKind.Create, key, value.ToArray(), 0, ct);

    public ValueTask<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken ct = default)
        => Enqueue(WriteKind.Update, key, value.ToArray(), expectedModRevision, ct);

    public ValueTask<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken ct = default)
        => Enqueue(WriteKind.Delete, key, null, expectedModRevision, ct);

    /// <remarks>
    /// The token is only observed before the write is queued: once queued, a write may already be committed, so it is
    /// not abandoned (the caller would not know whether it happened).
    /// </remarks>
    ValueTask<WriteResult> Enqueue(WriteKind kind, string key, byte[]? value, long expected, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (ct.IsCancellationRequested) return ValueTask.FromCanceled<WriteResult>(ct);
        ThrowIfDisposed();
        var write = new PendingWrite(kind, key, value, expected);
        _writer.Enqueue(write);
        return new ValueTask<WriteResult>(write.Completion.Task);
    }

    // ---- watch ----

    /// <remarks>Cancellation (or disposing the store) ends the enumeration normally, without an exception.</remarks>
    public async IAsyncEnumerable<StoreEvent> WatchAsync(string prefix, long afterRevision,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(afterRevision);
        ThrowIfDisposed();
        long compacted = CompactedRevision;
        if (afterRevision < compacted) throw new RevisionCompactedException(afterRevision, compacted);

        WatchSubscriber sub = _hub.Subscribe(prefix, afterRevision, out long registeredAt, out List<StoreEvent>? replay);
        try
        {
            if (replay is not null)
            {
                foreach (StoreEvent ev in replay)
                {
                    if (ct.IsCancellationRequested) yield break;
                    yield return ev;
                }
            }
            else
            {
                // The ring does not reach back far enough: replay (afterRevision, registeredAt] from the log, page by page.
                KeyRange range = KeyRange.ForPrefix(prefix);
                var page = new List<StoreEvent>(HistoryPageSize);
                long last = afterRevision;
                while (last < registeredAt)
                {
                    if (ct.IsCancellationRequested) yield break;
                    page.Clear();
                    int rows = await ReadHistoryAsync(range, last, registeredAt, afterRevision, page, ct).ConfigureAwait(false);
                    foreach (StoreEvent ev in page)
                    {
                        if (ct.IsCancellationRequested) yield break;
                        yield return ev;
                    }
                    if (rows < HistoryPageSize) break;
                    last = page[^1].Revision;
                }
            }

            var reader = sub.Channel.Reader;
            while (true)
            {
                bool more;
                try
                {
                    more = await reader.WaitToReadAsync(ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    more = false;
                }
                if (!more) yield break;
                while (reader.TryRead(out StoreEvent? ev))
                {
                    if (ev.Revision > afterRevision) yield return ev;
                    if (ct.IsCancellationRequested) yield break;
                }
            }
        }
        finally
        {
            _hub.Unsubscribe(sub);
        }
    }

    async ValueTask<int> ReadHistoryAsync(KeyRange range, long after, long upto, long watchStart, List<StoreEvent> into,
        CancellationToken ct)
    {
        ReadConnection conn;
        try
        {
            conn = await _pool.RentAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return 0;
        }
        try { return conn.History(range, after, upto, HistoryPageSize, watchStart, into); }
        finally { _pool.Return(conn); }
    }

    // ---- compaction ----

    /// <summary>
    /// Drops history at or below <paramref name="revision"/>: rows superseded by a later row at or below it, and
    /// tombstones at or below it. Runs in steps of <see cref="SqliteStoreOptions.CompactBatchSize"/> revisions, each its
    /// own short transaction on the writer, so writes interleave. A revision at or below the current compacted revision
    /// is a no-op; one above the current revision fails with <see cref="FutureRevisionException"/>.
    /// </summary>
    public async ValueTask<long> CompactAsync(long revision, CancellationToken ct = default)
    {
        ThrowIfDisposed();
        long current = CurrentRevision;
        if (revision > current) throw new FutureRevisionException(revision, current);
        await _compactLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            long from = CompactedRevision;
            while (from < revision)
            {
                ct.ThrowIfCancellationRequested();
                long to = Math.Min(revision, from + _options.CompactBatchSize);
                var step = new PendingCompaction(from, to);
                _writer.Enqueue(step);
                await step.Completion.Task.ConfigureAwait(false);
                from = to;
            }
            return CompactedRevision;
        }
        finally
        {
            _compactLock.Release();
        }
    }

    async Task RunBackgroundCompactorAsync()
    {
        using var timer = new PeriodicTimer(_options.AutoCompactInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                long target = CurrentRevision - _options.AutoCompactRetain;
                if (target <= CompactedRevision) continue;
                try
                {
                    await CompactAsync(target, _stopping.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException && ex is not ObjectDisposedException)
                {
                    _options.OnBackgroundError?.Invoke(ex);
                }
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }

    // ---- lifetime ----

    void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>
    /// Commits the writes already queued (new ones are refused), ends every watch (their enumerations finish normally),
    /// and closes the file.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stopping.Cancel();
        await _backgroundCompactor.ConfigureAwait(false);
        _writer.Stop();
        await _writer.Exited.ConfigureAwait(false);
        _hub.Close();
        _pool.Dispose();
        _writer.Close();
        _lockFile.Dispose();
        _stopping.Dispose();
    }
}
