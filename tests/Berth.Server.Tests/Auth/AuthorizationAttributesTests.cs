using Berth.Server.Auth;
using Berth.Server.Authorization;
using Berth.Server.Hosting;
using Berth.Server.Storage;
using Microsoft.AspNetCore.Http;

namespace Berth.Server.Tests.Auth;

public class AuthorizationAttributesTests
{
    private static readonly Berth.Api.Registry.ResourceRegistry Registry = BuiltinRegistry.Create(new ServiceAllocator());
    private static readonly UserInfo User = Authenticator.ServiceAccountUser("default", "x");

    private static AuthorizationAttributes Of(string method, string pathAndQuery, out AuthorizationAttributes? alsoCreate)
    {
        var ctx = new DefaultHttpContext();
        ctx.Request.Method = method;
        var q = pathAndQuery.IndexOf('?');
        ctx.Request.Path = q < 0 ? pathAndQuery : pathAndQuery[..q];
        if (q >= 0) ctx.Request.QueryString = new QueryString(pathAndQuery[q..]);
        return AuthorizationAttributes.From(ctx, User, Registry, out alsoCreate);
    }

    private static AuthorizationAttributes Of(string method, string pathAndQuery) => Of(method, pathAndQuery, out _);

    [Fact]
    public void Verbs_are_mapped_as_kube_apiserver_maps_them()
    {
        Assert.Equal("list", Of("GET", "/api/v1/namespaces/default/pods").Verb);
        Assert.Equal("watch", Of("GET", "/api/v1/namespaces/default/pods?watch=true").Verb);
        Assert.Equal("get", Of("GET", "/api/v1/namespaces/default/pods/p").Verb);
        Assert.Equal("create", Of("POST", "/api/v1/namespaces/default/pods").Verb);
        Assert.Equal("update", Of("PUT", "/apis/apps/v1/namespaces/default/statefulsets/web/scale").Verb);
        Assert.Equal("patch", Of("PATCH", "/api/v1/persistentvolumes/pv1").Verb);
        Assert.Equal("delete", Of("DELETE", "/api/v1/persistentvolumes/pv1").Verb);
        Assert.Equal("deletecollection", Of("DELETE", "/api/v1/namespaces/default/pods").Verb);
        var nonResource = Of("GET", "/apis/apps/v1");
        Assert.False(nonResource.IsResourceRequest);
        Assert.Equal(("get", "/apis/apps/v1"), (nonResource.Verb, nonResource.Path));
    }

    [Fact]
    public void Names_namespaces_and_subresources_are_taken_from_the_url()
    {
        var scale = Of("PUT", "/apis/apps/v1/namespaces/default/statefulsets/web/scale");
        Assert.Equal(("apps", "statefulsets", "scale", "default", "web"), (scale.ApiGroup, scale.Resource, scale.Subresource, scale.Namespace, scale.Name));
        var token = Of("POST", "/api/v1/namespaces/ns1/serviceaccounts/sa/token");
        Assert.Equal(("create", "serviceaccounts", "token", "ns1", "sa"), (token.Verb, token.Resource, token.Subresource, token.Namespace, token.Name));
        // A namespace is a request in itself; a list by metadata.name is a request for that name.
        Assert.Equal("team", Of("GET", "/api/v1/namespaces/team").Namespace);
        Assert.Equal("mine", Of("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases?fieldSelector=metadata.name%3Dmine&watch=1").Name);
        var local = Of("POST", "/apis/authorization.k8s.io/v1/namespaces/ns1/localsubjectaccessreviews");
        Assert.Equal(("localsubjectaccessreviews", "ns1", ""), (local.Resource, local.Namespace, local.Name));
    }

    [Fact]
    public void Exec_over_a_websocket_get_also_needs_create()
    {
        var get = Of("GET", "/api/v1/namespaces/default/pods/p/exec?command=ls", out var alsoCreate);
        Assert.Equal(("get", "exec"), (get.Verb, get.Subresource));
        Assert.Equal("create", alsoCreate?.Verb);
        Of("GET", "/api/v1/namespaces/default/pods/p/log", out var none);
        Assert.Null(none);
    }
}
