using System.ComponentModel;
using System.Text.Json.Serialization;
using Berth.Api.Meta;

namespace Berth.Api.Core;

[Description("Event is a report of an event somewhere in the cluster.")]
public sealed class Event : KubeObject
{
    [Description("The object that this event is about.")]
    [JsonPropertyOrder(1)]
    public ObjectReference? InvolvedObject { get; set; }
    [Description("This should be a short, machine understandable string that gives the reason for the transition into the object's current status.")]
    [JsonPropertyOrder(1)]
    public string? Reason { get; set; }
    [Description("A human-readable description of the status of this operation.")]
    [JsonPropertyOrder(1)]
    public string? Message { get; set; }
    [Description("The component reporting this event. Should be a short machine understandable string.")]
    [JsonPropertyOrder(1)]
    public EventSource? Source { get; set; }
    [Description("The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)")]
    [JsonPropertyOrder(1)]
    public DateTimeOffset? FirstTimestamp { get; set; }
    [Description("The time at which the most recent occurrence of this event was recorded.")]
    [JsonPropertyOrder(1)]
    public DateTimeOffset? LastTimestamp { get; set; }
    [Description("The number of times this event has occurred.")]
    [JsonPropertyOrder(1)]
    public int? Count { get; set; }
    [Description("Type of this event (Normal, Warning), new types could be added in the future")]
    [JsonPropertyOrder(1)]
    public string? Type { get; set; }
    [Description("Time when this Event was first observed.")]
    [JsonConverter(typeof(MicroTimeConverter))]
    [JsonPropertyOrder(1)]
    public DateTimeOffset? EventTime { get; set; }
    [Description("Data about the Event series this event represents or nil if it's a singleton Event.")]
    [JsonPropertyOrder(1)]
    public EventSeries? Series { get; set; }
    [Description("What action was taken/failed regarding to the Regarding object.")]
    [JsonPropertyOrder(1)]
    public string? Action { get; set; }
    [Description("Optional secondary object for more complex actions.")]
    [JsonPropertyOrder(1)]
    public ObjectReference? Related { get; set; }
    [Description("Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.")]
    [JsonPropertyOrder(1)]
    public string? ReportingComponent { get; set; }
    [Description("ID of the controller instance, e.g. `kubelet-xyzf`.")]
    [JsonPropertyOrder(1)]
    public string? ReportingInstance { get; set; }
}

public sealed class EventList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<Event> Items { get; set; } = new();
}

[Description("EventSource contains information for an event.")]
public sealed class EventSource : Extensible
{
    [Description("Component from which the event is generated.")]
    public string? Component { get; set; }
    [Description("Node name on which the event is generated.")]
    public string? Host { get; set; }
}

[Description("EventSeries contain information on series of events, i.e. thing that was/is happening continuously for some time.")]
public sealed class EventSeries : Extensible
{
    [Description("Number of occurrences in this series up to the last heartbeat time")]
    public int? Count { get; set; }
    [Description("Time of the last occurrence observed")]
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? LastObservedTime { get; set; }
}
