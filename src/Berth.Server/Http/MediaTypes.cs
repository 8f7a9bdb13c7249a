namespace Berth.Server.Http;

public enum OutputFormat { Json, Yaml, Table }

/// <summary>Content negotiation as kube-apiserver does it for the formats Berth serves (JSON, YAML, meta.k8s.io Table).</summary>
public static class MediaTypes
{
    public const string Json = "application/json";
    public const string Yaml = "application/yaml";
    public const string TableJson = "application/json;as=Table;v=v1;g=meta.k8s.io";

    /// <summary>Picks the first acceptable alternative in the Accept header (kubectl lists Table first, then JSON).</summary>
    public static OutputFormat Choose(string? accept, bool tableAllowed)
    {
        if (string.IsNullOrWhiteSpace(accept)) return OutputFormat.Json;
        foreach (var raw in accept.Split(','))
        {
            var parts = raw.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) continue;
            var type = parts[0].ToLowerInvariant();
            string? asKind = null, group = null;
            foreach (var p in parts.AsSpan(1))
            {
                var kv = p.Split('=', 2, StringSplitOptions.TrimEntries);
                if (kv.Length != 2) continue;
                if (kv[0] == "as") asKind = kv[1];
                else if (kv[0] == "g") group = kv[1];
            }
            if (asKind is not null)
            {
                if (asKind == "Table" && group == "meta.k8s.io" && tableAllowed && type is "application/json" or "*/*") return OutputFormat.Table;
                continue; // PartialObjectMetadata and other transformations are not offered
            }
            if (type is "application/json" or "*/*" or "application/*") return OutputFormat.Json;
            if (type is "application/yaml") return OutputFormat.Yaml;
        }
        throw ApiException.NotAcceptable(accept);
    }
}
