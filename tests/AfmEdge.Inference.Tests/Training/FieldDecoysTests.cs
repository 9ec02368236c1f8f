using AfmEdge.Inference.Training;

namespace AfmEdge.Inference.Tests.Training;

public sealed class FieldDecoysTests
{
    private static readonly TrainerOptions Options = new()
    {
        Name = "decoys",
        Channels = ["Height", "Current", "Potential"],
        Outputs = ["Height"],
        Layers = 3,
        Features = 8,
        Patch = 16,
        Batch = 6,
        Steps = 10,
        WarmupSteps = 1,
        Seed = 3,
        Augment = Augmentation.Dihedral,
        IntensityScaleMin = 0.5,
        IntensityScaleMax = 2,
    };

    private static readonly TrainerOptions WithDecoys = Options with { DecoyProbability = 1, DecoyChannels = ["Current"], DecoyAmplitude = 3, DecoyBlobs = 2 };

    // Three channels, so a channel that is neither Height nor named (Potential) shows that decoys stay where named.
    private static List<TrainingExample> Examples() =>
        [.. Enumerable.Range(1, 3).Select(s => new SyntheticPairs(24).Get(s)).Select(e => new TrainingExample(e.Seed, e.Width, e.Height,
            new Dictionary<string, float[]>(e.LowRes) { ["Potential"] = [.. e.LowRes["Current"].Select(v => (0.5f * v) + 1)] },
            new Dictionary<string, float[]>(e.HighRes) { ["Potential"] = [.. e.HighRes["Current"].Select(v => (0.5f * v) + 1)] }))];

    private static (float[][] Inputs, float[] Targets) Batch(EnhancerTrainer trainer, int channels, int samples)
    {
        trainer.FillBatch();
        var inputs = new float[channels][];
        for (var c = 0; c < channels; c++)
        {
            inputs[c] = [.. Enumerable.Range(0, samples).SelectMany(n => trainer.Graph.InputPlane(n, c).ToArray())];
        }

        return (inputs, [.. Enumerable.Range(0, samples).SelectMany(n => trainer.Graph.TargetPlane(n, 0).ToArray())]);
    }

    [Fact]
    public void FillBatch_Decoys_ChangeOnlyTheNamedInputChannel()
    {
        var examples = Examples();
        var plain = new EnhancerTrainer(Options, examples);
        var decoyed = new EnhancerTrainer(WithDecoys, examples);
        for (var step = 0; step < 3; step++)
        {
            var (plainInputs, plainTargets) = Batch(plain, 3, Options.Batch);
            var (decoyInputs, decoyTargets) = Batch(decoyed, 3, Options.Batch);

            // Same patches, flips and scales (the decoys have their own generator); Height, Potential and the target as without decoys.
            Assert.Equal(plainInputs[0], decoyInputs[0]);
            Assert.Equal(plainInputs[2], decoyInputs[2]);
            Assert.Equal(plainTargets, decoyTargets);

            var stride = Options.Patch + 2;
            var plane = stride * stride;
            for (var n = 0; n < Options.Batch; n++)
            {
                var changed = 0;
                for (var i = 0; i < plane; i++)
                {
                    var (y, x) = (i / stride, i % stride);
                    var difference = decoyInputs[1][(n * plane) + i] - plainInputs[1][(n * plane) + i];
                    if (y == 0 || x == 0 || y == stride - 1 || x == stride - 1)
                    {
                        Assert.Equal(0f, difference); // the zero-padding ring stays zero
                    }
                    else
                    {
                        Assert.True(Math.Abs(difference) <= (WithDecoys.DecoyBlobs * WithDecoys.DecoyAmplitude) + 1e-4, $"sample {n}: {difference}");
                        changed += Math.Abs(difference) > 1e-3 ? 1 : 0;
                    }
                }

                Assert.True(changed > 0, $"step {step}, sample {n}: probability 1 but Current unchanged");
            }
        }
    }

    [Fact]
    public void FillBatch_SameSeed_SameDecoys_OtherSeed_OtherDecoys()
    {
        var examples = Examples();
        var a = Batch(new EnhancerTrainer(WithDecoys, examples), 3, Options.Batch).Inputs[1];
        var b = Batch(new EnhancerTrainer(WithDecoys, examples), 3, Options.Batch).Inputs[1];
        var c = Batch(new EnhancerTrainer(WithDecoys with { Seed = 4 }, examples), 3, Options.Batch).Inputs[1];
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void FillBatch_HalfProbability_SomePatchesKeepTheirFields()
    {
        var examples = Examples();
        var plain = new EnhancerTrainer(Options, examples);
        var decoyed = new EnhancerTrainer(WithDecoys with { DecoyProbability = 0.5 }, examples);
        var plane = (Options.Patch + 2) * (Options.Patch + 2);
        int kept = 0, changed = 0;
        for (var step = 0; step < 10; step++)
        {
            var before = Batch(plain, 3, Options.Batch).Inputs[1];
            var after = Batch(decoyed, 3, Options.Batch).Inputs[1];
            for (var n = 0; n < Options.Batch; n++)
            {
                var same = before.AsSpan(n * plane, plane).SequenceEqual(after.AsSpan(n * plane, plane));
                (kept, changed) = same ? (kept + 1, changed) : (kept, changed + 1);
            }
        }

        Assert.InRange(kept, 15, 45);
        Assert.Equal(60, kept + changed);
    }

    [Fact]
    public void Validate_DecoysOnHeightOrUnknownChannel_NamesThem()
    {
        Assert.Contains((WithDecoys with { DecoyChannels = ["Current", "Current"] }).Validate(), e => e.StartsWith("decoyChannels:", StringComparison.Ordinal));
        Assert.Contains((WithDecoys with { DecoyChannels = ["Adhesion"] }).Validate(), e => e.StartsWith("decoyChannels:", StringComparison.Ordinal));
        Assert.Contains((WithDecoys with { DecoyChannels = [] }).Validate(), e => e.StartsWith("decoyChannels:", StringComparison.Ordinal));
        Assert.Contains((WithDecoys with { DecoyProbability = 1.5 }).Validate(), e => e.StartsWith("decoyProbability = 1.5", StringComparison.Ordinal));
        Assert.Contains((WithDecoys with { DecoyWidthMin = 5, DecoyWidthMax = 2 }).Validate(), e => e.StartsWith("decoyWidth = [5, 2]", StringComparison.Ordinal));
        Assert.Empty(WithDecoys.Validate());
        Assert.Empty((WithDecoys with { Outputs = ["Height", "Current"] }).Validate()); // an output: carried into its target
        Assert.Empty((Options with { DecoyChannels = ["Height"] }).Validate()); // off: the channel list is not used
    }

    [Fact]
    public void FillBatch_DecoysOnAnOutput_CarryIntoItsTargetOnly()
    {
        var examples = Examples();
        var outputs = Options with { Outputs = ["Height", "Current"] };
        var plain = new EnhancerTrainer(outputs, examples);
        var decoyed = new EnhancerTrainer(outputs with { DecoyProbability = 1, DecoyChannels = ["Current"], DecoyAmplitude = 3, DecoyBlobs = 2 }, examples);
        var plane = 4 * Options.Patch * Options.Patch;
        for (var step = 0; step < 3; step++)
        {
            plain.FillBatch();
            decoyed.FillBatch();
            for (var n = 0; n < Options.Batch; n++)
            {
                Assert.Equal(plain.Graph.TargetPlane(n, 0).ToArray(), decoyed.Graph.TargetPlane(n, 0).ToArray()); // Height's truth has no blobs
                var before = plain.Graph.TargetPlane(n, 1).ToArray();
                var after = decoyed.Graph.TargetPlane(n, 1).ToArray();
                var largest = Enumerable.Range(0, plane).Max(i => Math.Abs(after[i] - before[i]));

                // The truth gains the blobs, the skip bicubic(blobs): the residual only their difference, small for blobs
                // two or more pixels wide, yet not nothing.
                Assert.InRange(largest, 1e-6, 0.05 * WithDecoys.DecoyAmplitude);
            }
        }
    }

    [Fact]
    public void AddToResidual_IsTheBlobsLessTheirBicubic_NothingWithoutBlobs()
    {
        const int Patch = 12;
        var decoys = new FieldDecoys(maxBlobs: 1, channels: 1);
        var target = new float[4 * Patch * Patch];
        decoys.Draw(new SplitMix64(1), WithDecoys with { DecoyProbability = 0 }, Patch);
        decoys.AddToResidual(0, target, Patch);
        Assert.All(target, v => Assert.Equal(0f, v));

        // Wide blobs are near polynomials over the bicubic's reach, which it reproduces; narrow ones it cannot.
        var wide = Residual(decoys, WithDecoys with { DecoyBlobs = 1, DecoyWidthMin = 40, DecoyWidthMax = 40 }, Patch);
        var narrow = Residual(decoys, WithDecoys with { DecoyBlobs = 1, DecoyWidthMin = 0.6, DecoyWidthMax = 0.6 }, Patch);
        Assert.True(narrow > 1e-3, $"narrow blob: {narrow}");
        Assert.True(wide < narrow / 100, $"wide blob: {wide}, narrow {narrow}");
    }

    private static float Residual(FieldDecoys decoys, TrainerOptions options, int patch)
    {
        // Seed 5 centres its blob inside the patch (the draw puts it anywhere in it).
        decoys.Draw(new SplitMix64(5), options, patch);
        var target = new float[4 * patch * patch];
        decoys.AddToResidual(0, target, patch);
        return target.Max(Math.Abs);
    }
}
