using System.Text.Json.Nodes;
using Berth.Api.Meta;
using Berth.Api.Registry;

namespace Berth.Api.Tests.Workloads;

internal static class W
{
    public static readonly DateTimeOffset Now = new(2024, 1, 2, 3, 10, 0, TimeSpan.Zero);

    /// <summary>What the server does on create: decode, PrepareForCreate, Default.</summary>
    public static T Create<T>(IResourceStrategy s, string json) where T : KubeObject
    {
        var obj = s.Decode(JsonNode.Parse(json)!.AsObject());
        s.PrepareForCreate(obj);
        s.Default(obj);
        return (T)obj;
    }

    public static T Decode<T>(IResourceStrategy s, string json) where T : KubeObject => (T)s.Decode(JsonNode.Parse(json)!.AsObject());

    public static List<string> CreateErrors(IResourceStrategy s, KubeObject obj) => s.ValidateCreate(obj).Select(e => e.ToString()).ToList();

    public static List<string> UpdateErrors(IResourceStrategy s, KubeObject updated, KubeObject old)
    {
        s.Default(updated);
        return s.ValidateUpdate(updated, old).Select(e => e.ToString()).ToList();
    }

    public static JsonObject Json(IResourceStrategy s, KubeObject obj) => s.Encode(obj);

    public static T Clone<T>(IResourceStrategy s, T obj) where T : KubeObject => (T)s.Decode(s.Encode(obj));

    public static string? Str(JsonNode? root, string path)
    {
        JsonNode? n = root;
        foreach (var part in path.Split('.'))
        {
            if (n is null) return null;
            n = int.TryParse(part, out var i) ? n.AsArray()[i] : n[part];
        }
        return n?.ToJsonString(KubeJson.Options);
    }

    public const string WebStatefulSet = """
    {
      "apiVersion": "apps/v1",
      "kind": "StatefulSet",
      "metadata": {"name": "web", "namespace": "default"},
      "spec": {
        "selector": {"matchLabels": {"app": "nginx"}},
        "serviceName": "nginx",
        "replicas": 3,
        "template": {
          "metadata": {"labels": {"app": "nginx"}},
          "spec": {
            "terminationGracePeriodSeconds": 10,
            "containers": [{
              "name": "nginx",
              "image": "registry.k8s.io/nginx-slim:0.8",
              "ports": [{"containerPort": 80, "name": "web"}],
              "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]
            }]
          }
        },
        "volumeClaimTemplates": [{
          "metadata": {"name": "www"},
          "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "nfs", "resources": {"requests": {"storage": "1Gi"}}}
        }]
      }
    }
    """;

    public const string NginxPod = """
    {
      "apiVersion": "v1",
      "kind": "Pod",
      "metadata": {"name": "nginx", "namespace": "default"},
      "spec": {
        "containers": [{"name": "nginx", "image": "nginx:1.14.2", "ports": [{"containerPort": 80}]}]
      }
    }
    """;

    public const string HeadlessService = """
    {
      "apiVersion": "v1",
      "kind": "Service",
      "metadata": {"name": "nginx", "namespace": "default", "labels": {"app": "nginx"}},
      "spec": {"ports": [{"port": 80, "name": "web"}], "clusterIP": "None", "selector": {"app": "nginx"}}
    }
    """;

    public const string NginxDeployment = """
    {
      "apiVersion": "apps/v1",
      "kind": "Deployment",
      "metadata": {"name": "nginx-deployment", "namespace": "default", "labels": {"app": "nginx"}},
      "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "nginx"}},
        "template": {
          "metadata": {"labels": {"app": "nginx"}},
          "spec": {"containers": [{"name": "nginx", "image": "nginx:1.14.2", "ports": [{"containerPort": 80}]}]}
        }
      }
    }
    """;
}
