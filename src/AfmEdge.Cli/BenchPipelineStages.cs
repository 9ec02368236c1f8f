using System.Diagnostics;
using System.Globalization;
using AfmEdge.Analysis;
using AfmEdge.Core;
using AfmEdge.Host;
using AfmEdge.Inference;
using AfmEdge.Messaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AfmEdge.Cli;

/// <summary>
/// The second part of `afmedge bench pipeline`: each stage run alone, frame after frame, on the same kind of frames,
/// with the process's processor time (all threads: a stage's own workers, the embedded broker's for publishing)
/// taken around it. In the pipeline the stages share the cores, so their sum bounds the frame rate:
/// at most cores × 1000 / (sum of ms per frame) frames per second.
/// </summary>
internal static class StageCosts
{
    public static async Task MeasureAsync(IConfiguration configuration, int frames, TextWriter output, CancellationToken cancellationToken)
    {
        // A second host, built but not started: its services are the ones the pipeline uses, configured the same way.
        using var host = AfmEdgeHost.Build(configuration);
        var services = host.Services;
        var source = services.GetRequiredService<IScanSource>();
        var processor = services.GetRequiredService<AfmEdge.Host.Pipeline.FrameProcessor>();
        var enhancer = services.GetRequiredService<IFrameEnhancer>();
        var analyzer = services.GetRequiredService<FrameAnalyzer>();
        var broker = services.GetRequiredService<EmbeddedBroker>();
        var publisher = services.GetRequiredService<MqttPublisher>();

        // One more frame than measured: the first of each stage pays for model loading and first calls. The scan (source
        // rendering or reading lines, and frame assembly) is a stage too: it shares the same cores. A replaying source
        // warms up by scanning the frames it records, so the timed frames are replays, as in the pipeline's steady state
        // (a run that records would bill the recorded frames' scan, e.g. the virtual microscope's closed loop, to it).
        await ScanAsync(source, source is AfmEdge.Host.Sources.RepeatingScanSource replay ? (int)Math.Min(replay.RepeatAfter, int.MaxValue) : 1, cancellationToken);
        var (scanned, acquisition) = await TimedScanAsync(source, frames + 1, cancellationToken);
        // As the processing stage does: each scanned frame is read by nothing else, so its arrays are reused.
        var processing = Time(scanned, processor.ProcessAndRecycle, out var processed);
        var enhancement = Time(processed, enhancer.Enhance, out var enhanced);
        var analysis = Time(enhanced, analyzer.Analyze, out var summaries);

        await broker.StartAsync();
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loop = publisher.RunAsync(connection.Token);
        (double Processor, double Wall) publishing;
        try
        {
            await publisher.WaitConnectedAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            publishing = await TimeAsync(enhanced.Length, async i =>
            {
                await publisher.PublishFrameAsync(enhanced[i], cancellationToken);
                await publisher.PublishSummaryAsync(SummaryJson.Serialize(summaries[i]), cancellationToken);
            });
        }
        finally
        {
            await publisher.StopAsync(cancellationToken);
            await connection.CancelAsync();
            await loop;
            await broker.StopAsync(TimeSpan.Zero);
        }

        var costs = new (string Stage, (double Processor, double Wall) Cost)[]
        {
            ("Acquisition", acquisition), ("Processing", processing), ("Enhancement", enhancement), ("Analysis", analysis), ("Publishing (with the embedded broker)", publishing),
        };
        var total = costs.Sum(c => c.Cost.Processor);
        var each = string.Join(", ", costs.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Stage} {c.Cost.Processor:F1} ms ({c.Cost.Wall:F1} ms)")));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"each stage alone, {frames} frames ({enhanced[0].Width}² after enhancement), processor time per frame over all threads (wall): {each}"));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"sum {total:F1} ms of processor time per frame: at most {1000.0 * Environment.ProcessorCount / total:F1} frames/s on {Environment.ProcessorCount} cores " +
            $"if the stages shared them perfectly"));
    }

    /// <summary>Scans <paramref name="frames"/> frames; the cost per frame counts every frame (the source was warmed up before).</summary>
    private static async Task<(Frame[] Frames, (double Processor, double Wall) Cost)> TimedScanAsync(IScanSource source, int frames, CancellationToken cancellationToken)
    {
        using var process = Process.GetCurrentProcess();
        var processor = process.TotalProcessorTime;
        var wall = Stopwatch.GetTimestamp();
        var scanned = await ScanAsync(source, frames, cancellationToken);
        process.Refresh();
        return (scanned, ((process.TotalProcessorTime - processor).TotalMilliseconds / frames, Stopwatch.GetElapsedTime(wall).TotalMilliseconds / frames));
    }

    /// <summary>The source's next <paramref name="frames"/> frames, assembled from its lines.</summary>
    internal static async Task<Frame[]> ScanAsync(IScanSource source, int frames, CancellationToken cancellationToken)
    {
        var lines = System.Threading.Channels.Channel.CreateBounded<ScanLine>(new System.Threading.Channels.BoundedChannelOptions(4096) { SingleReader = true, SingleWriter = true });
        var assembler = new FrameAssembler(source.Channels, source.Scan, TimeProvider.System);
        var scan = Task.Run(async () =>
        {
            try
            {
                await source.RunAsync(lines.Writer, frames, cancellationToken);
            }
            finally
            {
                lines.Writer.TryComplete();
            }
        }, cancellationToken);
        var result = new List<Frame>(frames);
        await foreach (var line in lines.Reader.ReadAllAsync(cancellationToken))
        {
            if (assembler.TryAdd(line, out var frame))
            {
                result.Add(frame!);
            }
        }

        await scan;
        return [.. result];
    }

    /// <summary>Runs <paramref name="stage"/> on every input; the cost per frame leaves out the first (warm-up) one.</summary>
    private static (double Processor, double Wall) Time<TIn, TOut>(TIn[] inputs, Func<TIn, TOut> stage, out TOut[] outputs)
    {
        var results = new TOut[inputs.Length];
        var cost = TimeAsync(inputs.Length, i =>
        {
            results[i] = stage(inputs[i]);
            return Task.CompletedTask;
        }).GetAwaiter().GetResult();
        outputs = results;
        return cost;
    }

    /// <summary>Runs <paramref name="stage"/> for 0 … count − 1; the cost per frame leaves out the first (warm-up) one.</summary>
    private static async Task<(double Processor, double Wall)> TimeAsync(int count, Func<int, Task> stage)
    {
        await stage(0);
        using var process = Process.GetCurrentProcess();
        var processor = process.TotalProcessorTime;
        var wall = Stopwatch.GetTimestamp();
        for (var i = 1; i < count; i++)
        {
            await stage(i);
        }

        process.Refresh();
        var n = Math.Max(1, count - 1);
        return ((process.TotalProcessorTime - processor).TotalMilliseconds / n, Stopwatch.GetElapsedTime(wall).TotalMilliseconds / n);
    }
}
