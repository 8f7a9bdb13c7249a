using System.Net;
using Berth.Api.Coordination;
using Berth.Api.Meta;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Client;

public sealed record LeaderElectionConfig
{
    public required string LeaseNamespace { get; init; }
    public required string LeaseName { get; init; }
    /// <summary>Default "&lt;hostname&gt;_&lt;uuid&gt;".</summary>
    public string Identity { get; init; } = LeaderElector.DefaultIdentity();
    /// <summary>How long others wait (from when they last saw the lease change) before taking it over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>The leader gives up if it cannot renew for this long.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>On cancellation the leader clears holderIdentity so another candidate can take over at once.</summary>
    public bool ReleaseOnCancel { get; init; } = true;
}

/// <summary>
/// client-go's leaderelection over a coordination.k8s.io/v1 Lease: candidates try to acquire every RetryPeriod; a lease
/// is free when its holder is empty or it has not changed for LeaseDuration (measured on this machine's clock, from
/// when this candidate observed the change). The leader renews every RetryPeriod and steps down if it cannot renew
/// within RenewDeadline. Updates use resourceVersion, so two candidates can never both win.
/// </summary>
public sealed class LeaderElector
{
    private readonly IApiClient _client;
    private readonly LeaderElectionConfig _cfg;
    private readonly ILogger _log;
    private readonly TimeProvider _clock;
    private string? _observedRecord;
    private DateTimeOffset _observedTime;
    private volatile bool _isLeader;

    public LeaderElector(IApiClient client, LeaderElectionConfig config, ILogger? log = null, TimeProvider? clock = null)
    {
        if (config.LeaseDuration <= config.RenewDeadline) throw new ArgumentException("LeaseDuration must be greater than RenewDeadline");
        if (config.RenewDeadline <= config.RetryPeriod) throw new ArgumentException("RenewDeadline must be greater than RetryPeriod");
        _client = client;
        _cfg = config;
        _log = log ?? NullLogger.Instance;
        _clock = clock ?? TimeProvider.System;
    }

    public static string DefaultIdentity() => $"{Dns.GetHostName()}_{Guid.NewGuid()}";

    public string Identity => _cfg.Identity;
    public bool IsLeader => _isLeader;
    /// <summary>The holder this candidate last saw in the lease.</summary>
    public string? ObservedHolder { get; private set; }

    /// <summary>
    /// Campaigns until it leads, then runs <paramref name="onStartedLeading"/> with a token cancelled when leadership is lost
    /// (or <paramref name="ct"/> is cancelled). Returns after leadership ends; <paramref name="onStoppedLeading"/> runs then.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> onStartedLeading, Action onStoppedLeading, CancellationToken ct)
    {
        if (!await AcquireAsync(ct)) return;
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var work = Task.Run(async () =>
        {
            try { await onStartedLeading(leading.Token); }
            catch (OperationCanceledException) when (leading.IsCancellationRequested) { }
            catch (Exception e) { _log.LogError(e, "leader callback of {Identity} failed", Identity); }
        }, CancellationToken.None);
        try
        {
            await RenewLoopAsync(ct);
        }
        finally
        {
            _isLeader = false;
            leading.Cancel();
            if (ct.IsCancellationRequested && _cfg.ReleaseOnCancel) await ReleaseAsync();
            try { onStoppedLeading(); } catch (Exception e) { _log.LogError(e, "onStoppedLeading failed"); }
            await work;
        }
    }

    private async Task<bool> AcquireAsync(CancellationToken ct)
    {
        _log.LogInformation("{Identity} attempting to acquire lease {Ns}/{Name}", Identity, _cfg.LeaseNamespace, _cfg.LeaseName);
        while (!ct.IsCancellationRequested)
        {
            if (await TryAcquireOrRenewAsync(ct))
            {
                _isLeader = true;
                _log.LogInformation("{Identity} acquired lease {Ns}/{Name}", Identity, _cfg.LeaseNamespace, _cfg.LeaseName);
                return true;
            }
            try { await Task.Delay(Jitter(_cfg.RetryPeriod), _clock, ct); } catch (OperationCanceledException) { return false; }
        }
        return false;
    }

    private async Task RenewLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try { await Task.Delay(_cfg.RetryPeriod, _clock, ct); } catch (OperationCanceledException) { return; }
            var deadline = _clock.GetUtcNow() + _cfg.RenewDeadline;
            bool renewed = false;
            while (!ct.IsCancellationRequested && _clock.GetUtcNow() < deadline)
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
                attempt.CancelAfter(deadline - _clock.GetUtcNow() is var left && left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
                try { renewed = await TryAcquireOrRenewAsync(attempt.Token); }
                catch (OperationCanceledException) { renewed = false; }
                if (renewed) break;
                try { await Task.Delay(_cfg.RetryPeriod / 4, _clock, ct); } catch (OperationCanceledException) { return; }
            }
            if (ct.IsCancellationRequested) return;
            if (!renewed)
            {
                _log.LogWarning("{Identity} failed to renew lease {Ns}/{Name} within {Deadline}; stepping down", Identity, _cfg.LeaseNamespace, _cfg.LeaseName, _cfg.RenewDeadline);
                return;
            }
        }
    }

    private TimeSpan Jitter(TimeSpan d) => d + TimeSpan.FromMilliseconds(d.TotalMilliseconds * 0.2 * Random.Shared.NextDouble());

    private static string Record(LeaseSpec? s)
        => $"{s?.HolderIdentity}|{s?.LeaseDurationSeconds}|{s?.AcquireTime?.UtcTicks}|{s?.RenewTime?.UtcTicks}|{s?.LeaseTransitions}";

    private int DurationSeconds => (int)Math.Ceiling(_cfg.LeaseDuration.TotalSeconds);

    /// <summary>One attempt: create the lease, or take it over if free/expired, or renew it if ours. Never throws except on cancellation.</summary>
    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        Lease lease;
        try
        {
            lease = await _client.GetAsync<Lease>(_cfg.LeaseNamespace, _cfg.LeaseName, ct);
        }
        catch (ApiStatusException e) when (e.IsNotFound)
        {
            try
            {
                var created = await _client.CreateAsync(new Lease
                {
                    Metadata = new ObjectMeta { Name = _cfg.LeaseName, Namespace = _cfg.LeaseNamespace },
                    Spec = new LeaseSpec
                    {
                        HolderIdentity = Identity, LeaseDurationSeconds = DurationSeconds,
                        AcquireTime = now, RenewTime = now, LeaseTransitions = 0,
                    },
                }, ct);
                Observe(created.Spec, now);
                return true;
            }
            catch (ApiStatusException ce) { _log.LogDebug("{Identity}: create lease failed: {Error}", Identity, ce.Message); return false; }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log.LogWarning("{Identity}: error retrieving lease {Ns}/{Name}: {Error}", Identity, _cfg.LeaseNamespace, _cfg.LeaseName, e.Message);
            return false;
        }

        var spec = lease.Spec ?? new LeaseSpec();
        if (Record(spec) != _observedRecord) Observe(spec, now);
        bool mine = spec.HolderIdentity == Identity;
        var duration = TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? DurationSeconds);
        if (!string.IsNullOrEmpty(spec.HolderIdentity) && !mine && _observedTime + duration > now)
            return false; // held by another and not expired

        var next = new LeaseSpec
        {
            HolderIdentity = Identity,
            LeaseDurationSeconds = DurationSeconds,
            RenewTime = now,
            AcquireTime = mine ? spec.AcquireTime ?? now : now,
            LeaseTransitions = mine ? spec.LeaseTransitions ?? 0 : (spec.LeaseTransitions ?? 0) + 1,
            Strategy = spec.Strategy,
            PreferredHolder = spec.PreferredHolder,
        };
        lease.Spec = next;
        try
        {
            var updated = await _client.UpdateAsync(lease, ct); // carries the resourceVersion we read: a racing writer gets 409
            Observe(updated.Spec, now);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log.LogDebug("{Identity}: update lease failed: {Error}", Identity, e.Message);
            return false;
        }
    }

    private void Observe(LeaseSpec? spec, DateTimeOffset now)
    {
        _observedRecord = Record(spec);
        _observedTime = now;
        ObservedHolder = spec?.HolderIdentity;
    }

    /// <summary>
    /// Gives the lease up (holder cleared, duration 1 s), as upstream's ReleaseOnCancel. A renewal cancelled on the way out may
    /// still have committed after our read, so a conflict means "read again and retry", not "someone else holds it".
    /// </summary>
    private async Task ReleaseAsync()
    {
        using var cts = new CancellationTokenSource(_cfg.RenewDeadline);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                var lease = await _client.GetAsync<Lease>(_cfg.LeaseNamespace, _cfg.LeaseName, cts.Token);
                if (lease.Spec?.HolderIdentity != Identity) return;
                var now = _clock.GetUtcNow();
                lease.Spec = new LeaseSpec
                {
                    HolderIdentity = null, LeaseDurationSeconds = 1, AcquireTime = now, RenewTime = now,
                    LeaseTransitions = lease.Spec.LeaseTransitions, Strategy = lease.Spec.Strategy, PreferredHolder = lease.Spec.PreferredHolder,
                };
                await _client.UpdateAsync(lease, cts.Token);
                _log.LogInformation("{Identity} released lease {Ns}/{Name}", Identity, _cfg.LeaseNamespace, _cfg.LeaseName);
                return;
            }
            catch (Exception e) when (ApiStatusException.IsConflictError(e) && attempt < 5 && !cts.IsCancellationRequested) { }
            catch (Exception e)
            {
                _log.LogWarning("{Identity}: failed to release lease: {Error}", Identity, e.Message);
                return;
            }
        }
    }
}
