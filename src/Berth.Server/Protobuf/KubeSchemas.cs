using static Berth.Server.Protobuf.Fields;

namespace Berth.Server.Protobuf;

/// <summary>
/// Field tables for the Kubernetes protobuf messages that kubectl's generator commands send
/// (create namespace/secret/configmap/serviceaccount/service/deployment/role/rolebinding/clusterrole/clusterrolebinding, run).
/// Numbers follow k8s.io/api and k8s.io/apimachinery generated.proto; names are the JSON names.
/// Fields not listed are skipped when decoding.
/// </summary>
internal static class KubeSchemas
{
    /// <summary>Top-level kinds by (apiVersion, kind).</summary>
    public static IReadOnlyDictionary<(string ApiVersion, string Kind), MessageDef> Kinds { get; }

    /// <summary>Every message by name (for tests).</summary>
    public static IReadOnlyDictionary<string, MessageDef> Messages { get; }

    private static IEnumerable<(string Name, FieldDef[] Fields)> Table()
    {
        // ---------------------------------------------------------------- meta/v1
        yield return ("ObjectMeta", [
            Str(1, "name"), Str(2, "generateName"), Str(3, "namespace"), Str(4, "selfLink"), Str(5, "uid"),
            Str(6, "resourceVersion"), I64(7, "generation"), Time(8, "creationTimestamp"),
            Ptr(Time(9, "deletionTimestamp")), Ptr(I64(10, "deletionGracePeriodSeconds")),
            StrMap(11, "labels"), StrMap(12, "annotations"), Msgs(13, "ownerReferences", "OwnerReference"),
            Strs(14, "finalizers"),
            // 17 managedFields: skipped (the server sets them)
        ]);
        yield return ("OwnerReference", [
            Str(5, "apiVersion"), Str(1, "kind"), Str(3, "name"), Str(4, "uid"),
            Ptr(Bool(6, "controller")), Ptr(Bool(7, "blockOwnerDeletion")),
        ]);
        yield return ("LabelSelector", [StrMap(1, "matchLabels"), Msgs(2, "matchExpressions", "LabelSelectorRequirement")]);
        yield return ("LabelSelectorRequirement", [Str(1, "key"), Str(2, "operator"), Strs(3, "values")]);
        yield return ("Condition", [
            Str(1, "type"), Str(2, "status"), I64(3, "observedGeneration"), Time(4, "lastTransitionTime"),
            Str(5, "reason"), Str(6, "message"),
        ]);

        // ---------------------------------------------------------------- core/v1 objects
        yield return ("Namespace", [Msg(1, "metadata", "ObjectMeta"), Msg(2, "spec", "NamespaceSpec"), Msg(3, "status", "NamespaceStatus")]);
        yield return ("NamespaceSpec", [Strs(1, "finalizers")]);
        yield return ("NamespaceStatus", [Str(1, "phase"), Msgs(2, "conditions", "NamespaceCondition")]);
        yield return ("NamespaceCondition", [
            Str(1, "type"), Str(2, "status"), Time(4, "lastTransitionTime"), Str(5, "reason"), Str(6, "message"),
        ]);
        yield return ("Secret", [
            Msg(1, "metadata", "ObjectMeta"), Ptr(Bool(5, "immutable")), BytesMap(2, "data"), StrMap(4, "stringData"), Str(3, "type"),
        ]);
        yield return ("ConfigMap", [
            Msg(1, "metadata", "ObjectMeta"), Ptr(Bool(4, "immutable")), StrMap(2, "data"), BytesMap(3, "binaryData"),
        ]);
        yield return ("ServiceAccount", [
            Msg(1, "metadata", "ObjectMeta"), Msgs(2, "secrets", "ObjectReference"),
            Msgs(3, "imagePullSecrets", "LocalObjectReference"), Ptr(Bool(4, "automountServiceAccountToken")),
        ]);
        yield return ("ObjectReference", [
            Str(1, "kind"), Str(2, "namespace"), Str(3, "name"), Str(4, "uid"), Str(5, "apiVersion"),
            Str(6, "resourceVersion"), Str(7, "fieldPath"),
        ]);
        yield return ("LocalObjectReference", [Str(1, "name")]);

        yield return ("Service", [Msg(1, "metadata", "ObjectMeta"), Msg(2, "spec", "ServiceSpec"), Msg(3, "status", "ServiceStatus")]);
        yield return ("ServiceSpec", [
            Msgs(1, "ports", "ServicePort"), StrMap(2, "selector"), Str(3, "clusterIP"), Strs(18, "clusterIPs"), Str(4, "type"),
            Strs(5, "externalIPs"), Str(7, "sessionAffinity"), Str(8, "loadBalancerIP"), Strs(9, "loadBalancerSourceRanges"),
            Str(10, "externalName"), Str(11, "externalTrafficPolicy"), I32(12, "healthCheckNodePort"),
            Bool(13, "publishNotReadyAddresses"), Msg(14, "sessionAffinityConfig", "SessionAffinityConfig"),
            Strs(19, "ipFamilies"), Ptr(Str(17, "ipFamilyPolicy")), Ptr(Bool(20, "allocateLoadBalancerNodePorts")),
            Ptr(Str(21, "loadBalancerClass")), Ptr(Str(22, "internalTrafficPolicy")), Ptr(Str(23, "trafficDistribution")),
        ]);
        yield return ("ServicePort", [
            Str(1, "name"), Str(2, "protocol"), Ptr(Str(6, "appProtocol")), I32(3, "port"), IntStr(4, "targetPort"), I32(5, "nodePort"),
        ]);
        yield return ("SessionAffinityConfig", [Msg(1, "clientIP", "ClientIPConfig")]);
        yield return ("ClientIPConfig", [Ptr(I32(1, "timeoutSeconds"))]);
        yield return ("ServiceStatus", [Msg(1, "loadBalancer", "LoadBalancerStatus"), Msgs(2, "conditions", "Condition")]);
        yield return ("LoadBalancerStatus", [Msgs(1, "ingress", "LoadBalancerIngress")]);
        yield return ("LoadBalancerIngress", [Str(1, "ip"), Str(2, "hostname"), Ptr(Str(3, "ipMode")), Msgs(4, "ports", "PortStatus")]);
        yield return ("PortStatus", [I32(1, "port"), Str(2, "protocol"), Ptr(Str(3, "error"))]);

        yield return ("Pod", [Msg(1, "metadata", "ObjectMeta"), Msg(2, "spec", "PodSpec"), Msg(3, "status", "PodStatus")]);
        yield return ("PodStatus", [
            I64(17, "observedGeneration"), Str(1, "phase"), Msgs(2, "conditions", "PodCondition"), Str(3, "message"), Str(4, "reason"),
            Str(11, "nominatedNodeName"), Str(5, "hostIP"), Str(6, "podIP"), Time(7, "startTime"), Str(9, "qosClass"),
        ]);
        yield return ("PodCondition", [
            Str(1, "type"), I64(7, "observedGeneration"), Str(2, "status"), Time(3, "lastProbeTime"), Time(4, "lastTransitionTime"),
            Str(5, "reason"), Str(6, "message"),
        ]);

        // ---------------------------------------------------------------- core/v1 pod template
        yield return ("PodTemplateSpec", [Msg(1, "metadata", "ObjectMeta"), Msg(2, "spec", "PodSpec")]);
        yield return ("PodSpec", [
            Msgs(1, "volumes", "Volume"), Msgs(20, "initContainers", "Container"), Msgs(2, "containers", "Container"),
            Str(3, "restartPolicy"), Ptr(I64(4, "terminationGracePeriodSeconds")), Ptr(I64(5, "activeDeadlineSeconds")),
            Str(6, "dnsPolicy"), StrMap(7, "nodeSelector"), Str(8, "serviceAccountName"), Str(9, "serviceAccount"),
            Ptr(Bool(21, "automountServiceAccountToken")), Str(10, "nodeName"), Bool(11, "hostNetwork"), Bool(12, "hostPID"),
            Bool(13, "hostIPC"), Ptr(Bool(27, "shareProcessNamespace")), Msg(14, "securityContext", "PodSecurityContext"),
            Msgs(15, "imagePullSecrets", "LocalObjectReference"), Str(16, "hostname"), Str(17, "subdomain"),
            // 18 affinity, 33 topologySpreadConstraints, 34 ephemeralContainers, 39 resourceClaims: not in this table
            Str(19, "schedulerName"), Msgs(22, "tolerations", "Toleration"), Msgs(23, "hostAliases", "HostAlias"),
            Str(24, "priorityClassName"), Ptr(I32(25, "priority")), Msg(26, "dnsConfig", "PodDNSConfig"),
            Msgs(28, "readinessGates", "PodReadinessGate"), Ptr(Str(29, "runtimeClassName")), Ptr(Bool(30, "enableServiceLinks")),
            Ptr(Str(31, "preemptionPolicy")), QtyMap(32, "overhead"), Ptr(Bool(35, "setHostnameAsFQDN")), Msg(36, "os", "PodOS"),
            Ptr(Bool(37, "hostUsers")), Msgs(38, "schedulingGates", "PodSchedulingGate"), Msg(40, "resources", "ResourceRequirements"),
            Ptr(Str(41, "hostnameOverride")),
        ]);
        yield return ("PodSecurityContext", [
            Msg(1, "seLinuxOptions", "SELinuxOptions"), Msg(8, "windowsOptions", "WindowsSecurityContextOptions"),
            Ptr(I64(2, "runAsUser")), Ptr(I64(6, "runAsGroup")), Ptr(Bool(3, "runAsNonRoot")), I64s(4, "supplementalGroups"),
            Ptr(Str(12, "supplementalGroupsPolicy")), Ptr(I64(5, "fsGroup")), Msgs(7, "sysctls", "Sysctl"),
            Ptr(Str(9, "fsGroupChangePolicy")), Msg(10, "seccompProfile", "SeccompProfile"),
            Msg(11, "appArmorProfile", "AppArmorProfile"), Ptr(Str(13, "seLinuxChangePolicy")),
        ]);
        yield return ("SecurityContext", [
            Msg(1, "capabilities", "Capabilities"), Ptr(Bool(2, "privileged")), Msg(3, "seLinuxOptions", "SELinuxOptions"),
            Msg(10, "windowsOptions", "WindowsSecurityContextOptions"), Ptr(I64(4, "runAsUser")), Ptr(I64(8, "runAsGroup")),
            Ptr(Bool(5, "runAsNonRoot")), Ptr(Bool(6, "readOnlyRootFilesystem")), Ptr(Bool(7, "allowPrivilegeEscalation")),
            Ptr(Str(9, "procMount")), Msg(11, "seccompProfile", "SeccompProfile"), Msg(12, "appArmorProfile", "AppArmorProfile"),
        ]);
        yield return ("Capabilities", [Strs(1, "add"), Strs(2, "drop")]);
        yield return ("SELinuxOptions", [Str(1, "user"), Str(2, "role"), Str(3, "type"), Str(4, "level")]);
        yield return ("SeccompProfile", [Str(1, "type"), Ptr(Str(2, "localhostProfile"))]);
        yield return ("AppArmorProfile", [Str(1, "type"), Ptr(Str(2, "localhostProfile"))]);
        yield return ("WindowsSecurityContextOptions", [
            Ptr(Str(1, "gmsaCredentialSpecName")), Ptr(Str(2, "gmsaCredentialSpec")), Ptr(Str(3, "runAsUserName")),
            Ptr(Bool(4, "hostProcess")),
        ]);
        yield return ("Sysctl", [Str(1, "name"), Str(2, "value")]);
        yield return ("Toleration", [Str(1, "key"), Str(2, "operator"), Str(3, "value"), Str(4, "effect"), Ptr(I64(5, "tolerationSeconds"))]);
        yield return ("HostAlias", [Str(1, "ip"), Strs(2, "hostnames")]);
        yield return ("PodDNSConfig", [Strs(1, "nameservers"), Strs(2, "searches"), Msgs(3, "options", "PodDNSConfigOption")]);
        yield return ("PodDNSConfigOption", [Str(1, "name"), Ptr(Str(2, "value"))]);
        yield return ("PodReadinessGate", [Str(1, "conditionType")]);
        yield return ("PodOS", [Str(1, "name")]);
        yield return ("PodSchedulingGate", [Str(1, "name")]);

        yield return ("Container", [
            Str(1, "name"), Str(2, "image"), Strs(3, "command"), Strs(4, "args"), Str(5, "workingDir"),
            Msgs(6, "ports", "ContainerPort"), Msgs(19, "envFrom", "EnvFromSource"), Msgs(7, "env", "EnvVar"),
            Msg(8, "resources", "ResourceRequirements"), Msgs(23, "resizePolicy", "ContainerResizePolicy"),
            Ptr(Str(24, "restartPolicy")), Msgs(9, "volumeMounts", "VolumeMount"), Msgs(21, "volumeDevices", "VolumeDevice"),
            Msg(10, "livenessProbe", "Probe"), Msg(11, "readinessProbe", "Probe"), Msg(22, "startupProbe", "Probe"),
            Msg(12, "lifecycle", "Lifecycle"), Str(13, "terminationMessagePath"), Str(20, "terminationMessagePolicy"),
            Str(14, "imagePullPolicy"), Msg(15, "securityContext", "SecurityContext"),
            Bool(16, "stdin"), Bool(17, "stdinOnce"), Bool(18, "tty"),
        ]);
        yield return ("ContainerPort", [Str(1, "name"), I32(2, "hostPort"), I32(3, "containerPort"), Str(4, "protocol"), Str(5, "hostIP")]);
        yield return ("EnvVar", [Str(1, "name"), Str(2, "value"), Msg(3, "valueFrom", "EnvVarSource")]);
        yield return ("EnvVarSource", [
            Msg(1, "fieldRef", "ObjectFieldSelector"), Msg(2, "resourceFieldRef", "ResourceFieldSelector"),
            Msg(3, "configMapKeyRef", "ConfigMapKeySelector"), Msg(4, "secretKeyRef", "SecretKeySelector"),
        ]);
        yield return ("ObjectFieldSelector", [Str(1, "apiVersion"), Str(2, "fieldPath")]);
        yield return ("ResourceFieldSelector", [Str(1, "containerName"), Str(2, "resource"), Qty(3, "divisor")]);
        yield return ("ConfigMapKeySelector", [Inline(1, "LocalObjectReference"), Str(2, "key"), Ptr(Bool(3, "optional"))]);
        yield return ("SecretKeySelector", [Inline(1, "LocalObjectReference"), Str(2, "key"), Ptr(Bool(3, "optional"))]);
        yield return ("EnvFromSource", [Str(1, "prefix"), Msg(2, "configMapRef", "ConfigMapEnvSource"), Msg(3, "secretRef", "SecretEnvSource")]);
        yield return ("ConfigMapEnvSource", [Inline(1, "LocalObjectReference"), Ptr(Bool(2, "optional"))]);
        yield return ("SecretEnvSource", [Inline(1, "LocalObjectReference"), Ptr(Bool(2, "optional"))]);
        yield return ("ResourceRequirements", [QtyMap(1, "limits"), QtyMap(2, "requests"), Msgs(3, "claims", "ResourceClaim")]);
        yield return ("ResourceClaim", [Str(1, "name"), Str(2, "request")]);
        yield return ("ContainerResizePolicy", [Str(1, "resourceName"), Str(2, "restartPolicy")]);
        yield return ("VolumeMount", [
            Str(1, "name"), Bool(2, "readOnly"), Ptr(Str(7, "recursiveReadOnly")), Str(3, "mountPath"), Str(4, "subPath"),
            Ptr(Str(5, "mountPropagation")), Str(6, "subPathExpr"),
        ]);
        yield return ("VolumeDevice", [Str(1, "name"), Str(2, "devicePath")]);
        yield return ("Probe", [
            Inline(1, "ProbeHandler"), I32(2, "initialDelaySeconds"), I32(3, "timeoutSeconds"), I32(4, "periodSeconds"),
            I32(5, "successThreshold"), I32(6, "failureThreshold"), Ptr(I64(7, "terminationGracePeriodSeconds")),
        ]);
        yield return ("ProbeHandler", [
            Msg(1, "exec", "ExecAction"), Msg(2, "httpGet", "HTTPGetAction"), Msg(3, "tcpSocket", "TCPSocketAction"), Msg(4, "grpc", "GRPCAction"),
        ]);
        yield return ("Lifecycle", [Msg(1, "postStart", "LifecycleHandler"), Msg(2, "preStop", "LifecycleHandler"), Ptr(Str(3, "stopSignal"))]);
        yield return ("LifecycleHandler", [
            Msg(1, "exec", "ExecAction"), Msg(2, "httpGet", "HTTPGetAction"), Msg(3, "tcpSocket", "TCPSocketAction"), Msg(4, "sleep", "SleepAction"),
        ]);
        yield return ("ExecAction", [Strs(1, "command")]);
        yield return ("HTTPGetAction", [
            Str(1, "path"), IntStr(2, "port"), Str(3, "host"), Str(4, "scheme"), Msgs(5, "httpHeaders", "HTTPHeader"),
        ]);
        yield return ("HTTPHeader", [Str(1, "name"), Str(2, "value")]);
        yield return ("TCPSocketAction", [IntStr(1, "port"), Str(2, "host")]);
        yield return ("GRPCAction", [I32(1, "port"), Ptr(Str(2, "service"))]);
        yield return ("SleepAction", [I64(1, "seconds")]);

        yield return ("Volume", [Str(1, "name"), Inline(2, "VolumeSource")]);
        yield return ("VolumeSource", [
            // only the common sources; others (cloud disks, projected, csi, ephemeral, ...) are skipped
            Msg(1, "hostPath", "HostPathVolumeSource"), Msg(2, "emptyDir", "EmptyDirVolumeSource"), Msg(6, "secret", "SecretVolumeSource"),
            Msg(7, "nfs", "NFSVolumeSource"), Msg(10, "persistentVolumeClaim", "PersistentVolumeClaimVolumeSource"),
            Msg(19, "configMap", "ConfigMapVolumeSource"),
        ]);
        yield return ("HostPathVolumeSource", [Str(1, "path"), Ptr(Str(2, "type"))]);
        yield return ("EmptyDirVolumeSource", [Str(1, "medium"), Ptr(Qty(2, "sizeLimit"))]);
        yield return ("SecretVolumeSource", [Str(1, "secretName"), Msgs(2, "items", "KeyToPath"), Ptr(I32(3, "defaultMode")), Ptr(Bool(4, "optional"))]);
        yield return ("ConfigMapVolumeSource", [
            Inline(1, "LocalObjectReference"), Msgs(2, "items", "KeyToPath"), Ptr(I32(3, "defaultMode")), Ptr(Bool(4, "optional")),
        ]);
        yield return ("NFSVolumeSource", [Str(1, "server"), Str(2, "path"), Bool(3, "readOnly")]);
        yield return ("PersistentVolumeClaimVolumeSource", [Str(1, "claimName"), Bool(2, "readOnly")]);
        yield return ("KeyToPath", [Str(1, "key"), Str(2, "path"), Ptr(I32(3, "mode"))]);

        // ---------------------------------------------------------------- apps/v1
        yield return ("Deployment", [Msg(1, "metadata", "ObjectMeta"), Msg(2, "spec", "DeploymentSpec"), Msg(3, "status", "DeploymentStatus")]);
        yield return ("DeploymentSpec", [
            Ptr(I32(1, "replicas")), Msg(2, "selector", "LabelSelector"), Msg(3, "template", "PodTemplateSpec"),
            Msg(4, "strategy", "DeploymentStrategy"), I32(5, "minReadySeconds"), Ptr(I32(6, "revisionHistoryLimit")),
            Bool(7, "paused"), Ptr(I32(9, "progressDeadlineSeconds")),
        ]);
        yield return ("DeploymentStrategy", [Str(1, "type"), Msg(2, "rollingUpdate", "RollingUpdateDeployment")]);
        yield return ("RollingUpdateDeployment", [Ptr(IntStr(1, "maxUnavailable")), Ptr(IntStr(2, "maxSurge"))]);
        yield return ("DeploymentStatus", [
            I64(1, "observedGeneration"), I32(2, "replicas"), I32(3, "updatedReplicas"), I32(7, "readyReplicas"),
            I32(4, "availableReplicas"), I32(5, "unavailableReplicas"), Ptr(I32(9, "terminatingReplicas")),
            Msgs(6, "conditions", "DeploymentCondition"), Ptr(I32(8, "collisionCount")),
        ]);
        yield return ("DeploymentCondition", [
            Str(1, "type"), Str(2, "status"), Time(6, "lastUpdateTime"), Time(7, "lastTransitionTime"), Str(4, "reason"), Str(5, "message"),
        ]);

        // ---------------------------------------------------------------- rbac.authorization.k8s.io/v1
        yield return ("Role", [Msg(1, "metadata", "ObjectMeta"), Msgs(2, "rules", "PolicyRule")]);
        yield return ("ClusterRole", [Msg(1, "metadata", "ObjectMeta"), Msgs(2, "rules", "PolicyRule"), Msg(3, "aggregationRule", "AggregationRule")]);
        yield return ("PolicyRule", [Strs(1, "verbs"), Strs(2, "apiGroups"), Strs(3, "resources"), Strs(4, "resourceNames"), Strs(5, "nonResourceURLs")]);
        yield return ("AggregationRule", [Msgs(1, "clusterRoleSelectors", "LabelSelector")]);
        yield return ("RoleBinding", [Msg(1, "metadata", "ObjectMeta"), Msgs(2, "subjects", "Subject"), Msg(3, "roleRef", "RoleRef")]);
        yield return ("ClusterRoleBinding", [Msg(1, "metadata", "ObjectMeta"), Msgs(2, "subjects", "Subject"), Msg(3, "roleRef", "RoleRef")]);
        yield return ("Subject", [Str(1, "kind"), Str(2, "apiGroup"), Str(3, "name"), Str(4, "namespace")]);
        yield return ("RoleRef", [Str(1, "apiGroup"), Str(2, "kind"), Str(3, "name")]);

        // ---------------------------------------------------------------- authentication.k8s.io/v1 (kubectl create token, auth whoami)
        yield return ("TokenRequest", [Msg(1, "metadata", "ObjectMeta"), Msg(2, "spec", "TokenRequestSpec")]);
        yield return ("TokenRequestSpec", [Strs(1, "audiences"), Ptr(I64(4, "expirationSeconds")), Msg(3, "boundObjectRef", "BoundObjectReference")]);
        yield return ("BoundObjectReference", [Str(1, "kind"), Str(2, "apiVersion"), Str(3, "name"), Str(4, "uid")]);
        yield return ("SelfSubjectReview", [Msg(1, "metadata", "ObjectMeta")]);
        yield return ("TokenReview", [Msg(1, "metadata", "ObjectMeta"), Msg(2, "spec", "TokenReviewSpec")]);
        yield return ("TokenReviewSpec", [Str(1, "token"), Strs(2, "audiences")]);

        // ---------------------------------------------------------------- authorization.k8s.io/v1 (kubectl auth can-i)
        yield return ("SelfSubjectAccessReview", [Msg(1, "metadata", "ObjectMeta"), Msg(2, "spec", "SelfSubjectAccessReviewSpec")]);
        yield return ("SelfSubjectAccessReviewSpec", [Msg(1, "resourceAttributes", "ResourceAttributes"), Msg(2, "nonResourceAttributes", "NonResourceAttributes")]);
        yield return ("ResourceAttributes", [
            Str(1, "namespace"), Str(2, "verb"), Str(3, "group"), Str(4, "version"), Str(5, "resource"), Str(6, "subresource"), Str(7, "name"),
        ]);
        yield return ("NonResourceAttributes", [Str(1, "path"), Str(2, "verb")]);
        yield return ("SelfSubjectRulesReview", [Msg(1, "metadata", "ObjectMeta"), Msg(2, "spec", "SelfSubjectRulesReviewSpec")]);
        yield return ("SelfSubjectRulesReviewSpec", [Str(1, "namespace")]);
        yield return ("SubjectAccessReview", [Msg(1, "metadata", "ObjectMeta"), Msg(2, "spec", "SubjectAccessReviewSpec")]);
        yield return ("LocalSubjectAccessReview", [Msg(1, "metadata", "ObjectMeta"), Msg(2, "spec", "SubjectAccessReviewSpec")]);
        yield return ("SubjectAccessReviewSpec", [
            Msg(1, "resourceAttributes", "ResourceAttributes"), Msg(2, "nonResourceAttributes", "NonResourceAttributes"),
            Str(3, "user"), Strs(4, "groups"), Str(6, "uid"),
        ]);
    }

    private static readonly (string ApiVersion, string Kind)[] TopLevel =
    [
        ("v1", "Namespace"), ("v1", "Secret"), ("v1", "ConfigMap"), ("v1", "ServiceAccount"), ("v1", "Service"), ("v1", "Pod"),
        ("apps/v1", "Deployment"),
        ("rbac.authorization.k8s.io/v1", "Role"), ("rbac.authorization.k8s.io/v1", "ClusterRole"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding"), ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
        ("authentication.k8s.io/v1", "TokenRequest"), ("authentication.k8s.io/v1", "SelfSubjectReview"), ("authentication.k8s.io/v1", "TokenReview"),
        ("authorization.k8s.io/v1", "SelfSubjectAccessReview"), ("authorization.k8s.io/v1", "SelfSubjectRulesReview"),
        ("authorization.k8s.io/v1", "SubjectAccessReview"), ("authorization.k8s.io/v1", "LocalSubjectAccessReview"),
    ];

    static KubeSchemas()
    {
        var messages = Table().ToDictionary(m => m.Name, m => new MessageDef(m.Name, m.Fields));
        foreach (var m in messages.Values)
            foreach (var f in m.Fields)
                if (f.MessageName is { } name)
                    f.Message = messages.TryGetValue(name, out var sub) ? sub
                        : throw new InvalidOperationException($"protobuf schema: {m.Name}.{f.Name} refers to unknown message {name}");
        Messages = messages;
        Kinds = TopLevel.ToDictionary(k => k, k => messages[k.Kind]);
    }
}
