using AfmEdge.Processing;
using ILGPU;
using ILGPU.Runtime;

namespace AfmEdge.Kernels;

/// <summary>Geometry of one polynomial fit, passed by value: masked is 1 when the exclusion view is read.</summary>
public readonly record struct FitShape(int Width, int Height, int Degree, int Masked)
{
    /// <summary>Σ x'^p·y'^q for p, q ≤ 2K: the normal matrix's entries.</summary>
    public int MatrixMoments => ((2 * Degree) + 1) * ((2 * Degree) + 1);

    /// <summary>Σ x'^i·y'^j·z for i, j ≤ K: the right-hand side.</summary>
    public int DataMoments => (Degree + 1) * (Degree + 1);

    public int Moments => MatrixMoments + DataMoments;
}

/// <summary>
/// Plane and polynomial leveling (all x^i·y^j with i, j ≤ K ≤ 3, as gwy_data_field_fit_polynom +
/// gwy_data_field_subtract_polynom; the plane as gwy_data_field_fit_plane), optionally fitted only on pixels an
/// exclusion mask leaves in. As <see cref="PolynomialLeveling"/>, coordinates are centred and scaled to [−1, 1]: the
/// same least-squares surface as Gwyddion's raw pixel indices without the ill-conditioning. The moments are per-row
/// partial sums (one thread per row and moment, in double) reduced on the device to one vector per moment; the host
/// solves the small normal equations and a subtract kernel removes the surface.
/// </summary>
public sealed class LevelingKernels
{
    internal static readonly (int Px, int Py)[] PlaneTerms = [(0, 0), (1, 0), (0, 1)];

    private readonly Accelerator _accelerator;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<byte>, ArrayView<double>, FitShape> _moments;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, int> _sumBlocks;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<double>, ArrayView<float>, FitShape> _subtract;

    internal LevelingKernels(Accelerator accelerator)
    {
        _accelerator = accelerator;
        _moments = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<byte>, ArrayView<double>, FitShape>(RowMomentsKernel);
        _sumBlocks = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, int>(SumBlocksKernel);
        _subtract = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<double>, ArrayView<float>, FitShape>(SubtractKernel);
    }

    /// <summary>Subtracts the least-squares plane (as <see cref="PlaneLeveling"/>), fitted where <paramref name="exclude"/> is 0.</summary>
    public float[] PlaneLevel(float[] input, int width, int height, byte[]? exclude = null) =>
        Level(input, width, height, 1, PlaneTerms, exclude);

    /// <summary>Subtracts the least-squares polynomial of degree K in x and in y (as <see cref="PolynomialLeveling"/>).</summary>
    public float[] PolyLevel(float[] input, int width, int height, int degree, byte[]? exclude = null)
    {
        CheckDegree(degree);
        return Level(input, width, height, degree, SurfaceFit.FullTerms(degree), exclude);
    }

    /// <summary>
    /// The coefficients of x'^i·y'^j at [j·(K+1) + i], as <see cref="PolynomialLeveling.Fit"/> returns them (zero when
    /// the fit is singular, as Gwyddion clears them).
    /// </summary>
    public double[] FitPolynomial(float[] input, int width, int height, int degree, byte[]? exclude = null)
    {
        CheckDegree(degree);
        ProcessingKernels.Check(input, width, height);
        CheckMask(exclude, input.Length);
        using var data = _accelerator.Allocate1D(input);
        using var mask = _accelerator.Allocate1D(exclude ?? [0]);
        return Fit(data.View, mask.View, new FitShape(width, height, degree, exclude is null ? 0 : 1), SurfaceFit.FullTerms(degree));
    }

    /// <summary>
    /// Fits on the device-resident grid and returns the coefficient grid [j·(K+1) + i] (terms not in
    /// <paramref name="terms"/> are 0).
    /// </summary>
    internal double[] Fit(ArrayView<float> data, ArrayView<byte> exclude, FitShape shape, (int Px, int Py)[] terms)
    {
        using var partial = _accelerator.Allocate1D<double>((long)shape.Moments * shape.Height);
        using var moments = _accelerator.Allocate1D<double>(shape.Moments);
        _moments(new Index2D(shape.Height, shape.Moments), data, exclude, partial.View, shape);
        _sumBlocks(shape.Moments, partial.View, moments.View, shape.Height);
        _accelerator.Synchronize();
        var sums = moments.GetAsArray1D();

        var n = terms.Length;
        var side = (2 * shape.Degree) + 1;
        var matrix = new double[n * n];
        var rhs = new double[n];
        for (var r = 0; r < n; r++)
        {
            var (pr, qr) = terms[r];
            rhs[r] = sums[shape.MatrixMoments + (qr * (shape.Degree + 1)) + pr];
            for (var c = 0; c < n; c++)
            {
                var (pc, qc) = terms[c];
                matrix[(r * n) + c] = sums[((qr + qc) * side) + pr + pc];
            }
        }

        var grid = new double[shape.DataMoments];
        if (LinearAlgebra.TrySolveSymmetric(matrix, rhs, n))
        {
            for (var t = 0; t < n; t++)
            {
                grid[(terms[t].Py * (shape.Degree + 1)) + terms[t].Px] = rhs[t];
            }
        }

        return grid;
    }

    /// <summary>output = input − Σ c[j·(K+1) + i]·x'^i·y'^j on device-resident grids.</summary>
    internal void Subtract(ArrayView<float> input, ArrayView<float> output, double[] coefficients, FitShape shape)
    {
        using var c = _accelerator.Allocate1D(coefficients);
        _subtract(new Index2D(shape.Width, shape.Height), input, c.View, output, shape);
        _accelerator.Synchronize();
    }

    private float[] Level(float[] input, int width, int height, int degree, (int Px, int Py)[] terms, byte[]? exclude)
    {
        ProcessingKernels.Check(input, width, height);
        CheckMask(exclude, input.Length);
        using var data = _accelerator.Allocate1D(input);
        using var mask = _accelerator.Allocate1D(exclude ?? [0]);
        using var result = _accelerator.Allocate1D<float>(input.Length);
        var shape = new FitShape(width, height, degree, exclude is null ? 0 : 1);
        Subtract(data.View, result.View, Fit(data.View, mask.View, shape, terms), shape);
        return result.GetAsArray1D();
    }

    private static void CheckDegree(int degree)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degree, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(degree, 3);
    }

    private static void CheckMask(byte[]? exclude, int length)
    {
        if (exclude is not null && exclude.Length != length)
        {
            throw new ArgumentException($"Mask has {exclude.Length} samples but the grid has {length}.", nameof(exclude));
        }
    }

    /// <summary>Coordinate i of n centred and scaled to [−1, 1] (0 for a single sample), as PolynomialLeveling.</summary>
    private static double Scaled(int i, int n)
    {
        var c = (n - 1) / 2.0;
        return n > 1 ? (i - c) / c : 0.0;
    }

    private static double Power(double v, int p)
    {
        var r = 1.0;
        for (var k = 0; k < p; k++)
        {
            r *= v;
        }

        return r;
    }

    // Thread (row, moment): moment m < (2K+1)² is Σ x'^p·y'^q (p = m mod (2K+1)), the rest Σ x'^i·y'^j·z; written
    // moment-major so each moment's row sums are contiguous for the reduction.
    internal static void RowMomentsKernel(Index2D index, ArrayView<float> data, ArrayView<byte> exclude, ArrayView<double> partial, FitShape shape)
    {
        var (row, moment) = (index.X, index.Y);
        var side = (2 * shape.Degree) + 1;
        var withZ = moment >= shape.MatrixMoments;
        var m = withZ ? moment - shape.MatrixMoments : moment;
        var stride = withZ ? shape.Degree + 1 : side;
        var p = m % stride;
        var q = m / stride;
        var start = row * shape.Width;
        var sum = 0.0;
        for (var x = 0; x < shape.Width; x++)
        {
            if (shape.Masked != 0 && exclude[start + x] != 0)
            {
                continue;
            }

            var v = Power(Scaled(x, shape.Width), p);
            sum += withZ ? v * data[start + x] : v;
        }

        partial[(moment * shape.Height) + row] = sum * Power(Scaled(row, shape.Height), q);
    }

    internal static void SumBlocksKernel(Index1D moment, ArrayView<double> partial, ArrayView<double> sums, int blocks)
    {
        var sum = 0.0;
        for (var b = 0; b < blocks; b++)
        {
            sum += partial[(moment * blocks) + b];
        }

        sums[moment] = sum;
    }

    internal static void SubtractKernel(Index2D index, ArrayView<float> input, ArrayView<double> coefficients, ArrayView<float> output, FitShape shape)
    {
        var xs = Scaled(index.X, shape.Width);
        var ys = Scaled(index.Y, shape.Height);
        var k = shape.Degree + 1;

        // Horner in y' over rows of Horner in x'.
        var surface = 0.0;
        for (var j = shape.Degree; j >= 0; j--)
        {
            var row = 0.0;
            for (var i = shape.Degree; i >= 0; i--)
            {
                row = (row * xs) + coefficients[(j * k) + i];
            }

            surface = (surface * ys) + row;
        }

        var at = (index.Y * shape.Width) + index.X;
        output[at] = (float)(input[at] - surface);
    }
}
