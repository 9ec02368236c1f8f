namespace AfmEdge.Processing.Tests;

public sealed class LevelingTests
{
    [Theory]
    [InlineData(37, 23, 1)]
    [InlineData(8, 2, 2)]
    [InlineData(2, 9, 3)]
    [InlineData(64, 64, 4)]
    public void Plane_RandomField_MatchesReference(int w, int h, int seed)
    {
        var data = TestData.Field(w, h, seed);
        TestData.AssertClose(Reference.PolyLevel(data, w, h, Reference.PlaneTerms), TestData.Run(new PlaneLeveling(), data, w, h));
    }

    [Fact]
    public void Plane_Masked_FitsOnlyUnmaskedPixels()
    {
        const int w = 30, h = 20;
        var data = TestData.Field(w, h, 7);
        var mask = new byte[data.Length];
        for (var i = 0; i < data.Length; i += 3)
        {
            mask[i] = 1;
            data[i] += 500; // a feature that would tilt an unmasked fit
        }

        TestData.AssertClose(Reference.PolyLevel(data, w, h, Reference.PlaneTerms, mask), TestData.Run(new PlaneLeveling(), data, w, h, mask));
    }

    [Theory]
    [InlineData(1, 40, 30)]
    [InlineData(2, 40, 30)]
    [InlineData(3, 40, 30)]
    [InlineData(2, 17, 5)]
    [InlineData(3, 64, 48)]
    public void Poly_RandomField_MatchesReference(int degree, int w, int h)
    {
        var data = TestData.Field(w, h, degree);
        TestData.AssertClose(Reference.PolyLevel(data, w, h, Reference.FullTerms(degree)), TestData.Run(new PolynomialLeveling(degree), data, w, h));
    }

    [Fact]
    public void Poly_Masked_MatchesReference()
    {
        const int w = 33, h = 21;
        var data = TestData.Field(w, h, 11);
        var mask = new byte[data.Length];
        for (var y = 5; y < 12; y++)
        {
            for (var x = 10; x < 20; x++)
            {
                mask[(y * w) + x] = 1;
                data[(y * w) + x] += 100;
            }
        }

        TestData.AssertClose(Reference.PolyLevel(data, w, h, Reference.FullTerms(2), mask), TestData.Run(new PolynomialLeveling(2), data, w, h, mask));
    }

    [Fact]
    public void Poly_ExactPolynomial_LeavesZeros()
    {
        const int w = 50, h = 40;
        var data = new float[w * h];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                data[(y * w) + x] = (float)(3 + (0.1 * x) - (0.002 * x * x * y) + (1e-9 * x * x * x * y * y * y));
            }
        }

        var output = TestData.Run(new PolynomialLeveling(3), data, w, h);
        Assert.All(output, v => Assert.True(Math.Abs(v) < 1e-4, $"residual {v}"));
    }

    [Fact]
    public void Plane_OneRow_ThrowsNamingStep()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TestData.Run(new PlaneLeveling(), new float[10], 10, 1));
        Assert.Contains("level:plane", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MismatchedOutput_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new PolynomialLeveling(2).Run(new float[12], new float[11], 4, 3, default));
        Assert.Contains("Output has 11", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Poly_DegreeFour_Throws() => Assert.Throws<ArgumentOutOfRangeException>(() => new PolynomialLeveling(4));
}
