using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Meta;
using Berth.Api.Registry;
using Berth.Api.Validation;
using Berth.Server.Admission;
using Berth.Server.Http;
using Berth.Store;

namespace Berth.Server.Storage;

/// <summary>
/// Kubernetes' generic registry semantics over the revisioned store: names, uids, generations, optimistic
/// concurrency, status subresources, finalizers and graceful deletion. The HTTP layer and in-process clients
/// both call this; it is the only writer of the store.
/// </summary>
public sealed class ResourceStore
{
    private readonly IKeyValueStore _kv;
    private readonly ObjectCache _cache;
    private readonly IReadOnlyList<IAdmissionPlugin> _admission;
    public ResourceRegistry Registry { get; }
    public TimeProvider Clock { get; }

    public ResourceStore(IKeyValueStore kv, ObjectCache cache, ResourceRegistry registry, IReadOnlyList<IAdmissionPlugin> admission, TimeProvider? clock = null)
    {
        _kv = kv; _cache = cache; Registry = registry; _admission = admission; Clock = clock ?? TimeProvider.System;
    }

    public ObjectCache Cache => _cache;

    /// <summary>The object's key in the store: the resource's storage prefix, then <see cref="CacheKeyOf"/>.</summary>
    public static string KeyOf(ResourceType t, string? ns, string name)
        => t.Namespaced ? t.StoragePrefix + ns + "/" + name : t.StoragePrefix + name;

    /// <summary>The object's key in its resource's cache (<see cref="CachedObject.Key"/>): "namespace/name", or the name.</summary>
    public static string CacheKeyOf(ResourceType t, string? ns, string name) => ObjectMeta.KeyOf(t.Namespaced ? ns : null, name);

    /// <summary>The cache keys of a namespace's objects start with this ("" for all namespaces or a cluster-scoped kind).</summary>
    public static string CachePrefixOf(ResourceType t, string? ns) => t.Namespaced && !string.IsNullOrEmpty(ns) ? ns + "/" : "";

    private DateTimeOffset Now()
    {
        var n = Clock.GetUtcNow();
        return new DateTimeOffset(n.Ticks - n.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
    }

    // ---------------------------------------------------------------- reads

    public async Task<CachedObject> GetCachedAsync(ResourceType t, string? ns, string name, CancellationToken ct = default)
    {
        await _cache.SyncAsync(ct);
        return _cache.For(t).Get(CacheKeyOf(t, ns, name)) ?? throw ApiException.NotFound(t, name);
    }

    public async Task<KubeObject> GetAsync(ResourceType t, string? ns, string name, CancellationToken ct = default)
        => (await GetCachedAsync(t, ns, name, ct)).ToModel(t);

    public async Task<T?> TryGetAsync<T>(ResourceType t, string? ns, string name, CancellationToken ct = default) where T : KubeObject
    {
        await _cache.SyncAsync(ct);
        return _cache.For(t).Get(CacheKeyOf(t, ns, name))?.ToModel(t) as T;
    }

    /// <summary>The cache's JSON of <paramref name="written"/> (an object a write of this store returned), or null when the
    /// cache holds another version of it by now, or the kind is served in another shape than it is stored.</summary>
    public byte[]? CachedJsonOf(ResourceType t, KubeObject written)
    {
        if (t.Conversion is not null || written.Metadata.Name is not { } name
            || !long.TryParse(written.Metadata.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var rv))
            return null;
        var cached = _cache.For(t).Get(CacheKeyOf(t, written.Metadata.Namespace, name));
        return cached is not null && cached.ModRevision == rv ? cached.Json : null;
    }

    /// <summary>
    /// Every object of a kind (in one namespace, or all), as the cache's shared models: read them, never change them.
    /// Admission reads the StorageClasses on every claim create, and decoding a private copy of each cost more than the rest of the plugin.
    /// </summary>
    public async Task<List<T>> ListSharedModelsAsync<T>(ResourceType t, string? ns, CancellationToken ct = default) where T : KubeObject
    {
        await _cache.SyncAsync(ct);
        var items = _cache.For(t).List(CachePrefixOf(t, ns));
        var result = new List<T>(items.Count);
        foreach (var i in items) result.Add(t.Conversion is null && i.SharedModel is T shared ? shared : (T)i.ToModel(t));
        return result;
    }

    /// <summary>Lists from the cache (consistent with every acknowledged write), or — for a continued list whose
    /// snapshot the cache has moved past — from the store at the snapshot's revision.</summary>
    public async Task<ListResult> ListAsync(ResourceType t, string? ns, ListOptions opts, CancellationToken ct = default)
    {
        var filter = SelectorFilter.Build(t, opts.LabelSelector, opts.FieldSelector);
        var prefix = CachePrefixOf(t, ns);
        string? after = null;
        long snapshot = 0;
        if (!string.IsNullOrEmpty(opts.Continue))
            (snapshot, after) = ContinueToken.Decode(opts.Continue, prefix);

        List<CachedObject> source;
        long revision;
        await _cache.SyncAsync(ct);
        // A continued list reads the cache while this resource has not changed since the first page's snapshot.
        if (snapshot != 0 && _cache.For(t).LastChange <= snapshot)
        {
            revision = snapshot;
            source = _cache.For(t).List(prefix, after);
        }
        else if (snapshot == 0)
        {
            revision = _cache.Revision;
            source = _cache.For(t).List(prefix, after);
        }
        else
        {
            revision = snapshot;
            RangeResult range;
            try { range = await _kv.ListAsync(prefix, snapshot, ct); }
            catch (RevisionCompactedException)
            {
                throw ApiException.Gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
            }
            source = new List<CachedObject>(range.Items.Count);
            foreach (var kv in range.Items)
                if (after is null || string.CompareOrdinal(kv.Key, after) > 0) source.Add(CachedObject.FromStore(t, kv));
        }

        var items = new List<CachedObject>();
        string? next = null;
        long? remaining = null;
        for (int i = 0; i < source.Count; i++)
        {
            if (!filter(source[i])) continue;
            if (opts.Limit > 0 && items.Count == opts.Limit)
            {
                next = ContinueToken.Encode(revision, items[^1].Key, prefix);
                if (opts.LabelSelector is null && opts.FieldSelector is null) remaining = source.Count - i;
                break;
            }
            items.Add(source[i]);
        }
        return new ListResult(items, revision, next, remaining);
    }

    // ---------------------------------------------------------------- create

    public async Task<KubeObject> CreateAsync(ResourceType t, string? ns, KubeObject obj, bool dryRun = false, CancellationToken ct = default)
    {
        var meta = obj.Metadata;
        if (t.Namespaced)
        {
            if (!string.IsNullOrEmpty(meta.Namespace) && !string.IsNullOrEmpty(ns) && meta.Namespace != ns)
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            meta.Namespace = string.IsNullOrEmpty(ns) ? meta.Namespace : ns;
        }
        else meta.Namespace = null;

        obj.ApiVersion = t.GroupVersion;
        obj.Kind = t.Kind;
        bool generated = string.IsNullOrEmpty(meta.Name) && !string.IsNullOrEmpty(meta.GenerateName);
        if (generated) meta.Name = GenerateName(meta.GenerateName!);
        meta.Uid = Guid.NewGuid().ToString();
        meta.CreationTimestamp = Now();
        meta.ResourceVersion = null;
        meta.DeletionTimestamp = null;
        meta.DeletionGracePeriodSeconds = null;
        meta.SelfLink = null;
        if (meta.ManagedFields is { Count: 0 }) meta.ManagedFields = null; // set by server-side apply, validated above
        meta.Generation = 1;

        t.Strategy.PrepareForCreate(obj);
        t.Strategy.Default(obj);
        var errors = new List<FieldError>();
        errors.AddRange(MetaValidation.ValidateObjectMeta(meta, t.Namespaced, NameValidatorFor(t), FieldPath.Root.Child("metadata")));
        errors.AddRange(t.Strategy.ValidateCreate(obj));
        if (errors.Count > 0) throw ApiException.Invalid(t, meta.Name ?? meta.GenerateName ?? "", errors);

        if (t.Namespaced) await RequireActiveNamespaceAsync(meta.Namespace!, ct);
        await AdmitAsync(new AdmissionRequest(Operation.Create, t, null, obj, null, this), ct);

        if (dryRun) return obj;
        for (int attempt = 0; ; attempt++)
        {
            var key = KeyOf(t, meta.Namespace, meta.Name!);
            var r = await _kv.CreateAsync(key, Encode(t, obj), ct);
            if (r.Succeeded) return await CommittedAsync(obj, r.Revision, ct);
            if (!generated || attempt >= 5) throw ApiException.AlreadyExists(t, meta.Name!);
            meta.Name = GenerateName(meta.GenerateName!);
        }
    }

    private static Func<string, IReadOnlyList<string>> NameValidatorFor(ResourceType t)
        => t.Group == "rbac.authorization.k8s.io" ? NameValidation.IsValidPathSegmentName // "system:discovery", as upstream's ValidateRBACName
        : t.Kind is "Namespace" or "Service" or "StatefulSet" ? NameValidation.IsDns1123Label : NameValidation.IsDns1123Subdomain;

    private static string GenerateName(string prefix)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        if (prefix.Length > 58) prefix = prefix[..58];
        Span<char> s = stackalloc char[5];
        for (int i = 0; i < s.Length; i++) s[i] = alphabet[Random.Shared.Next(alphabet.Length)];
        return prefix + new string(s);
    }

    private async Task RequireActiveNamespaceAsync(string ns, CancellationToken ct)
    {
        var nsType = Registry.ByKind("", "v1", "Namespace")!;
        await _cache.SyncAsync(ct);
        var nsObj = _cache.For(nsType).Get(CacheKeyOf(nsType, null, ns)) ?? throw ApiException.NotFound(nsType, ns);
        if (nsObj.SharedModel.Metadata.DeletionTimestamp is not null)
            throw ApiException.Forbidden($"unable to create new content in namespace {ns} because it is being terminated");
    }

    private async Task AdmitAsync(AdmissionRequest req, CancellationToken ct)
    {
        foreach (var p in _admission) await p.AdmitAsync(req, ct);
    }

    /// <summary>The stored form: the object without its resourceVersion (the revision is the version).</summary>
    private static byte[] Encode(ResourceType t, KubeObject obj)
    {
        var rv = obj.Metadata.ResourceVersion;
        obj.Metadata.ResourceVersion = null;
        try
        {
            return t.Conversion is { } c
                ? JsonSerializer.SerializeToUtf8Bytes(c.ToStored(obj), c.StoredModelType, KubeJson.Options)
                : JsonSerializer.SerializeToUtf8Bytes(obj, t.Strategy.ModelType, KubeJson.Options);
        }
        finally { obj.Metadata.ResourceVersion = rv; }
    }

    private async Task<KubeObject> CommittedAsync(KubeObject obj, long revision, CancellationToken ct)
    {
        obj.Metadata.ResourceVersion = revision.ToString(CultureInfo.InvariantCulture);
        await _cache.WaitForRevisionAsync(revision, ct);
        return obj;
    }

    // ---------------------------------------------------------------- update

    /// <summary>
    /// Replaces an object (PUT). A non-empty resourceVersion in the body must match (else 409 Conflict);
    /// an empty one is an unconditional update.
    /// </summary>
    /// <param name="fromCurrent">Makes what is written from the current object (read-only) and <paramref name="obj"/>, on every
    /// attempt (server-side apply's field tracking); null writes <paramref name="obj"/>.</param>
    public Task<KubeObject> UpdateAsync(ResourceType t, string? ns, string name, KubeObject obj, string? subresource, bool dryRun = false,
        CancellationToken ct = default, Func<KubeObject, KubeObject, KubeObject>? fromCurrent = null)
    {
        if (!string.IsNullOrEmpty(obj.Metadata.Name) && obj.Metadata.Name != name)
            throw ApiException.BadRequest($"the name of the object ({obj.Metadata.Name}) does not match the name on the URL ({name})");
        if (t.Namespaced && !string.IsNullOrEmpty(obj.Metadata.Namespace) && obj.Metadata.Namespace != ns)
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        var expected = obj.Metadata.ResourceVersion;
        return UpdateLoopAsync(t, ns, name, subresource, null, obj, fromCurrent, string.IsNullOrEmpty(expected) ? null : expected, dryRun, ct);
    }

    /// <summary>
    /// Read-modify-write: <paramref name="mutate"/> gets a private copy of the current object and returns the new one.
    /// Retried on conflicting writes unless the result names a resourceVersion (then 409 as for PUT).
    /// </summary>
    public Task<KubeObject> UpdateWithAsync(ResourceType t, string? ns, string name, string? subresource, Func<KubeObject, KubeObject> mutate, bool dryRun = false, CancellationToken ct = default)
        => UpdateLoopAsync(t, ns, name, subresource, mutate, null, null, null, dryRun, ct);

    /// <summary>The proposed object is <paramref name="replacement"/> (PUT) or what <paramref name="mutate"/> makes of the current one.</summary>
    private async Task<KubeObject> UpdateLoopAsync(ResourceType t, string? ns, string name, string? subresource,
        Func<KubeObject, KubeObject>? mutate, KubeObject? replacement, Func<KubeObject, KubeObject, KubeObject>? fromCurrent,
        string? expectedRv, bool dryRun, CancellationToken ct)
    {
        var key = KeyOf(t, ns, name);
        var cacheKey = CacheKeyOf(t, ns, name);
        for (int attempt = 0; ; attempt++)
        {
            await _cache.SyncAsync(ct);
            var current = _cache.For(t).Get(cacheKey) ?? throw ApiException.NotFound(t, name);
            var old = current.ToModel(t);
            var proposed = replacement is null ? mutate!(current.ToModel(t)) : fromCurrent is null ? replacement : fromCurrent(old, replacement);
            if (expectedRv is not null && expectedRv != old.Metadata.ResourceVersion)
                throw ApiException.Conflict(t, name, ApiException.ModifiedMessage);

            var updated = PrepareUpdate(t, subresource, proposed, old, current);
            var errors = new List<FieldError>();
            errors.AddRange(MetaValidation.ValidateObjectMetaUpdate(updated.Metadata, old.Metadata, FieldPath.Root.Child("metadata")));
            errors.AddRange(MetaValidation.ValidateObjectMeta(updated.Metadata, t.Namespaced, NameValidatorFor(t), FieldPath.Root.Child("metadata")));
            errors.AddRange(t.Strategy.ValidateUpdate(updated, old));
            if (errors.Count > 0) throw ApiException.Invalid(t, name, errors);
            await AdmitAsync(new AdmissionRequest(Operation.Update, t, subresource, updated, old, this), ct);

            // An object being deleted whose last finalizer is removed goes away now.
            if (updated.Metadata.DeletionTimestamp is not null && (updated.Metadata.Finalizers is null || updated.Metadata.Finalizers.Count == 0)
                && !t.Strategy.HoldsDeletion(updated) && updated.Metadata.DeletionGracePeriodSeconds is null or 0)
            {
                if (dryRun) return updated;
                var d = await _kv.DeleteAsync(key, current.ModRevision, ct);
                if (d.Succeeded) return await CommittedAsync(updated, d.Revision, ct);
                if (expectedRv is not null) throw ApiException.Conflict(t, name, ApiException.ModifiedMessage);
                continue;
            }

            var bytes = Encode(t, updated);
            if (current.StoredFormEquals(bytes)) return old; // no-op: nothing is written, the version stays
            if (dryRun) return updated;
            var r = await _kv.UpdateAsync(key, bytes, current.ModRevision, ct);
            if (r.Succeeded) return await CommittedAsync(updated, r.Revision, ct);
            if (expectedRv is not null || attempt > 20) throw ApiException.Conflict(t, name, ApiException.ModifiedMessage);
        }
    }

    /// <summary>Carries over what a client may not change and splits spec from status, as upstream's update strategies do.</summary>
    /// <param name="current">The stored object: a fresh copy of it is the base a status update writes into.</param>
    private static KubeObject PrepareUpdate(ResourceType t, string? subresource, KubeObject proposed, KubeObject old, CachedObject current)
    {
        KubeObject updated;
        var status = ModelProperty.Of(t, "status");
        // pods/binding writes spec.nodeName and the PodScheduled condition in one go.
        if ((subresource != "status" && !t.HasStatus) || subresource == "binding") updated = proposed;
        else if (status is null) updated = PrepareUpdateAsTrees(t, subresource, proposed, old);
        else if (subresource == "status")
        {
            // Only status changes through /status; everything else stays as it was.
            updated = current.ToModel(t);
            status.Set(updated, status.Get(proposed));
        }
        else
        {
            updated = proposed;
            // The status stays as it was (a private copy: defaulting may touch it, and old must not change).
            status.Set(updated, status.Get(current.ToModel(t)));
        }
        var m = updated.Metadata;
        var o = old.Metadata;
        updated.ApiVersion = t.GroupVersion;
        updated.Kind = t.Kind;
        m.Name = o.Name;
        m.Namespace = o.Namespace;
        m.Uid = o.Uid;
        m.CreationTimestamp = o.CreationTimestamp;
        m.DeletionTimestamp = o.DeletionTimestamp;
        m.DeletionGracePeriodSeconds = o.DeletionGracePeriodSeconds;
        m.GenerateName ??= o.GenerateName;
        m.SelfLink = null;
        // As upstream: a write that leaves managedFields out keeps them; an empty list clears them.
        if (m.ManagedFields is null) m.ManagedFields = o.ManagedFields;
        else if (m.ManagedFields.Count == 0) m.ManagedFields = null;
        m.ResourceVersion = o.ResourceVersion;
        t.Strategy.Default(updated);
        m.Generation = o.Generation ?? 1;
        if (subresource is null && SpecChanged(t, updated, old)) m.Generation = (o.Generation ?? 1) + 1;
        return updated;
    }

    /// <summary>The status split on JSON trees, for a model whose status is not a property of its own (extension data).</summary>
    private static KubeObject PrepareUpdateAsTrees(ResourceType t, string? subresource, KubeObject proposed, KubeObject old)
    {
        var oldNode = t.Strategy.Encode(old);
        var newNode = t.Strategy.Encode(proposed);
        if (subresource == "status")
        {
            oldNode["status"] = newNode["status"]?.DeepClone();
            return t.Strategy.Decode(oldNode);
        }
        newNode["status"] = oldNode["status"]?.DeepClone();
        return t.Strategy.Decode(newNode);
    }

    /// <summary>Whether the spec differs, compared as JSON trees (map order does not count).</summary>
    private static bool SpecChanged(ResourceType t, KubeObject a, KubeObject b)
    {
        if (ModelProperty.Of(t, "spec") is not { } spec)
            return !JsonNode.DeepEquals(t.Strategy.Encode(a)["spec"], t.Strategy.Encode(b)["spec"]);
        var va = spec.Get(a);
        var vb = spec.Get(b);
        if (va is null || vb is null) return !ReferenceEquals(va, vb);
        return !JsonNode.DeepEquals(JsonSerializer.SerializeToNode(va, spec.PropertyType, KubeJson.Options),
                                    JsonSerializer.SerializeToNode(vb, spec.PropertyType, KubeJson.Options));
    }

    // ---------------------------------------------------------------- delete

    /// <summary>Deletes an object, or marks it for deletion when finalizers or a grace period hold it.</summary>
    /// <returns>The object and whether it is gone now.</returns>
    public async Task<(KubeObject Object, bool Deleted)> DeleteAsync(ResourceType t, string? ns, string name, DeleteOptions opts, CancellationToken ct = default)
    {
        var key = KeyOf(t, ns, name);
        var cacheKey = CacheKeyOf(t, ns, name);
        for (int attempt = 0; ; attempt++)
        {
            await _cache.SyncAsync(ct);
            var current = _cache.For(t).Get(cacheKey) ?? throw ApiException.NotFound(t, name);
            var obj = current.ToModel(t);
            var m = obj.Metadata;
            if (opts.PreconditionUid is { Length: > 0 } uid && uid != m.Uid)
                throw ApiException.Conflict(t, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {m.Uid}");
            if (opts.PreconditionResourceVersion is { Length: > 0 } prv && prv != m.ResourceVersion)
                throw ApiException.Conflict(t, name, $"Precondition failed: ResourceVersion in precondition: {prv}, ResourceVersion in object meta: {m.ResourceVersion}");

            await AdmitAsync(new AdmissionRequest(Operation.Delete, t, null, obj, obj, this), ct);

            var policy = opts.PropagationPolicy ?? (opts.OrphanDependents == true ? "Orphan" : null);
            var finalizers = new List<string>(m.Finalizers ?? []);
            bool changed = false;
            if (m.DeletionTimestamp is null)
            {
                if (policy == "Orphan" && !finalizers.Contains("orphan")) { finalizers.Add("orphan"); changed = true; }
                if (policy == "Foreground" && !finalizers.Contains("foregroundDeletion")) { finalizers.Add("foregroundDeletion"); changed = true; }
            }

            long grace = t.Strategy.GracePeriodSeconds(obj, opts.GracePeriodSeconds);
            if (finalizers.Count > 0 || grace > 0 || t.Strategy.HoldsDeletion(obj))
            {
                if (m.DeletionTimestamp is not null && !changed && (grace == 0 || m.DeletionGracePeriodSeconds <= grace))
                    return (obj, false);
                var now = Now();
                if (m.DeletionTimestamp is null || grace < (m.DeletionGracePeriodSeconds ?? 0))
                {
                    m.DeletionTimestamp = now.AddSeconds(grace);
                    m.DeletionGracePeriodSeconds = grace;
                }
                m.Finalizers = finalizers.Count > 0 ? finalizers : null;
                t.Strategy.PrepareForDelete(obj);
                if (opts.DryRun) return (obj, false);
                var r = await _kv.UpdateAsync(key, Encode(t, obj), current.ModRevision, ct);
                if (r.Succeeded) return (await CommittedAsync(obj, r.Revision, ct), false);
            }
            else
            {
                if (opts.DryRun) return (obj, true);
                var r = await _kv.DeleteAsync(key, current.ModRevision, ct);
                if (r.Succeeded) { await _cache.WaitForRevisionAsync(r.Revision, ct); return (obj, true); }
            }
            if (attempt > 20) throw ApiException.Conflict(t, name, ApiException.ModifiedMessage);
        }
    }

    public async Task<List<KubeObject>> DeleteCollectionAsync(ResourceType t, string? ns, ListOptions list, DeleteOptions opts, CancellationToken ct = default)
    {
        var items = await ListAsync(t, ns, list with { Limit = 0, Continue = null }, ct);
        var deleted = new List<KubeObject>();
        foreach (var item in items.Items)
        {
            try { deleted.Add((await DeleteAsync(t, item.Namespace, item.Name, opts, ct)).Object); }
            catch (ApiException e) when (e.Code == 404) { }
        }
        return deleted;
    }
}

/// <summary>The opaque continue token of a paged list: the snapshot revision and the last key returned.</summary>
public static class ContinueToken
{
    public static string Encode(long revision, string lastKey, string prefix)
    {
        var json = JsonSerializer.Serialize(new { v = "meta.k8s.io/v1", rv = revision, start = lastKey[prefix.Length..] + "\u0000" });
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static (long Revision, string AfterKey) Decode(string token, string prefix)
    {
        try
        {
            var b64 = token.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
            var node = JsonNode.Parse(Convert.FromBase64String(b64))!;
            var rv = node["rv"]!.GetValue<long>();
            var start = node["start"]!.GetValue<string>();
            if (rv <= 0 || start.Contains("..", StringComparison.Ordinal)) throw new FormatException();
            return (rv, prefix + start.TrimEnd('\u0000'));
        }
        catch (Exception e) when (e is FormatException or JsonException or NullReferenceException or InvalidOperationException)
        {
            throw ApiException.BadRequest("continue key is not valid: illegal base64 data or malformed token");
        }
    }
}
