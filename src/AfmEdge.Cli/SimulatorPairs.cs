using AfmEdge.Core;
using AfmEdge.Inference.Evaluation;
using AfmEdge.Inference.Training;
using AfmEdge.Processing;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Cli;

/// <summary>What a training pair's input and target are.</summary>
internal enum PairKind
{
    /// <summary>The simulator's degraded half-resolution scan → the clean full-resolution fields (all channels).</summary>
    Clean,

    /// <summary>
    /// The full-resolution instrument scan (tip, feedback, noise…) scanned down ×2 as a half-resolution scan does
    /// (<see cref="HalfResolutionScan"/>) → that full-resolution scan (Height only): super-resolution of what the
    /// instrument measured, the height-only model's job on imported files, which carry their own tip and noise.
    /// </summary>
    ScanDown,
}

/// <summary>What scans a pair's degraded input.</summary>
internal enum TrainingScanner
{
    /// <summary>The renderer (<see cref="IdealScan"/>): the instrument's effects modelled over a whole line at once, its loop ideal.</summary>
    Renderer,

    /// <summary>
    /// The closed-loop virtual microscope (<see cref="ClosedLoopScans"/>): the scan engine, drivers and emulated chips `afmedge run`
    /// scans with, point by point through its Z feedback, so the input is what the host enhances (Clean pairs only).
    /// </summary>
    ClosedLoop,
}

/// <summary>
/// The virtual microscope as the trainer's pair source: specimen seed s gives the pair of specimen s (trace
/// channels), of the given <see cref="PairKind"/>. With <c>varied</c>, the seed also draws the specimen's field
/// size (pixel sizes from 4 nm to 300 nm), substrate roughness, debris, chromosome count and the instrument's tip,
/// noise and tilt, so the network meets more kinds of surface than one chromosome spread; all of it by seed.
/// With an <c>acquisition</c> chain, the degraded scan is rendered with its retrace and corrected by it (as the host's
/// processing corrects every scan before the enhancer sees it) before it becomes the input; the target stays the clean
/// fields. With <see cref="TrainingScanner.ClosedLoop"/> the closed-loop virtual microscope scans the degraded input at the
/// options' line rate.
/// </summary>
internal sealed class SimulatorPairs(DatasetOptions options, PairKind kind = PairKind.Clean, bool varied = false, ProcessingChain? acquisition = null,
    TrainingScanner scanner = TrainingScanner.Renderer)
    : ITrainingPairSource
{
    // The corrections need the retrace (register:midpoint, merge-retrace); without them it is not rendered at all.
    private readonly DatasetOptions _options = options with { LowResRetrace = acquisition is not null };
    private readonly DatasetGenerator _generator = new(options with { LowResRetrace = acquisition is not null });

    public static DatasetOptions Options(int pixels, double fieldSizeMicrometres, double lineRateHz = TrainingScans.DefaultLineRateHz)
    {
        var defaults = new DatasetOptions();

        // The bundled models (models/*.md) were trained and evaluated with one fixed instrument; keeping it here keeps
        // their recipes and metrics reproducible. Per-pair instrument variation is DatasetOptions.Variation.
        return defaults with
        {
            Variation = null,
            HighResPixels = pixels,
            LineRateHz = lineRateHz,
            Specimen = defaults.Specimen with
            {
                FieldSizeX = fieldSizeMicrometres * 1e-6,
                FieldSizeY = fieldSizeMicrometres * 1e-6,
                ReferenceGridPixels = pixels,
            },
        };
    }

    public TrainingExample Get(long seed)
    {
        if (kind == PairKind.Clean && scanner == TrainingScanner.ClosedLoop)
        {
            return ClosedLoopPair(varied ? Vary(_options, seed) : _options, seed);
        }

        if (kind == PairKind.Clean)
        {
            var pair = varied ? new DatasetGenerator(Vary(_options, seed)).GenerateSpecimen(seed) : _generator.GenerateSpecimen(seed);
            var low = acquisition is null ? pair.LowRes : acquisition.Apply(pair.LowRes);
            return new TrainingExample(seed, low.Width, low.Height, Planes(low), Planes(pair.HighRes));
        }

        var drawn = varied ? Vary(_options, seed) : _options;

        var specimen = new ChromosomeSpecimen(seed, drawn.Specimen);
        var scan = FullScan(drawn);
        var full = IdealScan.Render(specimen, scan, drawn.Instrument, new RenderOptions { IncludeRetrace = false, NoiseSeed = seed }).Channels[0];
        var half = new float[full.Width * full.Height / 4];
        HalfResolutionScan.Apply(full.Data, full.Width, full.Height, half);
        var name = full.Name;
        return new TrainingExample(seed, full.Width / 2, full.Height / 2,
            new Dictionary<string, float[]>(StringComparer.Ordinal) { [name] = half },
            new Dictionary<string, float[]>(StringComparer.Ordinal) { [name] = full.Data.ToArray() });
    }

    /// <summary>
    /// The options of seed <paramref name="seed"/>'s varied specimen: field 0.5–40 µm (log-uniform; 4–310 nm pixels at
    /// 128²), substrate roughness 0.1–5 nm over 10–500 nm, 0–40 debris of 10–500 nm and 2–100 nm, 0–6 chromosomes of
    /// 1–8 µm and 50–300 nm height; tip radius 2–30 nm, noise × 0.1–3, tilt up to ±1 %.
    /// </summary>
    internal static DatasetOptions Vary(DatasetOptions options, long seed)
    {
        var random = new SeedDraw((ulong)seed ^ 0x5EED_FAC7_0B5EUL);
        var field = random.LogUniform(0.5e-6, 40e-6);
        var chromosomes = random.Int(0, 6);
        var debris = random.Int(0, 40);
        var noise = random.LogUniform(0.1, 3);
        var defaults = options.Instrument.Noise.Height;
        var specimen = options.Specimen with
        {
            FieldSizeX = field,
            FieldSizeY = field,
            ChromosomeCountMin = chromosomes,
            ChromosomeCountMax = chromosomes,
            Length = new ValueRange(1e-6, 8e-6),
            Height = new ValueRange(50e-9, 300e-9),
            DebrisCountMin = debris,
            DebrisCountMax = debris,
            DebrisRadius = new ValueRange(10e-9, 500e-9),
            DebrisHeight = new ValueRange(2e-9, 100e-9),
            SubstrateRoughness = random.LogUniform(0.1e-9, 5e-9),
            SubstrateCorrelationLength = random.LogUniform(10e-9, 500e-9),
        };
        var instrument = options.Instrument with
        {
            Tip = options.Instrument.Tip with { ApexRadius = random.LogUniform(2e-9, 30e-9) },
            Noise = options.Instrument.Noise with
            {
                Height = defaults with { White = defaults.White * noise, Pink = defaults.Pink * noise, RowOffset = defaults.RowOffset * noise },
            },
            Tilt = new TiltOptions { SlopeX = random.Uniform(-0.01, 0.01), SlopeY = random.Uniform(-0.01, 0.01) },
        };
        return options with { Specimen = specimen, Instrument = instrument };
    }

    /// <summary>The clean fields as the target; the input scanned on the closed-loop microscope, as the host acquires it.</summary>
    private TrainingExample ClosedLoopPair(DatasetOptions drawn, long seed)
    {
        var scan = FullScan(drawn);
        var clean = IdealScan.Render(new ChromosomeSpecimen(seed, drawn.Specimen), scan, drawn.Instrument, new RenderOptions { Clean = true, IncludeRetrace = false });
        var low = ClosedLoopScans.Scan(drawn.Specimen, scan.WithPixels(scan.PixelsX / 2, scan.PixelsY / 2), drawn.Instrument, seed, 1, acquisition);
        return new TrainingExample(seed, low.Width, low.Height, Planes(low), Planes(clean));
    }

    /// <summary>The full-resolution scan of a pair's specimen field at the options' line rate (5 % overscan, as the dataset's).</summary>
    private static ScanSettings FullScan(DatasetOptions drawn) => new()
    {
        SizeX = drawn.Specimen.FieldSizeX,
        SizeY = drawn.Specimen.FieldSizeY,
        PixelsX = drawn.HighResPixels,
        PixelsY = drawn.HighResPixels,
        LineRateHz = drawn.LineRateHz,
        Overscan = 0.05,
    };

    /// <summary>Pairs of every seed, rendered on all cores, in seed order.</summary>
    public IReadOnlyList<TrainingExample> GetAll(SeedRange seeds)
    {
        var examples = new TrainingExample[seeds.Count];
        Parallel.For(0, examples.Length, i => examples[i] = Get(seeds.First + i));
        return examples;
    }

    private static Dictionary<string, float[]> Planes(Frame frame) =>
        frame.Channels.Where(c => c.Direction == ScanDirection.Trace).ToDictionary(c => c.Name, c => c.Data.ToArray(), StringComparer.Ordinal);

    /// <summary>SplitMix64 (Steele et al. 2014): a sequence fixed by this code, so a seed draws the same options everywhere.</summary>
    private struct SeedDraw(ulong state)
    {
        public double Uniform(double min, double max)
        {
            var z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return min + ((max - min) * ((z ^ (z >> 31)) >> 11) * (1.0 / (1UL << 53)));
        }

        public double LogUniform(double min, double max) => Math.Exp(Uniform(Math.Log(min), Math.Log(max)));

        public int Int(int min, int max) => Math.Min(max, min + (int)Uniform(0, max - min + 1));
    }
}
