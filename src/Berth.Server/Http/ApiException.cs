using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Api.Validation;

namespace Berth.Server.Http;

/// <summary>An API error carrying the metav1.Status that the client receives. Thrown anywhere below a handler.</summary>
public sealed class ApiException(Status status) : Exception(status.Message)
{
    public Status Status { get; } = status;
    public int Code => Status.Code ?? 500;

    private static ApiException Make(int code, string reason, string message, StatusDetails? details = null)
        => new(new Status { Outcome = "Failure", Code = code, Reason = reason, Message = message, Details = details });

    private static StatusDetails Details(ResourceType t, string? name) => new() { Name = name, Group = t.Group.Length == 0 ? null : t.Group, Kind = t.Plural };

    public static ApiException NotFound(ResourceType t, string name)
        => Make(404, "NotFound", $"{t.QualifiedResource} \"{name}\" not found", Details(t, name));

    public static ApiException NotFound(string qualifiedResource, string name)
        => Make(404, "NotFound", $"{qualifiedResource} \"{name}\" not found", new StatusDetails { Name = name, Kind = qualifiedResource });

    public static ApiException NotFoundPath(string path)
        => Make(404, "NotFound", "the server could not find the requested resource", new StatusDetails { Causes = [new StatusCause { Reason = "UnexpectedServerResponse", Message = "404 page not found" }] });

    public static ApiException AlreadyExists(ResourceType t, string name)
        => Make(409, "AlreadyExists", $"{t.QualifiedResource} \"{name}\" already exists", Details(t, name));

    public static ApiException Conflict(ResourceType t, string name, string why)
        => Make(409, "Conflict", $"Operation cannot be fulfilled on {t.QualifiedResource} \"{name}\": {why}", Details(t, name));

    /// <summary>409 Conflict on a resource named as upstream's errors.NewConflict does for subresources ("pods/binding").</summary>
    public static ApiException Conflict(string qualifiedResource, string name, string why)
        => Make(409, "Conflict", $"Operation cannot be fulfilled on {qualifiedResource} \"{name}\": {why}", new StatusDetails { Name = name, Kind = qualifiedResource });

    public const string ModifiedMessage = "the object has been modified; please apply your changes to the latest version and try again";

    public static ApiException Invalid(ResourceType t, string name, IReadOnlyList<FieldError> errors)
        => Invalid(t.QualifiedKind, t.Group, t.Kind, name, errors);

    /// <summary>422 Invalid, worded as errors.NewInvalid: "StatefulSet.apps \"web\" is invalid: [a, b]".</summary>
    public static ApiException Invalid(string qualifiedKind, string group, string kind, string name, IReadOnlyList<FieldError> errors)
    {
        var agg = errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors.Select(e => e.ToString())) + "]";
        var d = new StatusDetails { Name = name, Group = group.Length == 0 ? null : group, Kind = kind,
            Causes = errors.Select(e => new StatusCause { Reason = e.CauseReason, Message = e.Body, Field = e.Field }).ToList() };
        return Make(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {agg}", d);
    }

    /// <summary>Server-side apply's conflict: 409 Conflict with one FieldManagerConflict cause per field.</summary>
    public static ApiException ApplyConflict(string message, IReadOnlyList<(string Manager, string ApiVersion, string Field)> conflicts)
        => Make(409, "Conflict", message, new StatusDetails
        {
            Causes = conflicts.Select(c => new StatusCause { Reason = "FieldManagerConflict", Message = $"conflict with \"{c.Manager}\" using {c.ApiVersion}", Field = c.Field }).ToList(),
        });

    public static ApiException Unprocessable(string message) => Make(422, "Invalid", message);
    public static ApiException BadRequest(string message) => Make(400, "BadRequest", message);
    public static ApiException Forbidden(string message, ResourceType? t = null, string? name = null)
        => Make(403, "Forbidden", message, t is null ? null : Details(t, name));
    public static ApiException Unauthorized() => Make(401, "Unauthorized", "Unauthorized");
    public static ApiException MethodNotSupported(string resource, string verb)
        => Make(405, "MethodNotAllowed", $"{verb} is not supported on resources of kind \"{resource}\"");
    public static ApiException Gone(string message) => Make(410, "Expired", message);
    public static ApiException UnsupportedMediaType(string contentType)
        => Make(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json; got {contentType}");
    public static ApiException TooLarge(long limit) => Make(413, "RequestEntityTooLarge", $"Request entity too large: limit is {limit}");
    public static ApiException NotAcceptable(string accept) => Make(406, "NotAcceptable", $"only the following media types are accepted: application/json, application/yaml; got {accept}");
    public static ApiException Timeout(string message) => Make(504, "Timeout", message);
    public static ApiException TooManyRequests(string message) => Make(429, "TooManyRequests", message);
    public static ApiException Internal(string message) => Make(500, "InternalError", $"Internal error occurred: {message}");
}
