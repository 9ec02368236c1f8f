using AfmEdge.Processing;

namespace AfmEdge.Kernels.Tests;

/// <summary>Statistics, zero offset and feature-masked leveling kernels against the scalar reference and the SIMD code.</summary>
public abstract class StatisticsKernelTests(AcceleratorFixture fixture) : AcceleratorTests(fixture)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Statistics_FieldWithNonFinitePixels_MatchesReferenceAndSimd(bool masked)
    {
        const int w = 32, h = 24;
        var data = Grids.Field(w, h, 2);
        data[7] = float.NaN;
        data[100] = float.PositiveInfinity;
        var mask = masked ? Enumerable.Range(0, data.Length).Select(i => (byte)(i % 7 == 0 ? 1 : 0)).ToArray() : null;

        var gpu = Accelerator.Statistics.Statistics(data, w, h, mask);

        foreach (var expected in new[] { Reference.Statistics(data, mask), SurfaceStatistics.Compute(data, mask) })
        {
            Assert.Equal(expected.Count, gpu.Count);
            Assert.Equal(expected.Excluded, gpu.Excluded);
            Assert.Equal(expected.Min, gpu.Min);
            Assert.Equal(expected.Max, gpu.Max);
            foreach (var (e, a) in new[] { (expected.Mean, gpu.Mean), (expected.Sq, gpu.Sq), (expected.Sa, gpu.Sa), (expected.Skew, gpu.Skew), (expected.Kurtosis, gpu.Kurtosis) })
            {
                Assert.True(Math.Abs(e - a) <= 1e-9 * Math.Max(1, Math.Abs(e)), $"expected {e}, got {a}");
            }
        }
    }

    [Fact]
    public void Statistics_EverythingMasked_IsNaN()
    {
        var gpu = Accelerator.Statistics.Statistics(new float[12], 4, 3, Enumerable.Repeat((byte)1, 12).ToArray());
        Assert.Equal(0, gpu.Count);
        Assert.True(double.IsNaN(gpu.Mean));
    }

    [Theory]
    [InlineData(ZeroOffsetMode.FixZero, 0.0)]
    [InlineData(ZeroOffsetMode.ZeroMean, 0.0)]
    [InlineData(ZeroOffsetMode.Offset, -12.5)]
    public void ZeroOffset_SmallGrid_MatchesSimd(ZeroOffsetMode mode, double offset)
    {
        var data = Grids.Field(17, 9, 4);
        var step = new ZeroOffset(mode, offset);
        Assert.Equal(Grids.Run(step, data, 17, 9), Accelerator.Statistics.ZeroOffset(data, 17, 9, step));
        var mask = Enumerable.Range(0, data.Length).Select(i => (byte)(i < 20 ? 1 : 0)).ToArray();
        Assert.Equal(Grids.Run(step, data, 17, 9, mask), Accelerator.Statistics.ZeroOffset(data, 17, 9, step, mask));
    }

    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(2, 0.5)]
    [InlineData(3, 1.5)]
    public void MaskedLevel_FieldWithFeatures_MatchesSimd(int degree, double threshold)
    {
        const int w = 32, h = 24;
        var data = Grids.Field(w, h, 6);
        for (var y = 8; y < 14; y++)
        {
            for (var x = 10; x < 18; x++)
            {
                data[(y * w) + x] += 30;
            }
        }

        var step = new MaskedLeveling(degree, threshold);
        Grids.AssertClose(Grids.Run(step, data, w, h), Accelerator.Statistics.MaskedLevel(data, w, h, step));
        var exclude = Enumerable.Range(0, data.Length).Select(i => (byte)(i % 11 == 0 ? 1 : 0)).ToArray();
        Grids.AssertClose(Grids.Run(step, data, w, h, exclude), Accelerator.Statistics.MaskedLevel(data, w, h, step, exclude));
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorStatisticsKernelTests(CpuAcceleratorFixture fixture) : StatisticsKernelTests(fixture);

[Trait("Category", "Gpu")]
[Collection(GpuAcceleratorCollection.Name)]
public sealed class GpuStatisticsKernelTests(GpuAcceleratorFixture fixture) : StatisticsKernelTests(fixture);
