using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Berth.Kubelet.Streaming.Spdy;

namespace Berth.Kubelet.Streaming;

/// <summary>
/// The kubelet's port-forward protocol (portforward.k8s.io) over SPDY: for each local connection kubectl opens an
/// "error" and a "data" stream carrying the same <c>requestID</c> and <c>port</c> headers; once both are here the data
/// stream is joined to a TCP connection to the pod's port, and a failure is written on the error stream.
/// </summary>
public static class PortForwardSession
{
    public const string Protocol = "portforward.k8s.io";
    /// <summary>The WebSocket subprotocol of kubectl's SPDY-over-WebSocket tunnel (client-go's tunneling dialer).</summary>
    public const string TunnelProtocol = "SPDY/3.1+" + Protocol;

    /// <summary>Serves one SPDY connection on <paramref name="io"/> until the client leaves.</summary>
    /// <param name="target">Where a pod port is reached (host, port).</param>
    /// <param name="describe">The pod as named in error messages ("ns/name, uid ...").</param>
    public static async Task ServeAsync(Stream io, Func<int, (string Host, int Port)> target, string describe, CancellationToken ct)
    {
        var pending = new Dictionary<string, (SpdyStream? Error, SpdyStream? Data)>(StringComparer.Ordinal);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        SpdyConnection? conn = null;
        conn = new SpdyConnection(io, async s =>
        {
            var type = s.Header("streamtype");
            var id = s.Header("requestid") ?? s.Header("port") ?? "";
            SpdyStream? error = null, data = null;
            lock (pending)
            {
                pending.TryGetValue(id, out var pair);
                if (type == "error") pair.Error = s;
                else if (type == "data") pair.Data = s;
                else { s.Forget(); return; }
                if (pair.Error is not null && pair.Data is not null) { pending.Remove(id); (error, data) = pair; }
                else pending[id] = pair;
            }
            if (error is not null && data is not null) await ForwardAsync(error, data, target, describe, stop.Token);
        });
        await conn.RunAsync(stop.Token);
        stop.Cancel();
    }

    private static async Task ForwardAsync(SpdyStream error, SpdyStream data, Func<int, (string Host, int Port)> target, string describe, CancellationToken ct)
    {
        try
        {
            if (!int.TryParse(data.Header("port"), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                await FailAsync(error, $"invalid port \"{data.Header("port")}\"", ct);
                return;
            }
            var (host, tport) = target(port);
            using var tcp = new TcpClient();
            try { await tcp.ConnectAsync(host, tport, ct); }
            catch (SocketException e)
            {
                var why = e.SocketErrorCode == SocketError.ConnectionRefused ? "connection refused" : e.Message;
                await FailAsync(error, $"error forwarding port {port} to pod {describe}: dial tcp4 {host}:{tport}: connect: {why}", ct);
                return;
            }
            var net = tcp.GetStream();
            var up = Task.Run(async () =>
            {
                var buf = new byte[32 * 1024];
                int n;
                while ((n = await data.ReadAsync(buf, ct)) > 0) await net.WriteAsync(buf.AsMemory(0, n), ct);
                tcp.Client.Shutdown(SocketShutdown.Send);
            }, ct);
            var down = Task.Run(async () =>
            {
                var buf = new byte[32 * 1024];
                int n;
                while ((n = await net.ReadAsync(buf, ct)) > 0) await data.WriteAsync(buf.AsMemory(0, n), ct);
            }, ct);
            try { await down; } catch (Exception e) when (e is IOException or SocketException or OperationCanceledException) { }
            await data.CloseWriteAsync(ct);
            await error.CloseWriteAsync(ct);
            try { await up.WaitAsync(TimeSpan.FromSeconds(5), ct); } catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or TimeoutException) { }
        }
        finally
        {
            await data.CloseWriteAsync(ct);
            await error.CloseWriteAsync(ct);
            data.Forget();
            error.Forget();
        }
    }

    private static async Task FailAsync(SpdyStream error, string message, CancellationToken ct)
    {
        try { await error.WriteAsync(Encoding.UTF8.GetBytes(message), ct); }
        catch (IOException) { }
        await error.CloseWriteAsync(ct);
    }
}
