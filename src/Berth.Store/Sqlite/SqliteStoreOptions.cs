namespace Berth.Store.Sqlite;

/// <summary>Tuning knobs of <see cref="SqliteStore"/>. The defaults suit tests; production enables the background compactor.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>Maximum number of pooled read connections (concurrent Get/List/history reads).</summary>
    public int ReadConnections { get; init; } = 4;

    /// <summary>Maximum writes committed in one transaction (one fsync).</summary>
    public int MaxWriteBatch { get; init; } = 2_000;

    /// <summary>Number of most recent events kept in memory so watches can resume without reading the log.</summary>
    public int WatchHistorySize { get; init; } = 10_000;

    /// <summary>Events a watcher may lag behind before it is ended with <see cref="WatchOverflowException"/>.</summary>
    public int WatchChannelCapacity { get; init; } = 100_000;

    /// <summary>Revisions processed per compaction transaction (each deletes at most twice as many rows).</summary>
    public int CompactBatchSize { get; init; } = 250;

    /// <summary>
    /// When &gt; 0 a background compactor keeps the last <c>AutoCompactRetain</c> revisions and compacts older
    /// history every <see cref="AutoCompactInterval"/>. 0 (the default) disables it.
    /// </summary>
    public long AutoCompactRetain { get; init; }

    /// <summary>How often the background compactor runs (when <see cref="AutoCompactRetain"/> &gt; 0).</summary>
    public TimeSpan AutoCompactInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Called with errors of the background compactor (which keeps running).</summary>
    public Action<Exception>? OnBackgroundError { get; init; }

    /// <summary>Options for the API server: keep 10,000 revisions of history, compact every 5 minutes.</summary>
    public static SqliteStoreOptions Production => new() { AutoCompactRetain = 10_000, AutoCompactInterval = TimeSpan.FromMinutes(5) };

    internal void Validate()
    {
        if (ReadConnections < 1) throw new ArgumentOutOfRangeException(nameof(ReadConnections));
        if (MaxWriteBatch < 1) throw new ArgumentOutOfRangeException(nameof(MaxWriteBatch));
        if (WatchHistorySize < 0) throw new ArgumentOutOfRangeException(nameof(WatchHistorySize));
        if (WatchChannelCapacity < 1) throw new ArgumentOutOfRangeException(nameof(WatchChannelCapacity));
        if (CompactBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(CompactBatchSize));
        if (AutoCompactRetain < 0) throw new ArgumentOutOfRangeException(nameof(AutoCompactRetain));
        if (AutoCompactRetain > 0 && AutoCompactInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(AutoCompactInterval));
    }
}
