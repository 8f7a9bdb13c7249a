using Berth.Api.Meta;
namespace Berth.Api.Validation;
// TEMPORARY SHIM until the apimeta branch lands (deleted at merge).
public static class MetaValidation
{
    public static List<FieldError> ValidateObjectMeta(ObjectMeta meta, bool namespaced, Func<string, IReadOnlyList<string>> nameValidator, FieldPath path)
    {
        var e = new List<FieldError>();
        if (string.IsNullOrEmpty(meta.Name)) e.Add(FieldError.Required(path.Child("name"), "name or generateName is required"));
        else foreach (var m in nameValidator(meta.Name)) e.Add(FieldError.Invalid(path.Child("name"), meta.Name, m));
        return e;
    }
    public static List<FieldError> ValidateObjectMetaUpdate(ObjectMeta n, ObjectMeta o, FieldPath path) => new();
}
