using AfmEdge.Processing;

namespace AfmEdge.Kernels.Tests;

/// <summary>Tip dilation, erosion and certainty map kernels against the scalar reference and the SIMD code.</summary>
public abstract class MorphologyKernelTests(AcceleratorFixture fixture) : AcceleratorTests(fixture)
{
    private const double Pixel = 20e-9;

    [Theory]
    [InlineData(TipGeometry.Paraboloid, 4, 3, 32, 24)]
    [InlineData(TipGeometry.Cone, 2, 2, 17, 9)]
    [InlineData(TipGeometry.Paraboloid, 0, 0, 6, 5)]
    [InlineData(TipGeometry.Paraboloid, 5, 5, 4, 3)]
    public void DilateAndErode_SmallGrid_MatchReferenceAndSimd(TipGeometry geometry, int halfX, int halfY, int w, int h)
    {
        var surface = Surface(w, h, 1);
        var tip = new TipModel(geometry, 15e-9, 25).Render(Pixel, Pixel, halfX, halfY);
        var morphology = Accelerator.Morphology;

        var dilated = morphology.Dilate(surface, w, h, tip);
        Assert.Equal(Reference.TipDilate(surface, w, h, tip), dilated);
        var simd = new float[surface.Length];
        TipMorphology.Dilate(surface, simd, w, h, tip);
        Assert.Equal(simd, dilated);

        var eroded = morphology.Erode(dilated, w, h, tip);
        Assert.Equal(Reference.TipErode(dilated, w, h, tip), eroded);
        TipMorphology.Erode(dilated, simd, w, h, tip);
        Assert.Equal(simd, eroded);
    }

    [Fact]
    public void Dilate_TipWithSamplesOutsideIt_IgnoresThem()
    {
        // −∞ marks tip samples that are not part of the tip (a blind estimate's corners): they never win the max.
        var heights = new TipModel(TipGeometry.Paraboloid, 10e-9).Render(Pixel, Pixel, 2, 2).Heights.ToArray();
        heights[0] = heights[4] = heights[20] = heights[24] = float.NegativeInfinity;
        var tip = new TipGrid(5, 5, heights);
        var surface = Surface(16, 12, 2);
        var simd = new float[surface.Length];
        TipMorphology.Dilate(surface, simd, 16, 12, tip);
        Assert.Equal(simd, Accelerator.Morphology.Dilate(surface, 16, 12, tip));
        TipMorphology.Erode(surface, simd, 16, 12, tip);
        Assert.Equal(simd, Accelerator.Morphology.Erode(surface, 16, 12, tip));
    }

    [Fact]
    public void CertaintyMap_DilatedSurface_MatchesSimd()
    {
        const int w = 24, h = 20;
        var surface = Surface(w, h, 3);
        surface[(10 * w) + 12] += 80e-9f;
        var tip = new TipModel(TipGeometry.Paraboloid, 10e-9).Render(Pixel, Pixel, 3, 2);
        var image = new float[surface.Length];
        var reconstruction = new float[surface.Length];
        TipMorphology.Dilate(surface, image, w, h, tip);
        TipMorphology.Erode(image, reconstruction, w, h, tip);
        var expected = new float[surface.Length];
        TipMorphology.CertaintyMap(image, reconstruction, expected, w, h, tip, 1e-12f);

        var actual = Accelerator.Morphology.CertaintyMap(image, reconstruction, w, h, tip, 1e-12f);

        Assert.Equal(expected, actual);
        Assert.Contains(1f, actual);
    }

    [Fact]
    public void Morphology_BadArguments_Throw()
    {
        var tip = new TipGrid(1, 1, [0f]);
        Assert.Throws<ArgumentException>(() => Accelerator.Morphology.Dilate(new float[5], 2, 3, tip));
        Assert.Throws<ArgumentNullException>(() => Accelerator.Morphology.Erode(new float[6], 2, 3, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => Accelerator.Morphology.CertaintyMap(new float[6], new float[6], 2, 3, tip, -1));
    }

    /// <summary>Bumps and noise of a few nm, in metres.</summary>
    private static float[] Surface(int w, int h, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, w * h).Select(i => (float)((5e-9 * Math.Sin((i % w) * 0.7) * Math.Cos((i / w) * 0.5)) + (2e-9 * random.NextDouble())))];
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorMorphologyKernelTests(CpuAcceleratorFixture fixture) : MorphologyKernelTests(fixture);

[Trait("Category", "Gpu")]
[Collection(GpuAcceleratorCollection.Name)]
public sealed class GpuMorphologyKernelTests(GpuAcceleratorFixture fixture) : MorphologyKernelTests(fixture);
