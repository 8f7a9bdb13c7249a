using System.Text.Json;
using Berth.Api.Core;
using Berth.Api.Meta;

namespace Berth.Client;

/// <summary>Cache keys and copies.</summary>
public static class KubeObjects
{
    /// <summary>"namespace/name", or "name" for cluster-scoped objects (client-go's MetaNamespaceKeyFunc).</summary>
    public static string KeyOf(KubeObject obj) => obj.Metadata.CacheKey();

    public static string KeyOf(string? ns, string name) => ObjectMeta.KeyOf(ns, name);

    /// <summary>Splits a key into namespace (null for cluster-scoped) and name.</summary>
    public static (string? Namespace, string Name) SplitKey(string key)
    {
        var i = key.IndexOf('/');
        return i < 0 ? (null, key) : (key[..i], key[(i + 1)..]);
    }

    /// <summary>
    /// A status update to send: the cached object's metadata and spec, shared rather than copied, with a new status. Only
    /// for <see cref="IApiClient.UpdateStatusAsync{T}"/>, which changes nothing it is given (the in-process client copies
    /// what the store may keep, HTTP serializes); a status write need not copy a whole pod.
    /// </summary>
    public static Pod WithStatus(Pod pod, PodStatus status)
        => new() { ApiVersion = pod.ApiVersion, Kind = pod.Kind, Metadata = pod.Metadata, Spec = pod.Spec, Status = status };

    /// <inheritdoc cref="WithStatus(Pod, PodStatus)"/>
    public static PersistentVolumeClaim WithStatus(PersistentVolumeClaim claim, PersistentVolumeClaimStatus status)
        => new() { ApiVersion = claim.ApiVersion, Kind = claim.Kind, Metadata = claim.Metadata, Spec = claim.Spec, Status = status };

    /// <summary>A private copy of any serializable part of an object (a status, a spec).</summary>
    public static TPart CopyOf<TPart>(TPart part) where TPart : class
        => JsonSerializer.Deserialize<TPart>(JsonSerializer.SerializeToUtf8Bytes(part, KubeJson.Options), KubeJson.Options) ?? throw new JsonException("null");

    /// <summary>A private copy (KubeJson round trip); use before changing an object obtained from an informer cache.</summary>
    public static T DeepCopy<T>(T obj) where T : KubeObject
    {
        var type = obj.GetType();
        var bytes = JsonSerializer.SerializeToUtf8Bytes(obj, type, KubeJson.Options);
        return (T)(JsonSerializer.Deserialize(bytes, type, KubeJson.Options) ?? throw new JsonException("null"));
    }
}
