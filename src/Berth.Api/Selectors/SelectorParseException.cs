namespace Berth.Api.Selectors;

/// <summary>A label or field selector (or a LabelSelector struct) that cannot be parsed or converted.
/// The message is upstream's error text; the server answers 400 BadRequest with it.</summary>
public sealed class SelectorParseException(string message) : Exception(message)
{
}

/// <summary>selection.Operator, with the strings upstream uses.</summary>
public enum SelectorOperator
{
    DoesNotExist,
    Equals,
    DoubleEquals,
    In,
    NotEquals,
    NotIn,
    Exists,
    GreaterThan,
    LessThan,
}

public static class SelectorOperators
{
    /// <summary>The selection.Operator string: "!", "=", "==", "in", "!=", "notin", "exists", "gt", "lt".</summary>
    public static string Text(this SelectorOperator op) => op switch
    {
        SelectorOperator.DoesNotExist => "!",
        SelectorOperator.Equals => "=",
        SelectorOperator.DoubleEquals => "==",
        SelectorOperator.In => "in",
        SelectorOperator.NotEquals => "!=",
        SelectorOperator.NotIn => "notin",
        SelectorOperator.Exists => "exists",
        SelectorOperator.GreaterThan => "gt",
        SelectorOperator.LessThan => "lt",
        _ => op.ToString(),
    };
}
