using System.CommandLine;
using System.Globalization;
using AfmEdge.Host;
using AfmEdge.Host.Options;
using AfmEdge.Host.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;

namespace AfmEdge.Cli;

/// <summary>`afmedge run`: start the device and show its progress until it stops.</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var config = new Option<FileInfo?>("--config", "-c")
        {
            Description = "Device config file (JSON, see device-config/). Without it: the embedded defaults " +
                          "(test-pattern source, embedded MQTT broker on 127.0.0.1:1883).",
        };
        var frames = new Option<long?>("--frames", "-n")
        {
            Description = "Stop after this many frames are published (overrides AfmEdge:Source:Frames; 0 = until stopped).",
        };
        var noPace = new Option<bool>("--no-pace")
        {
            Description = "Do not wait for the scan's line rate: run as fast as the pipeline goes (benchmarks).",
        };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every stage's information messages." };
        var command = new Command("run", "Start the device: acquire, process, enhance, analyse and publish frames over MQTT.")
        {
            config, frames, noPace, verbose,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(config)?.FullName, parse.GetValue(frames), parse.GetValue(noPace), parse.GetValue(verbose), output, error, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        string? configFile, long? frames, bool noPace, bool verbose, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var overrides = new Dictionary<string, string?>();
        if (frames is not null)
        {
            overrides["AfmEdge:Source:Frames"] = frames.Value.ToString(CultureInfo.InvariantCulture);
        }

        if (noPace)
        {
            overrides["AfmEdge:Source:Pace"] = "false";
        }

        Microsoft.Extensions.Configuration.IConfiguration configuration;
        AfmEdgeOptions options;
        try
        {
            configuration = ConfigurationLoader.Build(configFile, overrides);
            options = ConfigurationLoader.Load(configuration);
        }
        catch (ConfigurationException e)
        {
            await error.WriteLineAsync("afmedge: invalid configuration" + (configFile is null ? ":" : $" in {configFile}:"));
            foreach (var message in e.Errors)
            {
                await error.WriteLineAsync("  " + message);
            }

            return ExitCodes.BadUsageOrConfig;
        }

        using var host = AfmEdgeHost.Build(configuration, services =>
        {
            services.AddLogging(logging =>
            {
                logging.AddSimpleConsole(o => o.SingleLine = true);
                logging.AddFilter(level => level >= (verbose ? LogLevel.Information : LogLevel.Warning));
            });
            if (!Microsoft.Extensions.Hosting.Systemd.SystemdHelpers.IsSystemdService())
            {
                services.AddSingleton<IHostLifetime, ConsoleLifetime>();
            }
        });

        var metrics = host.Services.GetRequiredService<PipelineMetrics>();
        var mqtt = options.Mqtt;
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.Net.Sockets.SocketException)
        {
            await error.WriteLineAsync("afmedge: could not start: " + e.Message);
            return ExitCodes.RuntimeFailure;
        }

        await output.WriteLineAsync(
            $"AfmEdge {AfmEdgeCli.Version} running: {options.Source.Kind} {options.Source.Scan.Pixels}² → publishing on " +
            $"{(mqtt.Broker == Messaging.MqttBrokerMode.Embedded ? "embedded broker " : string.Empty)}{mqtt.Host}:{mqtt.Port} under afm/v1/{mqtt.Site}/{mqtt.Device}/ (Ctrl+C stops)");
        var progress = new ProgressReporter(metrics, output, TimeProvider.System);
        using var stopProgress = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var progressTask = progress.RunAsync(stopProgress.Token);
        await host.WaitForShutdownAsync(cancellationToken);
        await stopProgress.CancelAsync();
        await progressTask;
        await progress.WriteFinalAsync();

        var failed = host.Services.GetServices<IHostedService>().OfType<BackgroundService>().FirstOrDefault(s => s.ExecuteTask?.IsFaulted == true);
        if (failed is not null)
        {
            await error.WriteLineAsync($"afmedge: {failed.GetType().Name} failed: {failed.ExecuteTask!.Exception?.GetBaseException().Message}");
            return ExitCodes.RuntimeFailure;
        }

        return ExitCodes.Ok;
    }
}
