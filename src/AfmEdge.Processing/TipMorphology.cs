using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AfmEdge.Processing;

/// <summary>
/// Grey-scale morphology of a surface with a tip (Villarrubia, J. Res. NIST 102, 425 (1997)), with Gwyddion's
/// conventions (gwy_tip_dilation / gwy_tip_erosion): with T the tip grid (apex 0 at its centre c),
/// dilation (what the tip images): I(x) = max_u [S(x + u) + T(c + u)];
/// erosion (the reconstruction, the largest surface consistent with the image): R(x) = min_u [I(x − u) − T(c + u)];
/// only offsets whose sample lies inside the image take part. Each tip offset is one vector max (min) over a row
/// segment, so the work is vectorised along x.
/// </summary>
public static class TipMorphology
{
    public static void Dilate(ReadOnlySpan<float> surface, Span<float> output, int width, int height, TipGrid tip) =>
        Morph(surface, output, width, height, tip, erode: false);

    public static void Erode(ReadOnlySpan<float> image, Span<float> output, int width, int height, TipGrid tip) =>
        Morph(image, output, width, height, tip, erode: true);

    private static void Morph(ReadOnlySpan<float> input, Span<float> output, int width, int height, TipGrid tip, bool erode)
    {
        ArgumentNullException.ThrowIfNull(tip);
        Grid.Check(input.Length, output.Length, width, height);
        output.Fill(erode ? float.PositiveInfinity : float.NegativeInfinity);
        for (var ty = 0; ty < tip.Height; ty++)
        {
            for (var tx = 0; tx < tip.Width; tx++)
            {
                var t = tip[tx, ty];
                if (float.IsNegativeInfinity(t))
                {
                    continue;
                }

                // Output (x, y) reads input (x + u, y + v) for dilation and (x − u, y − v) for erosion.
                var u = erode ? tip.CentreX - tx : tx - tip.CentreX;
                var v = erode ? tip.CentreY - ty : ty - tip.CentreY;
                var y0 = Math.Max(0, -v);
                var y1 = Math.Min(height, height - v);
                var x0 = Math.Max(0, -u);
                var x1 = Math.Min(width, width - u);
                if (x1 <= x0)
                {
                    continue;
                }

                for (var y = y0; y < y1; y++)
                {
                    var source = input.Slice(((y + v) * width) + x0 + u, x1 - x0);
                    var target = output.Slice((y * width) + x0, x1 - x0);
                    if (erode)
                    {
                        MinSubtract(source, target, t);
                    }
                    else
                    {
                        MaxAdd(source, target, t);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Villarrubia's certainty map: 1 where the reconstruction <paramref name="reconstruction"/> (the erosion of
    /// <paramref name="image"/>) is certain, i.e. the tip, placed where it imaged some pixel, touched the reconstruction
    /// at exactly that one point; 0 elsewhere. Image pixels whose tip footprint crosses the border are skipped (a touch
    /// beyond the edge cannot be ruled out). Contact is equality within <paramref name="tolerance"/> (data units).
    /// </summary>
    public static void CertaintyMap(ReadOnlySpan<float> image, ReadOnlySpan<float> reconstruction, Span<float> output, int width, int height, TipGrid tip, float tolerance = 0)
    {
        ArgumentNullException.ThrowIfNull(tip);
        Grid.Check(image.Length, output.Length, width, height);
        Grid.Check(reconstruction.Length, output.Length, width, height);
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        output.Clear();
        var cx = tip.CentreX;
        var cy = tip.CentreY;
        for (var y = cy; y < height - cy; y++)
        {
            for (var x = cx; x < width - cx; x++)
            {
                // The tip whose apex imaged (x, y) has its surface at I(x, y) − T(c + u) over (x + u, y + v) (T ≤ 0 is
                // the tip seen from its apex, so the surface rises): where that equals R, it touched.
                var apex = image[(y * width) + x];
                var count = 0;
                var touched = 0;
                for (var ty = 0; ty < tip.Height && count < 2; ty++)
                {
                    var row = (y + ty - cy) * width;
                    for (var tx = 0; tx < tip.Width; tx++)
                    {
                        var i = row + x + tx - cx;
                        if (Math.Abs(apex - tip[tx, ty] - reconstruction[i]) <= tolerance)
                        {
                            if (++count > 1)
                            {
                                break;
                            }

                            touched = i;
                        }
                    }
                }

                if (count == 1)
                {
                    output[touched] = 1;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxAdd(ReadOnlySpan<float> source, Span<float> output, float t)
    {
        ref var s = ref MemoryMarshal.GetReference(source);
        ref var o = ref MemoryMarshal.GetReference(output);
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vt = new Vector<float>(t);
            for (; i <= source.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Max(Vector.LoadUnsafe(ref o, (nuint)i), Vector.LoadUnsafe(ref s, (nuint)i) + vt).StoreUnsafe(ref o, (nuint)i);
            }
        }

        for (; i < source.Length; i++)
        {
            output[i] = Math.Max(output[i], source[i] + t);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MinSubtract(ReadOnlySpan<float> source, Span<float> output, float t)
    {
        ref var s = ref MemoryMarshal.GetReference(source);
        ref var o = ref MemoryMarshal.GetReference(output);
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vt = new Vector<float>(t);
            for (; i <= source.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Min(Vector.LoadUnsafe(ref o, (nuint)i), Vector.LoadUnsafe(ref s, (nuint)i) - vt).StoreUnsafe(ref o, (nuint)i);
            }
        }

        for (; i < source.Length; i++)
        {
            output[i] = Math.Min(output[i], source[i] - t);
        }
    }
}
