using System.Net;
using Berth.Api.Core;
using Berth.Api.Registry;

namespace Berth.Server.Storage;

/// <summary>
/// Hands out cluster IPs (from 10.96.0.0/16, skipping .0.0 and .0.1 which kube-apiserver keeps for itself)
/// and node ports (30000–32767) that no existing Service uses. Recent grants are remembered for a minute so
/// that concurrent creates do not receive the same address before either is stored.
/// </summary>
public sealed class ServiceAllocator
{
    private readonly object _lock = new();
    private readonly Dictionary<string, DateTime> _recent = new();
    private ResourceStore? _store;
    private ResourceType? _services;

    public const string Cidr = "10.96.0.0/16";

    public void Attach(ResourceStore store)
    {
        _store = store;
        _services = store.Registry.ByKind("", "v1", "Service");
    }

    private List<Service> Existing()
    {
        if (_store is null || _services is null) return [];
        var result = new List<Service>();
        foreach (var o in _store.Cache.For(_services).List("")) result.Add((Service)o.ToModel(_services));
        return result;
    }

    public string? AllocateClusterIP(Service _)
    {
        lock (_lock)
        {
            Expire();
            var used = new HashSet<string>(_recent.Keys);
            foreach (var s in Existing())
                foreach (var ip in s.Spec?.ClusterIPs ?? []) used.Add(ip);
            for (int attempt = 0; attempt < 65536; attempt++)
            {
                int n = 2 + Random.Shared.Next(65534 - 2);
                var ip = new IPAddress(new byte[] { 10, 96, (byte)(n >> 8), (byte)(n & 0xff) }).ToString();
                if (used.Contains(ip)) continue;
                _recent[ip] = DateTime.UtcNow;
                return ip;
            }
            return null;
        }
    }

    public int? AllocateNodePort(Service _, ServicePort __)
    {
        lock (_lock)
        {
            Expire();
            var used = new HashSet<string>(_recent.Keys);
            foreach (var s in Existing())
                foreach (var p in s.Spec?.Ports ?? []) if (p.NodePort is int np) used.Add("port:" + np);
            for (int attempt = 0; attempt < 2768 * 4; attempt++)
            {
                int port = 30000 + Random.Shared.Next(2768);
                if (used.Contains("port:" + port)) continue;
                _recent["port:" + port] = DateTime.UtcNow;
                return port;
            }
            return null;
        }
    }

    private void Expire()
    {
        var cutoff = DateTime.UtcNow.AddMinutes(-1);
        foreach (var k in _recent.Where(kv => kv.Value < cutoff).Select(kv => kv.Key).ToList()) _recent.Remove(k);
    }
}
