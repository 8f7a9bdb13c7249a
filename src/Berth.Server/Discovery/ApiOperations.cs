using System.Text;
using System.Text.Json.Nodes;
using Berth.Api.Registry;

namespace Berth.Server.Discovery;

internal sealed record QueryParam(string Name, string Type, string Description, string? Format = null);

internal sealed record OpResponse(string Code, string Description, string? Schema);

internal sealed record ApiOperation(
    string Method,
    string Action,
    string OperationId,
    string Description,
    (string Group, string Version, string Kind) Gvk,
    IReadOnlyList<QueryParam> Query,
    string? BodySchema,
    bool BodyRequired,
    IReadOnlyList<string> BodyContentTypes,
    IReadOnlyList<OpResponse> Responses,
    string Tag);

internal sealed record PathParam(string Name, string Description);

internal sealed record ApiPath(string Path, IReadOnlyList<PathParam> Parameters, IReadOnlyList<ApiOperation> Operations);

/// <summary>The REST operations of each resource, independent of the OpenAPI version that renders them.</summary>
internal static class ApiOperations
{
    public static readonly string[] PatchContentTypes =
    [
        "application/apply-patch+yaml",
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
    ];

    public static readonly string[] JsonContentTypes = ["application/json", "application/yaml"];

    public static readonly QueryParam Pretty = new("pretty", "string", "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).");

    private static readonly QueryParam DryRun = new("dryRun", "string", "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed");
    private static readonly QueryParam FieldManager = new("fieldManager", "string", "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.");
    private static readonly QueryParam FieldValidation = new("fieldValidation", "string", "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: silently drops unknown fields; - Warn: keeps the request and returns a warning for each unknown or duplicate field; - Strict: fails the request with a BadRequest error naming the unknown or duplicate fields.");
    private static readonly QueryParam Force = new("force", "boolean", "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.");

    private static readonly QueryParam[] ListParams =
    [
        new("allowWatchBookmarks", "boolean", "allowWatchBookmarks requests watch events with type \"BOOKMARK\". Servers may ignore it."),
        new("continue", "string", "The continue option should be set when retrieving more results from the server, with the value of the previous list response's metadata.continue."),
        new("fieldSelector", "string", "A selector to restrict the list of returned objects by their fields. Defaults to everything."),
        new("labelSelector", "string", "A selector to restrict the list of returned objects by their labels. Defaults to everything."),
        new("limit", "integer", "limit is a maximum number of responses to return for a list call. If more items exist, the server sets the continue field on the list metadata.", "int32"),
        new("resourceVersion", "string", "resourceVersion sets a constraint on what resource versions a request may be served from. Defaults to unset."),
        new("resourceVersionMatch", "string", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
        new("sendInitialEvents", "boolean", "sendInitialEvents=true may be set together with watch=true to begin the watch stream with synthetic events for the current state of all objects."),
        new("timeoutSeconds", "integer", "Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.", "int32"),
        new("watch", "boolean", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications."),
    ];

    private static readonly QueryParam[] DeleteParams =
    [
        DryRun,
        new("gracePeriodSeconds", "integer", "The duration in seconds before the object should be deleted. Zero means delete immediately.", "int32"),
        new("ignoreStoreReadErrorWithClusterBreakingPotential", "boolean", "If set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error."),
        new("orphanDependents", "boolean", "Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7."),
        new("propagationPolicy", "string", "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
    ];

    private static readonly QueryParam[] WriteParams = [DryRun, FieldManager, FieldValidation];
    private static readonly QueryParam[] PatchParams = [DryRun, FieldManager, FieldValidation, Force];

    /// <summary>"apps" → "Apps", "" → "Core", "rbac.authorization.k8s.io" → "RbacAuthorization" (as in upstream operation ids).</summary>
    public static string GroupWord(string group)
    {
        if (group.Length == 0) return "Core";
        var trimmed = group.EndsWith(".k8s.io", StringComparison.Ordinal) ? group[..^".k8s.io".Length] : group;
        var sb = new StringBuilder();
        foreach (var part in trimmed.Split('.', '-'))
            if (part.Length > 0) sb.Append(char.ToUpperInvariant(part[0])).Append(part.AsSpan(1));
        return sb.ToString();
    }

    public static string Tag(string group, string version)
    {
        var word = GroupWord(group);
        return char.ToLowerInvariant(word[0]) + word[1..] + "_" + version;
    }

    public static string Prefix(string group, string version) => group.Length == 0 ? "/api/" + version : "/apis/" + group + "/" + version;

    /// <summary>All paths of one resource. <paramref name="kindSchema"/>/<paramref name="listSchema"/> are the schema names to reference.</summary>
    public static IEnumerable<ApiPath> For(ResourceType t, string kindSchema, string listSchema, string statusSchema, string deleteOptionsSchema, string patchSchema, string scaleSchema)
    {
        var gvk = (t.Group, t.Version, t.Kind);
        var id = GroupWord(t.Group) + char.ToUpperInvariant(t.Version[0]) + t.Version[1..] + (t.Namespaced ? "Namespaced" : "") + t.Kind;
        var tag = Tag(t.Group, t.Version);
        var prefix = Prefix(t.Group, t.Version);
        var collection = t.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{t.Plural}" : $"{prefix}/{t.Plural}";
        var item = collection + "/{name}";

        var ns = new PathParam("namespace", "object name and auth scope, such as for teams and projects");
        var name = new PathParam("name", "name of the " + t.Kind);
        var collectionParams = t.Namespaced ? new[] { ns } : Array.Empty<PathParam>();
        var itemParams = t.Namespaced ? new[] { name, ns } : new[] { name };

        OpResponse[] kindOk = [new("200", "OK", kindSchema), new("201", "Created", kindSchema), new("401", "Unauthorized", null)];
        OpResponse[] okOnly = [new("200", "OK", kindSchema), new("401", "Unauthorized", null)];

        yield return new ApiPath(collection, collectionParams,
        [
            new("get", "list", "list" + id, "list or watch objects of kind " + t.Kind, gvk, ListParams, null, false, [], [new("200", "OK", listSchema), new("401", "Unauthorized", null)], tag),
            new("post", "post", "create" + id, "create a " + t.Kind, gvk, WriteParams, kindSchema, true, JsonContentTypes,
                [new("200", "OK", kindSchema), new("201", "Created", kindSchema), new("202", "Accepted", kindSchema), new("401", "Unauthorized", null)], tag),
            new("delete", "deletecollection", "deleteCollection" + id, "delete collection of " + t.Kind, gvk, [.. ListParams, .. DeleteParams], deleteOptionsSchema, false, JsonContentTypes,
                [new("200", "OK", statusSchema), new("401", "Unauthorized", null)], tag),
        ]);

        yield return new ApiPath(item, itemParams,
        [
            new("get", "get", "read" + id, "read the specified " + t.Kind, gvk, [], null, false, [], okOnly, tag),
            new("put", "put", "replace" + id, "replace the specified " + t.Kind, gvk, WriteParams, kindSchema, true, JsonContentTypes, kindOk, tag),
            new("patch", "patch", "patch" + id, "partially update the specified " + t.Kind, gvk, PatchParams, patchSchema, true, PatchContentTypes, kindOk, tag),
            new("delete", "delete", "delete" + id, "delete a " + t.Kind, gvk, DeleteParams, deleteOptionsSchema, false, JsonContentTypes,
                [new("200", "OK", kindSchema), new("202", "Accepted", kindSchema), new("401", "Unauthorized", null)], tag),
        ]);

        if (t.HasStatus)
            yield return new ApiPath(item + "/status", itemParams,
            [
                new("get", "get", "read" + id + "Status", "read status of the specified " + t.Kind, gvk, [], null, false, [], okOnly, tag),
                new("put", "put", "replace" + id + "Status", "replace status of the specified " + t.Kind, gvk, WriteParams, kindSchema, true, JsonContentTypes, kindOk, tag),
                new("patch", "patch", "patch" + id + "Status", "partially update status of the specified " + t.Kind, gvk, PatchParams, patchSchema, true, PatchContentTypes, kindOk, tag),
            ]);

        if (t.HasScale)
        {
            var scaleGvk = ("autoscaling", "v1", "Scale");
            OpResponse[] scaleOk = [new("200", "OK", scaleSchema), new("201", "Created", scaleSchema), new("401", "Unauthorized", null)];
            yield return new ApiPath(item + "/scale", [new PathParam("name", "name of the Scale"), .. collectionParams],
            [
                new("get", "get", "read" + id + "Scale", "read scale of the specified " + t.Kind, scaleGvk, [], null, false, [], [new("200", "OK", scaleSchema), new("401", "Unauthorized", null)], tag),
                new("put", "put", "replace" + id + "Scale", "replace scale of the specified " + t.Kind, scaleGvk, WriteParams, scaleSchema, true, JsonContentTypes, scaleOk, tag),
                new("patch", "patch", "patch" + id + "Scale", "partially update scale of the specified " + t.Kind, scaleGvk, PatchParams, patchSchema, true, PatchContentTypes, scaleOk, tag),
            ]);
        }

        if (t.Namespaced)
            yield return new ApiPath($"{prefix}/{t.Plural}", [],
            [
                new("get", "list", "list" + GroupWord(t.Group) + char.ToUpperInvariant(t.Version[0]) + t.Version[1..] + t.Kind + "ForAllNamespaces",
                    "list or watch objects of kind " + t.Kind, gvk, ListParams, null, false, [], [new("200", "OK", listSchema), new("401", "Unauthorized", null)], tag),
            ]);
    }

    public static JsonObject GvkNode((string Group, string Version, string Kind) gvk) => SchemaGenerator.Gvk(gvk.Group, gvk.Version, gvk.Kind);
}
