using System.ComponentModel;
using System.Text.Json.Serialization;
using Berth.Api.Meta;

namespace Berth.Api.Core;

[Description("A single application container that you want to run within a pod.")]
public sealed class Container : Extensible
{
    [Description("Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name.")]
    public string? Name { get; set; }
    [Description("Container image name.")]
    public string? Image { get; set; }
    [Description("Entrypoint array. Not executed within a shell.")]
    public List<string>? Command { get; set; }
    [Description("Arguments to the entrypoint.")]
    public List<string>? Args { get; set; }
    [Description("Container's working directory.")]
    public string? WorkingDir { get; set; }
    [Description("List of ports to expose from the container.")]
    public List<ContainerPort>? Ports { get; set; }
    [Description("List of sources to populate environment variables in the container.")]
    public List<EnvFromSource>? EnvFrom { get; set; }
    [Description("List of environment variables to set in the container.")]
    public List<EnvVar>? Env { get; set; }
    [Description("Compute Resources required by this container.")]
    public ResourceRequirements? Resources { get; set; }
    [Description("Resources resize policy for the container.")]
    public List<ContainerResizePolicy>? ResizePolicy { get; set; }
    [Description("RestartPolicy defines the restart behavior of individual containers in a pod (init containers only: Always makes a sidecar).")]
    public string? RestartPolicy { get; set; }
    [Description("Pod volumes to mount into the container's filesystem.")]
    public List<VolumeMount>? VolumeMounts { get; set; }
    [Description("volumeDevices is the list of block devices to be used by the container.")]
    public List<VolumeDevice>? VolumeDevices { get; set; }
    [Description("Periodic probe of container liveness. Container will be restarted if the probe fails.")]
    public Probe? LivenessProbe { get; set; }
    [Description("Periodic probe of container service readiness. Container will be removed from service endpoints if the probe fails.")]
    public Probe? ReadinessProbe { get; set; }
    [Description("StartupProbe indicates that the Pod has successfully initialized.")]
    public Probe? StartupProbe { get; set; }
    [Description("Actions that the management system should take in response to container lifecycle events.")]
    public Lifecycle? Lifecycle { get; set; }
    [Description("Path at which the file to which the container's termination message will be written is mounted into the container's filesystem.")]
    public string? TerminationMessagePath { get; set; }
    [Description("Indicate how the termination message should be populated: File or FallbackToLogsOnError.")]
    public string? TerminationMessagePolicy { get; set; }
    [Description("Image pull policy. One of Always, Never, IfNotPresent.")]
    public string? ImagePullPolicy { get; set; }
    [Description("SecurityContext defines the security options the container should be run with.")]
    public SecurityContext? SecurityContext { get; set; }
    [Description("Whether this container should allocate a buffer for stdin in the container runtime.")]
    public bool? Stdin { get; set; }
    public bool? StdinOnce { get; set; }
    [Description("Whether this container should allocate a TTY for itself.")]
    public bool? Tty { get; set; }
}

[Description("ContainerPort represents a network port in a single container.")]
public sealed class ContainerPort : Extensible
{
    [Description("If specified, this must be an IANA_SVC_NAME and unique within the pod.")]
    public string? Name { get; set; }
    [Description("Number of port to expose on the host.")]
    public int? HostPort { get; set; }
    [Description("Number of port to expose on the pod's IP address.")]
    [JsonPropertyName("containerPort")]
    public int? ContainerPortNumber { get; set; }
    [Description("Protocol for port. Must be UDP, TCP, or SCTP. Defaults to \"TCP\".")]
    public string? Protocol { get; set; }
    [JsonPropertyName("hostIP")]
    public string? HostIP { get; set; }
}

[Description("EnvVar represents an environment variable present in a Container.")]
public sealed class EnvVar : Extensible
{
    public string? Name { get; set; }
    public string? Value { get; set; }
    [Description("Source for the environment variable's value. Cannot be used if value is not empty.")]
    public EnvVarSource? ValueFrom { get; set; }
}

public sealed class EnvVarSource : Extensible
{
    public ObjectFieldSelector? FieldRef { get; set; }
    public ResourceFieldSelector? ResourceFieldRef { get; set; }
    public ConfigMapKeySelector? ConfigMapKeyRef { get; set; }
    public SecretKeySelector? SecretKeyRef { get; set; }
}

public sealed class ObjectFieldSelector : Extensible
{
    public string? ApiVersion { get; set; }
    public string? FieldPath { get; set; }
}

public sealed class ResourceFieldSelector : Extensible
{
    public string? ContainerName { get; set; }
    public string? Resource { get; set; }
    public Quantity? Divisor { get; set; }
}

public sealed class ConfigMapKeySelector : Extensible
{
    public string? Name { get; set; }
    public string? Key { get; set; }
    public bool? Optional { get; set; }
}

public sealed class SecretKeySelector : Extensible
{
    public string? Name { get; set; }
    public string? Key { get; set; }
    public bool? Optional { get; set; }
}

public sealed class EnvFromSource : Extensible
{
    public string? Prefix { get; set; }
    public ConfigMapEnvSource? ConfigMapRef { get; set; }
    public SecretEnvSource? SecretRef { get; set; }
}

public sealed class ConfigMapEnvSource : Extensible
{
    public string? Name { get; set; }
    public bool? Optional { get; set; }
}

public sealed class SecretEnvSource : Extensible
{
    public string? Name { get; set; }
    public bool? Optional { get; set; }
}

[Description("ResourceRequirements describes the compute resource requirements.")]
public sealed class ResourceRequirements : Extensible
{
    [Description("Limits describes the maximum amount of compute resources allowed.")]
    public Dictionary<string, Quantity>? Limits { get; set; }
    [Description("Requests describes the minimum amount of compute resources required.")]
    public Dictionary<string, Quantity>? Requests { get; set; }
    public List<ResourceClaim>? Claims { get; set; }
}

public sealed class ResourceClaim : Extensible
{
    public string? Name { get; set; }
    public string? Request { get; set; }
}

public sealed class ContainerResizePolicy : Extensible
{
    public string? ResourceName { get; set; }
    public string? RestartPolicy { get; set; }
}

[Description("VolumeMount describes a mounting of a Volume within a container.")]
public sealed class VolumeMount : Extensible
{
    [Description("This must match the Name of a Volume.")]
    public string? Name { get; set; }
    [Description("Mounted read-only if true, read-write otherwise (false or unspecified).")]
    public bool? ReadOnly { get; set; }
    public string? RecursiveReadOnly { get; set; }
    [Description("Path within the container at which the volume should be mounted.")]
    public string? MountPath { get; set; }
    [Description("Path within the volume from which the container's volume should be mounted.")]
    public string? SubPath { get; set; }
    public string? MountPropagation { get; set; }
    public string? SubPathExpr { get; set; }
}

[Description("volumeDevice describes a mapping of a raw block device within a container.")]
public sealed class VolumeDevice : Extensible
{
    public string? Name { get; set; }
    public string? DevicePath { get; set; }
}

[Description("Probe describes a health check to be performed against a container to determine whether it is alive or ready to receive traffic.")]
public sealed class Probe : Extensible
{
    [Description("Exec specifies a command to execute in the container.")]
    public ExecAction? Exec { get; set; }
    [Description("HTTPGet specifies an HTTP GET request to perform.")]
    public HTTPGetAction? HttpGet { get; set; }
    [Description("TCPSocket specifies a connection to a TCP port.")]
    public TCPSocketAction? TcpSocket { get; set; }
    [Description("GRPC specifies a GRPC HealthCheckRequest.")]
    public GRPCAction? Grpc { get; set; }
    [Description("Number of seconds after the container has started before liveness probes are initiated.")]
    public int? InitialDelaySeconds { get; set; }
    [Description("Number of seconds after which the probe times out. Defaults to 1 second.")]
    public int? TimeoutSeconds { get; set; }
    [Description("How often (in seconds) to perform the probe. Default to 10 seconds.")]
    public int? PeriodSeconds { get; set; }
    [Description("Minimum consecutive successes for the probe to be considered successful after having failed. Defaults to 1.")]
    public int? SuccessThreshold { get; set; }
    [Description("Minimum consecutive failures for the probe to be considered failed after having succeeded. Defaults to 3.")]
    public int? FailureThreshold { get; set; }
    [Description("Optional duration in seconds the pod needs to terminate gracefully upon probe failure.")]
    public long? TerminationGracePeriodSeconds { get; set; }
}

public sealed class ExecAction : Extensible
{
    public List<string>? Command { get; set; }
}

public sealed class HTTPGetAction : Extensible
{
    public string? Path { get; set; }
    /// <summary>A number or a named container port.</summary>
    public IntOrString? Port { get; set; }
    public string? Host { get; set; }
    public string? Scheme { get; set; }
    public List<HTTPHeader>? HttpHeaders { get; set; }
}

public sealed class HTTPHeader : Extensible
{
    public string? Name { get; set; }
    public string? Value { get; set; }
}

public sealed class TCPSocketAction : Extensible
{
    /// <summary>A number or a named container port.</summary>
    public IntOrString? Port { get; set; }
    public string? Host { get; set; }
}

public sealed class GRPCAction : Extensible
{
    public int? Port { get; set; }
    public string? Service { get; set; }
}

public sealed class SleepAction : Extensible
{
    public long? Seconds { get; set; }
}

public sealed class LifecycleHandler : Extensible
{
    public ExecAction? Exec { get; set; }
    public HTTPGetAction? HttpGet { get; set; }
    public TCPSocketAction? TcpSocket { get; set; }
    public SleepAction? Sleep { get; set; }
}

[Description("Lifecycle describes actions that the management system should take in response to container lifecycle events.")]
public sealed class Lifecycle : Extensible
{
    public LifecycleHandler? PostStart { get; set; }
    public LifecycleHandler? PreStop { get; set; }
    public string? StopSignal { get; set; }
}

public sealed class Capabilities : Extensible
{
    public List<string>? Add { get; set; }
    public List<string>? Drop { get; set; }
}

public sealed class SELinuxOptions : Extensible
{
    public string? User { get; set; }
    public string? Role { get; set; }
    public string? Type { get; set; }
    public string? Level { get; set; }
}

public sealed class SeccompProfile : Extensible
{
    public string? Type { get; set; }
    public string? LocalhostProfile { get; set; }
}

public sealed class AppArmorProfile : Extensible
{
    public string? Type { get; set; }
    public string? LocalhostProfile { get; set; }
}

public sealed class WindowsSecurityContextOptions : Extensible
{
    public string? GmsaCredentialSpecName { get; set; }
    public string? GmsaCredentialSpec { get; set; }
    public string? RunAsUserName { get; set; }
    public bool? HostProcess { get; set; }
}

[Description("SecurityContext holds security configuration that will be applied to a container.")]
public sealed class SecurityContext : Extensible
{
    public Capabilities? Capabilities { get; set; }
    public bool? Privileged { get; set; }
    [JsonPropertyName("seLinuxOptions")]
    public SELinuxOptions? SeLinuxOptions { get; set; }
    public WindowsSecurityContextOptions? WindowsOptions { get; set; }
    public long? RunAsUser { get; set; }
    public long? RunAsGroup { get; set; }
    public bool? RunAsNonRoot { get; set; }
    public bool? ReadOnlyRootFilesystem { get; set; }
    public bool? AllowPrivilegeEscalation { get; set; }
    public string? ProcMount { get; set; }
    public SeccompProfile? SeccompProfile { get; set; }
    public AppArmorProfile? AppArmorProfile { get; set; }
}
