using System.Text.Json;
using Berth.Api.Core;
using Berth.Api.Meta;

namespace Berth.Kubelet.Runc;

/// <summary>A pod's record on disk (pods/UID/pod.json): what an agent restart needs to adopt the pod.</summary>
internal sealed class PodRecord
{
    public string Uid { get; set; } = "";
    public string Namespace { get; set; } = "";
    public string Name { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public string? Ip { get; set; }
    public string? NetnsPath { get; set; }
    /// <summary>The launched pod (env already resolved by the agent).</summary>
    public Pod Pod { get; set; } = new();
    public Dictionary<string, PersistentVolume> ClaimVolumes { get; set; } = new();
}

/// <summary>A container's record on disk (pods/UID/containers/NAME/state.json), rewritten at every transition.</summary>
internal sealed class ContainerRecord
{
    public int RestartCount { get; set; }
    /// <summary>How many runs were started (the current run's log is logs/RunIndex.log).</summary>
    public int RunIndex { get; set; }
    /// <summary>The current (or last) run's runc id; empty before the first start.</summary>
    public string RunId { get; set; } = "";
    public int ShimPid { get; set; }
    public bool Running { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    /// <summary>The run that ended and was not restarted (yet).</summary>
    public ContainerTermination? Termination { get; set; }
    public ContainerTermination? LastTermination { get; set; }
    /// <summary>Upstream's per-container back-off: the current delay and when it was last raised.</summary>
    public double BackoffSeconds { get; set; }
    public DateTimeOffset? BackoffUpdated { get; set; }
    /// <summary>Set once the container ended for good (restart policy says no).</summary>
    public bool Done { get; set; }
}

internal static class StateFiles
{
    public static void Write<T>(string path, T value)
    {
        var tmp = path + ".tmp";
        File.WriteAllBytes(tmp, JsonSerializer.SerializeToUtf8Bytes(value, KubeJson.Options));
        Native.SetMode(tmp, 0x180); // resolved secrets live in pod.json
        File.Move(tmp, path, overwrite: true);
    }

    public static T? Read<T>(string path) where T : class
    {
        try { return JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), KubeJson.Options); }
        catch (Exception e) when (e is IOException or JsonException) { return null; }
    }
}
