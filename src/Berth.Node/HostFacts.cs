using System.Globalization;
using System.Runtime.InteropServices;

namespace Berth.Kubelet;

/// <summary>What the node reports about the machine it runs on (read once; every read tolerates a missing file).</summary>
public sealed record HostFacts
{
    public int Cpus { get; init; }
    /// <summary>MemTotal in KiB (0 if unknown).</summary>
    public long MemoryKiB { get; init; }
    /// <summary>Size of the root filesystem in bytes (0 if unknown).</summary>
    public long EphemeralStorageBytes { get; init; }
    public string OsImage { get; init; } = "";
    public string KernelVersion { get; init; } = "";
    public string MachineId { get; init; } = "";
    public string BootId { get; init; } = "";
    /// <summary>GOARCH spelling: amd64, arm64…</summary>
    public string Architecture { get; init; } = "amd64";
    public string OperatingSystem { get; init; } = "linux";

    public static HostFacts Read() => new()
    {
        Cpus = Environment.ProcessorCount,
        MemoryKiB = ReadMemTotalKiB(),
        EphemeralStorageBytes = RootSize(),
        OsImage = ReadOsImage(),
        KernelVersion = ReadFirstLine("/proc/sys/kernel/osrelease") ?? Environment.OSVersion.Version.ToString(),
        MachineId = ReadFirstLine("/etc/machine-id") ?? "",
        BootId = ReadFirstLine("/proc/sys/kernel/random/boot_id") ?? "",
        Architecture = RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "amd64",
            System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
            System.Runtime.InteropServices.Architecture.X86 => "386",
            System.Runtime.InteropServices.Architecture.Arm => "arm",
            var a => a.ToString().ToLowerInvariant(),
        },
        OperatingSystem = System.OperatingSystem.IsWindows() ? "windows" : System.OperatingSystem.IsMacOS() ? "darwin" : "linux",
    };

    private static string? ReadFirstLine(string path)
    {
        try { return File.ReadLines(path).FirstOrDefault()?.Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    internal static long ParseMemTotalKiB(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
            var parts = line["MemTotal:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 0 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb)) return kb;
        }
        return 0;
    }

    private static long ReadMemTotalKiB()
    {
        try { return ParseMemTotalKiB(File.ReadLines("/proc/meminfo")); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; }
    }

    internal static string ParseOsImage(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            if (!line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal)) continue;
            return line["PRETTY_NAME=".Length..].Trim().Trim('"', '\'');
        }
        return "";
    }

    private static string ReadOsImage()
    {
        foreach (var path in new[] { "/etc/os-release", "/usr/lib/os-release" })
        {
            try
            {
                if (File.Exists(path)) return ParseOsImage(File.ReadLines(path)) is { Length: > 0 } s ? s : "Linux";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return RuntimeInformation.OSDescription;
    }

    private static long RootSize()
    {
        try { return new DriveInfo("/").TotalSize; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { return 0; }
    }
}
