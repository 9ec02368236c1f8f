using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AfmEdge.Inference.Training;
using AfmEdge.Processing;

namespace AfmEdge.Cli;

/// <summary>
/// `afmedge train`'s JSON config: the network and optimiser (<see cref="TrainerOptions"/>'s fields, camelCase)
/// and the simulator data. Unknown fields are errors, so a typo never silently falls back to a default.
/// </summary>
internal sealed record TrainConfig(TrainerOptions Trainer, int ValidateEvery, TrainConfig.DatasetConfig? Dataset)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
    };

    internal sealed record DatasetConfig
    {
        /// <summary>Side of the clean high-resolution target; the degraded scan has half.</summary>
        public int Pixels { get; init; } = 128;

        public double FieldSizeUm { get; init; } = 10;

        /// <summary>Specimen seeds trained on, "A-B".</summary>
        public string? TrainSeeds { get; init; }

        /// <summary>Specimen seeds scored on the progress line; disjoint from the training seeds.</summary>
        public string? ValidationSeeds { get; init; }

        /// <summary>What each pair's input and target are (see <see cref="PairKind"/>).</summary>
        public PairKind Pairs { get; init; } = PairKind.Clean;

        /// <summary>Each seed also draws its field size, surface and instrument (<see cref="SimulatorPairs.Vary"/>).</summary>
        public bool Varied { get; init; }

        /// <summary>
        /// Corrections run on every degraded scan before it becomes an input, as `afmedge process --ops` takes them
        /// (e.g. "register:midpoint,register:probes,merge-retrace", what the host runs on acquisition): the network then
        /// learns from the frames it will be given. Null or empty: the raw scan.
        /// </summary>
        public string? Acquisition { get; init; }

        /// <summary>Lines per second of the degraded scan: the renderer's feedback lag and dwell, the closed loop's pace.</summary>
        public double LineRateHz { get; init; } = TrainingScans.DefaultLineRateHz;

        /// <summary>What scans the degraded input (see <see cref="TrainingScanner"/>).</summary>
        public TrainingScanner Scanner { get; init; } = TrainingScanner.Renderer;
    }

    /// <summary>The dataset's acquisition chain (null when none is named or it does not parse; <see cref="Load"/> names the error).</summary>
    public ProcessingChain? Acquisition => Dataset?.Acquisition is { } steps && !string.IsNullOrWhiteSpace(steps) && ProcessingChain.TryParseList(steps, out var chain, out _)
        ? chain
        : null;

    /// <summary>
    /// Reads and checks a config; every problem is one line naming its field. The top level is
    /// <see cref="TrainerOptions"/> (camelCase) plus "validateEvery" (steps between validation PSNR figures) and
    /// "dataset".
    /// </summary>
    public static (TrainConfig? Config, IReadOnlyList<string> Errors) Load(string path)
    {
        TrainConfig config;
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            }) as JsonObject ?? throw new JsonException("The config must be a JSON object.");
            if (!root.ContainsKey("channels"))
            {
                return (null, ["channels: required, e.g. [\"Height\", \"Current\", \"Potential\", \"Adhesion\"]."]);
            }

            var datasetConfig = root["dataset"]?.Deserialize<DatasetConfig>(Json);
            var validateEvery = root["validateEvery"]?.Deserialize<int>(Json) ?? 250;
            root.Remove("dataset");
            root.Remove("validateEvery");
            var trainer = root.Deserialize<TrainerOptions>(Json) ?? throw new JsonException("The config is empty (null).");
            config = new TrainConfig(trainer, validateEvery, datasetConfig);
        }
        catch (JsonException e)
        {
            return (null, [$"{e.Path ?? "$"}: {e.Message}"]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, [$"cannot read {path}: {e.Message}"]);
        }

        var errors = new List<string>();
        errors.AddRange(config.Trainer.Validate());
        var unknown = config.Trainer.Channels.Where(c => !Simulation.Specimens.SimulatedChannels.Names.Contains(c, StringComparer.Ordinal)).ToArray();
        if (unknown.Length > 0)
        {
            errors.Add($"channels: [{string.Join(", ", unknown)}] are not simulated channels ({string.Join(", ", Simulation.Specimens.SimulatedChannels.Names)}).");
        }

        if (config.ValidateEvery < 1)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"validateEvery = {config.ValidateEvery}: must be at least 1."));
        }

        if (config.Dataset is not { } dataset)
        {
            errors.Add("dataset: required, with trainSeeds (e.g. \"1000-1599\").");
            return (config, errors);
        }

        var (train, validation) = (default(SeedRange), default(SeedRange));
        var trainOk = SeedRange.TryParse(dataset.TrainSeeds, "dataset.trainSeeds", out train, out var trainError);
        if (!trainOk)
        {
            errors.Add(trainError);
        }

        var validationOk = SeedRange.TryParse(dataset.ValidationSeeds, "dataset.validationSeeds", out validation, out var validationError);
        if (!validationOk)
        {
            errors.Add(validationError);
        }

        if (trainOk && validationOk && train.Overlaps(validation))
        {
            errors.Add($"dataset.validationSeeds = {validation}: overlaps dataset.trainSeeds = {train}; held-out seeds must never be trained on.");
        }

        if (trainOk && train.Count > 100_000)
        {
            errors.Add($"dataset.trainSeeds = {train}: at most 100000 specimens are held in memory.");
        }

        if (validationOk && validation.Count > 1000)
        {
            errors.Add($"dataset.validationSeeds = {validation}: at most 1000 seeds.");
        }

        if (!Enum.IsDefined(dataset.Pairs))
        {
            errors.Add($"dataset.pairs = {dataset.Pairs}: must be Clean or ScanDown.");
        }
        else if (dataset.Pairs == PairKind.ScanDown && config.Trainer.Channels is not ["Height"])
        {
            errors.Add($"dataset.pairs = ScanDown: scans down the Height channel only, so channels must be [\"Height\"], not [{string.Join(", ", config.Trainer.Channels)}].");
        }

        if (!string.IsNullOrWhiteSpace(dataset.Acquisition))
        {
            if (!ProcessingChain.TryParseList(dataset.Acquisition, out _, out var acquisitionError))
            {
                errors.Add($"dataset.acquisition = \"{dataset.Acquisition}\": {acquisitionError}");
            }
            else if (dataset.Pairs != PairKind.Clean)
            {
                errors.Add($"dataset.acquisition: corrects the simulator's degraded scan, so pairs must be Clean, not {dataset.Pairs}.");
            }
        }

        var lineRateOk = dataset.LineRateHz is > 0 and <= 1000;
        if (!lineRateOk)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"dataset.lineRateHz = {dataset.LineRateHz}: must be above 0 and at most 1000 lines/s."));
        }

        errors.AddRange(ScannerErrors(dataset));
        if (!double.IsFinite(dataset.FieldSizeUm) || dataset.FieldSizeUm <= 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"dataset.fieldSizeUm = {dataset.FieldSizeUm}: must be positive."));
        }
        else if (lineRateOk)
        {
            errors.AddRange(SimulatorPairs.Options(dataset.Pixels, dataset.FieldSizeUm, dataset.LineRateHz).Validate().Select(e =>
                e.StartsWith("HighResPixels", StringComparison.Ordinal) ? "dataset.pixels: " + e : "dataset: " + e));
            if (dataset.Pixels / 2 < config.Trainer.Patch)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture,
                    $"dataset.pixels = {dataset.Pixels}: the {dataset.Pixels / 2}² degraded scan is smaller than patch = {config.Trainer.Patch}."));
            }
        }

        return (config, errors);
    }

    /// <summary>What the dataset's scanner cannot do: the closed loop scans Clean pairs' input, on a fixed field its virtual scanner reaches.</summary>
    private static IEnumerable<string> ScannerErrors(DatasetConfig dataset)
    {
        if (!Enum.IsDefined(dataset.Scanner))
        {
            yield return $"dataset.scanner = {dataset.Scanner}: must be Renderer or ClosedLoop.";
            yield break;
        }

        if (dataset.Scanner != TrainingScanner.ClosedLoop)
        {
            yield break;
        }

        if (dataset.Pairs != PairKind.Clean)
        {
            yield return $"dataset.scanner = ClosedLoop: scans the degraded input of Clean pairs, so pairs must be Clean, not {dataset.Pairs}.";
        }

        if (dataset.Varied)
        {
            yield return "dataset.scanner = ClosedLoop: varied specimens draw fields up to 40 µm, beyond the virtual scanner's; set varied to false.";
        }

        // The closed loop's heights sit where its Z piezo does, micrometres from the clean target's: unleveled, the network
        // would learn that offset of this training set (and PSNR would read a few dB).
        if (!LevelsHeight(dataset.Acquisition))
        {
            yield return "dataset.scanner = ClosedLoop: its heights sit where the Z piezo does; dataset.acquisition must level Height, as the host's chain does (e.g. end it with level-masked:plane@Height).";
        }

        // The virtual scanner's reach (with the scan's 5 % overscan on each side): ±XyMetresPerVolt × 10 V.
        var reachUm = 2e6 * Host.Sources.ClosedLoopMicroscope.XyMetresPerVolt * 10 / 1.05;
        if (double.IsFinite(dataset.FieldSizeUm) && dataset.FieldSizeUm > reachUm)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"dataset.fieldSizeUm = {dataset.FieldSizeUm}: the closed-loop virtual scanner reaches {reachUm:F1} µm with the scan's overscan.");
        }
    }

    /// <summary>Whether the steps level Height: a plane, polynomial or masked leveling on every channel or selecting Height.</summary>
    private static bool LevelsHeight(string? acquisition)
    {
        if (acquisition is null || !ProcessingChain.TryParseList(acquisition, out var chain, out _))
        {
            return false;
        }

        var height = new Core.ChannelDescriptor("Height", Core.PhysicalUnit.Metre);
        return chain.Operations.Any(step => step is ChannelSelection selection ? IsLeveling(selection.Step) && selection.Selects(height) : IsLeveling(step));

        static bool IsLeveling(IProcessingStep step) => step is PlaneLeveling or PolynomialLeveling or MaskedLeveling;
    }

    public SeedRange TrainSeeds => SeedRange.TryParse(Dataset?.TrainSeeds, "dataset.trainSeeds", out var r, out _) ? r : default;

    public SeedRange ValidationSeeds => SeedRange.TryParse(Dataset?.ValidationSeeds, "dataset.validationSeeds", out var r, out _) ? r : default;
}
