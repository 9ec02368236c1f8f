using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Simulation.Rendering;

/// <summary>Configuration of the virtual three-probe microscope (the default source of <c>afmedge run</c>).</summary>
public sealed record VirtualMicroscopeOptions
{
    /// <summary>Seed of the specimen; frame n's instrument noise uses seed + n.</summary>
    public long Seed { get; init; } = 1;

    public SpecimenOptions Specimen { get; init; } = new();
    public InstrumentOptions Instrument { get; init; } = new();

    /// <summary>The scan; by default the whole 20 µm specimen field at 256² and 2 lines/s.</summary>
    public ScanSettings Scan { get; init; } = new()
    {
        SizeX = 20e-6,
        SizeY = 20e-6,
        PixelsX = 256,
        PixelsY = 256,
        LineRateHz = 2,
        Overscan = 0.05,
    };

    /// <summary>No instrument effects at all.</summary>
    public bool Clean { get; init; }

    public bool IncludeRetrace { get; init; } = true;

    /// <summary>Hand lines out at the line rate, as a microscope would; false: as fast as they render.</summary>
    public bool PaceToLineRate { get; init; } = true;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Specimen is null || Instrument is null || Scan is null)
        {
            errors.Add("Specimen, Instrument and Scan must all be set.");
            return errors;
        }

        errors.AddRange(Specimen.Validate().Select(e => "Specimen." + e));
        errors.AddRange(Scan.Validate().Select(e => "Scan." + e));
        if (!Clean)
        {
            errors.AddRange(Instrument.Validate(Scan).Select(e => "Instrument." + e));
        }

        if (Seed < 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Seed = {Seed}: must be >= 0."));
        }

        return errors;
    }
}
