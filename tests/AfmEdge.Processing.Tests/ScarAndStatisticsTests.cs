namespace AfmEdge.Processing.Tests;

public sealed class ScarAndStatisticsTests
{
    [Fact]
    public void Scars_InsertedScar_IsMarkedAndRemoved()
    {
        const int w = 64, h = 32;
        var random = new Random(2);
        var clean = Enumerable.Range(0, w * h).Select(i => (float)(Math.Sin(i % w * 0.1) + (0.05 * random.NextDouble()))).ToArray();
        var scarred = (float[])clean.Clone();
        for (var x = 10; x < 40; x++)
        {
            scarred[(15 * w) + x] += 3f;
            scarred[(22 * w) + x + 5] -= 3f;
        }

        var scars = new ScarRemoval();
        var marks = scars.Mark(scarred, w, h);
        Assert.Equal(1, marks[(15 * w) + 20]);
        Assert.Equal(1, marks[(22 * w) + 30]);
        Assert.Equal(0, marks[(5 * w) + 20]);
        var output = TestData.Run(scars, scarred, w, h);
        for (var x = 10; x < 40; x++)
        {
            Assert.True(Math.Abs(output[(15 * w) + x] - clean[(15 * w) + x]) < 0.2, $"x={x}: {output[(15 * w) + x]} vs {clean[(15 * w) + x]}");
        }
    }

    [Fact]
    public void Scars_ShortDefect_IsKept()
    {
        const int w = 64, h = 16;
        var data = new float[w * h];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (i * 7919 % 13) * 0.01f;
        }

        for (var x = 10; x < 15; x++)
        {
            data[(8 * w) + x] += 3f; // 5 px: shorter than the minimum length 16
        }

        Assert.Equal(data, TestData.Run(new ScarRemoval(), data, w, h));
    }

    [Theory]
    [InlineData(64, 32, 1, 0.05)]
    [InlineData(131, 97, 2, 0.3)]
    [InlineData(200, 61, 3, 1.0)]
    [InlineData(17, 9, 4, 0.5)]
    public void Scars_NoisyFieldWithScars_MarksAndResultMatchScalarReference(int width, int height, int seed, double noise)
    {
        // Noise from none to strong: with strong noise many short runs cross the low threshold and only some are kept,
        // so the run rules (spread, minimum length) are exercised, not only the search. Odd widths test the vector tails.
        var random = new Random(seed);
        var data = Enumerable.Range(0, width * height).Select(i => (float)(Math.Sin(i % width * 0.2) + Math.Cos(i / width * 0.15) + (noise * random.NextDouble()))).ToArray();
        for (var s = 0; s < Math.Clamp(height / 10, 1, 6); s++)
        {
            var y = random.Next(1, height - 4);
            // The first runs the whole line, so even the narrowest field has one scar of the minimum length.
            var x0 = s == 0 ? 0 : random.Next(0, width / 2);
            var length = s == 0 ? width : random.Next(4, width - x0);
            var thickness = random.Next(1, 4);
            var step = (float)((random.Next(2) == 0 ? -1 : 1) * (2 + (2 * random.NextDouble())));
            for (var t = 0; t < thickness && y + t < height; t++)
            {
                for (var x = x0; x < x0 + length; x++)
                {
                    data[((y + t) * width) + x] += step;
                }
            }
        }

        var scars = new ScarRemoval();
        var expected = Reference.ScarMarks(data, width, height);
        Assert.Equal(expected, scars.Mark(data, width, height));
        Assert.Contains((byte)1, expected);
        TestData.AssertClose(Reference.RemoveScars(data, width, height), TestData.Run(scars, data, width, height), 1e-6);
    }

    [Fact]
    public void Scars_FlatOrTinyField_MarksNothing()
    {
        Assert.DoesNotContain((byte)1, new ScarRemoval().Mark(new float[40 * 10], 40, 10));
        var narrow = TestData.Field(8, 20, 1);
        Assert.Equal(Reference.ScarMarks(narrow, 8, 20), new ScarRemoval().Mark(narrow, 8, 20));
    }

    [Fact]
    public void Statistics_RandomField_MatchesReference()
    {
        var data = TestData.Field(37, 19, 5);
        AssertStats(Reference.Statistics(data), SurfaceStatistics.Compute(data));
    }

    [Fact]
    public void Statistics_NaNAndMask_AreExcludedAndCounted()
    {
        var data = TestData.Field(20, 10, 6);
        data[3] = float.NaN;
        data[50] = float.PositiveInfinity;
        var mask = new byte[data.Length];
        mask[7] = 1;
        var stats = SurfaceStatistics.Compute(data, mask);
        Assert.Equal(3, stats.Excluded);
        Assert.Equal(197, stats.Count);
        AssertStats(Reference.Statistics(data, mask), stats);
    }

    [Fact]
    public void Statistics_Gaussian_HasZeroSkewAndKurtosis()
    {
        var random = new Random(1);
        var data = Enumerable.Range(0, 200_000).Select(_ =>
            (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))).ToArray();
        var stats = SurfaceStatistics.Compute(data);
        Assert.Equal(1.0, stats.Sq, 1);
        Assert.Equal(Math.Sqrt(2 / Math.PI), stats.Sa, 1);
        Assert.True(Math.Abs(stats.Skew) < 0.05 && Math.Abs(stats.Kurtosis) < 0.1, $"skew {stats.Skew}, kurtosis {stats.Kurtosis}");
    }

    private static void AssertStats(SurfaceStatistics expected, SurfaceStatistics actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Mean, actual.Mean, 1e-9 * Math.Abs(expected.Mean));
        Assert.Equal(expected.Sq, actual.Sq, 1e-9);
        Assert.Equal(expected.Sa, actual.Sa, 1e-9);
        Assert.Equal(expected.Skew, actual.Skew, 1e-8);
        Assert.Equal(expected.Kurtosis, actual.Kurtosis, 1e-8);
        Assert.Equal(expected.Min, actual.Min);
        Assert.Equal(expected.Max, actual.Max);
    }
}
