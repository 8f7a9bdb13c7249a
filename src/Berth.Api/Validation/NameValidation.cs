namespace Berth.Api.Validation;

/// <summary>
/// Name rules with Kubernetes' exact messages (apimachinery/pkg/util/validation).
/// PLACEHOLDER IMPLEMENTATION: the contract is fixed; the exact rules and messages are being written.
/// </summary>
public static class NameValidation
{
    /// <summary>Errors for a DNS-1123 subdomain (most object names); empty when valid.</summary>
    public static IReadOnlyList<string> IsDns1123Subdomain(string value)
        => System.Text.RegularExpressions.Regex.IsMatch(value, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$") && value.Length <= 253
            ? [] : ["a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"];

    /// <summary>Errors for a DNS-1123 label (namespaces, services, StatefulSets); empty when valid.</summary>
    public static IReadOnlyList<string> IsDns1123Label(string value)
        => System.Text.RegularExpressions.Regex.IsMatch(value, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$") && value.Length <= 63
            ? [] : ["a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"];
}
