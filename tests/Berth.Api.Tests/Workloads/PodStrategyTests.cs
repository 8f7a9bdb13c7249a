using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Api.Strategies.Workloads;

namespace Berth.Api.Tests.Workloads;

public class PodStrategyTests
{
    private static readonly PodStrategy S = new();
    private static Pod Nginx() => W.Create<Pod>(S, W.NginxPod);

    [Theory]
    [InlineData("status", "{\"phase\":\"Pending\",\"qosClass\":\"BestEffort\"}")]
    [InlineData("spec.restartPolicy", "\"Always\"")]
    [InlineData("spec.dnsPolicy", "\"ClusterFirst\"")]
    [InlineData("spec.schedulerName", "\"default-scheduler\"")]
    [InlineData("spec.terminationGracePeriodSeconds", "30")]
    [InlineData("spec.securityContext", "{}")]
    [InlineData("spec.enableServiceLinks", "true")]
    [InlineData("spec.priority", "0")]
    [InlineData("spec.preemptionPolicy", "\"PreemptLowerPriority\"")]
    [InlineData("spec.containers.0.imagePullPolicy", "\"IfNotPresent\"")]
    [InlineData("spec.containers.0.terminationMessagePath", "\"/dev/termination-log\"")]
    [InlineData("spec.containers.0.terminationMessagePolicy", "\"File\"")]
    [InlineData("spec.containers.0.ports.0.protocol", "\"TCP\"")]
    public void Pod_gets_upstream_defaults(string path, string expected) => Assert.Equal(expected, W.Str(W.Json(S, Nginx()), path));

    [Theory]
    [InlineData("nginx", "Always")]
    [InlineData("nginx:latest", "Always")]
    [InlineData("localhost:5000/nginx", "Always")]
    [InlineData("nginx:1.14.2", "IfNotPresent")]
    [InlineData("localhost:5000/nginx:1.0", "IfNotPresent")]
    [InlineData("nginx@sha256:0123456789abcdef", "IfNotPresent")]
    public void Image_pull_policy_follows_the_tag(string image, string expected)
    {
        var pod = W.Decode<Pod>(S, W.NginxPod);
        pod.Spec!.Containers![0].Image = image;
        S.Default(pod);
        Assert.Equal(expected, pod.Spec.Containers[0].ImagePullPolicy);
    }

    [Fact]
    public void Probe_volume_and_env_defaults()
    {
        var pod = W.Create<Pod>(S, """
        {"metadata": {"name": "p"}, "spec": {
          "volumes": [{"name": "scratch"}, {"name": "cfg", "configMap": {"name": "c"}}, {"name": "sec", "secret": {"secretName": "s"}}, {"name": "h", "hostPath": {"path": "/x"}}],
          "containers": [{"name": "c", "image": "busybox:1.36",
            "env": [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
            "livenessProbe": {"httpGet": {"port": 80}},
            "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}}}]}}
        """);
        var json = W.Json(S, pod);
        Assert.Equal("{}", W.Str(json, "spec.volumes.0.emptyDir"));
        Assert.Equal("420", W.Str(json, "spec.volumes.1.configMap.defaultMode"));
        Assert.Equal("420", W.Str(json, "spec.volumes.2.secret.defaultMode"));
        Assert.Equal("\"\"", W.Str(json, "spec.volumes.3.hostPath.type"));
        Assert.Equal("\"v1\"", W.Str(json, "spec.containers.0.env.0.valueFrom.fieldRef.apiVersion"));
        Assert.Equal("{\"httpGet\":{\"path\":\"/\",\"port\":80,\"scheme\":\"HTTP\"},\"timeoutSeconds\":1,\"periodSeconds\":10,\"successThreshold\":1,\"failureThreshold\":3}",
            W.Str(json, "spec.containers.0.livenessProbe"));
        Assert.Equal("{\"cpu\":\"500m\",\"memory\":\"128Mi\"}", W.Str(json, "spec.containers.0.resources.requests"));
        Assert.Equal("\"Guaranteed\"", W.Str(json, "status.qosClass"));
        Assert.Empty(W.CreateErrors(S, pod));
    }

    [Fact]
    public void Qos_is_burstable_when_requests_and_limits_differ()
    {
        var pod = W.Decode<Pod>(S, W.NginxPod);
        pod.Spec!.Containers![0].Resources = new ResourceRequirements { Requests = new() { ["cpu"] = Quantity.Parse("250m") }, Limits = new() { ["memory"] = Quantity.Parse("128Mi") } };
        Assert.Equal("Burstable", PodStrategy.QosClass(pod.Spec));
    }

    public static TheoryData<string, Action<Pod>, string> InvalidCases => new()
    {
        { "no containers", p => p.Spec!.Containers = [], "spec.containers: Required value" },
        { "no image", p => p.Spec!.Containers![0].Image = null, "spec.containers[0].image: Required value" },
        { "bad container name", p => p.Spec!.Containers![0].Name = "Nginx",
            "spec.containers[0].name: Invalid value: \"Nginx\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')" },
        { "duplicate container", p => p.Spec!.Containers!.Add(new Container { Name = "nginx", Image = "nginx", ImagePullPolicy = "Always", TerminationMessagePolicy = "File" }),
            "spec.containers[1].name: Duplicate value: \"nginx\"" },
        { "mount of unknown volume", p => p.Spec!.Containers![0].VolumeMounts = [new VolumeMount { Name = "x", MountPath = "/x" }],
            "spec.containers[0].volumeMounts[0].name: Not found: \"x\"" },
        { "duplicate volume", p => p.Spec!.Volumes = [new Volume { Name = "v", EmptyDir = new() }, new Volume { Name = "v", EmptyDir = new() }],
            "spec.volumes[1].name: Duplicate value: \"v\"" },
        { "two volume sources", p => p.Spec!.Volumes = [new Volume { Name = "v", EmptyDir = new(), HostPath = new HostPathVolumeSource { Path = "/x" } }],
            "spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type" },
        { "pvc without claim name", p => p.Spec!.Volumes = [new Volume { Name = "v", PersistentVolumeClaim = new() }],
            "spec.volumes[0].persistentVolumeClaim.claimName: Required value" },
        { "restart policy", p => p.Spec!.RestartPolicy = "Sometimes",
            "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"" },
        { "container port out of range", p => p.Spec!.Containers![0].Ports![0].ContainerPortNumber = 70000,
            "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive" },
        { "port protocol", p => p.Spec!.Containers![0].Ports![0].Protocol = "ICMP",
            "spec.containers[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"" },
        // A probe's port is a Go IntOrString value: absent, it is the int 0.
        { "probe without a port", p => p.Spec!.Containers![0].LivenessProbe = new Probe { TcpSocket = new TCPSocketAction() },
            "spec.containers[0].livenessProbe.tcpSocket.port: Invalid value: 0: must be between 1 and 65535, inclusive" },
        { "probe port name", p => p.Spec!.Containers![0].ReadinessProbe = new Probe { HttpGet = new HTTPGetAction { Port = "Web_Port" } },
            "spec.containers[0].readinessProbe.httpGet.port: Invalid value: \"Web_Port\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)" },
        { "pull policy", p => p.Spec!.Containers![0].ImagePullPolicy = "Sometimes",
            "spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\"" },
    };

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Invalid_pods_are_rejected_with_upstream_messages(string name, Action<Pod> mutate, string expected)
    {
        var pod = Nginx();
        mutate(pod);
        var errors = W.CreateErrors(S, pod);
        Assert.True(errors.Contains(expected), $"{name}: expected\n  {expected}\ngot\n  {string.Join("\n  ", errors)}");
    }

    [Fact]
    public void Pod_updates_may_change_the_image_and_bind_once_but_nothing_else()
    {
        var old = Nginx();
        var image = W.Clone(S, old);
        image.Spec!.Containers![0].Image = "nginx:1.25";
        Assert.Empty(W.UpdateErrors(S, image, old));

        var bind = W.Clone(S, old);
        bind.Spec!.NodeName = "node-1";
        Assert.Empty(W.UpdateErrors(S, bind, old));

        var rebind = W.Clone(S, bind);
        rebind.Spec!.NodeName = "node-2";
        var rebindErrors = W.UpdateErrors(S, rebind, bind);
        Assert.Single(rebindErrors);
        Assert.StartsWith("spec: Forbidden: " + PodStrategy.UpdatableFieldsMessage + "\n", rebindErrors[0]);
        Assert.Contains("NodeName", rebindErrors[0]);

        var port = W.Clone(S, old);
        port.Spec!.Containers![0].Ports![0].ContainerPortNumber = 8080;
        var errors = W.UpdateErrors(S, port, old);
        Assert.Single(errors);
        Assert.StartsWith("spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n", errors[0]);

        var added = W.Clone(S, old);
        added.Spec!.Containers!.Add(new Container { Name = "side", Image = "busybox" });
        Assert.Contains("spec.containers: Forbidden: pod updates may not add or remove containers", W.UpdateErrors(S, added, old));
    }

    private static Pod WithStatus(string statusJson, string? deletion = null, string? initContainers = null)
    {
        var del = deletion is null ? "" : $", \"deletionTimestamp\": \"{deletion}\"";
        var init = initContainers is null ? "" : $"\"initContainers\": {initContainers},";
        var pod = W.Create<Pod>(S, "{\"metadata\": {\"name\": \"web-0\", \"creationTimestamp\": \"2024-01-02T03:09:00Z\"" + del + "}, "
            + "\"spec\": {\"nodeName\": \"node-1\", " + init + " \"containers\": [{\"name\": \"nginx\", \"image\": \"nginx\"}]}}");
        pod.Status = W.Decode<Pod>(S, $$"""{"status": {{statusJson}}}""").Status;
        return pod;
    }

    public static TheoryData<string, string, string?, string?, object?[]> Rows => new()
    {
        { "Pending", "{\"phase\":\"Pending\"}", null, null, ["web-0", "0/1", "Pending", "0", "60s", "<none>", "node-1", "<none>", "<none>"] },
        { "ContainerCreating", "{\"phase\":\"Pending\",\"containerStatuses\":[{\"name\":\"nginx\",\"ready\":false,\"restartCount\":0,\"state\":{\"waiting\":{\"reason\":\"ContainerCreating\"}}}]}", null, null,
            ["web-0", "0/1", "ContainerCreating", "0", "60s", "<none>", "node-1", "<none>", "<none>"] },
        { "Running", "{\"phase\":\"Running\",\"podIP\":\"10.0.0.5\",\"podIPs\":[{\"ip\":\"10.0.0.5\"}],\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}],\"containerStatuses\":[{\"name\":\"nginx\",\"ready\":true,\"restartCount\":0,\"state\":{\"running\":{\"startedAt\":\"2024-01-02T03:09:05Z\"}}}]}", null, null,
            ["web-0", "1/1", "Running", "0", "60s", "10.0.0.5", "node-1", "<none>", "<none>"] },
        { "Terminating", "{\"phase\":\"Running\",\"podIPs\":[{\"ip\":\"10.0.0.5\"}],\"containerStatuses\":[{\"name\":\"nginx\",\"ready\":true,\"restartCount\":0,\"state\":{\"running\":{}}}]}", "2024-01-02T03:09:50Z", null,
            ["web-0", "1/1", "Terminating", "0", "60s", "10.0.0.5", "node-1", "<none>", "<none>"] },
        { "CrashLoopBackOff", "{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"nginx\",\"ready\":false,\"restartCount\":5,\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}},\"lastState\":{\"terminated\":{\"exitCode\":1,\"reason\":\"Error\",\"finishedAt\":\"2024-01-02T03:09:55Z\"}}}]}", null, null,
            ["web-0", "0/1", "CrashLoopBackOff", "5 (5s ago)", "60s", "<none>", "node-1", "<none>", "<none>"] },
        { "Completed", "{\"phase\":\"Succeeded\",\"containerStatuses\":[{\"name\":\"nginx\",\"ready\":false,\"restartCount\":0,\"state\":{\"terminated\":{\"exitCode\":0,\"reason\":\"Completed\"}}}]}", "2024-01-02T03:09:50Z", null,
            ["web-0", "0/1", "Completed", "0", "60s", "<none>", "node-1", "<none>", "<none>"] },
        { "Init", "{\"phase\":\"Pending\",\"initContainerStatuses\":[{\"name\":\"init\",\"ready\":false,\"restartCount\":0,\"state\":{\"running\":{}}}]}", null, "[{\"name\":\"init\",\"image\":\"busybox\"}]",
            ["web-0", "0/1", "Init:0/1", "0", "60s", "<none>", "node-1", "<none>", "<none>"] },
        { "ErrImagePull", "{\"phase\":\"Pending\",\"containerStatuses\":[{\"name\":\"nginx\",\"ready\":false,\"restartCount\":0,\"state\":{\"waiting\":{\"reason\":\"ErrImagePull\"}}}]}", null, null,
            ["web-0", "0/1", "ErrImagePull", "0", "60s", "<none>", "node-1", "<none>", "<none>"] },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Rows_print_like_kubectl(string state, string status, string? deletion, string? inits, object?[] expected)
    {
        var row = S.Row(WithStatus(status, deletion, inits), W.Now);
        Assert.True(expected.SequenceEqual(row), $"{state}: {string.Join(" | ", row)}");
    }

    [Fact]
    public void Columns_are_spelled_as_upstream()
    {
        Assert.Equal(["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"], S.Columns.Select(c => c.Name));
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1], S.Columns.Select(c => c.Priority));
    }

    [Fact]
    public void Selectable_fields()
    {
        var pod = WithStatus("{\"phase\":\"Running\",\"podIP\":\"10.0.0.5\",\"podIPs\":[{\"ip\":\"10.0.0.5\"}]}");
        var fields = new Dictionary<string, string>();
        S.AddSelectableFields(pod, fields);
        Assert.Equal("node-1", fields["spec.nodeName"]);
        Assert.Equal("Always", fields["spec.restartPolicy"]);
        Assert.Equal("default-scheduler", fields["spec.schedulerName"]);
        Assert.Equal("", fields["spec.serviceAccountName"]);
        Assert.Equal("false", fields["spec.hostNetwork"]);
        Assert.Equal("Running", fields["status.phase"]);
        Assert.Equal("10.0.0.5", fields["status.podIP"]);
        Assert.Equal("", fields["status.nominatedNodeName"]);
    }
}
