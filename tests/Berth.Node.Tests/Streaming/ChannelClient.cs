using System.Net.WebSockets;
using System.Text;

namespace Berth.Kubelet.Tests.Streaming;

/// <summary>A test client of the kubelet's remote command protocol (v5.channel.k8s.io): what kubectl exec/attach speak.</summary>
internal sealed class ChannelClient : IAsyncDisposable
{
    private readonly ClientWebSocket _ws = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _error = new();
    private readonly object _lock = new();
    private Task _receive = Task.CompletedTask;

    public static async Task<ChannelClient> ConnectAsync(Uri uri, string token)
    {
        var c = new ChannelClient();
        c._ws.Options.AddSubProtocol("v5.channel.k8s.io");
        c._ws.Options.SetRequestHeader("Authorization", "Bearer " + token);
        c._ws.Options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        await c._ws.ConnectAsync(uri, CancellationToken.None);
        c._receive = Task.Run(c.ReceiveAsync);
        return c;
    }

    private async Task ReceiveAsync()
    {
        var buf = new byte[65536];
        try
        {
            while (true)
            {
                var ms = new MemoryStream();
                WebSocketReceiveResult r;
                do
                {
                    r = await _ws.ReceiveAsync(buf, CancellationToken.None);
                    if (r.MessageType == WebSocketMessageType.Close) return;
                    ms.Write(buf, 0, r.Count);
                } while (!r.EndOfMessage);
                var m = ms.ToArray();
                if (m.Length < 1) continue;
                var text = Encoding.UTF8.GetString(m, 1, m.Length - 1);
                lock (_lock) (m[0] switch { 3 => _error, 2 => _stderr, _ => _stdout }).Append(text);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
    }

    public string Stdout { get { lock (_lock) return _stdout.ToString(); } }
    public string Stderr { get { lock (_lock) return _stderr.ToString(); } }
    /// <summary>The error channel: the session's final metav1.Status.</summary>
    public string Error { get { lock (_lock) return _error.ToString(); } }

    public Task SendAsync(byte channel, string text)
    {
        var data = Encoding.UTF8.GetBytes(text);
        var frame = new byte[data.Length + 1];
        frame[0] = channel;
        data.CopyTo(frame, 1);
        return _ws.SendAsync(frame, WebSocketMessageType.Binary, true, CancellationToken.None);
    }

    public Task ResizeAsync(int width, int height) => SendAsync(4, $"{{\"Width\":{width},\"Height\":{height}}}");

    /// <summary>Waits until stdout (or stderr) contains <paramref name="text"/>.</summary>
    public async Task WaitForAsync(string text, int seconds = 10, bool stderr = false)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!(stderr ? Stderr : Stdout).Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > until) throw new Xunit.Sdk.XunitException($"\"{text}\" did not appear; output so far: {Stdout}; stderr: {Stderr}; error channel: {Error}");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits for the server to end the session.</summary>
    public Task Completion => _receive;

    public async ValueTask DisposeAsync()
    {
        try
        {
            // The receive loop owns reads: only send our close and let it see the server's.
            if (_ws.State == WebSocketState.Open) await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
            await _receive.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or TimeoutException) { }
        _ws.Dispose();
    }
}
