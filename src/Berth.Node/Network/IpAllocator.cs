namespace Berth.Kubelet.Network;

/// <summary>
/// Host-local IPAM that survives crashes and restarts: one file per allocated address under <c>dir</c>, named by the
/// address and holding the pod UID. A file is created with O_EXCL (FileMode.CreateNew), so two allocations can never
/// get the same address, even across processes; the directory is the whole state, read again on start.
/// Addresses are handed out round-robin after the last one given, so a freed address is not reused at once (a
/// restarted pod gets a new IP, as upstream's host-local plugin does).
/// </summary>
public sealed class IpAllocator
{
    private const string LastFile = "last_reserved_ip";
    private readonly string _dir;
    private readonly Ipv4Cidr _cidr;
    private readonly object _lock = new();
    private readonly Dictionary<string, uint> _byPod = new(StringComparer.Ordinal);
    private readonly Dictionary<uint, string> _byIp = new();
    private uint _last;

    public IpAllocator(string dir, Ipv4Cidr cidr)
    {
        _dir = dir;
        _cidr = cidr;
        Directory.CreateDirectory(dir);
        Load();
    }

    /// <summary>Every allocation: pod UID → address.</summary>
    public IReadOnlyDictionary<string, string> Allocations
    {
        get
        {
            lock (_lock)
            {
                var d = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (pod, ip) in _byPod) d[pod] = Ipv4Cidr.Format(ip);
                return d;
            }
        }
    }

    public string? Get(string podUid)
    {
        lock (_lock) return _byPod.TryGetValue(podUid, out var ip) ? Ipv4Cidr.Format(ip) : null;
    }

    /// <summary>The pod's address: its existing allocation, or the next free one.</summary>
    public string Allocate(string podUid)
    {
        lock (_lock)
        {
            if (_byPod.TryGetValue(podUid, out var have)) return Ipv4Cidr.Format(have);
            uint size = _cidr.LastPod - _cidr.FirstPod + 1;
            uint start = _last >= _cidr.FirstPod && _last <= _cidr.LastPod ? _last : _cidr.LastPod;
            for (uint i = 1; i <= size; i++)
            {
                uint candidate = _cidr.FirstPod + (start - _cidr.FirstPod + i) % size;
                if (_byIp.ContainsKey(candidate)) continue;
                if (!TryCreate(candidate, podUid)) continue;
                _byIp[candidate] = podUid;
                _byPod[podUid] = candidate;
                _last = candidate;
                try { File.WriteAllText(Path.Combine(_dir, LastFile), Ipv4Cidr.Format(candidate)); }
                catch (IOException) { } // only a hint for round-robin order
                return Ipv4Cidr.Format(candidate);
            }
            throw new InvalidOperationException($"no free address left in pod CIDR {_cidr} ({size} addresses in use)");
        }
    }

    /// <summary>Frees the pod's address; nothing happens for a pod without one.</summary>
    public void Release(string podUid)
    {
        lock (_lock)
        {
            if (!_byPod.Remove(podUid, out var ip)) return;
            _byIp.Remove(ip);
            File.Delete(Path.Combine(_dir, Ipv4Cidr.Format(ip)));
        }
    }

    /// <summary>Frees every allocation whose pod is not <paramref name="alive"/> (its namespace is gone); returns how many.</summary>
    public int ReleaseUnless(Func<string, bool> alive)
    {
        List<string> pods;
        lock (_lock) pods = new List<string>(_byPod.Keys);
        int freed = 0;
        foreach (var p in pods)
        {
            if (alive(p)) continue;
            Release(p);
            freed++;
        }
        return freed;
    }

    private bool TryCreate(uint ip, string podUid)
    {
        var path = Path.Combine(_dir, Ipv4Cidr.Format(ip));
        try
        {
            using var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            var bytes = System.Text.Encoding.UTF8.GetBytes(podUid);
            f.Write(bytes);
            f.Flush(flushToDisk: true);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Taken by someone else (another process, or a file this one has not read): remember and move on.
            _byIp[ip] = "";
            return false;
        }
    }

    private void Load()
    {
        foreach (var path in Directory.EnumerateFiles(_dir))
        {
            var name = Path.GetFileName(path);
            if (name == LastFile)
            {
                if (Ipv4Cidr.TryParseAddress(File.ReadAllText(path).Trim(), out var last)) _last = last;
                continue;
            }
            if (!Ipv4Cidr.TryParseAddress(name, out var ip) || !_cidr.Contains(ip)) continue;
            var pod = File.ReadAllText(path).Trim();
            // An empty file is an allocation cut short by a crash between create and write: nobody holds it.
            if (pod.Length == 0 || _byPod.ContainsKey(pod)) { File.Delete(path); continue; }
            _byIp[ip] = pod;
            _byPod[pod] = ip;
        }
    }
}
