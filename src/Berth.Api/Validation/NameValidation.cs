using System.Text.RegularExpressions;

namespace Berth.Api.Validation;

/// <summary>
/// Name rules with Kubernetes' exact messages (apimachinery/pkg/util/validation/validation.go).
/// Every method returns the list of problems; empty when the value is valid.
/// </summary>
public static partial class NameValidation
{
    public const int Dns1123LabelMaxLength = 63;
    public const int Dns1123SubdomainMaxLength = 253;
    public const int Dns1035LabelMaxLength = 63;
    public const int LabelValueMaxLength = 63;
    public const int QualifiedNameMaxLength = 63;

    private const string QnameCharFmt = "[A-Za-z0-9]";
    private const string QnameExtCharFmt = "[-A-Za-z0-9_.]";
    public const string QualifiedNameFmt = "(" + QnameCharFmt + QnameExtCharFmt + "*)?" + QnameCharFmt;
    private const string QualifiedNameErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

    public const string LabelValueFmt = "(" + QualifiedNameFmt + ")?";
    private const string LabelValueErrMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

    public const string Dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private const string Dns1123LabelErrMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";

    public const string Dns1123SubdomainFmt = Dns1123LabelFmt + "(\\." + Dns1123LabelFmt + ")*";
    private const string Dns1123SubdomainErrorMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

    public const string Dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
    private const string Dns1035LabelErrMsg = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";

    private const string CIdentifierFmt = "[A-Za-z_][A-Za-z0-9_]*";
    private const string IdentifierErrMsg = "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'";

    // Go's regexp has no "$ before trailing newline" quirk; \z gives the same exact-match semantics in .NET. Generated at
    // build time: names and labels are checked on every write, and the interpreter showed in its profile.
    [GeneratedRegex("^" + QualifiedNameFmt + "\\z", RegexOptions.CultureInvariant)]
    private static partial Regex QualifiedNameRegex { get; }
    [GeneratedRegex("^" + LabelValueFmt + "\\z", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValueRegex { get; }
    [GeneratedRegex("^" + Dns1123LabelFmt + "\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123LabelRegex { get; }
    [GeneratedRegex("^" + Dns1123SubdomainFmt + "\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123SubdomainRegex { get; }
    [GeneratedRegex("^" + Dns1035LabelFmt + "\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1035LabelRegex { get; }
    [GeneratedRegex("^" + CIdentifierFmt + "\\z", RegexOptions.CultureInvariant)]
    private static partial Regex CIdentifierRegex { get; }

    /// <summary>Errors for a DNS-1123 subdomain (most object names, at most 253 characters).</summary>
    public static IReadOnlyList<string> IsDns1123Subdomain(string value)
    {
        var errs = new List<string>();
        if (Len(value) > Dns1123SubdomainMaxLength) errs.Add(MaxLenError(Dns1123SubdomainMaxLength));
        if (!Dns1123SubdomainRegex.IsMatch(value)) errs.Add(RegexError(Dns1123SubdomainErrorMsg, Dns1123SubdomainFmt, "example.com"));
        return errs;
    }

    /// <summary>Errors for a DNS-1123 label (namespaces, at most 63 characters).</summary>
    public static IReadOnlyList<string> IsDns1123Label(string value)
    {
        var errs = new List<string>();
        if (Len(value) > Dns1123LabelMaxLength) errs.Add(MaxLenError(Dns1123LabelMaxLength));
        if (!Dns1123LabelRegex.IsMatch(value))
        {
            if (Dns1123SubdomainRegex.IsMatch(value)) errs.Add("must not contain dots");
            else errs.Add(RegexError(Dns1123LabelErrMsg, Dns1123LabelFmt, "my-name", "123-abc"));
        }
        return errs;
    }

    /// <summary>Errors for a DNS-1035 label (Service names: must start with a letter, at most 63 characters).</summary>
    public static IReadOnlyList<string> IsDns1035Label(string value)
    {
        var errs = new List<string>();
        if (Len(value) > Dns1035LabelMaxLength) errs.Add(MaxLenError(Dns1035LabelMaxLength));
        if (!Dns1035LabelRegex.IsMatch(value)) errs.Add(RegexError(Dns1035LabelErrMsg, Dns1035LabelFmt, "my-name", "abc-123"));
        return errs;
    }

    /// <summary>Errors for a qualified name (label and annotation keys): an optional DNS subdomain prefix and '/', then a name.</summary>
    public static IReadOnlyList<string> IsQualifiedName(string value)
    {
        var errs = new List<string>();
        var parts = value.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                var prefix = parts[0];
                name = parts[1];
                if (prefix.Length == 0) errs.Add("prefix part " + EmptyError());
                else
                {
                    var msgs = IsDns1123Subdomain(prefix);
                    foreach (var m in msgs) errs.Add("prefix part " + m);
                }
                break;
            default:
                errs.Add("a qualified name " + RegexError(QualifiedNameErrMsg, QualifiedNameFmt, "MyName", "my.name", "123-abc") +
                         " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
                return errs;
        }
        if (name.Length == 0) errs.Add("name part " + EmptyError());
        else if (Len(name) > QualifiedNameMaxLength) errs.Add("name part " + MaxLenError(QualifiedNameMaxLength));
        if (!QualifiedNameRegex.IsMatch(name))
            errs.Add("name part " + RegexError(QualifiedNameErrMsg, QualifiedNameFmt, "MyName", "my.name", "123-abc"));
        return errs;
    }

    /// <summary>Errors for a label value (empty, or a qualified-name-like string of at most 63 characters).</summary>
    public static IReadOnlyList<string> IsValidLabelValue(string value)
    {
        var errs = new List<string>();
        if (Len(value) > LabelValueMaxLength) errs.Add(MaxLenError(LabelValueMaxLength));
        if (!LabelValueRegex.IsMatch(value)) errs.Add(RegexError(LabelValueErrMsg, LabelValueFmt, "MyValue", "my_value", "12345"));
        return errs;
    }

    /// <summary>Errors for a C identifier (environment-style names).</summary>
    public static IReadOnlyList<string> IsCIdentifier(string value)
        => CIdentifierRegex.IsMatch(value) ? [] : [RegexError(IdentifierErrMsg, CIdentifierFmt, "my_name", "MY_NAME", "MyName")];

    /// <summary>validation.MaxLenError: "must be no more than N characters".</summary>
    public static string MaxLenError(int length) => $"must be no more than {length} characters";

    /// <summary>validation.EmptyError: "must be non-empty".</summary>
    public static string EmptyError() => "must be non-empty";

    /// <summary>validation.RegexError: the message, examples and regex, exactly as upstream formats them
    /// (note the ", " left after each example, which gives "'my-name',  or '123-abc'").</summary>
    public static string RegexError(string msg, string fmt, params string[] examples)
    {
        if (examples.Length == 0) return msg + " (regex used for validation is '" + fmt + "')";
        var sb = new System.Text.StringBuilder(msg).Append(" (e.g. ");
        for (int i = 0; i < examples.Length; i++)
        {
            if (i > 0) sb.Append(" or ");
            sb.Append('\'').Append(examples[i]).Append("', ");
        }
        sb.Append("regex used for validation is '").Append(fmt).Append("')");
        return sb.ToString();
    }

    // ---- path-segment names and name-validator helpers (apimachinery/pkg/api/validation/generic.go, path/name.go)

    /// <summary>ValidateNameFunc flavours: apply to a name, or (prefix = true) to a generateName prefix.</summary>
    public static IReadOnlyList<string> NameIsDnsSubdomain(string name, bool prefix) => IsDns1123Subdomain(prefix ? MaskTrailingDash(name) : name);
    public static IReadOnlyList<string> NameIsDnsLabel(string name, bool prefix) => IsDns1123Label(prefix ? MaskTrailingDash(name) : name);
    public static IReadOnlyList<string> NameIsDns1035Label(string name, bool prefix) => IsDns1035Label(prefix ? MaskTrailingDash(name) : name);

    /// <summary>maskTrailingDash, as upstream writes it: a trailing '-' of a generateName is replaced so the prefix
    /// validates (note upstream drops the last two characters and appends 'a').</summary>
    public static string MaskTrailingDash(string name)
        => name.Length > 1 && name.EndsWith('-') ? name[..^2] + "a" : name;

    /// <summary>path.IsValidPathSegmentName: names that cannot appear in a URL path segment.</summary>
    public static IReadOnlyList<string> IsValidPathSegmentName(string name)
    {
        foreach (var illegal in new[] { ".", ".." })
            if (name == illegal) return [$"may not be '{illegal}'"];
        var errs = new List<string>();
        foreach (var illegal in new[] { "/", "%" })
            if (name.Contains(illegal, StringComparison.Ordinal)) errs.Add($"may not contain '{illegal}'");
        return errs;
    }

    // Go's len() counts UTF-8 bytes.
    private static int Len(string s) => System.Text.Encoding.UTF8.GetByteCount(s);
}
