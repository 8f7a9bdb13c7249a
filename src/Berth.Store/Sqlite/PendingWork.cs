namespace Berth.Store.Sqlite;

/// <summary>An item of the writer's queue.</summary>
internal abstract class PendingWork;

internal enum WriteKind : byte { Create, Update, Delete }

/// <summary>A write waiting for the writer; completed after its batch is committed and its event published.</summary>
internal sealed class PendingWrite(WriteKind kind, string key, byte[]? value, long expectedModRevision) : PendingWork
{
    public WriteKind Kind { get; } = kind;
    public string Key { get; } = key;
    public byte[]? Value { get; } = value;
    public long ExpectedModRevision { get; } = expectedModRevision;
    public TaskCompletionSource<WriteResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public WriteResult Result;
}

/// <summary>One compaction step: revisions in (From, To], in its own transaction.</summary>
internal sealed class PendingCompaction(long from, long to) : PendingWork
{
    public long From { get; } = from;
    public long To { get; } = to;
    public TaskCompletionSource<int> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
