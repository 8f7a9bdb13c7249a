using System.Globalization;
using System.Text;

namespace Berth.Api.Validation;

/// <summary>The kinds of field error, with the texts and Status reasons Kubernetes uses (apimachinery/pkg/util/validation/field).</summary>
public enum FieldErrorType { NotFound, Required, Duplicate, Invalid, NotSupported, Forbidden, TooLong, TooMany, Internal, TypeInvalid }

/// <summary>One validation error on one field, printed exactly like Kubernetes' field.Error.</summary>
public sealed record FieldError(FieldErrorType Type, string Field, object? BadValue, string Detail)
{
    public static FieldError Required(string field, string detail = "") => new(FieldErrorType.Required, field, null, detail);
    public static FieldError Invalid(string field, object? value, string detail) => new(FieldErrorType.Invalid, field, value, detail);
    public static FieldError Forbidden(string field, string detail) => new(FieldErrorType.Forbidden, field, null, detail);
    public static FieldError Duplicate(string field, object? value) => new(FieldErrorType.Duplicate, field, value, "");
    public static FieldError NotFound(string field, object? value) => new(FieldErrorType.NotFound, field, value, "");
    public static FieldError TooLong(string field, object? value, int max) => new(FieldErrorType.TooLong, field, value, $"may not be more than {max} bytes");
    public static FieldError TooMany(string field, int actual, int max) => new(FieldErrorType.TooMany, field, actual, $"must have at most {max} items");

    /// <summary>Unsupported value with the sorted, quoted list of supported values, as field.NotSupported prints it.</summary>
    public static FieldError NotSupported(string field, object? value, IEnumerable<string> supported)
    {
        var quoted = supported.Select(s => "\"" + s + "\"");
        return new(FieldErrorType.NotSupported, field, value, "supported values: " + string.Join(", ", quoted));
    }

    public string TypeText => Type switch
    {
        FieldErrorType.NotFound => "Not found",
        FieldErrorType.Required => "Required value",
        FieldErrorType.Duplicate => "Duplicate value",
        FieldErrorType.Invalid => "Invalid value",
        FieldErrorType.NotSupported => "Unsupported value",
        FieldErrorType.Forbidden => "Forbidden",
        FieldErrorType.TooLong => "Too long",
        FieldErrorType.TooMany => "Too many",
        FieldErrorType.Internal => "Internal error",
        FieldErrorType.TypeInvalid => "Invalid value",
        _ => "Invalid value",
    };

    /// <summary>StatusCause.reason for this error (metav1.CauseType).</summary>
    public string CauseReason => Type switch
    {
        FieldErrorType.NotFound => "FieldValueNotFound",
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.Duplicate => "FieldValueDuplicate",
        FieldErrorType.Invalid => "FieldValueInvalid",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.TooMany => "FieldValueTooMany",
        FieldErrorType.Internal => "InternalError",
        FieldErrorType.TypeInvalid => "FieldValueTypeInvalid",
        _ => "FieldValueInvalid",
    };

    /// <summary>The error without its field path (field.Error.ErrorBody).</summary>
    public string Body
    {
        get
        {
            var sb = new StringBuilder(TypeText);
            switch (Type)
            {
                case FieldErrorType.Required:
                case FieldErrorType.Forbidden:
                case FieldErrorType.TooLong:
                case FieldErrorType.Internal:
                    break;
                default:
                    sb.Append(": ").Append(FormatValue(BadValue));
                    break;
            }
            if (Detail.Length > 0) sb.Append(": ").Append(Detail);
            return sb.ToString();
        }
    }

    public override string ToString() => Field.Length == 0 ? Body : $"{Field}: {Body}";

    /// <summary>Formats a bad value as Go's %q (strings), %d (integers) or %v (others).</summary>
    public static string FormatValue(object? v) => v switch
    {
        null => "null",
        string s => Quote(s),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    /// <summary>Go's strconv.Quote for the printable subset we produce.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"').ToString();
    }
}

/// <summary>Builds field paths the way field.Path prints them: "spec.containers[0].name", "metadata.labels[app]".</summary>
public readonly record struct FieldPath(string Value)
{
    public static readonly FieldPath Root = new("");
    public FieldPath Child(string name) => new(Value.Length == 0 ? name : Value + "." + name);
    public FieldPath Index(int i) => new(Value + "[" + i.ToString(CultureInfo.InvariantCulture) + "]");
    public FieldPath Key(string k) => new(Value + "[" + k + "]");
    public override string ToString() => Value;
    public static implicit operator string(FieldPath p) => p.Value;
}
