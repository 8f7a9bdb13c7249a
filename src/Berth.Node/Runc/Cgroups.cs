namespace Berth.Kubelet.Runc;

/// <summary>
/// The host's cgroup layout, detected once: unified v2, or v1 (hybrid machines like these have memory, cpu and pids as v1
/// hierarchies under /sys/fs/cgroup/CONTROLLER). runc applies the limits either way; the agent only reads the OOM counter.
/// </summary>
internal sealed class Cgroups
{
    private readonly string _root;

    public Cgroups(string root = "/sys/fs/cgroup")
    {
        _root = root;
        Unified = File.Exists(Path.Combine(root, "cgroup.controllers")) && !Directory.Exists(Path.Combine(root, "memory"));
    }

    public bool Unified { get; }

    /// <summary>True when the kernel's OOM killer killed a process of the cgroup (read before runc deletes it).</summary>
    public bool OomKilled(string cgroupsPath)
    {
        var rel = cgroupsPath.TrimStart('/');
        var file = Unified ? Path.Combine(_root, rel, "memory.events") : Path.Combine(_root, "memory", rel, "memory.oom_control");
        try
        {
            foreach (var line in File.ReadLines(file))
                if (line.StartsWith("oom_kill ", StringComparison.Ordinal) && line.AsSpan(9).Trim() is var n && !n.SequenceEqual("0")) return true;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return false;
    }
}
