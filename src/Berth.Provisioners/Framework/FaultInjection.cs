using System.Diagnostics;

namespace Berth.Provisioners.Framework;

/// <summary>
/// Crash points for tests: with <c>BERTH_FAULT=&lt;point&gt;</c> in the environment the process kills itself (SIGKILL:
/// no cleanup, no flush, as a power cut or an OOM kill) when it reaches that point. Unset, a point costs one comparison.
/// </summary>
public static class FaultInjection
{
    public const string EnvironmentVariable = "BERTH_FAULT";
    /// <summary>After the provisioner created the storage, before the PV object is created.</summary>
    public const string ProvisionAfterStorage = "provision-after-storage";

    private static readonly string? Armed = Environment.GetEnvironmentVariable(EnvironmentVariable);

    public static void Hit(string point)
    {
        if (Armed is null || Armed != point) return;
        Console.Error.WriteLine($"berth: fault injected at {point}: killing the process");
        Process.GetCurrentProcess().Kill();
        Thread.Sleep(Timeout.Infinite); // the signal is on its way
    }
}
