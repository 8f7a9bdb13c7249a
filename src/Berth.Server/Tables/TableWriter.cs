using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Server.Storage;

namespace Berth.Server.Tables;

/// <summary>Writes meta.k8s.io/v1 Table responses (what kubectl get prints) from a kind's printer.</summary>
public static class TableWriter
{
    /// <param name="includeObject">None, Metadata (the default) or Object, as the includeObject query parameter.</param>
    public static void Write(Utf8JsonWriter w, ResourceType t, IEnumerable<CachedObject> items, string? includeObject,
        bool withColumns, DateTimeOffset now, string? resourceVersion, string? continueToken)
    {
        w.WriteStartObject();
        w.WriteString("kind", "Table");
        w.WriteString("apiVersion", "meta.k8s.io/v1");
        w.WriteStartObject("metadata");
        if (resourceVersion is not null) w.WriteString("resourceVersion", resourceVersion);
        if (continueToken is not null) w.WriteString("continue", continueToken);
        w.WriteEndObject();
        if (withColumns)
        {
            w.WriteStartArray("columnDefinitions");
            foreach (var c in t.Strategy.Columns)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("type", c.Type);
                w.WriteString("format", c.Format);
                w.WriteString("description", c.Description);
                w.WriteNumber("priority", c.Priority);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteStartArray("rows");
        foreach (var item in items) WriteRow(w, t, item, includeObject, now);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteRow(Utf8JsonWriter w, ResourceType t, CachedObject item, string? includeObject, DateTimeOffset now)
    {
        var model = item.ReadOnlyModel(t);
        w.WriteStartObject();
        w.WriteStartArray("cells");
        foreach (var cell in t.Strategy.Row(model, now))
        {
            switch (cell)
            {
                case null: w.WriteStringValue(""); break;
                case string s: w.WriteStringValue(s); break;
                case int i: w.WriteNumberValue(i); break;
                case long l: w.WriteNumberValue(l); break;
                case bool b: w.WriteBooleanValue(b); break;
                default: w.WriteStringValue(cell.ToString()); break;
            }
        }
        w.WriteEndArray();
        switch (includeObject)
        {
            case "None":
                break;
            case "Object":
                w.WritePropertyName("object");
                w.WriteRawValue(item.JsonFor(t), skipInputValidation: true);
                break;
            default:
                w.WriteStartObject("object");
                w.WriteString("kind", "PartialObjectMetadata");
                w.WriteString("apiVersion", "meta.k8s.io/v1");
                w.WritePropertyName("metadata");
                JsonSerializer.Serialize(w, model.Metadata, KubeJson.Options);
                w.WriteEndObject();
                break;
        }
        w.WriteEndObject();
    }
}
