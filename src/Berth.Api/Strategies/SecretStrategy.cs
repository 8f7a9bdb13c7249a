using System.Text;
using Berth.Api.Core;
using Berth.Api.Registry;
using Berth.Api.Validation;
using static Berth.Api.Strategies.StrategySupport;

namespace Berth.Api.Strategies;

/// <summary>secrets: SetDefaults_Secret, the v1 conversion of stringData, ValidateSecret(Update).</summary>
public sealed class SecretStrategy : ResourceStrategy<Secret>
{
    protected override void Default(Secret s)
    {
        if (string.IsNullOrEmpty(s.Type)) s.Type = SecretTypes.Opaque;
        // stringData is write-only: merged into data (winning over data), then dropped.
        if (s.StringData is not null)
        {
            if (s.StringData.Count > 0)
            {
                s.Data ??= new Dictionary<string, byte[]>();
                foreach (var (k, v) in s.StringData) s.Data[k] = Encoding.UTF8.GetBytes(v);
            }
            s.StringData = null;
        }
    }

    protected override void Validate(Secret s, List<FieldError> errors)
    {
        var data = new FieldPath("data");
        long total = 0;
        foreach (var (key, value) in (s.Data ?? []).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var msg in IsConfigMapKey(key)) errors.Add(FieldError.Invalid(data.Key(key), key, msg));
            total += value?.Length ?? 0;
        }
        if (total > MaxSecretSize) errors.Add(FieldError.TooLong(data, "", MaxSecretSize));

        bool Has(string k) => s.Data is not null && s.Data.ContainsKey(k);
        switch (s.Type)
        {
            case SecretTypes.ServiceAccountToken:
                if (string.IsNullOrEmpty(s.Metadata.Annotation("kubernetes.io/service-account.name")))
                    errors.Add(FieldError.Required(new FieldPath("metadata").Child("annotations").Key("kubernetes.io/service-account.name")));
                break;
            case SecretTypes.Dockercfg:
                ValidateJsonKey(s, ".dockercfg", data, errors);
                break;
            case SecretTypes.DockerConfigJson:
                ValidateJsonKey(s, ".dockerconfigjson", data, errors);
                break;
            case SecretTypes.BasicAuth:
                if (!Has("username") && !Has("password"))
                {
                    errors.Add(FieldError.Required(data.Key("username")));
                    errors.Add(FieldError.Required(data.Key("password")));
                }
                break;
            case SecretTypes.SshAuth:
                if (!Has("ssh-privatekey") || s.Data!["ssh-privatekey"].Length == 0)
                    errors.Add(FieldError.Required(data.Key("ssh-privatekey")));
                break;
            case SecretTypes.Tls:
                if (!Has("tls.crt")) errors.Add(FieldError.Required(data.Key("tls.crt")));
                if (!Has("tls.key")) errors.Add(FieldError.Required(data.Key("tls.key")));
                break;
            default:
                // Opaque, kubernetes.io/rbd and any other type: no type-specific rules.
                break;
        }
    }

    private static void ValidateJsonKey(Secret s, string key, FieldPath data, List<FieldError> errors)
    {
        if (s.Data is null || !s.Data.TryGetValue(key, out var bytes)) { errors.Add(FieldError.Required(data.Key(key))); return; }
        try { System.Text.Json.JsonDocument.Parse(bytes).Dispose(); }
        catch (System.Text.Json.JsonException e) { errors.Add(FieldError.Invalid(data.Key(key), "<secret contents redacted>", e.Message)); }
    }

    protected override void ValidateUpdate(Secret s, Secret old, List<FieldError> errors)
    {
        if (s.Type != old.Type) errors.Add(FieldError.Invalid("type", s.Type, FieldImmutable));
        if (old.Immutable == true)
        {
            if (s.Immutable != true) errors.Add(FieldError.Forbidden("immutable", ImmutableWhenSet));
            if (!DictEqual(s.Data, old.Data, (a, b) => a.AsSpan().SequenceEqual(b)))
                errors.Add(FieldError.Forbidden("data", ImmutableWhenSet));
        }
    }

    protected override void AddSelectableFields(Secret s, Dictionary<string, string> fields) => fields["type"] = s.Type ?? "";

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        new("Name", "string", "name", "Name must be unique within a namespace."),
        new("Type", "string", "", "Used to facilitate programmatic handling of secret data."),
        new("Data", "string", "", "Data contains the secret data."),
        new("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created."),
    ];

    protected override object?[] Row(Secret s, DateTimeOffset now)
        => [s.Metadata.Name, s.Type ?? "", (long)(s.Data?.Count ?? 0), Printing.Age(s.Metadata.CreationTimestamp, now)];
}

/// <summary>configmaps: ValidateConfigMap(Update).</summary>
public sealed class ConfigMapStrategy : ResourceStrategy<ConfigMap>
{
    protected override void Validate(ConfigMap cm, List<FieldError> errors)
    {
        long total = 0;
        var data = new FieldPath("data");
        foreach (var (key, value) in (cm.Data ?? []).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var msg in IsConfigMapKey(key)) errors.Add(FieldError.Invalid(data.Key(key), key, msg));
            if (cm.BinaryData is not null && cm.BinaryData.ContainsKey(key))
                errors.Add(FieldError.Invalid(data.Key(key), key, "duplicate of key present in binaryData"));
            total += Encoding.UTF8.GetByteCount(value ?? "");
        }
        var bin = new FieldPath("binaryData");
        foreach (var (key, value) in (cm.BinaryData ?? []).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var msg in IsConfigMapKey(key)) errors.Add(FieldError.Invalid(bin.Key(key), key, msg));
            total += value?.Length ?? 0;
        }
        if (total > MaxSecretSize) errors.Add(FieldError.TooLong("", "", MaxSecretSize));
    }

    protected override void ValidateUpdate(ConfigMap cm, ConfigMap old, List<FieldError> errors)
    {
        if (old.Immutable == true)
        {
            if (cm.Immutable != true) errors.Add(FieldError.Forbidden("immutable", ImmutableWhenSet));
            if (!DictEqual(cm.Data, old.Data, (a, b) => a == b)) errors.Add(FieldError.Forbidden("data", ImmutableWhenSet));
            if (!DictEqual(cm.BinaryData, old.BinaryData, (a, b) => a.AsSpan().SequenceEqual(b))) errors.Add(FieldError.Forbidden("binaryData", ImmutableWhenSet));
        }
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        new("Name", "string", "name", "Name must be unique within a namespace."),
        new("Data", "string", "", "Data contains the configuration data."),
        new("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created."),
    ];

    protected override object?[] Row(ConfigMap cm, DateTimeOffset now)
        => [cm.Metadata.Name, (long)((cm.Data?.Count ?? 0) + (cm.BinaryData?.Count ?? 0)), Printing.Age(cm.Metadata.CreationTimestamp, now)];
}
