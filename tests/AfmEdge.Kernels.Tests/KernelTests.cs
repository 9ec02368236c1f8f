using AfmEdge.Processing;

namespace AfmEdge.Kernels.Tests;

/// <summary>Loads one accelerator (and its kernels) for a whole test class; null with a reason when there is none.</summary>
public abstract class AcceleratorFixture : IDisposable
{
    protected AcceleratorFixture(Func<(KernelAccelerator? Accelerator, string Reason)> create) => (Accelerator, Reason) = create();

    public KernelAccelerator? Accelerator { get; }

    public string Reason { get; }

    public void Dispose()
    {
        Accelerator?.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class CpuAcceleratorFixture() : AcceleratorFixture(() => (KernelAccelerator.CreateCpu(), string.Empty));

public sealed class GpuAcceleratorFixture() : AcceleratorFixture(() =>
    KernelAccelerator.TryCreateGpu(out var accelerator, out var reason) ? (accelerator, string.Empty) : (null, reason));

/// <summary>
/// Every CPU-accelerator test class shares one accelerator: loading all kernels is most of these tests' time, and the
/// classes of a collection run one after another, so the accelerator is never used from two threads at once.
/// </summary>
[CollectionDefinition(Name)]
public sealed class CpuAcceleratorCollection : ICollectionFixture<CpuAcceleratorFixture>
{
    public const string Name = "ILGPU CPU accelerator";
}

/// <summary>Every GPU test class shares one GPU accelerator (or the reason there is none).</summary>
[CollectionDefinition(Name)]
public sealed class GpuAcceleratorCollection : ICollectionFixture<GpuAcceleratorFixture>
{
    public const string Name = "ILGPU GPU accelerator";
}

/// <summary>
/// The kernels against the scalar reference (AfmEdge.Processing.Reference) on small grids; run once per accelerator.
/// </summary>
public abstract class KernelTests(AcceleratorFixture fixture)
{
    private ProcessingKernels Kernels =>
        fixture.Accelerator?.Kernels ?? throw new InvalidOperationException("no accelerator");

    [Theory]
    [InlineData(2.0, 32, 24)]
    [InlineData(0.8, 17, 9)]
    [InlineData(5.0, 4, 3)]
    public void Gaussian_SmallGrid_MatchesReference(double sigma, int w, int h)
    {
        SkipWithoutAccelerator();
        var data = Grids.Field(w, h, 1);
        Grids.AssertClose(Reference.Gaussian(data, w, h, sigma), Kernels.Gaussian(data, w, h, sigma));
    }

    [Theory]
    [InlineData(5, 32, 24)]
    [InlineData(3, 17, 9)]
    [InlineData(4, 12, 10)]
    public void Median_SmallGrid_MatchesReference(int size, int w, int h)
    {
        SkipWithoutAccelerator();
        var data = Grids.Field(w, h, 2);
        Assert.Equal(Reference.Median(data, w, h, size), Kernels.Median(data, w, h, size));
    }

    [Fact]
    public void Median_TiedValues_MatchesReference()
    {
        SkipWithoutAccelerator();
        var random = new Random(4);
        var data = Enumerable.Range(0, 32 * 24).Select(_ => (float)random.Next(3)).ToArray();
        Assert.Equal(Reference.Median(data, 32, 24, 5), Kernels.Median(data, 32, 24, 5));
    }

    [Theory]
    [InlineData(RowAlignmentMethod.Median, 32, 24, 1)]
    [InlineData(RowAlignmentMethod.Median, 15, 4, 1)]
    [InlineData(RowAlignmentMethod.Mean, 32, 24, 1)]
    [InlineData(RowAlignmentMethod.TrimmedMean, 32, 24, 1)]
    [InlineData(RowAlignmentMethod.TrimmedMean, 9, 5, 1)]
    [InlineData(RowAlignmentMethod.MedianOfDifferences, 32, 24, 1)]
    [InlineData(RowAlignmentMethod.MedianOfDifferences, 16, 2, 1)]
    [InlineData(RowAlignmentMethod.Polynomial, 32, 24, 1)]
    [InlineData(RowAlignmentMethod.Polynomial, 33, 7, 3)]
    [InlineData(RowAlignmentMethod.Polynomial, 20, 6, 0)]
    public void AlignRows_SmallGrid_MatchesReferenceAndSimd(RowAlignmentMethod method, int w, int h, int degree)
    {
        SkipWithoutAccelerator();
        var data = Grids.Field(w, h, 3);
        var gpu = Kernels.AlignRows(data, w, h, method, degree);
        Grids.AssertClose(Reference.AlignRows(data, w, h, method, degree), gpu);
        Grids.AssertClose(Grids.Run(new RowAlignment(method, degree), data, w, h), gpu);
    }

    // Rows of a few repeated values: the rank kernels break ties by position, as the CPU's sorts do.
    [Theory]
    [InlineData(RowAlignmentMethod.TrimmedMean)]
    [InlineData(RowAlignmentMethod.Median)]
    [InlineData(RowAlignmentMethod.MedianOfDifferences)]
    public void AlignRows_RowsWithTies_MatchesSimd(RowAlignmentMethod method)
    {
        SkipWithoutAccelerator();
        var random = new Random(8);
        var data = Enumerable.Range(0, 24 * 10).Select(_ => (float)random.Next(4)).ToArray();
        var gpu = Kernels.AlignRows(data, 24, 10, method, trimFraction: 0.2);
        Grids.AssertClose(Grids.Run(new RowAlignment(method, trimFraction: 0.2), data, 24, 10), gpu);
    }

    [Fact]
    public void AlignRows_BadParameters_Throw()
    {
        SkipWithoutAccelerator();
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.AlignRows(new float[12], 4, 3, RowAlignmentMethod.Polynomial, degree: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.AlignRows(new float[12], 4, 3, RowAlignmentMethod.TrimmedMean, trimFraction: 0.7));
    }

    [Theory]
    [InlineData(32, 24)]
    [InlineData(17, 9)]
    [InlineData(2, 1)]
    public void HalfResolution_SmallGrid_MatchesSimd(int w, int h)
    {
        SkipWithoutAccelerator();
        var data = Grids.Field(w, h, 5);
        var (hw, hh) = HalfResolution.Size(w, h);
        var expected = new float[hw * hh];
        HalfResolution.Downsample(data, w, h, expected);
        Assert.Equal(expected, Kernels.HalfResolution(data, w, h));
    }

    [Theory]
    [InlineData(16, 12)]
    [InlineData(5, 3)]
    [InlineData(1, 1)]
    public void UpsampleBicubic_SmallGrid_MatchesBicubicUpsampler(int w, int h)
    {
        SkipWithoutAccelerator();
        var data = Grids.Field(w, h, 6);
        var expected = new float[4 * w * h];
        AfmEdge.Inference.BicubicUpsampler.Upsample(data, w, h, expected);
        Grids.AssertClose(expected, Kernels.UpsampleBicubic(data, w, h));
    }

    private void SkipWithoutAccelerator()
    {
        if (fixture.Accelerator is null)
        {
            Assert.Skip("No GPU accelerator: " + fixture.Reason);
        }
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorKernelTests(CpuAcceleratorFixture fixture) : KernelTests(fixture);

[Trait("Category", "Gpu")]
[Collection(GpuAcceleratorCollection.Name)]
public sealed class GpuKernelTests(GpuAcceleratorFixture fixture) : KernelTests(fixture)
{
    [Fact]
    public void TryCreateGpu_OnGpuMachine_ReportsGpu()
    {
        if (!KernelAccelerator.TryCreateGpu(out var accelerator, out var reason))
        {
            Assert.Skip("No GPU accelerator: " + reason);
        }

        using (accelerator)
        {
            Assert.True(accelerator!.IsGpu, accelerator.Name);
        }
    }
}
