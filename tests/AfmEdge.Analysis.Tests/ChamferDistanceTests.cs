using AfmEdge.Analysis.Segmentation;

namespace AfmEdge.Analysis.Tests;

/// <summary>The 3-4 chamfer distance, background runs passed over at once, equals taking every pixel's minima one by one.</summary>
public sealed class ChamferDistanceTests
{
    [Theory]
    [InlineData(40, 30, 1, 0, 0, 39, 29)]
    [InlineData(67, 21, 2, 0, 0, 66, 20)]
    [InlineData(50, 50, 3, 7, 5, 41, 44)]
    [InlineData(9, 64, 4, 1, 0, 8, 63)]
    public void ChamferDistance_EqualsPixelByPixelToTheBit(int width, int rows, int seed, int x0, int y0, int x1, int y1)
    {
        var instances = Objects(width, rows, seed, (x0, y0, x1, y1));
        var expected = Reference(instances, width, (x0, y0, x1, y1));
        var distance = new float[width * rows];
        Array.Fill(distance, -1f);

        HeightSegmenter.ChamferDistance(instances, width, (x0, y0, x1, y1), distance);

        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), distance.Select(BitConverter.SingleToInt32Bits));
        Assert.Contains(distance, v => v > 2);

        // Each object's largest distance, raised as the transform writes: the largest of its pixels' distances.
        var largest = new float[instances.Max() + 1];
        Array.Fill(distance, -1f);
        HeightSegmenter.ChamferDistance(instances, width, (x0, y0, x1, y1), distance, largest);
        var expectedLargest = new float[largest.Length];
        for (var i = 0; i < instances.Length; i++)
        {
            expectedLargest[instances[i]] = instances[i] == 0 ? 0 : Math.Max(expectedLargest[instances[i]], expected[i]);
        }

        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), distance.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expectedLargest, largest);
    }

    // Blobs of a few ids (some touching), background runs of every length, a row with no object; only inside the region.
    private static int[] Objects(int width, int rows, int seed, (int X0, int Y0, int X1, int Y1) region)
    {
        var random = new Random(seed);
        var instances = new int[width * rows];
        for (var blob = 0; blob < 12; blob++)
        {
            int cx = random.Next(width), cy = random.Next(rows), r = 1 + random.Next(6), id = 1 + random.Next(4);
            for (var y = Math.Max(region.Y0, cy - r); y <= Math.Min(region.Y1, cy + r); y++)
            {
                for (var x = Math.Max(region.X0, cx - r); x <= Math.Min(region.X1, cx + r); x++)
                {
                    if (((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) <= r * r && y != region.Y0 + 2)
                    {
                        instances[(y * width) + x] = id;
                    }
                }
            }
        }

        return instances;
    }

    // Each pixel of the region in turn: its own value and its four causal neighbours' plus a step, forwards then backwards;
    // outside the region is left at −1 (nothing written there).
    private static float[] Reference(int[] instances, int width, (int X0, int Y0, int X1, int Y1) region)
    {
        const float Orthogonal = 1f, Diagonal = 1.4142135f;
        var (x0, y0, x1, y1) = region;
        var d = new float[instances.Length];
        Array.Fill(d, -1f);
        for (var y = y0; y <= y1; y++)
        {
            for (var x = x0; x <= x1; x++)
            {
                d[(y * width) + x] = instances[(y * width) + x] == 0 ? 0 : float.MaxValue;
            }
        }

        foreach (var (step, yStart, yEnd, xStart, xEnd) in new[] { (1, y0, y1, x0, x1), (-1, y1, y0, x1, x0) })
        {
            for (var y = yStart; y != yEnd + step; y += step)
            {
                for (var x = xStart; x != xEnd + step; x += step)
                {
                    var i = (y * width) + x;
                    var id = instances[i];
                    if (id == 0)
                    {
                        continue;
                    }

                    var best = d[i];
                    foreach (var (dx, dy, length) in new[] { (0, -step, Orthogonal), (-1, -step, Diagonal), (1, -step, Diagonal), (-step, 0, Orthogonal) })
                    {
                        int xx = x + dx, yy = y + dy;
                        var inside = xx >= x0 && xx <= x1 && yy >= y0 && yy <= y1;
                        var candidate = inside && instances[(yy * width) + xx] == id ? d[(yy * width) + xx] + length : length;
                        best = Math.Min(best, candidate);
                    }

                    d[i] = best;
                }
            }
        }

        return d;
    }
}

/// <summary>The scans' step over background: the last id 0 of the run, never at or past the end.</summary>
public sealed class BackgroundRunTests
{
    [Theory]
    [InlineData(0, 12, 2)]
    [InlineData(1, 12, 2)]
    [InlineData(4, 12, 10)]
    [InlineData(12, 20, 19)]
    [InlineData(4, 9, 8)]
    [InlineData(12, 15, 14)]
    public void LastBackground_IsTheRunsLastZeroBeforeTheEnd(int start, int end, int expected)
    {
        int[] instances = [0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0];

        Assert.Equal(expected, HeightSegmenter.LastBackground(instances, start, end));
    }
}
