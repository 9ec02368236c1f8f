using AfmEdge.Processing;

namespace AfmEdge.Kernels.Tests;

/// <summary>The shift-apply and phase-correlation kernels against scalar statements and the SIMD code.</summary>
public abstract class RegistrationKernelTests(AcceleratorFixture fixture) : AcceleratorTests(fixture)
{
    [Theory]
    [InlineData(0.3, -0.6)]
    [InlineData(-2.25, 1.5)]
    [InlineData(5.0, 0.0)]
    [InlineData(-0.999, -3.7)]
    public void Shift_SmallGrid_MatchesReferenceAndSimd(double dx, double dy)
    {
        const int w = 32, h = 24;
        var data = Grids.Field(w, h, 9);
        var gpu = Accelerator.Registration.Shift(data, w, h, dx, dy);
        Grids.AssertClose(Reference.Shift(data, w, h, dx, dy), gpu);
        var simd = new float[data.Length];
        ImageShift.Apply(data, simd, w, h, dx, dy);
        Grids.AssertClose(simd, gpu);
    }

    [Fact]
    public void ShiftRows_PerLineLags_MatchesLineRegistration()
    {
        const int w = 32, h = 12;
        var data = Grids.Field(w, h, 10);
        var lags = Enumerable.Range(0, h).Select(y => (y * 0.37) - 2.1).ToArray();
        var expected = new float[data.Length];
        LineRegistration.Apply(data, expected, w, h, lags);
        Grids.AssertClose(expected, Accelerator.Registration.ShiftRows(data, w, h, lags));
    }

    [Fact]
    public void ShiftRows_BadLags_Throw()
    {
        Assert.Throws<ArgumentException>(() => Accelerator.Registration.ShiftRows(new float[12], 4, 3, [0, 0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Accelerator.Registration.ShiftRows(new float[12], 4, 3, [0, 4, 0]));
    }

    [Theory]
    [InlineData(32.0, 0.0)]
    [InlineData(0.0, double.NaN)]
    public void Shift_OutOfRange_Throws(double dx, double dy) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Accelerator.Registration.Shift(new float[32 * 8], 32, 8, dx, dy));

    [Theory]
    [InlineData(16, 16, 0.2, 0.0, 0.0)]
    [InlineData(20, 12, 0.3, 1.5, -0.5)]
    public void PhaseCorrelation_SmallGrid_MatchesDefinition(int w, int h, double cutoff, double windowDx, double windowDy)
    {
        var reference = Grids.Field(w, h, 1);
        var moving = Grids.Field(w, h, 2);

        var surface = Accelerator.Registration.PhaseCorrelation(reference, moving, w, h, cutoff, (windowDx, windowDy));

        var expected = ScalarSurface(reference, moving, w, h, cutoff, windowDx, windowDy);
        var scale = expected.Max(Math.Abs);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - surface[i]) <= 1e-4 * scale, $"[{i}] expected {expected[i]}, got {surface[i]}");
        }
    }

    [Fact]
    public void PhaseCorrelation_CircularlyShiftedImage_PeaksAtTheShift()
    {
        const int n = 32;
        var reference = Grids.Field(n, n, 3);
        var moving = new float[reference.Length];
        for (var y = 0; y < n; y++)
        {
            for (var x = 0; x < n; x++)
            {
                moving[(y * n) + x] = reference[((((y + 2) % n) * n) + ((x - 3 + n) % n))];
            }
        }

        var surface = Accelerator.Registration.PhaseCorrelation(reference, moving, n, n, 0.3, (3, -2));

        var peak = Array.IndexOf(surface, surface.Max());
        Assert.Equal((3, n - 2), (peak % n, peak / n));
    }

    /// <summary>Windows, DFTs by the definition, the whitened weighted cross-power spectrum and its inverse, in double.</summary>
    private static double[] ScalarSurface(float[] reference, float[] moving, int w, int h, double cutoff, double windowDx, double windowDy)
    {
        static double Hann(int i, int n, double shift)
        {
            var t = (i + 0.5 - shift) / n;
            return t is > 0 and < 1 ? 0.5 - (0.5 * Math.Cos(2 * Math.PI * t)) : 0;
        }

        static double Weight(int k, int n, double cutoff)
        {
            var f = (k <= n / 2 ? k : k - n) / (double)n / cutoff;
            return Math.Exp(-f * f);
        }

        var n = w * h;
        var a = new double[n];
        var b = new double[n];
        for (var i = 0; i < n; i++)
        {
            a[i] = reference[i] * Hann(i % w, w, 0) * Hann(i / w, h, 0);
            b[i] = moving[i] * Hann(i % w, w, windowDx) * Hann(i / w, h, windowDy);
        }

        var (ar, ai) = Reference.Dft2D(a, new double[n], w, h);
        var (br, bi) = Reference.Dft2D(b, new double[n], w, h);
        var pr = new double[n];
        var pi = new double[n];
        for (var i = 1; i < n; i++)
        {
            var qr = (ar[i] * br[i]) + (ai[i] * bi[i]);
            var qi = (ar[i] * bi[i]) - (ai[i] * br[i]);
            var magnitude = Math.Sqrt((qr * qr) + (qi * qi));
            var g = Weight(i % w, w, cutoff) * Weight(i / w, h, cutoff);

            // The inverse DFT as the conjugate's forward DFT: its real part divided by N.
            pr[i] = magnitude > 0 ? qr * g / magnitude : 0;
            pi[i] = magnitude > 0 ? -qi * g / magnitude : 0;
        }

        var (sr, _) = Reference.Dft2D(pr, pi, w, h);
        return [.. sr.Select(v => v / n)];
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorRegistrationKernelTests(CpuAcceleratorFixture fixture) : RegistrationKernelTests(fixture);

[Trait("Category", "Gpu")]
[Collection(GpuAcceleratorCollection.Name)]
public sealed class GpuRegistrationKernelTests(GpuAcceleratorFixture fixture) : RegistrationKernelTests(fixture);
