namespace AfmEdge.Processing.Tests;

public sealed class FftTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(64)]
    [InlineData(256)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(12)]
    [InlineData(100)]
    [InlineData(257)]
    public void Forward_AnyLength_MatchesScalarDft(int n)
    {
        var (re, im) = Random(n, seed: n);
        var (expectedRe, expectedIm) = Reference.Dft(re, im);
        Fft.Forward(re, im);
        AssertClose(expectedRe, expectedIm, re, im);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(30)]
    [InlineData(128)]
    [InlineData(241)]
    public void Inverse_AnyLength_MatchesScalarDftAndUndoesForward(int n)
    {
        var (re, im) = Random(n, seed: 7 * n);
        var (originalRe, originalIm) = ((double[])re.Clone(), (double[])im.Clone());
        var (expectedRe, expectedIm) = Reference.Dft(re, im, inverse: true);
        Fft.Inverse(re, im);
        AssertClose(expectedRe, expectedIm, re, im);
        Fft.Forward(re, im);
        AssertClose(originalRe, originalIm, re, im);
    }

    [Theory]
    [InlineData(8, 8)]
    [InlineData(16, 4)]
    [InlineData(12, 10)]
    [InlineData(5, 16)]
    [InlineData(32, 32)]
    public void Forward2D_MatchesScalarDft(int width, int height)
    {
        var (re, im) = Random(width * height, seed: width + (100 * height));
        var (expectedRe, expectedIm) = Reference.Dft2D(re, im, width, height);
        var (originalRe, originalIm) = ((double[])re.Clone(), (double[])im.Clone());
        Fft2D.Forward(re, im, width, height);
        AssertClose(expectedRe, expectedIm, re, im);
        Fft2D.Inverse(re, im, width, height);
        AssertClose(originalRe, originalIm, re, im);
    }

    [Theory]
    [InlineData(64, 32)]
    [InlineData(40, 24)]
    public void Transform2D_Parallel_MatchesSerial(int width, int height)
    {
        var (re, im) = Random(width * height, seed: width * height);
        var (parallelRe, parallelIm) = ((double[])re.Clone(), (double[])im.Clone());
        Fft2D.Forward(re.AsSpan(), im, width, height);
        Fft2D.Forward(parallelRe, parallelIm, width, height, parallel: true);
        AssertClose(re, im, parallelRe, parallelIm);
        Fft2D.Inverse(re.AsSpan(), im, width, height);
        Fft2D.Inverse(parallelRe, parallelIm, width, height, parallel: true);
        AssertClose(re, im, parallelRe, parallelIm);
    }

    [Fact]
    public void Forward_MismatchedParts_ThrowsNamingThem()
    {
        var e = Assert.Throws<ArgumentException>(() => Fft.Forward(new double[8], new double[4]));
        Assert.Contains("imaginary", e.Message, StringComparison.Ordinal);
    }

    private static (double[] Re, double[] Im) Random(int n, int seed)
    {
        var random = new Random(seed);
        return ([.. Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5)], [.. Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5)]);
    }

    private static void AssertClose(double[] expectedRe, double[] expectedIm, double[] re, double[] im)
    {
        var scale = Math.Max(1, expectedRe.Concat(expectedIm).Max(Math.Abs));
        for (var k = 0; k < re.Length; k++)
        {
            Assert.True(Math.Abs(expectedRe[k] - re[k]) <= 1e-10 * scale && Math.Abs(expectedIm[k] - im[k]) <= 1e-10 * scale,
                $"bin {k}: expected ({expectedRe[k]}, {expectedIm[k]}), got ({re[k]}, {im[k]})");
        }
    }
}
