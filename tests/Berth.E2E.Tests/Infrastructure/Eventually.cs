namespace Berth.E2E.Tests.Infrastructure;

public static class Eventually
{
    /// <summary>Polls until the kubectl output satisfies the condition, or fails with the last output.</summary>
    public static async Task<string> OutputAsync(Kubectl k, string args, Func<string, bool> ok, double seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            var r = await k.RunAsync(args);
            last = r.Output;
            if (r.ExitCode == 0 && ok(r.Stdout)) return r.Stdout;
            await Task.Delay(200);
        }
        throw new Xunit.Sdk.XunitException($"kubectl {args} never satisfied the condition; last output:\n{last}");
    }

    public static Task<string> EqualsAsync(Kubectl k, string args, string expected, double seconds = 20)
        => OutputAsync(k, args, s => s.Trim() == expected, seconds);
}
