using System.CommandLine;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using System.Text.Json.Serialization;
using AfmEdge.Core;
using AfmEdge.Formats;
using AfmEdge.Inference;
using AfmEdge.Inference.Evaluation;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Training;
using AfmEdge.Processing;

namespace AfmEdge.Cli;

/// <summary>
/// `afmedge eval --seeds A-B [--models DIR] [--real DIR] [--json]`: PSNR and SSIM of bicubic and of every model
/// in the folder on simulator specimens never trained on (degraded half-resolution scan in, clean full-resolution
/// Height as reference), and of the height-only models on real files scanned down ×2 as a half-resolution scan
/// does (<see cref="HalfResolutionScan"/>: dwell mean along x, every other line) → enhance → compare with the original. PSNR's peak is the reference's peak-to-peak range (see <see cref="ImageQuality"/>).
/// </summary>
internal static class EvalCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create(TextWriter output, TextWriter error)
    {
        var seeds = new Option<string>("--seeds", "-s") { Description = "Simulator specimen seeds A-B, disjoint from every model's training seeds.", DefaultValueFactory = _ => "1-50" };
        var models = new Option<DirectoryInfo>("--models", "-m")
        {
            Description = "Folder of *.onnx models (default: ./models, else the bundled models beside the executable).",
            DefaultValueFactory = _ => new DirectoryInfo(Directory.Exists("models") ? "models" : Path.Combine(AppContext.BaseDirectory, "models")),
        };
        var real = new Option<DirectoryInfo?>("--real") { Description = "Also score the height-only models on the real AFM files in this folder, scanned down ×2." };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON." };
        var command = new Command("eval", "Score bicubic and the enhancer models (PSNR, SSIM) on held-out simulator seeds and, optionally, real files.")
        {
            seeds, models, real, json,
        };
        command.SetAction(parse => Run(parse.GetValue(seeds)!, parse.GetValue(models)!.FullName, parse.GetValue(real)?.FullName, parse.GetValue(json), output, error));
        command.Subcommands.Add(EvalAnalysisCommand.Create(output, error));
        return command;
    }

    private static int Run(string seedText, string modelDir, string? realDir, bool json, TextWriter output, TextWriter error)
    {
        var errors = new List<string>();
        if (!SeedRange.TryParse(seedText, "--seeds", out var seeds, out var seedError))
        {
            errors.Add(seedError);
        }
        else if (seeds.Count > 10_000)
        {
            errors.Add($"--seeds = {seeds}: at most 10000 seeds.");
        }

        var catalog = ModelCatalog.Load(modelDir);
        foreach (var problem in catalog.Problems)
        {
            error.WriteLine("afmedge: warning: " + problem);
        }

        if (catalog.Models.Count == 0)
        {
            errors.Add($"--models = {modelDir}: no usable *.onnx model.");
        }

        // How each model's training scans were made, read once: the eval makes its scans alike.
        var scansOf = new Dictionary<EnhancerNetwork, TrainingScans>();
        foreach (var model in catalog.Models)
        {
            if (TrainingScans.Of(model.Network, out var problem) is { } scans)
            {
                scansOf[model.Network] = scans;
            }
            else
            {
                errors.Add($"model '{model.Name}': {problem}");
            }

            foreach (var key in new[] { "trainSeeds", "validationSeeds" })
            {
                if (model.Network.Metadata.TryGetValue(key, out var text) && SeedRange.TryParse(text, key, out var used, out _) && seeds.Count > 0 && used.Overlaps(seeds))
                {
                    errors.Add($"--seeds = {seeds}: overlaps {key} = {used} of model '{model.Name}'; evaluate on seeds it never saw.");
                }
            }
        }

        if (realDir is not null && !Directory.Exists(realDir))
        {
            errors.Add($"--real = {realDir}: no such folder.");
        }

        if (errors.Count > 0)
        {
            foreach (var e in errors)
            {
                error.WriteLine("afmedge: " + e);
            }

            return ExitCodes.BadUsageOrConfig;
        }

        // Each model is scored on scans made, corrected and sized as its training scans were (the host corrects them so
        // before enhancing; a model trained at 156 nm beside one at 78 nm), and bicubic on each set of scans a model is
        // scored on, so a model's Δ bicubic compares like with like.
        var sizes = catalog.Models.Select(m => scansOf[m.Network]).Select(s => (s.Pixels, s.FieldUm)).Distinct().ToArray();
        var (pixels, field) = sizes[0];
        var examplesByScans = new Dictionary<TrainingScans, IReadOnlyList<TrainingExample>>();
        IReadOnlyList<TrainingExample> ExamplesFor(TrainingScans scans)
        {
            if (!examplesByScans.TryGetValue(scans, out var found))
            {
                found = scans.Examples(seeds);
                examplesByScans[scans] = found;
            }

            return found;
        }

        TrainingScans ScansOf(EnhancerNetwork network) => scansOf[network];
        var enhancers = new List<(string Name, string Inputs, EnhancerNetwork? Network, TrainingScans Scans)>();
        enhancers.AddRange(catalog.Models.Select(m => ScansOf(m.Network)).Distinct().Select(c => ("bicubic", "Height", (EnhancerNetwork?)null, c)));
        enhancers.AddRange(catalog.Models.Select(m => (m.Name, string.Join("+", m.Network.InputChannels), (EnhancerNetwork?)m.Network, ScansOf(m.Network))));
        var rows = new List<ScoreRow>();
        foreach (var (name, inputs, network, scans) in enhancers)
        {
            var examples = ExamplesFor(scans);
            var scores = new (double Psnr, double Ssim)[examples.Count];
            Parallel.For(0, examples.Count, i =>
            {
                var e = examples[i];
                var enhanced = TrainCommand.Enhance(network, e)[0];
                var reference = e.HighRes["Height"];
                scores[i] = (ImageQuality.Psnr(reference, enhanced), ImageQuality.Ssim(reference, enhanced, 2 * e.Width, 2 * e.Height));
            });
            rows.Add(new ScoreRow(name, inputs, scores.Average(s => s.Psnr), scores.Average(s => s.Ssim), scores.Min(s => s.Psnr), scans));
        }

        var fieldRows = catalog.Models.SelectMany(m => ScoreFields(m.Name, m.Network, ExamplesFor(ScansOf(m.Network)))).ToList();
        var realRows = realDir is null ? [] : ScoreReal(realDir, catalog, error);
        var report = new EvalReport(seeds.ToString(), pixels, field, rows, fieldRows, realRows);
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(report, Json));
            return ExitCodes.Ok;
        }

        output.WriteLine(sizes.Length == 1
            ? string.Create(CultureInfo.InvariantCulture, $"Simulator seeds {seeds} ({seeds.Count} specimens, {pixels / 2}² degraded scan → {pixels}² clean Height, {field} µm); PSNR peak = reference peak-to-peak")
            : $"Simulator seeds {seeds} ({seeds.Count} specimens, degraded scan → clean Height at each model's training size, in the scanned column); PSNR peak = reference peak-to-peak");
        string ScannedOf(ScoreRow r) => sizes.Length == 1 ? r.Scanned : string.Create(CultureInfo.InvariantCulture, $"{r.Scanned}, {r.Pixels / 2}² over {r.FieldSizeUm} µm");
        var scannedWidth = Math.Max(26, rows.Max(r => ScannedOf(r).Length));
        output.WriteLine("  enhancer         inputs                            PSNR dB   Δ bicubic   min PSNR   SSIM     " + "scanned by".PadRight(scannedWidth) + " corrected by");
        ScoreRow BicubicOf(ScoreRow row) => rows.First(b => b.Name == "bicubic" && b.Scans == row.Scans);
        foreach (var r in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {r.Name,-16} {r.Inputs,-33} {r.PsnrDb,7:F2}   {r.PsnrDb - BicubicOf(r).PsnrDb,+9:+0.00;-0.00}   {r.MinPsnrDb,8:F2}   {r.Ssim:F4}   {ScannedOf(r).PadRight(scannedWidth)} {(r.Corrections.Length == 0 ? "none (raw)" : r.Corrections)}"));
        }

        if (fieldRows.Count > 0)
        {
            output.WriteLine("Outputs beside Height, against the clean field and against bicubic of the same scan's field");
            output.WriteLine("  model            channel      PSNR dB   bicubic   Δ bicubic   SSIM     bicubic SSIM");
            foreach (var r in fieldRows)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {r.Model,-16} {r.Channel,-12} {r.PsnrDb,7:F2}   {r.BicubicPsnrDb,7:F2}   {r.PsnrDb - r.BicubicPsnrDb,+9:+0.00;-0.00}   {r.Ssim:F4}   {r.BicubicSsim:F4}"));
            }
        }

        if (realRows.Count > 0)
        {
            output.WriteLine("Real files scanned down ×2 (x: mean of each pixel pair, y: every other line), enhanced back, compared with the original Height");
            output.WriteLine("  file                              channel        size      enhancer              PSNR dB   Δ bicubic   SSIM");
            foreach (var r in realRows)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {r.File,-33} {r.Channel,-14} {r.Width + "×" + r.Height,-9} {r.Enhancer,-21} {r.PsnrDb,7:F2}   {r.DeltaBicubicDb,+9:+0.00;-0.00}   {r.Ssim:F4}"));
            }

            foreach (var g in realRows.Where(r => r.Enhancer != "bicubic").GroupBy(r => r.Enhancer))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  mean over {g.Count()} files: {g.Key} {g.Average(r => r.DeltaBicubicDb):+0.00;-0.00} dB vs bicubic"));
            }
        }

        return ExitCodes.Ok;
    }

    /// <summary>Each output other than Height: the model's ×2 field and bicubic's against the clean field, averaged over the specimens.</summary>
    private static IEnumerable<FieldRow> ScoreFields(string model, EnhancerNetwork network, IReadOnlyList<TrainingExample> examples)
    {
        var fields = Enumerable.Range(0, network.OutputChannels.Count).Where(o => network.OutputChannels[o] != "Height").ToArray();
        if (fields.Length == 0)
        {
            return [];
        }

        // The network runs once per specimen for all its fields; scores[field][specimen].
        var scores = fields.Select(_ => new (double Psnr, double Ssim, double BicubicPsnr, double BicubicSsim)[examples.Count]).ToArray();
        Parallel.For(0, examples.Count, i =>
        {
            var e = examples[i];
            var (w, h) = (2 * e.Width, 2 * e.Height);
            var outputs = TrainCommand.Enhance(network, e);
            var bicubic = new float[w * h];
            for (var f = 0; f < fields.Length; f++)
            {
                var channel = network.OutputChannels[fields[f]];
                var reference = e.HighRes[channel];
                Inference.BicubicUpsampler.Upsample(e.LowRes[channel], e.Width, e.Height, bicubic);
                scores[f][i] = (ImageQuality.Psnr(reference, outputs[fields[f]]), ImageQuality.Ssim(reference, outputs[fields[f]], w, h),
                    ImageQuality.Psnr(reference, bicubic), ImageQuality.Ssim(reference, bicubic, w, h));
            }
        });
        return fields.Select((o, f) => new FieldRow(model, network.OutputChannels[o], scores[f].Average(s => s.Psnr), scores[f].Average(s => s.BicubicPsnr),
            scores[f].Average(s => s.Ssim), scores[f].Average(s => s.BicubicSsim)));
    }

    /// <summary>
    /// Each real file's height channel, cropped to even size: bicubic and every height-only model with its own
    /// normalisation; a model with stored statistics is also run with the frame's own mean and standard deviation
    /// ("per-frame", see <see cref="FrameNormalisation"/>), because real heights sit at offsets and scales the
    /// simulator never produces.
    /// </summary>
    private static List<RealRow> ScoreReal(string directory, ModelCatalog catalog, TextWriter error)
    {
        var rows = new List<RealRow>();
        var heightModels = catalog.Models.Where(m => m.Network.InputChannels is ["Height"]).ToArray();
        foreach (var path in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
        {
            IReadOnlyList<Frame> frames;
            try
            {
                if (FrameImporter.Detect(File.ReadAllBytes(path).AsSpan(0, (int)Math.Min(4096, new FileInfo(path).Length)), Path.GetFileName(path)) == AfmFileFormat.Unknown)
                {
                    continue;
                }

                frames = FrameImporter.OpenAll(path);
            }
            catch (Exception e) when (e is AfmFormatException or IOException or NotSupportedException)
            {
                error.WriteLine($"afmedge: warning: {Path.GetFileName(path)} skipped: {e.Message}");
                continue;
            }

            var channel = frames.SelectMany(f => f.Channels)
                .Where(c => c.Unit == PhysicalUnit.Metre && TensorPrimitives.Max(c.Data) > TensorPrimitives.Min(c.Data) && c.Width >= 24 && c.Height >= 24)
                // Amplitude and deflection are lengths too, but not topography.
                .Where(c => !c.Name.Contains("Amplitude", StringComparison.OrdinalIgnoreCase) && !c.Name.Contains("Deflection", StringComparison.OrdinalIgnoreCase))
                .OrderBy(c => c.Name is "Height" or "Topography" or "Z" ? 0 : 1)
                .FirstOrDefault();
            if (channel is null)
            {
                error.WriteLine($"afmedge: warning: {Path.GetFileName(path)} skipped: no non-flat height channel (unit m, not amplitude or deflection).");
                continue;
            }

            var (low, reference, w, h) = ScanDown(channel);
            var bicubic = new float[4 * w * h];
            BicubicUpsampler.Upsample(low, w, h, bicubic);
            var bicubicPsnr = ImageQuality.Psnr(reference, bicubic);
            void Add(string enhancer, float[] enhanced) => rows.Add(new RealRow(
                Path.GetFileName(path), channel.Descriptor.Key, 2 * w, 2 * h, enhancer,
                ImageQuality.Psnr(reference, enhanced), ImageQuality.Psnr(reference, enhanced) - bicubicPsnr, ImageQuality.Ssim(reference, enhanced, 2 * w, 2 * h)));
            Add("bicubic", bicubic);
            Add("cubic on lines", CubicOnLines(low, w, h));
            foreach (var model in heightModels)
            {
                var n = model.Network;
                Add(model.Name, TrainerForward.Run(n, [low], w, h)[0]);
                if (FrameNormalisation.IsPerFrame(n))
                {
                    continue;
                }

                var perFrame = new EnhancerNetwork(n.Name, n.InputChannels, n.OutputChannels, n.Mean, n.Std, n.Layers,
                    new Dictionary<string, string>(n.Metadata, StringComparer.Ordinal) { [FrameNormalisation.MetadataKey] = FrameNormalisation.PerFrame });
                Add(model.Name + " per-frame", TrainerForward.Run(perFrame, [low], w, h)[0]);
            }
        }

        return rows;
    }

    /// <summary>
    /// A fixed interpolation that knows the half-resolution scan's geometry, as a second baseline: along x Keys' cubic
    /// (a = −0.5) at the output pixels' ±¼-pixel phases, as bicubic does (an input pixel is the mean of its dwell,
    /// centred between output columns 2x and 2x + 1); along y each input line copied onto output row 2y and Keys'
    /// cubic midpoint between lines on row 2y + 1 (bicubic instead assumes lines centred between output rows). Edge
    /// samples are replicated.
    /// </summary>
    private static float[] CubicOnLines(float[] low, int w, int h)
    {
        ReadOnlySpan<float> left = [-0.0234375f, 0.2265625f, 0.8671875f, -0.0703125f];
        ReadOnlySpan<float> right = [-0.0703125f, 0.8671875f, 0.2265625f, -0.0234375f];
        ReadOnlySpan<float> middle = [-0.0625f, 0.5625f, 0.5625f, -0.0625f];
        var rows = new float[2 * w * h];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                float a = 0, b = 0;
                for (var k = 0; k < 4; k++)
                {
                    a += left[k] * low[(y * w) + Math.Clamp(x + k - 2, 0, w - 1)];
                    b += right[k] * low[(y * w) + Math.Clamp(x + k - 1, 0, w - 1)];
                }

                rows[(y * 2 * w) + (2 * x)] = a;
                rows[(y * 2 * w) + (2 * x) + 1] = b;
            }
        }

        var output = new float[4 * w * h];
        for (var y = 0; y < h; y++)
        {
            rows.AsSpan(y * 2 * w, 2 * w).CopyTo(output.AsSpan(2 * y * 2 * w, 2 * w));
            for (var x = 0; x < 2 * w; x++)
            {
                float sum = 0;
                for (var k = 0; k < 4; k++)
                {
                    sum += middle[k] * rows[(Math.Clamp(y + k - 1, 0, h - 1) * 2 * w) + x];
                }

                output[(((2 * y) + 1) * 2 * w) + x] = sum;
            }
        }

        return output;
    }

    /// <summary>The half-resolution scan (<see cref="HalfResolutionScan"/>) and the even-cropped original it is compared with.</summary>
    private static (float[] Low, float[] Reference, int Width, int Height) ScanDown(Channel channel)
    {
        var w = channel.Width / 2;
        var h = channel.Height / 2;
        var reference = new float[4 * w * h];
        for (var y = 0; y < 2 * h; y++)
        {
            channel.Data.Slice(y * channel.Width, 2 * w).CopyTo(reference.AsSpan(y * 2 * w, 2 * w));
        }

        var low = new float[w * h];
        HalfResolutionScan.Apply(reference, 2 * w, 2 * h, low);
        return (low, reference, w, h);
    }

    /// <summary>One enhancer's scores on <paramref name="Scans"/> (in the JSON as its parts below).</summary>
    private sealed record ScoreRow(string Name, string Inputs, double PsnrDb, double Ssim, double MinPsnrDb, [property: JsonIgnore] TrainingScans Scans)
    {
        /// <summary>What the input scans were corrected by ("": raw scans).</summary>
        public string Corrections => Scans.Corrections;

        /// <summary>By what scanner at what line rate (<see cref="TrainingScans.Scanned"/>).</summary>
        public string Scanned => Scans.Scanned;

        /// <summary>The clean target's pixels per side (the scan has half).</summary>
        public int Pixels => Scans.Pixels;

        public double FieldSizeUm => Scans.FieldUm;
    }

    private sealed record RealRow(string File, string Channel, int Width, int Height, string Enhancer, double PsnrDb, double DeltaBicubicDb, double Ssim);

    private sealed record FieldRow(string Model, string Channel, double PsnrDb, double BicubicPsnrDb, double Ssim, double BicubicSsim);

    private sealed record EvalReport(string Seeds, int Pixels, double FieldSizeUm, IReadOnlyList<ScoreRow> Simulator, IReadOnlyList<FieldRow> Fields, IReadOnlyList<RealRow> Real);
}
