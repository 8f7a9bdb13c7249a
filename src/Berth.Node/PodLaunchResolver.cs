using System.Text;
using Berth.Api.Core;
using Berth.Client;

namespace Berth.Kubelet;

/// <summary>A pod cannot start yet: what the kubelet would say (the event's reason and message).</summary>
public sealed class PodLaunchException(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;
}

/// <summary>
/// Reads through the API what a pod needs beyond its spec (the kubelet's volume manager and makeEnvironmentVariables):
/// the PersistentVolumes bound to its claims, its configMaps and secrets as env values and volume files, and its
/// downwardAPI files.
/// </summary>
public sealed class PodLaunchResolver(IApiClient client)
{
    private const int DefaultMode = 0x1A4; // 0644

    public async Task<PodLaunch> ResolveAsync(Pod pod, Func<string, PersistentVolumeClaim?> claim, CancellationToken ct)
    {
        var ns = pod.Metadata.Namespace;
        var copy = KubeObjects.DeepCopy(pod);
        var cms = new Dictionary<string, ConfigMap?>(StringComparer.Ordinal);
        var secrets = new Dictionary<string, Secret?>(StringComparer.Ordinal);
        async Task<ConfigMap?> Cm(string name)
        {
            if (cms.TryGetValue(name, out var c)) return c;
            try { c = await client.GetAsync<ConfigMap>(ns, name, ct); }
            catch (ApiStatusException e) when (e.IsNotFound) { c = null; }
            return cms[name] = c;
        }
        async Task<Secret?> Sec(string name)
        {
            if (secrets.TryGetValue(name, out var s)) return s;
            try { s = await client.GetAsync<Secret>(ns, name, ct); }
            catch (ApiStatusException e) when (e.IsNotFound) { s = null; }
            return secrets[name] = s;
        }

        // Environment: envFrom first (in order), then env, which wins.
        foreach (var c in (copy.Spec?.InitContainers ?? []).Concat(copy.Spec?.Containers ?? []))
        {
            var env = new List<EnvVar>();
            foreach (var from in c.EnvFrom ?? [])
            {
                IEnumerable<KeyValuePair<string, string>> pairs;
                if (from.ConfigMapRef is { Name: { } cmName } cr)
                {
                    var cm = await Cm(cmName);
                    if (cm is null && cr.Optional != true) throw new PodLaunchException("CreateContainerConfigError", $"configmap \"{cmName}\" not found");
                    pairs = cm?.Data ?? new Dictionary<string, string>();
                }
                else if (from.SecretRef is { Name: { } sName } sr)
                {
                    var s = await Sec(sName);
                    if (s is null && sr.Optional != true) throw new PodLaunchException("CreateContainerConfigError", $"secret \"{sName}\" not found");
                    pairs = (s?.Data ?? new Dictionary<string, byte[]>()).Select(kv => new KeyValuePair<string, string>(kv.Key, Encoding.UTF8.GetString(kv.Value)));
                }
                else continue;
                foreach (var (k, v) in pairs) env.Add(new EnvVar { Name = (from.Prefix ?? "") + k, Value = v });
            }
            foreach (var e in c.Env ?? [])
            {
                if (e.ValueFrom?.ConfigMapKeyRef is { } cmk)
                {
                    var cm = cmk.Name is null ? null : await Cm(cmk.Name);
                    if (cm?.Data?.TryGetValue(cmk.Key ?? "", out var v) == true) env.Add(new EnvVar { Name = e.Name, Value = v });
                    else if (cmk.Optional != true)
                        throw new PodLaunchException("CreateContainerConfigError", cm is null ? $"configmap \"{cmk.Name}\" not found" : $"couldn't find key {cmk.Key} in ConfigMap {ns}/{cmk.Name}");
                }
                else if (e.ValueFrom?.SecretKeyRef is { } sk)
                {
                    var s = sk.Name is null ? null : await Sec(sk.Name);
                    if (s?.Data?.TryGetValue(sk.Key ?? "", out var v) == true) env.Add(new EnvVar { Name = e.Name, Value = Encoding.UTF8.GetString(v) });
                    else if (sk.Optional != true)
                        throw new PodLaunchException("CreateContainerConfigError", s is null ? $"secret \"{sk.Name}\" not found" : $"couldn't find key {sk.Key} in Secret {ns}/{sk.Name}");
                }
                else env.Add(e);
            }
            c.EnvFrom = null;
            c.Env = env;
        }

        var claims = new Dictionary<string, PersistentVolume>(StringComparer.Ordinal);
        var files = new Dictionary<string, IReadOnlyList<VolumeFile>>(StringComparer.Ordinal);
        foreach (var v in copy.Spec?.Volumes ?? [])
        {
            var name = v.Name ?? "";
            string Fail(string why) => throw new PodLaunchException("FailedMount", $"MountVolume.SetUp failed for volume \"{name}\" : {why}");
            if (v.PersistentVolumeClaim is { ClaimName: { } claimName })
            {
                var pvc = claim(claimName);
                if (pvc?.Spec?.VolumeName is not { Length: > 0 } pvName || pvc.Status?.Phase != "Bound")
                    Fail($"persistentvolumeclaim \"{claimName}\" is not bound");
                else
                {
                    try { claims[name] = await client.GetAsync<PersistentVolume>(null, pvName, ct); }
                    catch (ApiStatusException e) when (e.IsNotFound) { Fail($"persistentvolume \"{pvName}\" not found"); }
                }
            }
            else if (v.ConfigMap is { } cmv)
            {
                var cm = cmv.Name is null ? null : await Cm(cmv.Name);
                if (cm is null && cmv.Optional != true) Fail($"configmap \"{cmv.Name}\" not found");
                files[name] = Items(ConfigMapData(cm), cmv.Items, cmv.DefaultMode, cmv.Optional == true, $"configmap \"{cmv.Name}\"", Fail);
            }
            else if (v.Secret is { } sv)
            {
                var s = sv.SecretName is null ? null : await Sec(sv.SecretName);
                if (s is null && sv.Optional != true) Fail($"secret \"{sv.SecretName}\" not found");
                files[name] = Items(s?.Data ?? new Dictionary<string, byte[]>(), sv.Items, sv.DefaultMode, sv.Optional == true, $"secret \"{sv.SecretName}\"", Fail);
            }
            else if (v.DownwardAPI is { } dv)
                files[name] = Downward(pod, dv.Items, dv.DefaultMode);
            else if (v.Projected is { } pv)
            {
                var all = new List<VolumeFile>();
                foreach (var src in pv.Sources ?? [])
                {
                    if (src.ConfigMap is { } pc)
                    {
                        var cm = pc.Name is null ? null : await Cm(pc.Name);
                        if (cm is null && pc.Optional != true) Fail($"configmap \"{pc.Name}\" not found");
                        all.AddRange(Items(ConfigMapData(cm), pc.Items, pv.DefaultMode, pc.Optional == true, $"configmap \"{pc.Name}\"", Fail));
                    }
                    else if (src.Secret is { } ps)
                    {
                        var s = ps.Name is null ? null : await Sec(ps.Name);
                        if (s is null && ps.Optional != true) Fail($"secret \"{ps.Name}\" not found");
                        all.AddRange(Items(s?.Data ?? new Dictionary<string, byte[]>(), ps.Items, pv.DefaultMode, ps.Optional == true, $"secret \"{ps.Name}\"", Fail));
                    }
                    else if (src.DownwardAPI is { } pd)
                        all.AddRange(Downward(pod, pd.Items, pv.DefaultMode));
                    // serviceAccountToken: Berth issues no service account tokens yet.
                }
                files[name] = all;
            }
        }
        return new PodLaunch(copy) { ClaimVolumes = claims, VolumeFiles = files };
    }

    private static Dictionary<string, byte[]> ConfigMapData(ConfigMap? cm)
    {
        var d = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (k, v) in cm?.Data ?? new Dictionary<string, string>()) d[k] = Encoding.UTF8.GetBytes(v);
        foreach (var (k, v) in cm?.BinaryData ?? new Dictionary<string, byte[]>()) d[k] = v;
        return d;
    }

    private static List<VolumeFile> Items(Dictionary<string, byte[]> data, List<KeyToPath>? items, int? defaultMode, bool optional, string what, Func<string, string> fail)
    {
        var mode = defaultMode ?? DefaultMode;
        var list = new List<VolumeFile>();
        if (items is { Count: > 0 })
        {
            foreach (var it in items)
            {
                if (it.Key is null || !data.TryGetValue(it.Key, out var bytes))
                {
                    if (!optional) fail($"{what} does not have key \"{it.Key}\"");
                    continue;
                }
                list.Add(new VolumeFile(it.Path ?? it.Key, bytes, it.Mode ?? mode));
            }
        }
        else
            foreach (var (k, v) in data) list.Add(new VolumeFile(k, v, mode));
        return list;
    }

    private static List<VolumeFile> Downward(Pod pod, List<DownwardAPIVolumeFile>? items, int? defaultMode)
    {
        var list = new List<VolumeFile>();
        foreach (var it in items ?? [])
        {
            if (it.Path is null || it.FieldRef?.FieldPath is not { } f) continue;
            string value = f switch
            {
                "metadata.labels" => Pairs(pod.Metadata.Labels),
                "metadata.annotations" => Pairs(pod.Metadata.Annotations),
                "metadata.name" => pod.Metadata.Name ?? "",
                "metadata.namespace" => pod.Metadata.Namespace ?? "",
                "metadata.uid" => pod.Metadata.Uid ?? "",
                _ when f.StartsWith("metadata.labels['", StringComparison.Ordinal) => Lookup(pod.Metadata.Labels, f["metadata.labels['".Length..^2]),
                _ when f.StartsWith("metadata.annotations['", StringComparison.Ordinal) => Lookup(pod.Metadata.Annotations, f["metadata.annotations['".Length..^2]),
                _ => "",
            };
            list.Add(new VolumeFile(it.Path, Encoding.UTF8.GetBytes(value), it.Mode ?? defaultMode ?? DefaultMode));
        }
        return list;
    }

    private static string Lookup(Dictionary<string, string>? d, string key) => d is not null && d.TryGetValue(key, out var v) ? v : "";

    private static string Pairs(Dictionary<string, string>? d)
    {
        if (d is null) return "";
        var sb = new StringBuilder();
        foreach (var (k, v) in d.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (sb.Length > 0) sb.Append('\n');
            sb.Append(k).Append("=\"").Append(v.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append('"');
        }
        return sb.ToString();
    }
}
