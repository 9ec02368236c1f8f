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

    /// <summary>The baseline instrument of every pair (with <see cref="Variation"/>, the centre the draws vary around).</summary>
    public InstrumentOptions Instrument { get; init; } = new();

    /// <summary>
    /// The instrument parameters drawn per pair from its specimen seed (tip radius, noise, drift, feedback gains,
    /// tilt, probe offsets); null: every pair is scanned with <see cref="Instrument"/> as it is.
    /// </summary>
    public InstrumentVariation? Variation { get; init; } = new();

    public double LineRateHz { get; init; } = 2;

    /// <summary>
    /// Also render the low-resolution scan's retrace channels, for acquisition corrections that need them
    /// (register:midpoint, merge-retrace) run on the scan before it becomes a training input.
    /// </summary>
    public bool LowResRetrace { get; init; }

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
        if (Variation is not null)
        {
            errors.AddRange(Variation.Validate().Select(e => "Variation." + e));
        }

        if (errors.Count == 0)
        {
            errors.AddRange(Instrument.Validate(HighResScan()).Select(e => "Instrument." + e));
        }

        if (errors.Count == 0 && Variation is not null)
        {
            // The widest draws must still make a valid instrument for this scan (probe offsets inside it, gains positive).
            var extreme = Variation.ProbeOffset;
            var widest = Math.Max(Math.Abs(extreme.Min), Math.Abs(extreme.Max));
            if (!(widest < 0.5 * Math.Min(Specimen.FieldSizeX, Specimen.FieldSizeY)))
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture,
                    $"Variation.ProbeOffset = [{extreme.Min}, {extreme.Max}] m: must stay within half the scanned field ({0.5 * Math.Min(Specimen.FieldSizeX, Specimen.FieldSizeY)} m)."));
            }
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
public sealed record TrainingPair(long Index, long Seed, Frame LowRes, Frame HighRes)
{
    /// <summary>The instrument the low-resolution scan was made with (drawn from the seed when the options vary it).</summary>
    public InstrumentOptions? Instrument { get; init; }
}

/// <summary>
/// Deterministic (low-res degraded, high-res clean) multichannel pairs: pair i is a function of
/// (BaseSeed, i) only, so any subset can be regenerated anywhere in any order. The low-res frame is an
/// instrument-mode scan (tip, feedback, drift, noise… and averaging over each pixel's dwell) with half
/// the pixels per side, through an instrument drawn per pair from the seed (<see cref="DatasetOptions.Variation"/>);
/// the high-res frame is the clean specimen; trace channels only (and the scan's retrace with
/// <see cref="DatasetOptions.LowResRetrace"/>).
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

    /// <summary>The instrument specimen <paramref name="seed"/> is scanned with.</summary>
    public InstrumentOptions InstrumentFor(long seed) => _options.Variation?.Draw(_options.Instrument, seed) ?? _options.Instrument;

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
        var instrument = InstrumentFor(seed);
        var highFrame = IdealScan.Render(specimen, high, instrument, new RenderOptions
        {
            Clean = true,
            IncludeRetrace = false,
            FrameSequence = index,
        });
        var lowFrame = IdealScan.Render(specimen, low, instrument, new RenderOptions
        {
            IncludeRetrace = _options.LowResRetrace,
            NoiseSeed = seed,
            FrameSequence = index,
        });
        return new TrainingPair(index, seed, lowFrame, highFrame) { Instrument = instrument };
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
