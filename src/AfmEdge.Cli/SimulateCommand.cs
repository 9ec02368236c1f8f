using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Formats.Gsf;
using AfmEdge.Host.Options;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;
using AfmEdge.Simulation.Truth;

namespace AfmEdge.Cli;

/// <summary>
/// `afmedge simulate`: renders one frame of the virtual microscope's specimen (by seed) with its ground truth, as
/// Gwyddion Simple Field files plus truth.json, so every claim of the analysis can be checked against it.
/// </summary>
internal static class SimulateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var seed = new Option<long>("--seed", "-s") { Description = "Specimen seed: the same seed is the same specimen at any pixel count.", DefaultValueFactory = _ => 1 };
        var pixels = new Option<int>("--pixels", "-p") { Description = "Pixels per side of the square scan.", DefaultValueFactory = _ => 512 };
        var size = new Option<double?>("--size-um") { Description = "Side of the specimen field and of the scan, in µm (default 20)." };
        var clean = new Option<bool>("--clean") { Description = "Write the fields without instrument effects (tip, feedback, drift, noise, …)." };
        var config = new Option<FileInfo?>("--config", "-c") { Description = "Device config whose AfmEdge:Source:VirtualMicroscope section sets the specimen and instrument." };
        var outDir = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder to write into (created if missing).", Required = true };
        var command = new Command("simulate", "Render the virtual microscope's specimen with ground truth: <Channel>.gsf, <Channel>-retrace.gsf, labels.gsf, chromosomes.gsf, truth.json.")
        {
            seed, pixels, size, clean, config, outDir,
        };
        command.SetAction((parse, _) => RunAsync(
            parse.GetValue(seed), parse.GetValue(pixels), parse.GetValue(size), parse.GetValue(clean),
            parse.GetValue(config)?.FullName, parse.GetValue(outDir)!.FullName, output, error));
        return command;
    }

    private static async Task<int> RunAsync(long seed, int pixels, double? sizeMicrometres, bool clean, string? configFile, string outDir, TextWriter output, TextWriter error)
    {
        VirtualMicroscopeSettings settings;
        try
        {
            settings = configFile is null ? new VirtualMicroscopeSettings() : ConfigurationLoader.Load(ConfigurationLoader.Build(configFile)).Source.VirtualMicroscope;
        }
        catch (ConfigurationException e)
        {
            return await FailAsync(error, [$"invalid configuration in {configFile}:", .. e.Errors.Select(m => "  " + m)]);
        }

        var specimenOptions = settings.Specimen;
        if (sizeMicrometres is { } um)
        {
            specimenOptions = specimenOptions with { FieldSizeX = um * 1e-6, FieldSizeY = um * 1e-6 };
        }

        var scan = new ScanSettings
        {
            SizeX = specimenOptions.FieldSizeX,
            SizeY = specimenOptions.FieldSizeY,
            PixelsX = pixels,
            PixelsY = pixels,
            LineRateHz = 1,
        };
        settings = new VirtualMicroscopeSettings { Seed = seed, Clean = clean, IncludeRetrace = true, Specimen = specimenOptions, Instrument = settings.Instrument };
        var scanErrors = scan.Validate()
            .Select(e => e.StartsWith("Pixels", StringComparison.Ordinal) ? "--pixels: " + e : "--size-um: " + e)
            .Where(e => !e.Contains("PixelsY", StringComparison.Ordinal) && !e.Contains("SizeY", StringComparison.Ordinal))
            .ToArray();
        // The specimen and instrument are checked against the scan, so only once the scan itself is sound.
        var errors = scanErrors
            .Concat(scanErrors.Length == 0 ? settings.Errors("VirtualMicroscope", scan) : [])
            .Concat(seed < 0 ? [$"--seed = {seed}: must be >= 0."] : [])
            .ToArray();
        if (errors.Length > 0)
        {
            return await FailAsync(error, ["invalid simulation:", .. errors.Select(m => "  " + m)]);
        }

        var stopwatch = Stopwatch.StartNew();
        var specimen = new ChromosomeSpecimen(seed, specimenOptions);
        var frame = IdealScan.Render(specimen, scan, settings.Instrument, new RenderOptions
        {
            Clean = clean,
            IncludeRetrace = true,
            NoiseSeed = seed,
            AcquiredAt = DateTimeOffset.UtcNow,
        });
        var maps = TruthMaps.Render(specimen, scan);
        var truth = SpecimenTruth.Compute(specimen, scan, clean ? null : settings.Instrument, clean, clean ? frame : null, maps);

        // Write into a fresh sibling folder and move it into place, so a failure never leaves half a dataset.
        var staging = outDir.TrimEnd(Path.DirectorySeparatorChar) + ".partial-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        try
        {
            Directory.CreateDirectory(staging);
            foreach (var channel in frame.Channels)
            {
                GsfWriter.Write(Path.Combine(staging, channel.Descriptor.Key + ".gsf"), channel, scan.SizeX, scan.SizeY, channel.Descriptor.Key);
            }

            GsfWriter.Write(Path.Combine(staging, "labels.gsf"), maps.LabelChannel(), scan.SizeX, scan.SizeY, "Labels (0 background, 1 p arm, 2 centromere, 3 q arm)");
            GsfWriter.Write(Path.Combine(staging, "chromosomes.gsf"), maps.InstanceChannel(), scan.SizeX, scan.SizeY, "Chromosome instance id");
            await File.WriteAllTextAsync(Path.Combine(staging, "truth.json"), truth.ToJson());
            Directory.CreateDirectory(outDir);
            foreach (var file in Directory.GetFiles(staging))
            {
                File.Move(file, Path.Combine(outDir, Path.GetFileName(file)), overwrite: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"afmedge: cannot write {outDir}: {e.Message}");
            return ExitCodes.RuntimeFailure;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"seed {seed}: {truth.Chromosomes.Count} chromosomes in {new Quantity(scan.SizeX, PhysicalUnit.Metre)} at {pixels}², " +
            $"{frame.Channels.Count} channels{(clean ? " (clean)" : string.Empty)} → {outDir} in {stopwatch.Elapsed.TotalMilliseconds:F0} ms"));
        return ExitCodes.Ok;
    }

    private static async Task<int> FailAsync(TextWriter error, IEnumerable<string> lines)
    {
        var first = true;
        foreach (var line in lines)
        {
            await error.WriteLineAsync(first ? "afmedge: " + line : line);
            first = false;
        }

        return ExitCodes.BadUsageOrConfig;
    }
}
