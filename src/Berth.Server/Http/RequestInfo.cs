namespace Berth.Server.Http;

/// <summary>
/// What a resource URL names, parsed like k8s.io/apiserver's RequestInfoFactory:
/// /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]] and /apis/{group}/{version}/...
/// </summary>
public sealed record RequestInfo(string Group, string Version, string Resource, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>Parses a resource path; returns null for paths that are not resource paths (discovery, health...).</summary>
    public static RequestInfo? Parse(string path, Func<string, string, string, bool> isNamespacedResource)
    {
        var parts = path.Trim('/').Split('/');
        int i;
        string group, version;
        if (parts.Length >= 3 && parts[0] == "api") { group = ""; version = parts[1]; i = 2; }
        else if (parts.Length >= 4 && parts[0] == "apis") { group = parts[1]; version = parts[2]; i = 3; }
        else return null;

        var rest = parts.AsSpan(i);
        foreach (var p in rest) if (p.Length == 0) return null;
        // /namespaces/{ns}/{resource}/... is a namespaced request unless {resource} is a subresource of the namespace itself.
        if (rest.Length >= 3 && rest[0] == "namespaces" && isNamespacedResource(group, version, rest[2]))
        {
            var ns = rest[1];
            var r = rest[2..];
            return r.Length switch
            {
                1 => new RequestInfo(group, version, r[0], ns, null, null),
                2 => new RequestInfo(group, version, r[0], ns, r[1], null),
                3 => new RequestInfo(group, version, r[0], ns, r[1], r[2]),
                _ => null,
            };
        }
        return rest.Length switch
        {
            1 => new RequestInfo(group, version, rest[0], null, null, null),
            2 => new RequestInfo(group, version, rest[0], null, rest[1], null),
            3 => new RequestInfo(group, version, rest[0], null, rest[1], rest[2]),
            _ => null,
        };
    }
}
