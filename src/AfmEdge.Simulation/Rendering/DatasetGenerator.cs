using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Simulation.Rendering;

/// <summary>Options of the enhancer's training data: what area, at what resolutions, through what instrument.</summary>
public sealed record DatasetOptions
{
    public long BaseSeed { get; init; } = 1;

    /// <summary>Side of the clean high-resolution target; the degraded input has half as many pixels per side.</summary>
    public int HighResPixels { get; init; } = 128;

    /// <summary>
    /// The specimen of each pair. Its field is the scanned area. Defaults: a 10 µm field with 2–4
    /// chromosomes of 2–8 µm, and a reference grid as fine as the high-resolution target.
    /// </summary>
    public SpecimenOptions Specimen { get; init; } = new()
    {
        FieldSizeX = 10e-6,
        FieldSizeY = 10e-6,
        ChromosomeCountMin = 2,
        ChromosomeCountMax = 4,
        Length = new ValueRange(2e-6, 8e-6),
        DebrisCountMin = 0,
        DebrisCountMax = 4,
        ReferenceGridPixels = 128,
    };

    public InstrumentOptions Instrument { get; init; } = new();

    public double LineRateHz { get; init; } = 2;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (HighResPixels % 2 != 0 || HighResPixels / 2 < ScanSettings.MinPixels || HighResPixels > ScanSettings.MaxPixels)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"HighResPixels = {HighResPixels}: must be even and between {2 * ScanSettings.MinPixels} and {ScanSettings.MaxPixels}."));
        }

        if (Specimen is null || Instrument is null)
        {
            errors.Add("Specimen and Instrument must be set.");
            return errors;
        }

        errors.AddRange(Specimen.Validate().Select(e => "Specimen." + e));
        if (errors.Count == 0)
        {
            errors.AddRange(Instrument.Validate(HighResScan()).Select(e => "Instrument." + e));
        }

        return errors;
    }

    internal ScanSettings HighResScan() => new()
    {
        SizeX = Specimen.FieldSizeX,
        SizeY = Specimen.FieldSizeY,
        PixelsX = HighResPixels,
        PixelsY = HighResPixels,
        LineRateHz = LineRateHz,
        Overscan = 0.05,
    };
}

/// <summary>One training example: the degraded half-resolution scan and the clean full-resolution fields of the same area.</summary>
public sealed record TrainingPair(long Index, long Seed, Frame LowRes, Frame HighRes);

/// <summary>
/// Deterministic (low-res degraded, high-res clean) multichannel pairs: pair i is a function of
/// (BaseSeed, i) only, so any subset can be regenerated anywhere in any order. The low-res frame is an
/// instrument-mode scan (tip, feedback, drift, noise… and averaging over each pixel's dwell) with half
/// the pixels per side; the high-res frame is the clean specimen; trace channels only.
/// </summary>
public sealed class DatasetGenerator
{
    private readonly DatasetOptions _options;

    public DatasetGenerator(DatasetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid dataset options: " + string.Join(" ", errors), nameof(options));
        }

        _options = options;
    }

    /// <summary>The specimen seed of pair <paramref name="index"/>.</summary>
    public long SeedOf(long index) => (long)(Hashing.Combine((ulong)_options.BaseSeed, index) >> 2);

    public TrainingPair Generate(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return GenerateSpecimen(SeedOf(index), index);
    }

    /// <summary>
    /// The pair of specimen <paramref name="seed"/> itself (frame sequence <paramref name="index"/>), so training
    /// and evaluation can name disjoint seed ranges.
    /// </summary>
    public TrainingPair GenerateSpecimen(long seed, long index = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var specimen = new ChromosomeSpecimen(seed, _options.Specimen);
        var high = _options.HighResScan();
        var low = high.WithPixels(high.PixelsX / 2, high.PixelsY / 2);
        var highFrame = IdealScan.Render(specimen, high, _options.Instrument, new RenderOptions
        {
            Clean = true,
            IncludeRetrace = false,
            FrameSequence = index,
        });
        var lowFrame = IdealScan.Render(specimen, low, _options.Instrument, new RenderOptions
        {
            IncludeRetrace = false,
            NoiseSeed = seed,
            FrameSequence = index,
        });
        return new TrainingPair(index, seed, lowFrame, highFrame);
    }

    /// <summary>Pairs <paramref name="start"/> … start + count − 1, rendered lazily in order.</summary>
    public IEnumerable<TrainingPair> Generate(long start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (var i = 0; i < count; i++)
        {
            yield return Generate(start + i);
        }
    }
}
