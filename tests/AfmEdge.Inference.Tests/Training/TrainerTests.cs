using AfmEdge.Inference.Network;
using AfmEdge.Inference.Training;

namespace AfmEdge.Inference.Tests.Training;

public sealed class TrainerTests
{
    private static readonly TrainerOptions Tiny = new()
    {
        Name = "tiny",
        Channels = ["Height", "Current"],
        Outputs = ["Height"],
        Layers = 3,
        Features = 8,
        Patch = 16,
        Batch = 4,
        Steps = 200,
        WarmupSteps = 10,
        LearningRate = 3e-3,
        FinalLearningRate = 3e-4,
        Seed = 7,
    };

    private static List<TrainingExample> Examples(int count, int pixels = 24) =>
        [.. Enumerable.Range(1, count).Select(s => new SyntheticPairs(pixels).Get(s))];

    /// <summary>A network with every weight and bias random and non-zero, so each parameter kind matters.</summary>
    private static EnhancerNetwork RandomNetwork(TrainerOptions options, int seed)
    {
        var random = new Random(seed);
        var network = EnhancerTrainer.CreateNetwork(options, [0.1f, -0.2f], [0.7f, 1.3f]);
        foreach (var layer in network.Layers)
        {
            for (var i = 0; i < layer.Weights.Length; i++)
            {
                layer.Weights[i] = (float)((random.NextDouble() - 0.5) * 0.6);
            }

            for (var i = 0; i < layer.Bias.Length; i++)
            {
                layer.Bias[i] = (float)((random.NextDouble() - 0.5) * 0.4);
            }
        }

        return network;
    }

    /// <summary>Each sample's input planes (inside their zero ring) uniform in ±1, then its targets uniform in ±0.5.</summary>
    private static void FillRandom(TrainingGraph graph, int batch, int size, int inputs, int outputs, Random random)
    {
        for (var n = 0; n < batch; n++)
        {
            for (var c = 0; c < inputs; c++)
            {
                var plane = graph.InputPlane(n, c);
                for (var y = 0; y < size; y++)
                {
                    for (var x = 0; x < size; x++)
                    {
                        plane[((y + 1) * graph.Stride) + x + 1] = (float)(random.NextDouble() - 0.5) * 2;
                    }
                }
            }

            for (var o = 0; o < outputs; o++)
            {
                var target = graph.TargetPlane(n, o);
                for (var i = 0; i < target.Length; i++)
                {
                    target[i] = (float)(random.NextDouble() - 0.5);
                }
            }
        }
    }

    [Theory]
    [InlineData(40, 21)]
    [InlineData(7, 5)]
    [InlineData(16, 16)]
    public void Forward_RandomNetwork_EqualsReference(int width, int height)
    {
        var network = RandomNetwork(Tiny, 3);
        var random = new Random(5);
        float[][] inputs = [.. Enumerable.Range(0, 2).Select(_ => Enumerable.Range(0, width * height).Select(_ => (float)random.NextDouble()).ToArray())];

        var fast = TrainerForward.Run(network, inputs, width, height);
        var reference = EnhancerReference.Run(network, inputs, width, height);

        var scale = reference[0].Max(v => Math.Abs(v));
        Assert.True(scale > 0.1f);
        for (var i = 0; i < reference[0].Length; i++)
        {
            Assert.True(Math.Abs(fast[0][i] - reference[0][i]) <= 1e-5 * scale, $"sample {i}: {fast[0][i]} vs {reference[0][i]}");
        }
    }

    [Fact]
    public void ComputeGradients_EveryParameterKind_MatchesCentralDifferences()
    {
        var network = RandomNetwork(Tiny, 11);
        const int Batch = 2, Size = 16;
        var graph = new TrainingGraph(network, Batch, Size, Size);
        var random = new Random(13);
        FillRandom(graph, Batch, Size, inputs: 2, outputs: 1, random);

        graph.ComputeGradients(Batch, LossKind.Mse);
        var weightGradients = graph.WeightGradients.Select(g => g.ToArray()).ToArray();
        var biasGradients = graph.BiasGradients.Select(g => g.ToArray()).ToArray();
        var checkedCount = 0;
        for (var l = 0; l < network.Layers.Count; l++)
        {
            var layer = network.Layers[l];
            foreach (var (parameters, gradients) in new[] { (layer.Weights, weightGradients[l]), (layer.Bias, biasGradients[l]) })
            {
                for (var k = 0; k < 6; k++)
                {
                    var index = random.Next(parameters.Length);
                    var original = parameters[index];
                    const float Epsilon = 2e-3f;
                    parameters[index] = original + Epsilon;
                    var plus = graph.ComputeGradients(Batch, LossKind.Mse);
                    parameters[index] = original - Epsilon;
                    var minus = graph.ComputeGradients(Batch, LossKind.Mse);
                    parameters[index] = original;
                    var numeric = (plus - minus) / (2 * Epsilon);
                    var analytic = gradients[index];
                    var tolerance = (0.02 * Math.Max(Math.Abs(numeric), Math.Abs(analytic))) + 2e-4;
                    Assert.True(Math.Abs(numeric - analytic) <= tolerance,
                        $"layer {l} {(parameters == layer.Bias ? "bias" : "weight")} {index}: analytic {analytic}, numeric {numeric}");
                    checkedCount++;
                }
            }
        }

        Assert.Equal(network.Layers.Count * 12, checkedCount);
    }

    [Theory]
    [InlineData(LossKind.Mse)]
    [InlineData(LossKind.L1)]
    public void ComputeGradients_OutputWeights_WeighEachOutputsShare(LossKind loss)
    {
        var options = Tiny with { Outputs = ["Height", "Current"] };
        var network = RandomNetwork(options, 17);
        const int Batch = 2, Size = 12;
        var graph = new TrainingGraph(network, Batch, Size, Size);
        FillRandom(graph, Batch, Size, inputs: 2, outputs: 2, new Random(19));

        (double Loss, float[] Gradient) Run(float[] weights) =>
            (graph.ComputeGradients(Batch, loss, weights), [.. graph.WeightGradients.SelectMany(g => g.ToArray())]);

        // Weights of 1 are no weights at all, bit for bit; otherwise the loss and gradients are the weighted sums of each output's.
        var plain = (Loss: graph.ComputeGradients(Batch, loss), Gradient: graph.WeightGradients.SelectMany(g => g.ToArray()).ToArray());
        var ones = Run([1f, 1f]);
        Assert.Equal(plain.Loss, ones.Loss);
        Assert.Equal(plain.Gradient, ones.Gradient);
        var height = Run([1f, 0f]);
        var current = Run([0f, 1f]);
        var weighted = Run([2f, 0.5f]);
        Assert.True(height.Loss > 0 && current.Loss > 0);
        Assert.Equal((2 * height.Loss) + (0.5 * current.Loss), weighted.Loss, 1e-5 * weighted.Loss);
        var scale = weighted.Gradient.Max(Math.Abs);
        for (var i = 0; i < weighted.Gradient.Length; i++)
        {
            Assert.True(Math.Abs((2 * height.Gradient[i]) + (0.5f * current.Gradient[i]) - weighted.Gradient[i]) <= 1e-4 * scale, $"gradient {i}");
        }

        Assert.Throws<ArgumentException>(() => graph.ComputeGradients(Batch, loss, [1f]));
    }

    [Fact]
    public void Validate_OutputWeights_OnePositiveWeightPerOutputOrNone()
    {
        var options = Tiny with { Outputs = ["Height", "Current"] };
        Assert.Empty((options with { OutputWeights = [1, 0.25] }).Validate());
        Assert.Empty(options.Validate());
        Assert.Contains((options with { OutputWeights = [1] }).Validate(), e => e.StartsWith("outputWeights = [1]", StringComparison.Ordinal));
        Assert.Contains((options with { OutputWeights = [1, 0] }).Validate(), e => e.StartsWith("outputWeights = [1, 0]", StringComparison.Ordinal));
        Assert.Contains((options with { OutputWeights = [1, double.NaN] }).Validate(), e => e.StartsWith("outputWeights", StringComparison.Ordinal));
    }

    [Fact]
    public void Step_TinyProblem_LossDecreases()
    {
        var trainer = new EnhancerTrainer(Tiny, Examples(6));
        var first = Enumerable.Range(0, 10).Select(_ => trainer.Step()).Average();
        for (var i = 0; i < 150; i++)
        {
            trainer.Step();
        }

        var last = Enumerable.Range(0, 10).Select(_ => trainer.Step()).Average();
        Assert.True(last < 0.7 * first, $"loss {first:G4} → {last:G4}");
    }

    [Fact]
    public void Step_SameSeed_BitIdenticalWeights()
    {
        var examples = Examples(3);
        var options = Tiny with { Augment = Augmentation.Dihedral, IntensityScaleMin = 0.5, IntensityScaleMax = 2 };
        var a = new EnhancerTrainer(options, examples);
        var b = new EnhancerTrainer(options, examples);
        var c = new EnhancerTrainer(options with { Seed = 8 }, examples);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(a.Step(), b.Step());
            c.Step();
        }

        for (var l = 0; l < a.Network.Layers.Count; l++)
        {
            Assert.Equal(a.Network.Layers[l].Weights, b.Network.Layers[l].Weights);
            Assert.Equal(a.Network.Layers[l].Bias, b.Network.Layers[l].Bias);
        }

        Assert.NotEqual(a.Network.Layers[0].Weights, c.Network.Layers[0].Weights);
    }

    [Fact]
    public void Step_FrameNormalisation_IndependentOfEachExamplesOffsetAndScale()
    {
        var examples = Examples(3);
        var moved = examples.Select((e, i) => new TrainingExample(e.Seed, e.Width, e.Height,
            e.LowRes.ToDictionary(p => p.Key, p => Affine(p.Value, 10 + i, 5f * (i + 1))),
            e.HighRes.ToDictionary(p => p.Key, p => Affine(p.Value, 10 + i, 5f * (i + 1))))).ToList();
        var options = Tiny with { Normalisation = InputNormalisation.Frame };
        var a = new EnhancerTrainer(options, examples);
        var b = new EnhancerTrainer(options, moved);

        Assert.True(FrameNormalisation.IsPerFrame(a.Network));
        for (var i = 0; i < 5; i++)
        {
            var (la, lb) = (a.Step(), b.Step());
            Assert.True(Math.Abs(la - lb) < 1e-3 * la, $"step {i}: loss {la} vs {lb}");
        }
    }

    private static float[] Affine(float[] values, float scale, float offset) => [.. values.Select(v => (scale * v) + offset)];

    [Fact]
    public void Statistics_TwoChannels_MeanAndStdPerChannel()
    {
        var example = new TrainingExample(1, 2, 1,
            new Dictionary<string, float[]> { ["Height"] = [1, 3], ["Current"] = [5, 5] },
            new Dictionary<string, float[]>());
        var (mean, std) = EnhancerTrainer.Statistics([example], ["Height", "Current"]);
        Assert.Equal([2f, 5f], mean);
        Assert.Equal([1f, 1f], std);
    }

    [Fact]
    public void Validate_BadFields_NamesThem()
    {
        var errors = (Tiny with { Layers = 1, Features = 30, Patch = 20, Outputs = ["Potential"] }).Validate();
        Assert.Contains(errors, e => e.StartsWith("layers = 1", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("features = 30", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("patch = 20", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("outputs:", StringComparison.Ordinal));
    }
}
