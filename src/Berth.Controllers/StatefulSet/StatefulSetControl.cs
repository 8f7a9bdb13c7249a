using Berth.Api.Apps;
using Berth.Api.Core;
using Berth.Api.Meta;
using Berth.Client;
using Microsoft.Extensions.Logging;
using static Berth.Controllers.StatefulSets.StatefulSetUtils;

namespace Berth.Controllers.StatefulSets;

/// <summary>An error of the controller's own (upstream's fmt.Errorf / aggregate), its message as upstream prints it.</summary>
public sealed class StatefulSetSyncException(string message) : Exception(message);

// stateful_set_control.go and stateful_pod_control.go.
public sealed partial class StatefulSetController
{
    /// <summary>One pass over one set: the pods by slot, and the status being computed.</summary>
    private sealed class Pass
    {
        public required StatefulSet Set;
        public required StatefulSet CurrentSet;
        public required StatefulSet UpdateSet;
        public required ControllerRevision Current;
        public required ControllerRevision Update;
        public required StatefulSetStatus Status;
        public Pod[] Replicas = [];
        public List<Pod> Condemned = [];
        public Pod? FirstUnhealthy;
        public bool Monotonic;
        public DateTimeOffset Now;
        public int MinReady => Set.Spec?.MinReadySeconds ?? 0;
    }

    /// <summary>UpdateStatefulSet: revisions, pods, status (written even when the pod pass failed), then history truncation.</summary>
    private async Task<StatefulSetStatus> UpdateStatefulSetAsync(StatefulSet set, List<Pod> pods, List<ControllerRevision> revisions, CancellationToken ct)
    {
        revisions = revisions.OrderBy(r => r.Revision ?? 0).ToList();
        var (current, update, collisionCount) = await GetRevisionsAsync(set, revisions, ct);
        var (status, error) = await UpdatePodsAsync(set, current, update, collisionCount, pods, ct);
        await UpdateStatusAsync(set, status, ct);
        await TruncateHistoryAsync(set, pods, revisions, current, update, ct);
        if (error is not null) throw error;
        return status;
    }

    // ------------------------------------------------------------------ revisions

    private async Task<(ControllerRevision Current, ControllerRevision Update, int CollisionCount)> GetRevisionsAsync(
        StatefulSet set, List<ControllerRevision> revisions, CancellationToken ct)
    {
        int collisionCount = set.Status?.CollisionCount ?? 0;
        var update = ControllerHistory.NewRevision(set, ControllerHistory.NextRevision(revisions), collisionCount);
        var equal = revisions.Where(r => ControllerHistory.Equal(r, update)).ToList();
        if (equal.Count > 0 && ControllerHistory.Equal(revisions[^1], equal[^1]))
            update = revisions[^1]; // the template has not changed
        else if (equal.Count > 0)
            update = await BumpRevisionAsync(equal[^1], update.Revision ?? 0, ct); // a rollback re-uses the old revision
        else
            (update, collisionCount) = await CreateRevisionAsync(set, update, collisionCount, ct);
        var current = revisions.FirstOrDefault(r => r.Metadata.Name == set.Status?.CurrentRevision) ?? update;
        return (current, update, collisionCount);
    }

    /// <summary>CreateControllerRevision: an existing revision of that name with equal data is ours already; a different one is a hash collision.</summary>
    private async Task<(ControllerRevision, int)> CreateRevisionAsync(StatefulSet set, ControllerRevision revision, int collisionCount, CancellationToken ct)
    {
        var data = ControllerHistory.CanonicalData(revision);
        for (int attempt = 0; ; attempt++)
        {
            var clone = KubeObjects.DeepCopy(revision);
            clone.Metadata.Name = ControllerHistory.RevisionName(set.Metadata.Name ?? "", ControllerHistory.Hash(data, collisionCount));
            try { return (await _client.CreateAsync(clone, ct), collisionCount); }
            catch (ApiStatusException e) when (e.IsAlreadyExists && attempt < 100)
            {
                var exists = await _client.GetAsync<ControllerRevision>(set.Metadata.Namespace, clone.Metadata.Name!, ct);
                if (ControllerHistory.Equal(exists, clone)) return (exists, collisionCount);
                collisionCount++;
            }
        }
    }

    private async Task<ControllerRevision> BumpRevisionAsync(ControllerRevision revision, long number, CancellationToken ct)
    {
        var clone = KubeObjects.DeepCopy(revision);
        for (int attempt = 0; ; attempt++)
        {
            if (clone.Revision == number) return clone;
            clone.Revision = number;
            try { return await _client.UpdateAsync(clone, ct); }
            catch (ApiStatusException e) when (e.IsConflict && attempt < 5)
            {
                clone = await _client.GetAsync<ControllerRevision>(revision.Metadata.Namespace, revision.Metadata.Name!, ct);
            }
        }
    }

    /// <summary>truncateHistory: keeps revisionHistoryLimit non-live revisions (live: current, update, any a pod is at).</summary>
    private async Task TruncateHistoryAsync(StatefulSet set, List<Pod> pods, List<ControllerRevision> revisions,
        ControllerRevision current, ControllerRevision update, CancellationToken ct)
    {
        var live = new HashSet<string>(StringComparer.Ordinal) { current.Metadata.Name!, update.Metadata.Name! };
        foreach (var p in pods) if (PodRevision(p) is { } r) live.Add(r);
        var history = revisions.Where(r => !live.Contains(r.Metadata.Name!)).ToList();
        int limit = Math.Max(0, set.Spec?.RevisionHistoryLimit ?? 10);
        foreach (var r in history.Take(Math.Max(0, history.Count - limit)))
        {
            try
            {
                await _client.DeleteAsync<ControllerRevision>(r.Metadata.Namespace, r.Metadata.Name!,
                    new DeleteRequest { PreconditionUid = r.Metadata.Uid }, ct);
            }
            catch (ApiStatusException e) when (e.IsNotFound || e.IsConflict) { }
        }
    }

    // ------------------------------------------------------------------ the pod pass

    private Pod NewVersionedPod(Pass pass, int ordinal)
    {
        var cs = pass.CurrentSet;
        var strategy = cs.Spec?.UpdateStrategy;
        int start = StartOrdinal(cs);
        bool atCurrent = strategy?.Type == RollingUpdate &&
            (strategy.RollingUpdate is null
                ? ordinal < start + (cs.Status?.CurrentReplicas ?? 0)
                : ordinal < start + (strategy.RollingUpdate.Partition ?? 0));
        var pod = NewPod(atCurrent ? pass.CurrentSet : pass.UpdateSet, ordinal);
        SetRevision(pod, atCurrent ? pass.Current.Metadata.Name! : pass.Update.Metadata.Name!);
        return pod;
    }

    /// <summary>
    /// A replica that does not exist yet, by name only: the pod itself is made when it is created. (Making every missing
    /// pod on every sync cost an OrderedReady set of N replicas O(N) template copies per sync, O(N²) in all.)
    /// </summary>
    private static Pod Missing(StatefulSet set, int ordinal)
        => new() { Metadata = new ObjectMeta { Name = PodName(set, ordinal), Namespace = set.Metadata.Namespace } };

    private async Task<(StatefulSetStatus, Exception?)> UpdatePodsAsync(StatefulSet set, ControllerRevision current, ControllerRevision update,
        int collisionCount, List<Pod> pods, CancellationToken ct)
    {
        var pass = new Pass
        {
            Set = set,
            CurrentSet = ControllerHistory.ApplyRevision(set, current),
            UpdateSet = ControllerHistory.ApplyRevision(set, update),
            Current = current,
            Update = update,
            Status = new StatefulSetStatus
            {
                ObservedGeneration = set.Metadata.Generation,
                CurrentRevision = current.Metadata.Name,
                UpdateRevision = update.Metadata.Name,
                CollisionCount = collisionCount,
                Conditions = set.Status?.Conditions,
            },
            Monotonic = !AllowsBurst(set),
            Now = DateTimeOffset.UtcNow,
        };
        int start = StartOrdinal(set);
        var replicas = new Pod?[Math.Max(0, Replicas(set))];
        foreach (var p in pods)
        {
            if (InOrdinalRange(p, set)) replicas[Ordinal(p) - start] = p;
            else if (Ordinal(p) >= 0) pass.Condemned.Add(p);
        }
        for (int i = 0; i < replicas.Length; i++) replicas[i] ??= Missing(set, start + i);
        pass.Replicas = replicas!;
        pass.Condemned = pass.Condemned.OrderByDescending(Ordinal).ToList();
        pass.FirstUnhealthy = pass.Replicas.FirstOrDefault(p => !IsHealthy(p));
        if (pass.FirstUnhealthy is null)
            for (int i = pass.Condemned.Count - 1; i >= 0; i--)
                if (!IsHealthy(pass.Condemned[i])) { pass.FirstUnhealthy = pass.Condemned[i]; break; }

        (StatefulSetStatus, Exception?) Done(Exception? e = null) { Count(pass); return (pass.Status, e); }

        if (set.Metadata.DeletionTimestamp is not null) return Done();

        try
        {
            // Living replicas, in ordinal order; in monotonic mode stop at the first that blocks.
            if (await RunForAllAsync(pass.Replicas.Length, i => ProcessReplicaAsync(pass, i, ct), pass.Monotonic, ct)) return Done();
            // Claims of condemned pods take the retention policy's owners before their pods go.
            if (await RunForAllAsync(pass.Condemned.Count, async i =>
                {
                    if (!ClaimsMatchRetentionPolicy(pass.UpdateSet, pass.Condemned[i])) await UpdateClaimsForRetentionAsync(pass.UpdateSet, pass.Condemned[i], ct);
                    return false;
                }, pass.Monotonic, ct)) return Done();
            // Scale down, highest ordinal first.
            if (await RunForAllAsync(pass.Condemned.Count, i => ProcessCondemnedAsync(pass, i, ct), pass.Monotonic, ct)) return Done();
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return Done(e);
        }
        Count(pass);

        if (set.Spec?.UpdateStrategy?.Type == OnDelete) return (pass.Status, null);

        return await RollingUpdateAsync(pass, ct);
    }

    /// <summary>
    /// updateStatefulSetAfterInvariantEstablished (upstream with MaxUnavailableStatefulSet): when at most maxUnavailable
    /// replicas are unavailable, delete up to the difference of the pods not at the update revision, highest ordinal
    /// first, down to the partition. maxUnavailable defaults to 1, which is the one-pod-at-a-time rolling update.
    /// </summary>
    private async Task<(StatefulSetStatus, Exception?)> RollingUpdateAsync(Pass pass, CancellationToken ct)
    {
        var set = pass.Set;
        var ru = set.Spec?.UpdateStrategy?.RollingUpdate;
        int updateMin = ru?.Partition ?? 0;
        if (!TryMaxUnavailable(ru?.MaxUnavailable, pass.Replicas.Length, out var maxUnavailable, out var invalid))
            return (pass.Status, new StatefulSetSyncException(invalid));
        int unavailable = 0;
        foreach (var p in pass.Replicas) if (IsUnavailable(p, pass.MinReady, pass.Now)) unavailable++;
        if (unavailable > maxUnavailable) return (pass.Status, null);

        int toDelete = maxUnavailable - unavailable, deleted = 0;
        for (int target = pass.Replicas.Length - 1; target >= updateMin && deleted < toDelete; target--)
        {
            var p = pass.Replicas[target];
            if (!IsCreated(p) || PodRevision(p) == pass.Update.Metadata.Name || IsTerminating(p)) continue;
            Log.LogInformation("pod {Pod} of statefulset {Set} is terminating for update", p.Metadata.Name, set.Metadata.Name);
            try { await DeletePodAsync(set, p, ct); }
            catch (Exception e) when (e is not OperationCanceledException) { return (pass.Status, e); }
            deleted++;
            pass.Status.CurrentReplicas--;
        }
        return (pass.Status, null);
    }

    /// <summary>runForAll: in order, stopping when a step says so (monotonic); else all at once, at most <see cref="MaxBurst"/> in flight. Returns true to stop the pass.</summary>
    private static async Task<bool> RunForAllAsync(int count, Func<int, Task<bool>> fn, bool monotonic, CancellationToken ct)
    {
        if (monotonic)
        {
            for (int i = 0; i < count; i++) if (await fn(i)) return true;
            return false;
        }
        if (count == 0) return false;
        using var gate = new SemaphoreSlim(MaxBurst);
        var tasks = Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync(ct);
            try { await fn(i); }
            finally { gate.Release(); }
        }).ToList();
        try { await Task.WhenAll(tasks); }
        catch
        {
            var errors = tasks.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).ToList();
            if (errors.Count == 1) throw errors[0];
            if (errors.Count > 1) throw new StatefulSetSyncException("[" + string.Join(", ", errors.Select(e => e.Message)) + "]");
            throw;
        }
        return false;
    }

    private async Task<bool> ProcessReplicaAsync(Pass pass, int i, CancellationToken ct)
    {
        var set = pass.Set;
        var pod = pass.Replicas[i];
        // Failed and Succeeded pods are replaced, whatever their exit code.
        if (IsFailed(pod) || IsSucceeded(pod))
        {
            if (IsFailed(pod))
                _events.Event(set, EventRecorder.Warning, "RecreatingFailedPod", $"StatefulSet {set.Metadata.Namespace}/{set.Metadata.Name} is recreating failed Pod {pod.Metadata.Name}");
            else
                _events.Event(set, EventRecorder.Normal, "RecreatingTerminatedPod", $"StatefulSet {set.Metadata.Namespace}/{set.Metadata.Name} is recreating terminated Pod {pod.Metadata.Name}");
            await DeletePodAsync(set, pod, ct);
            pass.Replicas[i] = pod = NewVersionedPod(pass, i + StartOrdinal(set));
        }
        if (!IsCreated(pod))
        {
            if (PodClaimIsStale(set, pod)) return true; // a claim still belongs to the previous pod of this name: wait for the collector
            pass.Replicas[i] = pod = NewVersionedPod(pass, i + StartOrdinal(set));
            await CreatePodAsync(set, pod, ct);
            return pass.Monotonic;
        }
        if (IsPending(pod)) await CreateMissingClaimsAsync(set, pod, ct);
        if (pass.Monotonic && IsStuckOnOldRevision(pass, i, pod))
        {
            // Beyond upstream (kubernetes #67250), opted into by annotation: the template was changed while this pod,
            // made from an earlier one, never became Ready; it is recreated at the update revision instead of blocking.
            // (Our cache may still show a pod deleted a moment ago: only a delete that happened now is reported.)
            if (await DeletePodAsync(set, pod, ct))
                _events.Event(set, EventRecorder.Normal, "RecreatingStuckPod",
                    $"StatefulSet {set.Metadata.Namespace}/{set.Metadata.Name} is recreating Pod {pod.Metadata.Name}: it is not Ready at revision {PodRevision(pod)} and the update revision is {pass.Update.Metadata.Name}");
            return true;
        }
        if (pass.Monotonic && (IsTerminating(pod) || !IsRunningAndReady(pod) || !IsRunningAndAvailable(pod, pass.MinReady, pass.Now))) return true;

        bool retentionMatch = ClaimsMatchRetentionPolicy(pass.UpdateSet, pod);
        if (IdentityMatches(set, pod) && StorageMatches(set, pod) && retentionMatch) return false;
        await UpdateStatefulPodAsync(pass.UpdateSet, KubeObjects.DeepCopy(pod), ct);
        return false;
    }

    /// <summary>
    /// With <see cref="RecoverStuckRolloutAnnotation"/> and a RollingUpdate: a created, not terminating pod at or above the
    /// partition that is not Running and Ready and not at the update revision.
    /// </summary>
    private static bool IsStuckOnOldRevision(Pass pass, int index, Pod pod)
    {
        var set = pass.Set;
        if (!RecoversStuckRollout(set) || set.Spec?.UpdateStrategy?.Type != RollingUpdate) return false;
        if (index < (set.Spec.UpdateStrategy.RollingUpdate?.Partition ?? 0)) return false;
        return IsCreated(pod) && !IsTerminating(pod) && !IsRunningAndReady(pod) && PodRevision(pod) != pass.Update.Metadata.Name;
    }

    private async Task<bool> ProcessCondemnedAsync(Pass pass, int i, CancellationToken ct)
    {
        var pod = pass.Condemned[i];
        if (IsTerminating(pod)) return pass.Monotonic; // wait for it to go
        if (pass.Monotonic && !ReferenceEquals(pod, pass.FirstUnhealthy)
            && (!IsRunningAndReady(pod) || !IsRunningAndAvailable(pod, pass.MinReady, pass.Now))) return true;
        Log.LogInformation("pod {Pod} of statefulset {Set} is terminating for scale down", pod.Metadata.Name, pass.Set.Metadata.Name);
        await DeletePodAsync(pass.Set, pod, ct);
        return true;
    }

    /// <summary>computeReplicaStatus over the pass's pods (created ones only count).</summary>
    private static void Count(Pass pass)
    {
        var s = pass.Status;
        s.Replicas = s.ReadyReplicas = s.AvailableReplicas = s.CurrentReplicas = s.UpdatedReplicas = 0;
        foreach (var p in pass.Replicas.Concat(pass.Condemned))
        {
            if (IsCreated(p)) s.Replicas++;
            if (IsRunningAndReady(p))
            {
                s.ReadyReplicas++;
                if (IsRunningAndAvailable(p, pass.MinReady, pass.Now)) s.AvailableReplicas++;
            }
            if (IsCreated(p) && !IsTerminating(p))
            {
                var rev = PodRevision(p);
                if (rev == pass.Current.Metadata.Name) s.CurrentReplicas++;
                if (rev == pass.Update.Metadata.Name) s.UpdatedReplicas++;
            }
        }
    }

    // ------------------------------------------------------------------ status

    private async Task UpdateStatusAsync(StatefulSet set, StatefulSetStatus status, CancellationToken ct)
    {
        // completeRollingUpdate
        if (set.Spec?.UpdateStrategy?.Type == RollingUpdate && status.UpdatedReplicas == status.Replicas && status.ReadyReplicas == status.Replicas)
        {
            status.CurrentReplicas = status.UpdatedReplicas;
            status.CurrentRevision = status.UpdateRevision;
        }
        var copy = set;
        for (int attempt = 0; ; attempt++)
        {
            var old = copy.Status ?? new StatefulSetStatus();
            bool same = old.ObservedGeneration == status.ObservedGeneration && (old.Replicas ?? 0) == status.Replicas
                && (old.ReadyReplicas ?? 0) == status.ReadyReplicas && (old.AvailableReplicas ?? 0) == status.AvailableReplicas
                && (old.CurrentReplicas ?? 0) == status.CurrentReplicas && (old.UpdatedReplicas ?? 0) == status.UpdatedReplicas
                && old.CurrentRevision == status.CurrentRevision && old.UpdateRevision == status.UpdateRevision
                && (old.CollisionCount ?? 0) == (status.CollisionCount ?? 0);
            if (same) return;
            status.Conditions = old.Conditions;
            copy.Status = status;
            try { await _client.UpdateStatusAsync(copy, ct); return; }
            catch (ApiStatusException e) when (e.IsNotFound) { return; }
            catch (ApiStatusException e) when (e.IsConflict && attempt < 5)
            {
                copy = await _client.GetAsync<StatefulSet>(set.Metadata.Namespace, set.Metadata.Name!, ct);
                if (copy.Metadata.Uid != set.Metadata.Uid) return;
            }
        }
    }

    // ------------------------------------------------------------------ pod and claim control (stateful_pod_control.go)

    private void RecordPodEvent(string verb, StatefulSet set, Pod pod, Exception? err)
    {
        var title = char.ToUpperInvariant(verb[0]) + verb[1..];
        if (err is null)
            _events.Event(set, EventRecorder.Normal, "Successful" + title, $"{verb} Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} successful");
        else
            _events.Event(set, EventRecorder.Warning, "Failed" + title, $"{verb} Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} failed error: {err.Message}");
    }

    private void RecordClaimEvent(string verb, StatefulSet set, Pod pod, PersistentVolumeClaim claim, Exception? err)
    {
        var title = char.ToUpperInvariant(verb[0]) + verb[1..];
        if (err is null)
            _events.Event(set, EventRecorder.Normal, "Successful" + title, $"{verb} Claim {claim.Metadata.Name} Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} success");
        else
            _events.Event(set, EventRecorder.Warning, "Failed" + title, $"{verb} Claim {claim.Metadata.Name} for Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} failed error: {err.Message}");
    }

    /// <summary>CreateStatefulPod: claims first, then the pod, then the claims' retention owners.</summary>
    private async Task CreatePodAsync(StatefulSet set, Pod pod, CancellationToken ct)
    {
        try { await CreateClaimsAsync(set, pod, ct); }
        catch (Exception e) when (e is not OperationCanceledException) { RecordPodEvent("create", set, pod, e); throw; }
        Pod created;
        try { created = await _client.CreateAsync(pod, ct); }
        catch (ApiStatusException e) when (e.IsAlreadyExists) { return; } // done already (our cache is behind) or still terminating
        catch (Exception e) when (e is not OperationCanceledException) { RecordPodEvent("create", set, pod, e); throw; }
        RecordPodEvent("create", set, pod, null);
        try { await UpdateClaimsForRetentionAsync(set, created, ct); }
        catch (Exception e) when (e is not OperationCanceledException) { RecordPodEvent("update", set, pod, e); throw; }
    }

    /// <summary>createPersistentVolumeClaims: creates the missing claims; a claim being deleted is an error (the pod must wait).</summary>
    private async Task CreateClaimsAsync(StatefulSet set, Pod pod, CancellationToken ct)
    {
        var errors = new List<string>();
        int ordinal = Ordinal(pod);
        foreach (var template in set.Spec?.VolumeClaimTemplates ?? [])
        {
            var name = ClaimName(set, template, ordinal);
            var cached = _claims.Get(set.Metadata.Namespace, name);
            if (cached is not null)
            {
                if (cached.Metadata.DeletionTimestamp is not null) errors.Add($"pvc {name} is being deleted");
                continue;
            }
            var claim = ClaimFor(set, template, ordinal); // copied only when it is to be created
            try
            {
                await _client.CreateAsync(claim, ct);
                RecordClaimEvent("create", set, pod, claim, null);
            }
            catch (ApiStatusException e) when (e.IsAlreadyExists)
            {
                // Someone (we, before a restart) created it: look at the real thing.
                PersistentVolumeClaim? live = null;
                try { live = await _client.GetAsync<PersistentVolumeClaim>(claim.Metadata.Namespace, name, ct); }
                catch (ApiStatusException g) when (g.IsNotFound) { errors.Add($"pvc {name} is being deleted"); }
                if (live?.Metadata.DeletionTimestamp is not null) errors.Add($"pvc {name} is being deleted");
            }
            catch (ApiStatusException e)
            {
                errors.Add($"failed to create PVC {name}: {e.Message}");
                RecordClaimEvent("create", set, pod, claim, e);
            }
        }
        if (errors.Count == 1) throw new StatefulSetSyncException(errors[0]);
        if (errors.Count > 1) throw new StatefulSetSyncException("[" + string.Join(", ", errors) + "]");
    }

    private async Task CreateMissingClaimsAsync(StatefulSet set, Pod pod, CancellationToken ct)
    {
        await CreateClaimsAsync(set, pod, ct);
        try { await UpdateClaimsForRetentionAsync(set, pod, ct); }
        catch (Exception e) when (e is not OperationCanceledException) { RecordPodEvent("update", set, pod, e); throw; }
    }

    /// <summary>DeleteStatefulPod, preconditioned on the pod's UID: a pod that is gone or was replaced counts as deleted (false: not by this call).</summary>
    private async Task<bool> DeletePodAsync(StatefulSet set, Pod pod, CancellationToken ct)
    {
        try
        {
            await _client.DeleteAsync<Pod>(pod.Metadata.Namespace, pod.Metadata.Name!, new DeleteRequest { PreconditionUid = pod.Metadata.Uid }, ct);
            RecordPodEvent("delete", set, pod, null);
            return true;
        }
        catch (ApiStatusException e) when (e.IsNotFound || e.IsConflict) { return false; }
        catch (Exception e) when (e is not OperationCanceledException) { RecordPodEvent("delete", set, pod, e); throw; }
    }

    /// <summary>PodClaimIsStale: with whenScaled=Delete, a claim still referencing an earlier pod of this name blocks creation.</summary>
    private bool PodClaimIsStale(StatefulSet set, Pod pod)
    {
        if (RetentionPolicy(set).WhenScaled == Retain) return false;
        foreach (var name in ClaimNames(set, Ordinal(pod)))
            if (_claims.Get(set.Metadata.Namespace, name) is { } c && HasStalePodRef(c, pod)) return true;
        return false;
    }

    private bool ClaimsMatchRetentionPolicy(StatefulSet set, Pod pod)
    {
        foreach (var name in ClaimNames(set, Ordinal(pod)))
            if (_claims.Get(set.Metadata.Namespace, name) is { } c && !IsClaimOwnerUpToDate(c, set, pod)) return false;
        return true;
    }

    /// <summary>UpdatePodClaimForRetentionPolicy.</summary>
    private async Task UpdateClaimsForRetentionAsync(StatefulSet set, Pod pod, CancellationToken ct)
    {
        foreach (var name in ClaimNames(set, Ordinal(pod)))
        {
            var cached = _claims.Get(set.Metadata.Namespace, name);
            if (cached is null) continue; // picked up next time
            if (HasUnexpectedController(cached, set, pod))
                _events.Event(set, EventRecorder.Warning, "ConflictingController",
                    $"PersistentVolumeClaim {name} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim");
            if (IsClaimOwnerUpToDate(cached, set, pod)) continue;
            var claim = KubeObjects.DeepCopy(cached);
            UpdateClaimOwnerRefs(claim, set, pod);
            try { await _client.UpdateAsync(claim, ct); }
            catch (ApiStatusException e) when (e.IsNotFound) { }
            catch (ApiStatusException e)
            {
                throw new StatefulSetSyncException($"could not update claim {name} for delete policy ownerRefs: {e.Message}");
            }
        }
    }

    /// <summary>UpdateStatefulPod: repairs identity, storage and the claims' retention owners; records an update event when it wrote.</summary>
    private async Task UpdateStatefulPodAsync(StatefulSet set, Pod pod, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            bool consistent = true;
            if (!IdentityMatches(set, pod)) { UpdateIdentity(set, pod); consistent = false; }
            try
            {
                if (!StorageMatches(set, pod))
                {
                    UpdateStorage(set, pod);
                    consistent = false;
                    await CreateClaimsAsync(set, pod, ct);
                }
                if (!ClaimsMatchRetentionPolicy(set, pod))
                {
                    await UpdateClaimsForRetentionAsync(set, pod, ct);
                    consistent = false;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException) { RecordPodEvent("update", set, pod, e); throw; }
            if (consistent) return;
            try
            {
                await _client.UpdateAsync(pod, ct);
                RecordPodEvent("update", set, pod, null);
                return;
            }
            catch (ApiStatusException e) when (e.IsNotFound) { return; }
            catch (ApiStatusException e) when (e.IsConflict && attempt < 5)
            {
                pod = await _client.GetAsync<Pod>(pod.Metadata.Namespace, pod.Metadata.Name!, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException) { RecordPodEvent("update", set, pod, e); throw; }
        }
    }

}
