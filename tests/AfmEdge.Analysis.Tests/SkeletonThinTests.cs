using AfmEdge.Analysis.Geometry;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// Thinning reads a pixel's neighbours directly when the mask has a background frame (the callers' one-pixel margin) and
/// through bounds checks otherwise: both must give the same skeleton.
/// </summary>
public sealed class SkeletonThinTests
{
    [Theory]
    [InlineData(1, 40, 30)]
    [InlineData(2, 90, 120)]
    [InlineData(3, 150, 70)]
    public void Thin_FramedAndUnframedMask_GiveTheSameSkeleton(int seed, int w, int h)
    {
        // A ragged, bent blob with a hole, inside a one-pixel background frame.
        var random = new Random(seed);
        var framed = new byte[w * h];
        for (var y = 1; y < h - 1; y++)
        {
            for (var x = 1; x < w - 1; x++)
            {
                var u = (x - (0.5 * w)) / (0.45 * w);
                var v = ((y - (0.5 * h)) / (0.4 * h)) - (0.3 * u * u);
                var inside = (u * u) + (v * v) < 1 + (0.15 * random.NextDouble()) && (u * u) + (v * v) > 0.02;
                framed[(y * w) + x] = inside ? (byte)1 : (byte)0;
            }
        }

        // The same blob with a lone object pixel in a corner: that mask has no background frame. A lone pixel has no
        // neighbour, so thinning keeps it and it touches nothing else.
        var unframed = (byte[])framed.Clone();
        unframed[0] = 1;

        Skeleton.Thin(framed, w, h);
        Skeleton.Thin(unframed, w, h);

        Assert.Equal(1, unframed[0]);
        unframed[0] = 0;
        Assert.Equal(framed, unframed);
        Assert.InRange(framed.Count(v => v != 0), 10, (w * h) / 4);
    }
}
