using System.Globalization;
using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Training;

/// <summary>
/// Trains an <see cref="EnhancerNetwork"/> on pairs held in memory: each step draws a batch of random
/// low-resolution patches (with the matching target patches) and their augmentation from a seeded generator,
/// runs <see cref="TrainingGraph"/> and takes one Adam step on a warm-up + cosine learning-rate schedule.
/// Everything random comes from <see cref="TrainerOptions.Seed"/>, so a seed gives bit-identical weights.
/// </summary>
public sealed class EnhancerTrainer
{
    private readonly TrainerOptions _options;
    private readonly Prepared[] _examples;
    private readonly TrainingGraph _graph;
    private readonly AdamOptimizer _adam;
    private readonly float[][] _gradients;
    private readonly SplitMix64 _random;
    private readonly PatchDraw[] _draws;
    private readonly ParallelOptions _parallel;
    private readonly SplitMix64 _decoyRandom;
    private readonly FieldDecoys[] _decoys;
    private readonly float[] _outputWeights;

    // Per input channel, its index in DecoyChannels, or -1 where it gets no decoys.
    private readonly int[] _decoyChannel;

    public EnhancerTrainer(TrainerOptions options, IReadOnlyList<TrainingExample> examples)
        : this(options, examples, initial: null)
    {
    }

    /// <summary>
    /// A trainer that starts from a copy of <paramref name="initial"/> (its weights and stored statistics; the
    /// original is never changed) instead of a fresh network: fine-tuning. Its input and output channels and its
    /// normalisation must be the options'; the options' layer count, features and slope are then not used.
    /// </summary>
    /// <param name="options">Steps, batch, patch, schedule, loss and seed.</param>
    /// <param name="examples">The training pairs.</param>
    /// <param name="initial">The network to continue from, or null for a fresh one.</param>
    /// <param name="maxParallelism">Threads each step may use (-1: all), see <see cref="TrainingGraph"/>.</param>
    public EnhancerTrainer(TrainerOptions options, IReadOnlyList<TrainingExample> examples, EnhancerNetwork? initial, int maxParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(examples);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid training options: " + string.Join(" ", errors), nameof(options));
        }

        if (examples.Count == 0)
        {
            throw new ArgumentException("Training needs at least one example.", nameof(examples));
        }

        foreach (var e in examples)
        {
            if (e.Width < options.Patch || e.Height < options.Patch)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Example {e.Seed} is {e.Width}×{e.Height}, smaller than the {options.Patch}² patch."), nameof(examples));
            }
        }

        _options = options;
        if (initial is null)
        {
            var (mean, std) = Statistics(examples, options.Channels);
            Network = CreateNetwork(options, mean, std);
        }
        else
        {
            CheckMatches(options, initial);
            Network = initial.Copy();
        }

        _examples = [.. examples.Select(e => Prepare(e, Network, options.Normalisation))];
        _graph = new TrainingGraph(Network, options.Batch, options.Patch, options.Patch, maxParallelism);
        _outputWeights = [.. options.OutputWeights.Select(w => (float)w)];
        _gradients = [.. Network.Layers.SelectMany((_, l) => new[] { _graph.WeightGradients[l], _graph.BiasGradients[l] })];
        _adam = new AdamOptimizer([.. Network.Layers.SelectMany(l => new[] { l.Weights, l.Bias })]);
        // The data stream has its own generator, derived from the seed, so it does not shift with the network size.
        _random = new SplitMix64((ulong)options.Seed ^ 0xDA7A5EEDUL);
        _draws = new PatchDraw[options.Batch];
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = maxParallelism };
        // Decoys draw from their own generator, so switching them on leaves the patches, flips and scales as they were.
        _decoyRandom = new SplitMix64((ulong)options.Seed ^ 0xDEC0_0B10BUL);
        _decoys = [.. Enumerable.Range(0, options.Batch).Select(_ => new FieldDecoys(options.DecoyBlobs, options.DecoyChannels.Count))];
        _decoyChannel = [.. options.Channels.Select(c => options.DecoyProbability > 0 ? ChannelNames.IndexOf(options.DecoyChannels, c) : -1)];
    }

    /// <summary>The network being trained; its weights change in place with every step.</summary>
    public EnhancerNetwork Network { get; }

    public int StepsDone { get; private set; }

    /// <summary>The learning rate of step <paramref name="step"/> (0-based): linear warm-up, then cosine decay.</summary>
    public double LearningRateAt(int step)
    {
        if (step < _options.WarmupSteps)
        {
            return _options.LearningRate * (step + 1) / _options.WarmupSteps;
        }

        var progress = (double)(step - _options.WarmupSteps) / Math.Max(1, _options.Steps - _options.WarmupSteps);
        return _options.FinalLearningRate + (0.5 * (_options.LearningRate - _options.FinalLearningRate) * (1 + Math.Cos(Math.PI * Math.Min(1, progress))));
    }

    /// <summary>One optimisation step on a fresh batch; returns the batch's loss before the update.</summary>
    public double Step()
    {
        FillBatch();
        var loss = _graph.ComputeGradients(_draws.Length, _options.Loss, _outputWeights);
        _adam.Step(_gradients, LearningRateAt(StepsDone));
        StepsDone++;
        return loss;
    }

    /// <summary>The graph holding the batch's inputs and targets (tests read the planes <see cref="FillBatch"/> wrote).</summary>
    internal TrainingGraph Graph => _graph;

    /// <summary>Draws the next batch (patches, augmentation, decoys) and writes it into the graph's input and target planes.</summary>
    internal void FillBatch()
    {
        for (var n = 0; n < _draws.Length; n++)
        {
            var example = _examples[_random.NextInt(_examples.Length)];
            var transform = _options.Augment switch
            {
                Augmentation.Dihedral => _random.NextInt(8),
                Augmentation.Flips => _random.NextInt(4),
                Augmentation.FlipX => _random.NextInt(2),
                _ => 0,
            };
            var logMin = Math.Log(_options.IntensityScaleMin);
            var scale = (float)Math.Exp(logMin + ((Math.Log(_options.IntensityScaleMax) - logMin) * _random.NextDouble()));
            _draws[n] = new PatchDraw(
                example, _random.NextInt(example.Width - _options.Patch + 1), _random.NextInt(example.Height - _options.Patch + 1), transform, scale);
            if (_options.DecoyProbability > 0)
            {
                _decoys[n].Draw(_decoyRandom, _options, _options.Patch);
            }
        }

        Parallel.For(0, _draws.Length, _parallel, FillSample);
    }

    /// <summary>Per-channel mean and standard deviation of the low-resolution inputs over all examples (double sums, fixed order).</summary>
    public static (float[] Mean, float[] Std) Statistics(IReadOnlyList<TrainingExample> examples, IReadOnlyList<string> channels)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(channels);
        var mean = new float[channels.Count];
        var std = new float[channels.Count];
        for (var c = 0; c < channels.Count; c++)
        {
            double sum = 0, sumSquares = 0;
            long count = 0;
            foreach (var e in examples)
            {
                var plane = Plane(e.LowRes, channels[c], e.Seed, "low-resolution");
                foreach (var v in plane)
                {
                    sum += v;
                    sumSquares += (double)v * v;
                }

                count += plane.Length;
            }

            var m = sum / count;
            var variance = Math.Max(0, (sumSquares / count) - (m * m));
            mean[c] = (float)m;
            // A constant channel carries no information; any positive scale keeps the network well defined.
            std[c] = variance > 0 ? (float)Math.Sqrt(variance) : 1f;
        }

        return (mean, std);
    }

    /// <summary>
    /// A network with He-initialised weights for LeakyReLU (normal, σ = √(2 / ((1 + slope²)·9·in))) and zero
    /// biases; the residual layer starts ten times smaller, so training starts close to plain bicubic.
    /// </summary>
    public static EnhancerNetwork CreateNetwork(TrainerOptions options, float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(options);
        var random = new SplitMix64((ulong)options.Seed);
        var layers = new List<ConvLayer>();
        var inputs = options.Channels.Count;
        for (var l = 0; l < options.Layers; l++)
        {
            var last = l == options.Layers - 1;
            var outputs = last ? 4 * options.Outputs.Count : options.Features;
            var sigma = Math.Sqrt(2 / ((1 + ((double)options.Slope * options.Slope)) * 9 * inputs)) * (last ? 0.1 : 1);
            var weights = new float[outputs * inputs * 9];
            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] = (float)(sigma * random.NextGaussian());
            }

            layers.Add(new ConvLayer(inputs, outputs, weights, new float[outputs], last ? Activation.None : Activation.LeakyRelu, last ? 0 : options.Slope));
            inputs = outputs;
        }

        var metadata = options.Normalisation == InputNormalisation.Frame
            ? new Dictionary<string, string>(StringComparer.Ordinal) { [FrameNormalisation.MetadataKey] = FrameNormalisation.PerFrame }
            : null;
        return new EnhancerNetwork(options.Name, options.Channels, options.Outputs, mean, std, layers, metadata);
    }

    private static void CheckMatches(TrainerOptions options, EnhancerNetwork initial)
    {
        if (!initial.InputChannels.SequenceEqual(options.Channels, StringComparer.Ordinal)
            || !initial.OutputChannels.SequenceEqual(options.Outputs, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                $"Network '{initial.Name}' maps [{string.Join(", ", initial.InputChannels)}] → [{string.Join(", ", initial.OutputChannels)}], but the options say "
                + $"[{string.Join(", ", options.Channels)}] → [{string.Join(", ", options.Outputs)}].", nameof(initial));
        }

        if (FrameNormalisation.IsPerFrame(initial) != (options.Normalisation == InputNormalisation.Frame))
        {
            throw new ArgumentException(
                $"Network '{initial.Name}' normalises {(FrameNormalisation.IsPerFrame(initial) ? "per frame" : "by stored statistics")}, but the options say {options.Normalisation}.",
                nameof(initial));
        }
    }

    private void FillSample(int n)
    {
        var draw = _draws[n];
        var example = draw.Example;
        var patch = _options.Patch;
        var stride = patch + 2;
        for (var c = 0; c < example.Inputs.Length; c++)
        {
            var source = example.Inputs[c];
            var target = _graph.InputPlane(n, c);
            for (var y = 0; y < patch; y++)
            {
                for (var x = 0; x < patch; x++)
                {
                    var (sx, sy) = Map(x, y, patch, draw.Transform);
                    target[((y + 1) * stride) + x + 1] = draw.Scale * source[((draw.Y + sy) * example.Width) + draw.X + sx];
                }
            }

            if (_decoyChannel[c] >= 0)
            {
                _decoys[n].AddTo(_decoyChannel[c], target, patch, stride, stride + 1);
            }
        }

        var outPatch = 2 * patch;
        var outWidth = 2 * example.Width;
        for (var o = 0; o < example.Residuals.Length; o++)
        {
            var source = example.Residuals[o];
            var target = _graph.TargetPlane(n, o);
            for (var y = 0; y < outPatch; y++)
            {
                for (var x = 0; x < outPatch; x++)
                {
                    var (sx, sy) = Map(x, y, outPatch, draw.Transform);
                    target[(y * outPatch) + x] = draw.Scale * source[(((2 * draw.Y) + sy) * outWidth) + (2 * draw.X) + sx];
                }
            }

            if (_decoyChannel[Network.OutputSourceIndex[o]] is var decoy and >= 0)
            {
                _decoys[n].AddToResidual(decoy, target, patch);
            }
        }
    }

    /// <summary>
    /// Where patch pixel (x, y) comes from under transform bits (1: mirror x, 2: mirror y, 4: transpose). A low-
    /// resolution pixel and its four high-resolution children map to each other under every transform, because
    /// 2·(n − 1 − x) + (1 − d) = 2n − 1 − (2x + d).
    /// </summary>
    private static (int X, int Y) Map(int x, int y, int size, int transform)
    {
        if ((transform & 4) != 0)
        {
            (x, y) = (y, x);
        }

        if ((transform & 1) != 0)
        {
            x = size - 1 - x;
        }

        if ((transform & 2) != 0)
        {
            y = size - 1 - y;
        }

        return (x, y);
    }

    private static Prepared Prepare(TrainingExample example, EnhancerNetwork network, InputNormalisation normalisation)
    {
        var mean = network.Mean;
        var std = network.Std;
        if (normalisation == InputNormalisation.Frame)
        {
            // The example's own statistics, exactly as FrameNormalisation gives them to the enhancer.
            mean = new float[network.InputChannels.Count];
            std = new float[mean.Length];
            for (var c = 0; c < mean.Length; c++)
            {
                var (centre, scale) = FrameNormalisation.Statistics(Plane(example.LowRes, network.InputChannels[c], example.Seed, "low-resolution"));
                mean[c] = centre;
                std[c] = scale > 0 && float.IsFinite(scale) ? scale : network.Std[c];
            }
        }

        var inputs = new float[network.InputChannels.Count][];
        for (var c = 0; c < inputs.Length; c++)
        {
            var plane = Plane(example.LowRes, network.InputChannels[c], example.Seed, "low-resolution");
            if (plane.Length != example.Width * example.Height)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Example {example.Seed}: low-resolution '{network.InputChannels[c]}' has {plane.Length} samples, not {example.Width}×{example.Height}."));
            }

            inputs[c] = [.. plane.Select(v => (v - mean[c]) / std[c])];
        }

        // The target is the residual over the bicubic skip of the whole frame (not of the patch), in normalised units.
        var residuals = new float[network.OutputChannels.Count][];
        for (var o = 0; o < residuals.Length; o++)
        {
            var name = network.OutputChannels[o];
            var source = network.OutputSourceIndex[o];
            var high = Plane(example.HighRes, name, example.Seed, "high-resolution");
            if (high.Length != 4 * example.Width * example.Height)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Example {example.Seed}: high-resolution '{name}' has {high.Length} samples, not {2 * example.Width}×{2 * example.Height}."));
            }

            var bicubic = new float[high.Length];
            BicubicUpsampler.Upsample(Plane(example.LowRes, name, example.Seed, "low-resolution"), example.Width, example.Height, bicubic);
            var residual = new float[high.Length];
            for (var i = 0; i < residual.Length; i++)
            {
                residual[i] = (high[i] - bicubic[i]) / std[source];
            }

            residuals[o] = residual;
        }

        return new Prepared(example.Width, example.Height, inputs, residuals);
    }

    private static float[] Plane(IReadOnlyDictionary<string, float[]> planes, string channel, long seed, string which) =>
        planes.TryGetValue(channel, out var plane)
            ? plane
            : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Example {seed} has no {which} '{channel}' channel; it has {string.Join(", ", planes.Keys)}."));

    private sealed record Prepared(int Width, int Height, float[][] Inputs, float[][] Residuals);

    private readonly record struct PatchDraw(Prepared Example, int X, int Y, int Transform, float Scale);
}
