using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;
using AfmEdge.Simulation.TestPattern;

namespace AfmEdge.Host.Options;

public enum SourceKind
{
    /// <summary>The virtual three-probe AFM scanning a chromosome spread (closed loop by default, see <see cref="VirtualMicroscopeSettings.Loop"/>).</summary>
    VirtualMicroscope,

    /// <summary>Analytic surfaces with noise: the simplest deterministic source.</summary>
    TestPattern,

    /// <summary>A real board (AD5791 DACs, AD7606 ADC) described by the Board section of <see cref="BoardSourceOptions.ConfigFile"/>.</summary>
    Board,
}

/// <summary>How the virtual microscope produces frames.</summary>
public enum VirtualLoop
{
    /// <summary>The scan engine, real drivers and Z feedback on the emulated chips, on the virtual clock.</summary>
    Closed,

    /// <summary>IdealScan renders whole frames with the full instrument model (drift, tilt, scars, probe offsets, tip dilation).</summary>
    Ideal,
}

/// <summary>The real board the host acquires from.</summary>
public sealed class BoardSourceOptions
{
    /// <summary>A file with a top-level "Board" section (may be the device config itself); relative to the working directory.</summary>
    public string? ConfigFile { get; set; }
}

/// <summary>Which scan source feeds the pipeline and the scan it runs.</summary>
public sealed class SourceOptions
{
    public SourceKind Kind { get; set; } = SourceKind.VirtualMicroscope;

    /// <summary>Frames to acquire; 0 scans until stopped.</summary>
    public long Frames { get; set; }

    /// <summary>Wait one line time per line, as a real scan would; off for benchmarks and tests.</summary>
    public bool Pace { get; set; } = true;

    /// <summary>
    /// 0 (default): every frame is scanned. n: the first n frames are scanned, then replayed in a loop with the frame
    /// numbers going on, so a simulated source slower than the pipeline can feed it at full speed (benchmarks, demos).
    /// Refused for the board.
    /// </summary>
    public long RepeatAfter { get; set; }

    public ScanOptions Scan { get; set; } = new();

    public TestPatternOptions TestPattern { get; set; } = new();

    public VirtualMicroscopeSettings VirtualMicroscope { get; set; } = new();

    public BoardSourceOptions Board { get; set; } = new();
}

/// <summary>
/// The virtual microscope as configured: the specimen (by seed, see AfmEdge.Simulation/VirtualMicroscope.md for
/// every Specimen and Instrument field) and the instrument; the scan and pacing come from the Source section.
/// </summary>
public sealed class VirtualMicroscopeSettings
{
    public long Seed { get; set; } = 1;

    /// <summary>Closed (default): the scan engine through the emulated chips; Ideal: IdealScan with every instrument effect.</summary>
    public VirtualLoop Loop { get; set; } = VirtualLoop.Closed;

    /// <summary>No instrument effects: the ideal fields the truth is computed on.</summary>
    public bool Clean { get; set; }

    public bool IncludeRetrace { get; set; } = true;

    /// <summary>Closed loop only: also publish Deflection (the Z feedback's error signal); off, the channels are IdealScan's.</summary>
    public bool IncludeDeflection { get; set; }

    public SpecimenOptions Specimen { get; set; } = new();

    public InstrumentOptions Instrument { get; set; } = new();

    /// <summary>The closed loop's options: the same specimen, seed and instrument; Clean turns the instrument and the ADC noise off.</summary>
    public Sources.ClosedLoopOptions ToClosedLoopOptions() => new()
    {
        Seed = Seed,
        Specimen = Specimen,
        Noiseless = Clean,
        Instrument = Clean ? null : Instrument,
    };

    public VirtualMicroscopeOptions ToOptions(ScanSettings scan, bool pace) => new()
    {
        Seed = Seed,
        Clean = Clean,
        IncludeRetrace = IncludeRetrace,
        Specimen = Specimen,
        Instrument = Instrument,
        Scan = scan,
        PaceToLineRate = pace,
    };

    /// <summary>Errors of the specimen and instrument, as config keys ("…:Instrument:Tip:ApexRadius = 0: …").</summary>
    public IEnumerable<string> Errors(string prefix, ScanSettings scan) =>
        ToOptions(scan, pace: false).Validate()
            .Where(e => !e.StartsWith("Scan.", StringComparison.Ordinal))
            .Select(e =>
            {
                var end = e.IndexOf(" = ", StringComparison.Ordinal);
                var path = end > 0 ? e[..end].Replace('.', ':') : string.Empty;
                return end > 0 ? $"{prefix}:{path}{e[end..]}" : $"{prefix}: {e}";
            });
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
