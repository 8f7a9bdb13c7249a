using System.Text;
using System.Text.Json.Nodes;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Api.Storage;
using Berth.Api.Strategies;

namespace Berth.Api.Tests.Strategies;

public class StorageStrategyTests
{
    private static readonly DateTimeOffset Now = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static T Parse<T>(string json) where T : KubeObject => KubeJson.Deserialize<T>(Encoding.UTF8.GetBytes(json));

    private static List<string> Create(IResourceStrategy s, KubeObject o)
    {
        s.PrepareForCreate(o);
        s.Default(o);
        return s.ValidateCreate(o).Select(e => e.ToString()).ToList();
    }

    private static List<string> Update(IResourceStrategy s, KubeObject o, KubeObject old)
    {
        s.Default(o);
        return s.ValidateUpdate(o, old).Select(e => e.ToString()).ToList();
    }

    private static PersistentVolume Pv(string spec) => Parse<PersistentVolume>($$"""{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"p"},"spec":{{spec}}}""");
    private static PersistentVolumeClaim Pvc(string spec, string status = "null") =>
        Parse<PersistentVolumeClaim>($$"""{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"x","namespace":"default"},"spec":{{spec}},"status":{{status}}}""");

    private const string NfsSpec = """{"capacity":{"storage":"5Gi"},"accessModes":["ReadWriteOnce"],"nfs":{"server":"10.0.0.1","path":"/exports"}}""";

    // ---- PersistentVolume ----

    [Fact]
    public void Pv_create_gets_defaults_and_pending_status()
    {
        var pv = Pv(NfsSpec);
        var s = new PersistentVolumeStrategy { Now = () => Now };
        Assert.Empty(Create(s, pv));
        Assert.Equal("Retain", pv.Spec!.PersistentVolumeReclaimPolicy);
        Assert.Equal("Filesystem", pv.Spec.VolumeMode);
        Assert.Equal("Pending", pv.Status!.Phase);
        Assert.Equal(Now, pv.Status.LastPhaseTransitionTime);
    }

    [Fact]
    public void Pv_create_drops_client_status_and_defaults_rbd_and_hostpath()
    {
        var pv = Pv("""{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"rbd":{"monitors":["m:6789"],"image":"foo"}}""");
        pv.Status = new PersistentVolumeStatus { Phase = "Bound" };
        Assert.Empty(Create(BuiltinStrategies.PersistentVolume, pv));
        Assert.Equal("Pending", pv.Status.Phase);
        Assert.Equal("rbd", pv.Spec!.RBD!.Pool);
        Assert.Equal("admin", pv.Spec.RBD.User);
        Assert.Equal("/etc/ceph/keyring", pv.Spec.RBD.Keyring);

        var hp = Pv("""{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/mnt/data"}}""");
        Create(BuiltinStrategies.PersistentVolume, hp);
        Assert.Equal("", (string?)KubeJson.ToNode(hp)["spec"]!["hostPath"]!["type"]);
    }

    public static TheoryData<string, string[]> PvCases => new()
    {
        // Scenario 38: no capacity and no source.
        { """{"accessModes":["ReadWriteOnce"]}""", [
            "spec.capacity: Required value",
            "spec.capacity: Unsupported value: map[]: supported values: \"storage\"",
            "spec: Required value: must specify a volume type"] },
        { """{"capacity":{"storage":"1Gi"},"nfs":{"server":"s","path":"/p"}}""", ["spec.accessModes: Required value"] },
        { """{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteSometimes"],"nfs":{"server":"s","path":"/p"}}""",
            ["spec.accessModes: Unsupported value: \"ReadWriteSometimes\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\""] },
        { """{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOncePod","ReadWriteOnce"],"nfs":{"server":"s","path":"/p"}}""",
            ["spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes"] },
        { """{"capacity":{"storage":"0"},"accessModes":["ReadWriteOnce"],"nfs":{"server":"s","path":"/p"}}""",
            ["spec.capacity[storage]: Invalid value: \"0\": must be greater than zero"] },
        { """{"capacity":{"storage":"-1Gi"},"accessModes":["ReadWriteOnce"],"nfs":{"server":"s","path":"/p"}}""", [
            "spec.capacity[storage]: Invalid value: -1073741824: must be a valid resource quantity",
            "spec.capacity[storage]: Invalid value: \"-1Gi\": must be greater than zero"] },
        { """{"capacity":{"storage":"1Gi","cpu":"1"},"accessModes":["ReadWriteOnce"],"nfs":{"server":"s","path":"/p"}}""",
            ["spec.capacity: Unsupported value: map[cpu:1 storage:1Gi]: supported values: \"storage\""] },
        { """{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"persistentVolumeReclaimPolicy":"Keep","nfs":{"server":"s","path":"/p"}}""",
            ["spec.persistentVolumeReclaimPolicy: Unsupported value: \"Keep\": supported values: \"Delete\", \"Recycle\", \"Retain\""] },
        { """{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"nfs":{"server":"s","path":"/p"},"hostPath":{"path":"/d"}}""",
            ["spec.nfs: Forbidden: may not specify more than 1 volume type"] },
        { """{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"volumeMode":"Raw","nfs":{"server":"s","path":"/p"}}""",
            ["spec.volumeMode: Unsupported value: \"Raw\": supported values: \"Block\", \"Filesystem\""] },
        { """{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"nfs":{}}""", [
            "spec.nfs.server: Required value", "spec.nfs.path: Required value", "spec.nfs.path: Invalid value: \"\": must be an absolute path"] },
        { """{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"nfs":{"server":"s","path":"x"}}""",
            ["spec.nfs.path: Invalid value: \"x\": must be an absolute path"] },
        { """{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"rbd":{}}""", ["spec.rbd.monitors: Required value", "spec.rbd.image: Required value"] },
        { """{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"local":{"path":"/mnt/disks/1"}}""",
            ["spec.nodeAffinity: Required value: Local volume requires node affinity"] },
        { """{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/a/../b"}}""",
            ["spec.hostPath.path: Invalid value: \"/a/../b\": must not contain '..'"] },
        { """{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"storageClassName":"Fast_Class","nfs":{"server":"s","path":"/p"}}""",
            ["spec.storageClassName: Invalid value: \"Fast_Class\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"] },
        { NfsSpec, [] },
    };

    [Theory]
    [MemberData(nameof(PvCases))]
    public void Pv_validation_messages(string spec, string[] expected)
        => Assert.Equal(expected, BuiltinStrategies.PersistentVolume.ValidateCreate(Pv(spec)).Select(e => e.ToString()).ToArray());

    [Fact]
    public void Pv_source_is_immutable_scenario_39()
    {
        var old = Pv(NfsSpec); Create(BuiltinStrategies.PersistentVolume, old);
        var pv = StrategySupport.Clone(old);
        pv.Spec!.NFS!.Server = "10.0.0.2";
        var errs = Update(BuiltinStrategies.PersistentVolume, pv, old);
        var e = Assert.Single(errs);
        Assert.StartsWith("spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation\n", e);
        Assert.Contains("10.0.0.2", e);
    }

    [Fact]
    public void Pv_mutable_fields_may_change_but_volume_mode_may_not()
    {
        var old = Pv(NfsSpec); Create(BuiltinStrategies.PersistentVolume, old);
        var pv = StrategySupport.Clone(old);
        pv.Spec!.Capacity!["storage"] = Quantity.Parse("10Gi");
        pv.Spec.AccessModes = ["ReadWriteMany"];
        pv.Spec.PersistentVolumeReclaimPolicy = "Delete";
        pv.Spec.StorageClassName = "manual";
        pv.Spec.ClaimRef = new ObjectReference { Namespace = "default", Name = "x" };
        pv.Spec.MountOptions = ["hard"];
        Assert.Empty(Update(BuiltinStrategies.PersistentVolume, pv, old));

        pv.Spec.VolumeMode = "Block";
        Assert.Equal(["volumeMode: Invalid value: \"Block\": field is immutable"], Update(BuiltinStrategies.PersistentVolume, pv, old));
    }

    [Fact]
    public void Pv_node_affinity_may_be_set_once()
    {
        var old = Pv("""{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/d"}}"""); Create(BuiltinStrategies.PersistentVolume, old);
        var pv = StrategySupport.Clone(old);
        pv.Spec!.NodeAffinity = new VolumeNodeAffinity { Required = new NodeSelector { NodeSelectorTerms = [new NodeSelectorTerm { MatchExpressions = [new NodeSelectorRequirement { Key = "kubernetes.io/hostname", Operator = "In", Values = ["n1"] }] }] } };
        Assert.Empty(Update(BuiltinStrategies.PersistentVolume, pv, old));
        var pv2 = StrategySupport.Clone(pv);
        pv2.Spec!.NodeAffinity!.Required!.NodeSelectorTerms![0].MatchExpressions![0].Values = ["n2"];
        Assert.StartsWith("nodeAffinity: Invalid value: ", Assert.Single(Update(BuiltinStrategies.PersistentVolume, pv2, pv)));
    }

    [Fact]
    public void Pv_row_bound_matches_kubectl()
    {
        var pv = Parse<PersistentVolume>("""
            {"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"task-pv-volume","creationTimestamp":"2024-01-02T03:00:05Z"},
             "spec":{"storageClassName":"manual","capacity":{"storage":"10Gi"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/mnt/data"},
                     "claimRef":{"namespace":"default","name":"task-pv-claim"}},
             "status":{"phase":"Bound"}}
            """);
        BuiltinStrategies.PersistentVolume.Default(pv);
        var s = BuiltinStrategies.PersistentVolume;
        Assert.Equal(["Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age", "VolumeMode"],
            s.Columns.Select(c => c.Name));
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], s.Columns.Select(c => c.Priority));
        Assert.Equal(["task-pv-volume", "10Gi", "RWO", "Retain", "Bound", "default/task-pv-claim", "manual", "<unset>", "", "4m", "Filesystem"],
            s.Row(pv, Now));
    }

    [Fact]
    public void Pv_row_terminating_unbound_and_mode_order()
    {
        var pv = Pv("""{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOncePod","ReadWriteMany","ReadOnlyMany","ReadWriteOnce"],"nfs":{"server":"s","path":"/p"}}""");
        pv.Metadata.DeletionTimestamp = Now;
        pv.Status = new PersistentVolumeStatus { Phase = "Available" };
        var row = BuiltinStrategies.PersistentVolume.Row(pv, Now);
        Assert.Equal("RWO,ROX,RWX,RWOP", row[2]);
        Assert.Equal("Terminating", row[4]);
        Assert.Equal("", row[5]);
        Assert.Equal("<unknown>", row[9]);
        Assert.Equal("<unset>", row[10]);
    }

    // ---- PersistentVolumeClaim ----

    private const string ClaimSpec = """{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"5Gi"}},"storageClassName":"manual"}""";

    [Fact]
    public void Pvc_create_gets_defaults_and_pending_status()
    {
        var pvc = Pvc(ClaimSpec, """{"phase":"Bound"}""");
        Assert.Empty(Create(BuiltinStrategies.PersistentVolumeClaim, pvc));
        Assert.Equal("Pending", pvc.Status!.Phase);
        Assert.Equal("Filesystem", pvc.Spec!.VolumeMode);
    }

    public static TheoryData<string, string[]> PvcCases => new()
    {
        // Scenario 35
        { """{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"-1Gi"}}}""",
            ["spec.resources[storage]: Invalid value: \"-1Gi\": must be greater than zero"] },
        { """{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"0"}}}""",
            ["spec.resources[storage]: Invalid value: \"0\": must be greater than zero"] },
        // Scenario 36
        { """{"resources":{"requests":{"storage":"1Gi"}}}""", ["spec.accessModes: Required value: at least 1 access mode is required"] },
        // Scenario 37
        { """{"accessModes":["ReadWriteSometimes"],"resources":{"requests":{"storage":"1Gi"}}}""",
            ["spec.accessModes: Unsupported value: \"ReadWriteSometimes\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\""] },
        { """{"accessModes":["ReadWriteOnce"]}""", ["spec.resources[storage]: Required value"] },
        { """{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}},"volumeMode":"Raw"}""",
            ["spec.volumeMode: Unsupported value: \"Raw\": supported values: \"Block\", \"Filesystem\""] },
        { """{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}},"storageClassName":"-bad"}""",
            ["spec.storageClassName: Invalid value: \"-bad\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"] },
        { """{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}},"storageClassName":""}""", [] },
        { ClaimSpec, [] },
    };

    [Theory]
    [MemberData(nameof(PvcCases))]
    public void Pvc_validation_messages(string spec, string[] expected)
        => Assert.Equal(expected, BuiltinStrategies.PersistentVolumeClaim.ValidateCreate(Pvc(spec)).Select(e => e.ToString()).ToArray());

    [Fact]
    public void Pvc_half_gi_is_stored_canonical_scenario_41()
    {
        var pvc = Pvc("""{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"0.5Gi"}}}""");
        Assert.Empty(Create(BuiltinStrategies.PersistentVolumeClaim, pvc));
        var node = JsonNode.Parse(KubeJson.Serialize(pvc))!;
        Assert.Equal(Quantity.Parse("0.5Gi").ToString(), (string?)node["spec"]!["resources"]!["requests"]!["storage"]);
        Assert.Equal(512L * 1024 * 1024, pvc.Spec!.Resources!.Requests!["storage"].Value);
    }

    [Fact]
    public void Pvc_shrink_of_bound_claim_is_forbidden_scenario_33()
    {
        var old = Pvc(ClaimSpec, """{"phase":"Bound","capacity":{"storage":"5Gi"}}"""); old.Spec!.VolumeName = "p"; BuiltinStrategies.PersistentVolumeClaim.Default(old);
        var pvc = StrategySupport.Clone(old);
        pvc.Spec!.Resources!.Requests!["storage"] = Quantity.Parse("4Gi");
        Assert.Equal(["spec.resources.requests.storage: Forbidden: field can not be less than previous value"], Update(BuiltinStrategies.PersistentVolumeClaim, pvc, old));
        // Growing a bound claim passes validation (the resize admission decides).
        pvc.Spec.Resources.Requests["storage"] = Quantity.Parse("10Gi");
        Assert.Empty(Update(BuiltinStrategies.PersistentVolumeClaim, pvc, old));
    }

    [Fact]
    public void Pvc_shrink_below_status_capacity_with_recovery_enabled()
    {
        var s = new PersistentVolumeClaimStrategy { RecoverFromExpansionFailure = true };
        var old = Pvc("""{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"10Gi"}}}""", """{"phase":"Bound","capacity":{"storage":"5Gi"}}"""); s.Default(old);
        var pvc = StrategySupport.Clone(old);
        pvc.Spec!.Resources!.Requests!["storage"] = Quantity.Parse("6Gi");
        Assert.Empty(Update(s, pvc, old));
        pvc.Spec.Resources.Requests["storage"] = Quantity.Parse("5Gi");
        Assert.Equal(["spec.resources.requests.storage: Forbidden: field can not be less than status.capacity"], Update(s, pvc, old));
    }

    [Fact]
    public void Pvc_spec_is_immutable_scenario_34()
    {
        var old = Pvc(ClaimSpec); Create(BuiltinStrategies.PersistentVolumeClaim, old);
        var pvc = StrategySupport.Clone(old);
        pvc.Spec!.AccessModes = ["ReadWriteMany"];
        var e = Assert.Single(Update(BuiltinStrategies.PersistentVolumeClaim, pvc, old));
        Assert.StartsWith("spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n", e);

        // A pending claim may not change its size either.
        pvc = StrategySupport.Clone(old);
        pvc.Spec!.Resources!.Requests!["storage"] = Quantity.Parse("10Gi");
        Assert.StartsWith("spec: Forbidden: spec is immutable after creation", Assert.Single(Update(BuiltinStrategies.PersistentVolumeClaim, pvc, old)));
    }

    [Fact]
    public void Pvc_volume_name_may_be_set_once_and_class_may_be_set_when_unset()
    {
        var old = Pvc("""{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}"""); Create(BuiltinStrategies.PersistentVolumeClaim, old);
        var pvc = StrategySupport.Clone(old);
        pvc.Spec!.VolumeName = "p";
        pvc.Spec.StorageClassName = "std";
        Assert.Empty(Update(BuiltinStrategies.PersistentVolumeClaim, pvc, old));

        var again = StrategySupport.Clone(pvc);
        again.Spec!.VolumeName = "q";
        Assert.StartsWith("spec: Forbidden:", Assert.Single(Update(BuiltinStrategies.PersistentVolumeClaim, again, pvc)));

        var cls = StrategySupport.Clone(pvc);
        cls.Spec!.StorageClassName = "other";
        Assert.StartsWith("spec: Forbidden:", Assert.Single(Update(BuiltinStrategies.PersistentVolumeClaim, cls, pvc)));
    }

    [Fact]
    public void Pvc_volume_mode_is_immutable()
    {
        var old = Pvc(ClaimSpec); Create(BuiltinStrategies.PersistentVolumeClaim, old);
        var pvc = StrategySupport.Clone(old);
        pvc.Spec!.VolumeMode = "Block";
        var errs = Update(BuiltinStrategies.PersistentVolumeClaim, pvc, old);
        Assert.Equal(2, errs.Count);
        Assert.StartsWith("spec: Forbidden: spec is immutable", errs[0]);
        Assert.Equal("volumeMode: Invalid value: \"Block\": field is immutable", errs[1]);
    }

    [Fact]
    public void Pvc_rows_pending_bound_terminating()
    {
        var s = BuiltinStrategies.PersistentVolumeClaim;
        Assert.Equal(["Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age", "VolumeMode"], s.Columns.Select(c => c.Name));
        Assert.Equal(1, s.Columns[^1].Priority);

        var pending = Pvc(ClaimSpec); Create(s, pending);
        pending.Metadata.CreationTimestamp = Now.AddSeconds(-5);
        Assert.Equal(["x", "Pending", "", "", "", "manual", "<unset>", "5s", "Filesystem"], s.Row(pending, Now));

        var bound = Pvc(ClaimSpec, """{"phase":"Bound","accessModes":["ReadWriteMany","ReadWriteOnce"],"capacity":{"storage":"10Gi"}}""");
        bound.Spec!.VolumeName = "task-pv-volume";
        bound.Metadata.CreationTimestamp = Now.AddMinutes(-3).AddSeconds(-2);
        Assert.Equal(["x", "Bound", "task-pv-volume", "10Gi", "RWO,RWX", "manual", "<unset>", "3m2s", "<unset>"], s.Row(bound, Now));

        bound.Metadata.DeletionTimestamp = Now;
        bound.Spec.StorageClassName = null;
        var row = s.Row(bound, Now);
        Assert.Equal("Terminating", row[1]);
        Assert.Equal("", row[5]);
    }

    // ---- StorageClass ----

    private static StorageClass Sc(string body) => Parse<StorageClass>($$"""{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"fast"}{{body}}}""");

    [Fact]
    public void Sc_defaults()
    {
        var sc = Sc(""","provisioner":"example.com/p" """);
        Assert.Empty(Create(BuiltinStrategies.StorageClass, sc));
        Assert.Equal("Delete", sc.ReclaimPolicy);
        Assert.Equal("Immediate", sc.VolumeBindingMode);
    }

    public static TheoryData<string, string[]> ScCases => new()
    {
        { "", ["provisioner: Required value"] },
        { ""","provisioner":"p","reclaimPolicy":"Recycle" """, ["reclaimPolicy: Unsupported value: \"Recycle\": supported values: \"Delete\", \"Retain\""] },
        { ""","provisioner":"p","volumeBindingMode":"Later" """, ["volumeBindingMode: Unsupported value: \"Later\": supported values: \"Immediate\", \"WaitForFirstConsumer\""] },
        { ""","provisioner":"p","allowedTopologies":[{"matchLabelExpressions":[{"key":"zone","values":[]}]}]""",
            ["allowedTopologies[0].matchLabelExpressions[0].values: Required value: must specify as least one value"] },
        { ""","provisioner":"p","parameters":{"":"x"}""", ["parameters: Invalid value: \"\": field can not be empty."] },
        { ""","provisioner":"kubernetes.io/rbd","parameters":{"monitors":"m"}""", [] },
    };

    [Theory]
    [MemberData(nameof(ScCases))]
    public void Sc_validation_messages(string body, string[] expected) => Assert.Equal(expected, Create(BuiltinStrategies.StorageClass, Sc(body)));

    [Fact]
    public void Sc_update_rules_scenario_40()
    {
        var old = Sc(""","provisioner":"p","parameters":{"a":"1"},"volumeBindingMode":"Immediate" """); Create(BuiltinStrategies.StorageClass, old);
        var sc = StrategySupport.Clone(old);
        sc.Parameters!["a"] = "2";
        sc.Provisioner = "q";
        sc.ReclaimPolicy = "Retain";
        sc.VolumeBindingMode = "WaitForFirstConsumer";
        Assert.Equal([
            "parameters: Forbidden: updates to parameters are forbidden.",
            "provisioner: Forbidden: updates to provisioner are forbidden.",
            "reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.",
            "volumeBindingMode: Invalid value: \"WaitForFirstConsumer\": field is immutable"], Update(BuiltinStrategies.StorageClass, sc, old));

        var ok = StrategySupport.Clone(old);
        ok.AllowVolumeExpansion = true;
        ok.MountOptions = ["discard"];
        ok.Metadata.Annotations = new() { [StorageClass.IsDefaultAnnotation] = "true" };
        Assert.Empty(Update(BuiltinStrategies.StorageClass, ok, old));
    }

    [Fact]
    public void Sc_rows()
    {
        var s = BuiltinStrategies.StorageClass;
        Assert.Equal(["Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"], s.Columns.Select(c => c.Name));
        var sc = Sc(""","provisioner":"example.com/p" """);
        sc.Metadata.CreationTimestamp = Now.AddDays(-2);
        Assert.Equal(["fast", "example.com/p", "Delete", "Immediate", false, "2d"], s.Row(sc, Now));
        sc.Metadata.Annotations = new() { [StorageClass.BetaIsDefaultAnnotation] = "true" };
        sc.ReclaimPolicy = "Retain"; sc.VolumeBindingMode = "WaitForFirstConsumer"; sc.AllowVolumeExpansion = true;
        Assert.Equal(["fast (default)", "example.com/p", "Retain", "WaitForFirstConsumer", true, "2d"], s.Row(sc, Now));
    }
}
