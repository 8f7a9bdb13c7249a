using Berth.Api.Core;
using Berth.Client;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.ServiceAccounts;

/// <summary>
/// kube-controller-manager's serviceaccount controller: every active namespace has a ServiceAccount named
/// <c>default</c> (made when the namespace appears, made again when deleted). Keys are namespace names.
/// </summary>
public sealed class ServiceAccountsController : Controller
{
    public const string DefaultName = "default";

    private readonly IApiClient _client;
    private readonly SharedInformer<Namespace> _namespaces;
    private readonly SharedInformer<ServiceAccount> _accounts;

    public ServiceAccountsController(IApiClient client, InformerFactory informers, ILogger? log = null) : base("serviceaccount-controller", log)
    {
        _client = client;
        _namespaces = informers.For<Namespace>();
        _accounts = informers.For<ServiceAccount>();
        WaitFor(_namespaces);
        WaitFor(_accounts);
        _namespaces.AddEventHandler(Enqueue, (_, ns) => Enqueue(ns), null);
        _accounts.OnDelete(sa =>
        {
            if (sa.Metadata.Name == DefaultName && sa.Metadata.Namespace is { } ns) Queue.Add(ns);
        });
    }

    protected override async Task SyncAsync(string key, CancellationToken ct)
    {
        var ns = _namespaces.Get(null, key);
        if (ns is null || ns.Metadata.DeletionTimestamp is not null || ns.Status?.Phase == "Terminating") return;
        if (_accounts.Get(key, DefaultName) is not null) return;
        try
        {
            await _client.CreateAsync(new ServiceAccount { Metadata = new() { Name = DefaultName, Namespace = key } }, ct);
        }
        catch (ApiStatusException e) when (e.IsAlreadyExists) { }
        // The namespace began terminating after our cache saw it: nothing is to be created in it any more.
        catch (ApiStatusException e) when (e.Code == 403 && _namespaces.Get(null, key)?.Metadata.DeletionTimestamp is not null) { }
    }
}
