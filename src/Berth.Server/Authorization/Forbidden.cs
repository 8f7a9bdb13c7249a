using Berth.Api.Meta;
using Berth.Server.Http;

namespace Berth.Server.Authorization;

/// <summary>403 answers worded as kube-apiserver's responsewriters.Forbidden.</summary>
public static class Forbidden
{
    public static string Message(AuthorizationAttributes a)
    {
        if (!a.IsResourceRequest) return $"User \"{a.User.Name}\" cannot {a.Verb} path \"{a.Path}\"";
        var resource = a.Subresource.Length > 0 ? a.Resource + "/" + a.Subresource : a.Resource;
        return a.Namespace.Length > 0
            ? $"User \"{a.User.Name}\" cannot {a.Verb} resource \"{resource}\" in API group \"{a.ApiGroup}\" in the namespace \"{a.Namespace}\""
            : $"User \"{a.User.Name}\" cannot {a.Verb} resource \"{resource}\" in API group \"{a.ApiGroup}\" at the cluster scope";
    }

    /// <summary>errors.NewForbidden: "pods \"x\" is forbidden: …", "pods is forbidden: …", "forbidden: …" for paths.</summary>
    public static ApiException Exception(AuthorizationAttributes a)
    {
        var qualified = a.Resource.Length == 0 ? "" : a.ApiGroup.Length == 0 ? a.Resource : a.Resource + "." + a.ApiGroup;
        var subject = qualified.Length == 0 ? "forbidden" : a.Name.Length > 0 ? $"{qualified} \"{a.Name}\" is forbidden" : $"{qualified} is forbidden";
        return new ApiException(new Status
        {
            Outcome = "Failure", Code = 403, Reason = "Forbidden", Message = subject + ": " + Message(a),
            Details = new StatusDetails { Name = a.Name.Length > 0 ? a.Name : null, Group = a.ApiGroup.Length > 0 ? a.ApiGroup : null, Kind = a.Resource.Length > 0 ? a.Resource : null },
        });
    }
}
