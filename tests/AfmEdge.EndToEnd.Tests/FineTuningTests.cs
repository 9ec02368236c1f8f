using AfmEdge.Core;
using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Host;
using AfmEdge.Host.Enhancement;
using AfmEdge.Host.FineTuning;
using AfmEdge.Host.Options;
using AfmEdge.Inference;
using AfmEdge.Inference.Evaluation;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Onnx;
using AfmEdge.Inference.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AfmEdge.EndToEnd.Tests;

/// <summary>On-device Noise2Noise fine-tuning: pairs from trace/retrace frames, rounds that publish or keep the model, bad frames.</summary>
public sealed class FineTuningTests : IDisposable
{
    private const int Pixels = 64;
    private const int Patch = 16;
    private readonly DirectoryInfo _folder = Scratch.Folder("afmedge-finetune-");

    private string ModelPath => Path.Combine(_folder.FullName, "tiny.onnx");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void Create_RetraceShiftedAndOffset_RegistersItAndScansTheTraceDown()
    {
        var frame = MeasuredFrame(seed: 1, noise: 0, shift: 2, retraceOffset: 5e-9, withCurrent: true);

        var outcome = NoiseToNoisePairs.Create(frame, index: 7, Patch);

        var pair = Assert.IsType<TrainingExample>(outcome.Pair);
        var shift = Assert.NotNull(outcome.Shift);
        // Phase correlation on a small, smooth 64² field places the shift to about a fifth of a pixel.
        Assert.InRange(shift.Dx, 1.75, 2.25);
        Assert.InRange(shift.Dy, -0.25, 0.25);
        // The shifted retrace is real data on 62 columns (its two left columns come from outside the scan), and on all
        // rows or all but one (the sub-pixel dy); even sides, so 31 × 31 or 31 × 32 in.
        var (x0, y0, validWidth, validHeight) = AfmEdge.Processing.ImageShift.ValidArea(Pixels, Pixels, -shift.Dx, -shift.Dy);
        var (width, height) = (validWidth & ~1, validHeight & ~1);
        Assert.Equal((0, 62), (x0, width));
        Assert.InRange(height, 62, 64);
        Assert.Equal((7L, width / 2, height / 2), (pair.Seed, pair.Width, pair.Height));
        Assert.Equal(["Current", "Height"], pair.LowRes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Current", "Height"], pair.HighRes.Keys.Order(StringComparer.Ordinal));
        var trace = frame.GetChannel("Height");
        var area = new float[width * height];
        for (var y = 0; y < height; y++)
        {
            trace.Row(y0 + y)[..width].CopyTo(area.AsSpan(y * width, width));
        }

        var expectedInput = new float[width * height / 4];
        HalfResolutionScan.Apply(area, width, height, expectedInput);
        Assert.Equal(expectedInput, pair.LowRes["Height"]);
        // The registered retrace lies on the trace (to the estimate's fraction of a pixel), its offset removed.
        var target = pair.HighRes["Height"];
        Assert.Equal(area.Length, target.Length);
        var range = area.Max() - area.Min();
        Assert.All(Enumerable.Range(0, area.Length), i => Assert.True(Math.Abs(target[i] - area[i]) < 0.06 * range, $"pixel {i}: {target[i]} vs {area[i]}"));
        Assert.Equal(area.Average(), target.Average(), 1e-12);
    }

    [Fact]
    public void Create_BadFrames_SayWhyAndGiveNoPair()
    {
        var noRetrace = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 1), Scan(Pixels), [MeasuredFrame(1, 1e-9, 1, 0, false).GetChannel("Height")]);
        var small = MeasuredFrame(seed: 2, noise: 1e-9, shift: 1, retraceOffset: 0, withCurrent: false, pixels: 24);
        var nan = WithSample(MeasuredFrame(seed: 3, noise: 1e-9, shift: 1, retraceOffset: 0, withCurrent: false), float.NaN);
        var unrelated = UnrelatedRetrace(seed: 4);

        var outcomes = new[] { noRetrace, small, nan, unrelated }.Select(f => NoiseToNoisePairs.Create(f, f.Id.Sequence, Patch)).ToArray();

        Assert.All(outcomes, o => Assert.Null(o.Pair));
        Assert.Equal([PairProblem.NoRetrace, PairProblem.TooSmall, PairProblem.NonFinite, PairProblem.RegistrationRefused], outcomes.Select(o => o.Problem));
        Assert.Contains("no retrace 'Height'", outcomes[0].Reason, StringComparison.Ordinal);
        Assert.Contains("24×24", outcomes[1].Reason, StringComparison.Ordinal);
        Assert.Contains("'Height-retrace'", outcomes[2].Reason, StringComparison.Ordinal);
        Assert.Contains("refused", outcomes[3].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_NoisyRetraceFrames_PublishesAModelTheWatcherLoads()
    {
        var original = WriteTinyModel();
        var options = Options(minImprovement: 0.01);
        var log = new CapturingLogger<ModelSelectingEnhancer>();
        using var enhancer = new ModelSelectingEnhancer(ModelCatalog.Load(_folder.FullName), null, m => EngineFactory.CreateEnhancer("native", m, 32, threads: 1), log);
        var probe = MeasuredFrame(seed: 50, noise: 2e-9, shift: 1.5, retraceOffset: 0, withCurrent: false);
        var before = enhancer.Enhance(probe).Channels[0].Data.ToArray();
        using var watcher = new ModelFolderWatcher(enhancer, options, TimeProvider.System, new CapturingLogger<ModelFolderWatcher>());
        var feed = new FineTuningFeed(options);
        var serviceLog = new CapturingLogger<FineTuningService>();
        using var service = new FineTuningService(feed, options, TimeProvider.System, serviceLog);
        var ct = TestContext.Current.CancellationToken;
        await watcher.StartAsync(ct);
        await watcher.Watching.WaitAsync(TimeSpan.FromSeconds(30), ct);
        await service.StartAsync(ct);
        try
        {
            for (var seed = 1; seed <= 6; seed++)
            {
                await OfferAndWaitAsync(feed, service, MeasuredFrame(seed, noise: 2e-9, shift: 1.5, retraceOffset: 1e-9, withCurrent: false));
            }

            var round = await FirstRoundAsync(service);
            Assert.True(round.Published, string.Join(Environment.NewLine, serviceLog.Lines));
            Assert.True(round.Result.HeldBackLossAfter < 0.99 * round.Result.HeldBackLossBefore);
            Assert.Equal((3, 3), (round.Result.TrainingPairs, round.Result.HeldBackPairs));
            Assert.Equal(original, File.ReadAllBytes(ModelPath + FineTuningService.PreviousSuffix));
            var published = OnnxModelReader.Read(ModelPath);
            Assert.Equal("tiny", published.Name);
            Assert.Equal(ModelPath, published.Metadata[NoiseToNoiseFineTuner.MetadataPrefix + "fromFile"]);
            Assert.Equal(round.Result.HeldBackLossAfter, double.Parse(published.Metadata[NoiseToNoiseFineTuner.MetadataPrefix + "heldBackLossAfter"], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Contains(serviceLog.Lines, l => l.Contains("Fine-tuned model 'tiny' written to", StringComparison.Ordinal));

            // The watcher hands the new file to the enhancer: the next frames are enhanced with the fine-tuned weights.
            using var direct = EngineFactory.CreateEnhancer("native", Assert.Single(ModelCatalog.OfFile(ModelPath).Models), 32, threads: 1);
            var expected = direct.Enhance(probe).Channels[0].Data.ToArray();
            Assert.NotEqual(before, expected);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            float[] latest;
            do
            {
                await Task.Delay(50, ct);
                latest = enhancer.Enhance(probe).Channels[0].Data.ToArray();
            }
            while (!latest.AsSpan().SequenceEqual(expected) && DateTime.UtcNow < deadline);

            Assert.Equal(expected, latest);
        }
        finally
        {
            await service.StopAsync(ct);
            await watcher.StopAsync(ct);
        }
    }

    [Fact]
    public async Task Service_HeldBackLossNotImprovedEnough_LeavesTheModelUntouched()
    {
        var original = WriteTinyModel();
        var options = Options(minImprovement: 0.9);
        var feed = new FineTuningFeed(options);
        var log = new CapturingLogger<FineTuningService>();
        using var service = new FineTuningService(feed, options, TimeProvider.System, log);
        var ct = TestContext.Current.CancellationToken;
        await service.StartAsync(ct);
        try
        {
            for (var seed = 1; seed <= 6; seed++)
            {
                await OfferAndWaitAsync(feed, service, MeasuredFrame(seed, noise: 2e-9, shift: 1.5, retraceOffset: 0, withCurrent: false));
            }

            var round = await FirstRoundAsync(service);
            Assert.False(round.Published);
            Assert.False(round.Result.Accepted);
            Assert.Null(round.Result.Network);
        }
        finally
        {
            await service.StopAsync(ct);
        }

        Assert.Equal(original, File.ReadAllBytes(ModelPath));
        Assert.Equal(["tiny.onnx"], _folder.EnumerateFiles().Select(f => f.Name));
        Assert.Contains(log.Lines, l => l.Contains("kept model 'tiny' as it was", StringComparison.Ordinal) && l.Contains("needs 90.0 %", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Service_BadFrames_AreCountedLoggedAndNeverTrainedOn()
    {
        var original = WriteTinyModel();
        var options = Options(minImprovement: 0.01);
        options.Value.FineTuning.FramesPerRound = 1;
        var feed = new FineTuningFeed(options);
        var log = new CapturingLogger<FineTuningService>();
        using var service = new FineTuningService(feed, options, TimeProvider.System, log);
        var ct = TestContext.Current.CancellationToken;
        await service.StartAsync(ct);
        try
        {
            var traceOnly = MeasuredFrame(seed: 1, noise: 1e-9, shift: 1, retraceOffset: 0, withCurrent: false);
            await OfferAndWaitAsync(feed, service, new Frame(traceOnly.Id, traceOnly.Scan, [traceOnly.GetChannel("Height")]));
            await OfferAndWaitAsync(feed, service, MeasuredFrame(seed: 2, noise: 1e-9, shift: 1, retraceOffset: 0, withCurrent: false, pixels: 24));
            await OfferAndWaitAsync(feed, service, WithSample(MeasuredFrame(seed: 3, noise: 1e-9, shift: 1, retraceOffset: 0, withCurrent: false), float.PositiveInfinity));
            await OfferAndWaitAsync(feed, service, MeasuredFrame(seed: 5, noise: 1e-9, shift: 1, retraceOffset: 0, withCurrent: false, pixels: 20));
        }
        finally
        {
            await service.StopAsync(ct);
        }

        Assert.Equal((0L, 4L), (service.FramesUsed, service.FramesSkipped));
        Assert.Empty(service.Rounds);
        Assert.Equal(original, File.ReadAllBytes(ModelPath));
        Assert.Contains(log.Lines, l => l.Contains("skips a frame (NoRetrace)", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Contains("skips a frame (TooSmall)", StringComparison.Ordinal) && l.Contains("24×24", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Contains("skips a frame (NonFinite)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Service_ModelNeedsAChannelThePairsLack_SkipsTheRoundAndLeavesTheModel()
    {
        var path = Path.Combine(_folder.FullName, "fusion-tiny.onnx");
        OnnxModelWriter.Write(
            EnhancerTrainer.CreateNetwork(new TrainerOptions { Name = "fusion-tiny", Channels = ["Height", "Current"], Layers = 2, Features = 4, Seed = 5 }, [0f, 0f], [1e-7f, 1e-9f]),
            path);
        var original = File.ReadAllBytes(path);
        var options = Options(minImprovement: 0.01);
        options.Value.Enhancement.Model = "fusion-tiny";
        var log = new CapturingLogger<FineTuningService>();
        var rounds = await RunUntilRoundSkippedAsync(options, log);

        Assert.Contains(log.Lines, l => l.Contains("model 'fusion-tiny' needs [Height, Current] in", StringComparison.Ordinal) && l.Contains("round skipped", StringComparison.Ordinal));
        Assert.Empty(rounds);
        Assert.Equal(original, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Service_ModelNotListed_SkipsTheRoundAndLeavesTheModel()
    {
        var original = WriteTinyModel();
        var options = Options(minImprovement: 0.01);
        options.Value.FineTuning.Models = ["height1"];
        var log = new CapturingLogger<FineTuningService>();
        var rounds = await RunUntilRoundSkippedAsync(options, log);

        Assert.Contains(log.Lines, l => l.Contains("model 'tiny', which FineTuning:Models (height1) does not list", StringComparison.Ordinal));
        Assert.Empty(rounds);
        Assert.Equal(original, File.ReadAllBytes(ModelPath));
    }

    [Fact]
    public void Options_NoModelsListed_IsAnErrorNamingIt()
    {
        var options = new AfmEdgeOptions();
        options.FineTuning.Models = [];

        Assert.Contains(AfmEdgeOptionsValidator.Errors(options), e => e.Contains("FineTuning:Models", StringComparison.Ordinal));
    }

    [Fact]
    public void Feed_FineTuningOff_TakesNoFrames()
    {
        var feed = new FineTuningFeed(Microsoft.Extensions.Options.Options.Create(new AfmEdgeOptions()));

        Assert.False(feed.Offer(MeasuredFrame(seed: 1, noise: 0, shift: 0, retraceOffset: 0, withCurrent: false)));
        Assert.False(feed.Reader.TryRead(out _));
    }

    [Fact]
    public void Validator_BadFineTuningSettings_NameTheKeys()
    {
        var options = new AfmEdgeOptions();
        options.FineTuning = new FineTuningOptions { Enabled = true, Steps = 0, Patch = 40, DutyCycle = 0, HoldBackEvery = 1 };
        options.Enhancement.Engine = "bicubic";
        options.Enhancement.WatchModels = false;

        var errors = AfmEdgeOptionsValidator.Errors(options);

        Assert.Contains(errors, e => e.StartsWith("AfmEdge:FineTuning:Steps = 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("AfmEdge:FineTuning:Patch = 40", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("AfmEdge:FineTuning:DutyCycle = 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("AfmEdge:FineTuning:HoldBackEvery = 1", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Enhancement:Engine = bicubic", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Enhancement:WatchModels = true", StringComparison.Ordinal));
        Assert.DoesNotContain(AfmEdgeOptionsValidator.Errors(new AfmEdgeOptions()), e => e.Contains("FineTuning", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_FineTuningWithMergeRetrace_NamesTheStep()
    {
        var options = new AfmEdgeOptions();
        options.FineTuning = new FineTuningOptions { Enabled = true };
        options.Enhancement.WatchModels = true;

        var withDefaults = AfmEdgeOptionsValidator.Errors(options);
        options.Processing.Steps = ["register:midpoint", "level:plane@Height"];
        var without = AfmEdgeOptionsValidator.Errors(options);

        Assert.Contains(withDefaults, e => e.StartsWith("AfmEdge:FineTuning:Enabled = true but AfmEdge:Processing:Steps has 'merge-retrace'", StringComparison.Ordinal));
        Assert.DoesNotContain(without, e => e.Contains("FineTuning", StringComparison.Ordinal));
    }

    [Fact]
    public void Host_FineTuningSection_IsBoundAndTheServiceRegistered()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AfmEdge:FineTuning:Enabled"] = "true",
            ["AfmEdge:FineTuning:Steps"] = "25",
            ["AfmEdge:FineTuning:MinImprovement"] = "0.02",
            // The default chain merges trace and retrace, which fine-tuning's pairs cannot use (the validator says so).
            ["AfmEdge:Processing:Steps:0"] = "register:midpoint",
            ["AfmEdge:Processing:Steps:1"] = "level:plane@Height",
        }).Build();

        using var host = AfmEdgeHost.Build(configuration);

        var options = host.Services.GetRequiredService<IOptions<AfmEdgeOptions>>().Value.FineTuning;
        Assert.Equal((true, 25, 0.02), (options.Enabled, options.Steps, options.MinImprovement));
        Assert.Contains(host.Services.GetServices<IHostedService>(), s => s is FineTuningService);
        Assert.True(host.Services.GetRequiredService<FineTuningFeed>().Enabled);
    }

    /// <summary>Offers six usable frames to a fresh service, stops it once it logs a skipped round (or after 30 s), and returns its rounds.</summary>
    private static async Task<IReadOnlyList<FineTuningRound>> RunUntilRoundSkippedAsync(IOptions<AfmEdgeOptions> options, CapturingLogger<FineTuningService> log)
    {
        var feed = new FineTuningFeed(options);
        using var service = new FineTuningService(feed, options, TimeProvider.System, log);
        var ct = TestContext.Current.CancellationToken;
        await service.StartAsync(ct);
        try
        {
            for (var seed = 1; seed <= 6; seed++)
            {
                await OfferAndWaitAsync(feed, service, MeasuredFrame(seed, noise: 2e-9, shift: 1.5, retraceOffset: 0, withCurrent: false));
            }

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!log.Lines.Any(l => l.Contains("round skipped", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20, ct);
            }
        }
        finally
        {
            await service.StopAsync(ct);
        }

        return [.. service.Rounds];
    }

    private IOptions<AfmEdgeOptions> Options(double minImprovement)
    {
        var options = new AfmEdgeOptions();
        options.Enhancement.ModelDirectory = _folder.FullName;
        options.FineTuning = new FineTuningOptions
        {
            Enabled = true,
            Models = ["tiny", "fusion-tiny"],
            FramesPerRound = 3,
            HoldBackEvery = 2,
            Steps = 40,
            Batch = 4,
            Patch = Patch,
            LearningRate = 3e-3,
            MinImprovement = minImprovement,
            DutyCycle = 1,
            MinIntervalSeconds = 0,
            Seed = 3,
        };
        return Microsoft.Extensions.Options.Options.Create(options);
    }

    /// <summary>A freshly initialised 3-layer height-only model (close to bicubic), written where the enhancer looks; returns its bytes.</summary>
    private byte[] WriteTinyModel()
    {
        var network = EnhancerTrainer.CreateNetwork(
            new TrainerOptions { Name = "tiny", Layers = 3, Features = 8, Seed = 5, Normalisation = InputNormalisation.Frame }, [0f], [1e-7f]);
        OnnxModelWriter.Write(network, ModelPath);
        return File.ReadAllBytes(ModelPath);
    }

    private static async Task OfferAndWaitAsync(FineTuningFeed feed, FineTuningService service, Frame frame)
    {
        var seen = service.FramesUsed + service.FramesSkipped;
        Assert.True(feed.Offer(frame));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (service.FramesUsed + service.FramesSkipped == seen && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        Assert.Equal(seen + 1, service.FramesUsed + service.FramesSkipped);
    }

    private static async Task<FineTuningRound> FirstRoundAsync(FineTuningService service)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (service.Rounds.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return Assert.Single(service.Rounds);
    }

    private static ScanSettings Scan(int pixels) => new() { SizeX = 5e-6, SizeY = 5e-6, PixelsX = pixels, PixelsY = pixels, LineRateHz = 1 };

    /// <summary>
    /// A specimen of Gaussian bumps (up to ~150 nm) measured twice: the trace, and the retrace displaced by
    /// <paramref name="shift"/> px in x (retrace(x) = specimen(x − shift)) and offset, each with independent white noise;
    /// optionally a Current channel (the bumps' x slope) measured the same way.
    /// </summary>
    private static Frame MeasuredFrame(int seed, double noise, double shift, double retraceOffset, bool withCurrent, int pixels = Pixels)
    {
        var random = new Random(seed);
        var bumps = Enumerable.Range(0, 6).Select(_ => (X: random.NextDouble() * pixels, Y: random.NextDouble() * pixels, S: 3 + (random.NextDouble() * 5), A: 50e-9 + (100e-9 * random.NextDouble()))).ToArray();
        float[] Measure(double dx, double offset, bool slope) => [.. Enumerable.Range(0, pixels * pixels).Select(i =>
        {
            double x = (i % pixels) - dx, y = i / pixels, sum = 0;
            foreach (var b in bumps)
            {
                var g = b.A * Math.Exp(-(((x - b.X) * (x - b.X)) + ((y - b.Y) * (y - b.Y))) / (2 * b.S * b.S));
                sum += slope ? -(x - b.X) / (b.S * b.S) * g * 1e7 : g;
            }

            return (float)(sum + offset + (noise * Gaussian(random)));
        })];
        var channels = new List<Channel>
        {
            new(new ChannelDescriptor("Height", PhysicalUnit.Metre), pixels, pixels, Measure(0, 0, false)),
            new(new ChannelDescriptor("Height", PhysicalUnit.Metre, ScanDirection.Retrace), pixels, pixels, Measure(shift, retraceOffset, false)),
        };
        if (withCurrent)
        {
            channels.Add(new(new ChannelDescriptor("Current", PhysicalUnit.Ampere), pixels, pixels, Measure(0, 0, true)));
            channels.Add(new(new ChannelDescriptor("Current", PhysicalUnit.Ampere, ScanDirection.Retrace), pixels, pixels, Measure(shift, 0, true)));
        }

        return new Frame(new FrameId(DateTimeOffset.UnixEpoch, seed), Scan(pixels), channels);
    }

    /// <summary>A frame whose retrace is noise unrelated to its trace: nothing to register on.</summary>
    private static Frame UnrelatedRetrace(int seed)
    {
        var random = new Random(seed);
        float[] Noise() => [.. Enumerable.Range(0, Pixels * Pixels).Select(_ => (float)(1e-9 * Gaussian(random)))];
        return new Frame(new FrameId(DateTimeOffset.UnixEpoch, seed), Scan(Pixels),
        [
            new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), Pixels, Pixels, Noise()),
            new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre, ScanDirection.Retrace), Pixels, Pixels, Noise()),
        ]);
    }

    /// <summary>The frame with one retrace Height sample replaced.</summary>
    private static Frame WithSample(Frame frame, float value)
    {
        var retrace = frame.GetChannel("Height", ScanDirection.Retrace);
        var data = retrace.Data.ToArray();
        data[100] = value;
        return frame.With(frame.Channels.Select(c => ReferenceEquals(c, retrace) ? c.WithData(c.Width, c.Height, data) : c), "test", "bad sample");
    }

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
