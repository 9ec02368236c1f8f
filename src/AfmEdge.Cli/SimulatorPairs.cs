using AfmEdge.Core;
using AfmEdge.Inference.Training;
using AfmEdge.Simulation.Rendering;

namespace AfmEdge.Cli;

/// <summary>
/// The virtual microscope's <see cref="DatasetGenerator"/> as the trainer's pair source: specimen seed s gives the
/// degraded half-resolution scan and the clean full-resolution fields of specimen s (trace channels).
/// </summary>
internal sealed class SimulatorPairs(DatasetOptions options) : ITrainingPairSource
{
    private readonly DatasetGenerator _generator = new(options);

    public static DatasetOptions Options(int pixels, double fieldSizeMicrometres)
    {
        var defaults = new DatasetOptions();

        // The bundled models (models/*.md) were trained and evaluated with one fixed instrument; keeping it here keeps
        // their recipes and metrics reproducible. Per-pair instrument variation is DatasetOptions.Variation.
        return defaults with
        {
            Variation = null,
            HighResPixels = pixels,
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
        var pair = _generator.GenerateSpecimen(seed);
        return new TrainingExample(seed, pair.LowRes.Width, pair.LowRes.Height, Planes(pair.LowRes), Planes(pair.HighRes));
    }

    /// <summary>Pairs of every seed, rendered on all cores, in seed order.</summary>
    public IReadOnlyList<TrainingExample> GetAll(SeedRange seeds)
    {
        var examples = new TrainingExample[seeds.Count];
        Parallel.For(0, examples.Length, i => examples[i] = Get(seeds.First + i));
        return examples;
    }

    private static Dictionary<string, float[]> Planes(Frame frame) =>
        frame.Channels.Where(c => c.Direction == ScanDirection.Trace).ToDictionary(c => c.Name, c => c.Data.ToArray(), StringComparer.Ordinal);
}
