using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Formats.Gsf;
using AfmEdge.Inference;
using AfmEdge.Inference.Onnx;

namespace AfmEdge.Cli;

/// <summary>
/// `afmedge enhance IN --out DIR`: ×2 super-resolution of a frame with a bundled (or given) model.
/// IN is a folder of &lt;Channel&gt;.gsf as `afmedge simulate` writes it, or any file the importers read. A folder or a
/// single .gsf is streamed (<see cref="StreamedEnhance"/>: memory set by the frame's width, not its size); other files
/// are enhanced whole in memory. Both paths write the same bytes.
/// </summary>
internal static class EnhanceCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var input = new Argument<string>("IN") { Description = "A folder of <Channel>.gsf (Height, Current, Potential, Adhesion; other files are ignored) or an AFM file." };
        var outDir = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder for the ×2 <Channel>.gsf files.", Required = true };
        var engine = new Option<string>("--engine") { Description = $"Inference engine: {string.Join(", ", EngineFactory.EngineNames)}.", DefaultValueFactory = _ => EngineFactory.EngineNames[0] };
        var tile = new Option<int>("--tile") { Description = "Tile side in input pixels (memory depends on it, not on the frame).", DefaultValueFactory = _ => 128 };
        var model = new Option<string?>("--model") { Description = "Model name (from --models) or .onnx path; default: the bundled model that fits the frame's channels." };
        var models = new Option<DirectoryInfo?>("--models") { Description = "Folder of models (default: models/ beside afmedge)." };
        var height = new Option<string?>("--height") { Description = "Channel to treat as Height, by key (\"Topography\", \"Height-retrace\"); default Height, else the first channel in metres." };
        var threads = new Option<int>("--threads") { Description = "Threads for the engine.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("enhance", "Super-resolve a frame ×2 (and denoise it) with the multimodal CNN; writes <Channel>.gsf at twice the pixels.")
        {
            input, outDir, engine, tile, model, models, height, threads,
        };
        command.SetAction((parse, _) => RunAsync(
            new Request(parse.GetRequiredValue(input), parse.GetRequiredValue(outDir).FullName, parse.GetValue(engine)!, parse.GetValue(tile),
                parse.GetValue(model), parse.GetValue(models)?.FullName, parse.GetValue(height), parse.GetValue(threads)),
            output,
            error));
        return command;
    }

    private static async Task<int> RunAsync(Request request, TextWriter output, TextWriter error)
    {
        if (!EngineFactory.EngineNames.Contains(request.Engine, StringComparer.Ordinal))
        {
            await error.WriteLineAsync($"afmedge enhance: --engine '{request.Engine}' is not one of {string.Join(", ", EngineFactory.EngineNames)}.");
            return ExitCodes.BadUsageOrConfig;
        }

        if (request.Tile is < 16 or > 4096 || request.Threads is < 1 or > 256)
        {
            await error.WriteLineAsync("afmedge enhance: --tile must be 16–4096 pixels and --threads 1–256.");
            return ExitCodes.BadUsageOrConfig;
        }

        return StreamedEnhance.CanStream(request.Input)
            ? await StreamedEnhance.RunAsync(request, output, error)
            : await RunHeldAsync(request, output, error);
    }

    /// <summary>The whole frame in memory: for the formats that cannot be read row by row.</summary>
    private static async Task<int> RunHeldAsync(Request request, TextWriter output, TextWriter error)
    {
        var frame = (await FrameFiles.TryOpenAsync(request.Input, error))?[0];
        if (frame is null)
        {
            return ExitCodes.BadUsageOrConfig;
        }

        var (prepared, heightSource) = WithHeight(frame, request.Height);
        if (prepared is null)
        {
            await error.WriteLineAsync($"afmedge enhance: {heightSource}");
            return ExitCodes.BadUsageOrConfig;
        }

        var (chosen, problem) = ChooseModel(request, prepared.Channels.Select(c => c.Descriptor), Math.Max(prepared.PixelSizeX, prepared.PixelSizeY));
        if (chosen is null)
        {
            await error.WriteLineAsync("afmedge enhance: " + problem);
            return ExitCodes.BadUsageOrConfig;
        }

        Frame enhanced;
        var wall = Stopwatch.StartNew();
        try
        {
            using var enhancer = EngineFactory.CreateEnhancer(request.Engine, chosen, request.Tile, request.Threads);
            enhanced = enhancer.Enhance(prepared);
        }
        catch (OnnxModelException e)
        {
            await error.WriteLineAsync("afmedge enhance: " + e.Message);
            return ExitCodes.BadUsageOrConfig;
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync(CannotEnhance(chosen, e));
            return ExitCodes.BadUsageOrConfig;
        }

        wall.Stop();
        try
        {
            Directory.CreateDirectory(request.OutDir);
            foreach (var name in chosen.Network.OutputChannels)
            {
                var channel = enhanced.GetChannel(name);
                GsfWriter.Write(Path.Combine(request.OutDir, name + ".gsf"), channel, enhanced.SizeX, enhanced.SizeY, name,
                    enhanced.Scan.OffsetX, enhanced.Scan.OffsetY);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync(CannotWrite(request, e));
            return ExitCodes.RuntimeFailure;
        }

        await Report(output, request, chosen, heightSource, frame.Width, frame.Height, wall.Elapsed);
        return ExitCodes.Ok;
    }

    internal static string CannotEnhance(ModelEntry model, ArgumentException e) => $"afmedge enhance: model '{model.Name}' cannot enhance this frame: {e.Message}";

    internal static string CannotWrite(Request request, Exception e) => $"afmedge enhance: cannot write {request.OutDir}: {e.Message}";

    internal static async Task Report(TextWriter output, Request request, ModelEntry chosen, string heightSource, int width, int height, TimeSpan wall)
    {
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Enhanced {width}×{height} → {2 * width}×{2 * height} with model '{chosen.Name}' ({string.Join("+", chosen.Network.InputChannels)} → {string.Join("+", chosen.Network.OutputChannels)}; Height from {heightSource}) on {request.Engine} in {wall.TotalMilliseconds:0} ms."));
        await output.WriteLineAsync($"Wrote {string.Join(", ", chosen.Network.OutputChannels.Select(n => n + ".gsf"))} to {request.OutDir}");
        if (TrainCommand.CorrectionsOf(chosen.Network) is { Length: > 0 } steps)
        {
            // The model learnt from corrected scans; the host corrects each scan so, a file is taken as it is.
            await output.WriteLineAsync($"Model '{chosen.Name}' was trained on scans corrected by {steps}, as the host corrects every scan on acquisition; the input here is enhanced as it is.");
        }
    }

    /// <summary>
    /// The frame with its height channel keyed Height and first, as the models and the chromosome analysis expect it (see
    /// <see cref="ModelChannels"/>); null and the reason when it has no height channel, else the height channel's original key.
    /// </summary>
    internal static (Frame? Frame, string SourceOrProblem) WithHeight(Frame frame, string? requested)
    {
        var (channels, source) = ModelChannels([.. frame.Channels.Select(c => c.Descriptor)], requested);
        if (channels is null)
        {
            return (null, source);
        }

        if (source == "Height")
        {
            return (frame, source);
        }

        var height = frame.Channels[channels[0].Source];
        var renamed = new Channel(channels[0].Descriptor, height.Width, height.Height, height.Data.ToArray());
        return (new Frame(frame.Id, frame.Scan, channels.Skip(1).Select(c => frame.Channels[c.Source]).Prepend(renamed), frame.Metadata), source);
    }

    /// <summary>
    /// The channels as the models take them, each with its index among <paramref name="channels"/>: the height channel
    /// keyed "Height" (the one the user named, else "Height", else the first channel in metres; real files call it
    /// Topography, Z, Height-retrace…), renamed and put first when it had another key. Returns null and the reason when
    /// there is none, else the height channel's original key.
    /// </summary>
    internal static (IReadOnlyList<(ChannelDescriptor Descriptor, int Source)>? Channels, string SourceOrProblem) ModelChannels(
        IReadOnlyList<ChannelDescriptor> channels, string? requested)
    {
        var list = channels.ToList();
        var index = requested is not null ? list.FindIndex(c => string.Equals(c.Key, requested, StringComparison.OrdinalIgnoreCase))
            : list.FindIndex(c => c.Key == "Height") is var named and >= 0 ? named
            : list.FindIndex(c => c.Unit == PhysicalUnit.Metre);
        if (index < 0)
        {
            var keys = string.Join(", ", channels.Select(c => c.Key));
            return (null, requested is null
                ? $"the frame has no height channel (none is named Height or measured in metres); name one with --height. Channels: {keys}."
                : $"the frame has no channel '{requested}'; it has {keys}.");
        }

        var height = channels[index];
        if (height.Key == "Height")
        {
            return ([.. channels.Select((c, i) => (c, i))], "Height");
        }

        var others = channels.Select((c, i) => (Descriptor: c, Source: i)).Where(c => c.Source != index && c.Descriptor.Key != "Height");
        return ([.. others.Prepend((height with { Name = "Height", Direction = ScanDirection.Trace }, index))], height.Key);
    }

    /// <summary>The model the request names, or the catalog's choice for these channels and this pixel (metres, the larger side; <see cref="ModelCatalog.Select"/>).</summary>
    internal static (ModelEntry? Model, string Problem) ChooseModel(Request request, IEnumerable<ChannelDescriptor> channels, double pixelSize)
    {
        var directory = request.ModelDirectory ?? Path.Combine(AppContext.BaseDirectory, "models");
        var (catalog, requested) = ModelCatalog.ForSetting(request.Model, directory);
        if (request.Model is { } given && ModelCatalog.IsModelFile(given))
        {
            return catalog.Models.Count > 0 ? (catalog.Models[0], string.Empty) : (null, catalog.Problems[0]);
        }

        var available = catalog.Models.Count == 0
            ? $"there are no usable models in {directory}" + (catalog.Problems.Count > 0 ? $" ({string.Join(" ", catalog.Problems)})" : ".")
            : "models: " + string.Join(", ", catalog.Models.Select(m => $"{m.Name} ({string.Join("+", m.Network.InputChannels)})"));
        if (requested is { } name)
        {
            return catalog.Find(name) is { } found ? (found, string.Empty) : (null, $"no model named '{name}'; {available}");
        }

        var traceChannels = channels.Where(c => c.Direction == ScanDirection.Trace).Select(c => c.Name).ToList();
        return catalog.Select(traceChannels, pixelSize) is { } fitting
            ? (fitting, string.Empty)
            : (null, $"no model fits the channels [{string.Join(", ", traceChannels)}]; {available}");
    }

    internal sealed record Request(string Input, string OutDir, string Engine, int Tile, string? Model, string? ModelDirectory, string? Height, int Threads);
}
