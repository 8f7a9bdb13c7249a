using System.ComponentModel;
using System.Text.Json.Serialization;
using Berth.Api.Meta;

namespace Berth.Api.Events;

[Description("Event is a report of an event somewhere in the cluster. It generally denotes some state change in the system.")]
public sealed class Event : KubeObject
{
    [Description("eventTime is the time when this Event was first observed. It is required.")]
    [JsonConverter(typeof(MicroTimeConverter))]
    [JsonPropertyOrder(1)]
    public DateTimeOffset? EventTime { get; set; }
    [Description("series is data about the Event series this event represents or nil if it's a singleton Event.")]
    [JsonPropertyOrder(1)]
    public EventSeries? Series { get; set; }
    [Description("reportingController is the name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.")]
    [JsonPropertyOrder(1)]
    public string? ReportingController { get; set; }
    [Description("reportingInstance is the ID of the controller instance, e.g. `kubelet-xyzf`.")]
    [JsonPropertyOrder(1)]
    public string? ReportingInstance { get; set; }
    [Description("action is what action was taken/failed regarding to the regarding object.")]
    [JsonPropertyOrder(1)]
    public string? Action { get; set; }
    [Description("reason is why the action was taken. It is human-readable.")]
    [JsonPropertyOrder(1)]
    public string? Reason { get; set; }
    [Description("regarding contains the object this Event is about.")]
    [JsonPropertyOrder(1)]
    public ObjectReference? Regarding { get; set; }
    [Description("related is the optional secondary object for more complex actions.")]
    [JsonPropertyOrder(1)]
    public ObjectReference? Related { get; set; }
    [Description("note is a human-readable description of the status of this operation.")]
    [JsonPropertyOrder(1)]
    public string? Note { get; set; }
    [Description("type is the type of this event (Normal, Warning), new types could be added in the future.")]
    [JsonPropertyOrder(1)]
    public string? Type { get; set; }
    [Description("deprecatedSource is the deprecated field assuring backward compatibility with core.v1 Event type.")]
    [JsonPropertyOrder(1)]
    public DeprecatedEventSource? DeprecatedSource { get; set; }
    [Description("deprecatedFirstTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.")]
    [JsonPropertyOrder(1)]
    public DateTimeOffset? DeprecatedFirstTimestamp { get; set; }
    [Description("deprecatedLastTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.")]
    [JsonPropertyOrder(1)]
    public DateTimeOffset? DeprecatedLastTimestamp { get; set; }
    [Description("deprecatedCount is the deprecated field assuring backward compatibility with core.v1 Event type.")]
    [JsonPropertyOrder(1)]
    public int? DeprecatedCount { get; set; }
}

public sealed class EventList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<Event> Items { get; set; } = new();
}

[Description("EventSeries contain information on series of events.")]
public sealed class EventSeries : Extensible
{
    [Description("count is the number of occurrences in this series up to the last heartbeat time.")]
    public int? Count { get; set; }
    [Description("lastObservedTime is the time when last Event from the series was seen before last heartbeat.")]
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? LastObservedTime { get; set; }
}

/// <summary>core/v1 EventSource, as events.k8s.io carries it in deprecatedSource.</summary>
public sealed class DeprecatedEventSource : Extensible
{
    public string? Component { get; set; }
    public string? Host { get; set; }
}
