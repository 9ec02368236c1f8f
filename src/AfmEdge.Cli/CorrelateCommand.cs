using System.CommandLine;
using System.Globalization;
using AfmEdge.Analysis;
using AfmEdge.Analysis.Plots;
using AfmEdge.Core;
using AfmEdge.Formats;
using AfmEdge.Formats.Gsf;
using AfmEdge.Processing;

namespace AfmEdge.Cli;

/// <summary>
/// `afmedge correlate IN... --out DIR [--json]`: the chromosome analysis of frames on disk. IN is a folder of
/// &lt;Channel&gt;.gsf (one frame; nothing else in it is read), an importable file, or a folder of importable
/// files (a batch, one sub-folder of DIR per frame, with a progress bar).
/// </summary>
internal static class CorrelateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var inputs = new Argument<string[]>("IN")
        {
            Description = "A folder of <Channel>.gsf (Height, Current, Potential, Adhesion), an AFM file (.gsf .gwy .spm .ibw .sxm …), or a folder of such files.",
            Arity = ArgumentArity.OneOrMore,
        };
        var outDir = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder for summary.json, regions.csv, labels.gsf and the plots.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the summary JSON instead of the per-region table." };
        var noRegister = new Option<bool>("--no-register") { Description = "Skip the registration of the probes' channels (probe offsets) onto probe 1 before the analysis." };
        var height = new Option<string?>("--height")
        {
            Description = "Channel to treat as Height, by key (\"Z\", \"Topography\", \"Height-retrace\"); default Height, else the first channel in metres (real files name their topography otherwise).",
        };
        var keepLineOffsets = new Option<bool>("--keep-line-offsets")
        {
            Description = "Leave every channel's line offsets in the statistics. By default the analysis takes a channel's lines to the substrate's level where they jump more than its columns do (scan noise); a specimen whose substrate really changes from line to line wants them kept.",
        };
        var command = new Command("correlate", "Find chromosomes, their centromeres and arms, and correlate height with every other channel per region.")
        {
            inputs, outDir, json, noRegister, height, keepLineOffsets,
        };
        command.SetAction(parse => Run(parse.GetValue(inputs)!, parse.GetValue(outDir)!.FullName, parse.GetValue(json), !parse.GetValue(noRegister),
            parse.GetValue(height), !parse.GetValue(keepLineOffsets), output, error));
        return command;
    }

    private static int Run(string[] inputs, string outDir, bool json, bool register, string? heightKey, bool alignLines, TextWriter output, TextWriter error)
    {
        // Each input's frames are done with once analysed, so their channel arrays serve the next input (see ChannelBufferPool).
        var buffers = new ChannelBufferPool();

        // Gather (name, loader) pairs first so a bad argument fails before any work.
        var jobs = new List<(string Name, Func<IReadOnlyList<Frame>> Load)>();
        foreach (var input in inputs)
        {
            if (ChannelFolder.IsChannelFolder(input))
            {
                jobs.Add((Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(input))), () => [ChannelFolder.Open(input, buffers)]));
            }
            else if (Directory.Exists(input))
            {
                // A folder of AFM files, or of channel folders (one simulate output each).
                var files = Directory.GetFiles(input).Where(IsImportable).Order(StringComparer.Ordinal).ToArray();
                var folders = Directory.GetDirectories(input).Where(ChannelFolder.IsChannelFolder).Order(StringComparer.Ordinal).ToArray();
                if (files.Length == 0 && folders.Length == 0)
                {
                    error.WriteLine($"afmedge correlate: {input}: no channel files ({string.Join(", ", ChannelFolder.ChannelNames.Select(n => n + ".gsf"))}) and no importable AFM files.");
                    return ExitCodes.BadUsageOrConfig;
                }

                jobs.AddRange(folders.Select(d => (Path.GetFileName(d), (Func<IReadOnlyList<Frame>>)(() => [ChannelFolder.Open(d, buffers)]))));
                jobs.AddRange(files.Select(f => (Path.GetFileNameWithoutExtension(f), (Func<IReadOnlyList<Frame>>)(() => FrameImporter.OpenAll(f, buffers)))));
            }
            else if (File.Exists(input))
            {
                jobs.Add((Path.GetFileNameWithoutExtension(input), () => FrameImporter.OpenAll(input, buffers)));
            }
            else
            {
                error.WriteLine($"afmedge correlate: {input}: no such file or folder.");
                return ExitCodes.BadUsageOrConfig;
            }
        }

        var analyzer = new ChromosomeAnalyzer(new AnalysisOptions { RankCore = true, AlignRowsToSubstrate = alignLines });
        var summarizer = new FrameAnalyzer(TimeProvider.System, analyzer);
        var batch = jobs.Count > 1;
        var progress = batch ? new BatchProgress(output, jobs.Count) : null;
        var failures = 0;
        for (var j = 0; j < jobs.Count; j++)
        {
            var (name, load) = jobs[j];
            progress?.Show(j, name);
            IReadOnlyList<Frame> frames;
            try
            {
                frames = load();
            }
            catch (Exception e) when (e is AfmFormatException or IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
            {
                error.WriteLine($"afmedge correlate: {name}: {e.Message}");
                failures++;
                continue;
            }

            for (var f = 0; f < frames.Count; f++)
            {
                var frameName = frames.Count > 1 ? $"{name}-{f + 1}" : name;
                var target = batch || frames.Count > 1 ? Path.Combine(outDir, frameName) : outDir;
                // Real files name their topography otherwise (Z, Topography, Height-retrace): it is the analysis's Height.
                var (withHeight, heightSource) = EnhanceCommand.WithHeight(frames[f], heightKey);
                if (withHeight is null)
                {
                    error.WriteLine($"afmedge correlate: {frameName}: {heightSource}");
                    failures++;
                    continue;
                }

                try
                {
                    withHeight = RetraceStandsIn(withHeight);

                    // The probes sit apart on the cantilever: their images are shifted onto probe 1's before any correlation.
                    var frame = register ? Registration.Apply(withHeight) : withHeight;
                    var analysis = analyzer.Analyze(frame);
                    var summary = summarizer.Summarize(analysis);
                    Write(analysis, summary, target);
                    if (json)
                    {
                        output.WriteLine(System.Text.Encoding.UTF8.GetString(SummaryJson.Serialize(summary)));
                    }
                    else if (!batch)
                    {
                        PrintTable(frameName, heightSource, analysis, summary, output);
                    }
                }
                catch (ArgumentException e)
                {
                    error.WriteLine($"afmedge correlate: {frameName}: {e.Message}");
                    failures++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    error.WriteLine($"afmedge correlate: cannot write {target}: {e.Message}");
                    return ExitCodes.RuntimeFailure;
                }
            }

            // Written out and summarised: nothing holds these frames any more.
            buffers.Return(frames);
        }

        progress?.Done();
        if (batch && !json)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{jobs.Count - failures} of {jobs.Count} inputs analysed; results in {outDir}"));
        }

        return failures > 0 ? ExitCodes.BadUsageOrConfig : ExitCodes.Ok;
    }

    private static readonly FrameRegistration Registration = new(RegistrationMode.Probes);

    /// <summary>
    /// A frame with no trace channel to correlate but Height (a file that records every channel on the retrace line, as
    /// Nanoscope's do) has its retrace channels stand in for their traces; any other frame as it is.
    /// </summary>
    private static Frame RetraceStandsIn(Frame frame)
    {
        if (frame.Channels.Any(c => c.Direction == ScanDirection.Trace && c.Name != FrameAnalyzer.HeightChannel))
        {
            return frame;
        }

        var traces = frame.Channels.Where(c => c.Direction == ScanDirection.Trace).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var standIns = frame.Channels.Where(c => c.Direction == ScanDirection.Retrace && !traces.Contains(c.Name))
            .Select(c => new Channel(c.Descriptor with { Direction = ScanDirection.Trace }, c.Width, c.Height, c.Data.ToArray()))
            .ToList();
        return standIns.Count == 0 ? frame
            : new Frame(frame.Id, frame.Scan, [.. frame.Channels.Where(c => c.Direction == ScanDirection.Trace), .. standIns], frame.Metadata);
    }

    private static bool IsImportable(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".gsf" or ".gwy" or ".spm" or ".ibw" or ".sxm" or ".jpk" or ".asd";

    private static void Write(ChromosomeAnalysis analysis, FrameSummary summary, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "summary.json"), SummaryJson.Serialize(summary));
        using (var csv = new StreamWriter(Path.Combine(directory, "regions.csv")))
        {
            RegionCsv.Write(csv, analysis.Statistics, analysis.Correlations);
        }

        var frame = analysis.Frame;
        GsfWriter.Write(Path.Combine(directory, "labels.gsf"), analysis.LabelChannel(), frame.SizeX, frame.SizeY, "Labels (0 background, 1 p arm, 2 centromere, 3 q arm)",
            frame.Scan.OffsetX, frame.Scan.OffsetY, PhysicalUnit.Metre, []);
        foreach (var plot in AnalysisPlots.All(analysis, PlotLimits.None))
        {
            File.WriteAllBytes(Path.Combine(directory, plot.Name + ".png"), plot.Png);
        }
    }

    private static void PrintTable(string name, string heightSource, ChromosomeAnalysis analysis, FrameSummary summary, TextWriter output)
    {
        var frame = analysis.Frame;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {frame.Width}×{frame.Height}, {frame.SizeX * 1e6:G4}×{frame.SizeY * 1e6:G4} µm{(heightSource == FrameAnalyzer.HeightChannel ? string.Empty : ", Height from " + heightSource)}, {summary.ChromosomeCount} chromosome(s){(summary.Note is { } note ? " — " + note : string.Empty)}"));
        foreach (var c in analysis.Chromosomes)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  #{c.Id}: length {c.Length * 1e6:F2} µm, width {c.Width * 1e6:F2} µm, p {c.PArmLength * 1e6:F2} µm, q {c.QArmLength * 1e6:F2} µm, CI {c.CentromericIndex:F3}{(c.IsCluster ? " (cluster: left out of the region statistics)" : !c.ArmsAssigned ? " (arms of equal length: p and q a guess, left out of the arm statistics)" : string.Empty)}"));
        }

        output.WriteLine($"{"region",-11}{"channel",-10}{"n",8}{"mean",13}{"median",13}{"std",12}   {"Pearson r [95% CI]",-24}{"with the rim",-18}{"Spearman ρ [with the rim]",-26}{"MI bits",8}");
        foreach (var s in analysis.Statistics)
        {
            var c = analysis.Correlations.FirstOrDefault(r => r.Region == s.Region && r.Channel == s.Channel);
            var pearson = c?.Pearson is { } r
                ? string.Create(CultureInfo.InvariantCulture, $"{r,6:+0.000;-0.000;0.000} [{Fixed(c.PearsonLow)}, {Fixed(c.PearsonHigh)}]")
                : string.Empty;

            // r's interval with the rim's uncertainty (widened to take in r over the region's core): what a scan can vouch for.
            var span = c?.PearsonSpanLow is { } low && c.PearsonSpanHigh is { } high ? $"[{Fixed(low)}, {Fixed(high)}]" : string.Empty;
            var spearman = c?.Spearman is { } rho
                ? string.Create(CultureInfo.InvariantCulture, $"{rho,6:+0.000;-0.000;0.000}{(c.SpearmanSpanLow is { } sl && c.SpearmanSpanHigh is { } sh ? $" [{Fixed(sl)}, {Fixed(sh)}]" : string.Empty)}")
                : string.Empty;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Region,-11}{s.Channel,-10}{s.Count,8}{Number(s.Mean, s.Unit),13}{Number(s.Median, s.Unit),13}{Number(s.StdDev, s.Unit),12}   {pearson,-24}{span,-18}{spearman,-26}{Fixed(c?.MutualInformation),8}"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  (with the rim: the 95% CI widened to take in r, or ρ, over each region's core, {analysis.Options.CoreDepth} px in from its edges, where a scan's pixels mix neighbours{BackgroundRim(analysis)})"));
        WriteRowOffsets(analysis, output);
        WriteRimRead(analysis, output);
    }

    // Which channels' line offsets the statistics left out (each line less its mean over the substrate), and by how much.
    private static void WriteRowOffsets(ChromosomeAnalysis analysis, TextWriter output)
    {
        if (!analysis.Options.AlignRowsToSubstrate)
        {
            output.WriteLine("  line offsets kept as scanned (--keep-line-offsets)");
            return;
        }

        if (analysis.RowOffsets.Count == 0)
        {
            return;
        }

        string Judged(RowOffsets o) => string.Create(CultureInfo.InvariantCulture,
            $"{o.Channel} ({(o.OffsetSd is { } sd ? "σ " + Number(sd, analysis.Statistics.FirstOrDefault(s => s.Channel == o.Channel)?.Unit ?? string.Empty) + ", " : string.Empty)}ratio {(o.JumpRatio is { } ratio ? ratio.ToString("F1", CultureInfo.InvariantCulture) : "n/a")})");
        var aligned = analysis.RowOffsets.Where(o => o.Aligned).Select(Judged).ToList();
        var left = analysis.RowOffsets.Where(o => !o.Aligned).Select(Judged).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  line offsets (the substrate's line-to-line jumps over its column-to-column ones, above {analysis.Options.RowJumpThreshold:F1}: offset): taken out against the substrate before the statistics: {(aligned.Count > 0 ? string.Join(", ", aligned) : "none")}; not offset: {(left.Count > 0 ? string.Join(", ", left) : "none")}"));
    }

    // Where the frame's rims mix the regions' fields, the r and means to read: the rim's fields from the core's line against height.
    private static void WriteRimRead(ChromosomeAnalysis analysis, TextWriter output)
    {
        if (analysis.RimMixing is not { Score: { } score } mixing)
        {
            return;
        }

        if (!mixing.Mixed)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  rims not mixed (score {score:F2} ≤ {mixing.Threshold:F2}): r and the means as measured"));
            return;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  rims mixed (score {score:F2} > {mixing.Threshold:F2}: the first rings' fields pulled towards the substrate's); r and means with the rim's fields from the line against height {mixing.LineDepth} px in:"));
        foreach (var c in analysis.Correlations.Where(c => c.PearsonFromCore is not null || c.MeanFromCore is not null))
        {
            var unit = analysis.Statistics.FirstOrDefault(s => s.Region == c.Region && s.Channel == c.Channel)?.Unit ?? string.Empty;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {c.Region,-11}{c.Channel,-10}{string.Empty,8}{Number(c.MeanFromCore, unit),13}{string.Empty,25}   {Fixed(c.PearsonFromCore),6}"));
        }
    }

    // The background's rim goes as far as the chromosomes reach into it (AnalysisOptions.BackgroundCoreReach).
    private static string BackgroundRim(ChromosomeAnalysis analysis) =>
        analysis.Correlations.FirstOrDefault(c => c.Region == Regions.Background)?.CoreDepth is { } depth && depth != analysis.Options.CoreDepth
            ? string.Create(CultureInfo.InvariantCulture, $"; the background's {depth} px out from the chromosomes, as far as they disturb it")
            : string.Empty;

    private static string Fixed(double? value) =>
        value is { } v ? v.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture) : string.Empty;

    private static string Number(double? value, string unit) =>
        value is { } v ? v.ToString("G4", CultureInfo.InvariantCulture) + " " + unit : string.Empty;

    /// <summary>A one-line bar rewritten in place on a terminal, one line per input otherwise.</summary>
    private sealed class BatchProgress(TextWriter output, int total)
    {
        private const int Width = 30;
        private readonly bool _inPlace = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;

        public void Show(int done, string current)
        {
            var filled = Width * done / total;
            var line = $"[{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} {current}";
            if (_inPlace)
            {
                output.Write("\r" + line.PadRight(Math.Max(line.Length, Console.WindowWidth - 1)));
            }
            else
            {
                output.WriteLine(line);
            }
        }

        public void Done()
        {
            Show(total, "done");
            if (_inPlace)
            {
                output.WriteLine();
            }
        }
    }
}
