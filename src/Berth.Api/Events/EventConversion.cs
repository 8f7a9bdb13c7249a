using Berth.Api.Registry;
using Core = Berth.Api.Core;
using Meta = Berth.Api.Meta;

namespace Berth.Api.Events;

/// <summary>
/// events.k8s.io/v1 ↔ core/v1 Event, field for field as upstream's conversion (pkg/apis/events/v1): regarding =
/// involvedObject, note = message, reportingController = reportingComponent, deprecatedSource/FirstTimestamp/
/// LastTimestamp/Count = source/firstTimestamp/lastTimestamp/count; the rest keep their names.
/// </summary>
public sealed class EventConversion : IStorageConversion
{
    public static readonly EventConversion Instance = new();

    public Type StoredModelType => typeof(Core.Event);

    public Meta.KubeObject ToStored(Meta.KubeObject served)
    {
        var e = (Event)served;
        return new Core.Event
        {
            ApiVersion = "v1", Kind = "Event", Metadata = e.Metadata,
            InvolvedObject = e.Regarding, Related = e.Related, Reason = e.Reason, Message = e.Note, Type = e.Type, Action = e.Action,
            EventTime = e.EventTime, ReportingComponent = e.ReportingController, ReportingInstance = e.ReportingInstance,
            Series = e.Series is { } s ? new Core.EventSeries { Count = s.Count, LastObservedTime = s.LastObservedTime } : null,
            Source = e.DeprecatedSource is { } src ? new Core.EventSource { Component = src.Component, Host = src.Host } : null,
            FirstTimestamp = e.DeprecatedFirstTimestamp, LastTimestamp = e.DeprecatedLastTimestamp, Count = e.DeprecatedCount,
        };
    }

    public Meta.KubeObject FromStored(Meta.KubeObject stored)
    {
        var e = (Core.Event)stored;
        return new Event
        {
            ApiVersion = "events.k8s.io/v1", Kind = "Event", Metadata = e.Metadata,
            Regarding = e.InvolvedObject, Related = e.Related, Reason = e.Reason, Note = e.Message, Type = e.Type, Action = e.Action,
            EventTime = e.EventTime, ReportingController = e.ReportingComponent, ReportingInstance = e.ReportingInstance,
            Series = e.Series is { } s ? new EventSeries { Count = s.Count, LastObservedTime = s.LastObservedTime } : null,
            DeprecatedSource = e.Source is { } src ? new DeprecatedEventSource { Component = src.Component, Host = src.Host } : null,
            DeprecatedFirstTimestamp = e.FirstTimestamp, DeprecatedLastTimestamp = e.LastTimestamp, DeprecatedCount = e.Count,
        };
    }
}
