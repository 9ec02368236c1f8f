using AfmEdge.Analysis.Segmentation;

namespace AfmEdge.Analysis.Tests;

public sealed class FiniteRangeTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(5, 2)]
    [InlineData(8, 3)]
    [InlineData(1000, 4)]
    [InlineData(1003, 5)]
    public void FiniteRange_WithNonFiniteSamples_EqualsScanningTheFiniteOnes(int count, int seed)
    {
        var random = new Random(seed);
        var data = Enumerable.Range(0, count).Select(i => (i % 5) switch
        {
            0 => float.NaN,
            1 => i % 2 == 0 ? float.PositiveInfinity : float.NegativeInfinity,
            _ => (float)((random.NextDouble() - 0.5) * 1e-7),
        }).ToArray();

        var finite = data.Where(float.IsFinite).ToArray();
        var expected = finite.Length == 0 ? (float.PositiveInfinity, float.NegativeInfinity) : (finite.Min(), finite.Max());

        Assert.Equal(expected, HeightSegmenter.FiniteRange(data));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(7, 2)]
    [InlineData(8, 3)]
    [InlineData(1003, 4)]
    public void CopyCountingFinite_WithNonFiniteSamples_CopiesEveryBitAndCountsTheFiniteOnes(int count, int seed)
    {
        var random = new Random(seed);
        var data = Enumerable.Range(0, count).Select(_ => random.Next(6) switch
        {
            0 => float.NaN,
            1 => float.PositiveInfinity,
            2 => float.NegativeInfinity,
            3 => -0f,
            _ => (float)((random.NextDouble() - 0.5) * 1e-7),
        }).ToArray();
        var target = Enumerable.Repeat(1f, count + 3).ToArray();

        var finite = HeightSegmenter.CopyCountingFinite(data, target);

        Assert.Equal(data.Count(float.IsFinite), finite);
        Assert.Equal(data.Select(BitConverter.SingleToInt32Bits), target.Take(count).Select(BitConverter.SingleToInt32Bits));
        Assert.All(target.Skip(count), v => Assert.Equal(1f, v));
    }
}
