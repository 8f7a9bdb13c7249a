namespace Berth.Server.Hosting;

public sealed record ServerOptions
{
    public required string DataDir { get; init; }
    /// <summary>host:port to serve HTTPS on; port 0 picks a free one.</summary>
    public string Listen { get; init; } = "127.0.0.1:6443";
    /// <summary>"process" (real isolated processes) or "simulated".</summary>
    public string Runtime { get; init; } = "simulated";
    public bool DefaultStorageClass { get; init; } = true;
}

/// <summary>A reason the server cannot start, printed as one line before a non-zero exit.</summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
