namespace AfmEdge.Processing.Tests;

public sealed class Fft2DSingleTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 4)]
    [InlineData(8, 8)]
    [InlineData(16, 4)]
    [InlineData(4, 32)]
    [InlineData(32, 32)]
    [InlineData(64, 16)]
    [InlineData(128, 128)]
    public void ForwardAndInverse_MatchScalarDft(int width, int height)
    {
        var (re, im) = Random(width * height, seed: width + (1000 * height));
        var (expectedRe, expectedIm) = Reference.Dft2D([.. re.Select(v => (double)v)], [.. im.Select(v => (double)v)], width, height);
        var (originalRe, originalIm) = ((float[])re.Clone(), (float[])im.Clone());
        Fft2DSingle.Forward(re, im, width, height);
        AssertClose(expectedRe, expectedIm, re, im, width * height);
        Fft2DSingle.Inverse(re, im, width, height);
        AssertClose([.. originalRe.Select(v => (double)v)], [.. originalIm.Select(v => (double)v)], re, im, 1);
    }

    [Theory]
    [InlineData(256, 256, 0, 256)]
    [InlineData(64, 32, 0, 32)]
    [InlineData(32, 64, 16, 48)]
    [InlineData(24, 40, 8, 40)]
    public void Transpose_MatchesScalarReference(int width, int height, int rowFrom, int rowTo)
    {
        var (source, _) = Random(width * height, seed: width * height);
        var expected = new float[width * height];
        var actual = new float[width * height];
        Fft2DSingle.TransposeScalar(source, expected, width, height, rowFrom, rowTo);
        Fft2DSingle.Transpose(source, actual, width, height, rowFrom, rowTo);
        Assert.Equal(expected, actual);
        Assert.Equal(source[(rowFrom * width) + 1], expected[height + rowFrom]);
    }

    [Fact]
    public void Forward_SideNotPowerOfTwo_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Fft2DSingle.Forward(new float[12], new float[12], 6, 2));
        Assert.Contains("6×2", e.Message, StringComparison.Ordinal);
        Assert.False(Fft2DSingle.Supports(6, 2));
        Assert.True(Fft2DSingle.Supports(256, 64));
    }

    [Fact]
    public void Forward_MismatchedParts_ThrowsNamingThem()
    {
        var e = Assert.Throws<ArgumentException>(() => Fft2DSingle.Forward(new float[16], new float[8], 4, 4));
        Assert.Contains("imaginary", e.Message, StringComparison.Ordinal);
    }

    private static (float[] Re, float[] Im) Random(int n, int seed)
    {
        var random = new Random(seed);
        return ([.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5))], [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5))]);
    }

    /// <summary>Single precision: within a few float ulps of the spectrum's scale (√n·|x| for random x, n for a sum).</summary>
    private static void AssertClose(double[] expectedRe, double[] expectedIm, float[] re, float[] im, int n)
    {
        var scale = Math.Max(1, expectedRe.Concat(expectedIm).Max(Math.Abs));
        var tolerance = 2e-6 * scale * Math.Max(1, Math.Log2(n));
        for (var k = 0; k < re.Length; k++)
        {
            Assert.True(Math.Abs(expectedRe[k] - re[k]) <= tolerance && Math.Abs(expectedIm[k] - im[k]) <= tolerance,
                $"bin {k}: expected ({expectedRe[k]}, {expectedIm[k]}), got ({re[k]}, {im[k]})");
        }
    }
}
