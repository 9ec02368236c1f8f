using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis;

/// <summary>
/// The rim of every chromosome: its pixels within a given number of 4-connected steps of the background. There a pixel
/// mixes chromosome and substrate (the pixel's dwell average, the tip's flank, the feedback's lag), so the region
/// statistics can leave it out (<see cref="AnalysisOptions.EdgeExclusion"/>); a truth to compare them with must leave out
/// the rim of the true chromosomes in the same way.
/// </summary>
public static class MixedEdges
{
    /// <summary>True for every object pixel (instance ≠ 0) within <paramref name="depth"/> steps of a background pixel (instance 0).</summary>
    public static bool[] Rim(ReadOnlySpan<int> instances, int width, int rows, int depth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        if (instances.Length != width * rows)
        {
            throw new ArgumentException($"Instances have {instances.Length} pixels, not {width}×{rows}.", nameof(instances));
        }

        var rim = new bool[instances.Length];
        if (depth == 0)
        {
            return rim;
        }

        // Breadth-first from the object pixels that touch the background, one ring per step.
        var ring = new List<int>();
        for (var p = 0; p < instances.Length; p++)
        {
            if (instances[p] != 0 && Touches(p, instances, width, rows))
            {
                ring.Add(p);
                rim[p] = true;
            }
        }

        for (var step = 1; step < depth && ring.Count > 0; step++)
        {
            var next = new List<int>();
            foreach (var p in ring)
            {
                int x = p % width, y = p / width;
                Visit(x > 0 ? p - 1 : -1, instances, rim, next);
                Visit(x < width - 1 ? p + 1 : -1, instances, rim, next);
                Visit(y > 0 ? p - width : -1, instances, rim, next);
                Visit(y < rows - 1 ? p + width : -1, instances, rim, next);
            }

            ring = next;
        }

        return rim;
    }

    /// <summary>Sets the statistics label of every rim pixel to "left out".</summary>
    internal static void Exclude(byte[] labels, int[] instances, int width, int rows, int depth)
    {
        // The labels may be a pooled array longer than the frame; only its first width × rows count.
        if (labels.Length < width * rows)
        {
            throw new ArgumentException($"Labels have {labels.Length} pixels, fewer than {width}×{rows}.", nameof(labels));
        }

        var rim = Rim(instances.AsSpan(0, width * rows), width, rows, depth);
        for (var p = 0; p < rim.Length; p++)
        {
            if (rim[p])
            {
                labels[p] = RegionAnalysis.Excluded;
            }
        }
    }

    private static void Visit(int q, ReadOnlySpan<int> instances, bool[] rim, List<int> next)
    {
        if (q >= 0 && !rim[q] && instances[q] != 0)
        {
            rim[q] = true;
            next.Add(q);
        }
    }

    /// <summary>Whether a 4-neighbour of object pixel <paramref name="p"/> inside the frame is background (instance 0).</summary>
    internal static bool Touches(int p, ReadOnlySpan<int> instances, int width, int rows)
    {
        var y = p / width;
        return Touches(p, p - (y * width), y, instances, width, rows);
    }

    /// <summary>The same for pixel <paramref name="p"/> at column <paramref name="x"/> of row <paramref name="y"/>, known to the caller (no division).</summary>
    internal static bool Touches(int p, int x, int y, ReadOnlySpan<int> instances, int width, int rows) =>
        (x > 0 && instances[p - 1] == 0) || (x < width - 1 && instances[p + 1] == 0)
        || (y > 0 && instances[p - width] == 0) || (y < rows - 1 && instances[p + width] == 0);
}
