using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Berth.E2E.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Berth.E2E.Tests;

/// <summary>
/// kubectl logs, exec, attach and port-forward against ./berth server --runtime simulated: the API server proxies to the node
/// agent's kubelet API, exec speaks the WebSocket remote command protocol (v5), port-forward SPDY tunnelled in a WebSocket.
/// </summary>
public sealed class StreamingTests(ServerFixture f, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    private readonly Kubectl _k = f.Kubectl;

    private static string Pod(string name, string annotations = "{}", string restartPolicy = "Always") => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{name}}
          annotations: {{annotations}}
        spec:
          restartPolicy: {{restartPolicy}}
          containers:
          - name: app
            image: busybox
            env: [{name: GREETING, value: hello-from-env}]
          - name: sidecar
            image: busybox
        """;

    private async Task RunningAsync(string name, string annotations = "{}")
    {
        await _k.OkAsync("apply -f -", Pod(name, annotations));
        await Eventually.EqualsAsync(_k, $"get pod {name} -o jsonpath={{.status.phase}}", "Running");
    }

    [Fact]
    public async Task Logs_of_each_container_tail_timestamps_and_errors()
    {
        await RunningAsync("logs");
        Assert.Equal("simulated container \"app\" started (run 0)\n", await _k.OkAsync("logs logs -c app"));
        Assert.Equal("simulated container \"sidecar\" started (run 0)\n", await _k.OkAsync("logs logs -c sidecar"));
        // Without -c kubectl picks the first container and says so.
        var defaulted = await _k.RunAsync("logs logs");
        Assert.Equal(0, defaulted.ExitCode);
        Assert.Contains("simulated container \"app\"", defaulted.Stdout);
        Assert.Contains("Defaulted container \"app\" out of: app, sidecar", defaulted.Stderr);

        var stamped = (await _k.OkAsync("logs logs -c app --timestamps")).TrimEnd('\n');
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z simulated container ""app"" started \(run 0\)$", stamped);

        var missingContainer = await _k.RunAsync("logs logs -c nope");
        Assert.NotEqual(0, missingContainer.ExitCode);
        Assert.Contains("container nope is not valid for pod logs", missingContainer.Stderr);
        var missingPod = await _k.RunAsync("logs nosuchpod");
        Assert.NotEqual(0, missingPod.ExitCode);
        Assert.Contains("pods \"nosuchpod\" not found", missingPod.Stderr);
        var noPrevious = await _k.RunAsync("logs logs -c app --previous");
        Assert.NotEqual(0, noPrevious.ExitCode);
        Assert.Contains("previous terminated container \"app\" in pod \"logs\" not found", noPrevious.Stderr);
    }

    [Fact]
    public async Task Logs_tail_and_follow_see_lines_written_later()
    {
        await RunningAsync("ticker", "{berth.io/simulate-log-every: 300ms}");
        await Eventually.OutputAsync(_k, "logs ticker -c app", s => s.Contains("tick 2\n"));
        var tail = await _k.OkAsync("logs ticker -c app --tail=1");
        Assert.Matches(@"^tick \d+\n$", tail);

        using var follow = Start("logs -f ticker -c app --tail=1");
        var first = int.Parse((await follow.ReadLineAsync()).Split(' ')[1]);
        // Every line after the tail was written after kubectl started following.
        var next = await follow.ReadLineAsync();
        Assert.Equal($"tick {first + 1}", next);
        Assert.Equal($"tick {first + 2}", await follow.ReadLineAsync());
    }

    [Fact]
    public async Task Logs_previous_shows_the_run_before_a_restart()
    {
        await _k.OkAsync("apply -f -", Pod("crasher", "{berth.io/simulate-exit-code: \"3\"}"));
        await Eventually.EqualsAsync(_k, "get pod crasher -o jsonpath={.status.containerStatuses[0].lastState.terminated.exitCode}", "3");
        var previous = await _k.OkAsync("logs crasher -c app --previous");
        Assert.Equal("simulated container \"app\" started (run 0)\nsimulated container \"app\" exiting with code 3\n", previous);
    }

    [Fact]
    public async Task Exec_prints_output_propagates_exit_codes_and_takes_stdin()
    {
        await RunningAsync("shell");
        var hi = await _k.RunAsync("exec shell -c app -- echo hi");
        Assert.Equal(0, hi.ExitCode);
        Assert.Equal("hi\n", hi.Stdout);

        var three = await _k.RunAsync("exec shell -c app -- sh -c 'echo out; echo err >&2; exit 3'");
        Assert.Equal(3, three.ExitCode);
        Assert.Equal("out\n", three.Stdout);
        Assert.Contains("err\n", three.Stderr);

        Assert.Equal("hello-from-env shell\n", await _k.OkAsync("exec shell -c app -- sh -c 'echo $GREETING $HOSTNAME'"));

        var input = string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i}\n"));
        var cat = await _k.RunAsync("exec -i shell -c sidecar -- cat", stdin: input);
        Assert.Equal(0, cat.ExitCode);
        Assert.Equal(input, cat.Stdout);

        var badContainer = await _k.RunAsync("exec shell -c nope -- true");
        Assert.NotEqual(0, badContainer.ExitCode);
        Assert.Contains("container nope is not valid for pod shell", badContainer.Stderr);
        var badPod = await _k.RunAsync("exec nosuchpod -- true");
        Assert.NotEqual(0, badPod.ExitCode);
        Assert.Contains("pods \"nosuchpod\" not found", badPod.Stderr);
    }

    [Fact]
    public async Task Exec_ends_the_command_when_kubectl_goes_away()
    {
        await RunningAsync("leaver");
        var marker = "98765" + Random.Shared.Next(1000, 9999);
        using (var exec = Start($"exec leaver -c app -- sh -c 'echo started; sleep {marker}'"))
        {
            Assert.Equal("started", await exec.ReadLineAsync());
            var start = DateTime.UtcNow.AddSeconds(10);
            while (!SleepRunning(marker) && DateTime.UtcNow < start) await Task.Delay(50);
            Assert.True(SleepRunning(marker), "the exec'd command never ran");
        }
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (SleepRunning(marker) && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.False(SleepRunning(marker), "the exec'd command outlived the kubectl that started it");
    }

    [Fact]
    public async Task Attach_streams_the_containers_output_from_now_on()
    {
        await RunningAsync("attached", "{berth.io/simulate-log-every: 300ms}");
        await Eventually.OutputAsync(_k, "logs attached -c app", s => s.Contains("tick 1\n"));
        using var attach = Start("attach attached -c app");
        var first = int.Parse((await attach.ReadLineAsync()).Split(' ')[1]);
        Assert.True(first >= 2, $"attach showed tick {first}, written before it attached");
        Assert.Equal($"tick {first + 1}", await attach.ReadLineAsync());
        var wrong = await _k.RunAsync("attach attached -c nope");
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("nope", wrong.Stderr);
    }

    /// <summary>Whether a process "sleep <paramref name="marker"/>" runs on this host (the simulated runtime's exec).</summary>
    private static bool SleepRunning(string marker)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var cmd = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
                if (cmd == "sleep " + marker) return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return false;
    }

    [Fact]
    public async Task Port_forward_carries_bytes_both_ways()
    {
        await RunningAsync("forwarded");
        // Simulated pods have no network of their own: their ports are this host's loopback ports.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var remotePort = ((IPEndPoint)listener.LocalEndpoint).Port;
        var served = Task.Run(async () =>
        {
            for (int i = 0; i < 2; i++)
            {
                using var c = await listener.AcceptTcpClientAsync();
                var s = c.GetStream();
                await s.WriteAsync("hello from the pod\n"u8.ToArray());
                // Echo until the client half-closes.
                await s.CopyToAsync(s);
            }
        });

        var localPort = BerthProcess.FreePort();
        using var pf = Start($"port-forward pod/forwarded {localPort}:{remotePort}");
        Assert.StartsWith($"Forwarding from 127.0.0.1:{localPort} -> {remotePort}", await pf.ReadLineAsync());

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, localPort);
            var s = client.GetStream();
            var greeting = new byte[19];
            await s.ReadExactlyAsync(greeting);
            Assert.Equal("hello from the pod\n", Encoding.ASCII.GetString(greeting));

            // A few megabytes there and back, to see the tunnel hold up (and how fast it is).
            var payload = new byte[4 << 20];
            Random.Shared.NextBytes(payload);
            var sw = Stopwatch.StartNew();
            var echoed = new byte[payload.Length];
            var reading = s.ReadExactlyAsync(echoed).AsTask();
            await s.WriteAsync(payload);
            client.Client.Shutdown(SocketShutdown.Send);
            await reading.WaitAsync(TimeSpan.FromSeconds(30));
            sw.Stop();
            Assert.True(payload.AsSpan().SequenceEqual(echoed), "the echoed bytes differ");
            output.WriteLine($"port-forward echo of {payload.Length >> 20} MiB took {sw.ElapsedMilliseconds} ms ({2.0 * payload.Length / (1 << 20) / sw.Elapsed.TotalSeconds:F1} MiB/s both ways)");
        }

        // A second connection through the same kubectl.
        using (var again = new TcpClient())
        {
            await again.ConnectAsync(IPAddress.Loopback, localPort);
            var greeting = new byte[19];
            await again.GetStream().ReadExactlyAsync(greeting).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal("hello from the pod\n", Encoding.ASCII.GetString(greeting));
        }
    }

    [Fact]
    public async Task Discovery_lists_the_streaming_subresources()
    {
        var resources = await _k.OkAsync("get --raw /api/v1");
        foreach (var sub in new[] { "pods/log", "pods/exec", "pods/attach", "pods/portforward" })
            Assert.Contains($"\"name\":\"{sub}\"", resources);
    }

    private Background Start(string args) => new(f.Berth.Kubeconfig, args);

    /// <summary>A kubectl that keeps running (logs -f, port-forward): its stdout read line by line, killed on dispose.</summary>
    private sealed class Background : IDisposable
    {
        private readonly Process _p;

        public Background(string kubeconfig, string args)
        {
            var psi = new ProcessStartInfo(Kubectl.Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add("--kubeconfig");
            psi.ArgumentList.Add(kubeconfig);
            foreach (var a in Kubectl.SplitArgs(args)) psi.ArgumentList.Add(a);
            _p = Process.Start(psi)!;
            _p.ErrorDataReceived += (_, _) => { };
            _p.BeginErrorReadLine();
        }

        public async Task<string> ReadLineAsync(double seconds = 15)
        {
            var line = await _p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(seconds));
            return line ?? throw new Xunit.Sdk.XunitException($"kubectl ended (exit {(_p.HasExited ? _p.ExitCode : -1)}) before printing a line");
        }

        public void Dispose()
        {
            try { _p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            _p.WaitForExit(5000);
            _p.Dispose();
        }
    }
}
