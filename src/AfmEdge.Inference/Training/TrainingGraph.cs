using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Training;

/// <summary>
/// Forward and backward passes of an <see cref="EnhancerNetwork"/>'s convolutions over a batch of
/// normalised width×height patches, with buffers allocated once. The caller writes normalised input
/// patches (<see cref="InputPlane"/>) and residual targets (<see cref="TargetPlane"/>, (2w)×(2h) per output
/// channel, in normalised units); <see cref="ComputeGradients"/> runs forward, the loss, DepthToSpace and
/// backward, and leaves gradients shaped as each layer's Weights and Bias. Samples run in parallel; every
/// sum has a fixed order, so the result is the same on any number of cores.
/// </summary>
public sealed class TrainingGraph
{
    private readonly EnhancerNetwork _network;
    private readonly int _plane;
    private readonly float[][] _activations;
    private readonly float[] _input;
    private readonly float[] _targets;
    private readonly float[] _gradientA;
    private readonly float[] _gradientB;
    private readonly float[][] _packed;
    private readonly float[][] _packedAdjoint;
    private readonly double[] _sampleLoss;
    private readonly ParallelOptions _parallel;
    private int _samples;
    private LossKind _loss;
    private readonly float[] _outputWeights;

    /// <param name="network">The network whose layers are run and differentiated (weights read at each pass).</param>
    /// <param name="batchSize">Patches per pass.</param>
    /// <param name="width">Patch width in input pixels.</param>
    /// <param name="height">Patch height in input pixels.</param>
    /// <param name="maxParallelism">
    /// Threads a pass may use; -1 (default) for all. A background job (on-device fine-tuning) passes 1 so it never
    /// takes more than one core from the live pipeline; results do not depend on it (every sum has a fixed order).
    /// </param>
    public TrainingGraph(EnhancerNetwork network, int batchSize, int width, int height, int maxParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (maxParallelism is 0 or < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxParallelism), maxParallelism, "Parallelism must be -1 (all cores) or at least 1.");
        }

        _parallel = new ParallelOptions { MaxDegreeOfParallelism = maxParallelism };
        _outputWeights = [.. network.OutputChannels.Select(_ => 1f)];
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        for (var l = 0; l < network.Layers.Count; l++)
        {
            if (network.Layers[l].OutChannels % ConvKernels.OutputBlock != 0)
            {
                throw new ArgumentException(
                    $"Layer {l} has {network.Layers[l].OutChannels} outputs; the trainer needs a multiple of {ConvKernels.OutputBlock}.", nameof(network));
            }

            if (l > 0 && network.Layers[l].InChannels % ConvKernels.OutputBlock != 0)
            {
                throw new ArgumentException(
                    $"Layer {l} has {network.Layers[l].InChannels} inputs; the trainer needs a multiple of {ConvKernels.OutputBlock}.", nameof(network));
            }
        }

        _network = network;
        BatchSize = batchSize;
        Width = width;
        Height = height;
        _plane = (width + 2) * (height + 2);
        _input = new float[batchSize * network.InputChannels.Count * _plane];
        _activations = [.. network.Layers.Select(l => new float[batchSize * l.OutChannels * _plane])];
        // Gradient planes are stored per layer as [sample][channel]; two buffers of the widest layer serve all.
        var maxChannels = network.Layers.Max(l => l.OutChannels);
        _gradientA = new float[batchSize * maxChannels * _plane];
        _gradientB = new float[batchSize * maxChannels * _plane];
        _targets = new float[batchSize * network.OutputChannels.Count * 4 * width * height];
        _packed = [.. network.Layers.Select(l => new float[l.Weights.Length])];
        _packedAdjoint = [.. network.Layers.Select(l => new float[l.Weights.Length])];
        WeightGradients = [.. network.Layers.Select(l => new float[l.Weights.Length])];
        BiasGradients = [.. network.Layers.Select(l => new float[l.Bias.Length])];
        _sampleLoss = new double[batchSize];
    }

    public int BatchSize { get; }
    public int Width { get; }
    public int Height { get; }

    /// <summary>dLoss/dWeights per layer, [out, in, 3, 3] as <see cref="ConvLayer.Weights"/>.</summary>
    public IReadOnlyList<float[]> WeightGradients { get; }

    public IReadOnlyList<float[]> BiasGradients { get; }

    /// <summary>Row stride of the padded planes: <see cref="Width"/> + 2.</summary>
    public int Stride => Width + 2;

    /// <summary>
    /// The padded (w+2)×(h+2) plane of input channel <paramref name="channel"/> of sample <paramref name="sample"/>,
    /// normalised; the image sits at (1, 1) and the border must stay zero.
    /// </summary>
    public Span<float> InputPlane(int sample, int channel) =>
        _input.AsSpan(((sample * _network.InputChannels.Count) + channel) * _plane, _plane);

    /// <summary>The (2w)×(2h) residual target of output channel <paramref name="channel"/> of a sample, in normalised units.</summary>
    public Span<float> TargetPlane(int sample, int channel)
    {
        var size = 4 * Width * Height;
        return _targets.AsSpan(((sample * _network.OutputChannels.Count) + channel) * size, size);
    }

    /// <summary>Runs the convolutions on the first <paramref name="samples"/> input patches.</summary>
    public void Forward(int samples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(samples, BatchSize);
        _samples = samples;
        for (var l = 0; l < _network.Layers.Count; l++)
        {
            var layer = _network.Layers[l];
            ConvKernels.Pack(layer.Weights, layer.InChannels, layer.OutChannels, transposeFlip: false, _packed[l]);
        }

        Parallel.For(0, samples, _parallel, ForwardSample);
    }

    /// <summary>
    /// The residual r[o] (before Std scaling) of a sample after <see cref="Forward"/>, written as (2w)×(2h) planes
    /// into <paramref name="destination"/> (O·4·w·h floats).
    /// </summary>
    public void CopyResidual(int sample, Span<float> destination)
    {
        var last = _activations[^1];
        var outputs = _network.OutputChannels.Count;
        var stride = Stride;
        var outWidth = 2 * Width;
        for (var o = 0; o < outputs; o++)
        {
            for (var y = 0; y < Height; y++)
            {
                for (var x = 0; x < Width; x++)
                {
                    for (var d = 0; d < 4; d++)
                    {
                        var h = last[(((sample * 4 * outputs) + (4 * o) + d) * _plane) + ((y + 1) * stride) + x + 1];
                        destination[(o * 4 * Width * Height) + ((((2 * y) + (d >> 1)) * outWidth) + (2 * x) + (d & 1))] = h;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Forward, loss (mean over all residual samples of the batch) and backward over the first
    /// <paramref name="samples"/> patches; returns the loss.
    /// </summary>
    public double ComputeGradients(int samples, LossKind loss) => ComputeGradients(samples, loss, []);

    /// <summary>As <see cref="ComputeGradients(int, LossKind)"/>, each output's residuals weighted (empty: 1 each).</summary>
    public double ComputeGradients(int samples, LossKind loss, ReadOnlySpan<float> outputWeights)
    {
        if (outputWeights.Length != 0 && outputWeights.Length != _outputWeights.Length)
        {
            throw new ArgumentException($"{outputWeights.Length} output weights for {_outputWeights.Length} outputs.", nameof(outputWeights));
        }

        Forward(samples);
        _loss = loss;
        if (outputWeights.Length == 0)
        {
            _outputWeights.AsSpan().Fill(1f);
        }
        else
        {
            outputWeights.CopyTo(_outputWeights);
        }

        // The first layer's input gradient is never needed (and its input count need not be a multiple of 4).
        for (var l = 1; l < _network.Layers.Count; l++)
        {
            var layer = _network.Layers[l];
            ConvKernels.Pack(layer.Weights, layer.InChannels, layer.OutChannels, transposeFlip: true, _packedAdjoint[l]);
        }

        Parallel.For(0, samples, _parallel, LossSample);
        var total = 0.0;
        for (var n = 0; n < samples; n++)
        {
            total += _sampleLoss[n];
        }

        // The last layer's gradient is in _gradientA; each step writes the previous layer's into the other buffer.
        var current = _gradientA;
        var next = _gradientB;
        for (var l = _network.Layers.Count - 1; l >= 0; l--)
        {
            var layer = _network.Layers[l];
            var input = l == 0 ? _input : _activations[l - 1];
            var gradient = current;
            var weightGradient = WeightGradients[l];
            var biasGradient = BiasGradients[l];
            var blocks = layer.OutChannels / ConvKernels.OutputBlock;
            Parallel.For(0, blocks * layer.InChannels, _parallel, job =>
                ConvKernels.WeightGradients(
                    input, layer.InChannels, gradient, layer.OutChannels, samples, Width, Height,
                    (job / layer.InChannels) * ConvKernels.OutputBlock, job % layer.InChannels, weightGradient, biasGradient));
            if (l > 0)
            {
                var previous = _activations[l - 1];
                var packed = _packedAdjoint[l];
                var target = next;
                Parallel.For(0, samples, _parallel, n =>
                {
                    var outSize = layer.OutChannels * _plane;
                    var inSize = layer.InChannels * _plane;
                    ConvKernels.Convolve(
                        gradient.AsSpan(n * outSize, outSize), layer.OutChannels, packed, [], layer.InChannels, Width, Height,
                        leaky: false, _network.Layers[l - 1].NegativeSlope, previous.AsSpan(n * inSize, inSize), target.AsSpan(n * inSize, inSize));
                });
                (current, next) = (next, current);
            }
        }

        return total / ((double)samples * _network.OutputChannels.Count * 4 * Width * Height);
    }

    private void ForwardSample(int n)
    {
        var input = _input.AsSpan(n * _network.InputChannels.Count * _plane, _network.InputChannels.Count * _plane);
        for (var l = 0; l < _network.Layers.Count; l++)
        {
            var layer = _network.Layers[l];
            var output = _activations[l].AsSpan(n * layer.OutChannels * _plane, layer.OutChannels * _plane);
            ConvKernels.Convolve(
                input, layer.InChannels, _packed[l], layer.Bias, layer.OutChannels, Width, Height,
                layer.Activation == Activation.LeakyRelu, layer.NegativeSlope, [], output);
            input = output;
        }
    }

    private void LossSample(int n)
    {
        var outputs = _network.OutputChannels.Count;
        var count = (double)_samples * outputs * 4 * Width * Height;
        var scale = _loss == LossKind.Mse ? (float)(2 / count) : (float)(1 / count);
        var last = _activations[^1];
        var stride = Stride;
        var outWidth = 2 * Width;
        var size = 4 * Width * Height;
        var sum = 0.0;
        for (var c = 0; c < 4 * outputs; c++)
        {
            var o = c >> 2;
            var weighted = scale * _outputWeights[o];
            var weight = _outputWeights[o];
            var dy = (c >> 1) & 1;
            var dx = c & 1;
            var planeAt = ((n * 4 * outputs) + c) * _plane;
            var targetAt = ((n * outputs) + o) * size;
            var gradientAt = ((n * 4 * outputs) + c) * _plane;
            for (var y = 0; y < Height; y++)
            {
                var rowSum = 0f;
                for (var x = 0; x < Width; x++)
                {
                    var at = ((y + 1) * stride) + x + 1;
                    var diff = last[planeAt + at] - _targets[targetAt + (((2 * y) + dy) * outWidth) + (2 * x) + dx];
                    if (_loss == LossKind.Mse)
                    {
                        rowSum += weight * diff * diff;
                        _gradientA[gradientAt + at] = weighted * diff;
                    }
                    else
                    {
                        rowSum += weight * MathF.Abs(diff);
                        _gradientA[gradientAt + at] = diff > 0 ? weighted : diff < 0 ? -weighted : 0;
                    }
                }

                sum += rowSum;
            }
        }

        _sampleLoss[n] = sum;
    }
}
