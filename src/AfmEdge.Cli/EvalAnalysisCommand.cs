using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using AfmEdge.Analysis;
using AfmEdge.Core;
using AfmEdge.Inference;
using AfmEdge.Processing;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;
using AfmEdge.Simulation.Truth;

namespace AfmEdge.Cli;

/// <summary>
/// `afmedge eval analysis --seeds A-B [--model FILE] [--pixels N] [--field-um F] [--correct STEPS] [--process STEPS] [--without|--only EFFECTS]
/// [--edge-exclusion N] [--outline-fraction F] [--breakdown] [--json]`: what the enhancer buys the
/// chromosome analysis. On simulator specimens (the analysis's own field, default 512² over 20 µm) it scores against
/// the simulator's truth the analysis of: the clean full-resolution fields; the full-resolution instrument scan; the
/// half-resolution instrument scan analysed at its own size (against truth rendered on that grid, not downsampled);
/// that scan enlarged ×2 by bicubic; and the same scan enhanced ×2 by the model. Figures: segmentation IoU per true
/// chromosome, centromere error (in full-resolution pixels), region-label accuracy inside the chromosomes measured,
/// per-region Pearson r error and per-region mean error (on the chromosomes measured, truth from the clean fields).
/// To find where the errors come from: --without/--only switch instrument effects off (<see cref="InstrumentEffects"/>), and
/// --breakdown splits the r and mean errors by channel and region. --edge-exclusion N runs the analysis with each chromosome's
/// N-pixel rim left out of the region statistics (mixed pixels) and takes the truth over the true regions less their rim alike;
/// --outline-fraction F sets where the analysis draws each chromosome's outline on its flank (<see cref="AnalysisOptions.OutlineFraction"/>).
/// Every figure is given twice: against the truth on the nominal grid (where the instrument meant its pixels to be), and
/// against the truth where the tip really was (<see cref="IdealScan.TipPositions"/>: what the frame shows; drift and creep
/// move a frame against the nominal grid, which no analysis of that one frame can undo). The labels are also given with
/// p and q as one arm on the chromosomes whose true arms differ by less than <see cref="AnalysisOptions.ArmTolerance"/>.
/// </summary>
internal static class EvalAnalysisCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,

        // A figure with nothing to measure (no chromosome found) is NaN, written as "NaN".
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
    private static readonly string[] Channels = ["Height", "Current", "Potential", "Adhesion"];

    public static Command Create(TextWriter output, TextWriter error)
    {
        var seeds = new Option<string>("--seeds", "-s") { Description = "Simulator specimen seeds A-B, disjoint from the model's training seeds.", DefaultValueFactory = _ => "2001-2010" };
        var model = new Option<FileInfo?>("--model", "-m")
        {
            Description = "The enhancer model (default: the one the host would choose for the half scan's four channels and pixel, from models/, else the models bundled beside the executable).",
        };
        var pixels = new Option<int>("--pixels") { Description = "Full-resolution pixels per side (even); the half-resolution scan has half.", DefaultValueFactory = _ => 512 };
        var field = new Option<double>("--field-um") { Description = "Side of the scanned field, µm.", DefaultValueFactory = _ => 20 };
        var process = new Option<string?>("--process")
        {
            Description = "Processing steps (as `afmedge process --ops` takes them, e.g. \"align-rows:median,level:plane,register:probes\") run on every instrument frame just before it is analysed (after enlarging); default none: raw scans.",
        };
        var correct = new Option<string?>("--correct")
        {
            Description = "Controller corrections (processing steps, e.g. \"register:midpoint\") run on every raw instrument scan as it is acquired, full and half resolution, before enlarging; the scan is then rendered with its retrace channels, which are dropped after the corrections; default none.",
        };
        var without = new Option<string?>("--without")
        {
            Description = "Instrument effects switched off in every scan (an ablation, to see what the errors come from), comma-separated: "
                + string.Join("; ", InstrumentEffects.Known.Select(k => $"{k.Name} = {k.Meaning}")) + ". Default none: the default instrument.",
        };
        var only = new Option<string?>("--only")
        {
            Description = "The reverse ablation: only these instrument effects stay on (names as for --without); not with --without.",
        };
        var edges = new Option<int>("--edge-exclusion")
        {
            Description = "The analysis leaves each chromosome's rim, this many pixels deep, out of its region statistics and correlations (AnalysisOptions.EdgeExclusion: there a scanned pixel mixes chromosome and substrate), and the truth leaves out the true chromosomes' rim alike; default 0: every pixel.",
        };
        var outline = new Option<double>("--outline-fraction")
        {
            Description = "The analysis draws each chromosome's outline where its height falls to this fraction of its local crest (AnalysisOptions.OutlineFraction; 0: where it leaves the substrate's noise).",
            DefaultValueFactory = _ => new AnalysisOptions().OutlineFraction,
        };
        var wholeTruth = new Option<bool>("--whole-truth")
        {
            Description = "With --edge-exclusion: score against the truth over every true pixel of each region (the rim kept), not over the true regions less their rim alike: how well the rim-free analysis estimates the whole regions' r and means.",
        };
        var coreDepth = new Option<int>("--core-depth")
        {
            Description = "Depth of a region's rim, in pixels, for r over the region's core and r's interval with the rim's uncertainty (AnalysisOptions.CoreDepth).",
            DefaultValueFactory = _ => new AnalysisOptions().CoreDepth,
        };
        var lineRate = new Option<double>("--line-rate")
        {
            Description = "Lines per second (trace and retrace) of every instrument scan: the feedback's and the signals' lags are times, so a faster scan drags each edge further (afmedge run's virtual microscope scans 128; a careful user 1–2).",
            DefaultValueFactory = _ => DefaultLineRateHz,
        };
        var closedLoop = new Option<bool>("--closed-loop")
        {
            Description = "Scan every instrument frame on the closed-loop virtual microscope `afmedge run` and `afmedge scan` use (drivers, chips, its tuned Z feedback) instead of the renderer; the truth is then the nominal grid's alone (where its tip really was is not known). Its heights sit where its Z piezo does, far from the renderer's: the host levels them before enhancing (its steps end with level-masked:plane@Height), so add that to --correct to score what it publishes.",
        };
        var gainScale = new Option<double>("--gain-scale")
        {
            Description = "With --closed-loop: multiply the closed-loop microscope's tuned Z gains, as afmedge scan does (a detuned loop's edges; 10 oscillates, and the eval stops there naming the seed and line).",
            DefaultValueFactory = _ => 1.0,
        };
        var backgroundReach = new Option<int>("--background-reach")
        {
            Description = "How far, at most, the background's rim for its core reaches: as far as the chromosomes disturb the substrate beside them, up to this many pixels (AnalysisOptions.BackgroundCoreReach; 0: as deep as every region's, --core-depth).",
            DefaultValueFactory = _ => new AnalysisOptions().BackgroundCoreReach,
        };
        var rimMixingThreshold = new Option<double>("--rim-mixing-threshold")
        {
            Description = "Above this RimMixing score a frame's rims count as mixed, and its r and means are read off the regions' cores (AnalysisOptions.RimMixingThreshold; 0 reads nearly every scanned frame that way, clean frames scoring about -1 to 1).",
            DefaultValueFactory = _ => new AnalysisOptions().RimMixingThreshold,
        };
        var keepLineOffsets = new Option<bool>("--keep-line-offsets")
        {
            Description = "Leave every channel's line offsets in the statistics (AnalysisOptions.AlignRowsToSubstrate off): without it, the analysis takes each channel's lines to the substrate's level where they are offset, as before the region statistics it always does.",
        };
        var breakdown = new Option<bool>("--breakdown") { Description = "Also print the r and mean errors per channel and region (medians over the seeds, signed and absolute)." };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON (the per channel and region breakdown included)." };
        var perChromosome = new Option<bool>("--per-chromosome")
        {
            Description = "Also print, per seed and frame, every true chromosome below IoU 0.9 and why: the found object matching it, the true chromosomes merged into that object, the objects cutting a share off it, its crossings and contacts in the specimen, the frame's edge.",
        };
        var overlays = new Option<DirectoryInfo?>("--overlays")
        {
            Description = "Write one PNG per seed and frame into this folder: the leveled height, the found objects' outlines in colour (numbered as --per-chromosome numbers them), each true chromosome tinted in its own hue.",
        };
        var cells = new Option<FileInfo?>("--cells")
        {
            Description = "Also write every scored cell to this CSV file: one row per seed, frame, channel and region, r and the mean as measured and as read (the rim mixing's judgement) beside the truth's, so the misses can be found and plotted.",
        };
        var command = new Command("analysis", "Score the chromosome analysis against simulator truth on full-resolution, half-resolution, bicubic ×2 and enhanced ×2 frames.")
        {
            seeds, model, pixels, field, lineRate, closedLoop, gainScale, correct, process, without, only, edges, wholeTruth, outline, coreDepth, backgroundReach, rimMixingThreshold, keepLineOffsets, breakdown, json, perChromosome, overlays, cells,
        };
        command.SetAction(parse => Run(
            new Settings(parse.GetValue(seeds)!, parse.GetValue(model)?.FullName, parse.GetValue(pixels), parse.GetValue(field), parse.GetValue(correct),
                parse.GetValue(process), parse.GetValue(without), parse.GetValue(only), parse.GetValue(edges), parse.GetValue(outline), parse.GetValue(breakdown), parse.GetValue(json))
            {
                PerChromosome = parse.GetValue(perChromosome),
                CoreDepth = parse.GetValue(coreDepth),
                BackgroundReach = parse.GetValue(backgroundReach),
                RimMixingThreshold = parse.GetValue(rimMixingThreshold),
                KeepLineOffsets = parse.GetValue(keepLineOffsets),
                LineRateHz = parse.GetValue(lineRate),
                ClosedLoop = parse.GetValue(closedLoop),
                GainScale = parse.GetValue(gainScale),
                WholeTruth = parse.GetValue(wholeTruth),
                Overlays = parse.GetValue(overlays)?.FullName,
                Cells = parse.GetValue(cells)?.FullName,
            },
            output, error));
        return command;
    }

    /// <summary>The eval's scan speed unless told: slow enough that the feedback follows the chromosomes' edges (0.5 s a line).</summary>
    private const double DefaultLineRateHz = 2;

    private sealed record Settings(string Seeds, string? Model, int Pixels, double FieldUm, string? Corrections, string? Steps, string? Without, string? Only, int EdgeExclusion, double OutlineFraction, bool Breakdown, bool Json)
    {
        public bool PerChromosome { get; init; }

        public string? Overlays { get; init; }

        public string? Cells { get; init; }

        public int CoreDepth { get; init; } = new AnalysisOptions().CoreDepth;

        public int BackgroundReach { get; init; } = new AnalysisOptions().BackgroundCoreReach;

        public double RimMixingThreshold { get; init; } = new AnalysisOptions().RimMixingThreshold;

        public bool KeepLineOffsets { get; init; }

        public double LineRateHz { get; init; } = DefaultLineRateHz;

        public bool ClosedLoop { get; init; }

        public double GainScale { get; init; } = 1;

        public bool WholeTruth { get; init; }
    }

    private static int Run(Settings settings, TextWriter output, TextWriter error)
    {
        try
        {
            return Evaluate(settings, output, error);
        }
        catch (ClosedLoopScanFailedException e)
        {
            error.WriteLine($"afmedge eval analysis: {e.Message}; no figures (Z retracted; a lower --gain-scale or --line-rate may scan it)");
            return ExitCodes.RuntimeFailure;
        }
    }

    private static int Evaluate(Settings settings, TextWriter output, TextWriter error)
    {
        var (seedText, modelPath, pixels, fieldUm, corrections, steps, withoutText, onlyText, edgeExclusion, outlineFraction, breakdown, json) = settings;
        var errors = new List<string>();
        if (!InstrumentEffects.TryParse(withoutText, out var ablated, out var effectError))
        {
            errors.Add($"--without: {effectError}");
        }

        if (!InstrumentEffects.TryParse(onlyText, out var kept, out effectError))
        {
            errors.Add($"--only: {effectError}");
        }
        else if (onlyText is not null && withoutText is not null)
        {
            errors.Add("--only and --without: give one of them, not both.");
        }

        if (settings.PerChromosome && json)
        {
            errors.Add("--per-chromosome and --json: the per-chromosome lines are text, which would break the JSON; give one of them.");
        }

        ProcessingChain? acquisition = null;
        if (!string.IsNullOrWhiteSpace(corrections))
        {
            try
            {
                acquisition = ProcessingChain.ParseList(corrections);
            }
            catch (FormatException e)
            {
                errors.Add($"--correct: {e.Message}");
            }
        }

        ProcessingChain? chain = null;
        if (!string.IsNullOrWhiteSpace(steps))
        {
            try
            {
                chain = ProcessingChain.ParseList(steps);
            }
            catch (FormatException e)
            {
                errors.Add($"--process: {e.Message}");
            }
        }

        if (!SeedRange.TryParse(seedText, "--seeds", out var seeds, out var seedError))
        {
            errors.Add(seedError);
        }
        else if (seeds.Count > 1000)
        {
            errors.Add($"--seeds = {seeds}: at most 1000 seeds.");
        }

        var analysisOptions = new AnalysisOptions { EdgeExclusion = edgeExclusion, OutlineFraction = outlineFraction, CoreDepth = settings.CoreDepth, BackgroundCoreReach = settings.BackgroundReach, RimMixingThreshold = settings.RimMixingThreshold, RankCore = true, AlignRowsToSubstrate = !settings.KeepLineOffsets };
        errors.AddRange(analysisOptions.Validate().Select(e => OptionOf(e) + ": " + e));
        if (pixels is < 64 or > 2048 || pixels % 2 != 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--pixels = {pixels}: must be even and in [64, 2048]."));
        }

        if (!(fieldUm > 0.5 && fieldUm <= 200))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--field-um = {fieldUm}: must be in (0.5, 200]."));
        }

        if (!(settings.GainScale > 0 && settings.GainScale <= 1000))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--gain-scale = {settings.GainScale}: must be in (0, 1000]."));
        }
        else if (settings.GainScale != 1 && !settings.ClosedLoop)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--gain-scale = {settings.GainScale}: scales the closed-loop microscope's gains, so it needs --closed-loop."));
        }

        if (!(settings.LineRateHz > 0 && settings.LineRateHz <= 1000))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--line-rate = {settings.LineRateHz}: must be in (0, 1000] lines per second."));
        }

        ModelEntry? entry = null;
        if (modelPath is null)
        {
            // As the host chooses (ModelCatalog.Select): the four channels' model trained nearest the half scan's pixel.
            var folder = Directory.Exists("models") ? "models" : Path.Combine(AppContext.BaseDirectory, "models");
            var catalog = ModelCatalog.Load(folder);
            entry = pixels > 0 && fieldUm > 0 ? catalog.Select(Channels, fieldUm * 1e-6 / (pixels / 2)) : null;
            if (entry is null)
            {
                errors.Add($"--model not given and no model in {folder} takes {string.Join(", ", Channels)}{(catalog.Problems.Count > 0 ? " (" + string.Join(" ", catalog.Problems) + ")" : string.Empty)}.");
            }

            modelPath = entry?.Path ?? folder;
        }
        else if (!File.Exists(modelPath))
        {
            errors.Add($"--model = {modelPath}: no such file.");
        }
        else
        {
            var catalog = ModelCatalog.OfFile(modelPath);
            errors.AddRange(catalog.Problems.Select(p => $"--model = {modelPath}: {p}"));
            entry = catalog.Models.Count > 0 ? catalog.Models[0] : null;
        }

        if (entry is not null && seeds.Count > 0)
        {
            foreach (var key in new[] { "trainSeeds", "validationSeeds" })
            {
                if (entry.Network.Metadata.TryGetValue(key, out var text) && SeedRange.TryParse(text, key, out var used, out _) && used.Overlaps(seeds))
                {
                    errors.Add($"--seeds = {seeds}: overlaps {key} = {used} of model '{entry.Name}'; evaluate on seeds it never saw.");
                }
            }
        }

        if (entry is not null && entry.Network.InputChannels.Except(Channels, StringComparer.Ordinal).FirstOrDefault() is { } unknown)
        {
            errors.Add($"--model = {modelPath}: input channel '{unknown}' is not one the simulator renders ({string.Join(", ", Channels)}).");
        }

        if (errors.Count > 0 || entry is null)
        {
            foreach (var e in errors)
            {
                error.WriteLine("afmedge: " + e);
            }

            return ExitCodes.BadUsageOrConfig;
        }

        // The enhanced row scores the model on the scans --correct makes; a model trained on scans corrected otherwise is
        // scored off its training data (the bundled fusion4 on unleveled heights, say), which the reader should know.
        var trainedOn = TrainCommand.CorrectionsOf(entry.Network);
        if (!string.Equals(trainedOn, acquisition?.Steps ?? string.Empty, StringComparison.Ordinal))
        {
            error.WriteLine($"afmedge: warning: model '{entry.Name}' was trained on scans corrected by {(trainedOn.Length == 0 ? "nothing" : trainedOn)}; " +
                $"--correct here makes them {(acquisition is null ? "uncorrected" : "corrected by " + acquisition.Steps)}, so its row scores it on scans unlike its training scans.");
        }

        StreamWriter? cellsCsv = null;
        if (settings.Cells is { } cellsPath)
        {
            try
            {
                cellsCsv = new StreamWriter(cellsPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"afmedge: --cells = {cellsPath}: cannot write it: {e.Message}");
                return ExitCodes.BadUsageOrConfig;
            }

            cellsCsv.WriteLine(CellValues.Header);
        }

        using var cellsWriter = cellsCsv;
        using var enhancer = EngineFactory.CreateEnhancer("native", entry, 128, Environment.ProcessorCount);
        var variants = new[]
        {
            new Variant("full clean", $"{pixels}² clean fields"),
            new Variant("full scan", $"{pixels}² instrument scan"),
            new Variant("half scan", $"{pixels / 2}² instrument scan, own size"),
            new Variant("bicubic ×2", $"half scan → {pixels}² bicubic"),
            new Variant(entry.Name + " ×2", $"half scan → {pixels}² {entry.Name}"),
        };
        // The same figures against the truth where the tip really was (drift, creep, residual hysteresis and lag move it):
        // what each frame shows, where the nominal grid is what it should have shown.
        var atTip = variants.Select(v => new Variant(v.Name, v.Description)).ToArray();
        var midway = acquisition?.Operations.Any(o => o.Name.StartsWith("register:midpoint", StringComparison.Ordinal)) == true;
        var analyzer = new ChromosomeAnalyzer(analysisOptions);
        var truthRim = settings.WholeTruth ? 0 : analysisOptions.EdgeExclusion;
        var truthChromosomes = 0;
        foreach (var seed in seeds.Seeds())
        {
            var field = fieldUm * 1e-6;
            var specimenOptions = new SpecimenOptions { FieldSizeX = field, FieldSizeY = field, ReferenceGridPixels = pixels };
            var specimen = new ChromosomeSpecimen(seed, specimenOptions);
            var instrument = onlyText is null ? InstrumentEffects.Without(new InstrumentOptions(), ablated) : InstrumentEffects.Only(new InstrumentOptions(), kept);
            var full = GridTruth.Of(specimen, pixels, field, settings.LineRateHz, instrument);
            var half = GridTruth.Of(specimen, pixels / 2, field, settings.LineRateHz, instrument);
            truthChromosomes += full.Truth.Chromosomes.Count(c => c.PixelCount > 0);
            Frame Acquired(GridTruth grid) => settings.ClosedLoop
                ? ClosedLoopScans.Scan(specimenOptions, grid.Scan, instrument, seed, settings.GainScale, acquisition)
                : Scan(specimen, grid.Scan, instrument, seed, acquisition);
            var halfScan = Acquired(half);
            GridTruth[] tipTruths;
            if (settings.ClosedLoop)
            {
                // The closed loop's own piezo and drift place its tip: the renderer's path model does not know where.
                tipTruths = [full, full, half, full, full];
            }
            else
            {
                var fullTip = GridTruth.At(specimen, TipPositions(full.Scan, instrument, midway), instrument);
                var halfPositions = TipPositions(half.Scan, instrument, midway);
                var halfTip = GridTruth.At(specimen, halfPositions, instrument);
                var enlargedTip = GridTruth.At(specimen, halfPositions.Resampled(full.Scan), instrument);
                tipTruths = [full, fullTip, halfTip, enlargedTip, enlargedTip];
            }

            var frames = new (Frame Frame, GridTruth Truth)[]
            {
                (full.Clean, full),
                (Processed(Acquired(full), chain), full),
                (Processed(halfScan, chain), half),
                (Processed(new BicubicUpsampler().Enhance(halfScan), chain), full),
                (Processed(enhancer.Enhance(halfScan), chain), full),
            };
            var fullPixel = field / pixels;
            var scored = new TruthFigures[variants.Length];
            var scoredAtTip = new TruthFigures[variants.Length];
            for (var v = 0; v < variants.Length; v++)
            {
                var (frame, truth) = frames[v];
                var analysis = analyzer.Analyze(frame);
                if (settings.PerChromosome)
                {
                    EvalChromosomeReport.Write(seed, variants[v].Name, analysis, truth.Maps, truth.Truth, specimen.Chromosomes, 0.9, output);
                }

                if (settings.Overlays is { } folder)
                {
                    Directory.CreateDirectory(folder);
                    var name = string.Concat(variants[v].Name.Where(char.IsLetterOrDigit));
                    EvalChromosomeReport.Overlay(analysis, truth.Maps, Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"seed{seed}-{name}.png")));
                }

                scored[v] = TruthFigures.Of(analysis, truth, fullPixel, truthRim);
                variants[v].Add(scored[v]);
                foreach (var cell in scored[v].Values)
                {
                    cellsCsv?.WriteLine(cell.Csv(seed, variants[v].Name));
                }

                // The clean frame's truth at the tip is its own grid's: scored once.
                scoredAtTip[v] = ReferenceEquals(tipTruths[v], truth) ? scored[v] : TruthFigures.Of(analysis, tipTruths[v], fullPixel, truthRim);
                atTip[v].Add(scoredAtTip[v]);
            }

            // The outline apart from splitting: the chromosomes the clean frame segments to IoU >= 0.9 (they lie apart, or
            // are split right), scored alike in every frame.
            var resolved = scored[0].IouIds.Where((_, k) => scored[0].Iou[k] >= 0.9).ToHashSet();
            for (var v = 0; v < variants.Length; v++)
            {
                variants[v].AddResolved(scored[v].IouIds.Zip(scored[v].Iou).Where(p => resolved.Contains(p.First)).Select(p => p.Second));
                atTip[v].AddResolved(scoredAtTip[v].IouIds.Zip(scoredAtTip[v].Iou).Where(p => resolved.Contains(p.First)).Select(p => p.Second));
            }

            // r and the means as read apart from the analysis's own errors: the cells the clean frame reads within bounds
            // (where it does not, its segmentation or placement is wrong on the exact fields, and every frame shares that).
            var cleanRight = scored[0].RimReadErrors.Where(c => c.Error <= 0.05).Select(c => (c.Channel, c.Label)).ToHashSet();
            var cleanMeansRight = scored[0].RimReadMeanErrors.Where(c => c.Error <= 0.02).Select(c => (c.Channel, c.Label)).ToHashSet();
            for (var v = 0; v < variants.Length; v++)
            {
                variants[v].AddCleanRight(
                    scored[v].RimReadErrors.Where(c => cleanRight.Contains((c.Channel, c.Label))),
                    scored[v].RimReadMeanErrors.Where(c => cleanMeansRight.Contains((c.Channel, c.Label))));
            }
        }

        var rows = variants.Select(v => v.Summarize()).ToArray();
        var rowsAtTip = atTip.Select(v => v.Summarize()).ToArray();
        var processing = chain is null ? "none" : chain.Steps;
        var corrected = acquisition is null ? "none" : acquisition.Steps;
        var switchedOff = onlyText is not null ? "all but " + (kept.Count == 0 ? "none" : string.Join(",", kept)) : ablated.Count == 0 ? "none" : string.Join(",", ablated);
        var report = new Report(seeds.ToString(), pixels, fieldUm, (int)seeds.Count, truthChromosomes, entry.Name, corrected, processing, switchedOff, edgeExclusion, outlineFraction, rows, rowsAtTip)
        {
            CoreDepth = analysisOptions.CoreDepth,
            BackgroundCoreReach = analysisOptions.BackgroundCoreReach,
            RimMixingThreshold = analysisOptions.RimMixingThreshold,
            AlignRowsToSubstrate = analysisOptions.AlignRowsToSubstrate,
            LineRateHz = settings.LineRateHz,
            Scanner = settings.ClosedLoop ? "closed-loop" : "renderer",
            WholeTruth = settings.WholeTruth,
        };
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(report, Json));
            return ExitCodes.Ok;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Chromosome analysis vs simulator truth, seeds {seeds} ({seeds.Count} specimens, {truthChromosomes} chromosomes), {pixels}² over {fieldUm} µm at {settings.LineRateHz} lines/s{(settings.ClosedLoop ? " in closed loop" : string.Empty)}; instrument effects off: {switchedOff}; scans corrected on acquisition: {corrected}; instrument frames processed: {processing}; chromosome rim left out of r and means: {edgeExclusion} px{(settings.WholeTruth ? " (the truth over every true pixel)" : string.Empty)}; regions' rims {analysisOptions.CoreDepth} px deep for r's core (the background's as far as the chromosomes reach into it, up to {analysisOptions.BackgroundCoreReach} px); outline at {outlineFraction} of the crest height; {(analysisOptions.AlignRowsToSubstrate ? "line offsets taken out against the substrate where a channel's lines are offset" : "line offsets kept")}; centromere error in {pixels}² pixels"));
        WriteTable(rows, output);

        output.WriteLine("  IoU: each true chromosome against the found object overlapping it most; centromere, labels, r and means on the chromosomes measured");
        output.WriteLine("  (IoU >= 0.5, not a cluster); r and means per region (background, p arm, centromere, q arm) × channel, truth from the clean fields.");
        output.WriteLine("  IoU on the chromosomes the clean frame segments to >= 0.9 (apart, or split right; the outline without the splitting): "
            + string.Join(", ", rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Frame} med {r.ResolvedIouMedian:F3} ≥0.9 {r.ResolvedIouAbove09:P0} of {r.ResolvedChromosomes}"))));
        output.WriteLine("  labels with p and q as one arm where the analysis left the arms unassigned (nearly equal: which it calls p is a guess): "
            + string.Join(", ", rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Frame} {r.LabelAccuracyArmsAsOne:P1}"))));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  labels with p and q as one arm on the chromosomes whose true arms differ by less than the arm tolerance ({analysisOptions.ArmTolerance * 1e6:0.###} µm: below it the analysis does not call p and q): ")
            + string.Join(", ", rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Frame} {r.LabelAccuracyUnresolvedArmsAsOne:P1}"))));
        output.WriteLine("  arm lengths: |error| of the q − p difference, median and max, µm; of the chromosomes whose arms the analysis assigned, how many the wrong way round: "
            + string.Join(", ", rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Frame} {r.ArmDifferenceErrorMedian * 1e6:F3} / {r.ArmDifferenceErrorMax * 1e6:F2}, {r.ArmsFlipped} of {r.ArmsAssigned}"))));
        if (settings.ClosedLoop)
        {
            output.WriteLine("  (closed loop: where its tip really was is not known here, so there is no table against the truth at the tip)");
        }
        else
        {
            output.WriteLine("  The same against the truth where the tip really was (IdealScan.TipPositions: drift, creep, and what registration leaves of hysteresis and lag move");
            output.WriteLine("  it; with register:midpoint in the corrections, midway between trace and retrace; enlarged frames carry the half scan's displacement): what the");
            output.WriteLine("  frame shows. The table above (the nominal grid) also counts the instrument's drift, which one frame cannot undo.");
            WriteTable(rowsAtTip, output);
            output.WriteLine("  at the tip, IoU on the chromosomes the clean frame resolves: "
                + string.Join(", ", rowsAtTip.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Frame} med {r.ResolvedIouMedian:F3} ≥0.9 {r.ResolvedIouAbove09:P0}"))));
            output.WriteLine("  at the tip, labels with p and q as one arm where the true arms differ by less than the arm tolerance: "
                + string.Join(", ", rowsAtTip.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Frame} {r.LabelAccuracyUnresolvedArmsAsOne:P1}"))));
        }

        output.WriteLine("  r corrected for noise attenuation (NoiseAttenuation: noise σ from trace − retrace, written by merge-retrace; raw r where no noise is known):");
        foreach (var r in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {r.Frame,-15} |Δr| med {r.PearsonCorrectedErrorMedian,6:F3}  max {r.PearsonCorrectedErrorMax,5:F2}  ≤0.05 {r.PearsonCorrectedWithin005,5:P0}  ({r.PearsonCorrectedCount} of the r corrected)"));
        }

        output.WriteLine("  r and means as the frame's rim mixing says to read them (RimMixing: where a frame's rims are mixed, pearsonFromCore and meanFromCore,");
        output.WriteLine("  the rim's fields taken from the line against height through the pairs off the first ring, or the core's where the rest of the rim is pulled too;");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  elsewhere r and the means above; mixed: a score above {analysisOptions.RimMixingThreshold}):"));
        foreach (var r in rows)
        {
            var m = r.RimRead;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {r.Frame,-15} mixed {m.Mixed,2} of {m.Frames,-2} (score {m.ScoreMin,5:F2} to {m.ScoreMax,5:F2}; line off ring 1 in {m.LineOffFirstRing,2})  |Δr| med {m.PearsonErrorMedian,6:F3}  max {m.PearsonErrorMax,5:F2}  ≤0.05 {m.PearsonWithin005,5:P0}   |mean err| med {m.MeanErrorMedian,6:P2}  max {m.MeanErrorMax,6:P1}  ≤2% {m.MeanWithin2Percent,5:P0}"));
        }

        output.WriteLine("  the same on the cells the clean frame of each seed reads within bounds (r within 0.05, the mean within 2 %; elsewhere the analysis's own");
        output.WriteLine("  segmentation or placement is off on the exact fields, merging stacked chromosomes above all, and every frame shares that):");
        foreach (var r in rows)
        {
            var c = r.RimReadCleanRight;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {r.Frame,-15} |Δr| med {c.PearsonErrorMedian,6:F3}  ≤0.05 {c.PearsonWithin005,5:P0} of {c.PearsonCells,4} cells   |mean err| med {c.MeanErrorMedian,6:P2}  ≤2% {c.MeanWithin2Percent,5:P0} of {c.MeanCells,4} cells"));
        }

        output.WriteLine("  lines aligned to the substrate before the statistics (RowOffsets: each line less its mean over the substrate where the substrate's level jumps from");
        output.WriteLine("  line to line over RowJumpThreshold times as much as from column to column), per channel in how many frames, and that ratio's range:");
        foreach (var r in rows)
        {
            output.WriteLine($"  {r.Frame,-15} {string.Join(",  ", r.LinesAligned)}");
        }

        output.WriteLine("  r's intervals in the summary: how often each holds the true r, and its median half-width; the bootstrap's 95 % (pearsonLow/High),");
        output.WriteLine("  and with the rim's uncertainty (pearsonSpanLow/High: widened to take in r over the regions' cores, off their mixed rims);");
        output.WriteLine("  the same for the differences of r between regions (pearsonDifferenceLow/High, pearsonDifferenceSpanLow/High):");
        foreach (var r in rows)
        {
            output.WriteLine($"  {r.Frame,-15} r: bootstrap {r.PearsonIntervals}   with the rim {r.PearsonSpans}");
            output.WriteLine($"  {string.Empty,-15} differences: bootstrap {r.DifferenceIntervals}   with the rim {r.DifferenceSpans}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {string.Empty,-15} Spearman's ρ: bootstrap {r.SpearmanIntervals}   with the rim {r.SpearmanSpans}   |Δρ| med {r.SpearmanErrorMedian:F3}, ≤0.05 {r.SpearmanWithin005:P0}"));
        }

        if (breakdown)
        {
            WriteBreakdown(rows, output);
        }

        return ExitCodes.Ok;
    }

    private static void WriteTable(IEnumerable<Row> rows, TextWriter output)
    {
        output.WriteLine("  frame            IoU med   min   ≥0.9   centromere med   max  ≤3px   labels   |Δr| med   max  ≤0.05   |mean err| med    max   ≤2%");
        foreach (var r in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {r.Frame,-15} {r.IouMedian,7:F3} {r.IouMin,5:F2} {r.IouAbove09,6:P0}   {r.CentromereMedianPx,10:F2} px {r.CentromereMaxPx,5:F1} {r.CentromereWithin3Px,5:P0}   {r.LabelAccuracy,6:P1}   {r.PearsonErrorMedian,8:F3} {r.PearsonErrorMax,5:F2} {r.PearsonWithin005,6:P0}   {r.MeanErrorMedian,14:P2} {r.MeanErrorMax,6:P1} {r.MeanWithin2Percent,5:P0}"));
        }
    }

    /// <summary>Where the scan's pixels really were: the trace's path, or midway between trace and retrace where the corrections register them there.</summary>
    private static ScanPositions TipPositions(ScanSettings scan, InstrumentOptions instrument, bool midway)
    {
        var trace = IdealScan.TipPositions(scan, instrument, ScanDirection.Trace);
        return midway ? ScanPositions.Midway(trace, IdealScan.TipPositions(scan, instrument, ScanDirection.Retrace)) : trace;
    }

    /// <summary>The command-line option behind an <see cref="AnalysisOptions"/> error (which names the property first).</summary>
    private static string OptionOf(string error) =>
        error.StartsWith(nameof(AnalysisOptions.OutlineFraction), StringComparison.Ordinal) ? "--outline-fraction"
        : error.StartsWith(nameof(AnalysisOptions.CoreDepth), StringComparison.Ordinal) ? "--core-depth"
        : error.StartsWith(nameof(AnalysisOptions.BackgroundCoreReach), StringComparison.Ordinal) ? "--background-reach"
        : error.StartsWith(nameof(AnalysisOptions.RimMixingThreshold), StringComparison.Ordinal) ? "--rim-mixing-threshold"
        : "--edge-exclusion";

    private static Frame Processed(Frame frame, ProcessingChain? chain) => chain is null ? frame : chain.Apply(frame);

    /// <summary>The instrument scan as acquired: with corrections, rendered with its retrace (which they may need) and returned without it.</summary>
    private static Frame Scan(ChromosomeSpecimen specimen, ScanSettings scan, InstrumentOptions instrument, long seed, ProcessingChain? corrections)
    {
        var frame = IdealScan.Render(specimen, scan, instrument, new RenderOptions { IncludeRetrace = corrections is not null, NoiseSeed = seed });
        return corrections is null ? frame : ClosedLoopScans.TraceOnly(corrections.Apply(frame));
    }

    /// <summary>The truth of one specimen on one grid: its clean fields, label maps and chromosomes.</summary>
    private sealed record GridTruth(ScanSettings Scan, Frame Clean, TruthMaps Maps, SpecimenTruth Truth)
    {
        public static GridTruth Of(ChromosomeSpecimen specimen, int pixels, double field, double lineRateHz, InstrumentOptions instrument)
        {
            var scan = new ScanSettings { SizeX = field, SizeY = field, PixelsX = pixels, PixelsY = pixels, LineRateHz = lineRateHz };
            var clean = IdealScan.Render(specimen, scan, instrument, new RenderOptions { Clean = true, IncludeRetrace = false });
            var maps = TruthMaps.Render(specimen, scan);
            return new GridTruth(scan, clean, maps, SpecimenTruth.Compute(specimen, scan, instrument, true, clean, maps));
        }

        /// <summary>The truth at the pixels' real positions: fields and labels sampled there, each centromere where the frame shows it.</summary>
        public static GridTruth At(ChromosomeSpecimen specimen, ScanPositions positions, InstrumentOptions instrument)
        {
            var (clean, maps) = positions.RenderCleanAndTruth(specimen);
            var truth = SpecimenTruth.Compute(specimen, positions.Scan, instrument, true, clean, maps);

            // A point the tip passed displaced by d appears at its own position less d (to first order: d varies slowly).
            var chromosomes = truth.Chromosomes.Select(c =>
            {
                var (du, dv) = positions.DisplacementAt(c.Centromere.X, c.Centromere.Y);
                return c with { Centromere = new PointM(c.Centromere.X - du, c.Centromere.Y - dv) };
            }).ToList();
            return new GridTruth(positions.Scan, clean, maps, truth with { Chromosomes = chromosomes });
        }
    }

    /// <summary>One frame's figures against its truth.</summary>
    private sealed record TruthFigures(
        List<double> Iou, List<double> CentromerePx, long LabelsRight, long LabelsMeasured, List<Cell> PearsonErrors, List<Cell> CorrectedErrors, List<Cell> MeanErrors)
    {
        /// <summary>The true chromosome of each <see cref="Iou"/>, in the same order.</summary>
        public required List<int> IouIds { get; init; }

        /// <summary>Labels right when p and q count as one arm on the chromosomes whose arms the analysis left unassigned.</summary>
        public long LabelsRightArmsAsOne { get; init; }

        /// <summary>Labels right when p and q count as one arm on the chromosomes whose true arms differ by less than the analysis's arm tolerance.</summary>
        public long LabelsRightUnresolvedArmsAsOne { get; init; }

        /// <summary>Per chromosome measured: the q − p arm-length difference measured (oriented by which true telomere the found p tip is nearer) less the true one, metres.</summary>
        public List<double> ArmDifferenceErrors { get; } = [];

        /// <summary>Per channel and pair of regions (a &lt; b, label 4a + b): the difference of r measured − true, with its intervals.</summary>
        public List<Cell> DifferenceErrors { get; } = [];

        /// <summary>Per channel and region: Spearman's ρ measured − true, with its intervals.</summary>
        public List<Cell> SpearmanErrors { get; } = [];

        /// <summary>Per channel and region: r and the mean as the frame's rim mixing says to read them (RimMixing), measured − true.</summary>
        public List<Cell> RimReadErrors { get; } = [];

        public List<Cell> RimReadMeanErrors { get; } = [];

        /// <summary>Every cell scored, its truth beside what the analysis measured and what it reads (for --cells).</summary>
        public List<CellValues> Values { get; } = [];

        /// <summary>The frame's RimMixing score (NaN where none) and whether it judged the rims mixed.</summary>
        public double RimScore { get; set; } = double.NaN;

        public bool RimMixed { get; set; }

        /// <summary>Whether the line against height went through every pair off the first ring (RimMixing.LineDepth 1).</summary>
        public bool LineOffFirstRing { get; set; }

        /// <summary>Each channel's line offsets as the analysis judged them before its statistics (RowOffsets).</summary>
        public IReadOnlyList<RowOffsets> RowOffsets { get; set; } = [];

        /// <summary>Chromosomes whose arms the analysis assigned, and of those the ones it called the wrong way round.</summary>
        public int ArmsAssigned { get; set; }

        public int ArmsFlipped { get; set; }

        /// <param name="truthRim">How deep a rim the truth leaves out of each true chromosome (the analysis's own, or 0 for the whole regions).</param>
        public static TruthFigures Of(ChromosomeAnalysis analysis, GridTruth truth, double fullPixel, int truthRim)
        {
            var ids = truth.Maps.Instances.Span;
            var trueLabels = truth.Maps.Labels.Span;
            var found = analysis.Segmentation.Instances;
            var maxId = 0;
            foreach (var c in truth.Truth.Chromosomes)
            {
                maxId = Math.Max(maxId, c.Id);
            }

            var overlap = new ObjectOverlap(ids, found, maxId, analysis.Chromosomes.Count);
            var figures = new TruthFigures([], [], 0, 0, [], [], [])
            {
                IouIds = [],
                RimScore = analysis.RimMixing?.Score ?? double.NaN,
                RimMixed = analysis.RimMixing?.Mixed == true,
                LineOffFirstRing = analysis.RimMixing?.LineDepth == 1,
                RowOffsets = analysis.RowOffsets,
            };
            var measured = new HashSet<int>();
            var armsKnown = new HashSet<int>();
            var tolerance = analysis.Options.ArmTolerance;
            var armsUnresolved = truth.Truth.Chromosomes.Where(c => Math.Abs(c.QArmLength - c.PArmLength) < tolerance).Select(c => c.Id).ToHashSet();
            foreach (var chromosome in truth.Truth.Chromosomes.Where(c => c.PixelCount > 0))
            {
                var (best, iou) = overlap.Match(chromosome.Id, chromosome.PixelCount);
                figures.IouIds.Add(chromosome.Id);
                figures.Iou.Add(iou);
                if (best < 0)
                {
                    continue;
                }

                var match = analysis.Chromosomes[best];
                if (iou < 0.5 || match.IsCluster)
                {
                    continue;
                }

                measured.Add(chromosome.Id);
                if (match.ArmsAssigned)
                {
                    armsKnown.Add(chromosome.Id);
                }

                // The found axis runs from its p tip: nearer the true p telomere than the true q telomere means the right way round.
                var (pTip, trueP, trueQ) = (match.Axis[0], chromosome.Axis[0], chromosome.Axis[^1]);
                var rightWay = Math.Pow(pTip.X - trueP.X, 2) + Math.Pow(pTip.Y - trueP.Y, 2) <= Math.Pow(pTip.X - trueQ.X, 2) + Math.Pow(pTip.Y - trueQ.Y, 2);
                var difference = (rightWay ? 1 : -1) * (match.QArmLength - match.PArmLength);
                figures.ArmDifferenceErrors.Add(difference - (chromosome.QArmLength - chromosome.PArmLength));
                figures.ArmsAssigned += match.ArmsAssigned ? 1 : 0;
                figures.ArmsFlipped += match.ArmsAssigned && !rightWay ? 1 : 0;

                figures.CentromerePx.Add(Math.Sqrt(Math.Pow(match.Centromere.X - chromosome.Centromere.X, 2) + Math.Pow(match.Centromere.Y - chromosome.Centromere.Y, 2)) / fullPixel);
            }

            var labels = analysis.Labels;
            long right = 0, inside = 0, rightArms = 0, rightUnresolved = 0;
            for (var i = 0; i < ids.Length; i++)
            {
                if (measured.Contains(ids[i]))
                {
                    inside++;
                    var same = labels[i] == trueLabels[i];
                    right += same ? 1 : 0;

                    // Where the analysis says it cannot tell p from q (arms of nearly equal length), which side it labels p is a guess.
                    var bothArms = labels[i] is 1 or 3 && trueLabels[i] is 1 or 3;
                    rightArms += same || (!armsKnown.Contains(ids[i]) && bothArms) ? 1 : 0;

                    // True arms closer in length than the analysis measures arm lengths (its ArmTolerance): which is the shorter is
                    // a coin toss on a scan, whatever the analysis says of it; the truth decides which chromosomes, not the analysis.
                    rightUnresolved += same || (armsUnresolved.Contains(ids[i]) && bothArms) ? 1 : 0;
                }
            }

            figures = figures with { LabelsRight = right, LabelsMeasured = inside, LabelsRightArmsAsOne = rightArms, LabelsRightUnresolvedArmsAsOne = rightUnresolved };
            Regional(analysis, truth, measured, armsKnown, truthRim, figures);
            return figures;
        }

        /// <summary>Per region and channel: measured r and mean against those of the clean fields over the same chromosomes' true regions (less their rim when the analysis leaves its rim out).</summary>
        private static void Regional(ChromosomeAnalysis analysis, GridTruth truth, HashSet<int> measured, HashSet<int> armsKnown, int truthRim, TruthFigures figures)
        {
            var ids = truth.Maps.Instances.Span;
            var trueLabels = truth.Maps.Labels.Span;
            var height = truth.Clean.GetChannel("Height").Data;

            // The analysis leaves each chromosome's rim out of its statistics (mixed pixels): the truth leaves out the true rim alike.
            var rim = MixedEdges.Rim(ids, truth.Scan.PixelsX, truth.Scan.PixelsY, truthRim);
            var attenuated = NoiseAttenuation.Correct(analysis);
            var rimMixed = analysis.RimMixing?.Mixed == true;
            // Each true region's pixels (in raster order), the same for every channel, and their heights' ranks once each.
            var members = new List<int>[4];
            for (var label = 0; label < 4; label++)
            {
                members[label] = [];
                for (var i = 0; i < ids.Length; i++)
                {
                    if (trueLabels[i] == label && !rim[i] && (label == 0 ? ids[i] == 0 : (label == 2 ? measured : armsKnown).Contains(ids[i])))
                    {
                        members[label].Add(i);
                    }
                }
            }

            var heightRanks = new double[]?[4];
            foreach (var channel in Channels)
            {
                var data = truth.Clean.GetChannel(channel).Data;
                var means = new double[4];
                var pearson = new double[4];
                var spearman = new double[4];
                var counts = new int[4];
                for (var label = 0; label < 4; label++)
                {
                    double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
                    foreach (var i in members[label])
                    {
                        double x = height[i], y = data[i];
                        n++;
                        sx += x;
                        sy += y;
                        sxx += x * x;
                        syy += y * y;
                        sxy += x * y;
                    }

                    counts[label] = (int)n;
                    means[label] = n > 0 ? sy / n : double.NaN;
                    var vx = sxx - (sx * sx / n);
                    var vy = syy - (sy * sy / n);
                    pearson[label] = n >= 3 && vx > 0 && vy > 0 ? (sxy - (sx * sy / n)) / Math.Sqrt(vx * vy) : double.NaN;
                    spearman[label] = channel != "Height" && n >= 3
                        ? RankCorrelation(heightRanks[label] ??= Ranks(height, members[label]), Ranks(data, members[label]))
                        : double.NaN;
                }

                // Relative error, against the channel's largest region mean where the true mean is near zero (substrate height).
                var scale = means.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
                for (var label = 0; label < 4; label++)
                {
                    if (counts[label] < 3)
                    {
                        continue;
                    }

                    var region = Regions.ByLabel[label];
                    var found = channel == "Height" ? null : analysis.Correlations.FirstOrDefault(c => c.Region == region && c.Channel == channel);
                    var measuredMean = analysis.Statistics.FirstOrDefault(s => s.Region == region && s.Channel == channel)?.Mean;
                    var relative = Math.Max(Math.Abs(means[label]), 0.05 * scale);

                    // r and the mean as the frame's rim mixing says to read them: from the core's line where the rims are mixed.
                    var readR = rimMixed && found?.PearsonFromCore is { } rFromCore ? rFromCore : found?.Pearson;
                    var readMean = rimMixed && found?.MeanFromCore is { } meanFromCore ? meanFromCore : measuredMean;
                    figures.Values.Add(new CellValues(channel, label, counts[label], pearson[label], found?.Pearson, readR, means[label], measuredMean, readMean, relative));
                    if (measuredMean is { } mean)
                    {
                        figures.MeanErrors.Add(new Cell(channel, label, (mean - means[label]) / relative));
                        figures.RimReadMeanErrors.Add(new Cell(channel, label, (readMean!.Value - means[label]) / relative));
                    }

                    if (double.IsFinite(pearson[label]) && found is { Pearson: { } r })
                    {
                        figures.PearsonErrors.Add(new Cell(channel, label, r - pearson[label])
                        {
                            Interval = Interval(found.PearsonLow, found.PearsonHigh, pearson[label]),
                            Span = Interval(found.PearsonSpanLow, found.PearsonSpanHigh, pearson[label]),
                        });
                        var corrected = attenuated.FirstOrDefault(a => a.Region == region && a.Channel == channel)?.Corrected;
                        figures.CorrectedErrors.Add(new Cell(channel, label, (corrected ?? r) - pearson[label]) { Corrected = corrected is not null });
                        figures.RimReadErrors.Add(new Cell(channel, label, readR!.Value - pearson[label]));
                    }

                    if (double.IsFinite(spearman[label]) && found is { Spearman: { } rho })
                    {
                        figures.SpearmanErrors.Add(new Cell(channel, label, rho - spearman[label])
                        {
                            Interval = Interval(found.SpearmanLow, found.SpearmanHigh, spearman[label]),
                            Span = Interval(found.SpearmanSpanLow, found.SpearmanSpanHigh, spearman[label]),
                        });
                    }
                }

                // The regions' differences of r (region b − region a) against the true ones, with their intervals.
                for (var a = 0; a < 4; a++)
                {
                    for (var b = a + 1; b < 4; b++)
                    {
                        var (regionA, regionB) = (Regions.ByLabel[a], Regions.ByLabel[b]);
                        if (channel == "Height" || counts[a] < 3 || counts[b] < 3 || !double.IsFinite(pearson[a]) || !double.IsFinite(pearson[b])
                            || analysis.Differences.FirstOrDefault(d => d.Channel == channel && d.RegionA == regionA && d.RegionB == regionB) is not { PearsonDifference: { } measuredDifference } difference)
                        {
                            continue;
                        }

                        var trueDifference = pearson[b] - pearson[a];
                        figures.DifferenceErrors.Add(new Cell(channel, (4 * a) + b, measuredDifference - trueDifference)
                        {
                            Interval = Interval(difference.PearsonDifferenceLow, difference.PearsonDifferenceHigh, trueDifference),
                            Span = Interval(difference.PearsonDifferenceSpanLow, difference.PearsonDifferenceSpanHigh, trueDifference),
                        });
                    }
                }
            }
        }
    }

    /// <summary>Spearman's ρ from two rankings of the same pixels (1-based, ties averaged): r of the ranks. NaN without spread.</summary>
    private static double RankCorrelation(double[] x, double[] y)
    {
        double mean = (x.Length + 1) / 2.0, sxx = 0, syy = 0, sxy = 0;
        for (var k = 0; k < x.Length; k++)
        {
            sxx += (x[k] - mean) * (x[k] - mean);
            syy += (y[k] - mean) * (y[k] - mean);
            sxy += (x[k] - mean) * (y[k] - mean);
        }

        return sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : double.NaN;
    }

    /// <summary>The ranks of <paramref name="values"/> at <paramref name="members"/>, in the members' order: 1-based, ties averaged.</summary>
    private static double[] Ranks(ReadOnlySpan<float> values, List<int> members)
    {
        var keys = new float[members.Count];
        for (var k = 0; k < keys.Length; k++)
        {
            keys[k] = values[members[k]];
        }

        var order = Enumerable.Range(0, keys.Length).ToArray();
        Array.Sort((float[])keys.Clone(), order);
        var ranks = new double[keys.Length];
        for (var start = 0; start < order.Length;)
        {
            var end = start + 1;
            while (end < order.Length && keys[order[end]] == keys[order[start]])
            {
                end++;
            }

            for (var k = start; k < end; k++)
            {
                ranks[order[k]] = 0.5 * (start + end + 1);
            }

            start = end;
        }

        return ranks;
    }

    /// <summary>Whether a reported 95 % interval holds the true value, and its half-width; null where no interval was reported (too few pixels, bootstrap off).</summary>
    private static (bool Holds, double HalfWidth)? Interval(double? low, double? high, double truth) =>
        low is { } l && high is { } h ? (l <= truth && truth <= h, 0.5 * (h - l)) : null;

    /// <summary>One (channel, region) of one frame: the true region's pixel count, r and mean, the analysis's as measured and as read, and the scale its mean error is relative to.</summary>
    private sealed record CellValues(string Channel, int Label, int TrueCount, double TrueR, double? R, double? ReadR, double TrueMean, double? Mean, double? ReadMean, double MeanScale)
    {
        public const string Header = "seed,frame,channel,region,true_count,true_r,r,r_read,true_mean,mean,mean_read,mean_scale";

        public string Csv(long seed, string frame) => string.Join(',',
            seed.ToString(CultureInfo.InvariantCulture), frame, Channel, Regions.ByLabel[Label], TrueCount.ToString(CultureInfo.InvariantCulture),
            Number(TrueR), Number(R), Number(ReadR), Number(TrueMean), Number(Mean), Number(ReadMean), Number(MeanScale));

        private static string Number(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : string.Empty;
    }

    /// <summary>One (channel, region) error of one frame: r measured − true, or the mean's error relative to its scale; signed.</summary>
    private sealed record Cell(string Channel, int Label, double Signed)
    {
        public double Error => Math.Abs(Signed);

        /// <summary>For r, ρ or a difference of r: whether the analysis's bootstrap 95 % interval holds the true value, and its half-width (null: no interval).</summary>
        public (bool Holds, double HalfWidth)? Interval { get; init; }

        /// <summary>The same for the interval with the rim's uncertainty (<see cref="RegionCorrelation.PearsonSpanLow"/> and its kin).</summary>
        public (bool Holds, double HalfWidth)? Span { get; init; }

        /// <summary>For r corrected for noise attenuation: whether a correction applied (else the raw r stands).</summary>
        public bool Corrected { get; init; }
    }

    /// <summary>The figures of one kind of frame, pooled over the seeds.</summary>
    private sealed class Variant(string name, string description)
    {
        public string Name => name;

        public string Description => description;

        private readonly List<double> _iou = [];
        private readonly List<double> _iouResolved = [];
        private readonly List<double> _centromere = [];
        private readonly List<Cell> _pearson = [];
        private readonly List<Cell> _corrected = [];
        private readonly List<Cell> _means = [];
        private readonly List<Cell> _differences = [];
        private readonly List<Cell> _spearman = [];
        private readonly List<Cell> _rimRead = [];
        private readonly List<Cell> _rimReadMeans = [];
        private readonly List<double> _rimScores = [];
        private int _rimMixed;
        private int _lineOffFirstRing;
        private readonly List<RowOffsets> _rowOffsets = [];
        private readonly List<Cell> _cleanRightRead = [];
        private readonly List<Cell> _cleanRightMeans = [];
        private long _labelsRight;
        private long _labelsRightArmsAsOne;
        private long _labelsRightUnresolved;
        private readonly List<double> _armErrors = [];
        private int _armsAssigned;
        private int _armsFlipped;
        private long _labelsMeasured;

        public void Add(TruthFigures figures)
        {
            _iou.AddRange(figures.Iou);
            _centromere.AddRange(figures.CentromerePx);
            _pearson.AddRange(figures.PearsonErrors);
            _corrected.AddRange(figures.CorrectedErrors);
            _means.AddRange(figures.MeanErrors);
            _labelsRight += figures.LabelsRight;
            _labelsRightArmsAsOne += figures.LabelsRightArmsAsOne;
            _labelsRightUnresolved += figures.LabelsRightUnresolvedArmsAsOne;
            _armErrors.AddRange(figures.ArmDifferenceErrors.Select(Math.Abs));
            _differences.AddRange(figures.DifferenceErrors);
            _spearman.AddRange(figures.SpearmanErrors);
            _rimRead.AddRange(figures.RimReadErrors);
            _rimReadMeans.AddRange(figures.RimReadMeanErrors);
            _rimScores.Add(figures.RimScore);
            _rimMixed += figures.RimMixed ? 1 : 0;
            _lineOffFirstRing += figures.LineOffFirstRing ? 1 : 0;
            _rowOffsets.AddRange(figures.RowOffsets);
            _armsAssigned += figures.ArmsAssigned;
            _armsFlipped += figures.ArmsFlipped;
            _labelsMeasured += figures.LabelsMeasured;
        }

        public void AddResolved(IEnumerable<double> iou) => _iouResolved.AddRange(iou);

        /// <summary>The frame's r and means as read on the cells the clean frame of the same seed reads within bounds.</summary>
        public void AddCleanRight(IEnumerable<Cell> pearson, IEnumerable<Cell> means)
        {
            _cleanRightRead.AddRange(pearson);
            _cleanRightMeans.AddRange(means);
        }

        public Row Summarize()
        {
            var pearson = _pearson.Select(c => c.Error).ToList();
            var corrected = _corrected.Select(c => c.Error).ToList();
            var means = _means.Select(c => c.Error).ToList();
            var (intervals, spans) = Intervals(_pearson);
            var (differenceIntervals, differenceSpans) = Intervals(_differences);
            var (spearmanIntervals, spearmanSpans) = Intervals(_spearman);
            var spearman = _spearman.Select(c => c.Error).ToList();
            var rimRead = _rimRead.Select(c => c.Error).ToList();
            var rimReadMeans = _rimReadMeans.Select(c => c.Error).ToList();
            var rimScores = _rimScores.Where(double.IsFinite).ToList();
            var breakdown = new List<BreakdownRow>();
            foreach (var channel in Channels)
            {
                for (var label = 0; label < 4; label++)
                {
                    var r = _pearson.Where(c => c.Channel == channel && c.Label == label).ToList();
                    var rc = _corrected.Where(c => c.Channel == channel && c.Label == label).ToList();
                    var m = _means.Where(c => c.Channel == channel && c.Label == label).ToList();
                    var rr = _rimRead.Where(c => c.Channel == channel && c.Label == label).ToList();
                    var rm = _rimReadMeans.Where(c => c.Channel == channel && c.Label == label).ToList();
                    breakdown.Add(new BreakdownRow(channel, Regions.ByLabel[label], r.Count,
                        Median([.. r.Select(c => c.Signed)]), Median([.. r.Select(c => c.Error)]), Max([.. r.Select(c => c.Error)]),
                        Median([.. rc.Select(c => c.Signed)]), Median([.. rc.Select(c => c.Error)]),
                        m.Count, Median([.. m.Select(c => c.Signed)]), Median([.. m.Select(c => c.Error)]), Max([.. m.Select(c => c.Error)]))
                    {
                        RimReadBiasMedian = Median([.. rr.Select(c => c.Signed)]),
                        RimReadErrorMedian = Median([.. rr.Select(c => c.Error)]),
                        RimReadMeanBiasMedian = Median([.. rm.Select(c => c.Signed)]),
                        RimReadMeanErrorMedian = Median([.. rm.Select(c => c.Error)]),
                    });
                }
            }

            return new(
                name, description, _iou.Count, Median(_iou), Min(_iou), Share(_iou, v => v >= 0.9),
                _iouResolved.Count, Median(_iouResolved), Share(_iouResolved, v => v >= 0.9),
                _centromere.Count, Median(_centromere), Max(_centromere), Share(_centromere, v => v <= 3),
                _labelsMeasured > 0 ? _labelsRight / (double)_labelsMeasured : double.NaN,
                _labelsMeasured > 0 ? _labelsRightArmsAsOne / (double)_labelsMeasured : double.NaN,
                _labelsMeasured > 0 ? _labelsRightUnresolved / (double)_labelsMeasured : double.NaN,
                Median(_armErrors), Max(_armErrors), _armErrors.Count, _armsAssigned, _armsFlipped,
                Median(pearson), Max(pearson), Share(pearson, v => v <= 0.05),
                Median(means), Max(means), Share(means, v => v <= 0.02),
                _corrected.Count(c => c.Corrected), Median(corrected), Max(corrected), Share(corrected, v => v <= 0.05),
                intervals, spans, differenceIntervals, differenceSpans, breakdown)
            {
                SpearmanErrorMedian = Median(spearman),
                SpearmanWithin005 = Share(spearman, v => v <= 0.05),
                SpearmanIntervals = spearmanIntervals,
                SpearmanSpans = spearmanSpans,
                RimRead = new RimRead(_rimScores.Count, _rimMixed, _lineOffFirstRing, Min(rimScores), Max(rimScores),
                    Median(rimRead), Max(rimRead), Share(rimRead, v => v <= 0.05),
                    Median(rimReadMeans), Max(rimReadMeans), Share(rimReadMeans, v => v <= 0.02)),
                RimReadCleanRight = CleanRightOf(),
                LinesAligned = [.. _rowOffsets.GroupBy(o => o.Channel).Select(g =>
                {
                    var ratios = g.Where(o => o.JumpRatio is not null).Select(o => o.JumpRatio!.Value).ToList();
                    return new LinesAligned(g.Key, g.Count(), g.Count(o => o.Aligned), Min(ratios), Max(ratios));
                })],
            };
        }

        private CleanRight CleanRightOf()
        {
            var pearson = _cleanRightRead.Select(c => c.Error).ToList();
            var means = _cleanRightMeans.Select(c => c.Error).ToList();
            return new(pearson.Count, Median(pearson), Share(pearson, v => v <= 0.05), means.Count, Median(means), Share(means, v => v <= 0.02));
        }

        /// <summary>The cells' bootstrap intervals and intervals with the rim, each as how often it holds the truth and its median half-width.</summary>
        private static (Coverage Intervals, Coverage Spans) Intervals(List<Cell> cells) =>
            (CoverageOf([.. cells.Where(c => c.Interval is not null).Select(c => c.Interval!.Value)]),
             CoverageOf([.. cells.Where(c => c.Span is not null).Select(c => c.Span!.Value)]));

        private static Coverage CoverageOf(List<(bool Holds, double HalfWidth)> intervals) =>
            new(intervals.Count, Share([.. intervals.Select(i => i.Holds ? 1.0 : 0.0)], v => v > 0), Median([.. intervals.Select(i => i.HalfWidth)]));

        private static double Median(List<double> values)
        {
            if (values.Count == 0)
            {
                return double.NaN;
            }

            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]);
        }

        private static double Min(List<double> values) => values.Count == 0 ? double.NaN : values.Min();

        private static double Max(List<double> values) => values.Count == 0 ? double.NaN : values.Max();

        private static double Share(List<double> values, Func<double, bool> ok) => values.Count == 0 ? double.NaN : values.Count(ok) / (double)values.Count;
    }

    private sealed record Row(
        string Frame, string Description, int Chromosomes, double IouMedian, double IouMin, double IouAbove09,
        int ResolvedChromosomes, double ResolvedIouMedian, double ResolvedIouAbove09,
        int Measured, double CentromereMedianPx, double CentromereMaxPx, double CentromereWithin3Px, double LabelAccuracy, double LabelAccuracyArmsAsOne, double LabelAccuracyUnresolvedArmsAsOne,
        double ArmDifferenceErrorMedian, double ArmDifferenceErrorMax, int ArmsMeasured, int ArmsAssigned, int ArmsFlipped,
        double PearsonErrorMedian, double PearsonErrorMax, double PearsonWithin005,
        double MeanErrorMedian, double MeanErrorMax, double MeanWithin2Percent,
        int PearsonCorrectedCount, double PearsonCorrectedErrorMedian, double PearsonCorrectedErrorMax, double PearsonCorrectedWithin005,
        Coverage PearsonIntervals, Coverage PearsonSpans, Coverage DifferenceIntervals, Coverage DifferenceSpans,
        IReadOnlyList<BreakdownRow> Breakdown)
    {
        /// <summary>|ρ measured − true|, median over every (channel, region) cell, and the share within 0.05.</summary>
        public double SpearmanErrorMedian { get; init; }

        public double SpearmanWithin005 { get; init; }

        /// <summary>How often Spearman's intervals hold the true ρ: the bootstrap's, and with the rim's uncertainty.</summary>
        public required Coverage SpearmanIntervals { get; init; }

        public required Coverage SpearmanSpans { get; init; }

        /// <summary>r and the means as each frame's rim mixing says to read them (with the rim's fields from inside where mixed).</summary>
        public required RimRead RimRead { get; init; }

        /// <summary>r and the means as read on the cells the clean frame reads within bounds: the instrument's errors apart from the analysis's own.</summary>
        public required CleanRight RimReadCleanRight { get; init; }

        /// <summary>Per channel: in how many frames the analysis aligned its lines to the substrate, and the jump ratios' range.</summary>
        public required IReadOnlyList<LinesAligned> LinesAligned { get; init; }
    }

    /// <summary>
    /// r and the means as read (<see cref="RimRead"/>) on the (seed, channel, region) cells whose clean frame reads within bounds
    /// (r within 0.05, the mean within 2 %): how many, their median |error| and the share within the same bounds.
    /// </summary>
    private sealed record CleanRight(int PearsonCells, double PearsonErrorMedian, double PearsonWithin005, int MeanCells, double MeanErrorMedian, double MeanWithin2Percent);

    /// <summary>Of <see cref="Frames"/> frames, in how many the analysis took <see cref="Channel"/>'s line offsets out (RowOffsets), and the range of its jump ratios.</summary>
    private sealed record LinesAligned(string Channel, int Frames, int Aligned, double RatioMin, double RatioMax)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Channel} {Aligned} of {Frames} ({RatioMin:F1} to {RatioMax:F1})");
    }

    /// <summary>
    /// Of <see cref="Frames"/> frames, how many the analysis judged to have mixed rims, in how many the line against height went through
    /// every pair off the first ring (the rest of the rims not pulled), and their RimMixing scores' range; the errors
    /// of r and of the means read as that judgement says (PearsonFromCore and MeanFromCore where mixed), as the main table's.
    /// </summary>
    private sealed record RimRead(int Frames, int Mixed, int LineOffFirstRing, double ScoreMin, double ScoreMax,
        double PearsonErrorMedian, double PearsonErrorMax, double PearsonWithin005, double MeanErrorMedian, double MeanErrorMax, double MeanWithin2Percent);

    /// <summary>Of <see cref="Count"/> intervals, the share that holds the true value and their median half-width.</summary>
    private sealed record Coverage(int Count, double Holds, double HalfWidthMedian)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Holds,5:P0}  half-width med {HalfWidthMedian,6:F3} ({Count})");
    }

    /// <summary>One channel and region of one kind of frame: medians over the seeds of the signed and absolute errors, and the largest.</summary>
    private sealed record BreakdownRow(
        string Channel, string Region, int PearsonCount, double PearsonBiasMedian, double PearsonErrorMedian, double PearsonErrorMax,
        double PearsonCorrectedBiasMedian, double PearsonCorrectedErrorMedian, int MeanCount, double MeanBiasMedian, double MeanErrorMedian, double MeanErrorMax)
    {
        /// <summary>The same bias and |error| medians of r and of the mean as the frame's rim mixing says to read them.</summary>
        public double RimReadBiasMedian { get; init; }

        public double RimReadErrorMedian { get; init; }

        public double RimReadMeanBiasMedian { get; init; }

        public double RimReadMeanErrorMedian { get; init; }
    }

    private sealed record Report(
        string Seeds, int Pixels, double FieldSizeUm, int Specimens, int Chromosomes, string Model, string Corrections, string Processing, string EffectsOff,
        int EdgeExclusion, double OutlineFraction, IReadOnlyList<Row> Frames, IReadOnlyList<Row> FramesAtTip)
    {
        public int CoreDepth { get; init; }

        public int BackgroundCoreReach { get; init; }

        /// <summary>Above this RimMixing score a frame read its r and means off the regions' cores.</summary>
        public double RimMixingThreshold { get; init; }

        /// <summary>Whether the analysis took each channel's line offsets out against the substrate (no --keep-line-offsets).</summary>
        public bool AlignRowsToSubstrate { get; init; }

        public double LineRateHz { get; init; }

        /// <summary>What scanned the instrument frames: "renderer" (IdealScan) or "closed-loop" (the virtual microscope).</summary>
        public string Scanner { get; init; } = "renderer";

        public bool WholeTruth { get; init; }
    }

    private static void WriteBreakdown(IReadOnlyList<Row> rows, TextWriter output)
    {
        output.WriteLine("  Per channel and region (medians over the seeds): r measured − true (bias), |Δr|, max; the same bias and |Δr| of r corrected for noise; mean error relative to its scale (bias), |error|, max;");
        output.WriteLine("  the bias and |error| of r and of the mean as the frame's rim mixing says to read them");
        output.WriteLine("  frame            channel    region       r bias   |Δr|    max   corr. bias |Δr|    mean bias   |err|     max   read: r bias  |Δr|   mean bias  |err|");
        foreach (var row in rows)
        {
            foreach (var b in row.Breakdown)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {row.Frame,-15}  {b.Channel,-9}  {b.Region,-11} {b.PearsonBiasMedian,7:F3} {b.PearsonErrorMedian,6:F3} {b.PearsonErrorMax,6:F3}   {b.PearsonCorrectedBiasMedian,7:F3} {b.PearsonCorrectedErrorMedian,6:F3}   {b.MeanBiasMedian,9:P1} {b.MeanErrorMedian,7:P1} {b.MeanErrorMax,7:P1}   {b.RimReadBiasMedian,12:F3} {b.RimReadErrorMedian,6:F3} {b.RimReadMeanBiasMedian,10:P1} {b.RimReadMeanErrorMedian,6:P1}"));
            }
        }
    }
}
