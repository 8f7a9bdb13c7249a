namespace Berth.Api.Tests.Models;

/// <summary>The tutorials' manifests (kubernetes.io docs, StatefulSet basics, Ceph RBD), as kubectl sends them (JSON).</summary>
public static class Manifests
{
    public const string NfsPersistentVolume = """
    {
      "apiVersion": "v1",
      "kind": "PersistentVolume",
      "metadata": {"name": "nfs-pv", "labels": {"type": "nfs"}},
      "spec": {
        "capacity": {"storage": "10Gi"},
        "volumeMode": "Filesystem",
        "accessModes": ["ReadWriteMany"],
        "persistentVolumeReclaimPolicy": "Retain",
        "storageClassName": "nfs",
        "mountOptions": ["hard", "nfsvers=4.1"],
        "nfs": {"path": "/tmp", "server": "172.17.0.2", "readOnly": false}
      }
    }
    """;

    public const string HostPathPersistentVolume = """
    {
      "apiVersion": "v1",
      "kind": "PersistentVolume",
      "metadata": {"name": "task-pv-volume", "labels": {"type": "local"}},
      "spec": {
        "storageClassName": "manual",
        "capacity": {"storage": "10Gi"},
        "accessModes": ["ReadWriteOnce"],
        "hostPath": {"path": "/mnt/data"}
      }
    }
    """;

    public const string Claim = """
    {
      "apiVersion": "v1",
      "kind": "PersistentVolumeClaim",
      "metadata": {"name": "task-pv-claim", "namespace": "default"},
      "spec": {
        "storageClassName": "manual",
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": "3Gi"}}
      }
    }
    """;

    public const string RbdStorageClass = """
    {
      "apiVersion": "storage.k8s.io/v1",
      "kind": "StorageClass",
      "metadata": {"name": "fast", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
      "provisioner": "kubernetes.io/rbd",
      "parameters": {
        "monitors": "10.16.153.105:6789",
        "adminId": "kube",
        "adminSecretName": "ceph-secret",
        "adminSecretNamespace": "kube-system",
        "pool": "kube",
        "userId": "kube",
        "userSecretName": "ceph-secret-user",
        "userSecretNamespace": "default",
        "fsType": "ext4",
        "imageFormat": "2",
        "imageFeatures": "layering"
      },
      "reclaimPolicy": "Retain",
      "allowVolumeExpansion": true,
      "mountOptions": ["discard"],
      "volumeBindingMode": "WaitForFirstConsumer",
      "allowedTopologies": [{"matchLabelExpressions": [{"key": "topology.kubernetes.io/zone", "values": ["us-central-1a", "us-central-1b"]}]}]
    }
    """;

    public const string StatefulSet = """
    {
      "apiVersion": "apps/v1",
      "kind": "StatefulSet",
      "metadata": {"name": "web", "namespace": "default"},
      "spec": {
        "selector": {"matchLabels": {"app": "nginx"}},
        "serviceName": "nginx",
        "replicas": 3,
        "minReadySeconds": 10,
        "podManagementPolicy": "Parallel",
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2, "maxUnavailable": "50%"}},
        "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Delete"},
        "ordinals": {"start": 0},
        "template": {
          "metadata": {"labels": {"app": "nginx"}},
          "spec": {
            "terminationGracePeriodSeconds": 10,
            "containers": [{
              "name": "nginx",
              "image": "registry.k8s.io/nginx-slim:0.24",
              "ports": [{"containerPort": 80, "name": "web"}],
              "env": [
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "KEY", "valueFrom": {"secretKeyRef": {"name": "ceph-secret", "key": "key"}}}
              ],
              "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "initialDelaySeconds": 5, "periodSeconds": 2},
              "livenessProbe": {"tcpSocket": {"port": "web"}, "failureThreshold": 3, "timeoutSeconds": 1},
              "startupProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}},
              "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]
            }]
          }
        },
        "volumeClaimTemplates": [{
          "metadata": {"name": "www"},
          "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": "my-storage-class",
            "resources": {"requests": {"storage": "1Gi"}}
          }
        }]
      }
    }
    """;

    public const string HeadlessService = """
    {
      "apiVersion": "v1",
      "kind": "Service",
      "metadata": {"name": "nginx", "labels": {"app": "nginx"}},
      "spec": {
        "ports": [{"port": 80, "name": "web", "targetPort": "web"}],
        "clusterIP": "None",
        "selector": {"app": "nginx"}
      }
    }
    """;

    public const string RbdSecret = """
    {
      "apiVersion": "v1",
      "kind": "Secret",
      "metadata": {"name": "ceph-secret-user", "namespace": "default"},
      "type": "kubernetes.io/rbd",
      "data": {"key": "QVFBTWdYaFZ3QkNlRGhBQTlubFBhRnlmVVNhdEdENGRyRldEdlE9PQ=="}
    }
    """;

    public const string Pod = """
    {
      "apiVersion": "v1",
      "kind": "Pod",
      "metadata": {"name": "task-pv-pod"},
      "spec": {
        "volumes": [
          {"name": "task-pv-storage", "persistentVolumeClaim": {"claimName": "task-pv-claim"}},
          {"name": "rbdpd", "rbd": {"monitors": ["10.16.154.78:6789"], "pool": "kube", "image": "foo", "fsType": "ext4", "readOnly": true, "user": "admin", "keyring": "/etc/ceph/keyring", "secretRef": {"name": "ceph-secret"}}},
          {"name": "cache", "emptyDir": {"sizeLimit": "500Mi"}}
        ],
        "containers": [{
          "name": "task-pv-container",
          "image": "nginx",
          "ports": [{"containerPort": 80, "name": "http-server", "hostIP": "127.0.0.1"}],
          "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
          "volumeMounts": [{"mountPath": "/usr/share/nginx/html", "name": "task-pv-storage"}]
        }],
        "nodeSelector": {"kubernetes.io/hostname": "node-1"},
        "hostname": "web-0",
        "subdomain": "nginx"
      },
      "status": {"phase": "Running", "podIP": "10.0.0.5", "podIPs": [{"ip": "10.0.0.5"}], "hostIP": "192.168.1.2",
        "startTime": "2024-01-02T03:04:05Z",
        "containerStatuses": [{"name": "task-pv-container", "ready": true, "restartCount": 0, "image": "nginx", "imageID": "docker.io/library/nginx@sha256:abc", "containerID": "containerd://123", "started": true, "state": {"running": {"startedAt": "2024-01-02T03:04:06Z"}}}]}
    }
    """;
}
