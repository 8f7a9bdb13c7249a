using Berth.Api.Core;

namespace Berth.Kubelet;

/// <summary>
/// A pod with everything a runtime needs that only the API knows, resolved by the agent: the runtime itself never talks
/// to the API. <see cref="Pod"/> is a copy whose containers' <c>env</c> already holds plain values for
/// secretKeyRef/configMapKeyRef and the expanded <c>envFrom</c> entries (fieldRef and resourceFieldRef stay: the runtime
/// knows the pod's IP and limits).
/// </summary>
public sealed record PodLaunch(Pod Pod)
{
    /// <summary>For each persistentVolumeClaim volume (by volume name): the PersistentVolume its claim is bound to.</summary>
    public IReadOnlyDictionary<string, PersistentVolume> ClaimVolumes { get; init; } = new Dictionary<string, PersistentVolume>();

    /// <summary>For each configMap, secret, projected and downwardAPI volume (by volume name): the files it holds.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<VolumeFile>> VolumeFiles { get; init; } = new Dictionary<string, IReadOnlyList<VolumeFile>>();
}

/// <summary>One file of a projected-style volume: a relative path, its content and its mode (e.g. 0644).</summary>
public sealed record VolumeFile(string Path, byte[] Content, int Mode);
