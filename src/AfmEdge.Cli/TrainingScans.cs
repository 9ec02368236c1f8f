using System.Globalization;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Training;
using AfmEdge.Processing;

namespace AfmEdge.Cli;

/// <summary>
/// How a model's training inputs were scanned, as its metadata records it: by what scanner, at what line rate, corrected by
/// what steps, how many pixels (the clean target's per side) over what field. `afmedge eval` scores each model on scans
/// made alike (and bicubic on the same scans).
/// </summary>
internal sealed record TrainingScans(TrainingScanner Scanner, double LineRateHz, string Corrections, int Pixels = TrainingScans.DefaultPixels, double FieldUm = TrainingScans.DefaultFieldUm)
{
    /// <summary>The clean target's pixels per side of a model whose metadata does not say (<see cref="TrainingGeometry"/>).</summary>
    public const int DefaultPixels = 128;

    /// <summary>The field, in µm, of a model whose metadata does not say.</summary>
    public const double DefaultFieldUm = 10;

    /// <summary>The training scans' line rate unless a config names one; also what a model whose metadata does not record it was trained at.</summary>
    public const double DefaultLineRateHz = 2;

    /// <summary>The model's training scans, or null with <paramref name="problem"/> naming the metadata entry that does not parse.</summary>
    public static TrainingScans? Of(EnhancerNetwork network, out string? problem)
    {
        var metadata = network.Metadata;
        problem = null;
        var scanner = TrainingScanner.Renderer;
        if (metadata.TryGetValue(TrainCommand.ScannerMetadataKey, out var scannerText)
            && !(Enum.TryParse(scannerText, ignoreCase: false, out scanner) && Enum.IsDefined(scanner)))
        {
            problem = $"its {TrainCommand.ScannerMetadataKey} metadata \"{scannerText}\" is not Renderer or ClosedLoop";
            return null;
        }

        var lineRate = DefaultLineRateHz;
        if (metadata.TryGetValue(TrainCommand.LineRateMetadataKey, out var rateText)
            && !(double.TryParse(rateText, NumberStyles.Float, CultureInfo.InvariantCulture, out lineRate) && lineRate is > 0 and <= 1000))
        {
            problem = $"its {TrainCommand.LineRateMetadataKey} metadata \"{rateText}\" is not a line rate above 0 and at most 1000 lines/s";
            return null;
        }

        var corrections = TrainCommand.CorrectionsOf(network);
        if (corrections.Length > 0 && !ProcessingChain.TryParseList(corrections, out _, out var stepsError))
        {
            problem = $"its {TrainCommand.AcquisitionMetadataKey} metadata \"{corrections}\" is not a processing chain: {stepsError}";
            return null;
        }

        // ModelEntry has checked the geometry's metadata when the catalog read the file (a bad one never gets here).
        var (pixels, fieldUm) = TrainingGeometry.Of(network) ?? (DefaultPixels, DefaultFieldUm);
        return new TrainingScans(scanner, lineRate, corrections, pixels, fieldUm);
    }

    /// <summary>The scanner and its line rate in words, e.g. "closed loop, 256 lines/s".</summary>
    public string Scanned => string.Create(CultureInfo.InvariantCulture,
        $"{(Scanner == TrainingScanner.ClosedLoop ? "closed loop" : "renderer")}, {LineRateHz} lines/s");

    /// <summary>The pairs of <paramref name="seeds"/> at <see cref="Pixels"/>² over <see cref="FieldUm"/> µm, scanned and corrected alike.</summary>
    public IReadOnlyList<TrainingExample> Examples(SeedRange seeds) =>
        new SimulatorPairs(SimulatorPairs.Options(Pixels, FieldUm, LineRateHz), acquisition: Corrections.Length == 0 ? null : ProcessingChain.ParseList(Corrections), scanner: Scanner)
            .GetAll(seeds);
}
