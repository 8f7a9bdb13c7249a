using Berth.Api.Meta;

namespace Berth.Client;

/// <summary>metav1.ListOptions for a list.</summary>
public sealed record ListRequest
{
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }
    /// <summary>Page size; 0 or null for everything.</summary>
    public int? Limit { get; init; }
    public string? Continue { get; init; }
    public string? ResourceVersion { get; init; }
    public string? ResourceVersionMatch { get; init; }
    public int? TimeoutSeconds { get; init; }
    /// <summary>As <see cref="WatchRequest.ReadOnlyObjects"/>: the caller never changes the listed objects. Not sent over HTTP.</summary>
    public bool ReadOnlyObjects { get; init; }
}

/// <summary>metav1.ListOptions for a watch. Without a ResourceVersion (or "0") the current objects come first as Added.</summary>
public sealed record WatchRequest
{
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }
    public string? ResourceVersion { get; init; }
    public int? TimeoutSeconds { get; init; }
    public bool AllowWatchBookmarks { get; init; }
    public bool SendInitialEvents { get; init; }
    /// <summary>
    /// The caller never changes the objects it is handed (as an informer's cache): a client in the server's process
    /// may then hand every such watcher the same decoded instance of a change instead of decoding one per watcher.
    /// Not sent over HTTP.
    /// </summary>
    public bool ReadOnlyObjects { get; init; }
}

/// <summary>metav1.DeleteOptions.</summary>
public sealed record DeleteRequest
{
    public long? GracePeriodSeconds { get; init; }
    /// <summary>Orphan, Background or Foreground.</summary>
    public string? PropagationPolicy { get; init; }
    public string? PreconditionUid { get; init; }
    public string? PreconditionResourceVersion { get; init; }
    public bool DryRun { get; init; }
}

public enum PatchType { Json, Merge, StrategicMerge }

public static class PatchTypes
{
    public static string ContentType(PatchType t) => t switch
    {
        PatchType.Json => "application/json-patch+json",
        PatchType.Merge => "application/merge-patch+json",
        PatchType.StrategicMerge => "application/strategic-merge-patch+json",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };
}

/// <summary>One page of a list: the items, the list's resourceVersion (to watch from) and the continue token.</summary>
public sealed class ObjectList<T> where T : KubeObject
{
    public List<T> Items { get; init; } = new();
    public string ResourceVersion { get; init; } = "";
    public string? Continue { get; init; }
    public long? RemainingItemCount { get; init; }
}

public enum WatchEventType { Added, Modified, Deleted, Bookmark, Error }

/// <summary>One watch event. Object is set for Added/Modified/Deleted/Bookmark (a bookmark carries only metadata.resourceVersion);
/// Status is set for Error (Code 410 means the requested resourceVersion is too old: relist).</summary>
public sealed record WatchEvent<T>(WatchEventType Type, T? Object, Status? Status = null) where T : KubeObject;
