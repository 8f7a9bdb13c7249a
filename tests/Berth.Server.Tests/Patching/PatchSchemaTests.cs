using Berth.Server.Patching;

namespace Berth.Server.Tests.Patching;

public class PatchSchemaTests
{
    [Theory]
    [InlineData("", "Pod", "spec.containers", PatchStrategy.Merge, "name")]
    [InlineData("", "Pod", "spec.initContainers", PatchStrategy.Merge, "name")]
    [InlineData("", "Pod", "spec.ephemeralContainers.env", PatchStrategy.Merge, "name")]
    [InlineData("", "Pod", "spec.containers.ports", PatchStrategy.Merge, "containerPort")]
    [InlineData("", "Pod", "spec.containers.volumeMounts", PatchStrategy.Merge, "mountPath")]
    [InlineData("", "Pod", "spec.containers.volumeDevices", PatchStrategy.Merge, "devicePath")]
    [InlineData("", "Pod", "spec.volumes", PatchStrategy.Merge, "name")]
    [InlineData("", "Pod", "spec.imagePullSecrets", PatchStrategy.Merge, "name")]
    [InlineData("", "Pod", "spec.tolerations", PatchStrategy.Default, null)]
    [InlineData("", "Pod", "status.conditions", PatchStrategy.Merge, "type")]
    [InlineData("", "Pod", "status.containerStatuses", PatchStrategy.Default, null)]
    [InlineData("core", "Pod", "metadata.finalizers", PatchStrategy.Merge, null)]
    [InlineData("apps", "StatefulSet", "spec.template.spec.containers", PatchStrategy.Merge, "name")]
    [InlineData("apps", "StatefulSet", "spec.template.spec.containers.env", PatchStrategy.Merge, "name")]
    [InlineData("apps", "StatefulSet", "spec.template.metadata.finalizers", PatchStrategy.Merge, null)]
    [InlineData("apps", "StatefulSet", "spec.volumeClaimTemplates", PatchStrategy.Default, null)]
    [InlineData("apps", "StatefulSet", "status.conditions", PatchStrategy.Merge, "type")]
    [InlineData("apps", "StatefulSet", "spec.containers", PatchStrategy.Default, null)]
    [InlineData("", "Service", "spec.ports", PatchStrategy.Merge, "port")]
    [InlineData("", "Endpoints", "subsets", PatchStrategy.Default, null)]
    [InlineData("", "Node", "status.addresses", PatchStrategy.Merge, "type")]
    [InlineData("", "Node", "status.conditions", PatchStrategy.Merge, "type")]
    [InlineData("", "PersistentVolumeClaim", "status.conditions", PatchStrategy.Merge, "type")]
    [InlineData("", "ServiceAccount", "secrets", PatchStrategy.Merge, "name")]
    [InlineData("", "ServiceAccount", "imagePullSecrets", PatchStrategy.Default, null)]
    [InlineData("", "Secret", "metadata.ownerReferences", PatchStrategy.Merge, "uid")]
    [InlineData("coordination.k8s.io", "Lease", "metadata.finalizers", PatchStrategy.Merge, null)]
    [InlineData("example.com", "Widget", "spec.template.spec.containers", PatchStrategy.Merge, "name")]
    [InlineData("example.com", "Widget", "status.conditions", PatchStrategy.Default, null)]
    public void BuiltInTableMatchesUpstreamTags(string group, string kind, string path, PatchStrategy strategy, string? mergeKey)
    {
        var meta = PatchSchema.Lookup(group, kind, path.Split('.'));
        Assert.Equal(strategy, meta.Strategy);
        Assert.Equal(mergeKey, meta.MergeKey);
    }

    [Fact]
    public void ForKindIsCachedAndCaseInsensitive()
    {
        Assert.Same(PatchSchema.ForKind("apps", "StatefulSet"), PatchSchema.ForKind("Apps", "statefulset"));
        Assert.True(PatchSchema.ForKind("", "Pod").Lookup("spec.volumes").RetainKeys);
    }

    [Fact]
    public void CustomSchemaRejectsEmptySegments()
    {
        Assert.Throws<ArgumentException>(() => new PatchSchema(new Dictionary<string, FieldPatchMeta> { ["spec..x"] = FieldPatchMeta.MergeSet }));
    }
}
