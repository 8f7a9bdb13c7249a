using System.Net;

namespace Berth.Kubelet;

public sealed record NodeAgentOptions
{
    /// <summary>The Node object's name; default the machine's hostname, lower-cased.</summary>
    public string NodeName { get; init; } = Dns.GetHostName().ToLowerInvariant();
    /// <summary>How containers run; default a <see cref="SimulatedRuntime"/> with <see cref="StartDelay"/> and <see cref="ReadyDelay"/>.</summary>
    public IPodRuntime? Runtime { get; init; }
    /// <summary>For the default simulated runtime: time until containers run.</summary>
    public TimeSpan StartDelay { get; init; } = TimeSpan.Zero;
    /// <summary>For the default simulated runtime: time from running to ready.</summary>
    public TimeSpan ReadyDelay { get; init; } = TimeSpan.Zero;
    /// <summary>For the default simulated runtime: time containers take to exit when stopped (capped by the grace period).</summary>
    public TimeSpan StopDelay { get; init; } = TimeSpan.Zero;
    /// <summary>The node's InternalIP, also every pod's hostIP.</summary>
    public string InternalIP { get; init; } = "127.0.0.1";
    /// <summary>status.capacity.pods.</summary>
    public int MaxPods { get; init; } = 110;
    /// <summary>How often the node's Lease in kube-node-lease is renewed (kubelet: 10 s).</summary>
    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>The Lease's leaseDurationSeconds (kubelet: 40).</summary>
    public int LeaseDurationSeconds { get; init; } = 40;
    /// <summary>How often the Node's condition heartbeats are posted even if nothing changed.</summary>
    public TimeSpan NodeStatusInterval { get; init; } = TimeSpan.FromSeconds(40);
    /// <summary>Every pod is re-synced this often (kubelet: about a minute).</summary>
    public TimeSpan PodResync { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Pod sync workers (a stop waiting out a grace period does not hold one). Status writes wait on durable
    /// commits, so many pods are synced at once (the kubelet has a worker per pod).</summary>
    public int Workers { get; init; } = 16;
    public string KubeletVersion { get; init; } = "v1.32.0-berth";
    /// <summary>The kubelet API for logs, exec and port-forward (served while the agent runs, its port published in the
    /// Node's status); null serves none and publishes port 10250.</summary>
    public Streaming.KubeletServerOptions? KubeletServer { get; init; }
    /// <summary>In one process with the controllers: their informers, whose claim cache the agent then shares instead of
    /// keeping a second copy of every claim. Null (an agent on its own): the agent watches claims itself.</summary>
    public Berth.Client.InformerFactory? SharedInformers { get; init; }
}
