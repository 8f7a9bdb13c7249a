using System.Globalization;

namespace Berth.Api.Registry;

/// <summary>Cell formatting shared by every kind's table printer, as kubectl's printers do it.</summary>
public static class Printing
{
    public const string None = "<none>";
    public const string Unset = "<unset>";

    /// <summary>Humanised age like duration.HumanDuration: "5s", "3m2s", "2d".</summary>
    public static string Age(DateTimeOffset? created, DateTimeOffset now)
        => created is null ? Unknown : HumanDuration(now - created.Value);

    public const string Unknown = "<unknown>";

    public static string HumanDuration(TimeSpan d)
    {
        // Mirrors k8s.io/apimachinery/pkg/util/duration.HumanDuration.
        long seconds = (long)d.TotalSeconds;
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 60 * 2) return seconds.ToString(CultureInfo.InvariantCulture) + "s";
        long minutes = seconds / 60;
        if (minutes < 10)
        {
            long s = seconds % 60;
            return s == 0 ? $"{minutes}m" : $"{minutes}m{s}s";
        }
        if (minutes < 60 * 3) return $"{minutes}m";
        long hours = minutes / 60;
        if (hours < 8)
        {
            long m = minutes % 60;
            return m == 0 ? $"{hours}h" : $"{hours}h{m}m";
        }
        if (hours < 48) return $"{hours}h";
        if (hours < 24 * 8)
        {
            long h = hours % 24;
            return h == 0 ? $"{hours / 24}d" : $"{hours / 24}d{h}h";
        }
        if (hours < 24 * 365 * 2) return $"{hours / 24}d";
        if (hours < 24 * 365 * 8)
        {
            long dy = (hours / 24) % 365;
            return dy == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{dy}d";
        }
        return $"{hours / 24 / 365}y";
    }
}
