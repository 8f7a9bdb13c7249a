using System.Text;
using Berth.Api.Core;

namespace Berth.Kubelet.Runc;

/// <summary>The files the kubelet writes for every pod and binds into each container: /etc/hosts, /etc/resolv.conf, /etc/hostname.</summary>
public static class PodEtcFiles
{
    /// <summary>spec.hostname, else the pod's name (cut to a DNS label as the kubelet does).</summary>
    public static string Hostname(Pod pod)
    {
        var h = pod.Spec?.Hostname is { Length: > 0 } sh ? sh : pod.Metadata.Name ?? "pod";
        if (h.Length > 63) h = h[..63].TrimEnd('-', '.');
        return h;
    }

    /// <summary>managedHostsFileContent (pkg/kubelet/kubelet_pods.go).</summary>
    public static string Hosts(Pod pod, string ip, string clusterDomain)
    {
        var sb = new StringBuilder();
        sb.Append("# Kubernetes-managed hosts file.\n");
        sb.Append("127.0.0.1\tlocalhost\n");
        sb.Append("::1\tlocalhost ip6-localhost ip6-loopback\n");
        sb.Append("fe00::0\tip6-localnet\n");
        sb.Append("fe00::0\tip6-mcastprefix\n");
        sb.Append("fe00::1\tip6-allnodes\n");
        sb.Append("fe00::2\tip6-allrouters\n");
        var hostname = Hostname(pod);
        if (pod.Spec?.Subdomain is { Length: > 0 } sub)
            sb.Append(ip).Append('\t').Append(hostname).Append('.').Append(sub).Append('.').Append(pod.Metadata.Namespace)
              .Append(".svc.").Append(clusterDomain).Append('\t').Append(hostname).Append('\n');
        else
            sb.Append(ip).Append('\t').Append(hostname).Append('\n');
        if (pod.Spec?.HostAliases is { Count: > 0 } aliases)
        {
            sb.Append("\n# Entries added by HostAliases.\n");
            foreach (var a in aliases)
                sb.Append(a.Ip).Append('\t').Append(string.Join('\t', a.Hostnames ?? [])).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The resolver configuration for the pod's dnsPolicy (ClusterFirst unless told otherwise).</summary>
    public static string ResolvConf(Pod pod, string dnsServer, string clusterDomain)
    {
        var policy = pod.Spec?.DnsPolicy ?? "ClusterFirst";
        bool hostNetwork = pod.Spec?.HostNetwork == true;
        var servers = new List<string>();
        var searches = new List<string>();
        var options = new List<string>();
        if (policy == "Default" || (policy == "ClusterFirst" && hostNetwork))
        {
            try
            {
                foreach (var line in File.ReadLines("/etc/resolv.conf"))
                {
                    var f = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                    if (f.Length < 2) continue;
                    if (f[0] == "nameserver") servers.Add(f[1]);
                    else if (f[0] == "search") searches.AddRange(f[1..]);
                }
            }
            catch (IOException) { }
        }
        else if (policy != "None")
        {
            var ns = pod.Metadata.Namespace ?? "default";
            servers.Add(dnsServer);
            searches.AddRange([ns + ".svc." + clusterDomain, "svc." + clusterDomain, clusterDomain]);
            options.Add("ndots:5");
        }
        if (pod.Spec?.DnsConfig is { } cfg)
        {
            foreach (var s in cfg.Nameservers ?? []) if (!servers.Contains(s)) servers.Add(s);
            foreach (var s in cfg.Searches ?? []) if (!searches.Contains(s)) searches.Add(s);
            foreach (var o in cfg.Options ?? [])
            {
                if (o.Name is null) continue;
                options.RemoveAll(x => x == o.Name || x.StartsWith(o.Name + ":", StringComparison.Ordinal));
                options.Add(o.Value is null ? o.Name : o.Name + ":" + o.Value);
            }
        }
        var sb = new StringBuilder();
        if (searches.Count > 0) sb.Append("search ").Append(string.Join(' ', searches)).Append('\n');
        foreach (var s in servers) sb.Append("nameserver ").Append(s).Append('\n');
        if (options.Count > 0) sb.Append("options ").Append(string.Join(' ', options)).Append('\n');
        return sb.ToString();
    }
}
