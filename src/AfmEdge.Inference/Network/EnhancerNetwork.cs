namespace AfmEdge.Inference.Network;

/// <summary>
/// The multimodal ×2 super-resolution network, as one value every part of AfmEdge agrees on: the trainer
/// fills it, <c>OnnxModelWriter</c> writes it, <c>OnnxModelReader</c> reads it back, and each engine computes
/// exactly the function <see cref="EnhancerReference"/> defines. For each output channel o (an input channel
/// by name, Height first):
/// <code>
///   n[c]   = (x[c] − Mean[c]) / Std[c]                      per input channel (early fusion: all channels in)
///   h      = Layers[^1]( … LeakyReLU(Layers[0](n)) … )      3×3 convs, zero padding; the last has 4·O outputs
///   r      = DepthToSpace(h, 2), CRD order                   r[o][2y+dy][2x+dx] = h[4o + 2dy + dx][y][x]
///   out[o] = Bicubic×2(x[o]) + Std[o] · r[o]                 global skip; bicubic as BicubicUpsampler (a = −0.5,
///                                                            edge samples replicated)
/// </code>
/// So the convolutions learn a residual in normalised units on top of the bicubic image in physical units.
/// </summary>
public sealed class EnhancerNetwork
{
    public const int Scale = 2;

    public EnhancerNetwork(
        string name,
        IReadOnlyList<string> inputChannels,
        IReadOnlyList<string> outputChannels,
        float[] mean,
        float[] std,
        IReadOnlyList<ConvLayer> layers,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(inputChannels);
        ArgumentNullException.ThrowIfNull(outputChannels);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        ArgumentNullException.ThrowIfNull(layers);
        if (inputChannels.Count == 0 || inputChannels.Distinct(StringComparer.Ordinal).Count() != inputChannels.Count)
        {
            throw new ArgumentException("The network needs at least one input channel, each named once.", nameof(inputChannels));
        }

        if (outputChannels.Count == 0 || outputChannels.Any(o => !inputChannels.Contains(o, StringComparer.Ordinal)))
        {
            throw new ArgumentException(
                $"Output channels [{string.Join(", ", outputChannels)}] must be input channels [{string.Join(", ", inputChannels)}].",
                nameof(outputChannels));
        }

        if (mean.Length != inputChannels.Count || std.Length != inputChannels.Count)
        {
            throw new ArgumentException($"Mean and Std need one value per input channel ({inputChannels.Count}).", nameof(mean));
        }

        if (mean.Any(m => !float.IsFinite(m)) || std.Any(s => !float.IsFinite(s) || s <= 0))
        {
            throw new ArgumentException("Mean must be finite and Std finite and positive for every channel.", nameof(std));
        }

        if (layers.Count == 0)
        {
            throw new ArgumentException("The network needs at least one convolution.", nameof(layers));
        }

        var channels = inputChannels.Count;
        for (var i = 0; i < layers.Count; i++)
        {
            if (layers[i].InChannels != channels)
            {
                throw new ArgumentException($"Layer {i} takes {layers[i].InChannels} channels but receives {channels}.", nameof(layers));
            }

            channels = layers[i].OutChannels;
        }

        if (channels != 4 * outputChannels.Count)
        {
            throw new ArgumentException(
                $"The last layer must give 4 × {outputChannels.Count} channels for DepthToSpace ×2, not {channels}.", nameof(layers));
        }

        if (layers[^1].Activation != Activation.None)
        {
            throw new ArgumentException("The last layer is the residual and must have no activation.", nameof(layers));
        }

        Name = name;
        InputChannels = [.. inputChannels];
        OutputChannels = [.. outputChannels];
        Mean = mean;
        Std = std;
        Layers = [.. layers];
        Metadata = metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(metadata);
        OutputSourceIndex = [.. OutputChannels.Select(o => InputChannels.ToList().IndexOf(o))];
    }

    public string Name { get; }

    /// <summary>Channel names, e.g. ["Height", "Current", "Potential", "Adhesion"], in the order the input tensor stacks them.</summary>
    public IReadOnlyList<string> InputChannels { get; }

    /// <summary>Channels the network outputs at ×2; Height first.</summary>
    public IReadOnlyList<string> OutputChannels { get; }

    /// <summary>For each output channel, its index among the input channels.</summary>
    public IReadOnlyList<int> OutputSourceIndex { get; }

    /// <summary>Per input channel normalisation, in the channel's base SI unit.</summary>
    public float[] Mean { get; }

    public float[] Std { get; }

    public IReadOnlyList<ConvLayer> Layers { get; }

    /// <summary>Free-form facts carried into the ONNX file's metadata_props (training seed, epochs, data, …).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public int ParameterCount => Layers.Sum(l => l.ParameterCount);

    /// <summary>
    /// A deep copy (weights, biases and statistics in new arrays), e.g. for training on without touching the network
    /// in use; <paramref name="metadata"/> replaces the metadata when given.
    /// </summary>
    public EnhancerNetwork Copy(IReadOnlyDictionary<string, string>? metadata = null) => new(
        Name,
        InputChannels,
        OutputChannels,
        [.. Mean],
        [.. Std],
        [.. Layers.Select(l => new ConvLayer(l.InChannels, l.OutChannels, [.. l.Weights], [.. l.Bias], l.Activation, l.NegativeSlope))],
        metadata ?? Metadata);

    /// <summary>Multiply-accumulates of the convolutions per input (low-resolution) pixel.</summary>
    public long MacsPerInputPixel => Layers.Sum(l => (long)l.InChannels * l.OutChannels * 9);

    /// <summary>Multiply-accumulates per output pixel: four output pixels per input pixel (the bicubic skip adds 16 per output channel).</summary>
    public double MacsPerOutputPixel => MacsPerInputPixel / 4.0;

    /// <summary>
    /// Input pixels on each side that influence one output pixel: one per 3×3 layer, and at least the
    /// bicubic skip's two. Tiles need a halo at least this wide to equal full-frame inference.
    /// </summary>
    public int ReceptiveRadius => Math.Max(Layers.Count, 2);
}
