using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AfmEdge.Host;
using AfmEdge.Host.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AfmEdge.Cli;

/// <summary>
/// `afmedge bench pipeline`: the whole host (source → process → enhance → analyse → publish over the embedded
/// broker on a free loopback port), unpaced, in frames per second.
/// </summary>
internal static class BenchPipelineCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var pixels = new Option<int>("--pixels") { Description = "Scan pixels per side.", DefaultValueFactory = _ => 256 };
        var frames = new Option<int>("--frames") { Description = "Frames to run.", DefaultValueFactory = _ => 60 };
        var source = new Option<string>("--source") { Description = "VirtualMicroscope or TestPattern.", DefaultValueFactory = _ => "VirtualMicroscope" };
        var repeatAfter = new Option<long>("--repeat-after")
        {
            Description = "Scan this many frames, then replay them (Source:RepeatAfter); 0 scans every frame. The virtual microscope's " +
                "closed loop costs about half a second of processor time per 256² frame, which is the simulator's cost, not the pipeline's.",
            DefaultValueFactory = _ => 4,
        };
        var stageFrames = new Option<int>("--stage-frames")
        {
            Description = "Frames for the second part: each stage run alone, its processor time per frame (0 skips it).",
            DefaultValueFactory = _ => 8,
        };
        var settings = new Option<string[]>("--set")
        {
            Description = "Host settings to try, KEY=VALUE (e.g. AfmEdge:Mqtt:ChunkBytes=1048576 or AfmEdge:Enhancement:Threads=1); repeatable.",
            AllowMultipleArgumentsPerToken = true,
        };
        var allocations = new Option<bool>("--allocations")
        {
            Description = "Also list the types that allocate the most in steady state (the runtime's allocation sampling, about every 100 KB), in MiB per frame.",
        };
        var command = new Command("pipeline", "Frames per second through the whole host, publishing to an embedded broker; then each stage's processor time per frame.")
        {
            pixels, frames, source, repeatAfter, stageFrames, settings, allocations,
        };
        command.SetAction((parse, token) =>
        {
            var stages = parse.GetValue(stageFrames);
            if (stages is < 0 or > 1000)
            {
                error.WriteLine($"afmedge bench pipeline: --stage-frames {stages} must be between 0 and 1000.");
                return Task.FromResult(ExitCodes.BadUsageOrConfig);
            }

            var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
            {
                ["AfmEdge:Source:RepeatAfter"] = parse.GetValue(repeatAfter).ToString(CultureInfo.InvariantCulture),
            };
            foreach (var setting in parse.GetValue(settings) ?? [])
            {
                var equals = setting.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    error.WriteLine($"afmedge bench pipeline: --set '{setting}' is not KEY=VALUE.");
                    return Task.FromResult(ExitCodes.BadUsageOrConfig);
                }

                overrides[setting[..equals]] = setting[(equals + 1)..];
            }

            return RunAsync(parse.GetValue(pixels), parse.GetValue(frames), parse.GetValue(source)!, stages, overrides, parse.GetValue(allocations), output, error, token);
        });
        return command;
    }

    private static async Task<int> RunAsync(int pixels, int frames, string source, int stageFrames, IReadOnlyDictionary<string, string?> overrides,
        bool allocations, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        using var sampler = allocations ? new AllocationSampler() : null;
        // A port the OS just said was free can be taken before the broker binds it (by any outgoing connection),
        // so a start that finds it taken is retried on a fresh port.
        for (var attempt = 1; ; attempt++)
        {
            var configuration = Configuration(pixels, frames, source, FreeLoopbackPort(), overrides);
            try
            {
                Host.Options.ConfigurationLoader.Load(configuration);
            }
            catch (Host.Options.ConfigurationException e)
            {
                await error.WriteLineAsync("afmedge bench pipeline: " + string.Join(" ", e.Errors));
                return ExitCodes.BadUsageOrConfig;
            }

            using var host = AfmEdgeHost.Build(configuration);
            var watch = Stopwatch.StartNew();
            try
            {
                await host.StartAsync(cancellationToken);
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                continue;
            }

            // Sampled from the first publish on, as the steady-state figures are.
            var metrics = host.Services.GetRequiredService<PipelineMetrics>();
            var sampling = sampler is null ? null : SampleAsync(sampler, metrics, host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
            await host.WaitForShutdownAsync(cancellationToken);
            watch.Stop();
            var result = await ReportAsync(host, source, pixels, frames, watch.Elapsed, output);
            if (sampler is not null && sampling is not null)
            {
                var first = await sampling;
                await sampler.StopAsync();
                if (metrics.Published > first)
                {
                    sampler.Write(output, metrics.Published - first);
                }
            }

            if (stageFrames > 0)
            {
                await StageCosts.MeasureAsync(Configuration(pixels, frames, source, FreeLoopbackPort(), overrides), stageFrames, output, cancellationToken);
            }

            return result;
        }
    }

    /// <summary>Starts sampling allocations at the first publish; returns the frames published by then.</summary>
    private static async Task<long> SampleAsync(AllocationSampler sampler, PipelineMetrics metrics, CancellationToken stopping)
    {
        // A run that stops before its first frame samples nothing.
        while (metrics.Published == 0 && !stopping.IsCancellationRequested)
        {
            await Task.Delay(5, CancellationToken.None);
        }

        var first = metrics.Published;
        sampler.Start();
        return first;
    }

    private static IConfiguration Configuration(int pixels, int frames, string source, int port, IReadOnlyDictionary<string, string?> overrides) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AfmEdge:Source:Kind"] = source,
            ["AfmEdge:Source:Frames"] = frames.ToString(CultureInfo.InvariantCulture),
            ["AfmEdge:Source:Pace"] = "false",
            ["AfmEdge:Source:Scan:Pixels"] = pixels.ToString(CultureInfo.InvariantCulture),
            ["AfmEdge:Mqtt:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["AfmEdge:Mqtt:Device"] = "bench",
        }).AddInMemoryCollection(overrides).Build();

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Replayed(IHost host) =>
        host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Host.Options.AfmEdgeOptions>>().Value.Source.RepeatAfter is var n and > 0
            ? string.Create(CultureInfo.InvariantCulture, $" (first {n} frames scanned, then replayed)")
            : string.Empty;

    private static readonly string[] StageOrder = ["Processing", "Enhancement", "Analysis", "Publishing"];

    private static async Task<int> ReportAsync(IHost host, string source, int pixels, int frames, TimeSpan elapsed, TextWriter output)
    {
        var metrics = host.Services.GetRequiredService<PipelineMetrics>();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"pipeline {source}{Replayed(host)} {pixels}² → {2 * pixels}², {frames} frames: {metrics.FramesPerSecond:F1} frames/s steady " +
            $"({metrics.Published} published in {elapsed.TotalSeconds:F1} s with start-up, {metrics.Failed} rejected) on {BenchMachine.Describe()}"));
        var stages = metrics.MeanStageTimes;
        await output.WriteLineAsync("mean working time per frame: " + string.Join(", ",
            StageOrder.Where(stages.ContainsKey)
                .Select(stage => string.Create(CultureInfo.InvariantCulture, $"{stage} {stages[stage].TotalMilliseconds:F1} ms"))));
        if (metrics.CostPerFrame is { } cost)
        {
            var processor = cost.Processor.TotalMilliseconds;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"steady state per frame: {processor:F1} ms processor time over all threads (the cores give {1000.0 * Environment.ProcessorCount / processor:F1} frames/s at that cost; " +
                $"the pipeline kept them {100 * metrics.FramesPerSecond * processor / (1000.0 * Environment.ProcessorCount):F0} % busy), " +
                $"{cost.AllocatedBytes / (double)(1 << 20):F2} MiB allocated; collections over {cost.Frames} frames: gen0 {cost.Gen0}, gen1 {cost.Gen1}, gen2 {cost.Gen2}; " +
                $"JIT compiling {cost.Compilation.TotalMilliseconds:F1} ms, collector pauses {cost.CollectorPauses.TotalMilliseconds:F1} ms per frame"));
        }

        return metrics.Published == frames ? ExitCodes.Ok : ExitCodes.RuntimeFailure;
    }
}
