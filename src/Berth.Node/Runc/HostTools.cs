using System.Diagnostics;
using System.Security.Cryptography;

namespace Berth.Kubelet.Runc;

/// <summary>
/// The host programs the process runtime needs (runc, tini, and our shim, compiled from its embedded C source with the
/// host's C compiler the first time), found once at start so that a missing one fails the start with a clear message.
/// </summary>
public sealed record HostTools(string Runc, string Tini, string Shim)
{
    public static HostTools Find(string stateDir)
    {
        var runc = Which("runc") ?? throw new InvalidOperationException("the process runtime needs runc (apt-get install runc), or run with --runtime simulated");
        var tini = File.Exists("/usr/bin/tini") ? "/usr/bin/tini" : Which("tini") ?? throw new InvalidOperationException("the process runtime needs tini (apt-get install tini), or run with --runtime simulated");
        return new HostTools(runc, tini, BuildShim(stateDir));
    }

    public static string? Which(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':'))
        {
            if (dir.Length == 0) continue;
            var p = Path.Combine(dir, name);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    private static string BuildShim(string stateDir)
    {
        using var res = typeof(HostTools).Assembly.GetManifestResourceStream("berth-shim.c") ?? throw new InvalidOperationException("berth-shim.c is not embedded");
        using var ms = new MemoryStream();
        res.CopyTo(ms);
        var source = ms.ToArray();
        var hash = Convert.ToHexStringLower(SHA256.HashData(source))[..12];
        var dir = Path.Combine(stateDir, "bin");
        var bin = Path.Combine(dir, "berth-shim-" + hash);
        if (File.Exists(bin)) return bin;
        Directory.CreateDirectory(dir);
        var cc = Which("cc") ?? Which("gcc") ?? throw new InvalidOperationException("the process runtime compiles its container shim with the host's C compiler: apt-get install gcc");
        var src = Path.Combine(dir, "berth-shim-" + hash + ".c");
        File.WriteAllBytes(src, source);
        var tmp = bin + ".tmp" + Environment.ProcessId;
        var psi = new ProcessStartInfo(cc) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-O2", "-o", tmp, src }) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("compiling the container shim failed: " + err.Trim());
        File.Move(tmp, bin, overwrite: true);
        return bin;
    }
}
