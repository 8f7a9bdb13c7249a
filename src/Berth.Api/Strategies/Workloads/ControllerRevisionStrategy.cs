using System.Text.Json;
using Berth.Api.Apps;
using Berth.Api.Registry;
using Berth.Api.Validation;

namespace Berth.Api.Strategies.Workloads;

/// <summary>apps/v1 ControllerRevision: ValidateControllerRevision(Update) and printControllerRevision.</summary>
public sealed class ControllerRevisionStrategy : ResourceStrategy<ControllerRevision>
{
    private static bool HasData(ControllerRevision r) => r.Data is { } d && d.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);

    protected override void Validate(ControllerRevision obj, List<FieldError> errors)
    {
        if (!HasData(obj)) errors.Add(FieldError.Required(FieldPath.Root.Child("data"), "data is mandatory"));
        Util.NonNegative(obj.Revision ?? 0, FieldPath.Root.Child("revision"), errors);
    }

    protected override void ValidateUpdate(ControllerRevision obj, ControllerRevision old, List<FieldError> errors)
    {
        var a = HasData(obj) ? Util.Node(obj.Data) : null;
        var b = HasData(old) ? Util.Node(old.Data) : null;
        if (!System.Text.Json.Nodes.JsonNode.DeepEquals(a, b))
            errors.Add(FieldError.Invalid(FieldPath.Root.Child("data"), new GoValue(a?.ToJsonString() ?? "null"), "field is immutable"));
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Util.NameColumn,
        new("Controller", "string", "", "Controller of the object"),
        new("Revision", "string", "", "Revision indicates the revision of the state represented by Data."),
        Util.AgeColumn,
    ];

    protected override object?[] Row(ControllerRevision obj, DateTimeOffset now)
    {
        var owner = obj.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        var controller = Printing.None;
        if (owner is not null)
        {
            var slash = owner.ApiVersion.IndexOf('/');
            var group = slash < 0 ? "" : owner.ApiVersion[..slash];
            var kind = group.Length == 0 ? owner.Kind : owner.Kind + "." + group;
            controller = kind.Length == 0 ? owner.Name : kind.ToLowerInvariant() + "/" + owner.Name;
        }
        return [obj.Metadata.Name, controller, obj.Revision ?? 0L, Printing.Age(obj.Metadata.CreationTimestamp, now)];
    }
}
