using System.Runtime.Intrinsics.X86;
using AfmEdge.Analysis.Segmentation;

namespace AfmEdge.Analysis.Tests;

public sealed class PlaneFitRowsTests
{
    [Theory]
    [InlineData(16, 8, 1, false)]
    [InlineData(19, 7, 2, false)]
    [InlineData(37, 13, 3, true)]
    [InlineData(64, 64, 4, true)]
    [InlineData(5, 4, 5, true)]
    public void FitAndRemovePlane_FourRowsInLanes_EqualsRowByRowToTheBit(int width, int rows, int seed, bool withObjects)
    {
        if (!Avx2.IsSupported)
        {
            Assert.Skip("The four-row path needs AVX2.");
        }

        var (data, objects) = Image(width, rows, seed, withObjects);
        var scalar = (float[])data.Clone();
        var vector = (float[])data.Clone();

        HeightSegmenter.FitAndRemovePlane(scalar, width, rows, 0.3e-9, objects, vectorRows: false);
        HeightSegmenter.FitAndRemovePlane(vector, width, rows, 0.3e-9, objects, vectorRows: true);

        Assert.Equal(scalar.Select(BitConverter.SingleToInt32Bits), vector.Select(BitConverter.SingleToInt32Bits));
        Assert.NotEqual(data.Select(BitConverter.SingleToInt32Bits), vector.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(64, 64, 6, false, true)]
    [InlineData(37, 29, 7, true, true)]
    [InlineData(45, 30, 8, true, false)]
    public void FitAndRemovePlane_RowsInTwoHalvesSideBySide_EqualsOnePassToTheBit(int width, int rows, int seed, bool withObjects, bool vectorRows)
    {
        if (vectorRows && !Avx2.IsSupported)
        {
            Assert.Skip("The four-row path needs AVX2.");
        }

        var (data, objects) = Image(width, rows, seed, withObjects);
        var one = (float[])data.Clone();
        var halves = (float[])data.Clone();

        HeightSegmenter.FitAndRemovePlane(one, width, rows, 0.3e-9, objects, vectorRows, parallel: false);
        HeightSegmenter.FitAndRemovePlane(halves, width, rows, 0.3e-9, objects, vectorRows, parallel: true);

        Assert.Equal(one.Select(BitConverter.SingleToInt32Bits), halves.Select(BitConverter.SingleToInt32Bits));
        Assert.NotEqual(data.Select(BitConverter.SingleToInt32Bits), halves.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(16, 1, false, 9, 40, 0.3e-9)]
    [InlineData(23, 2, true, 9, 40, 0.3e-9)]
    [InlineData(512, 3, true, 9, 40, 0.3e-9)]
    // Rare blobs and rare non-finite samples: most 4×4 blocks are fitted whole (their count and Σx taken apart).
    [InlineData(512, 4, true, 400, 2000, 0.3e-9)]
    [InlineData(259, 5, false, 400, 2000, 0.3e-9)]
    [InlineData(64, 6, false, 1_000_000, 1_000_000, double.PositiveInfinity)]
    [InlineData(67, 7, true, 300, 1_000_000, double.PositiveInfinity)]
    public void RowSums4_EachLane_EqualsTheRowsScalarSumsToTheBit(int width, int seed, bool withObjects, int blobOneIn, int specialOneIn, double below)
    {
        if (!Avx2.IsSupported)
        {
            Assert.Skip("The four-row path needs AVX2.");
        }

        const int Rows = 6;
        var (data, objects) = Image(width, Rows, seed, withObjects, blobOneIn, specialOneIn);
        var sums = new double[20];
        HeightSegmenter.RowSums4(data, objects, width, 1, below, sums);

        for (var r = 0; r < 4; r += 2)
        {
            var (first, second) = HeightSegmenter.RowSums(data, objects, width, 1 + r, 2 + r, below);
            foreach (var (row, expected) in new[] { (r, first), (r + 1, second) })
            {
                double[] lane = [sums[row], sums[4 + row], sums[8 + row], sums[12 + row], sums[16 + row]];
                double[] scalar = [expected.R1, expected.Rx, expected.Rxx, expected.Rz, expected.Rxz];
                Assert.Equal(scalar.Select(BitConverter.DoubleToInt64Bits), lane.Select(BitConverter.DoubleToInt64Bits));
            }
        }
    }

    [Theory]
    [InlineData(64, 64, 9, false, true, 0.3e-9)]
    [InlineData(37, 29, 10, true, true, 0.3e-9)]
    [InlineData(45, 30, 11, true, false, 0.3e-9)]
    [InlineData(21, 6, 12, false, false, 0.3e-9)]
    [InlineData(40, 12, 13, false, true, -1.0)]
    public void FitAndRemovePlane_ReturnsTheFiniteRangeOfTheResult(int width, int rows, int seed, bool withObjects, bool parallel, double below)
    {
        // below = −1 m: no pixel is fitted, the frame is left as it was and its range still returned.
        var (data, objects) = Image(width, rows, seed, withObjects);
        foreach (var vectorRows in new[] { false, Avx2.IsSupported })
        {
            var leveled = (float[])data.Clone();

            var range = HeightSegmenter.FitAndRemovePlane(leveled, width, rows, below, objects, vectorRows, parallel, findRange: true);
            var withoutRange = (float[])data.Clone();
            var none = HeightSegmenter.FitAndRemovePlane(withoutRange, width, rows, below, objects, vectorRows, parallel, findRange: false);

            var expected = HeightSegmenter.FiniteRange(leveled);
            Assert.Equal(BitConverter.SingleToInt32Bits(expected.Min), BitConverter.SingleToInt32Bits(range!.Value.Min));
            Assert.Equal(BitConverter.SingleToInt32Bits(expected.Max), BitConverter.SingleToInt32Bits(range.Value.Max));
            Assert.True(range!.Value.Max > range.Value.Min, "no finite spread: the case tests nothing");
            Assert.Null(none);
            Assert.Equal(leveled.Select(BitConverter.SingleToInt32Bits), withoutRange.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Theory]
    [InlineData(37, 9, 15)]
    [InlineData(8, 4, 16)]
    public void RemovePlane_ZerosOfBothSigns_LeastIsMinusZeroAndGreatestPlusZero(int width, int rows, int seed)
    {
        // A zero plane leaves ±0 as they are; the range orders −0 before +0 (as Math.Min and Math.Max do) in every lane.
        var random = new Random(seed);
        var data = Enumerable.Range(0, width * rows).Select(_ => random.Next(5) switch
        {
            0 => -0f,
            1 => float.NaN,
            2 => float.NegativeInfinity,
            _ => 0f,
        }).ToArray();

        var (min, max) = HeightSegmenter.RemovePlane(data, width, 0, rows, 0, 0, 0, findRange: true);

        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(min));
        Assert.Equal(BitConverter.SingleToInt32Bits(0f), BitConverter.SingleToInt32Bits(max));
    }

    [Fact]
    public void LeastFloatNotBelow_FloatBelowIt_ExactlyWhenItsDoubleIsBelowTheThreshold()
    {
        var random = new Random(14);
        double[] thresholds = [0, -0.0, 0.3e-9, -0.3e-9, 1e39, -1e39, double.PositiveInfinity, double.NegativeInfinity, double.NaN,
            double.Epsilon, float.MaxValue, -(double)float.MaxValue, .. Enumerable.Range(0, 200).Select(_ => (random.NextDouble() - 0.5) * 1e-8)];
        foreach (var threshold in thresholds)
        {
            var limit = HeightSegmenter.LeastFloatNotBelow(threshold);
            var near = (float)threshold;
            float[] candidates = [near, MathF.BitIncrement(near), MathF.BitDecrement(near), limit, MathF.BitDecrement(limit), 0f, -0f,
                float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.MinValue, float.Epsilon];
            foreach (var z in candidates)
            {
                Assert.True((z < limit) == ((double)z < threshold), $"z = {z:R}, threshold = {threshold:R}, limit = {limit:R}");
            }
        }
    }

    // A tilted substrate with rough noise, raised blobs (one pixel in blobOneIn), and NaN, ±∞ and −0 samples (one in
    // specialOneIn); objects over some of the blobs.
    private static (float[] Data, int[]? Objects) Image(int width, int rows, int seed, bool withObjects, int blobOneIn = 9, int specialOneIn = 40)
    {
        var random = new Random(seed);
        var data = new float[width * rows];
        var objects = withObjects ? new int[width * rows] : null;
        for (var i = 0; i < data.Length; i++)
        {
            var x = i % width;
            var y = i / width;
            var value = (1e-10 * x) - (0.7e-10 * y) + ((random.NextDouble() - 0.5) * 2e-10);
            if (random.Next(blobOneIn) == 0)
            {
                value += 1e-9;
                if (objects is not null && random.Next(2) == 0)
                {
                    objects[i] = 1 + random.Next(3);
                }
            }

            data[i] = random.Next(specialOneIn) switch
            {
                0 => float.NaN,
                1 => float.PositiveInfinity,
                2 => float.NegativeInfinity,
                3 => -0f,
                _ => (float)value,
            };
        }

        return (data, objects);
    }
}
