using Berth.Api.Core;
using Berth.Api.Meta;

namespace Berth.Scheduling;

/// <summary>CPU (milli-cores), memory (bytes) and pod count, as upstream's framework.Resource.</summary>
public readonly record struct Resources(long MilliCpu, long Memory)
{
    public static Resources operator +(Resources a, Resources b) => new(a.MilliCpu + b.MilliCpu, a.Memory + b.Memory);
    public static Resources Max(Resources a, Resources b) => new(Math.Max(a.MilliCpu, b.MilliCpu), Math.Max(a.Memory, b.Memory));

    /// <summary>Upstream's defaults for scoring pods that request nothing (DefaultMilliCPURequest, DefaultMemoryRequest).</summary>
    public const long DefaultMilliCpu = 100;
    public const long DefaultMemory = 200L * 1024 * 1024;

    public Resources NonZero() => new(MilliCpu == 0 ? DefaultMilliCpu : MilliCpu, Memory == 0 ? DefaultMemory : Memory);

    public static Resources Of(Dictionary<string, Quantity>? list)
    {
        if (list is null) return default;
        long cpu = list.TryGetValue("cpu", out var c) ? c.MilliValue : 0;
        long mem = list.TryGetValue("memory", out var m) ? m.Value : 0;
        return new(cpu, mem);
    }

    /// <summary>
    /// computePodResourceRequest: the sum of the containers' requests (plus restartable init containers, i.e.
    /// sidecars), at least the largest regular init container (plus the sidecars started before it), plus overhead.
    /// </summary>
    public static Resources PodRequests(Pod pod)
    {
        var spec = pod.Spec;
        if (spec is null) return default;
        Resources sum = default;
        foreach (var c in spec.Containers ?? []) sum += Of(c.Resources?.Requests);
        Resources sidecars = default, init = default;
        foreach (var c in spec.InitContainers ?? [])
        {
            var r = Of(c.Resources?.Requests);
            if (c.RestartPolicy == "Always") { sum += r; sidecars += r; }
            else init = Max(init, r + sidecars);
        }
        return Max(sum, init) + Of(spec.Overhead);
    }
}
