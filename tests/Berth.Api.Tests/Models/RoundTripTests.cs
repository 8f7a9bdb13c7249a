using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Apps;
using Berth.Api.Coordination;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Storage;

namespace Berth.Api.Tests.Models;

public class RoundTripTests
{
    private static T Read<T>(string json) => KubeJson.Deserialize<T>(Encoding.UTF8.GetBytes(json));
    private static JsonNode Write<T>(T value) => JsonNode.Parse(KubeJson.Serialize(value))!;

    /// <summary>Deserialise, serialise, and require the same JSON tree back.</summary>
    private static T AssertRoundTrips<T>(string json)
    {
        var model = Read<T>(json);
        var back = Write(model);
        var original = JsonNode.Parse(json)!;
        Assert.True(JsonNode.DeepEquals(original, back), $"round trip changed the object:\n{original.ToJsonString()}\n{back.ToJsonString()}");
        return model;
    }

    [Theory]
    [InlineData(Manifests.NfsPersistentVolume, typeof(PersistentVolume))]
    [InlineData(Manifests.HostPathPersistentVolume, typeof(PersistentVolume))]
    [InlineData(Manifests.Claim, typeof(PersistentVolumeClaim))]
    [InlineData(Manifests.RbdStorageClass, typeof(StorageClass))]
    [InlineData(Manifests.StatefulSet, typeof(StatefulSet))]
    [InlineData(Manifests.HeadlessService, typeof(Service))]
    [InlineData(Manifests.RbdSecret, typeof(Secret))]
    [InlineData(Manifests.Pod, typeof(Pod))]
    public void Tutorial_manifest_round_trips_unchanged_and_has_no_unknown_fields(string json, Type type)
    {
        var model = JsonSerializer.Deserialize(json, type, KubeJson.Options)!;
        var back = JsonSerializer.SerializeToNode(model, type, KubeJson.Options)!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), back), back.ToJsonString());
        // Every field of the tutorials is a known one: nothing lands in an extension dictionary.
        AssertNoUnknown(model);
    }

    private static void AssertNoUnknown(object? o, string path = "")
    {
        if (o is null || o is string || o.GetType().IsPrimitive || o is JsonElement || o is IntOrString || o is Quantity || o is DateTimeOffset || o is byte[]) return;
        if (o is Extensible e) Assert.True(e.Unknown is null || e.Unknown.Count == 0, $"unknown fields at {path}: {string.Join(",", e.Unknown?.Keys.ToList() ?? [])}");
        if (o is System.Collections.IDictionary d) { foreach (System.Collections.DictionaryEntry kv in d) AssertNoUnknown(kv.Value, path + "[" + kv.Key + "]"); return; }
        if (o is System.Collections.IEnumerable list) { int i = 0; foreach (var x in list) AssertNoUnknown(x, path + "[" + i++ + "]"); return; }
        foreach (var p in o.GetType().GetProperties())
            if (p.GetIndexParameters().Length == 0 && p.Name != nameof(Extensible.Unknown)) AssertNoUnknown(p.GetValue(o), path + "." + p.Name);
    }

    [Fact]
    public void Nfs_pv_fields_land_in_properties()
    {
        var pv = AssertRoundTrips<PersistentVolume>(Manifests.NfsPersistentVolume);
        Assert.Equal("nfs-pv", pv.Metadata.Name);
        Assert.Equal("10Gi", pv.Spec!.Capacity!["storage"].ToString());
        Assert.Equal(10L * 1024 * 1024 * 1024, pv.Spec.Capacity["storage"].Value);
        Assert.Equal(["ReadWriteMany"], pv.Spec.AccessModes!);
        Assert.Equal("Retain", pv.Spec.PersistentVolumeReclaimPolicy);
        Assert.Equal("nfs", pv.Spec.StorageClassName);
        Assert.Equal("Filesystem", pv.Spec.VolumeMode);
        Assert.Equal(["hard", "nfsvers=4.1"], pv.Spec.MountOptions!);
        Assert.Equal("172.17.0.2", pv.Spec.NFS!.Server);
        Assert.Equal("/tmp", pv.Spec.NFS.Path);
        Assert.False(pv.Spec.NFS.ReadOnly);
        Assert.Null(pv.Status);
        Assert.Null(pv.Spec.ClaimRef);
    }

    [Fact]
    public void Claim_fields_land_in_properties()
    {
        var pvc = AssertRoundTrips<PersistentVolumeClaim>(Manifests.Claim);
        Assert.Equal("default", pvc.Metadata.Namespace);
        Assert.Equal("manual", pvc.Spec!.StorageClassName);
        Assert.Equal("3Gi", pvc.Spec.Resources!.Requests!["storage"].ToString());
        Assert.Null(pvc.Spec.Resources.Limits);
        Assert.Null(pvc.Spec.VolumeName);
        Assert.Null(pvc.Spec.VolumeMode);
    }

    [Fact]
    public void StorageClass_fields_are_top_level()
    {
        var sc = AssertRoundTrips<StorageClass>(Manifests.RbdStorageClass);
        Assert.Equal("kubernetes.io/rbd", sc.Provisioner);
        Assert.Equal("ceph-secret", sc.Parameters!["adminSecretName"]);
        Assert.Equal("Retain", sc.ReclaimPolicy);
        Assert.True(sc.AllowVolumeExpansion);
        Assert.Equal(VolumeBindingModes.WaitForFirstConsumer, sc.VolumeBindingMode);
        Assert.Equal("topology.kubernetes.io/zone", sc.AllowedTopologies![0].MatchLabelExpressions![0].Key);
        Assert.True(sc.IsDefault);
    }

    [Fact]
    public void StatefulSet_fields_land_in_properties()
    {
        var sts = AssertRoundTrips<StatefulSet>(Manifests.StatefulSet);
        var spec = sts.Spec!;
        Assert.Equal(3, spec.Replicas);
        Assert.Equal("nginx", spec.ServiceName);
        Assert.Equal("nginx", spec.Selector!.MatchLabels!["app"]);
        Assert.Equal("Parallel", spec.PodManagementPolicy);
        Assert.Equal(2, spec.UpdateStrategy!.RollingUpdate!.Partition);
        Assert.Equal(IntOrString.FromString("50%"), spec.UpdateStrategy.RollingUpdate.MaxUnavailable);
        Assert.Equal("Delete", spec.PersistentVolumeClaimRetentionPolicy!.WhenScaled);
        Assert.Equal(0, spec.Ordinals!.Start);
        var vct = Assert.Single(spec.VolumeClaimTemplates!);
        Assert.Equal("www", vct.Metadata.Name);
        Assert.Equal("1Gi", vct.Spec!.Resources!.Requests!["storage"].ToString());
        var c = Assert.Single(spec.Template!.Spec!.Containers!);
        Assert.Equal(80, c.Ports![0].ContainerPortNumber);
        Assert.Equal("metadata.name", c.Env![0].ValueFrom!.FieldRef!.FieldPath);
        Assert.Equal("key", c.Env[1].ValueFrom!.SecretKeyRef!.Key);
        Assert.Equal(IntOrString.FromInt(80), c.ReadinessProbe!.HttpGet!.Port);
        Assert.Equal(5, c.ReadinessProbe.InitialDelaySeconds);
        Assert.Equal(IntOrString.FromString("web"), c.LivenessProbe!.TcpSocket!.Port);
        Assert.Equal(["cat", "/tmp/healthy"], c.StartupProbe!.Exec!.Command!);
        Assert.Equal("/usr/share/nginx/html", c.VolumeMounts![0].MountPath);
        Assert.Equal(10, spec.Template.Spec.TerminationGracePeriodSeconds);
    }

    [Fact]
    public void Headless_service_fields_land_in_properties()
    {
        var svc = AssertRoundTrips<Service>(Manifests.HeadlessService);
        Assert.Equal("None", svc.Spec!.ClusterIP);
        Assert.Equal(80, svc.Spec.Ports![0].Port);
        Assert.Equal(IntOrString.FromString("web"), svc.Spec.Ports[0].TargetPort);
        Assert.Null(svc.Spec.Ports[0].Protocol);
        Assert.Null(svc.Spec.Type);
    }

    [Theory]
    [InlineData("80")]
    [InlineData("\"http\"")]
    [InlineData("\"25%\"")]
    [InlineData("\"8080\"")]   // a string that looks like a number stays a string
    public void IntOrString_fields_keep_int_and_string_apart(string value)
    {
        AssertRoundTrips<Service>("""{"metadata":{"name":"x"},"spec":{"ports":[{"port":80,"targetPort":V}]}}""".Replace("V", value));
        AssertRoundTrips<Deployment>("""{"metadata":{"name":"x"},"spec":{"strategy":{"rollingUpdate":{"maxSurge":V,"maxUnavailable":V}}}}""".Replace("V", value));
        AssertRoundTrips<StatefulSet>("""{"metadata":{"name":"x"},"spec":{"updateStrategy":{"rollingUpdate":{"maxUnavailable":V}}}}""".Replace("V", value));
        AssertRoundTrips<Pod>("""{"metadata":{"name":"x"},"spec":{"containers":[{"name":"c","livenessProbe":{"httpGet":{"port":V}},"readinessProbe":{"tcpSocket":{"port":V}}}]}}""".Replace("V", value));
    }

    [Fact]
    public void Secret_data_is_base64_bytes()
    {
        var s = AssertRoundTrips<Secret>(Manifests.RbdSecret);
        Assert.Equal("kubernetes.io/rbd", s.Type);
        Assert.Equal("AQAMgXhVwBCeDhAA9nlPaFyfUSatGD4drFWDvQ==", Encoding.UTF8.GetString(s.Data!["key"]));
        Assert.Null(s.StringData);
    }

    [Fact]
    public void Pod_fields_land_in_properties()
    {
        var pod = AssertRoundTrips<Pod>(Manifests.Pod);
        var spec = pod.Spec!;
        Assert.Equal("task-pv-claim", spec.Volumes![0].PersistentVolumeClaim!.ClaimName);
        Assert.Equal("foo", spec.Volumes[1].RBD!.Image);
        Assert.Equal("ceph-secret", spec.Volumes[1].RBD!.SecretRef!.Name);
        Assert.Equal("500Mi", spec.Volumes[2].EmptyDir!.SizeLimit!.Value.ToString());
        Assert.Equal("250m", spec.Containers![0].Resources!.Requests!["cpu"].ToString());
        Assert.Equal(250, spec.Containers[0].Resources!.Requests!["cpu"].MilliValue);
        Assert.Equal("127.0.0.1", spec.Containers[0].Ports![0].HostIP);
        Assert.Equal("web-0", spec.Hostname);
        Assert.Equal("nginx", spec.Subdomain);
        Assert.Equal("10.0.0.5", pod.Status!.PodIP);
        Assert.Equal("10.0.0.5", pod.Status.PodIPs![0].Ip);
        Assert.Equal("192.168.1.2", pod.Status.HostIP);
        var cs = pod.Status.ContainerStatuses![0];
        Assert.Equal("containerd://123", cs.ContainerID);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 6, TimeSpan.Zero), cs.State!.Running!.StartedAt);
    }

    [Fact]
    public void Unknown_fields_survive_at_every_level()
    {
        const string json = """
        {"apiVersion":"v1","kind":"PersistentVolume","futureTop":{"a":[1,2]},
         "metadata":{"name":"p","futureMeta":"x"},
         "spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"quobyte":{"registry":"r:7861","volume":"v"},
                 "nfs":{"server":"s","path":"/p","futureNfs":true}},
         "status":{"phase":"Available","futureStatus":7}}
        """;
        var pv = AssertRoundTrips<PersistentVolume>(json);
        Assert.True(pv.Unknown!.ContainsKey("futureTop"));
        Assert.True(pv.Metadata.Unknown!.ContainsKey("futureMeta"));
        Assert.True(pv.Spec!.Unknown!.ContainsKey("quobyte"));
        Assert.True(pv.Spec.NFS!.Unknown!.ContainsKey("futureNfs"));
        Assert.Equal(7, pv.Status!.Unknown!["futureStatus"].GetInt32());
    }

    [Fact]
    public void Absent_fields_stay_absent()
    {
        var pvc = new PersistentVolumeClaim
        {
            ApiVersion = "v1", Kind = "PersistentVolumeClaim",
            Metadata = new ObjectMeta { Name = "c" },
            Spec = new PersistentVolumeClaimSpec { AccessModes = ["ReadWriteOnce"] },
        };
        Assert.Equal("""{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{"accessModes":["ReadWriteOnce"]}}""",
            Encoding.UTF8.GetString(KubeJson.Serialize(pvc)));
        // Explicit empty string and false are kept: "" storage class means "no class", unlike absent.
        pvc.Spec.StorageClassName = "";
        var node = Write(pvc);
        Assert.Equal("", (string?)node["spec"]!["storageClassName"]);
        Assert.Null(node["status"]);
    }

    [Fact]
    public void Quantity_comes_back_in_canonical_form()
    {
        const string json = """{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{"resources":{"requests":{"storage":"0.5Gi"}}}}""";
        var pvc = Read<PersistentVolumeClaim>(json);
        var back = Write(pvc);
        Assert.Equal(Quantity.Parse("0.5Gi").ToString(), (string?)back["spec"]!["resources"]!["requests"]!["storage"]);
        Assert.Equal(512L * 1024 * 1024, pvc.Spec!.Resources!.Requests!["storage"].Value);
    }

    [Fact]
    public void Lease_times_are_micro_times_and_events_k8s_io_too()
    {
        const string json = """
        {"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l","namespace":"kube-system"},
         "spec":{"holderIdentity":"a_b","leaseDurationSeconds":15,"acquireTime":"2024-01-02T03:04:05.123456Z","renewTime":"2024-01-02T03:04:06.000001Z","leaseTransitions":2}}
        """;
        var lease = AssertRoundTrips<Lease>(json);
        Assert.Equal("a_b", lease.Spec!.HolderIdentity);
        Assert.Equal(2, lease.Spec.LeaseTransitions);

        const string ev = """
        {"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e","namespace":"default"},
         "eventTime":"2024-01-02T03:04:05.500000Z","reportingController":"c","reportingInstance":"i","action":"Binding","reason":"Scheduled",
         "regarding":{"kind":"Pod","namespace":"default","name":"p"},"note":"n","type":"Normal",
         "series":{"count":2,"lastObservedTime":"2024-01-02T03:04:06.000000Z"},
         "deprecatedSource":{"component":"default-scheduler"},"deprecatedFirstTimestamp":"2024-01-02T03:04:05Z","deprecatedCount":1}
        """;
        var e = AssertRoundTrips<Berth.Api.Events.Event>(ev);
        Assert.Equal("Pod", e.Regarding!.Kind);
        Assert.Equal("default-scheduler", e.DeprecatedSource!.Component);
    }

    [Fact]
    public void Core_event_round_trips()
    {
        const string json = """
        {"apiVersion":"v1","kind":"Event","metadata":{"name":"x.17a","namespace":"default"},
         "involvedObject":{"kind":"PersistentVolumeClaim","namespace":"default","name":"x","uid":"u","apiVersion":"v1","resourceVersion":"5"},
         "reason":"FailedBinding","message":"no persistent volumes available for this claim and no storage class is set",
         "source":{"component":"persistentvolume-controller"},"firstTimestamp":"2024-01-02T03:04:05Z","lastTimestamp":"2024-01-02T03:05:05Z",
         "count":3,"type":"Normal","eventTime":null,"reportingComponent":"persistentvolume-controller","reportingInstance":""}
        """;
        var model = Read<Event>(json);
        Assert.Equal(3, model.Count);
        Assert.Null(model.EventTime);
        var back = Write(model);
        Assert.Null(back["eventTime"]); // null is absent, as omitempty
        Assert.Equal("persistentvolume-controller", (string?)back["source"]!["component"]);
    }

    [Fact]
    public void Other_kinds_round_trip()
    {
        AssertRoundTrips<ConfigMap>("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"b"},"binaryData":{"bin":"AAEC"},"immutable":true}""");
        AssertRoundTrips<Namespace>("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n"},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}""");
        AssertRoundTrips<ServiceAccount>("""{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"nfs-client-provisioner","namespace":"default"},"secrets":[{"name":"t"}],"automountServiceAccountToken":false}""");
        AssertRoundTrips<Endpoints>("""{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"nginx"},"subsets":[{"addresses":[{"ip":"10.0.0.1","hostname":"web-0","nodeName":"n1","targetRef":{"kind":"Pod","name":"web-0"}}],"notReadyAddresses":[{"ip":"10.0.0.2"}],"ports":[{"name":"web","port":80,"protocol":"TCP"}]}]}""");
        var node = AssertRoundTrips<Node>("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},"spec":{"podCIDR":"10.0.0.0/24","podCIDRs":["10.0.0.0/24"],"providerID":"berth://n1","taints":[{"key":"k","effect":"NoSchedule"}]},"status":{"capacity":{"cpu":"4","memory":"8Gi"},"addresses":[{"type":"InternalIP","address":"192.168.1.2"}],"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}},"nodeInfo":{"machineID":"m","systemUUID":"s","bootID":"b","kernelVersion":"6.1","osImage":"Debian","containerRuntimeVersion":"berth://1","kubeletVersion":"v1.32.0","kubeProxyVersion":"","operatingSystem":"linux","architecture":"amd64"},"conditions":[{"type":"Ready","status":"True","lastHeartbeatTime":"2024-01-02T03:04:05Z"}]}}""");
        Assert.Equal(10250, node.Status!.DaemonEndpoints!.KubeletEndpoint!.Port);
        AssertRoundTrips<ControllerRevision>("""{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"web-5d8f"},"data":{"spec":{"template":{"$patch":"replace"}}},"revision":3}""");
        AssertRoundTrips<Deployment>("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"a"}},"strategy":{"type":"Recreate"},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"serviceAccountName":"nfs-client-provisioner","containers":[{"name":"c","image":"i","env":[{"name":"NFS_SERVER","value":"10.0.0.1"}]}],"volumes":[{"name":"nfs-client-root","nfs":{"server":"10.0.0.1","path":"/exports"}}]}}}}""");
        AssertRoundTrips<Berth.Api.Rbac.ClusterRole>("""{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"nfs-client-provisioner-runner"},"rules":[{"apiGroups":[""],"resources":["persistentvolumes"],"verbs":["get","list","watch","create","delete"]},{"nonResourceURLs":["/healthz"],"verbs":["get"]}]}""");
        AssertRoundTrips<Berth.Api.Rbac.ClusterRoleBinding>("""{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"run-nfs"},"subjects":[{"kind":"ServiceAccount","name":"nfs-client-provisioner","namespace":"default"}],"roleRef":{"kind":"ClusterRole","name":"nfs-client-provisioner-runner","apiGroup":"rbac.authorization.k8s.io"}}""");
        AssertRoundTrips<Berth.Api.Rbac.Role>("""{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"leader-locking","namespace":"default"},"rules":[{"apiGroups":["coordination.k8s.io"],"resources":["leases"],"verbs":["get","update"]}]}""");
        AssertRoundTrips<Berth.Api.Rbac.RoleBinding>("""{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"leader-locking","namespace":"default"},"subjects":[{"kind":"ServiceAccount","name":"sa"}],"roleRef":{"kind":"Role","name":"leader-locking","apiGroup":"rbac.authorization.k8s.io"}}""");
    }
}
