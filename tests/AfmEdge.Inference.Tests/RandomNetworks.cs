using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Tests;

/// <summary>Seeded random networks and inputs in physical units, for comparing engines with the reference.</summary>
internal static class RandomNetworks
{
    public static readonly string[] FourChannels = ["Height", "Current", "Potential", "Adhesion"];

    public static EnhancerNetwork Create(int seed, string[] inputs, string[] outputs, int layers, int features, float slope = 0.1f)
    {
        var random = new Random(seed);
        var convs = new List<ConvLayer>();
        var channels = inputs.Length;
        for (var i = 0; i < layers; i++)
        {
            var last = i == layers - 1;
            var outChannels = last ? 4 * outputs.Length : features;
            var scale = MathF.Sqrt(2f / (channels * 9));
            var weights = new float[outChannels * channels * 9];
            for (var k = 0; k < weights.Length; k++)
            {
                weights[k] = ((float)random.NextDouble() - 0.5f) * 2 * scale;
            }

            var bias = new float[outChannels];
            for (var k = 0; k < bias.Length; k++)
            {
                bias[k] = ((float)random.NextDouble() - 0.5f) * 0.1f;
            }

            convs.Add(new ConvLayer(channels, outChannels, weights, bias, last ? Activation.None : Activation.LeakyRelu, last ? 0f : slope));
            channels = outChannels;
        }

        // Physical scales as the instrument gives them: metres, amperes, volts, newtons.
        float[] typicalMean = [1e-7f, 2e-10f, 0.3f, 1e-9f];
        float[] typicalStd = [5e-8f, 1e-10f, 0.05f, 3e-10f];
        return new EnhancerNetwork(
            $"random-{seed}",
            inputs,
            outputs,
            [.. inputs.Select((_, c) => typicalMean[c % 4])],
            [.. inputs.Select((_, c) => typicalStd[c % 4])],
            convs,
            new Dictionary<string, string> { ["seed"] = seed.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    /// <summary>Planes around each channel's mean with structure and noise, as a frame would give.</summary>
    public static float[][] Input(EnhancerNetwork network, int width, int height, int seed)
    {
        var random = new Random(seed);
        var planes = new float[network.InputChannels.Count][];
        for (var c = 0; c < planes.Length; c++)
        {
            planes[c] = new float[width * height];
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var wave = MathF.Sin(x * 0.4f + c) * MathF.Cos(y * 0.3f);
                    planes[c][(y * width) + x] = network.Mean[c] + (network.Std[c] * (wave + ((float)random.NextDouble() - 0.5f)));
                }
            }
        }

        return planes;
    }

    public static float[] Stack(float[][] planes) => [.. planes.SelectMany(p => p)];
}
