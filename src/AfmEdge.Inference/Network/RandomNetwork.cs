namespace AfmEdge.Inference.Network;

/// <summary>
/// Seeded, randomly initialised enhancer networks of a given shape: for benchmarks of untrained shapes and for
/// engine tests on odd shapes. Weights are uniform with He-like scale so activations stay O(1) through the depth.
/// </summary>
public static class RandomNetwork
{
    /// <summary>The channel names in the order the multimodal models stack them.</summary>
    public static readonly IReadOnlyList<string> ChannelNames = ["Height", "Current", "Potential", "Adhesion"];

    /// <param name="seed">Seed of the weights, biases and normalisation.</param>
    /// <param name="channels">Input channels, 1 to 4, named after <see cref="ChannelNames"/>.</param>
    /// <param name="layers">3×3 convolutions, at least 1.</param>
    /// <param name="features">Features of the hidden layers.</param>
    /// <param name="outputs">Output channels (the first inputs), each giving 4 channels to DepthToSpace.</param>
    public static EnhancerNetwork Create(int seed, int channels = 4, int layers = 8, int features = 32, int outputs = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, ChannelNames.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(outputs, channels);
        var random = new Random(seed);
        var convs = new List<ConvLayer>();
        var inChannels = channels;
        for (var l = 0; l < layers; l++)
        {
            var last = l == layers - 1;
            var outChannels = last ? 4 * outputs : features;
            var scale = Math.Sqrt(6.0 / (9 * inChannels));
            var weights = new float[outChannels * inChannels * 9];
            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] = (float)(((2 * random.NextDouble()) - 1) * scale);
            }

            var bias = new float[outChannels];
            for (var o = 0; o < outChannels; o++)
            {
                bias[o] = (float)((random.NextDouble() - 0.5) * 0.2);
            }

            convs.Add(new ConvLayer(inChannels, outChannels, weights, bias, last ? Activation.None : Activation.LeakyRelu, 0.1f));
            inChannels = outChannels;
        }

        var names = ChannelNames.Take(channels).ToArray();
        var mean = new float[channels];
        var std = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            mean[c] = (float)(1e-7 * (c + 1));
            std[c] = (float)(2e-8 * (c + 1));
        }

        return new EnhancerNetwork($"random-{layers}x{features}-seed{seed}", names, names[..outputs], mean, std, convs);
    }

    /// <summary>A planar C·h·w input in the network's units: Mean + Std · (smooth pattern + uniform noise), seeded.</summary>
    public static float[] Input(EnhancerNetwork network, int width, int height, int seed)
    {
        ArgumentNullException.ThrowIfNull(network);
        var random = new Random(seed);
        var channels = network.InputChannels.Count;
        var data = new float[channels * width * height];
        for (var c = 0; c < channels; c++)
        {
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var pattern = (Math.Sin((0.3 * x) + c) * Math.Cos((0.2 * y) - c)) + (random.NextDouble() - 0.5);
                    data[(((c * height) + y) * width) + x] = (float)(network.Mean[c] + (network.Std[c] * pattern));
                }
            }
        }

        return data;
    }
}
