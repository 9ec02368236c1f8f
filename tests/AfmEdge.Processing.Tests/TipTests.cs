namespace AfmEdge.Processing.Tests;

public sealed class TipTests
{
    private const double Pixel = 20e-9;

    [Theory]
    [InlineData(TipGeometry.Paraboloid, 4, 3)]
    [InlineData(TipGeometry.Cone, 5, 5)]
    [InlineData(TipGeometry.Paraboloid, 0, 0)]
    public void DilateAndErode_MatchScalarReference(TipGeometry geometry, int halfX, int halfY)
    {
        const int width = 53;
        const int height = 37;
        var surface = Surface(width, height, seed: 1);
        var tip = new TipModel(geometry, 15e-9, 25).Render(Pixel, Pixel, halfX, halfY);
        var dilated = new float[surface.Length];
        TipMorphology.Dilate(surface, dilated, width, height, tip);
        Assert.Equal(Reference.TipDilate(surface, width, height, tip), dilated);

        var eroded = new float[surface.Length];
        TipMorphology.Erode(dilated, eroded, width, height, tip);
        Assert.Equal(Reference.TipErode(dilated, width, height, tip), eroded);
    }

    [Fact]
    public void ErodeOfDilate_IsUpperBoundOfSurfaceAndImagesTheSame()
    {
        const int size = 64;
        var surface = Surface(size, size, seed: 2);
        var tip = new TipModel(TipGeometry.Paraboloid, 10e-9).Render(Pixel, Pixel, 6, 6);
        var image = new float[surface.Length];
        var reconstruction = new float[surface.Length];
        var again = new float[surface.Length];
        TipMorphology.Dilate(surface, image, size, size, tip);
        TipMorphology.Erode(image, reconstruction, size, size, tip);
        TipMorphology.Dilate(reconstruction, again, size, size, tip);
        for (var i = 0; i < surface.Length; i++)
        {
            // The image lies on or above the surface, the reconstruction between them, and it images to the same image.
            Assert.True(image[i] >= surface[i], $"pixel {i}");
            Assert.True(reconstruction[i] >= surface[i] - 1e-15f && reconstruction[i] <= image[i], $"pixel {i}");
            Assert.Equal(image[i], again[i], 1e-15f);
        }
    }

    [Fact]
    public void CertaintyMap_SpikeUnderTip_OnlyTheTouchedPointIsCertain()
    {
        // A lone needle on a flat: the tip touches its top from every nearby apex position, so that pixel alone is certain
        // among the needle's neighbours; the flat far from the needle is touched by the apex itself and is certain too.
        const int size = 41;
        var surface = new float[size * size];
        surface[(20 * size) + 20] = 100e-9f;
        var tip = new TipModel(TipGeometry.Paraboloid, 10e-9).Render(Pixel, Pixel, 3, 3);
        var image = new float[surface.Length];
        var reconstruction = new float[surface.Length];
        var map = new float[surface.Length];
        TipMorphology.Dilate(surface, image, size, size, tip);
        TipMorphology.Erode(image, reconstruction, size, size, tip);
        TipMorphology.CertaintyMap(image, reconstruction, map, size, size, tip);
        Assert.Equal(1, map[(20 * size) + 20]);
        Assert.Equal(0, map[(20 * size) + 21]);
        Assert.Equal(0, map[(19 * size) + 20]);
        Assert.Equal(1, map[(5 * size) + 30]);
        Assert.Equal(0, map[0]);
    }

    [Fact]
    public void EstimatePartial_SharpSpikesImagedByParaboloid_RecoversTipWithinThreshold()
    {
        // Needles far sharper than the tip: each one images the tip itself, so the blind estimate should be the tip.
        const int size = 96;
        var surface = new float[size * size];
        var random = new Random(3);
        for (var k = 0; k < 12; k++)
        {
            surface[((10 + random.Next(size - 20)) * size) + 10 + random.Next(size - 20)] = (float)(50e-9 + (random.NextDouble() * 50e-9));
        }

        var truth = new TipModel(TipGeometry.Paraboloid, 30e-9).Render(Pixel, Pixel, 4, 4);
        var image = new float[surface.Length];
        TipMorphology.Dilate(surface, image, size, size, truth);
        const double threshold = 0.1e-9;
        var estimate = BlindTipEstimation.EstimatePartial(image, size, size, 9, threshold);
        Assert.Equal(0, estimate[4, 4]);
        for (var i = 0; i < estimate.Heights.Length; i++)
        {
            // The estimate is an upper bound of the tip, and (needles) a tight one down to the lowest needle's height:
            // deeper than the relief, the image says nothing about the tip.
            Assert.True(estimate.Heights[i] >= truth.Heights[i] - 1e-12, $"tip pixel {i}: {estimate.Heights[i]} below truth {truth.Heights[i]}");
            if (truth.Heights[i] > -50e-9)
            {
                Assert.True(estimate.Heights[i] <= truth.Heights[i] + (2 * threshold), $"tip pixel {i}: {estimate.Heights[i]} vs truth {truth.Heights[i]}");
            }
        }
    }

    [Fact]
    public void EstimatePartial_FlatImage_LeavesTheLargestTip()
    {
        var estimate = BlindTipEstimation.EstimatePartial(new float[32 * 32], 32, 32, 5, 0);
        Assert.All(estimate.Heights, h => Assert.Equal(0, h));
    }

    [Theory]
    [InlineData(4, "tipSize")]
    [InlineData(0, "tipSize")]
    public void EstimatePartial_BadTipSize_ThrowsNamingIt(int tipSize, string parameter)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BlindTipEstimation.EstimatePartial(new float[64], 8, 8, tipSize, 0));
        Assert.Equal(parameter, e.ParamName);
    }

    [Fact]
    public void TipModel_BadRadius_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new TipModel(TipGeometry.Cone, -1e-9));
        Assert.Equal("apexRadius", e.ParamName);
    }

    [Fact]
    public void TipModel_RenderForRelief_ReachesTheReliefAtItsBorder()
    {
        var model = new TipModel(TipGeometry.Paraboloid, 10e-9);
        var tip = model.Render(Pixel, Pixel, relief: 50e-9);
        var reach = Math.Sqrt(2 * 10e-9 * 50e-9);
        Assert.Equal((2 * (int)Math.Ceiling(reach / Pixel)) + 1, tip.Width);
        Assert.True(-tip[0, tip.CentreY] >= 50e-9 * 0.999);
        Assert.Equal(0, tip[tip.CentreX, tip.CentreY]);
    }

    /// <summary>Bumps and a step, heights in metres.</summary>
    internal static float[] Surface(int width, int height, int seed)
    {
        var random = new Random(seed);
        var data = new float[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                data[(y * width) + x] = (float)((x > width / 2 ? 20e-9 : 0) + (30e-9 * Math.Sin(x * 0.4) * Math.Cos(y * 0.3)) + (random.NextDouble() * 2e-9));
            }
        }

        return data;
    }
}
