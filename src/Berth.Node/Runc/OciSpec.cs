using System.Text.Json.Nodes;

namespace Berth.Kubelet.Runc;

/// <summary>One bind mount into a container.</summary>
public sealed record BindMount(string Source, string Destination, bool ReadOnly);

/// <summary>What goes into one container run's OCI config.json.</summary>
internal sealed record OciRun
{
    public required string RootFs { get; init; }
    public required IReadOnlyList<string> Args { get; init; }
    public required IReadOnlyList<string> Env { get; init; }
    public required string Cwd { get; init; }
    public required string Hostname { get; init; }
    /// <summary>The network namespace to join; null shares the host's (hostNetwork).</summary>
    public string? NetnsPath { get; init; }
    public required string CgroupsPath { get; init; }
    public long? MemoryLimitBytes { get; init; }
    public long? CpuLimitMillis { get; init; }
    public long? CpuRequestMillis { get; init; }
    public long Uid { get; init; }
    public long Gid { get; init; }
    public bool Privileged { get; init; }
    /// <summary>Host directories hidden from the container (the agent's state).</summary>
    public IReadOnlyList<string> Masked { get; init; } = [];
    public IReadOnlyList<BindMount> Binds { get; init; } = [];
    /// <summary>tmpfs mounts (container path, size in bytes or 0).</summary>
    public IReadOnlyList<(string Path, long Size)> Tmpfs { get; init; } = [];
}

/// <summary>Writes the OCI runtime spec (1.0) runc reads: the shape of `runc spec`, with Kubernetes' choices.</summary>
internal static class OciSpec
{
    // Docker's (and containerd's CRI plugin's) default capability set.
    private static readonly string[] DefaultCaps =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    private static readonly string[] AllCaps =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
        "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
    ];

    public static JsonObject Build(OciRun r)
    {
        var caps = new JsonArray();
        foreach (var c in r.Privileged ? AllCaps : DefaultCaps) caps.Add(c);
        var mounts = new JsonArray
        {
            Mount("/proc", "proc", "proc", []),
            Mount("/dev", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            Mount("/dev/pts", "devpts", "devpts", ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
            Mount("/dev/shm", "tmpfs", "shm", ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
            Mount("/dev/mqueue", "mqueue", "mqueue", ["nosuid", "noexec", "nodev"]),
            Mount("/sys", "sysfs", "sysfs", ["nosuid", "noexec", "nodev", "ro"]),
        };
        foreach (var m in r.Masked) mounts.Add(Mount(m, "tmpfs", "tmpfs", ["nosuid", "nodev", "noexec", "ro", "size=4k"]));
        foreach (var (path, size) in r.Tmpfs)
            mounts.Add(Mount(path, "tmpfs", "tmpfs", size > 0 ? ["nosuid", "nodev", "mode=1777", "size=" + size] : ["nosuid", "nodev", "mode=1777"]));
        foreach (var b in r.Binds)
            mounts.Add(Mount(b.Destination, "bind", b.Source, b.ReadOnly ? ["rbind", "ro", "rprivate"] : ["rbind", "rw", "rprivate"]));

        var env = new JsonArray();
        foreach (var e in r.Env) env.Add(e);
        var args = new JsonArray();
        foreach (var a in r.Args) args.Add(a);

        var namespaces = new JsonArray
        {
            new JsonObject { ["type"] = "pid" },
            new JsonObject { ["type"] = "ipc" },
            new JsonObject { ["type"] = "mount" },
        };
        if (r.NetnsPath is not null)
        {
            namespaces.Add(new JsonObject { ["type"] = "uts" });
            namespaces.Add(new JsonObject { ["type"] = "network", ["path"] = r.NetnsPath });
        }

        var resources = new JsonObject { ["devices"] = new JsonArray { new JsonObject { ["allow"] = false, ["access"] = "rwm" } } };
        if (r.MemoryLimitBytes is { } mem) resources["memory"] = new JsonObject { ["limit"] = mem };
        var cpu = new JsonObject();
        if (r.CpuLimitMillis is { } lim and > 0) { cpu["quota"] = Math.Max(1000, lim * 100); cpu["period"] = 100000; }
        if (r.CpuRequestMillis is { } req and > 0) cpu["shares"] = Math.Max(2, req * 1024 / 1000);
        if (cpu.Count > 0) resources["cpu"] = cpu;

        var linux = new JsonObject
        {
            ["resources"] = resources,
            ["cgroupsPath"] = r.CgroupsPath,
            ["namespaces"] = namespaces,
            ["maskedPaths"] = Strings("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"),
            ["readonlyPaths"] = Strings("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"),
        };
        if (r.Privileged) { linux.Remove("maskedPaths"); linux.Remove("readonlyPaths"); }

        var spec = new JsonObject
        {
            ["ociVersion"] = "1.0.2",
            ["process"] = new JsonObject
            {
                ["terminal"] = false,
                ["user"] = new JsonObject { ["uid"] = r.Uid, ["gid"] = r.Gid },
                ["args"] = args,
                ["env"] = env,
                ["cwd"] = r.Cwd,
                ["capabilities"] = new JsonObject
                {
                    ["bounding"] = caps.DeepClone(), ["effective"] = caps.DeepClone(), ["permitted"] = caps.DeepClone(),
                },
                ["noNewPrivileges"] = false,
            },
            ["root"] = new JsonObject { ["path"] = r.RootFs, ["readonly"] = false },
            ["mounts"] = mounts,
            ["linux"] = linux,
        };
        if (r.NetnsPath is not null) spec["hostname"] = r.Hostname;
        return spec;
    }

    private static JsonArray Strings(params string[] s)
    {
        var a = new JsonArray();
        foreach (var x in s) a.Add(x);
        return a;
    }

    private static JsonObject Mount(string dest, string type, string source, string[] options)
    {
        var m = new JsonObject { ["destination"] = dest, ["type"] = type, ["source"] = source };
        if (options.Length > 0) m["options"] = Strings(options);
        return m;
    }
}
