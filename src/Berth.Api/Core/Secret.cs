using System.Text.Json.Serialization;
using System.ComponentModel;
using Berth.Api.Meta;

namespace Berth.Api.Core;

[Description("Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.")]
public sealed class Secret : KubeObject
{
    [Description("Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string.")]
    [JsonPropertyOrder(1)]
    public Dictionary<string, byte[]>? Data { get; set; }
    [Description("stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience.")]
    [JsonPropertyOrder(1)]
    public Dictionary<string, string>? StringData { get; set; }
    [Description("Used to facilitate programmatic handling of secret data.")]
    [JsonPropertyOrder(1)]
    public string? Type { get; set; }
    [Description("Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified).")]
    [JsonPropertyOrder(1)]
    public bool? Immutable { get; set; }
}

public sealed class SecretList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<Secret> Items { get; set; } = new();
}

[Description("ConfigMap holds configuration data for pods to consume.")]
public sealed class ConfigMap : KubeObject
{
    [Description("Data contains the configuration data.")]
    [JsonPropertyOrder(1)]
    public Dictionary<string, string>? Data { get; set; }
    [Description("BinaryData contains the binary data.")]
    [JsonPropertyOrder(1)]
    public Dictionary<string, byte[]>? BinaryData { get; set; }
    [Description("Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified).")]
    [JsonPropertyOrder(1)]
    public bool? Immutable { get; set; }
}

public sealed class ConfigMapList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<ConfigMap> Items { get; set; } = new();
}

[Description("ServiceAccount binds together: a name, understood by users, and perhaps by peripheral systems, for an identity; a principal that can be authenticated and authorized; a set of secrets.")]
public sealed class ServiceAccount : KubeObject
{
    [Description("Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.")]
    [JsonPropertyOrder(1)]
    public List<ObjectReference>? Secrets { get; set; }
    [Description("ImagePullSecrets is a list of references to secrets in the same namespace to use for pulling any images in pods that reference this ServiceAccount.")]
    [JsonPropertyOrder(1)]
    public List<LocalObjectReference>? ImagePullSecrets { get; set; }
    [Description("AutomountServiceAccountToken indicates whether pods running as this service account should have an API token automatically mounted.")]
    [JsonPropertyOrder(1)]
    public bool? AutomountServiceAccountToken { get; set; }
}

public sealed class ServiceAccountList : Extensible
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<ServiceAccount> Items { get; set; } = new();
}

/// <summary>Well-known Secret types.</summary>
public static class SecretTypes
{
    public const string Opaque = "Opaque";
    public const string ServiceAccountToken = "kubernetes.io/service-account-token";
    public const string Dockercfg = "kubernetes.io/dockercfg";
    public const string DockerConfigJson = "kubernetes.io/dockerconfigjson";
    public const string BasicAuth = "kubernetes.io/basic-auth";
    public const string SshAuth = "kubernetes.io/ssh-auth";
    public const string Tls = "kubernetes.io/tls";
    public const string BootstrapToken = "bootstrap.kubernetes.io/token";
    public const string Rbd = "kubernetes.io/rbd";
}
