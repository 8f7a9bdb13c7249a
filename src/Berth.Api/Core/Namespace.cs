using System.Text.Json.Serialization;
using System.ComponentModel;
using Berth.Api.Meta;

namespace Berth.Api.Core;

[Description("Namespace provides a scope for Names. Use of multiple namespaces is optional.")]
public sealed class Namespace : KubeObject
{
    [Description("Spec defines the behavior of the Namespace.")]
    [JsonPropertyOrder(1)]
    public NamespaceSpec? Spec { get; set; }
    [Description("Status describes the current status of a Namespace.")]
    [JsonPropertyOrder(1)]
    public NamespaceStatus? Status { get; set; }
}

public sealed class NamespaceList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<Namespace> Items { get; set; } = new();
}

[Description("NamespaceSpec describes the attributes on a Namespace.")]
public sealed class NamespaceSpec : Extensible
{
    [Description("Finalizers is an opaque list of values that must be empty to permanently remove object from storage.")]
    public List<string>? Finalizers { get; set; }
}

[Description("NamespaceStatus is information about the current status of a Namespace.")]
public sealed class NamespaceStatus : Extensible
{
    [Description("Phase is the current lifecycle phase of the namespace: Active or Terminating.")]
    public string? Phase { get; set; }
    public List<NamespaceCondition>? Conditions { get; set; }
}

public sealed class NamespaceCondition : Extensible
{
    public string? Type { get; set; }
    public string? Status { get; set; }
    public DateTimeOffset? LastTransitionTime { get; set; }
    public string? Reason { get; set; }
    public string? Message { get; set; }
}
