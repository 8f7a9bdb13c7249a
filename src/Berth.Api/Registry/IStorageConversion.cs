using Berth.Api.Meta;

namespace Berth.Api.Registry;

/// <summary>
/// How a resource whose objects are stored in another version's shape is served (upstream: one internal version,
/// converted to each served version). events.k8s.io/v1 Events are stored as core/v1 Events, so both APIs see one
/// collection: an Event written through one is listed, watched and deleted through the other.
/// </summary>
public interface IStorageConversion
{
    /// <summary>The model type of the stored shape.</summary>
    Type StoredModelType { get; }
    /// <summary>The stored shape of an object of the served kind (a new object; the argument is not changed).</summary>
    KubeObject ToStored(KubeObject served);
    /// <summary>The served shape of a stored object (a new object; the argument is not changed).</summary>
    KubeObject FromStored(KubeObject stored);
}
