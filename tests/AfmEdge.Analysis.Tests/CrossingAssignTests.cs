using AfmEdge.Analysis.Segmentation;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// The crossing splitter's distance from every object pixel to a chain's axis: pruned tile by tile, it must give every
/// float the brute-force pass over each axis sample's square reach gave (the splits depend on them, ties included).
/// </summary>
public sealed class CrossingAssignTests
{
    [Theory]
    [InlineData(1, 60, 40, 3)]
    [InlineData(2, 97, 131, 12)]
    [InlineData(3, 200, 90, 40)]
    [InlineData(4, 33, 250, 7)]
    public void NearestSquared_CurvedAxisOverBlob_EqualsBruteForce(int seed, int w, int h, int reach)
    {
        var random = new Random(seed);

        // A blob (ellipse with ragged edges, a hole) and a bent axis with jittered samples about a pixel apart, some
        // beyond the grid: the reach clips at the edges, and pixels beyond every sample's reach stay +∞.
        var local = new int[w * h];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var u = (x - (0.5 * w)) / (0.45 * w);
                var v = (y - (0.5 * h)) / (0.4 * h);
                local[(y * w) + x] = (u * u) + (v * v) < 1 + (0.2 * random.NextDouble()) && !(Math.Abs(u) < 0.1 && Math.Abs(v) < 0.1) ? 1 : 0;
            }
        }

        var samples = (int)(1.3 * Math.Max(w, h));
        var axis = new (double X, double Y)[samples];
        for (var k = 0; k < samples; k++)
        {
            var t = (double)k / (samples - 1);
            axis[k] = ((-0.1 * w) + (1.2 * w * t) + (0.3 * random.NextDouble()),
                (0.5 * h) + (0.3 * h * Math.Sin(3 * t)) + (0.3 * random.NextDouble()));
        }

        const int Stride = 3;
        const int Slot = 1;
        var best = new float[w * h * Stride];
        CrossingSplitter.NearestSquared(axis, reach, local, w, h, best, Stride, Slot);

        var expected = BruteForce(axis, reach, local, w, h);
        var infinite = 0;
        for (var i = 0; i < local.Length; i++)
        {
            if (local[i] != 0)
            {
                Assert.Equal(expected[i], best[(i * Stride) + Slot]);
                infinite += float.IsPositiveInfinity(expected[i]) ? 1 : 0;
            }
        }

        Assert.True(infinite < local.Count(v => v != 0), "no pixel is within reach of the axis: the case tests nothing");
    }

    // The pass the splitter made before: every sample's square of ± reach pixels, clipped to the grid.
    private static float[] BruteForce((double X, double Y)[] axis, int reach, int[] local, int w, int h)
    {
        var best = new float[w * h];
        Array.Fill(best, float.PositiveInfinity);
        foreach (var (ax, ay) in axis)
        {
            int x0 = Math.Max(0, (int)(ax - reach)), x1 = Math.Min(w - 1, (int)(ax + reach));
            int y0 = Math.Max(0, (int)(ay - reach)), y1 = Math.Min(h - 1, (int)(ay + reach));
            for (var y = y0; y <= y1; y++)
            {
                var dy = y - ay;
                for (var x = x0; x <= x1; x++)
                {
                    var i = (y * w) + x;
                    if (local[i] == 0)
                    {
                        continue;
                    }

                    var dx = x - ax;
                    best[i] = Math.Min(best[i], (float)((dx * dx) + (dy * dy)));
                }
            }
        }

        return best;
    }
}
