using System.Diagnostics.CodeAnalysis;
using AfmEdge.Core;

namespace AfmEdge.Cli;

/// <summary>What `approach` and `retract` share: the virtual microscope they drive.</summary>
internal static class ZCommands
{
    // The raster only sets the loop's point period and the XY start corner; a 5 µm, 64-pixel frame at 1 line/s
    // gives the same Z slew limit and step timing that `afmedge scan` uses by default.
    private static readonly ScanSettings Raster = new() { SizeX = 5e-6, SizeY = 5e-6, PixelsX = 64, PixelsY = 64, LineRateHz = 1 };

    public static bool TryCreateScanner(int seed, double? tipGapNm, [NotNullWhen(true)] out VirtualScanner? scanner, [NotNullWhen(false)] out string? problem)
    {
        scanner = null;
        problem = null;
        if (tipGapNm is { } gap && !double.IsFinite(gap))
        {
            problem = $"--tip-gap-nm = {gap}: must be finite.";
            return false;
        }

        try
        {
            scanner = new VirtualScanner(Raster, seed, realTime: false, tipRestHeight: tipGapNm * 1e-9);
            return true;
        }
        catch (ArgumentException e)
        {
            problem = e.Message;
            return false;
        }
    }
}
