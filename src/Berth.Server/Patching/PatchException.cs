namespace Berth.Server.Patching;

/// <summary>
/// A patch could not be decoded or applied. <see cref="StatusCode"/> is the HTTP status the
/// Kubernetes API server answers with for the same failure:
/// 400 for a malformed patch document, 422 for a well-formed patch that does not apply
/// (json-patch <c>test</c> failure, missing path, lists of lists...), and 500 for the strategic
/// merge errors upstream does not classify (e.g. a missing merge key — kube-apiserver really
/// answers these as internal errors).
/// </summary>
public class PatchException : Exception
{
    public PatchException(string message, int statusCode = 422)
        : base(message)
    {
        StatusCode = statusCode;
    }

    public PatchException(string message, int statusCode, Exception inner)
        : base(message, inner)
    {
        StatusCode = statusCode;
    }

    public int StatusCode { get; }

    internal static PatchException BadRequest(string message) => new(message, 400);

    internal static PatchException Invalid(string message) => new(message, 422);

    internal static PatchException Internal(string message) => new(message, 500);
}

/// <summary>The request's patch content type is not one Berth applies (the server answers 415).</summary>
public sealed class UnsupportedPatchTypeException : Exception
{
    public UnsupportedPatchTypeException(string contentType)
        : base($"the body of the request was in an unknown format - accepted media types include: " +
               $"{string.Join(", ", PatchApplier.SupportedContentTypes)}")
    {
        ContentType = contentType;
    }

    public string ContentType { get; }
}
