using System.Globalization;
using System.Text;
using Berth.Api.Core;
using Berth.Server.Storage;
using Microsoft.AspNetCore.Http;

namespace Berth.Server.Http;

/// <summary>
/// The pods/log, pods/exec, pods/attach and pods/portforward subresources (kube-apiserver's connect REST): the pod and container are
/// checked here, with upstream's messages, then the request goes to the kubelet of the pod's node (its InternalIP and
/// status.daemonEndpoints.kubeletEndpoint.Port) through <see cref="KubeletProxy"/>.
/// </summary>
public sealed class PodStreamingHandler(ResourceStore store, KubeletProxy? proxy)
{
    /// <summary>The subresources served here (for discovery), with their verbs and response kinds as kube-apiserver lists them.</summary>
    public static readonly (string Name, string Kind, string[] Verbs)[] Subresources =
    [
        ("attach", "PodAttachOptions", ["create", "get"]),
        ("exec", "PodExecOptions", ["create", "get"]),
        ("log", "Pod", ["get"]),
        ("portforward", "PodPortForwardOptions", ["create", "get"]),
    ];

    private static readonly string[] LogParams = ["follow", "previous", "timestamps", "sinceSeconds", "sinceTime", "tailLines", "limitBytes"];
    private static readonly string[] ExecParams = ["command", "stdin", "stdout", "stderr", "tty"];
    private static readonly string[] AttachParams = ["stdin", "stdout", "stderr", "tty"];

    /// <summary>Handles /api/v1/namespaces/{ns}/pods/{name}/(log|exec|attach|portforward); false for any other path.</summary>
    public async Task<bool> TryHandleAsync(HttpContext ctx)
    {
        var parts = (ctx.Request.Path.Value ?? "").Trim('/').Split('/');
        if (parts.Length != 7 || parts[0] != "api" || parts[1] != "v1" || parts[2] != "namespaces" || parts[4] != "pods") return false;
        var sub = parts[6];
        if (sub is not ("log" or "exec" or "attach" or "portforward")) return false;
        var (ns, name) = (parts[3], parts[5]);
        var method = ctx.Request.Method;
        if (sub == "log" ? method != "GET" : method is not ("GET" or "POST"))
            throw ApiException.MethodNotSupported("pods/" + sub, method == "GET" ? "get" : "create");

        var podType = store.Registry.ByPath("", "v1", "pods")!;
        var pod = (Pod)await store.GetAsync(podType, ns, name, ctx.RequestAborted);
        var q = ctx.Request.Query;
        string path;
        switch (sub)
        {
            case "log":
            {
                var container = ValidateContainer(q["container"].ToString(), pod);
                if (string.IsNullOrEmpty(pod.Spec?.NodeName))
                {
                    // Not scheduled yet: nothing has run, so the log is empty (as kube-apiserver answers).
                    ctx.Response.ContentType = "text/plain";
                    return true;
                }
                path = $"/containerLogs/{Escape(ns)}/{Escape(name)}/{Escape(container)}" + Query(q, LogParams);
                break;
            }
            case "exec":
            {
                var container = ValidateContainer(q["container"].ToString(), pod);
                if (q["command"].Count == 0) throw ApiException.BadRequest("you must specify at least 1 command");
                RequireHost(pod, name);
                path = $"/exec/{Escape(ns)}/{Escape(name)}/{Escape(container)}" + Query(q, ExecParams);
                break;
            }
            case "attach":
            {
                var container = ValidateContainer(q["container"].ToString(), pod);
                RequireHost(pod, name);
                path = $"/attach/{Escape(ns)}/{Escape(name)}/{Escape(container)}" + Query(q, AttachParams);
                break;
            }
            default:
                RequireHost(pod, name);
                path = $"/portForward/{Escape(ns)}/{Escape(name)}" + Query(q, ["ports"]);
                break;
        }
        if (proxy is null) throw ApiException.BadRequest($"pods/{sub} is not available: this server has no kubelet client");
        var target = await KubeletUrlAsync(pod.Spec!.NodeName!, ctx.RequestAborted);
        await proxy.ForwardAsync(ctx, new Uri(target + path));
        return true;
    }

    private static void RequireHost(Pod pod, string name)
    {
        if (string.IsNullOrEmpty(pod.Spec?.NodeName)) throw ApiException.BadRequest($"pod {name} does not have a host assigned");
    }

    /// <summary>The container a request means: the named one (which must exist), or the only one.</summary>
    public static string ValidateContainer(string container, Pod pod)
    {
        var name = pod.Metadata.Name;
        var all = new List<string>();
        foreach (var c in pod.Spec?.InitContainers ?? []) if (c.Name is { } n) all.Add(n);
        foreach (var c in pod.Spec?.Containers ?? []) if (c.Name is { } n) all.Add(n);
        foreach (var c in pod.Spec?.EphemeralContainers ?? []) if (c.Name is { } n) all.Add(n);
        if (container.Length == 0)
        {
            var main = pod.Spec?.Containers ?? [];
            if (main.Count == 1 && main[0].Name is { } only) return only;
            if (main.Count == 0) throw ApiException.BadRequest($"a container name must be specified for pod {name}");
            throw ApiException.BadRequest($"a container name must be specified for pod {name}, choose one of: [{string.Join(" ", all)}]");
        }
        if (!all.Contains(container)) throw ApiException.BadRequest($"container {container} is not valid for pod {name}");
        return container;
    }

    /// <summary>https://{InternalIP}:{kubelet port} of a node.</summary>
    private async Task<string> KubeletUrlAsync(string nodeName, CancellationToken ct)
    {
        var nodeType = store.Registry.ByPath("", "v1", "nodes")!;
        var node = await store.TryGetAsync<Node>(nodeType, null, nodeName, ct)
            ?? throw ApiException.NotFound(nodeType, nodeName);
        string? address = null;
        foreach (var a in node.Status?.Addresses ?? [])
            if (a.Type == "InternalIP" && a.Address is { Length: > 0 }) { address = a.Address; break; }
        var port = node.Status?.DaemonEndpoints?.KubeletEndpoint?.Port ?? 0;
        if (address is null || port <= 0) throw ApiException.BadRequest($"node {nodeName} has no kubelet endpoint");
        if (address.Contains(':')) address = "[" + address + "]";
        return $"https://{address}:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    private static string Escape(string s) => Uri.EscapeDataString(s);

    /// <summary>The query parameters the kubelet understands, in their order, repeated values kept (command=…&amp;command=…).</summary>
    private static string Query(IQueryCollection q, string[] names)
    {
        var sb = new StringBuilder();
        foreach (var n in names)
            foreach (var v in q[n])
            {
                sb.Append(sb.Length == 0 ? '?' : '&').Append(n).Append('=').Append(Escape(v ?? ""));
            }
        return sb.ToString();
    }
}
