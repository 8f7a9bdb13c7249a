using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Api.Meta;
using Berth.Api.Registry;

namespace Berth.Server.Tests.Discovery.SampleApps
{
    [Description("Widget is a sample namespaced kind with spec, status and a scale subresource.")]
    public sealed class Widget : KubeObject
    {
        [Description("Spec is the desired state of the widget.")]
        public WidgetSpec? Spec { get; set; }
        [Description("Status is the observed state of the widget.")]
        public WidgetStatus? Status { get; set; }
    }

    [Description("WidgetSpec describes a widget.")]
    public sealed class WidgetSpec : Extensible
    {
        [Description("Replicas is the desired number of copies.")]
        public int? Replicas { get; set; }
        [Description("Selector picks the pods.")]
        public LabelSelector? Selector { get; set; }
        [Description("Parts of the widget.")]
        public List<WidgetPart>? Containers { get; set; }
        [Description("Resource limits.")]
        public Dictionary<string, Quantity>? Limits { get; set; }
        [JsonPropertyName("storageClassName")]
        public string? StorageClass { get; set; }
        [JsonIgnore]
        public string? Secret { get; set; }
        public IntOrString? MaxSurge { get; set; }
        public WidgetMode? Mode { get; set; }
        public WidgetPart? Recursive { get; set; }
    }

    [JsonConverter(typeof(JsonStringEnumConverter<WidgetMode>))]
    public enum WidgetMode { Fast, Slow }

    [Description("WidgetPart is one part.")]
    public sealed class WidgetPart : Extensible
    {
        [Description("Name of the part.")]
        public string Name { get; set; } = "";
        public string? Image { get; set; }
        public List<WidgetPart>? Children { get; set; }
    }

    public sealed class WidgetStatus : Extensible
    {
        public int Replicas { get; set; }
        public List<Condition>? Conditions { get; set; }
        public long? ObservedGeneration { get; set; }
    }

    public sealed class WidgetStrategy : ResourceStrategy<Widget> { }
}

namespace Berth.Server.Tests.Discovery.SampleCore
{
    [Description("Gadget is a sample cluster-scoped core kind.")]
    public sealed class Gadget : KubeObject
    {
        public GadgetSpec? Spec { get; set; }
    }

    public sealed class GadgetSpec : Extensible
    {
        [Description("ClaimRef points at the claim bound to this gadget.")]
        public ObjectReference? ClaimRef { get; set; }
        [Description("Capacity of the gadget.")]
        public Dictionary<string, Quantity>? Capacity { get; set; }
        public List<string>? MountOptions { get; set; }
        public byte[]? Data { get; set; }
        public DateTimeOffset? LastSeen { get; set; }
        [JsonConverter(typeof(MicroTimeConverter))]
        public DateTimeOffset? RenewTime { get; set; }
        public long Size { get; set; }
        public bool? ReadOnly { get; set; }
        public double? Ratio { get; set; }
        public JsonElement? Raw { get; set; }
        public Dictionary<string, List<string>>? Groups { get; set; }
    }

    public sealed class GadgetStrategy : ResourceStrategy<Gadget> { }
}

namespace Berth.Server.Tests.Discovery
{
    using SampleApps;
    using SampleCore;

    internal static class SampleRegistry
    {
        public static ResourceRegistry Create()
        {
            var r = new ResourceRegistry();
            r.Add(new ResourceType
            {
                Group = "", Version = "v1", Kind = "Gadget", Plural = "gadgets", Singular = "gadget",
                Namespaced = false, ShortNames = ["gd"], HasStatus = true, Strategy = new GadgetStrategy(),
            });
            r.Add(new ResourceType
            {
                Group = "apps", Version = "v1", Kind = "Widget", Plural = "widgets", Singular = "widget",
                Namespaced = true, ShortNames = ["wg"], Categories = ["all"], HasStatus = true, HasScale = true,
                Strategy = new WidgetStrategy(),
            });
            return r;
        }
    }
}
