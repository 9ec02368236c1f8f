using AfmEdge.Processing;

namespace AfmEdge.Kernels.Tests;

/// <summary>Plane and polynomial leveling kernels against the scalar reference and the SIMD code.</summary>
public abstract class LevelingKernelTests(AcceleratorFixture fixture) : AcceleratorTests(fixture)
{
    [Theory]
    [InlineData(32, 24)]
    [InlineData(17, 9)]
    [InlineData(6, 2)]
    public void PlaneLevel_SmallGrid_MatchesReferenceAndSimd(int w, int h)
    {
        var data = Grids.Field(w, h, 1);
        var gpu = Accelerator.Leveling.PlaneLevel(data, w, h);
        Grids.AssertClose(Reference.PolyLevel(data, w, h, Reference.PlaneTerms), gpu);
        Grids.AssertClose(Grids.Run(new PlaneLeveling(), data, w, h), gpu);
    }

    [Theory]
    [InlineData(0, 32, 24)]
    [InlineData(1, 32, 24)]
    [InlineData(2, 40, 30)]
    [InlineData(3, 40, 30)]
    [InlineData(3, 17, 5)]
    public void PolyLevel_SmallGrid_MatchesReferenceAndSimd(int degree, int w, int h)
    {
        var data = Grids.Field(w, h, degree + 2);
        var gpu = Accelerator.Leveling.PolyLevel(data, w, h, degree);
        Grids.AssertClose(Reference.PolyLevel(data, w, h, Reference.FullTerms(degree)), gpu);
        Grids.AssertClose(Grids.Run(new PolynomialLeveling(degree), data, w, h), gpu);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void PolyLevel_Masked_FitsOnlyUnmaskedPixels(int degree)
    {
        const int w = 33, h = 21;
        var data = Grids.Field(w, h, 11);
        var mask = new byte[data.Length];
        for (var y = 5; y < 12; y++)
        {
            for (var x = 10; x < 20; x++)
            {
                mask[(y * w) + x] = 1;
                data[(y * w) + x] += 100;
            }
        }

        var gpu = Accelerator.Leveling.PolyLevel(data, w, h, degree, mask);
        Grids.AssertClose(Reference.PolyLevel(data, w, h, Reference.FullTerms(degree), mask), gpu);
        Grids.AssertClose(Grids.Run(new PolynomialLeveling(degree), data, w, h, mask), gpu);
        Grids.AssertClose(Reference.PolyLevel(data, w, h, Reference.PlaneTerms, mask), Accelerator.Leveling.PlaneLevel(data, w, h, mask));
    }

    [Fact]
    public void FitPolynomial_Degree3_MatchesSimdCoefficients()
    {
        var data = Grids.Field(24, 20, 5);
        var expected = PolynomialLeveling.Fit(data, 24, 20, 3);
        var actual = Accelerator.Leveling.FitPolynomial(data, 24, 20, 3);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-9 * Math.Abs(expected[0]), $"coefficient {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    [Fact]
    public void PolyLevel_EverythingMasked_SubtractsNothing()
    {
        var data = Grids.Field(8, 6, 3);
        var mask = Enumerable.Repeat((byte)1, data.Length).ToArray();
        Assert.Equal(data, Accelerator.Leveling.PolyLevel(data, 8, 6, 2, mask));
    }

    [Fact]
    public void PolyLevel_BadArguments_Throw()
    {
        var leveling = Accelerator.Leveling;
        Assert.Throws<ArgumentOutOfRangeException>(() => leveling.PolyLevel(new float[12], 4, 3, 4));
        Assert.Throws<ArgumentException>(() => leveling.PolyLevel(new float[12], 4, 3, 1, new byte[5]));
        Assert.Throws<ArgumentException>(() => leveling.PlaneLevel(new float[11], 4, 3));
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorLevelingKernelTests(CpuAcceleratorFixture fixture) : LevelingKernelTests(fixture);

[Trait("Category", "Gpu")]
[Collection(GpuAcceleratorCollection.Name)]
public sealed class GpuLevelingKernelTests(GpuAcceleratorFixture fixture) : LevelingKernelTests(fixture);
