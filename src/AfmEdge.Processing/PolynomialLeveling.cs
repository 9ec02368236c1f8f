using System.Globalization;
using System.Runtime.CompilerServices;

namespace AfmEdge.Processing;

/// <summary>
/// Subtracts the least-squares polynomial Σ a_ij·x^i·y^j over all i ≤ K, j ≤ K, as Gwyddion's
/// gwy_data_field_fit_polynom(field, K, K, …) + gwy_data_field_subtract_polynom (libprocess/level.c), optionally
/// fitted only on pixels the mask leaves in. Gwyddion fits in raw pixel indices; we fit in coordinates centred and
/// scaled to [−1, 1] — the same least-squares surface, without the ill-conditioning of x^6 on 1024 pixels.
/// </summary>
public sealed class PolynomialLeveling : GridOperation
{
    public PolynomialLeveling(int degree)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degree, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(degree, 3);
        Degree = degree;
    }

    private SurfaceFit? _fit;

    public int Degree { get; }

    public override string Name => string.Create(CultureInfo.InvariantCulture, $"level:poly:{Degree}");

    public override void Run(ReadOnlySpan<float> input, Span<float> output, int width, int height, ReadOnlySpan<byte> exclude)
    {
        Check(input, output, width, height, exclude);
        var fit = SurfaceFit.For(ref _fit, SurfaceFit.FullTerms(Degree), width, height);
        var coefficients = fit.Fit(input, exclude);
        fit.Subtract(input, output, coefficients);
    }

    /// <summary>Coefficients of x'^i·y'^j at [j·(K+1) + i], x' = (x − (w−1)/2)/((w−1)/2), y' likewise.</summary>
    public static double[] Fit(ReadOnlySpan<float> data, int width, int height, int degree, ReadOnlySpan<byte> exclude = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degree, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(degree, 3);
        Grid.Check(data.Length, data.Length, width, height);
        Grid.CheckMask(exclude.Length, width, height);
        return new SurfaceFit(SurfaceFit.FullTerms(degree), width, height).Fit(data, exclude);
    }
}

/// <summary>
/// Least squares of a sum of monomials x'^px·y'^py. The normal matrix entries are Σ x'^(p1+p2)·y'^(q1+q2), so a pass
/// accumulates per-row moments Σ_x x'^p·z (vector loop, double) and weights them by powers of y'.
/// </summary>
internal sealed class SurfaceFit
{
    private readonly (int Px, int Py)[] _terms;
    private readonly int _width;
    private readonly int _height;
    private readonly int _maxPx;
    private readonly int _maxPy;
    private readonly double[] _ramps;

    public SurfaceFit((int Px, int Py)[] terms, int width, int height)
    {
        _terms = terms;
        _width = width;
        _height = height;
        _maxPx = terms.Max(t => t.Px);
        _maxPy = terms.Max(t => t.Py);
        var powers = (2 * _maxPx) + 1;
        _ramps = new double[powers * width];
        for (var x = 0; x < width; x++)
        {
            var xs = ScaledX(x);
            var p = 1.0;
            for (var k = 0; k < powers; k++)
            {
                _ramps[(k * width) + x] = p;
                p *= xs;
            }
        }
    }

    /// <summary>
    /// <paramref name="cache"/> when it was made for this grid and these terms, else a new fit stored there. A step keeps
    /// its fit between channels and frames of one size: the ramp table (a few KB) is then not made again every run. A
    /// fit is read-only once made, so channels processed in parallel share it.
    /// </summary>
    public static SurfaceFit For(ref SurfaceFit? cache, (int Px, int Py)[] terms, int width, int height)
    {
        var fit = Volatile.Read(ref cache);
        if (fit is not null && fit._width == width && fit._height == height && fit._terms.AsSpan().SequenceEqual(terms))
        {
            return fit;
        }

        fit = new SurfaceFit(terms, width, height);
        Volatile.Write(ref cache, fit);
        return fit;
    }

    public static (int Px, int Py)[] FullTerms(int degree)
    {
        var terms = new (int, int)[(degree + 1) * (degree + 1)];
        for (var j = 0; j <= degree; j++)
        {
            for (var i = 0; i <= degree; i++)
            {
                terms[(j * (degree + 1)) + i] = (i, j);
            }
        }

        return terms;
    }

    public double ScaledX(int x) => Scale(x, _width);

    public double ScaledY(int y) => Scale(y, _height);

    private static double Scale(int i, int n)
    {
        var c = (n - 1) / 2.0;
        return n > 1 ? (i - c) / c : 0.0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double[] Fit(ReadOnlySpan<float> data, ReadOnlySpan<byte> exclude)
    {
        var px = (2 * _maxPx) + 1;
        var py = (2 * _maxPy) + 1;
        var a = new double[px * py];           // Σ x'^p y'^q over fitted pixels
        var b = new double[(_maxPx + 1) * (_maxPy + 1)]; // Σ x'^i y'^j z
        Span<double> rowM = stackalloc double[px];
        Span<double> rowS = stackalloc double[_maxPx + 1];
        var w = _width;
        Span<double> fullRowM = stackalloc double[px];
        for (var k = 0; k < px; k++)
        {
            var s = 0.0;
            foreach (var v in _ramps.AsSpan(k * w, w))
            {
                s += v;
            }

            fullRowM[k] = s;
        }

        for (var y = 0; y < _height; y++)
        {
            var row = data.Slice(y * w, w);
            rowS.Clear();
            if (exclude.IsEmpty)
            {
                fullRowM.CopyTo(rowM);
                Simd.AccumulateMoments(row, _ramps, w, _maxPx + 1, rowS);
            }
            else
            {
                rowM.Clear();
                var m = exclude.Slice(y * w, w);
                for (var x = 0; x < w; x++)
                {
                    if (m[x] != 0)
                    {
                        continue;
                    }

                    for (var k = 0; k < px; k++)
                    {
                        var r = _ramps[(k * w) + x];
                        rowM[k] += r;
                        if (k <= _maxPx)
                        {
                            rowS[k] += r * row[x];
                        }
                    }
                }
            }

            var ys = ScaledY(y);
            var yq = 1.0;
            for (var q = 0; q < py; q++)
            {
                for (var p = 0; p < px; p++)
                {
                    a[(q * px) + p] += yq * rowM[p];
                }

                if (q <= _maxPy)
                {
                    for (var i = 0; i <= _maxPx; i++)
                    {
                        b[(q * (_maxPx + 1)) + i] += yq * rowS[i];
                    }
                }

                yq *= ys;
            }
        }

        var n = _terms.Length;
        var matrix = new double[n * n];
        var rhs = new double[n];
        for (var r = 0; r < n; r++)
        {
            var (pr, qr) = _terms[r];
            rhs[r] = b[(qr * (_maxPx + 1)) + pr];
            for (var c = 0; c < n; c++)
            {
                var (pc, qc) = _terms[c];
                matrix[(r * n) + c] = a[((qr + qc) * px) + pr + pc];
            }
        }

        // Gwyddion clears the coefficients when the Cholesky decomposition fails; a singular fit subtracts nothing.
        return LinearAlgebra.TrySolveSymmetric(matrix, rhs, n) ? rhs : new double[n];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Subtract(ReadOnlySpan<float> input, Span<float> output, double[] coefficients)
    {
        var w = _width;
        Span<double> cx = stackalloc double[_maxPx + 1];
        for (var y = 0; y < _height; y++)
        {
            var ys = ScaledY(y);
            cx.Clear();
            for (var t = 0; t < _terms.Length; t++)
            {
                var (p, q) = _terms[t];
                cx[p] += coefficients[t] * Math.Pow(ys, q);
            }

            // The x' ramps start with x'^0 = 1, so the row's polynomial is Σ_p cx[p]·ramp_p.
            Simd.SubtractPolynomial(input.Slice(y * w, w), _ramps, cx, output.Slice(y * w, w));
        }
    }
}

internal static class LinearAlgebra
{
    /// <summary>Solves the symmetric positive definite system in place (Cholesky); false when it is not SPD.</summary>
    public static bool TrySolveSymmetric(double[] a, double[] b, int n)
    {
        for (var j = 0; j < n; j++)
        {
            var d = a[(j * n) + j];
            for (var k = 0; k < j; k++)
            {
                d -= a[(j * n) + k] * a[(j * n) + k];
            }

            // Relative tolerance: a pivot that is rounding noise means the terms are not independent on these pixels.
            if (!(d > 1e-12 * Math.Abs(a[(j * n) + j])) || d <= 0)
            {
                return false;
            }

            var l = Math.Sqrt(d);
            a[(j * n) + j] = l;
            for (var i = j + 1; i < n; i++)
            {
                var s = a[(i * n) + j];
                for (var k = 0; k < j; k++)
                {
                    s -= a[(i * n) + k] * a[(j * n) + k];
                }

                a[(i * n) + j] = s / l;
            }
        }

        for (var i = 0; i < n; i++)
        {
            var s = b[i];
            for (var k = 0; k < i; k++)
            {
                s -= a[(i * n) + k] * b[k];
            }

            b[i] = s / a[(i * n) + i];
        }

        for (var i = n - 1; i >= 0; i--)
        {
            var s = b[i];
            for (var k = i + 1; k < n; k++)
            {
                s -= a[(k * n) + i] * b[k];
            }

            b[i] = s / a[(i * n) + i];
        }

        return true;
    }
}
