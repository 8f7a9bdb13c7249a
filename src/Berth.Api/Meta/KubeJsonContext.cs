using System.Text.Json.Serialization;

namespace Berth.Api.Meta;

/// <summary>
/// Compile-time JSON metadata for every kind (System.Text.Json's source generator): the serializer then needs no
/// reflection or generated IL for them — less JIT at a cold start and less code in memory. <see cref="KubeJson.Options"/>
/// uses it first and falls back to reflection for other types; the options' converters apply either way.
/// </summary>
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(Berth.Api.Apps.ControllerRevision))]
[JsonSerializable(typeof(Berth.Api.Apps.Deployment))]
[JsonSerializable(typeof(Berth.Api.Apps.StatefulSet))]
[JsonSerializable(typeof(Berth.Api.Auth.SelfSubjectAccessReview))]
[JsonSerializable(typeof(Berth.Api.Auth.SelfSubjectReview))]
[JsonSerializable(typeof(Berth.Api.Auth.SelfSubjectRulesReview))]
[JsonSerializable(typeof(Berth.Api.Auth.SubjectAccessReview))]
[JsonSerializable(typeof(Berth.Api.Auth.TokenRequest))]
[JsonSerializable(typeof(Berth.Api.Auth.TokenReview))]
[JsonSerializable(typeof(Berth.Api.Coordination.Lease))]
[JsonSerializable(typeof(Berth.Api.Core.ConfigMap))]
[JsonSerializable(typeof(Berth.Api.Core.Endpoints))]
[JsonSerializable(typeof(Berth.Api.Core.Event))]
[JsonSerializable(typeof(Berth.Api.Core.Namespace))]
[JsonSerializable(typeof(Berth.Api.Core.Node))]
[JsonSerializable(typeof(Berth.Api.Core.PersistentVolume))]
[JsonSerializable(typeof(Berth.Api.Core.PersistentVolumeClaim))]
[JsonSerializable(typeof(Berth.Api.Core.Pod))]
[JsonSerializable(typeof(Berth.Api.Core.Secret))]
[JsonSerializable(typeof(Berth.Api.Core.Service))]
[JsonSerializable(typeof(Berth.Api.Core.ServiceAccount))]
[JsonSerializable(typeof(Berth.Api.Events.Event), TypeInfoPropertyName = "EventsV1Event")]
[JsonSerializable(typeof(Berth.Api.Rbac.ClusterRole))]
[JsonSerializable(typeof(Berth.Api.Rbac.ClusterRoleBinding))]
[JsonSerializable(typeof(Berth.Api.Rbac.Role))]
[JsonSerializable(typeof(Berth.Api.Rbac.RoleBinding))]
[JsonSerializable(typeof(Berth.Api.Storage.StorageClass))]
[JsonSerializable(typeof(Berth.Api.Events.EventSeries), TypeInfoPropertyName = "EventsV1EventSeries")]
[JsonSerializable(typeof(Status))]
internal sealed partial class KubeJsonContext : JsonSerializerContext;
