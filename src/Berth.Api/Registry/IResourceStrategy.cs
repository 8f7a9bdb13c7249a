using System.Text.Json.Nodes;
using Berth.Api.Meta;
using Berth.Api.Validation;

namespace Berth.Api.Registry;

/// <summary>
/// The per-kind rules the generic API server applies (Kubernetes' rest strategy): defaulting, validation,
/// table printing and selectable fields. The server works on JSON trees; a strategy converts to its model class.
/// </summary>
public interface IResourceStrategy
{
    Type ModelType { get; }
    /// <summary>Parses the JSON into the model (throws JsonException with a message naming the problem).</summary>
    KubeObject Decode(JsonObject json);
    JsonObject Encode(KubeObject obj);

    /// <summary>Resets fields a client may not set on create (status, as upstream's PrepareForCreate).</summary>
    void PrepareForCreate(KubeObject obj);
    /// <summary>Applies defaults (upstream's SetDefaults_*); run on every write before validation.</summary>
    void Default(KubeObject obj);
    IReadOnlyList<FieldError> ValidateCreate(KubeObject obj);
    IReadOnlyList<FieldError> ValidateUpdate(KubeObject obj, KubeObject old);

    /// <summary>The Table columns for kubectl get (priority 1 columns appear with -o wide).</summary>
    IReadOnlyList<TableColumn> Columns { get; }
    /// <summary>One Table row's cells, in the order of <see cref="Columns"/>.</summary>
    object?[] Row(KubeObject obj, DateTimeOffset now);

    /// <summary>Field-selector fields beyond metadata.name and metadata.namespace (e.g. spec.nodeName, status.phase).</summary>
    void AddSelectableFields(KubeObject obj, Dictionary<string, string> fields);

    /// <summary>For kinds with a /scale subresource: replicas and selector.</summary>
    IScaleAccessor? Scale { get; }

    /// <summary>
    /// Seconds a delete waits before the object goes (upstream's graceful deletion: pods on a node); 0 deletes at once
    /// unless finalizers hold the object.
    /// </summary>
    long GracePeriodSeconds(KubeObject obj, long? requested);

    /// <summary>True while something besides metadata.finalizers holds a deleted object (a namespace's spec.finalizers).</summary>
    bool HoldsDeletion(KubeObject obj);

    /// <summary>Changes made when deletion starts (a namespace turns Terminating).</summary>
    void PrepareForDelete(KubeObject obj);
}

public interface IScaleAccessor
{
    int GetReplicas(KubeObject obj);
    void SetReplicas(KubeObject obj, int replicas);
    int GetStatusReplicas(KubeObject obj);
    /// <summary>The selector in its string form ("app=nginx"), for Scale.status.selector.</summary>
    string GetSelector(KubeObject obj);
}

/// <summary>One column of a server-side Table (metav1.TableColumnDefinition).</summary>
public sealed record TableColumn(string Name, string Type, string Format = "", string Description = "", int Priority = 0);

/// <summary>
/// Typed base for strategies: subclasses override what their kind needs. Defaults: no validation beyond
/// what the server does for metadata, no extra columns but NAME and AGE.
/// </summary>
public abstract class ResourceStrategy<T> : IResourceStrategy where T : KubeObject
{
    public Type ModelType => typeof(T);
    public KubeObject Decode(JsonObject json) => KubeJson.Deserialize<T>(json);
    public JsonObject Encode(KubeObject obj) => KubeJson.ToNode((T)obj);

    public void PrepareForCreate(KubeObject obj) => PrepareForCreate((T)obj);
    public void Default(KubeObject obj) => Default((T)obj);
    public IReadOnlyList<FieldError> ValidateCreate(KubeObject obj) { var e = new List<FieldError>(); Validate((T)obj, e); return e; }
    public IReadOnlyList<FieldError> ValidateUpdate(KubeObject obj, KubeObject old)
    {
        var e = new List<FieldError>();
        Validate((T)obj, e);
        ValidateUpdate((T)obj, (T)old, e);
        return e;
    }
    public object?[] Row(KubeObject obj, DateTimeOffset now) => Row((T)obj, now);
    public void AddSelectableFields(KubeObject obj, Dictionary<string, string> fields) => AddSelectableFields((T)obj, fields);

    protected virtual void PrepareForCreate(T obj) { }
    protected virtual void Default(T obj) { }
    protected virtual void Validate(T obj, List<FieldError> errors) { }
    protected virtual void ValidateUpdate(T obj, T old, List<FieldError> errors) { }
    protected virtual void AddSelectableFields(T obj, Dictionary<string, string> fields) { }

    public virtual IReadOnlyList<TableColumn> Columns { get; } =
    [
        new("Name", "string", "name", "Name must be unique within a namespace."),
        new("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created."),
    ];
    protected virtual object?[] Row(T obj, DateTimeOffset now) => [obj.Metadata.Name, Printing.Age(obj.Metadata.CreationTimestamp, now)];

    public virtual IScaleAccessor? Scale => null;

    public long GracePeriodSeconds(KubeObject obj, long? requested) => GracePeriodSeconds((T)obj, requested);
    public bool HoldsDeletion(KubeObject obj) => HoldsDeletion((T)obj);
    public void PrepareForDelete(KubeObject obj) => PrepareForDelete((T)obj);
    protected virtual long GracePeriodSeconds(T obj, long? requested) => 0;
    protected virtual bool HoldsDeletion(T obj) => false;
    protected virtual void PrepareForDelete(T obj) { }
}
