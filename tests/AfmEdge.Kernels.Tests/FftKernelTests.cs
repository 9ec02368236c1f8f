using AfmEdge.Processing;

namespace AfmEdge.Kernels.Tests;

/// <summary>The device 2D FFT and FFT filters against the DFT by its definition and the SIMD code.</summary>
public abstract class FftKernelTests(AcceleratorFixture fixture) : AcceleratorTests(fixture)
{
    [Theory]
    [InlineData(16, 8)]
    [InlineData(12, 10)]
    [InlineData(7, 1)]
    [InlineData(1, 6)]
    public void Forward_SmallGrid_MatchesDefinitionAndSimd(int w, int h)
    {
        var random = new Random(w + h);
        var re = Enumerable.Range(0, w * h).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var im = Enumerable.Range(0, w * h).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();

        var (gr, gi) = Accelerator.Fft.Forward(re, im, w, h);

        var (er, ei) = Reference.Dft2D([.. re.Select(v => (double)v)], [.. im.Select(v => (double)v)], w, h);
        var scale = er.Concat(ei).Max(Math.Abs);
        for (var i = 0; i < re.Length; i++)
        {
            Assert.True(Math.Abs(er[i] - gr[i]) <= 1e-5 * scale && Math.Abs(ei[i] - gi[i]) <= 1e-5 * scale, $"bin {i}: expected ({er[i]}, {ei[i]}), got ({gr[i]}, {gi[i]})");
        }

        double[] sr = [.. re.Select(v => (double)v)], si = [.. im.Select(v => (double)v)];
        Fft2D.Forward(sr, si, w, h);
        Grids.AssertClose([.. sr.Select(v => (float)v)], gr);
        Grids.AssertClose([.. si.Select(v => (float)v)], gi);
    }

    [Theory]
    [InlineData(32, 16)]
    [InlineData(24, 18)]
    public void Inverse_OfForward_GivesInputBack(int w, int h)
    {
        var data = Grids.Field(w, h, 4);
        var (re, im) = Accelerator.Fft.Forward(data, new float[data.Length], w, h);
        var (back, imaginary) = Accelerator.Fft.Inverse(re, im, w, h);
        Grids.AssertClose(data, back);
        Assert.All(imaginary, v => Assert.True(Math.Abs(v) <= 1e-4, $"imaginary part {v}"));
    }

    [Theory]
    [InlineData(FftFilterKind.LowPass, 0.1, 0.5, 16, 16)]
    [InlineData(FftFilterKind.HighPass, 0.15, 0.5, 16, 16)]
    [InlineData(FftFilterKind.BandPass, 0.05, 0.25, 12, 10)]
    [InlineData(FftFilterKind.LowPass, 0.2, 0.5, 12, 10)]
    public void Filter_SmallGrid_MatchesDefinitionAndSimd(FftFilterKind kind, double low, double high, int w, int h)
    {
        var data = Grids.Field(w, h, 7);
        var filter = new FftFilter(kind, low, high);

        var gpu = Accelerator.Fft.Filter(data, w, h, filter);

        Grids.AssertClose(Reference.FftFilter(data, w, h, kind, low, high), gpu, 1e-4);
        Grids.AssertClose(Grids.Run(filter, data, w, h), gpu, 1e-4);
    }

    [Theory]
    [InlineData(0.1, 0.2, 16, 6)]
    [InlineData(0.0, 0.05, 12, 4)]
    public void NotchRows_SmallGrid_MatchesDefinitionAndSimd(double low, double high, int w, int h)
    {
        var data = Grids.Field(w, h, 8);
        var filter = new RowNotchFilter(low, high);

        var gpu = Accelerator.Fft.NotchRows(data, w, h, filter);

        Grids.AssertClose(Reference.RowNotch(data, w, h, low, high), gpu, 1e-4);
        Grids.AssertClose(Grids.Run(filter, data, w, h), gpu, 1e-4);
    }

    [Fact]
    public void Transform_MismatchedParts_Throws() =>
        Assert.Throws<ArgumentException>(() => Accelerator.Fft.Forward(new float[12], new float[11], 4, 3));
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorFftKernelTests(CpuAcceleratorFixture fixture) : FftKernelTests(fixture);

[Trait("Category", "Gpu")]
[Collection(GpuAcceleratorCollection.Name)]
public sealed class GpuFftKernelTests(GpuAcceleratorFixture fixture) : FftKernelTests(fixture);
