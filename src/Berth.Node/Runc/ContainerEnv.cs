using System.Globalization;
using System.Text;
using Berth.Api.Core;
using Berth.Kubelet.Images;

namespace Berth.Kubelet.Runc;

/// <summary>A container's environment and argv as the kubelet computes them (makeEnvironmentVariables, $(VAR) expansion).</summary>
internal static class ContainerEnv
{
    public static List<KeyValuePair<string, string>> Build(Pod pod, Container c, ResolvedImage image, string podIp, string hostname)
    {
        var env = new List<KeyValuePair<string, string>>();
        void Set(string k, string v)
        {
            for (int i = 0; i < env.Count; i++)
                if (env[i].Key == k) { env[i] = new(k, v); return; }
            env.Add(new(k, v));
        }
        Set("PATH", ImageCatalog.DefaultPath);
        foreach (var (k, v) in image.Env) Set(k, v);
        Set("HOSTNAME", hostname);
        Set("HOME", "/root");
        // Container variables see the earlier ones in $(VAR) references (dependent environment variables).
        var scope = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in c.Env ?? [])
        {
            if (string.IsNullOrEmpty(e.Name)) continue;
            string value;
            if (e.ValueFrom is { } from)
            {
                if (from.FieldRef is { } f) value = FieldValue(pod, f.FieldPath ?? "", podIp);
                else if (from.ResourceFieldRef is { } r) value = ResourceValue(c, r);
                else continue; // secret/configMap keys were resolved by the agent into Value; an optional missing one is dropped
            }
            else value = Expand(e.Value ?? "", scope);
            scope[e.Name] = value;
            Set(e.Name, value);
        }
        return env;
    }

    /// <summary>The process's argv: the container's command/args over the image's entrypoint/cmd, $(VAR)s expanded.</summary>
    public static List<string> Argv(Container c, ResolvedImage image, IReadOnlyList<KeyValuePair<string, string>> env)
    {
        var vars = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in env) vars[k] = v;
        var argv = new List<string>();
        if (c.Command is { Count: > 0 })
        {
            foreach (var a in c.Command) argv.Add(Expand(a, vars));
            foreach (var a in c.Args ?? []) argv.Add(Expand(a, vars));
        }
        else
        {
            argv.AddRange(image.Entrypoint);
            if (c.Args is { Count: > 0 }) foreach (var a in c.Args) argv.Add(Expand(a, vars));
            else argv.AddRange(image.Cmd);
        }
        return image.AdjustArgs is { } adjust ? adjust(argv).ToList() : argv;
    }

    public static string FieldValue(Pod pod, string path, string podIp) => path switch
    {
        "metadata.name" => pod.Metadata.Name ?? "",
        "metadata.namespace" => pod.Metadata.Namespace ?? "",
        "metadata.uid" => pod.Metadata.Uid ?? "",
        "spec.nodeName" => pod.Spec?.NodeName ?? "",
        "spec.serviceAccountName" => pod.Spec?.ServiceAccountName ?? "",
        "status.podIP" or "status.podIPs" => podIp,
        "status.hostIP" or "status.hostIPs" => pod.Status?.HostIP ?? "127.0.0.1",
        _ when path.StartsWith("metadata.labels['", StringComparison.Ordinal) => Lookup(pod.Metadata.Labels, path["metadata.labels['".Length..^2]),
        _ when path.StartsWith("metadata.annotations['", StringComparison.Ordinal) => Lookup(pod.Metadata.Annotations, path["metadata.annotations['".Length..^2]),
        _ => "",
    };

    private static string Lookup(Dictionary<string, string>? d, string key) => d is not null && d.TryGetValue(key, out var v) ? v : "";

    private static string ResourceValue(Container c, ResourceFieldSelector r)
    {
        var res = r.Resource ?? "";
        var limits = c.Resources?.Limits;
        var requests = c.Resources?.Requests;
        var dict = res.StartsWith("requests.", StringComparison.Ordinal) ? requests : limits;
        var name = res[(res.IndexOf('.') + 1)..];
        if (dict is null || !dict.TryGetValue(name, out var q))
            return name == "cpu" ? Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture) : name == "memory" ? (HostFacts.Read().MemoryKiB * 1024).ToString(CultureInfo.InvariantCulture) : "0";
        var divisor = r.Divisor is { } d && !d.IsZero ? d : Api.Meta.Quantity.Parse("1");
        // ceil(q / divisor), as the kubelet's ExtractContainerResourceValue
        var qm = q.MilliValue;
        var dm = divisor.MilliValue;
        return ((qm + dm - 1) / dm).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Kubernetes' $(VAR) expansion: $$ escapes, unknown references stay as written.</summary>
    public static string Expand(string s, IReadOnlyDictionary<string, string> vars)
    {
        if (s.IndexOf('$') < 0) return s;
        var sb = new StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != '$' || i + 1 >= s.Length) { sb.Append(s[i]); continue; }
            if (s[i + 1] == '$') { sb.Append('$'); i++; continue; }
            if (s[i + 1] == '(')
            {
                var close = s.IndexOf(')', i + 2);
                if (close > 0)
                {
                    var name = s[(i + 2)..close];
                    if (vars.TryGetValue(name, out var v)) sb.Append(v);
                    else sb.Append(s, i, close - i + 1);
                    i = close;
                    continue;
                }
            }
            sb.Append('$');
        }
        return sb.ToString();
    }
}
