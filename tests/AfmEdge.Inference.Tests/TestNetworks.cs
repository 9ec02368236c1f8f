using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Tests;

/// <summary>Small seeded networks and inputs for the engine tests, and the comparison they share.</summary>
internal static class TestNetworks
{
    public static EnhancerNetwork Random(int seed, int channels = 4, int layers = 3, int features = 8, int outputs = 1) =>
        RandomNetwork.Create(seed, channels, layers, features, outputs);

    public static float[] Input(EnhancerNetwork network, int width, int height, int seed) => RandomNetwork.Input(network, width, height, seed);

    /// <summary><see cref="RandomNetwork.Input"/> as one plane per input channel, the way the reference takes it.</summary>
    public static float[][] InputPlanes(EnhancerNetwork network, int width, int height, int seed) =>
        Planes(Input(network, width, height, seed), network.InputChannels.Count, width * height);

    public static float[][] Planes(float[] planar, int count, int length) =>
        [.. Enumerable.Range(0, count).Select(c => planar.AsSpan(c * length, length).ToArray())];

    /// <summary>max |expected − actual| over the output, relative to the expected output's range.</summary>
    public static double RelativeError(float[][] expected, ReadOnlySpan<float> actual)
    {
        var min = expected.SelectMany(p => p).Min();
        var max = expected.SelectMany(p => p).Max();
        var range = Math.Max(max - min, 1e-30);
        double worst = 0;
        var k = 0;
        foreach (var plane in expected)
        {
            foreach (var value in plane)
            {
                worst = Math.Max(worst, Math.Abs(value - actual[k++]));
            }
        }

        return worst / range;
    }
}
