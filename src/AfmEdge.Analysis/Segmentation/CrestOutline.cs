using System.Runtime.CompilerServices;
using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Segmentation;

/// <summary>
/// Places each object's outline where its height falls to a fraction of its own local crest, instead of where it leaves
/// the substrate's noise. A scanned chromosome's flank is broadened outwards (the tip's side touches the wall before its
/// apex does, the pixel's dwell averages across the edge, the feedback trails off a falling edge), so a threshold just
/// above the noise takes in a skirt of substrate-mixed pixels 0.5–1 px wide on every side. Where the flank crosses a
/// fraction of the local height (half-maximum style, at a lower fraction) does not depend on how far that skirt spreads,
/// and a chromosome 100 nm high is cut at the same place on its flank as one 300 nm high.
/// </summary>
/// <remarks>
/// The local crest of a pixel is the height where steepest ascent from it (8-connected, within its own object) levels
/// off: from a flank pixel that is the top of the chromatid beside it, so a constriction or a lower band is measured
/// against its own height rather than the chromosome's peak. Paths merge, so every pixel's crest is found once.
/// </remarks>
internal static class CrestOutline
{
    /// <summary>A bound on the ascent: a flank is crossed within half a chromosome's width (9–18 px at 39 nm).</summary>
    private const int MaxSteps = 64;

    /// <summary>
    /// The ascent has reached the crest where the slope is below this share of the steepest on its way: across a rounded
    /// chromatid (semi-elliptic) that is within 3% of its top, while along the axis bands and leveling slope far less.
    /// </summary>
    private const float LevelSlope = 0.1f;

    /// <summary>
    /// …or below this share of its height per pixel: the slopes along a chromosome's axis (its bands, a constriction, what
    /// leveling leaves), which an ascent that starts on the crest (a telomere's cap) would otherwise follow to another band.
    /// </summary>
    private const float AxialSlope = 0.02f;

    /// <summary>
    /// Sets to 0 every object pixel whose height is below <paramref name="fraction"/> of its local crest; returns how many.
    /// <paramref name="height"/> is measured from the substrate (0); <paramref name="count"/> is the largest instance id.
    /// </summary>
    public static int Trim(float[] height, int width, int rows, int[] instances, int count, double fraction)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!(fraction >= 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The outline's fraction of the crest height must be in [0, 1).");
        }

        var n = width * rows;
        if (height.Length < n || instances.Length < n)
        {
            throw new ArgumentException($"Height ({height.Length}) and instances ({instances.Length}) must hold {width}×{rows} pixels.", nameof(height));
        }

        if (fraction == 0 || count == 0)
        {
            return 0;
        }

        var crest = AnalysisPool<float>.Shared.Rent(n);
        var removed = AnalysisPool<int>.Shared.Rent(n);
        ClearUnderObjects(crest, instances, width, rows);
        Span<int> path = stackalloc int[MaxSteps];
        var found = 0;
        try
        {
            // An object whose outermost pixels mostly stand above the fraction already has a sharp edge (a clean or
            // deconvolved image, where a pixel just inside the edge can be low only because its centre is near it): it
            // keeps its outline. A scanned one's outermost pixels are the skirt, just above the noise.
            var outer = new int[count + 1];
            var low = new int[count + 1];

            // Only a pixel below the fraction of its object's peak can be below the fraction of its crest: the rest need no ascent.
            // Row by row, in the same raster order: each pixel's column and row are known without a division.
            var peaks = new float[count + 1];
            for (var y = 0; y < rows; y++)
            {
                var (rowStart, rowEnd) = (y * width, (y + 1) * width);
                for (var i = rowStart; i < rowEnd; i++)
                {
                    var id = instances[i];
                    if (id == 0)
                    {
                        i = HeightSegmenter.LastBackground(instances, i, rowEnd);
                        continue;
                    }

                    peaks[id] = Math.Max(peaks[id], height[i]);
                    if (MixedEdges.Touches(i, i - rowStart, y, instances, width, rows))
                    {
                        outer[id]++;
                        low[id] += height[i] < fraction * Crest(height, instances, width, rows, i, crest, path) ? 1 : 0;
                    }
                }
            }

            for (var i = 0; i < n; i++)
            {
                var id = instances[i];
                if (id == 0)
                {
                    i = HeightSegmenter.LastBackground(instances, i, n);
                    continue;
                }

                if (2 * low[id] > outer[id] && height[i] < fraction * peaks[id]
                    && height[i] < fraction * Crest(height, instances, width, rows, i, crest, path))
                {
                    removed[found++] = i;
                }
            }

            // Cleared after the whole pass: every crest was found through the object as it was.
            foreach (var p in removed.AsSpan(0, found))
            {
                instances[p] = 0;
            }
        }
        finally
        {
            AnalysisPool<float>.Shared.Return(crest);
            AnalysisPool<int>.Shared.Return(removed);
        }

        return found;
    }

    /// <summary>
    /// Zeroes <paramref name="crest"/> on every object pixel, a run of them at a time: every crest is found and kept on an
    /// object's pixels only (an ascent stays within its object), and the substrate, most of the frame, is left as it was (the
    /// whole frame cleared was a megabyte written for nothing, and so were most of the rows between their first and last object).
    /// </summary>
    internal static void ClearUnderObjects(float[] crest, int[] instances, int width, int rows)
    {
        for (var y = 0; y < rows; y++)
        {
            var row = instances.AsSpan(y * width, width);
            var x = row.IndexOfAnyExcept(0);
            while (x >= 0)
            {
                var run = row[x..].IndexOf(0);
                var end = run < 0 ? width : x + run;
                crest.AsSpan((y * width) + x, end - x).Clear();
                var next = end < width ? row[end..].IndexOfAnyExcept(0) : -1;
                x = next < 0 ? -1 : end + next;
            }
        }
    }

    /// <summary>
    /// The height where steepest ascent from <paramref name="start"/> levels off: it stops where no neighbour is higher, or
    /// where the slope has fallen below <see cref="LevelSlope"/> of the steepest on the way or below <see cref="AxialSlope"/>
    /// of the height (the top of the flank; beyond it the path would follow the ridge's gentle slope along the axis, towards
    /// another part's height). Every pixel on the way is given it (0 in <paramref name="crest"/>: not yet known).
    /// </summary>
    private static float Crest(float[] height, int[] instances, int width, int rows, int start, float[] crest, Span<int> path)
    {
        var id = instances[start];
        var p = start;
        var steps = 0;
        var steepest = 0f;
        float top;
        while (true)
        {
            if (crest[p] > 0)
            {
                top = crest[p];
                break;
            }

            path[steps++] = p;
            var (next, slope) = Steepest(height, instances, width, rows, p, id);
            steepest = Math.Max(steepest, slope);
            if (next < 0 || slope < LevelSlope * steepest || slope < AxialSlope * height[p] || steps == MaxSteps)
            {
                top = height[p];
                break;
            }

            p = next;
        }

        foreach (var q in path[..steps])
        {
            crest[q] = top;
        }

        return top;
    }

    /// <summary>
    /// The neighbour of <paramref name="p"/> in object <paramref name="id"/> up the steepest slope (rise per distance: a
    /// diagonal step is √2 long); −1 when no neighbour is higher. On a ridge level along its axis the step goes straight
    /// up the flank, not sideways along it.
    /// </summary>
    internal static (int Next, float Slope) Steepest(float[] height, int[] instances, int width, int rows, int p, int id)
    {
        const float Diagonal = 0.70710677f;
        int y = p / width, x = p - (y * width), best = -1;
        var here = height[p];
        var steepest = 0f;
        if (x > 0 && y > 0 && x < width - 1 && y < rows - 1)
        {
            // Inside the image: the same neighbours in the same order, without the bounds tests (the pixel itself, which
            // the loop below also meets, rises 0 and is never steeper than 0).
            int up = p - width, down = p + width;
            Consider(height, instances, id, here, up - 1, Diagonal, ref best, ref steepest);
            Consider(height, instances, id, here, up, 1f, ref best, ref steepest);
            Consider(height, instances, id, here, up + 1, Diagonal, ref best, ref steepest);
            Consider(height, instances, id, here, p - 1, 1f, ref best, ref steepest);
            Consider(height, instances, id, here, p + 1, 1f, ref best, ref steepest);
            Consider(height, instances, id, here, down - 1, Diagonal, ref best, ref steepest);
            Consider(height, instances, id, here, down, 1f, ref best, ref steepest);
            Consider(height, instances, id, here, down + 1, Diagonal, ref best, ref steepest);
            return (best, steepest);
        }

        for (var dy = -1; dy <= 1; dy++)
        {
            var yy = y + dy;
            if ((uint)yy >= (uint)rows)
            {
                continue;
            }

            for (var dx = -1; dx <= 1; dx++)
            {
                var xx = x + dx;
                var q = (yy * width) + xx;
                if ((uint)xx < (uint)width && instances[q] == id)
                {
                    var slope = (height[q] - here) * ((dx & dy) != 0 ? Diagonal : 1f);
                    if (slope > steepest)
                    {
                        best = q;
                        steepest = slope;
                    }
                }
            }
        }

        return (best, steepest);
    }

    /// <summary>Neighbour <paramref name="q"/>, a step of <paramref name="perDistance"/> per unit of rise, as the loop in <see cref="Steepest"/> takes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Consider(float[] height, int[] instances, int id, float here, int q, float perDistance, ref int best, ref float steepest)
    {
        if (instances[q] == id)
        {
            var slope = (height[q] - here) * perDistance;
            if (slope > steepest)
            {
                best = q;
                steepest = slope;
            }
        }
    }
}
