using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AfmEdge.Inference;
using AfmEdge.Inference.Native;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Onnx;
using AfmEdge.Kernels;

namespace AfmEdge.Cli;

/// <summary>
/// `afmedge bench enhance`: ONNX Runtime and the native engine on one tile of the same network (a seeded random one of
/// the given shape, or --model) and input, in one run, taking turns: ms per frame, frames per second, throughput
/// relative to ONNX Runtime, the largest difference from it, and bytes allocated per tile once warm. With --accelerator the
/// ILGPU engine on that device takes its turn too, with its largest difference from the native engine as well; when the
/// device is not there the command says so and exits 1 (runtime failure), timing nothing.
/// </summary>
internal static class BenchEnhanceCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var pixels = new Option<int>("--pixels") { Description = "Input tile pixels per side.", DefaultValueFactory = _ => 256 };
        var channels = new Option<int>("--channels") { Description = "Input channels (1 to 4) of the random network.", DefaultValueFactory = _ => 4 };
        var layers = new Option<int>("--layers") { Description = "3×3 layers of the random network.", DefaultValueFactory = _ => 8 };
        var features = new Option<int>("--features") { Description = "Features of the random network's hidden layers.", DefaultValueFactory = _ => 32 };
        var threads = new Option<int>("--threads") { Description = "Threads per engine.", DefaultValueFactory = _ => 2 };
        var vectorBits = new Option<int>("--vector-bits") { Description = "Native engine vector width: 0 = widest accelerated, 512, 256 or 128.", DefaultValueFactory = _ => 0 };
        var budget = new Option<double>("--budget-ms") { Description = "Time spent per engine.", DefaultValueFactory = _ => 3000 };
        var model = new Option<FileInfo?>("--model") { Description = "An ONNX enhancer model to run instead of the random network." };
        var accelerator = new Option<string?>("--accelerator")
        {
            Description = $"Also time the ILGPU engine on this device: {string.Join(", ", EnhancementAccelerator.Names)}. Without it, no ILGPU row.",
        };
        var command = new Command("enhance", "Native vs ONNX Runtime enhancement throughput on one tile (random network of the given shape).")
        {
            pixels, channels, layers, features, threads, vectorBits, budget, model, accelerator,
        };
        command.SetAction(parse => Run(
            new Shape(parse.GetValue(pixels), parse.GetValue(channels), parse.GetValue(layers), parse.GetValue(features)),
            parse.GetValue(threads), parse.GetValue(vectorBits), parse.GetValue(budget), parse.GetValue(model), parse.GetValue(accelerator), output, error));
        return command;
    }

    /// <summary>The tile side and, without --model, the random network's shape.</summary>
    private readonly record struct Shape(int Pixels, int Channels, int Layers, int Features);

    private static int Run(
        Shape shape, int threads, int vectorBits, double budgetMs, FileInfo? model, string? acceleratorName, TextWriter output, TextWriter error)
    {
        var (pixels, channels, layers, features) = shape;
        if (acceleratorName is not null && !EnhancementAccelerator.IsKnown(acceleratorName))
        {
            error.WriteLine($"afmedge bench enhance: --accelerator '{acceleratorName}' is not one of {string.Join(", ", EnhancementAccelerator.Names)}.");
            return ExitCodes.BadUsageOrConfig;
        }

        EnhancerNetwork network;
        byte[] modelBytes;
        try
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(pixels, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(pixels, 4096);
            ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
            modelBytes = model is null ? OnnxModelWriter.ToBytes(RandomNetwork.Create(seed: 1, channels, layers, features)) : File.ReadAllBytes(model.FullName);
            network = OnnxModelReader.Read(modelBytes, model?.FullName ?? "random network");
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IOException or UnauthorizedAccessException or OnnxModelException)
        {
            error.WriteLine($"afmedge bench enhance: {e.Message}");
            return ExitCodes.BadUsageOrConfig;
        }

        var input = RandomNetwork.Input(network, pixels, pixels, seed: 2);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"network {network.Name}: {network.InputChannels.Count} channels in, {network.Layers.Count} layers, {network.MacsPerInputPixel / 1000.0:F1} k MAC per input pixel; " +
            $"{pixels}² tile, {threads} thread(s), {BenchMachine.Describe()}"));

        EnhancementAccelerator? device = null;
        if (acceleratorName is not null)
        {
            if (!EnhancementAccelerator.TryOpen(acceleratorName, out device, out var reason))
            {
                error.WriteLine($"afmedge bench enhance: --accelerator {acceleratorName}: no such device here ({reason}); nothing timed.");
                return ExitCodes.RuntimeFailure;
            }

            output.WriteLine($"accelerator ({acceleratorName}): {device!.Name}");
        }

        var engines = new List<IEnhancementEngine>();
        try
        {
            // ONNX Runtime first: the ratio column is each engine's throughput over its.
            engines.Add(new OnnxRuntimeEngine(modelBytes, network.Name, pixels, pixels, threads));
            engines.Add(new NativeEngine(network, pixels, pixels, threads, vectorBits));
            if (device is not null)
            {
                try
                {
                    engines.Add(device.CreateEngine(network, pixels, pixels));
                }
                catch (ILGPU.Runtime.AcceleratorException e)
                {
                    // As the host says it: the device cannot hold this network's buffers at this tile size.
                    error.WriteLine($"afmedge bench enhance: network {network.Name} at {pixels}² cannot run on {device.Name}: {e.Message}; nothing timed.");
                    return ExitCodes.RuntimeFailure;
                }
            }

            var results = engines.Select(_ => new float[network.OutputChannels.Count * 4 * pixels * pixels]).ToArray();
            var times = Interleaved(engines, input, pixels, results, budgetMs);
            for (var e = 0; e < engines.Count; e++)
            {
                var engine = engines[e];
                var sorted = times[e].Order().ToArray();
                var median = ProcessCommand.Median(sorted);
                var ratio = ProcessCommand.Median([.. times[0].Zip(times[e], (baseline, mine) => baseline / mine).Order()]);
                var bytes = AllocatedPerTile(engine, input, pixels, results[e]);
                var range = results[0].Max() - results[0].Min();
                var difference = results[e].Zip(results[0], (a, b) => Math.Abs(a - b)).Max();
                var label = engine switch
                {
                    NativeEngine native => $"native (Winograd F(4×4,3×3), {native.VectorBits}-bit)",
                    IlgpuEngine ilgpu => $"ilgpu ({ilgpu.DeviceName})",
                    _ => engine.Name,
                };
                // The ILGPU engine is held to both CPU engines: its sums run in another order than either's.
                var fromNative = engine is IlgpuEngine ? results[e].Zip(results[1], (a, b) => Math.Abs(a - b)).Max() : 0f;
                var versusNative = engine is IlgpuEngine
                    ? string.Create(CultureInfo.InvariantCulture, $"  max |ilgpu − native| {fromNative:E2} ({fromNative / range:E1} of range)")
                    : string.Empty;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{label,-40} {median,8:F2} ms/frame (min {sorted[0]:F2}) {1000 / median,8:F1} frames/s  ×{ratio:F2}  " +
                    $"max |Δ| {difference:E2} ({difference / range:E1} of range)  {bytes} B allocated per tile{versusNative}"));
            }

            output.WriteLine($"(×: median over {times[0].Count} rounds of ONNX Runtime's time over the engine's, the engines taking turns in each round; " +
                "max |Δ|: the largest difference from ONNX Runtime's output on the same input)");

            // ONNX Runtime's default lets its threads spin after a run, which would take a core from whatever runs next
            // (the other engine above, the other stages in the host); timed alone it shows what spinning buys it.
            using var spinning = new OnnxRuntimeEngine(modelBytes, network.Name, pixels, pixels, threads, spinning: true);
            var (spinningMedian, spinningMin) = BenchTiming.Measure(() => spinning.Run(input, pixels, pixels, results[0]), budgetMs);
            var nativeMedian = ProcessCommand.Median([.. times[1].Order()]);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"ort, threads spinning (timed alone)",-40} {spinningMedian,8:F2} ms/frame (min {spinningMin:F2}) {1000 / spinningMedian,8:F1} frames/s  " +
                $"native's median is ×{spinningMedian / nativeMedian:F2} its throughput"));
        }
        finally
        {
            foreach (var engine in engines)
            {
                engine.Dispose();
            }

            device?.Dispose();
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// Times the engines in rounds, each engine once per round and the order alternating, so that on a shared machine
    /// both see the same load: the per-round ratio is then steadier than a ratio of two runs taken seconds apart.
    /// </summary>
    private static List<double>[] Interleaved(List<IEnhancementEngine> engines, float[] input, int pixels, float[][] results, double budgetMs)
    {
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 40 && (i < 3 || warm.Elapsed.TotalMilliseconds < budgetMs / 4); i++)
        {
            for (var e = 0; e < engines.Count; e++)
            {
                engines[e].Run(input, pixels, pixels, results[e]);
            }
        }

        var times = engines.Select(_ => new List<double>()).ToArray();
        var total = Stopwatch.StartNew();
        for (var round = 0; round < 5 || (total.Elapsed.TotalMilliseconds < budgetMs * engines.Count && round < 500); round++)
        {
            for (var k = 0; k < engines.Count; k++)
            {
                var e = round % 2 == 0 ? k : engines.Count - 1 - k;
                var start = Stopwatch.GetTimestamp();
                engines[e].Run(input, pixels, pixels, results[e]);
                times[e].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }

        return times;
    }

    /// <summary>Bytes allocated per Run once warm: the caller's thread plus, for the native engine, its workers.</summary>
    private static long AllocatedPerTile(IEnhancementEngine engine, float[] input, int pixels, float[] result)
    {
        const int Runs = 10;
        var workers = engine is NativeEngine native ? native.WorkerAllocatedBytes : 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Runs; i++)
        {
            engine.Run(input, pixels, pixels, result);
        }

        var caller = GC.GetAllocatedBytesForCurrentThread() - before;
        var gang = engine is NativeEngine n ? n.WorkerAllocatedBytes - workers : 0;
        return (caller + gang) / Runs;
    }
}
