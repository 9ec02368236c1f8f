namespace AfmEdge.Inference.Training;

/// <summary>
/// One training or evaluation pair: a degraded <paramref name="Width"/>×<paramref name="Height"/> scan and the
/// clean (2·Width)×(2·Height) fields of the same area, as planes (row-major, base SI unit) keyed by channel name.
/// </summary>
public sealed record TrainingExample(
    long Seed,
    int Width,
    int Height,
    IReadOnlyDictionary<string, float[]> LowRes,
    IReadOnlyDictionary<string, float[]> HighRes);

/// <summary>
/// Where pairs come from (the virtual microscope's dataset generator in the CLI; anything in tests), so the
/// trainer depends on no simulator. Pair <c>Get(seed)</c> must be a function of the seed alone.
/// </summary>
public interface ITrainingPairSource
{
    TrainingExample Get(long seed);
}
