using AfmEdge.Control;
using AfmEdge.Control.Board;
using AfmEdge.Core;
using AfmEdge.Host.Sources;

namespace AfmEdge.Cli;

/// <summary>A scan engine opened for a command: on a real board (--config) or on the closed-loop virtual microscope.</summary>
internal sealed class OpenedScanner(ScanEngine engine, TimeProvider clock, IDisposable owner, ClosedLoopMicroscope? microscope) : IDisposable
{
    public ScanEngine Engine { get; } = engine;

    public TimeProvider Clock { get; } = clock;

    /// <summary>The virtual microscope, or null on a real board.</summary>
    public ClosedLoopMicroscope? Microscope { get; } = microscope;

    public void Dispose() => owner.Dispose();
}

/// <summary>What `scan`, `approach` and `retract` share: opening the board of --config, or the virtual microscope.</summary>
internal static class ZCommands
{
    // The raster only sets the loop's point period and the XY start corner; a 5 µm, 64-pixel frame at 1 line/s
    // gives the same Z slew limit and step timing that `afmedge scan` uses by default.
    public static readonly ScanSettings Raster = new() { SizeX = 5e-6, SizeY = 5e-6, PixelsX = 64, PixelsY = 64, LineRateHz = 1 };

    /// <summary>Opens the scanner; on failure writes the reason and returns the exit code (2: bad config or options, 1: a device failed to open).</summary>
    public static async Task<(OpenedScanner? Scanner, int ExitCode)> OpenAsync(string command, FileInfo? config, ScanSettings scan, ClosedLoopOptions virtualOptions, TextWriter error)
    {
        try
        {
            if (config is not null)
            {
                // Everything is checked before anything is opened; a failed open closes what it had opened.
                var board = BoardConfiguration.Load(config.FullName);
                var scanner = BoardScanner.Open(board, scan);
                return (new OpenedScanner(scanner.Engine, scanner.Timing.Time, scanner, null), ExitCodes.Ok);
            }

            var microscope = new ClosedLoopMicroscope(scan, virtualOptions);
            return (new OpenedScanner(microscope.Engine, microscope.Clock, microscope, microscope), ExitCodes.Ok);
        }
        catch (BoardConfigurationException e)
        {
            await error.WriteLineAsync($"afmedge {command}: {e.Message} Nothing was opened.");
            return (null, ExitCodes.BadUsageOrConfig);
        }
        catch (BoardOpenException e)
        {
            await error.WriteLineAsync($"afmedge {command}: {e.Message} Everything opened before it was closed again; nothing moved.");
            return (null, ExitCodes.RuntimeFailure);
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync($"afmedge {command}: {e.Message}");
            return (null, ExitCodes.BadUsageOrConfig);
        }
    }

    /// <summary>The virtual microscope's options of approach/retract, or the problem with them.</summary>
    public static string? VirtualOptions(int seed, double? tipGapNm, out ClosedLoopOptions options)
    {
        options = new ClosedLoopOptions { Seed = seed, TipRestHeight = tipGapNm * 1e-9 };
        return tipGapNm is { } gap && !double.IsFinite(gap) ? $"--tip-gap-nm = {gap}: must be finite." : null;
    }

    /// <summary>The options approach and retract share: --config, --seed, --tip-gap-nm.</summary>
    public static (System.CommandLine.Option<FileInfo?> Config, System.CommandLine.Option<int> Seed, System.CommandLine.Option<double?> TipGap) ZOptions() =>
    (
        ConfigOption(),
        new("--seed") { Description = "Seed of the virtual sample and noise (virtual microscope).", DefaultValueFactory = _ => 1 },
        new("--tip-gap-nm") { Description = "Tip height above the substrate at zero Z extension, nm (virtual microscope; default 100 nm)." });

    public static System.CommandLine.Option<FileInfo?> ConfigOption() => new("--config", "-c")
    {
        Description = "Device config with a \"Board\" section (see device-config/raspberry-pi-5.json): drive the real board's chips instead of the virtual microscope.",
    };
}
