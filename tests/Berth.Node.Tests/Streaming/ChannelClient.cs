using System.Net.WebSockets;
using System.Text;

namespace Berth.Kubelet.Tests.Streaming;

/// <summary>A test client of the kubelet's remote command protocol (v5.channel.k8s.io): what kubectl exec/attach speak.</summary>
internal sealed class ChannelClient : IAsyncDisposable
{
    private readonly ClientWebSocket _ws = new();
    private readonly StringBuilder _stdout = new();
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
                lock (_lock) (m[0] == 3 ? _error : _stdout).Append(text);
            }
        }
        catch (WebSocketException) { }
    }

    public string Stdout { get { lock (_lock) return _stdout.ToString(); } }
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

    /// <summary>Waits until stdout contains <paramref name="text"/>.</summary>
    public async Task WaitForAsync(string text, int seconds = 10)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!Stdout.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > until) throw new Xunit.Sdk.XunitException($"\"{text}\" did not appear; output so far: {Stdout}; error channel: {Error}");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits for the server to end the session.</summary>
    public Task Completion => _receive;

    public async ValueTask DisposeAsync()
    {
        try { if (_ws.State == WebSocketState.Open) await _ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None); }
        catch (WebSocketException) { }
        _ws.Dispose();
    }
}
