using System.Globalization;

namespace Berth.Server.Discovery;

public enum DiscoveryFormat
{
    /// <summary>Nothing in the Accept header can be served (406).</summary>
    NotAcceptable,
    /// <summary>Plain APIVersions / APIGroupList JSON.</summary>
    Legacy,
    AggregatedV2,
    AggregatedV2Beta1,
}

/// <summary>
/// Accept-header negotiation for /api and /apis. client-go 1.32 sends
/// "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
/// (possibly with protobuf alternatives and q-values); the best-ranked range we can serve wins, earlier ranges win ties.
/// </summary>
public static class DiscoveryNegotiation
{
    public const string ContentTypeJson = "application/json";
    public const string ContentTypeV2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    public const string ContentTypeV2Beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

    public static string ContentTypeFor(DiscoveryFormat format) => format switch
    {
        DiscoveryFormat.AggregatedV2 => ContentTypeV2,
        DiscoveryFormat.AggregatedV2Beta1 => ContentTypeV2Beta1,
        DiscoveryFormat.Legacy => ContentTypeJson,
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public static DiscoveryFormat Choose(string? accept)
    {
        if (string.IsNullOrWhiteSpace(accept)) return DiscoveryFormat.Legacy;
        var best = DiscoveryFormat.NotAcceptable;
        double bestQ = 0;
        foreach (var range in accept.Split(','))
        {
            var (format, q) = Classify(range);
            if (format == DiscoveryFormat.NotAcceptable || q <= 0) continue;
            if (q > bestQ) { best = format; bestQ = q; }
        }
        return best;
    }

    private static (DiscoveryFormat, double) Classify(string range)
    {
        var parts = range.Split(';');
        var mediaType = parts[0].Trim().ToLowerInvariant();
        string? g = null, v = null, @as = null;
        double q = 1;
        for (int i = 1; i < parts.Length; i++)
        {
            var eq = parts[i].IndexOf('=');
            if (eq < 0) continue;
            var key = parts[i][..eq].Trim().ToLowerInvariant();
            var value = parts[i][(eq + 1)..].Trim().Trim('"');
            switch (key)
            {
                case "g": g = value; break;
                case "v": v = value; break;
                case "as": @as = value; break;
                case "q":
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out q)) q = 0;
                    break;
            }
        }

        bool json = mediaType is "application/json" or "application/*" or "*/*";
        if (!json) return (DiscoveryFormat.NotAcceptable, 0);
        if (g is null && v is null && @as is null) return (DiscoveryFormat.Legacy, q);
        if (mediaType != "application/json" || g != "apidiscovery.k8s.io" || @as != "APIGroupDiscoveryList")
            return (DiscoveryFormat.NotAcceptable, 0);
        return v switch
        {
            "v2" => (DiscoveryFormat.AggregatedV2, q),
            "v2beta1" => (DiscoveryFormat.AggregatedV2Beta1, q),
            _ => (DiscoveryFormat.NotAcceptable, 0),
        };
    }
}
