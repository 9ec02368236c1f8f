using AfmEdge.Inference.Native;

namespace AfmEdge.Inference.Tests;

/// <summary>
/// The engine's vector reshuffles between image rows and phase rows give the scalar loops' results bit for bit: the
/// native engine's output must not change with them.
/// </summary>
public sealed class PhaseShuffleTests
{
    [Theory]
    [InlineData(16)]
    [InlineData(33)]
    [InlineData(64)]
    [InlineData(257)]
    public void Normalise_Row_EqualsScalarPerSampleBitwise(int width)
    {
        SkipUnlessSupported();
        var layout = ActivationLayout.Frame(PaddedBlocks(width), 1);
        var source = Samples(width, seed: width);
        var row = new float[layout.RowStride];
        Array.Fill(row, float.NaN);
        const float mean = 0.37f, std = 1.9f;

        var blocks = PhaseShuffle.Normalise(source, mean, std, row, layout);

        Assert.Equal(width / 16 * 4, blocks);
        for (var t = 0; t < blocks; t++)
        {
            for (var phase = 0; phase < 4; phase++)
            {
                var expected = (source[(4 * t) + phase] - mean) / std;
                Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(row[layout.Phase(phase) + t]));
            }
        }

        // Blocks past those it reports are left for the scalar loop.
        Assert.True(float.IsNaN(row[layout.Phase0 + blocks]));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(33)]
    [InlineData(64)]
    [InlineData(257)]
    public void AddResidual_Row_EqualsScalarPerSampleBitwise(int width)
    {
        SkipUnlessSupported();
        var layout = ActivationLayout.Frame(PaddedBlocks(width), 1);
        var dx0 = Samples(layout.RowStride, seed: 1);
        var dx1 = Samples(layout.RowStride, seed: 2);
        var row = Samples(2 * width, seed: 3);
        var before = (float[])row.Clone();
        const float std = 0.73f;

        var blocks = PhaseShuffle.AddResidual(row, dx0, dx1, layout, std);

        Assert.Equal(width / 16 * 4, blocks);
        for (var x = 0; x < width; x++)
        {
            var t = x / 4;
            var at = layout.Phase(x & 3) + t;
            var done = t < blocks;
            var expected0 = done ? before[2 * x] + (std * dx0[at]) : before[2 * x];
            var expected1 = done ? before[(2 * x) + 1] + (std * dx1[at]) : before[(2 * x) + 1];
            Assert.Equal(BitConverter.SingleToInt32Bits(expected0), BitConverter.SingleToInt32Bits(row[2 * x]));
            Assert.Equal(BitConverter.SingleToInt32Bits(expected1), BitConverter.SingleToInt32Bits(row[(2 * x) + 1]));
        }
    }

    private static void SkipUnlessSupported()
    {
        if (!PhaseShuffle.IsSupported)
        {
            Assert.Skip("No 128-bit shuffles on this hardware: the engine uses the scalar loop alone.");
        }
    }

    private static int PaddedBlocks(int width) => ((width + 3) / 4 + 15) / 16 * 16;

    // Ordinary values with signed zeros, subnormals and large magnitudes among them, where rounding differences would show.
    private static float[] Samples(int length, int seed)
    {
        float[] special = [0f, -0f, float.Epsilon, -1e-40f, 3e37f, -2.5e-38f];
        var random = new Random(seed);
        var samples = new float[length];
        for (var i = 0; i < length; i++)
        {
            samples[i] = i % 7 == 3 ? special[i % special.Length] : (float)((random.NextDouble() * 20) - 10);
        }

        return samples;
    }
}
