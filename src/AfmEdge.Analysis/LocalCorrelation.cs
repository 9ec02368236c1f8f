using System.Numerics;
using System.Runtime.InteropServices;

namespace AfmEdge.Analysis;

/// <summary>
/// Windowed Pearson correlation between two images: for every pixel, r over the (2·radius+1)² window around
/// it (clipped at the image edges), skipping non-finite pairs. NaN where fewer than three pairs or either
/// side is constant. <see cref="Compute"/> is the production kernel (running column sums and row prefix
/// sums, Vector&lt;double&gt; across columns, O(1) per pixel whatever the radius); <see cref="ComputeReference"/>
/// is the plain two-pass definition it is tested against.
/// </summary>
public static class LocalCorrelation
{
    // Six running quantities per column: n, Σa, Σb, Σaa, Σbb, Σab.
    private const int Quantities = 6;

    public static void Compute(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int width, int height, int radius, Span<float> output)
    {
        Validate(a, b, width, height, radius, output);

        // Centre on the global means so the running sums of squares do not cancel catastrophically (heights ~1e-7 m).
        var (ma, mb) = Means(a, b);
        var columns = new double[Quantities * width];
        var prefix = new double[Quantities * (width + 1)];
        var colN = columns.AsSpan(0, width);
        var colA = columns.AsSpan(width, width);
        var colB = columns.AsSpan(2 * width, width);
        var colAA = columns.AsSpan(3 * width, width);
        var colBB = columns.AsSpan(4 * width, width);
        var colAB = columns.AsSpan(5 * width, width);
        var rowA = new double[width];
        var rowB = new double[width];
        var rowN = new double[width];

        for (var y = -radius; y < height; y++)
        {
            var enter = y + radius;
            if (enter < height)
            {
                LoadRow(a.Slice(enter * width, width), b.Slice(enter * width, width), ma, mb, rowA, rowB, rowN);
                Accumulate(rowA, rowB, rowN, colN, colA, colB, colAA, colBB, colAB, 1.0);
            }

            var leave = y - radius - 1;
            if (leave >= 0)
            {
                LoadRow(a.Slice(leave * width, width), b.Slice(leave * width, width), ma, mb, rowA, rowB, rowN);
                Accumulate(rowA, rowB, rowN, colN, colA, colB, colAA, colBB, colAB, -1.0);
            }

            if (y < 0)
            {
                continue;
            }

            Prefix(columns, prefix, width);
            Finish(prefix, width, radius, output.Slice(y * width, width));
        }
    }

    /// <summary>The definition, pixel by pixel: window means first, then centred sums. O(radius²) per pixel; for tests.</summary>
    public static void ComputeReference(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int width, int height, int radius, Span<float> output)
    {
        Validate(a, b, width, height, radius, output);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                int y0 = Math.Max(0, y - radius), y1 = Math.Min(height - 1, y + radius);
                int x0 = Math.Max(0, x - radius), x1 = Math.Min(width - 1, x + radius);
                double n = 0, sa = 0, sb = 0;
                for (var yy = y0; yy <= y1; yy++)
                {
                    for (var xx = x0; xx <= x1; xx++)
                    {
                        var i = (yy * width) + xx;
                        if (float.IsFinite(a[i]) && float.IsFinite(b[i]))
                        {
                            n++;
                            sa += a[i];
                            sb += b[i];
                        }
                    }
                }

                if (n < 3)
                {
                    output[(y * width) + x] = float.NaN;
                    continue;
                }

                double meanA = sa / n, meanB = sb / n, saa = 0, sbb = 0, sab = 0;
                for (var yy = y0; yy <= y1; yy++)
                {
                    for (var xx = x0; xx <= x1; xx++)
                    {
                        var i = (yy * width) + xx;
                        if (float.IsFinite(a[i]) && float.IsFinite(b[i]))
                        {
                            var da = a[i] - meanA;
                            var db = b[i] - meanB;
                            saa += da * da;
                            sbb += db * db;
                            sab += da * db;
                        }
                    }
                }

                output[(y * width) + x] = saa > 0 && sbb > 0 ? (float)Math.Clamp(sab / Math.Sqrt(saa * sbb), -1, 1) : float.NaN;
            }
        }
    }

    /// <summary>The argument checks every implementation of the map shares (the ILGPU kernel's included).</summary>
    public static void Validate(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int width, int height, int radius, Span<float> output)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(radius, 1);
        var n = width * height;
        if (a.Length != n || b.Length != n || output.Length != n)
        {
            throw new ArgumentException($"Local correlation of {width}×{height} needs {n} samples in each image and the output; got {a.Length}, {b.Length}, {output.Length}.");
        }
    }

    private static (double A, double B) Means(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sa = 0, sb = 0;
        var n = 0;
        for (var i = 0; i < a.Length; i++)
        {
            if (float.IsFinite(a[i]) && float.IsFinite(b[i]))
            {
                sa += a[i];
                sb += b[i];
                n++;
            }
        }

        return n > 0 ? (sa / n, sb / n) : (0, 0);
    }

    private static void LoadRow(ReadOnlySpan<float> a, ReadOnlySpan<float> b, double ma, double mb, double[] rowA, double[] rowB, double[] rowN)
    {
        for (var x = 0; x < a.Length; x++)
        {
            var ok = float.IsFinite(a[x]) && float.IsFinite(b[x]);
            rowA[x] = ok ? a[x] - ma : 0;
            rowB[x] = ok ? b[x] - mb : 0;
            rowN[x] = ok ? 1 : 0;
        }
    }

    private static void Accumulate(double[] rowA, double[] rowB, double[] rowN,
        Span<double> n, Span<double> sa, Span<double> sb, Span<double> saa, Span<double> sbb, Span<double> sab, double sign)
    {
        var x = 0;
        var s = new Vector<double>(sign);
        var va = MemoryMarshal.Cast<double, Vector<double>>(rowA.AsSpan());
        var vb = MemoryMarshal.Cast<double, Vector<double>>(rowB.AsSpan());
        var vn = MemoryMarshal.Cast<double, Vector<double>>(rowN.AsSpan());
        var cn = MemoryMarshal.Cast<double, Vector<double>>(n);
        var ca = MemoryMarshal.Cast<double, Vector<double>>(sa);
        var cb = MemoryMarshal.Cast<double, Vector<double>>(sb);
        var caa = MemoryMarshal.Cast<double, Vector<double>>(saa);
        var cbb = MemoryMarshal.Cast<double, Vector<double>>(sbb);
        var cab = MemoryMarshal.Cast<double, Vector<double>>(sab);
        for (var v = 0; v < va.Length; v++)
        {
            var da = va[v] * s;
            cn[v] += vn[v] * s;
            ca[v] += da;
            cb[v] += vb[v] * s;
            caa[v] += da * va[v];
            cbb[v] += vb[v] * vb[v] * s;
            cab[v] += da * vb[v];
        }

        for (x = va.Length * Vector<double>.Count; x < rowA.Length; x++)
        {
            var da = rowA[x] * sign;
            n[x] += rowN[x] * sign;
            sa[x] += da;
            sb[x] += rowB[x] * sign;
            saa[x] += da * rowA[x];
            sbb[x] += rowB[x] * rowB[x] * sign;
            sab[x] += da * rowB[x];
        }
    }

    /// <summary>Row prefix sums of the six column sums, the six running sums side by side (six independent add chains, not one).</summary>
    private static void Prefix(double[] columns, double[] prefix, int width)
    {
        var stride = width + 1;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0;
        for (var q = 0; q < Quantities; q++)
        {
            prefix[q * stride] = 0;
        }

        for (var x = 0; x < width; x++)
        {
            s0 += columns[x];
            s1 += columns[width + x];
            s2 += columns[(2 * width) + x];
            s3 += columns[(3 * width) + x];
            s4 += columns[(4 * width) + x];
            s5 += columns[(5 * width) + x];
            prefix[x + 1] = s0;
            prefix[stride + x + 1] = s1;
            prefix[(2 * stride) + x + 1] = s2;
            prefix[(3 * stride) + x + 1] = s3;
            prefix[(4 * stride) + x + 1] = s4;
            prefix[(5 * stride) + x + 1] = s5;
        }
    }

    private static void Finish(double[] prefix, int width, int radius, Span<float> output)
    {
        // Inside, a pixel's window spans [x − radius, x + radius], so whole vectors of pixels read contiguous prefix
        // sums: the divisions and the square root run several pixels at a time, with the same
        // operations per pixel as the scalar edges, so the map is the same to the bit.
        var lanes = Vector<double>.Count;
        var x = 0;
        for (; x < Math.Min(width, radius); x++)
        {
            output[x] = FinishAt(prefix, width, radius, x);
        }

        if (Vector.IsHardwareAccelerated)
        {
            var stride = width + 1;
            var minimum = new Vector<double>(2.5);
            var relative = new Vector<double>(1e-12);
            Span<double> r = stackalloc double[lanes];
            for (; x + lanes + radius <= width; x += lanes)
            {
                int hi = x + radius + 1, lo = x - radius;
                var vn = Window(0);
                var sa = Window(1);
                var sb = Window(2);
                var saa = Window(3);
                var sbb = Window(4);
                var sab = Window(5);
                var va = saa - (sa * sa / vn);
                var vb = sbb - (sb * sb / vn);
                var cov = sab - (sa * sb / vn);
                var ok = Vector.GreaterThanOrEqual(vn, minimum) & Vector.GreaterThan(va, relative * saa) & Vector.GreaterThan(vb, relative * sbb)
                         & Vector.GreaterThan(va, Vector<double>.Zero) & Vector.GreaterThan(vb, Vector<double>.Zero);
                var value = Vector.Min(Vector<double>.One, Vector.Max(-Vector<double>.One, cov / Vector.SquareRoot(va * vb)));
                Vector.ConditionalSelect(ok, value, new Vector<double>(double.NaN)).CopyTo(r);
                for (var k = 0; k < lanes; k++)
                {
                    output[x + k] = (float)r[k];
                }

                // Quantity q summed over the window of the vector's pixels: difference of two prefix sums.
                Vector<double> Window(int q) => new Vector<double>(prefix, (q * stride) + hi) - new Vector<double>(prefix, (q * stride) + lo);
            }
        }

        for (; x < width; x++)
        {
            output[x] = FinishAt(prefix, width, radius, x);
        }
    }

    private static float FinishAt(double[] prefix, int width, int radius, int x)
    {
        var stride = width + 1;
        var hi = Math.Min(width - 1, x + radius) + 1;
        var lo = Math.Max(0, x - radius);
        var n = prefix[hi] - prefix[lo];
        var sa = prefix[stride + hi] - prefix[stride + lo];
        var sb = prefix[(2 * stride) + hi] - prefix[(2 * stride) + lo];
        var saa = prefix[(3 * stride) + hi] - prefix[(3 * stride) + lo];
        var sbb = prefix[(4 * stride) + hi] - prefix[(4 * stride) + lo];
        var sab = prefix[(5 * stride) + hi] - prefix[(5 * stride) + lo];
        if (n < 2.5)
        {
            return float.NaN;
        }

        var va = saa - (sa * sa / n);
        var vb = sbb - (sb * sb / n);
        var cov = sab - (sa * sb / n);

        // Relative guard: a window whose variance is rounding noise of the running sums counts as constant.
        return va > 1e-12 * saa && vb > 1e-12 * sbb && va > 0 && vb > 0
            ? (float)Math.Clamp(cov / Math.Sqrt(va * vb), -1, 1)
            : float.NaN;
    }
}
