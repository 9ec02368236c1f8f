using AfmEdge.Inference.Evaluation;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Training;

namespace AfmEdge.Inference.Tests.Training;

public sealed class NoiseToNoiseFineTunerTests
{
    private const int LowRes = 24;

    private static readonly FineTuneOptions Quick = new()
    {
        Steps = 40,
        Batch = 4,
        Patch = 16,
        LearningRate = 3e-3,
        WarmupSteps = 4,
        MinImprovement = 0.01,
        Seed = 3,
    };

    /// <summary>A freshly initialised 3-layer height-only network (residual near zero: close to bicubic), per-frame normalised.</summary>
    private static EnhancerNetwork TinyNetwork() => EnhancerTrainer.CreateNetwork(
        new TrainerOptions { Name = "tiny", Layers = 3, Features = 8, Seed = 5, Normalisation = InputNormalisation.Frame }, [0f], [1f]);

    /// <summary>
    /// A Noise2Noise pair as the instrument gives it: a smooth field measured twice with independent white noise; the
    /// first measurement (trace) scanned down ×2 in, the second (retrace) at full resolution as the target.
    /// </summary>
    private static TrainingExample NoisyPair(long seed, double noise = 0.05)
    {
        var random = new Random((int)seed);
        var n = 2 * LowRes;
        var clean = new float[n * n];
        for (var b = 0; b < 6; b++)
        {
            double cx = random.NextDouble() * n, cy = random.NextDouble() * n, s = 2 + (random.NextDouble() * 4), a = 0.5 + random.NextDouble();
            for (var y = 0; y < n; y++)
            {
                for (var x = 0; x < n; x++)
                {
                    clean[(y * n) + x] += (float)(a * Math.Exp(-(((x - cx) * (x - cx)) + ((y - cy) * (y - cy))) / (2 * s * s)));
                }
            }
        }

        float[] Measure() => [.. clean.Select(v => v + (float)(noise * Gaussian(random)))];
        var trace = Measure();
        var retrace = Measure();
        var half = new float[LowRes * LowRes];
        HalfResolutionScan.Apply(trace, n, n, half);
        return new TrainingExample(seed, LowRes, LowRes, new Dictionary<string, float[]> { ["Height"] = half }, new Dictionary<string, float[]> { ["Height"] = retrace });
    }

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public void Run_NoisyRetraceTargets_LowersTheHeldBackLossAndLeavesTheOriginalUntouched()
    {
        var network = TinyNetwork();
        var original = network.Layers.Select(l => l.Weights.ToArray()).ToArray();

        var result = NoiseToNoiseFineTuner.Run(network, [.. Enumerable.Range(1, 6).Select(s => NoisyPair(s))], [NoisyPair(100), NoisyPair(101)], Quick, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Accepted, $"held-back loss {result.HeldBackLossBefore} → {result.HeldBackLossAfter}");
        Assert.True(result.HeldBackLossAfter < 0.99 * result.HeldBackLossBefore);
        var tuned = Assert.IsType<EnhancerNetwork>(result.Network);
        Assert.Equal(result.HeldBackLossAfter, NoiseToNoiseFineTuner.HeldBackLoss(tuned, [NoisyPair(100), NoisyPair(101)]), 12);
        Assert.Equal(result.HeldBackLossBefore, NoiseToNoiseFineTuner.HeldBackLoss(network, [NoisyPair(100), NoisyPair(101)]), 12);
        Assert.Equal("tiny", tuned.Metadata[NoiseToNoiseFineTuner.MetadataPrefix + "from"]);
        Assert.Equal("6", tuned.Metadata[NoiseToNoiseFineTuner.MetadataPrefix + "trainingPairs"]);
        Assert.Equal(FrameNormalisation.PerFrame, tuned.Metadata[FrameNormalisation.MetadataKey]);
        for (var l = 0; l < original.Length; l++)
        {
            Assert.Equal(original[l], network.Layers[l].Weights);
        }

        Assert.NotEqual(original[0], tuned.Layers[0].Weights);
    }

    [Fact]
    public void Run_GainBelowTheRequiredMargin_KeepsNoNetwork()
    {
        var result = NoiseToNoiseFineTuner.Run(
            TinyNetwork(), [NoisyPair(1), NoisyPair(2)], [NoisyPair(100)], Quick with { Steps = 3, WarmupSteps = 0, MinImprovement = 0.9 }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(result.Accepted);
        Assert.Null(result.Network);
        Assert.True(result.HeldBackLossBefore > 0);
        Assert.True(double.IsFinite(result.HeldBackLossAfter));
    }

    [Fact]
    public void Run_SameSeed_GivesBitIdenticalWeightsOnOneCoreOrAll()
    {
        var options = Quick with { Steps = 5, MinImprovement = 0 };
        TrainingExample[] training = [NoisyPair(1), NoisyPair(2)];
        TrainingExample[] heldBack = [NoisyPair(100)];

        var one = NoiseToNoiseFineTuner.Run(TinyNetwork(), training, heldBack, options with { MaxParallelism = 1 }, cancellationToken: TestContext.Current.CancellationToken);
        var all = NoiseToNoiseFineTuner.Run(TinyNetwork(), training, heldBack, options with { MaxParallelism = -1 }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(one.HeldBackLossAfter, all.HeldBackLossAfter);
        Assert.NotNull(one.Network);
        Assert.NotNull(all.Network);
        for (var l = 0; l < one.Network.Layers.Count; l++)
        {
            Assert.Equal(one.Network.Layers[l].Weights, all.Network.Layers[l].Weights);
        }
    }

    [Fact]
    public void Run_PairWithoutTheOutputsTarget_ThrowsNamingTheChannel()
    {
        var pair = NoisyPair(1);
        var noTarget = pair with { HighRes = new Dictionary<string, float[]>() };

        var e = Assert.Throws<ArgumentException>(() => NoiseToNoiseFineTuner.Run(TinyNetwork(), [noTarget], [NoisyPair(100)], Quick, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("outputs 'Height'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_CancelledBeforeTheFirstStep_Throws()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        await cancel.CancelAsync();

        Assert.Throws<OperationCanceledException>(() => NoiseToNoiseFineTuner.Run(TinyNetwork(), [NoisyPair(1)], [NoisyPair(100)], Quick, cancellationToken: cancel.Token));
    }

    [Fact]
    public void EnhancerTrainer_InitialNetworkWithOtherChannels_Throws()
    {
        var options = NoiseToNoiseFineTuner.TrainerOptionsFor(TinyNetwork(), Quick) with { Channels = ["Height", "Current"] };

        var e = Assert.Throws<ArgumentException>(() => new EnhancerTrainer(options, [new SyntheticPairs(LowRes).Get(1)], TinyNetwork()));

        Assert.Contains("[Height] → [Height]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadOptions_NameEachField()
    {
        var errors = new FineTuneOptions { Steps = 0, Patch = 20, LearningRate = 2, MinImprovement = 1, MaxParallelism = 0 }.Validate();

        Assert.Contains(errors, e => e.StartsWith("Steps = 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Patch = 20", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("LearningRate = 2", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("MinImprovement = 1", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("MaxParallelism = 0", StringComparison.Ordinal));
    }
}
