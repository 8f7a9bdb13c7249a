using System.Text;

namespace Berth.Kubelet.Network;

/// <summary>
/// The /etc/hosts and /etc/resolv.conf a pod's containers see, as the kubelet writes them (kubelet_pods.go
/// managedHostsFileContent, dns.go): the pod's own name on its address (the FQDN first when it has a subdomain), and
/// the cluster DNS server with the search path of its namespace and ndots:5.
/// </summary>
public static class PodNameFiles
{
    public static string HostsFile(PodNetworkRequest pod, string ip, string clusterDomain)
    {
        var sb = new StringBuilder();
        sb.Append("# Kubernetes-managed hosts file.\n");
        sb.Append("127.0.0.1\tlocalhost\n");
        sb.Append("::1\tlocalhost ip6-localhost ip6-loopback\n");
        sb.Append("fe00::0\tip6-localnet\n");
        sb.Append("fe00::0\tip6-mcastprefix\n");
        sb.Append("fe00::1\tip6-allnodes\n");
        sb.Append("fe00::2\tip6-allrouters\n");
        var hostname = string.IsNullOrEmpty(pod.Hostname) ? pod.Name : pod.Hostname;
        if (!string.IsNullOrEmpty(pod.Subdomain))
            sb.Append(ip).Append('\t').Append(hostname).Append('.').Append(pod.Subdomain).Append('.').Append(pod.Namespace).Append(".svc.").Append(clusterDomain).Append('\t').Append(hostname).Append('\n');
        else
            sb.Append(ip).Append('\t').Append(hostname).Append('\n');
        return sb.ToString();
    }

    public static string ResolvConf(string podNamespace, string dnsServer, string clusterDomain)
        => $"search {podNamespace}.svc.{clusterDomain} svc.{clusterDomain} {clusterDomain}\nnameserver {dnsServer}\noptions ndots:5\n";
}
