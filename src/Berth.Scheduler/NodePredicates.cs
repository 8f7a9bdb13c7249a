using Berth.Api.Core;
using Berth.Api.Storage;

namespace Berth.Scheduling;

/// <summary>
/// The node-level filters of upstream's default plugins, as pure functions: NodeUnschedulable, TaintToleration,
/// NodeAffinity (nodeSelector + required node affinity), the node-selector-term matching shared with PV node
/// affinity, and StorageClass allowedTopologies. Reason texts are upstream's.
/// </summary>
public static class NodePredicates
{
    public const string ReasonUnschedulable = "node(s) were unschedulable";
    public const string ReasonAffinity = "node(s) didn't match Pod's node affinity/selector";
    public const string TaintUnschedulable = "node.kubernetes.io/unschedulable";
    public const string TaintNotReady = "node.kubernetes.io/not-ready";
    public const string TaintUnreachable = "node.kubernetes.io/unreachable";

    /// <summary>"node(s) had untolerated taint {key: value}".</summary>
    public static string UntoleratedTaint(Taint t) => $"node(s) had untolerated taint {{{t.Key}: {t.Value}}}";

    /// <summary>v1.Toleration.ToleratesTaint.</summary>
    public static bool Tolerates(Toleration t, Taint taint)
    {
        if (!string.IsNullOrEmpty(t.Effect) && t.Effect != taint.Effect) return false;
        if (!string.IsNullOrEmpty(t.Key) && t.Key != taint.Key) return false;
        return t.Operator switch
        {
            null or "" or "Equal" => (t.Value ?? "") == (taint.Value ?? ""),
            "Exists" => true,
            _ => false,
        };
    }

    public static bool Tolerated(IEnumerable<Toleration>? tolerations, Taint taint)
        => tolerations?.Any(t => Tolerates(t, taint)) == true;

    /// <summary>
    /// The node's taints as the scheduler sees them. There is no node lifecycle controller here, so the
    /// NoSchedule taints it would add for a node that is not Ready (Ready=False → not-ready; Unknown or
    /// missing → unreachable) are derived from the Ready condition.
    /// </summary>
    public static List<Taint> EffectiveTaints(Node node)
    {
        var taints = new List<Taint>(node.Spec?.Taints ?? []);
        var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        if (ready?.Status != "True")
        {
            var key = ready?.Status == "False" ? TaintNotReady : TaintUnreachable;
            if (!taints.Any(t => t.Key == key && t.Effect == "NoSchedule"))
                taints.Add(new Taint { Key = key, Effect = "NoSchedule" });
        }
        return taints;
    }

    /// <summary>NodeUnschedulable then TaintToleration; null when the node passes.</summary>
    public static string? CheckTaints(Pod pod, Node node)
    {
        var tolerations = pod.Spec?.Tolerations;
        if (node.Spec?.Unschedulable == true
            && !Tolerated(tolerations, new Taint { Key = TaintUnschedulable, Effect = "NoSchedule" }))
            return ReasonUnschedulable;
        foreach (var t in EffectiveTaints(node))
        {
            if (t.Effect is not ("NoSchedule" or "NoExecute")) continue;
            if (!Tolerated(tolerations, t)) return UntoleratedTaint(t);
        }
        return null;
    }

    /// <summary>NodeAffinity filter: spec.nodeSelector and requiredDuringSchedulingIgnoredDuringExecution.</summary>
    public static bool MatchesPodAffinity(Pod pod, Node node)
    {
        var labels = node.Metadata.Labels;
        foreach (var (k, v) in pod.Spec?.NodeSelector ?? [])
            if (labels is null || !labels.TryGetValue(k, out var have) || have != v) return false;
        var required = pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution;
        return required is null || MatchesTerms(required.NodeSelectorTerms, node);
    }

    /// <summary>PV node affinity (CheckNodeAffinity): no affinity matches every node.</summary>
    public static bool MatchesVolume(PersistentVolume pv, Node node)
    {
        var required = pv.Spec?.NodeAffinity?.Required;
        return required is null || MatchesTerms(required.NodeSelectorTerms, node);
    }

    /// <summary>MatchNodeSelectorTerms: terms are ORed; a term ANDs its expressions and fields; an empty term matches nothing.</summary>
    public static bool MatchesTerms(IEnumerable<NodeSelectorTerm>? terms, Node node)
    {
        foreach (var term in terms ?? [])
        {
            var exprs = term.MatchExpressions ?? [];
            var fields = term.MatchFields ?? [];
            if (exprs.Count == 0 && fields.Count == 0) continue;
            if (exprs.All(r => Matches(r, node.Metadata.Labels)) && fields.All(r => MatchesField(r, node)))
                return true;
        }
        return false;
    }

    /// <summary>One NodeSelectorRequirement on labels: In, NotIn, Exists, DoesNotExist, Gt, Lt. An invalid one matches nothing.</summary>
    public static bool Matches(NodeSelectorRequirement r, IReadOnlyDictionary<string, string>? labels)
    {
        if (string.IsNullOrEmpty(r.Key)) return false;
        var values = r.Values ?? [];
        string? v = null;
        bool has = labels is not null && labels.TryGetValue(r.Key, out v);
        switch (r.Operator)
        {
            case "In": return values.Count > 0 && has && values.Contains(v!);
            case "NotIn": return values.Count > 0 && (!has || !values.Contains(v!));
            case "Exists": return values.Count == 0 && has;
            case "DoesNotExist": return values.Count == 0 && !has;
            case "Gt":
            case "Lt":
                if (values.Count != 1 || !ParseInt64(values[0], out var want)) return false;
                if (!has || !ParseInt64(v!, out var got)) return false;
                return r.Operator == "Gt" ? got > want : got < want;
            default: return false;
        }
    }

    /// <summary>strconv.ParseInt(s, 10, 64): optional sign, decimal digits only.</summary>
    private static bool ParseInt64(string s, out long v)
    {
        v = 0;
        int start = s.Length > 0 && s[0] is '+' or '-' ? 1 : 0;
        if (start == s.Length) return false;
        for (int i = start; i < s.Length; i++) if (s[i] is < '0' or > '9') return false;
        return long.TryParse(s, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out v);
    }

    /// <summary>matchFields: only metadata.name is supported, with In / NotIn and exactly one value.</summary>
    public static bool MatchesField(NodeSelectorRequirement r, Node node)
    {
        if (r.Key != "metadata.name" || r.Operator is not ("In" or "NotIn") || r.Values is not { Count: 1 }) return false;
        var name = node.Metadata.Name ?? "";
        return Matches(r, new Dictionary<string, string> { ["metadata.name"] = name });
    }

    /// <summary>MatchTopologySelectorTerms: no terms match every node; else some term whose every requirement the labels satisfy.</summary>
    public static bool MatchesTopology(List<TopologySelectorTerm>? terms, IReadOnlyDictionary<string, string>? labels)
    {
        if (terms is not { Count: > 0 }) return true;
        foreach (var term in terms)
        {
            bool ok = true;
            foreach (var req in term.MatchLabelExpressions ?? [])
            {
                if (req.Key is null || labels is null || !labels.TryGetValue(req.Key, out var v) || !(req.Values ?? []).Contains(v))
                {
                    ok = false;
                    break;
                }
            }
            if (ok) return true;
        }
        return false;
    }
}
