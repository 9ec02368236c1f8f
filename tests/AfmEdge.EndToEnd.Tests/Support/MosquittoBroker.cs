using AfmEdge.Tests.Shared;
using System.Diagnostics;

namespace AfmEdge.EndToEnd.Tests.Support;

/// <summary>
/// A real Mosquitto broker for one test: generated config (loopback, free port, anonymous, no persistence),
/// started as a child process and killed on dispose.
/// </summary>
internal sealed class MosquittoBroker : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private MosquittoBroker(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    private static readonly string[] Candidates = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"];

    public static string? FindExecutable() => Candidates.FirstOrDefault(File.Exists);

    /// <summary>Skips the test where Mosquitto is missing, except in CI, where test.sh must have installed it.</summary>
    public static string RequireExecutable()
    {
        var path = FindExecutable();
        if (path is not null)
        {
            return path;
        }

        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail("mosquitto is not installed; ./test.sh installs it (apt-get install -y mosquitto).");
        }

        Assert.Skip("mosquitto is not installed; run ./test.sh, which installs it.");
        return string.Empty;
    }

    public static async Task<MosquittoBroker> StartAsync()
    {
        var executable = RequireExecutable();
        var port = LoopbackPort.Reserve();
        var directory = Directory.CreateTempSubdirectory("afmedge-mosquitto-").FullName;
        var config = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(config, $"""
            listener {port} 127.0.0.1
            allow_anonymous true
            persistence false
            log_dest stderr
            """);
        var process = Process.Start(new ProcessStartInfo(executable, ["-c", config])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("mosquitto did not start.");
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var broker = new MosquittoBroker(process, directory, port);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!LoopbackPort.IsListening(port))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await broker.DisposeAsync();
                throw new InvalidOperationException($"mosquitto did not listen on 127.0.0.1:{port} within 10 s.");
            }

            await Task.Delay(50);
        }

        return broker;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
