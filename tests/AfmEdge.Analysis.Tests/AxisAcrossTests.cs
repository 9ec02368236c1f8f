using AfmEdge.Analysis.Geometry;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// The width and height across the axis, four steps' points at a time, equal the step-by-step walk to the bit: objects
/// cut by the image's edge, other objects beside them, stacked pixels, NaN heights, short limits and NaN points; and the
/// profiles' smoothing, four samples at a time, equals one by one.
/// </summary>
public sealed class AxisAcrossTests
{
    [Theory]
    [InlineData(1, 60, 45, false)]
    [InlineData(2, 97, 64, true)]
    [InlineData(3, 33, 120, true)]
    public void Across_RandomPointsAndNormals_EqualsTheStepByStepWalk(int seed, int width, int rows, bool withStacked)
    {
        var random = new Random(seed);
        var instances = new int[width * rows];
        var leveled = new float[width * rows];
        for (var blob = 0; blob < 8; blob++)
        {
            double cx = random.Next(-4, width + 4), cy = random.Next(-4, rows + 4), r = random.Next(2, 20);
            var id = 1 + random.Next(2);
            for (var y = 0; y < rows; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    if (((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) < r * r)
                    {
                        instances[(y * width) + x] = id;
                    }
                }
            }
        }

        for (var i = 0; i < leveled.Length; i++)
        {
            leveled[i] = random.Next(50) == 0 ? float.NaN : (float)((random.NextDouble() - 0.2) * 1e-7);
        }

        var stacked = withStacked ? instances.Select(_ => random.Next(40) == 0).ToArray() : null;
        var axis = new ChromosomeAxis(instances, width, rows, 1, null, stacked);
        var walked = 0;
        for (var k = 0; k < 3000; k++)
        {
            var x = random.NextDouble() * width;
            var y = random.NextDouble() * rows;
            var angle = random.NextDouble() * 2 * Math.PI;
            var (nx, ny) = k % 7 == 0 ? (1.0, 0.0) : k % 11 == 0 ? (0.0, -1.0) : (Math.Cos(angle), Math.Sin(angle));
            var limit = k % 5 == 0 ? random.Next(0, 4) * 0.3 : (4 * random.Next(1, 20)) + 4;
            if (k % 97 == 0)
            {
                (x, nx) = (double.NaN, k % 2 == 0 ? nx : double.NaN);
            }

            var expected = axis.AcrossReference(leveled, x, y, nx, ny, limit);
            var actual = axis.Across(leveled, x, y, nx, ny, limit);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Width), BitConverter.DoubleToInt64Bits(actual.Width));
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Height), BitConverter.DoubleToInt64Bits(actual.Height));
            walked += expected.Width > 4 ? 1 : 0;
        }

        Assert.True(walked > 100);
    }

    [Fact]
    public void Largest_RandomDistances_EqualsTheScalarMaximum()
    {
        var random = new Random(5);
        for (var n = 0; n < 40; n++)
        {
            var values = Enumerable.Range(0, n).Select(_ => random.Next(3) == 0 ? 0f : (float)(random.NextDouble() * 30)).ToArray();
            Assert.Equal(values.Length == 0 ? 0f : values.Max(), ChromosomeAxis.Largest(values));
        }
    }

    [Theory]
    [InlineData(0, 1.5)]
    [InlineData(1, 1.5)]
    [InlineData(2, 2.0)]
    [InlineData(9, 1.5)]
    [InlineData(10, 1.5)]
    [InlineData(11, 0.7)]
    [InlineData(40, 3.3)]
    [InlineData(203, 6.0)]
    [InlineData(37, 20.0)]
    public void Smooth_FourSamplesAtOnce_EqualsOneByOne(int count, double sigma)
    {
        var random = new Random(count);
        var values = Enumerable.Range(0, count).Select(_ => random.NextDouble() * 1e-7).ToArray();

        var expected = ChromosomeAxis.Smooth(values, sigma, vectors: false);
        var actual = ChromosomeAxis.Smooth(values, sigma, vectors: true);

        Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), actual.Select(BitConverter.DoubleToInt64Bits));
    }
}
