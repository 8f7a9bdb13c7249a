namespace Berth.Store;

/// <summary>One key's value at one revision (etcd's mvccpb.KeyValue).</summary>
/// <param name="CreateRevision">The revision that created the key (unchanged by updates).</param>
/// <param name="ModRevision">The revision of the last write to the key; it is the object's resourceVersion.</param>
public sealed record KeyValue(string Key, ReadOnlyMemory<byte> Value, long CreateRevision, long ModRevision);

public enum StoreEventType { Put, Delete }

/// <summary>
/// A change seen by a watch. For Put, <see cref="Current"/> is the new value. For Delete, <see cref="Current"/>
/// carries the deleted value with ModRevision = the revision of the delete. <see cref="Previous"/> is the value before.
/// </summary>
public sealed record StoreEvent(StoreEventType Type, KeyValue Current, KeyValue? Previous)
{
    public long Revision => Current.ModRevision;
}

/// <summary>The outcome of a compare-and-swap write.</summary>
/// <param name="Succeeded">False when the precondition failed (key exists on create, missing or modified on update/delete).</param>
/// <param name="Revision">The store's revision after the write (or at the time of the failed check).</param>
/// <param name="Current">On success the written value (for delete: the value that was deleted); on failure the current value, or null when the key is absent.</param>
public readonly record struct WriteResult(bool Succeeded, long Revision, KeyValue? Current);

/// <summary>The keys under a prefix at one revision, sorted by key.</summary>
public sealed record RangeResult(IReadOnlyList<KeyValue> Items, long Revision);

/// <summary>Thrown when a read or watch asks for a revision that compaction has removed (HTTP 410 Gone upstream).</summary>
public sealed class RevisionCompactedException(long requested, long compacted)
    : Exception($"too old resource version: {requested} ({compacted})")
{
    public long Requested { get; } = requested;
    public long Compacted { get; } = compacted;
}

/// <summary>Thrown when a read asks for a revision the store has not reached yet.</summary>
public sealed class FutureRevisionException(long requested, long current)
    : Exception($"Too large resource version: {requested}, current: {current}")
{
    public long Requested { get; } = requested;
    public long Current { get; } = current;
}

/// <summary>
/// A revisioned key-value store with the etcd model: one global revision that grows by one per write,
/// per-key create and mod revisions, compare-and-swap writes, reads at a revision, and watches that replay
/// every change after a revision in order. A write completes only once it is durable.
/// Implementations: Sqlite (embedded, default); etcd and PostgreSQL later.
/// </summary>
public interface IKeyValueStore : IAsyncDisposable
{
    /// <summary>The revision of the last durable write (0 for an empty store).</summary>
    long CurrentRevision { get; }
    /// <summary>Revisions at or below this are compacted: no history is kept for them.</summary>
    long CompactedRevision { get; }

    ValueTask<KeyValue?> GetAsync(string key, CancellationToken ct = default);

    /// <summary>All live keys starting with <paramref name="prefix"/>, sorted by key, at <paramref name="revision"/> (0 = latest).</summary>
    /// <exception cref="RevisionCompactedException">the revision was compacted.</exception>
    /// <exception cref="FutureRevisionException">the revision is beyond the current one.</exception>
    ValueTask<RangeResult> ListAsync(string prefix, long revision = 0, CancellationToken ct = default);

    /// <summary>Creates the key; fails (Succeeded=false) if it exists.</summary>
    ValueTask<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct = default);

    /// <summary>Replaces the value if the key's ModRevision equals <paramref name="expectedModRevision"/>.</summary>
    ValueTask<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken ct = default);

    /// <summary>Deletes the key if its ModRevision equals <paramref name="expectedModRevision"/> (0 = whatever it is).</summary>
    ValueTask<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken ct = default);

    /// <summary>
    /// Every change to keys under <paramref name="prefix"/> with revision &gt; <paramref name="afterRevision"/>, in revision
    /// order, first the retained history, then live changes, until cancelled. Events of one revision are never split or reordered.
    /// </summary>
    /// <exception cref="RevisionCompactedException">(thrown on the first MoveNextAsync) when afterRevision &lt; CompactedRevision.</exception>
    IAsyncEnumerable<StoreEvent> WatchAsync(string prefix, long afterRevision, CancellationToken ct = default);

    /// <summary>Drops history at or below <paramref name="revision"/> (live values are kept). Returns the new CompactedRevision.</summary>
    ValueTask<long> CompactAsync(long revision, CancellationToken ct = default);
}
