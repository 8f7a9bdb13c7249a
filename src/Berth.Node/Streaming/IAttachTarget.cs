namespace Berth.Kubelet.Streaming;

/// <summary>
/// A runtime that can feed a running container's stdin (containers with <c>stdin: true</c>) for kubectl attach -i.
/// Attach's output comes from the container's log for every runtime; without this, attach is output-only.
/// </summary>
public interface IAttachTarget
{
    /// <summary>A writer into the container's stdin, or null when it has none (stdin: false, or not running).</summary>
    Stream? OpenStdin(string podUid, string containerName);
}
