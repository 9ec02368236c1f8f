using AfmEdge.Analysis.Segmentation;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// Trimming objects to their core and rim, the walk starting from the pixels next to the core and going only off it, against
/// the plain walk out from every core pixel (step 1) through the object, kept where a pixel is reached within the rim.
/// </summary>
public sealed class TrimToRimTests
{
    [Theory]
    [InlineData(40, 30, 1, 1)]
    [InlineData(67, 21, 2, 2)]
    [InlineData(50, 50, 3, 3)]
    [InlineData(9, 64, 4, 5)]
    public void TrimToRim_EqualsTheWalkFromTheWholeCore(int width, int rows, int seed, int rim)
    {
        var random = new Random(seed);
        var instances = new int[width * rows];
        var height = new float[width * rows];
        for (var blob = 0; blob < 10; blob++)
        {
            // Blobs of a few ids, some touching (another id is a wall), high in the middle, with low tongues around.
            int cx = random.Next(width), cy = random.Next(rows), r = 2 + random.Next(8), id = 1 + random.Next(4);
            for (var y = Math.Max(0, cy - r); y <= Math.Min(rows - 1, cy + r); y++)
            {
                for (var x = Math.Max(0, cx - r); x <= Math.Min(width - 1, cx + r); x++)
                {
                    var d2 = ((x - cx) * (x - cx)) + ((y - cy) * (y - cy));
                    if (d2 <= r * r)
                    {
                        instances[(y * width) + x] = id;
                        height[(y * width) + x] = d2 * 4 < r * r && random.Next(5) != 0 ? 10f : random.Next(3);
                    }
                }
            }
        }

        var expected = (int[])instances.Clone();
        Reference(height, width, rows, expected, 5, rim);
        var tested = (int[])instances.Clone();

        HeightSegmenter.TrimToRim(height, width, rows, tested, 5, rim);

        Assert.Equal(expected, tested);
        Assert.True(instances.Count(id => id != 0) > tested.Count(id => id != 0), "nothing trimmed: the case does not test the rim");
        Assert.Contains(tested, id => id != 0);
    }

    private static void Reference(float[] height, int width, int rows, int[] instances, double core, int rim)
    {
        var steps = new int[instances.Length];
        var queue = new Queue<int>();
        for (var i = 0; i < instances.Length; i++)
        {
            if (instances[i] != 0 && height[i] >= core)
            {
                steps[i] = 1;
                queue.Enqueue(i);
            }
        }

        while (queue.Count > 0)
        {
            var p = queue.Dequeue();
            if (steps[p] + 1 > rim + 1)
            {
                continue;
            }

            for (var dy = -1; dy <= 1; dy++)
            {
                for (var dx = -1; dx <= 1; dx++)
                {
                    int x = (p % width) + dx, y = (p / width) + dy;
                    if (x >= 0 && y >= 0 && x < width && y < rows && instances[(y * width) + x] == instances[p] && steps[(y * width) + x] == 0)
                    {
                        steps[(y * width) + x] = steps[p] + 1;
                        queue.Enqueue((y * width) + x);
                    }
                }
            }
        }

        for (var i = 0; i < instances.Length; i++)
        {
            instances[i] = steps[i] == 0 ? 0 : instances[i];
        }
    }
}
