using AfmEdge.Analysis.Geometry;

namespace AfmEdge.Analysis.Tests;

public sealed class AxisNearestTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, 2)]
    [InlineData(8, 3)]
    [InlineData(17, 4)]
    [InlineData(64, 5)]
    [InlineData(203, 6)]
    public void Nearest_LaneByLane_EqualsTheScalarScanToTheBit(int count, int seed)
    {
        var random = new Random(seed);

        // Points on a coarse grid (many ties of the squared distance), a few NaN and infinite coordinates.
        var xs = new double[count];
        var ys = new double[count];
        for (var i = 0; i < count; i++)
        {
            xs[i] = random.Next(6);
            ys[i] = random.Next(6);
            switch (random.Next(25))
            {
                case 0:
                    xs[i] = double.NaN;
                    break;
                case 1:
                    ys[i] = double.PositiveInfinity;
                    break;
            }
        }

        for (var probe = 0; probe < 50; probe++)
        {
            var (px, py) = (random.Next(12) * 0.5, random.Next(12) * 0.5);
            var expected = ChromosomeAxis.NearestScalar(xs, ys, px, py);
            var actual = ChromosomeAxis.Nearest(xs, ys, px, py);
            Assert.Equal(expected.At, actual.At);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected.D), BitConverter.DoubleToInt64Bits(actual.D));
        }
    }

    [Fact]
    public void Nearest_EveryPointNaN_FindsNone()
    {
        var nan = Enumerable.Repeat(double.NaN, 12).ToArray();

        Assert.Equal((double.PositiveInfinity, -1), ChromosomeAxis.Nearest(nan, nan, 1, 1));
    }
}
