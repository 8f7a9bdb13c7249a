using System.Text.Json.Nodes;
using Berth.Server.Patching;
using Berth.Server.Patching.Apply;

namespace Berth.Server.Tests.Patching;

public sealed class ServerSideApplyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);
    private static readonly PatchSchema Sts = PatchSchema.ForKind("apps", "StatefulSet");

    private static JsonObject O(string json) => (JsonObject)JsonNode.Parse(json)!;

    private const string Web = """
        {"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"web","labels":{"app":"nginx"}},
         "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.8","ports":[{"containerPort":80}]}]}}}}
        """;

    [Fact]
    public void Fields_of_a_configuration_use_merge_keys_for_lists_and_leave_server_metadata_out()
    {
        var set = FieldPaths.Of(O(Web), Sts, withStatus: false);
        var paths = set.Members().Select(FieldPaths.Describe).ToList();
        Assert.Contains(".metadata.labels.app", paths);
        Assert.Contains(".spec.replicas", paths);
        Assert.Contains(".spec.template.spec.containers[name=\"nginx\"]", paths);
        Assert.Contains(".spec.template.spec.containers[name=\"nginx\"].image", paths);
        Assert.Contains(".spec.template.spec.containers[name=\"nginx\"].ports[containerPort=80].containerPort", paths);
        Assert.DoesNotContain(".metadata.name", paths);
        Assert.DoesNotContain(".apiVersion", paths);
        // Round trip through FieldsV1.
        var again = FieldSet.FromJson(System.Text.Json.JsonSerializer.Deserialize<System.Text.Json.JsonElement>(set.ToJson().ToJsonString()));
        Assert.Equal(paths.Order(StringComparer.Ordinal), again.Members().Select(FieldPaths.Describe).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Reapplying_without_a_field_removes_it_unless_another_manager_owns_it()
    {
        var live = ServerSideApply.Create(O(Web), "a", "apps/v1", Sts, false, Now);
        // Manager b applies a label of its own and co-owns replicas with the same value.
        live = ServerSideApply.Merge(live, O("""{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"web","labels":{"team":"x"}},"spec":{"replicas":2}}"""),
            "b", false, "apps/v1", Sts, false, Now);
        // a drops labels and replicas: its label goes, replicas stays (b owns it too).
        var next = ServerSideApply.Merge(live, O("""{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"web"},"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.9"}]}}}}"""),
            "a", false, "apps/v1", Sts, false, Now);
        Assert.Null(next["metadata"]!["labels"]!["app"]);
        Assert.Equal("x", next["metadata"]!["labels"]!["team"]!.ToString());
        Assert.Equal(2, (int)next["spec"]!["replicas"]!);
        var c = next["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("nginx:1.9", c["image"]!.ToString());
        Assert.Null(c["ports"]); // applied before by a, not any more
        Assert.Equal(["a", "b"], next["metadata"]!["managedFields"]!.AsArray().Select(e => e!["manager"]!.ToString()).ToArray());
    }

    [Fact]
    public void A_different_value_owned_by_another_manager_conflicts_and_force_takes_it_over()
    {
        var live = ServerSideApply.Create(O(Web), "a", "apps/v1", Sts, false, Now);
        var other = O("""{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"web"},"spec":{"replicas":5}}""");
        var e = Assert.Throws<ApplyConflictException>(() => ServerSideApply.Merge(live, other, "b", false, "apps/v1", Sts, false, Now));
        Assert.Equal("Apply failed with 1 conflict: conflict with \"a\" using apps/v1: .spec.replicas", e.Message);

        var forced = ServerSideApply.Merge(live, other, "b", true, "apps/v1", Sts, false, Now);
        Assert.Equal(5, (int)forced["spec"]!["replicas"]!);
        var entries = forced["metadata"]!["managedFields"]!.AsArray();
        Assert.DoesNotContain("f:replicas", entries.First(x => x!["manager"]!.ToString() == "a")!["fieldsV1"]!["f:spec"]!.AsObject().Select(kv => kv.Key));
        // Now a re-applying its old value conflicts with b.
        Assert.Throws<ApplyConflictException>(() => ServerSideApply.Merge(forced, O(Web), "a", false, "apps/v1", Sts, false, Now));
    }

    [Fact]
    public void An_update_takes_ownership_of_what_it_changes_only_on_objects_under_apply()
    {
        var plain = O(Web);
        var changed = (JsonObject)plain.DeepClone();
        changed["spec"]!["replicas"] = 3;
        ServerSideApply.TrackUpdate(plain, changed, "kubectl-edit", "apps/v1", Sts, false, Now);
        Assert.Null(changed["metadata"]!["managedFields"]); // never applied: not tracked

        var live = ServerSideApply.Create(O(Web), "a", "apps/v1", Sts, false, Now);
        var edited = (JsonObject)live.DeepClone();
        edited["spec"]!["replicas"] = 3;
        ServerSideApply.TrackUpdate(live, edited, "kubectl-edit", "apps/v1", Sts, false, Now);
        var entries = edited["metadata"]!["managedFields"]!.AsArray();
        var edit = entries.Single(x => x!["manager"]!.ToString() == "kubectl-edit")!;
        Assert.Equal("Update", edit["operation"]!.ToString());
        Assert.NotNull(edit["fieldsV1"]!["f:spec"]!["f:replicas"]);
        var e = Assert.Throws<ApplyConflictException>(() => ServerSideApply.Merge(edited, O(Web), "a", false, "apps/v1", Sts, false, Now));
        Assert.Contains("conflict with \"kubectl-edit\" using apps/v1: .spec.replicas", e.Message);
    }
}
