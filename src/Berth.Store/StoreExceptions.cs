namespace Berth.Store;

/// <summary>
/// Thrown when a store cannot be opened: the file is corrupt, is not a Berth store, has an unknown schema version,
/// or is in use by another process. <see cref="Exception.Message"/> is a one-line reason fit for a CLI.
/// </summary>
public sealed class StoreOpenException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Ends a watch whose consumer fell too far behind (its buffer filled up). The events buffered before it are still
/// delivered; the consumer should re-watch from the last revision it saw (or relist if that was compacted).
/// </summary>
public sealed class WatchOverflowException(int capacity)
    : Exception($"watch ended: the consumer fell more than {capacity} events behind")
{
    public int Capacity { get; } = capacity;
}
