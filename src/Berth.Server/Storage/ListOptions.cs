namespace Berth.Server.Storage;

/// <summary>The query of a list or watch (metav1.ListOptions, the parts Berth honours).</summary>
public sealed record ListOptions
{
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }
    public int Limit { get; init; }
    public string? Continue { get; init; }
    public string? ResourceVersion { get; init; }
    public string? ResourceVersionMatch { get; init; }
    public int? TimeoutSeconds { get; init; }
    public bool AllowWatchBookmarks { get; init; }
    public bool SendInitialEvents { get; init; }
}

/// <summary>metav1.DeleteOptions, the parts Berth honours.</summary>
public sealed record DeleteOptions
{
    public long? GracePeriodSeconds { get; init; }
    public string? PropagationPolicy { get; init; }
    public bool? OrphanDependents { get; init; }
    public string? PreconditionUid { get; init; }
    public string? PreconditionResourceVersion { get; init; }
    public bool DryRun { get; init; }
}

public sealed record ListResult(List<CachedObject> Items, long Revision, string? Continue, long? RemainingItemCount);
