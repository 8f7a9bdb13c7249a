using System.Text.Json.Serialization;
using System.ComponentModel;
using System.Text.Json;
using Berth.Api.Meta;

namespace Berth.Api.Apps;

[Description("ControllerRevision implements an immutable snapshot of state data.")]
public sealed class ControllerRevision : KubeObject
{
    [Description("Data is the serialized representation of the state.")]
    [JsonPropertyOrder(1)]
    public JsonElement? Data { get; set; }
    [Description("Revision indicates the revision of the state represented by Data.")]
    [JsonPropertyOrder(1)]
    public long? Revision { get; set; }
}

public sealed class ControllerRevisionList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<ControllerRevision> Items { get; set; } = new();
}
