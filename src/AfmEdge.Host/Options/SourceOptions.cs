using AfmEdge.Core;
using AfmEdge.Simulation.TestPattern;

namespace AfmEdge.Host.Options;

public enum SourceKind
{
    TestPattern,
}

/// <summary>Which scan source feeds the pipeline and the scan it runs.</summary>
public sealed class SourceOptions
{
    public SourceKind Kind { get; set; } = SourceKind.TestPattern;

    /// <summary>Frames to acquire; 0 scans until stopped.</summary>
    public long Frames { get; set; }

    /// <summary>Wait one line time per line, as a real scan would; off for benchmarks and tests.</summary>
    public bool Pace { get; set; } = true;

    public ScanOptions Scan { get; set; } = new();

    public TestPatternOptions TestPattern { get; set; } = new();
}

/// <summary>The scan as a person writes it in config: lengths with units ("20 µm"), square frames.</summary>
public sealed class ScanOptions
{
    public string Size { get; set; } = "20 µm";

    public int Pixels { get; set; } = 128;

    public double LineRateHz { get; set; } = 128;

    public double AngleDegrees { get; set; }

    public double Overscan { get; set; } = 0.05;

    /// <summary>The scan settings, or the errors that stop them (each naming its config key).</summary>
    public (ScanSettings? Settings, IReadOnlyList<string> Errors) ToSettings(string prefix)
    {
        if (!Quantity.TryParse(Size, out var size, out var parseError))
        {
            return (null, [$"{prefix}:Size = '{Size}': {parseError}"]);
        }

        if (size.Unit != PhysicalUnit.Metre)
        {
            return (null, [$"{prefix}:Size = '{Size}': must be a length such as \"20 µm\"."]);
        }

        var settings = new ScanSettings
        {
            SizeX = size.Value,
            SizeY = size.Value,
            PixelsX = Pixels,
            PixelsY = Pixels,
            LineRateHz = LineRateHz,
            AngleDegrees = AngleDegrees,
            Overscan = Overscan,
        };
        var errors = settings.Validate()
            .Select(e => $"{prefix}:{e.Replace("PixelsX", "Pixels", StringComparison.Ordinal).Replace("SizeX", "Size", StringComparison.Ordinal)}")
            .Where(e => !e.Contains("PixelsY", StringComparison.Ordinal) && !e.Contains("SizeY", StringComparison.Ordinal))
            .ToArray();
        if (size.Value > 1e-3)
        {
            errors = [.. errors, $"{prefix}:Size = '{Size}': a piezo scanner reaches at most 1 mm."];
        }

        return errors.Length == 0 ? (settings, []) : (null, errors);
    }
}
