using Berth.Api.Meta;

namespace Berth.Client;

/// <summary>An API error: the metav1.Status the server answered with.</summary>
public sealed class ApiStatusException : Exception
{
    public ApiStatusException(Status status) : base(status.Message ?? status.Reason ?? $"API error {status.Code}") => Status = status;
    public ApiStatusException(Status status, Exception inner) : base(status.Message ?? status.Reason ?? $"API error {status.Code}", inner) => Status = status;

    public Status Status { get; }
    public int Code => Status.Code ?? 500;
    public string? Reason => Status.Reason;

    public bool IsNotFound => Code == 404 && Reason is null or "NotFound";
    public bool IsAlreadyExists => Code == 409 && Reason == "AlreadyExists";
    /// <summary>409 on a stale resourceVersion (not AlreadyExists).</summary>
    public bool IsConflict => Code == 409 && Reason != "AlreadyExists";
    public bool IsGone => Code == 410 || Reason is "Expired" or "Gone";
    public bool IsInvalid => Code == 422 && Reason is null or "Invalid";

    public static bool IsNotFoundError(Exception e) => e is ApiStatusException { IsNotFound: true };
    public static bool IsConflictError(Exception e) => e is ApiStatusException { IsConflict: true };
    public static bool IsAlreadyExistsError(Exception e) => e is ApiStatusException { IsAlreadyExists: true };

    public static ApiStatusException FromCode(int code, string reason, string message)
        => new(new Status { Outcome = "Failure", Code = code, Reason = reason, Message = message });
}
