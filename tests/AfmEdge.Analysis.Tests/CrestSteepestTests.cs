using AfmEdge.Analysis.Segmentation;

namespace AfmEdge.Analysis.Tests;

/// <summary>The crest ascent's steepest neighbour, inside the image without bounds tests, is the one a scan of the 3×3 block picks.</summary>
public sealed class CrestSteepestTests
{
    [Theory]
    [InlineData(20, 15, 1)]
    [InlineData(4, 5, 2)]
    [InlineData(33, 9, 3)]
    public void Steepest_EqualsScanningTheNeighbourhood(int width, int rows, int seed)
    {
        // Heights on a coarse grid (ties), some NaN; two ids and background.
        var random = new Random(seed);
        var height = Enumerable.Range(0, width * rows).Select(_ => random.Next(25) == 0 ? float.NaN : random.Next(6) * 1e-9f).ToArray();
        var instances = Enumerable.Range(0, width * rows).Select(_ => random.Next(5) switch { 0 => 0, 1 => 2, _ => 1 }).ToArray();
        var interior = 0;
        for (var p = 0; p < width * rows; p++)
        {
            if (instances[p] == 0)
            {
                continue;
            }

            var expected = Reference(height, instances, width, rows, p, instances[p]);
            var (next, slope) = CrestOutline.Steepest(height, instances, width, rows, p, instances[p]);

            Assert.Equal(expected.Next, next);
            Assert.Equal(BitConverter.SingleToInt32Bits(expected.Slope), BitConverter.SingleToInt32Bits(slope));
            int x = p % width, y = p / width;
            interior += next >= 0 && x > 0 && y > 0 && x < width - 1 && y < rows - 1 ? 1 : 0;
        }

        Assert.True(interior > 0, "no ascent from inside the image: the case does not reach the fast path");
    }

    private static (int Next, float Slope) Reference(float[] height, int[] instances, int width, int rows, int p, int id)
    {
        int y = p / width, x = p % width, best = -1;
        var steepest = 0f;
        for (var dy = -1; dy <= 1; dy++)
        {
            for (var dx = -1; dx <= 1; dx++)
            {
                int xx = x + dx, yy = y + dy;
                if ((dx | dy) == 0 || xx < 0 || yy < 0 || xx >= width || yy >= rows || instances[(yy * width) + xx] != id)
                {
                    continue;
                }

                var slope = (height[(yy * width) + xx] - height[p]) * (dx != 0 && dy != 0 ? 0.70710677f : 1f);
                if (slope > steepest)
                {
                    (best, steepest) = ((yy * width) + xx, slope);
                }
            }
        }

        return (best, steepest);
    }
}
