using AfmEdge.Analysis.Segmentation;

namespace AfmEdge.Analysis.Tests;

/// <summary>Otsu's histogram eight values at a time counts every value in the bin and partial histogram the scalar loop does.</summary>
public sealed class OtsuHistogramTests
{
    [Theory]
    [InlineData(8, 1, false)]
    [InlineData(13, 2, true)]
    [InlineData(1000, 3, false)]
    [InlineData(4099, 4, true)]
    [InlineData(70_001, 5, true)]
    public void Histogram_EightAtATime_EqualsScalarCounts(int count, int seed, bool nonFinite)
    {
        var random = new Random(seed);
        var data = new float[count];
        for (var i = 0; i < count; i++)
        {
            data[i] = (nonFinite ? random.Next(30) : 10) switch
            {
                0 => float.NaN,
                1 => float.PositiveInfinity,
                2 => float.NegativeInfinity,
                3 => -0f,
                < 8 => (float)(80e-9 * random.NextDouble()),
                _ => (float)(0.4e-9 * (random.NextDouble() - 0.5)),
            };
        }

        // The extremes land in the first and the last bin.
        data[count / 2] = -2e-9f;
        data[count - 1] = 90e-9f;
        var (min, max) = HeightSegmenter.FiniteRange(data);
        var scale = (HeightSegmenter.HistogramBins - 1) / ((double)max - min);
        var scalar = new int[HeightSegmenter.Partials * HeightSegmenter.PartialStride];
        var vector = new int[scalar.Length];

        var scalarTotal = HeightSegmenter.Histogram(data, min, scale, scalar, vectors: false);
        var vectorTotal = HeightSegmenter.Histogram(data, min, scale, vector, vectors: true);

        Assert.Equal(scalarTotal, vectorTotal);
        Assert.Equal(data.Count(float.IsFinite), vectorTotal);
        Assert.Equal(scalar, vector);
        Assert.True(Enumerable.Range(0, HeightSegmenter.Partials).Sum(p => vector[(p * HeightSegmenter.PartialStride) + HeightSegmenter.HistogramBins - 1]) > 0,
            "nothing in the last bin: the case does not reach the top of the range");
    }

    [Fact]
    public void Histogram_PartialsTooShort_NamesThem()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => HeightSegmenter.Histogram(new float[16], 0, 1, new int[100], vectors: true));
        Assert.Equal("partial", error.ParamName);
    }
}
