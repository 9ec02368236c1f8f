using AfmEdge.Analysis.Segmentation;

namespace AfmEdge.Analysis.Tests;

public sealed class SubstrateCollectTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(7, 2)]
    [InlineData(64, 3)]
    [InlineData(1003, 4)]
    public void CollectBelow_BlocksAtOnce_EqualsValueByValueToTheBit(int count, int seed)
    {
        var data = Samples(count, seed);
        var scalar = new float[count];
        var vector = new float[count];

        var scalarCount = HeightSegmenter.CollectBelow(data, 0.5e-9, scalar, vectors: false);
        var vectorCount = HeightSegmenter.CollectBelow(data, 0.5e-9, vector, vectors: true);

        Assert.Equal(scalarCount, vectorCount);
        Assert.Equal(scalar.Take(scalarCount).Select(BitConverter.SingleToInt32Bits), vector.Take(vectorCount).Select(BitConverter.SingleToInt32Bits));
        Assert.All(vector.Take(vectorCount), v => Assert.True(float.IsFinite(v) && v < 0.5e-9));
    }

    [Theory]
    [InlineData(5, 1)]
    [InlineData(1003, 2)]
    public void AbsoluteDeviations_LaneByLane_EqualsTheScalarLoopToTheBit(int count, int seed)
    {
        var data = Samples(count, seed).Select(v => float.IsFinite(v) ? v : 0f).ToArray();
        var scalar = (float[])data.Clone();
        var vector = (float[])data.Clone();

        HeightSegmenter.AbsoluteDeviations(scalar, 0.1e-9f, vectors: false);
        HeightSegmenter.AbsoluteDeviations(vector, 0.1e-9f, vectors: true);

        Assert.Equal(scalar.Select(BitConverter.SingleToInt32Bits), vector.Select(BitConverter.SingleToInt32Bits));
    }

    // Runs of substrate (all below the limit) broken by raised pixels, NaN, ±∞ and −0.
    private static float[] Samples(int count, int seed)
    {
        var random = new Random(seed);
        var data = new float[count];
        for (var i = 0; i < count; i++)
        {
            data[i] = (i / 8 % 3 == 0 ? random.Next(12) : 99) switch
            {
                0 => float.NaN,
                1 => float.PositiveInfinity,
                2 => float.NegativeInfinity,
                3 => -0f,
                4 => 0.5e-9f,
                5 => 2e-9f,
                _ => (float)((random.NextDouble() - 0.5) * 1e-9),
            };
        }

        return data;
    }
}
