using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Berth.Api.Core;
using Berth.Api.Meta;

namespace Berth.Client;

/// <summary>
/// <see cref="IApiClient"/> over HTTPS (HTTP/1.1, pooled connections): trusts only the cluster's CA and authenticates with a
/// bearer token. Thread-safe; share one instance.
/// </summary>
public sealed class HttpApiClient : IApiClient, IDisposable
{
    private readonly HttpClient _http;
    private readonly KindResolver _kinds;

    /// <summary>Default timeout of non-watch requests.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public Uri Server { get; }

    public HttpApiClient(Uri server, string caPem, string? token, KindResolver? kinds = null, int maxConnectionsPerServer = 64)
    {
        Server = server;
        _kinds = kinds ?? KindResolver.Default;
        var roots = new X509Certificate2Collection();
        roots.ImportFromPem(caPem);
        if (roots.Count == 0) throw new ArgumentException("no certificate in the CA PEM", nameof(caPem));
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnectionsPerServer,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            ConnectTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.None,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, errors) => Verify(cert, errors, roots),
            },
        };
        _http = new HttpClient(handler)
        {
            BaseAddress = server,
            Timeout = Timeout.InfiniteTimeSpan, // watches are long; other requests get RequestTimeout
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        if (!string.IsNullOrEmpty(token)) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("berth-client", "1.0"));
    }

    /// <summary>Host name checks as usual; the chain must end at one of the given roots (custom root trust, nothing else trusted).</summary>
    private static bool Verify(X509Certificate? cert, SslPolicyErrors errors, X509Certificate2Collection roots)
    {
        if (cert is null) return false;
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (cert is X509Certificate2 c2) return chain.Build(c2);
        using var copy = X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
        return chain.Build(copy);
    }

    /// <summary>Reads the kubeconfig Berth writes (current context's cluster server, certificate-authority-data or
    /// certificate-authority, and the user's token).</summary>
    public static HttpApiClient FromKubeconfig(string path, KindResolver? kinds = null)
    {
        var (server, ca, token) = ParseKubeconfig(File.ReadAllText(path), Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
        return new HttpApiClient(new Uri(server), ca, token, kinds);
    }

    internal static (string Server, string CaPem, string? Token) ParseKubeconfig(string text, string baseDir)
    {
        // A small reader for the block-style YAML of kubeconfigs: sections clusters/users/contexts are lists of
        // {name, cluster|user|context: {...}}; current-context picks the context.
        var clusters = new Dictionary<string, Dictionary<string, string>>();
        var users = new Dictionary<string, Dictionary<string, string>>();
        var contexts = new Dictionary<string, Dictionary<string, string>>();
        string? current = null, section = null, itemName = null;
        Dictionary<string, string>? item = null;
        void Flush()
        {
            if (item is null || section is null) return;
            var target = section switch { "clusters" => clusters, "users" => users, "contexts" => contexts, _ => null };
            if (target is not null) target[itemName ?? ""] = item;
            item = null; itemName = null;
        }
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            int indent = line.Length - line.TrimStart().Length;
            var content = line.Trim();
            if (indent == 0 && !content.StartsWith('-'))
            {
                Flush();
                var (k, v) = Split(content);
                section = v.Length == 0 ? k : null;
                if (k == "current-context") current = v;
                continue;
            }
            if (content.StartsWith("- ", StringComparison.Ordinal) || content == "-")
            {
                Flush();
                item = new Dictionary<string, string>();
                content = content.Length > 1 ? content[2..].Trim() : "";
                if (content.Length == 0) continue;
            }
            if (item is null) continue;
            var (key, value) = Split(content);
            if (key == "name" && indent <= 2) itemName = value;
            else if (value.Length > 0) item[key] = value;
        }
        Flush();
        string Unquote(string s) => s.Length >= 2 && (s[0] == '"' || s[0] == '\'') ? s[1..^1] : s;
        var ctx = current is not null && contexts.TryGetValue(current, out var c) ? c : contexts.Values.FirstOrDefault();
        var cluster = ctx is not null && ctx.TryGetValue("cluster", out var cn) && clusters.TryGetValue(cn, out var cl) ? cl : clusters.Values.FirstOrDefault()
            ?? throw new FormatException("kubeconfig has no cluster");
        var user = ctx is not null && ctx.TryGetValue("user", out var un) && users.TryGetValue(un, out var u) ? u : users.Values.FirstOrDefault();
        var server = cluster.TryGetValue("server", out var s) ? Unquote(s) : throw new FormatException("kubeconfig cluster has no server");
        string caPem;
        if (cluster.TryGetValue("certificate-authority-data", out var cad)) caPem = Encoding.UTF8.GetString(Convert.FromBase64String(Unquote(cad)));
        else if (cluster.TryGetValue("certificate-authority", out var caf)) caPem = File.ReadAllText(Path.Combine(baseDir, Unquote(caf)));
        else throw new FormatException("kubeconfig cluster has no certificate-authority(-data)");
        string? token = user is not null && user.TryGetValue("token", out var t) ? Unquote(t) : null;
        return (server, caPem, token);

        static (string, string) Split(string s)
        {
            var i = s.IndexOf(':');
            return i < 0 ? (s, "") : (s[..i].Trim(), s[(i + 1)..].Trim());
        }
    }

    // ------------------------------------------------------------------ operations

    public async Task<T> GetAsync<T>(string? ns, string name, CancellationToken ct = default) where T : KubeObject
    {
        var k = _kinds.Resolve<T>();
        return await SendAsync<T>(HttpMethod.Get, k.Path(ns, name), null, null, ct);
    }

    public async Task<ObjectList<T>> ListAsync<T>(string? ns, ListRequest? req = null, CancellationToken ct = default) where T : KubeObject
    {
        var k = _kinds.Resolve<T>();
        req ??= new ListRequest();
        var q = new Query()
            .Add("labelSelector", req.LabelSelector).Add("fieldSelector", req.FieldSelector)
            .Add("limit", req.Limit is > 0 ? req.Limit.Value.ToString(CultureInfo.InvariantCulture) : null)
            .Add("continue", req.Continue).Add("resourceVersion", req.ResourceVersion).Add("resourceVersionMatch", req.ResourceVersionMatch)
            .Add("timeoutSeconds", req.TimeoutSeconds?.ToString(CultureInfo.InvariantCulture));
        using var resp = await SendRawAsync(HttpMethod.Get, k.Path(ns) + q, null, null, ct);
        var bytes = await resp.Content.ReadAsByteArrayAsync(ct);
        var list = JsonSerializer.Deserialize<ListBody<T>>(bytes, KubeJson.Options) ?? throw new JsonException("empty list");
        foreach (var i in list.Items) { i.ApiVersion ??= k.GroupVersion; i.Kind ??= k.Kind; }
        return new ObjectList<T>
        {
            Items = list.Items,
            ResourceVersion = list.Metadata?.ResourceVersion ?? "",
            Continue = string.IsNullOrEmpty(list.Metadata?.Continue) ? null : list.Metadata.Continue,
            RemainingItemCount = list.Metadata?.RemainingItemCount,
        };
    }

    private sealed class ListBody<T>
    {
        public ListMeta? Metadata { get; set; }
        public List<T> Items { get; set; } = new();
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? ns, WatchRequest req, [EnumeratorCancellation] CancellationToken ct = default) where T : KubeObject
    {
        var k = _kinds.Resolve<T>();
        var q = new Query().Add("watch", "1")
            .Add("labelSelector", req.LabelSelector).Add("fieldSelector", req.FieldSelector)
            .Add("resourceVersion", req.ResourceVersion)
            .Add("timeoutSeconds", req.TimeoutSeconds?.ToString(CultureInfo.InvariantCulture))
            .Add("allowWatchBookmarks", req.AllowWatchBookmarks ? "true" : null)
            .Add("sendInitialEvents", req.SendInitialEvents ? "true" : null);
        using var resp = await SendRawAsync(HttpMethod.Get, k.Path(ns) + q, null, null, ct, streaming: true);
        await using var stream = await resp.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (true)
        {
            string? line;
            try { line = await reader.ReadLineAsync(ct); }
            catch (Exception e) when (e is IOException or HttpRequestException && !ct.IsCancellationRequested)
            {
                yield break; // the connection ended: the caller re-watches from its last resourceVersion
            }
            if (line is null) yield break;
            if (line.Length == 0) continue;
            var ev = Decode<T>(line, k, ns);
            if (ev is null) continue;
            yield return ev;
            if (ev.Type == WatchEventType.Error) yield break;
        }
    }

    private static WatchEvent<T>? Decode<T>(string line, KindInfo k, string? ns) where T : KubeObject
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var type = root.TryGetProperty("type", out var tp) ? tp.GetString() : null;
        if (!root.TryGetProperty("object", out var o)) return null;
        if (type == "ERROR")
            return new WatchEvent<T>(WatchEventType.Error, null, o.Deserialize<Status>(KubeJson.Options));
        var obj = o.Deserialize<T>(KubeJson.Options) ?? throw new JsonException("null watch object");
        var et = type switch
        {
            "ADDED" => WatchEventType.Added,
            "MODIFIED" => WatchEventType.Modified,
            "DELETED" => WatchEventType.Deleted,
            "BOOKMARK" => WatchEventType.Bookmark,
            _ => (WatchEventType?)null,
        };
        if (et is null) return null;
        // Defensive: a namespaced watch reports only that namespace's objects.
        if (et != WatchEventType.Bookmark && k.Namespaced && !string.IsNullOrEmpty(ns) && obj.Metadata.Namespace != ns) return null;
        obj.ApiVersion ??= k.GroupVersion;
        obj.Kind ??= k.Kind;
        return new WatchEvent<T>(et.Value, obj);
    }

    public Task<T> CreateAsync<T>(T obj, CancellationToken ct = default) where T : KubeObject
    {
        var k = _kinds.Resolve<T>();
        return SendAsync<T>(HttpMethod.Post, k.Path(obj.Metadata.Namespace), Body(obj, k), null, ct);
    }

    public Task<T> UpdateAsync<T>(T obj, CancellationToken ct = default) where T : KubeObject
    {
        var k = _kinds.Resolve<T>();
        return SendAsync<T>(HttpMethod.Put, k.Path(obj.Metadata.Namespace, NameOf(obj)), Body(obj, k), null, ct);
    }

    public Task<T> UpdateStatusAsync<T>(T obj, CancellationToken ct = default) where T : KubeObject
    {
        var k = _kinds.Resolve<T>();
        return SendAsync<T>(HttpMethod.Put, k.Path(obj.Metadata.Namespace, NameOf(obj), "status"), Body(obj, k), null, ct);
    }

    public Task<T> PatchAsync<T>(string? ns, string name, PatchType type, string patchJson, string? subresource = null, CancellationToken ct = default) where T : KubeObject
    {
        var k = _kinds.Resolve<T>();
        return SendAsync<T>(HttpMethod.Patch, k.Path(ns, name, subresource), Encoding.UTF8.GetBytes(patchJson), PatchTypes.ContentType(type), ct);
    }

    public async Task BindPodAsync(string ns, string name, string nodeName, string? uid = null, CancellationToken ct = default)
    {
        var k = _kinds.Resolve<Pod>();
        var body = new Binding
        {
            ApiVersion = "v1", Kind = "Binding",
            Metadata = new ObjectMeta { Name = name, Namespace = ns, Uid = uid },
            Target = new ObjectReference { ApiVersion = "v1", Kind = "Node", Name = nodeName },
        };
        using var resp = await SendRawAsync(HttpMethod.Post, k.Path(ns, name, "binding"), JsonSerializer.SerializeToUtf8Bytes(body, KubeJson.Options), null, ct);
    }

    public async Task<T?> DeleteAsync<T>(string? ns, string name, DeleteRequest? opts = null, CancellationToken ct = default) where T : KubeObject
    {
        var k = _kinds.Resolve<T>();
        opts ??= new DeleteRequest();
        var body = new Dictionary<string, object?>
        {
            ["kind"] = "DeleteOptions",
            ["apiVersion"] = "v1",
        };
        if (opts.GracePeriodSeconds is long g) body["gracePeriodSeconds"] = g;
        if (opts.PropagationPolicy is not null) body["propagationPolicy"] = opts.PropagationPolicy;
        if (opts.PreconditionUid is not null || opts.PreconditionResourceVersion is not null)
        {
            var pre = new Dictionary<string, string>();
            if (opts.PreconditionUid is not null) pre["uid"] = opts.PreconditionUid;
            if (opts.PreconditionResourceVersion is not null) pre["resourceVersion"] = opts.PreconditionResourceVersion;
            body["preconditions"] = pre;
        }
        if (opts.DryRun) body["dryRun"] = new[] { "All" };
        using var resp = await SendRawAsync(HttpMethod.Delete, k.Path(ns, name), JsonSerializer.SerializeToUtf8Bytes(body, KubeJson.Options), "application/json", ct);
        var bytes = await resp.Content.ReadAsByteArrayAsync(ct);
        using var doc = JsonDocument.Parse(bytes);
        if (doc.RootElement.TryGetProperty("kind", out var kind) && kind.GetString() == "Status") return null;
        var obj = JsonSerializer.Deserialize<T>(bytes, KubeJson.Options);
        if (obj is not null) { obj.ApiVersion ??= k.GroupVersion; obj.Kind ??= k.Kind; }
        return obj;
    }

    // ------------------------------------------------------------------ transport

    private static string NameOf(KubeObject obj) => obj.Metadata.Name is { Length: > 0 } n ? n
        : throw new ArgumentException("metadata.name is required");

    private static byte[] Body<T>(T obj, KindInfo k) where T : KubeObject
    {
        obj.ApiVersion ??= k.GroupVersion;
        obj.Kind ??= k.Kind;
        return JsonSerializer.SerializeToUtf8Bytes(obj, KubeJson.Options);
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, byte[]? body, string? contentType, CancellationToken ct) where T : KubeObject
    {
        using var resp = await SendRawAsync(method, path, body, contentType, ct);
        var bytes = await resp.Content.ReadAsByteArrayAsync(ct);
        var obj = JsonSerializer.Deserialize<T>(bytes, KubeJson.Options) ?? throw new JsonException("empty response");
        var k = _kinds.Resolve<T>();
        obj.ApiVersion ??= k.GroupVersion;
        obj.Kind ??= k.Kind;
        return obj;
    }

    /// <summary>Sends a request; a non-2xx answer becomes <see cref="ApiStatusException"/>.</summary>
    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, byte[]? body, string? contentType, CancellationToken ct, bool streaming = false)
    {
        using var timeout = streaming ? null : CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout?.CancelAfter(RequestTimeout);
        using var req = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            req.Content = new ByteArrayContent(body);
            req.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType ?? "application/json");
        }
        HttpResponseMessage resp;
        try
        {
            resp = await _http.SendAsync(req, streaming ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, timeout?.Token ?? ct);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested && timeout is not null)
        {
            throw new ApiStatusException(new Status { Outcome = "Failure", Code = 504, Reason = "Timeout", Message = $"request timed out after {RequestTimeout}" }, e);
        }
        if (resp.IsSuccessStatusCode) return resp;
        using (resp)
        {
            var text = await resp.Content.ReadAsStringAsync(ct);
            Status? status = null;
            try { status = JsonSerializer.Deserialize<Status>(text, KubeJson.Options); } catch (JsonException) { }
            if (status is null || status.Kind != "Status")
                status = new Status { Outcome = "Failure", Message = text.Length > 0 ? text : resp.ReasonPhrase, Reason = DefaultReason(resp.StatusCode) };
            status.Code ??= (int)resp.StatusCode;
            throw new ApiStatusException(status);
        }
    }

    private static string DefaultReason(HttpStatusCode code) => (int)code switch
    {
        400 => "BadRequest", 401 => "Unauthorized", 403 => "Forbidden", 404 => "NotFound", 405 => "MethodNotAllowed",
        409 => "Conflict", 410 => "Expired", 422 => "Invalid", 429 => "TooManyRequests", 504 => "Timeout",
        _ => "InternalError",
    };

    private sealed class Query
    {
        private readonly StringBuilder _sb = new();
        public Query Add(string key, string? value)
        {
            if (string.IsNullOrEmpty(value)) return this;
            _sb.Append(_sb.Length == 0 ? '?' : '&').Append(key).Append('=').Append(Uri.EscapeDataString(value));
            return this;
        }
        public override string ToString() => _sb.ToString();
    }

    public void Dispose() => _http.Dispose();
}
