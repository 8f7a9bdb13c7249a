namespace Berth.Kubelet.Runc;

/// <summary>One pod sandbox of the process runtime: its record, volumes, /etc files and containers.</summary>
internal sealed class ProcessPod
{
    private readonly ProcessRuntime _rt;

    public ProcessPod(ProcessRuntime rt, PodRecord record, string dir)
    {
        _rt = rt;
        Record = record;
        Dir = dir;
        Ref = new PodRef(record.Namespace, record.Name, record.Uid);
        Hostname = PodEtcFiles.Hostname(record.Pod);
    }

    public PodRecord Record { get; }
    public string Dir { get; }
    public PodRef Ref { get; }
    public string Hostname { get; }
    public Dictionary<string, HostVolume> Volumes { get; set; } = new(StringComparer.Ordinal);
    public List<ContainerRunner> InitContainers { get; } = new();
    public List<ContainerRunner> Containers { get; } = new();
    public volatile bool Terminating;

    public void Changed() => _rt.RaiseChanged(Ref);

    public ContainerRunner? Container(string name)
    {
        foreach (var c in Containers) if (c.Name == name) return c;
        foreach (var c in InitContainers) if (c.Name == name) return c;
        return null;
    }

    /// <summary>Runs the init containers one after the other, then (if they all succeeded) starts the app containers.</summary>
    public void Run() => _ = Task.Run(async () =>
    {
        foreach (var ic in InitContainers)
        {
            if (Terminating) return;
            ic.Start();
            await ic.Completion;
            if (!ic.Succeeded) return; // failed for good (restartPolicy Never), or the pod stops
        }
        if (Terminating) return;
        foreach (var c in Containers) c.Start();
        Changed();
    });

    /// <summary>Every runner, init containers first.</summary>
    public IEnumerable<ContainerRunner> All => InitContainers.Concat(Containers);

    public PodSandboxStatus Snapshot()
    {
        var list = new List<ContainerRuntimeStatus>(Containers.Count);
        foreach (var c in Containers) list.Add(c.Snapshot(Terminating));
        var inits = new List<ContainerRuntimeStatus>(InitContainers.Count);
        foreach (var c in InitContainers) inits.Add(c.Snapshot(Terminating));
        return new PodSandboxStatus { Pod = Ref, Ip = Record.Ip, CreatedAt = Record.CreatedAt, Containers = list, InitContainers = inits };
    }
}
