using System.Text;
using System.Text.RegularExpressions;
using Berth.Api.Core;
using Berth.Nfs;
using Berth.Provisioners.Framework;

namespace Berth.Provisioners.NfsSubdir;

/// <summary>
/// Where a claim's directory goes, relative to the export: <c>${namespace}-${pvcName}-${pvName}</c>, or the class's
/// <c>pathPattern</c> with <c>${.PVC.namespace}</c>, <c>${.PVC.name}</c>, <c>${.PVC.labels.X}</c> and
/// <c>${.PVC.annotations.X}</c> filled in (unknown keys become "", as upstream). Upstream joins the result with
/// filepath.Join, which quietly resolves ".." out of the export; here the result must be a plain relative path.
/// </summary>
public static partial class PathPattern
{
    public const string Parameter = "pathPattern";

    // Upstream's expression: ${.PVC.labels.X}, ${.PVC.annotations.X}, or ${.PVC.<field>}.
    [GeneratedRegex(@"\$\{\.PVC\.((labels|annotations)\.(.*?)|.*?)\}")]
    private static partial Regex Placeholder();

    /// <summary>Fills in <paramref name="pattern"/> for <paramref name="claim"/>.</summary>
    public static string Expand(string pattern, PersistentVolumeClaim claim)
    {
        var meta = claim.Metadata;
        return Placeholder().Replace(pattern, m => m.Groups[2].Value switch
        {
            "labels" => meta.Label(m.Groups[3].Value) ?? "",
            "annotations" => meta.Annotation(m.Groups[3].Value) ?? "",
            _ => m.Groups[1].Value switch
            {
                "name" => meta.Name ?? "",
                "namespace" => meta.Namespace ?? "",
                _ => "",
            },
        });
    }

    /// <summary>
    /// The claim's directory relative to the export. Repeated and trailing slashes are collapsed (a missing label in the
    /// middle of a pattern, as filepath.Join would); anything else that is not a plain relative path is refused.
    /// </summary>
    /// <exception cref="ProvisioningException">The pattern leads outside the export or into the provisioner's own files.</exception>
    public static string Resolve(string pvName, PersistentVolumeClaim claim, IReadOnlyDictionary<string, string> parameters)
    {
        var ns = claim.Metadata.Namespace ?? "default";
        var name = claim.Metadata.Name ?? "";
        var path = $"{ns}-{name}-{pvName}";
        if (parameters.TryGetValue(Parameter, out var pattern))
        {
            var custom = Expand(pattern, claim);
            if (custom.Length > 0)
            {
                if (custom[0] == '/')
                    throw new ProvisioningException($"pathPattern \"{pattern}\" gives the absolute path \"{custom}\"; it must stay inside the export");
                var collapsed = Collapse(custom);
                if (collapsed.Length > 0) path = collapsed;
            }
        }
        if (NfsPath.Problem(path) is { } problem)
            throw new ProvisioningException($"refusing the directory \"{path}\" for the volume: {problem}");
        if (path == DirectoryOwners.RegistryDirectory || path.StartsWith(DirectoryOwners.RegistryDirectory + "/", StringComparison.Ordinal))
            throw new ProvisioningException($"refusing the directory \"{path}\": {DirectoryOwners.RegistryDirectory} holds the provisioner's records");
        return path;
    }

    private static string Collapse(string path)
    {
        var sb = new StringBuilder(path.Length);
        foreach (var c in path)
            if (c != '/' || (sb.Length > 0 && sb[^1] != '/')) sb.Append(c);
        while (sb.Length > 0 && sb[^1] == '/') sb.Length--;
        return sb.ToString();
    }
}
