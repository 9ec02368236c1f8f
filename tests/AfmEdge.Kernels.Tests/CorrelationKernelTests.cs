using AfmEdge.Analysis;
using AfmEdge.Tests.Shared;

namespace AfmEdge.Kernels.Tests;

/// <summary>The local-correlation map kernel against the analysis's scalar reference and its SIMD code.</summary>
public abstract class CorrelationKernelTests(AcceleratorFixture fixture) : AcceleratorTests(fixture)
{
    [Theory]
    [InlineData(37, 23, 1)]
    [InlineData(32, 24, 4)]
    [InlineData(5, 40, 7)]
    public void LocalCorrelationMap_HolesAndEdges_MatchesReferenceAndSimd(int width, int height, int radius)
    {
        var (a, b) = CorrelatedImages.WithHoles(width, height, width + height);
        var gpu = new float[a.Length];
        var reference = new float[a.Length];
        var simd = new float[a.Length];

        Accelerator.Correlation.LocalCorrelationMap(a, b, width, height, radius, gpu);

        LocalCorrelation.ComputeReference(a, b, width, height, radius, reference);
        LocalCorrelation.Compute(a, b, width, height, radius, simd);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.Equal(float.IsNaN(reference[i]), float.IsNaN(gpu[i]));
            Assert.Equal(float.IsNaN(simd[i]), float.IsNaN(gpu[i]));
            if (!float.IsNaN(gpu[i]))
            {
                // The kernel sums each window as the reference does; the SIMD code centres on the frame's means and
                // keeps running sums, so it agrees to the rounding of those sums.
                Assert.True(Math.Abs(reference[i] - gpu[i]) <= 1e-6, $"pixel {i}: {gpu[i]} vs reference {reference[i]}");
                Assert.True(Math.Abs(simd[i] - gpu[i]) <= 1e-4, $"pixel {i}: {gpu[i]} vs SIMD {simd[i]}");
            }
        }
    }

    [Fact]
    public void LocalCorrelationMap_ConstantOrEmptyWindows_AreNaN()
    {
        const int width = 12, height = 6;
        var a = Enumerable.Repeat(3f, width * height).ToArray();
        var b = Enumerable.Range(0, width * height).Select(i => (float)i).ToArray();
        var map = new float[a.Length];

        Accelerator.Correlation.LocalCorrelationMap(a, b, width, height, 2, map);
        Assert.All(map, r => Assert.True(float.IsNaN(r)));

        var holes = Enumerable.Repeat(float.NaN, width * height).ToArray();
        Accelerator.Correlation.LocalCorrelationMap(holes, b, width, height, 2, map);
        Assert.All(map, r => Assert.True(float.IsNaN(r)));
    }

    [Fact]
    public void LocalCorrelationMap_MismatchedSizes_Throw()
    {
        var map = new float[12];
        Assert.Throws<ArgumentException>(() => Accelerator.Correlation.LocalCorrelationMap(new float[12], new float[11], 4, 3, 1, map));
        Assert.Throws<ArgumentOutOfRangeException>(() => Accelerator.Correlation.LocalCorrelationMap(new float[12], new float[12], 4, 3, 0, map));
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorCorrelationKernelTests(CpuAcceleratorFixture fixture) : CorrelationKernelTests(fixture);

[Trait("Category", "Gpu")]
[Collection(GpuAcceleratorCollection.Name)]
public sealed class GpuCorrelationKernelTests(GpuAcceleratorFixture fixture) : CorrelationKernelTests(fixture);
