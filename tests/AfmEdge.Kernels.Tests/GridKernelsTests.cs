using AfmEdge.Processing;

namespace AfmEdge.Kernels.Tests;

/// <summary>Every grid step of the chain's grammar run through <see cref="GridKernels.TryRun"/> against its SIMD code.</summary>
public abstract class GridKernelsTests(AcceleratorFixture fixture) : AcceleratorTests(fixture)
{
    [Theory]
    [InlineData("level:plane")]
    [InlineData("level:poly:2")]
    [InlineData("level-masked:plane")]
    [InlineData("align-rows:median")]
    [InlineData("align-rows:median-diff")]
    [InlineData("align-rows:trimmed:0.1")]
    [InlineData("align-rows:poly:2")]
    [InlineData("scars")]
    [InlineData("gauss:1.5")]
    [InlineData("median:3")]
    [InlineData("lowpass:0.2")]
    [InlineData("highpass:0.1")]
    [InlineData("bandpass:0.05:0.3")]
    [InlineData("notch-rows:0.1:0.2")]
    [InlineData("fix-zero")]
    [InlineData("zero-mean")]
    [InlineData("offset:3.5")]
    public void TryRun_ChainStep_MatchesSimd(string step)
    {
        const int w = 20, h = 16;
        var operation = (GridOperation)ProcessingChain.ParseList(step).Operations.Single();
        var data = Grids.Field(w, h, 12);

        Assert.True(Accelerator.TryRun(operation, data, w, h, null, out var output));

        Grids.AssertClose(Grids.Run(operation, data, w, h), output!, step.Contains("pass", StringComparison.Ordinal) || step.StartsWith("notch", StringComparison.Ordinal) ? 1e-4 : 1e-5);
    }

    [Fact]
    public void TryRun_MaskedRowAlignment_DeclinesForTheSimdCode()
    {
        var operation = new RowAlignment(RowAlignmentMethod.Median);
        Assert.False(Accelerator.TryRun(operation, new float[12], 4, 3, new byte[12], out var output));
        Assert.Null(output);
    }

    [Fact]
    public void TryRun_TooSmallGrid_ThrowsNamingTheStep()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Accelerator.TryRun(new ScarRemoval(), new float[8], 4, 2, null, out _));
        Assert.Contains("'scars'", error.Message, StringComparison.Ordinal);
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorGridKernelsTests(CpuAcceleratorFixture fixture) : GridKernelsTests(fixture);

[Trait("Category", "Gpu")]
[Collection(GpuAcceleratorCollection.Name)]
public sealed class GpuGridKernelsTests(GpuAcceleratorFixture fixture) : GridKernelsTests(fixture);
