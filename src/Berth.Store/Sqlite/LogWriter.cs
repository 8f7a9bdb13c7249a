using Microsoft.Data.Sqlite;

namespace Berth.Store.Sqlite;

/// <summary>
/// The single writer (group commit). A dedicated thread drains the queue and commits all pending writes in one
/// transaction, so one fsync covers many writes. Compare-and-swap checks run here against the effects of earlier writes
/// of the same batch, then the in-memory index of live keys this writer has seen, then the key's latest row on disk
/// (read once, then kept in the index). The index fills as keys are written instead of being loaded whole at start: a
/// store of thousands of objects that are only read (the API server's cache holds them all anyway) keeps no second copy
/// of their keys here, and a cold start need not scan the log before the first write. Revisions are assigned here
/// (last + 1). After a commit the index is updated, events are published to watchers in revision order, and only then
/// the callers' tasks complete. A failed transaction fails every write of its batch and leaves the revision unchanged
/// and the index holding committed state only.
/// </summary>
internal sealed class LogWriter
{
    readonly SqliteConnection _conn;
    readonly Dictionary<string, IndexEntry> _index = new(StringComparer.Ordinal); // live keys written or looked up since start
    readonly Dictionary<string, OverlayEntry> _overlay = new(StringComparer.Ordinal);
    readonly List<StoreEvent> _events = [];
    readonly List<PendingWrite> _batch = [];
    readonly WatchHub _hub;
    readonly int _maxBatch;

    readonly SqliteCommand _insert, _readValue, _readLatest, _compact;
    readonly SqliteParameter _pId, _pName, _pCreated, _pDeleted, _pCreateRev, _pPrevRev, _pValue, _pReadId, _pLatestName, _pFrom, _pTo;

    readonly object _queueLock = new();
    List<PendingWork> _queue = [];
    List<PendingWork> _draining = [];
    bool _stopping;
    Exception? _fatal;
    readonly Thread _thread;
    readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    long _revision;            // last committed revision (writer thread only)
    long _compactedRevision;   // read by any thread

    public LogWriter(SqliteConnection conn, WatchHub hub, long revision, long compactedRevision, int maxBatch)
    {
        _conn = conn;
        _hub = hub;
        _revision = revision;
        _compactedRevision = compactedRevision;
        _maxBatch = maxBatch;

        _insert = conn.CreateCommand();
        _insert.CommandText = """
            INSERT INTO log (id, name, created, deleted, create_revision, prev_revision, value)
            VALUES ($id, $name, $created, $deleted, $cr, $pr, $value);
            """;
        _pId = _insert.Parameters.Add("$id", SqliteType.Integer);
        _pName = _insert.Parameters.Add("$name", SqliteType.Text);
        _pCreated = _insert.Parameters.Add("$created", SqliteType.Integer);
        _pDeleted = _insert.Parameters.Add("$deleted", SqliteType.Integer);
        _pCreateRev = _insert.Parameters.Add("$cr", SqliteType.Integer);
        _pPrevRev = _insert.Parameters.Add("$pr", SqliteType.Integer);
        _pValue = _insert.Parameters.Add("$value", SqliteType.Blob);

        _readValue = conn.CreateCommand();
        _readValue.CommandText = "SELECT value FROM log WHERE id = $id;";
        _pReadId = _readValue.Parameters.Add("$id", SqliteType.Integer);

        // A key's latest row (index log_name_id): its revisions if it is live; none or a tombstone if it is not.
        _readLatest = conn.CreateCommand();
        _readLatest.CommandText = "SELECT create_revision, id, deleted FROM log WHERE name = $name ORDER BY id DESC LIMIT 1;";
        _pLatestName = _readLatest.Parameters.Add("$name", SqliteType.Text);

        // Compaction of (from, to]: every update/delete row in the range supersedes its previous row (which is below
        // it, so at or below `to`); tombstones in the range go too. Rows superseded by a row above `to` stay, so the
        // state at the compacted revision itself remains readable and every later event keeps its previous value.
        _compact = conn.CreateCommand();
        _compact.CommandText = """
            DELETE FROM log WHERE id IN (SELECT prev_revision FROM log WHERE id > $from AND id <= $to AND prev_revision > 0);
            DELETE FROM log WHERE id > $from AND id <= $to AND deleted = 1;
            UPDATE meta SET value = $to WHERE key = 'compact_revision';
            """;
        _pFrom = _compact.Parameters.Add("$from", SqliteType.Integer);
        _pTo = _compact.Parameters.Add("$to", SqliteType.Integer);

        _thread = new Thread(Run) { IsBackground = true, Name = "berth-store-writer" };
        _thread.Start();
    }

    public long CompactedRevision => Volatile.Read(ref _compactedRevision);

    public Task Exited => _exited.Task;

    public void Enqueue(PendingWork work)
    {
        lock (_queueLock)
        {
            if (_fatal is not null) throw new InvalidOperationException("the store's writer has failed", _fatal);
            ObjectDisposedException.ThrowIf(_stopping, typeof(SqliteStore));
            _queue.Add(work);
            if (_queue.Count == 1) Monitor.Pulse(_queueLock);
        }
    }

    /// <summary>Stops accepting work; what is queued is still committed, then the thread exits.</summary>
    public void Stop()
    {
        lock (_queueLock)
        {
            _stopping = true;
            Monitor.Pulse(_queueLock);
        }
    }

    void Run()
    {
        try
        {
            while (true)
            {
                lock (_queueLock)
                {
                    while (_queue.Count == 0 && !_stopping) Monitor.Wait(_queueLock);
                    if (_queue.Count == 0) break;
                    (_queue, _draining) = (_draining, _queue);
                }
                Process(_draining);
                _draining.Clear();
            }
        }
        catch (Exception ex)
        {
            // Not expected (transaction errors are handled per batch); fail everything rather than hang callers.
            lock (_queueLock)
            {
                _fatal = ex;
                FailAll(_draining, ex);
                FailAll(_queue, ex);
                _queue.Clear();
            }
        }
        finally
        {
            _exited.TrySetResult();
        }
    }

    /// <summary>
    /// After <see cref="Exited"/>: checkpoints the WAL into the database (so the next open need not replay it) and closes
    /// the connection. Call it once the read connections are closed, so the checkpoint can complete.
    /// </summary>
    public void Close()
    {
        _insert.Dispose();
        _readValue.Dispose();
        _readLatest.Dispose();
        _compact.Dispose();
        try { Schema.Exec(_conn, "PRAGMA wal_checkpoint(TRUNCATE);"); }
        catch (SqliteException) { /* best effort: the WAL is replayed on the next open */ }
        _conn.Dispose();
    }

    static void FailAll(List<PendingWork> items, Exception ex)
    {
        foreach (PendingWork w in items)
        {
            if (w is PendingWrite pw) pw.Completion.TrySetException(ex);
            else if (w is PendingCompaction pc) pc.Completion.TrySetException(ex);
        }
    }

    void Process(List<PendingWork> items)
    {
        for (int i = 0; i < items.Count; i++)
        {
            if (items[i] is PendingWrite write)
            {
                _batch.Add(write);
                if (_batch.Count >= _maxBatch) CommitBatch();
            }
            else
            {
                if (_batch.Count > 0) CommitBatch();
                RunCompaction((PendingCompaction)items[i]);
            }
        }
        if (_batch.Count > 0) CommitBatch();
    }

    void CommitBatch()
    {
        long revision = _revision;
        _overlay.Clear();
        _events.Clear();
        try
        {
            using (SqliteTransaction tx = _conn.BeginTransaction())
            {
                _insert.Transaction = tx;
                _readValue.Transaction = tx;
                _readLatest.Transaction = tx;
                for (int i = 0; i < _batch.Count; i++) Apply(_batch[i], ref revision);
                tx.Commit();
            }
        }
        catch (Exception ex)
        {
            for (int i = 0; i < _batch.Count; i++) _batch[i].Completion.TrySetException(ex);
            _batch.Clear();
            _overlay.Clear();
            _events.Clear();
            return;
        }

        foreach (KeyValuePair<string, OverlayEntry> change in _overlay)
        {
            if (change.Value.Live) _index[change.Key] = new IndexEntry(change.Value.CreateRevision, change.Value.ModRevision);
            else _index.Remove(change.Key);
        }
        _revision = revision;
        _hub.Publish(_events, revision);
        for (int i = 0; i < _batch.Count; i++) _batch[i].Completion.TrySetResult(_batch[i].Result);
        _batch.Clear();
        _overlay.Clear();
        _events.Clear();
    }

    void Apply(PendingWrite w, ref long revision)
    {
        bool exists = TryGetLive(w.Key, out OverlayEntry cur);
        switch (w.Kind)
        {
            case WriteKind.Create:
            {
                if (exists) { w.Result = new WriteResult(false, revision, CurrentValue(w.Key, cur)); return; }
                long rev = ++revision;
                Insert(rev, w.Key, created: true, deleted: false, rev, 0, w.Value!);
                var kv = new KeyValue(w.Key, w.Value, rev, rev);
                _overlay[w.Key] = new OverlayEntry(true, rev, rev, w.Value);
                _events.Add(new StoreEvent(StoreEventType.Put, kv, null));
                w.Result = new WriteResult(true, rev, kv);
                return;
            }
            case WriteKind.Update:
            {
                if (!exists || cur.ModRevision != w.ExpectedModRevision)
                {
                    w.Result = new WriteResult(false, revision, exists ? CurrentValue(w.Key, cur) : null);
                    return;
                }
                KeyValue prev = CurrentValue(w.Key, cur);
                long rev = ++revision;
                Insert(rev, w.Key, created: false, deleted: false, cur.CreateRevision, cur.ModRevision, w.Value!);
                var kv = new KeyValue(w.Key, w.Value, cur.CreateRevision, rev);
                _overlay[w.Key] = new OverlayEntry(true, cur.CreateRevision, rev, w.Value);
                _events.Add(new StoreEvent(StoreEventType.Put, kv, prev));
                w.Result = new WriteResult(true, rev, kv);
                return;
            }
            default:
            {
                if (!exists || (w.ExpectedModRevision != 0 && cur.ModRevision != w.ExpectedModRevision))
                {
                    w.Result = new WriteResult(false, revision, exists ? CurrentValue(w.Key, cur) : null);
                    return;
                }
                byte[] value = cur.Value ?? ReadValue(cur.ModRevision);
                var prev = new KeyValue(w.Key, value, cur.CreateRevision, cur.ModRevision);
                long rev = ++revision;
                // The tombstone carries the deleted value, so history replays the delete with its previous value.
                Insert(rev, w.Key, created: false, deleted: true, cur.CreateRevision, cur.ModRevision, value);
                var deletedKv = new KeyValue(w.Key, value, cur.CreateRevision, rev);
                _overlay[w.Key] = new OverlayEntry(false, cur.CreateRevision, rev, null);
                _events.Add(new StoreEvent(StoreEventType.Delete, deletedKv, prev));
                w.Result = new WriteResult(true, rev, deletedKv);
                return;
            }
        }
    }

    bool TryGetLive(string key, out OverlayEntry entry)
    {
        if (_overlay.TryGetValue(key, out entry)) return entry.Live;
        if (!_index.TryGetValue(key, out IndexEntry e))
        {
            // Not written in this batch (the overlay would have it), so the row read is committed state: safe to keep
            // even if this batch rolls back. An absent key is not remembered; its create adds it.
            _pLatestName.Value = key;
            using (SqliteDataReader r = _readLatest.ExecuteReader())
            {
                if (!r.Read() || r.GetInt64(2) != 0) return false;
                e = new IndexEntry(r.GetInt64(0), r.GetInt64(1));
            }
            _index[key] = e;
        }
        entry = new OverlayEntry(true, e.CreateRevision, e.ModRevision, null);
        return true;
    }

    /// <summary>The live value of a key: from this batch if written in it, else its latest row.</summary>
    KeyValue CurrentValue(string key, OverlayEntry cur)
    {
        byte[] value = cur.Value ?? ReadValue(cur.ModRevision);
        return new KeyValue(key, value, cur.CreateRevision, cur.ModRevision);
    }

    byte[] ReadValue(long id)
    {
        _pReadId.Value = id;
        using SqliteDataReader r = _readValue.ExecuteReader();
        if (!r.Read()) throw new InvalidOperationException($"store log row {id} is missing");
        return r.GetFieldValue<byte[]>(0);
    }

    void Insert(long id, string name, bool created, bool deleted, long createRevision, long prevRevision, byte[] value)
    {
        _pId.Value = id;
        _pName.Value = name;
        _pCreated.Value = created ? 1 : 0;
        _pDeleted.Value = deleted ? 1 : 0;
        _pCreateRev.Value = createRevision;
        _pPrevRev.Value = prevRevision;
        _pValue.Value = value;
        _insert.ExecuteNonQuery();
    }

    void RunCompaction(PendingCompaction step)
    {
        int deleted;
        try
        {
            using SqliteTransaction tx = _conn.BeginTransaction();
            _compact.Transaction = tx;
            _pFrom.Value = step.From;
            _pTo.Value = step.To;
            deleted = _compact.ExecuteNonQuery();
            tx.Commit();
        }
        catch (Exception ex)
        {
            step.Completion.TrySetException(ex);
            return;
        }
        Volatile.Write(ref _compactedRevision, step.To);
        step.Completion.TrySetResult(deleted - 1); // minus the meta update
    }

    readonly record struct OverlayEntry(bool Live, long CreateRevision, long ModRevision, byte[]? Value);
}
