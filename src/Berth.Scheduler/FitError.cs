using System.Text;

namespace Berth.Scheduling;

/// <summary>Why one node was rejected: upstream's framework.Status with code Unschedulable or UnschedulableAndUnresolvable.</summary>
public sealed record FilterStatus(bool Unresolvable, IReadOnlyList<string> Reasons)
{
    public static FilterStatus Resolvable(params string[] reasons) => new(false, reasons);
    public static FilterStatus Unresolved(params string[] reasons) => new(true, reasons);
}

/// <summary>The texts of pkg/scheduler/framework/types.go (FitError.Error) and of the default preemption plugin.</summary>
public static class FitError
{
    public const string NoNodesAvailable = "no nodes available to schedule pods";
    public const string PreemptionNotHelpful = "Preemption is not helpful for scheduling";
    public const string NoVictims = "No preemption victims found for incoming pod";
    public const string NotEligibleNever = "not eligible due to preemptionPolicy=Never.";

    /// <summary>
    /// "0/N nodes are available:" then " &lt;prefilter message&gt;." or " &lt;sorted histogram of node reasons&gt;.", then
    /// " &lt;post-filter message&gt;." when there is one. As upstream, the post-filter (preemption) message is itself a
    /// FitError ending in ".", so the full text ends in "..".
    /// </summary>
    public static string Format(int numAllNodes, string? preFilterMsg, IEnumerable<FilterStatus> nodeStatuses, string? postFilterMsg)
    {
        var sb = new StringBuilder($"0/{numAllNodes} nodes are available:");
        if (!string.IsNullOrEmpty(preFilterMsg)) sb.Append(' ').Append(preFilterMsg).Append('.');
        else
        {
            var histogram = Histogram(nodeStatuses);
            if (histogram.Length > 0) sb.Append(' ').Append(histogram).Append('.');
        }
        if (!string.IsNullOrEmpty(postFilterMsg)) sb.Append(' ').Append(postFilterMsg).Append('.');
        return sb.ToString();
    }

    /// <summary>"&lt;count&gt; &lt;reason&gt;" per distinct reason, sorted as Go's sort.Strings (ordinal), joined by ", ".</summary>
    public static string Histogram(IEnumerable<FilterStatus> nodeStatuses)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in nodeStatuses)
            foreach (var r in s.Reasons) counts[r] = counts.GetValueOrDefault(r) + 1;
        var items = counts.Select(kv => $"{kv.Value} {kv.Key}").ToList();
        items.Sort(StringComparer.Ordinal);
        return string.Join(", ", items);
    }

    /// <summary>The default preemption plugin's message ("preemption: 0/N nodes are available: ...") given each node's preemption verdict.</summary>
    public static string Preemption(int numAllNodes, IEnumerable<FilterStatus> preemptionStatuses)
        => "preemption: " + Format(numAllNodes, null, preemptionStatuses, null);

    /// <summary>Upstream's truncateMessage: events carry at most 1024 characters.</summary>
    public static string Truncate(string message)
    {
        const int max = 1024;
        return message.Length <= max ? message : message[..(max - 3)] + "...";
    }
}
