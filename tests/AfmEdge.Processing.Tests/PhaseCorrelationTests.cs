using System.Runtime.Intrinsics.X86;

namespace AfmEdge.Processing.Tests;

public sealed class PhaseCorrelationTests
{
    [Theory]
    [InlineData(256, 256, 2)]
    [InlineData(64, 32, 1)]
    [InlineData(20, 12, 2)]
    [InlineData(8, 8, 1)]
    public void CrossPowerVector_MatchesScalarReference(int width, int height, int moving)
    {
        if (!Avx2.IsSupported)
        {
            Assert.Skip("The vectorised cross power needs AVX2.");
        }

        var random = new Random(width + height + moving);
        var pairs = moving;
        float[][] Spectra() => [.. Enumerable.Range(0, pairs).Select(_ => Enumerable.Range(0, width * height).Select(_ => (float)(random.NextDouble() - 0.5) * 100).ToArray())];
        var re = Spectra();
        var im = Spectra();
        var gx = Enumerable.Range(0, width).Select(k => Math.Exp(-k * 0.01)).ToArray();
        var gy = Enumerable.Range(0, height).Select(k => Math.Exp(-k * 0.02)).ToArray();
        var (expectedRe, expectedIm) = (re.Select(a => (float[])a.Clone()).ToArray(), im.Select(a => (float[])a.Clone()).ToArray());

        // In two halves of the rows, as the correlation runs them on two cores.
        var rows = (height / 2) + 1;
        PhaseCorrelation.CrossPowerScalar(expectedRe, expectedIm, moving, width, height, gx, gy, 0, rows);
        PhaseCorrelation.CrossPowerVector(re, im, moving, width, height, gx, gy, 0, rows / 2);
        PhaseCorrelation.CrossPowerVector(re, im, moving, width, height, gx, gy, rows / 2, rows);
        for (var k = 0; k < width * height; k++)
        {
            Assert.True(Math.Abs(expectedRe[0][k] - re[0][k]) <= 1e-5 && Math.Abs(expectedIm[0][k] - im[0][k]) <= 1e-5,
                $"bin {k}: expected ({expectedRe[0][k]}, {expectedIm[0][k]}), got ({re[0][k]}, {im[0][k]})");
        }

        Assert.Equal(0f, re[0][0]);
        Assert.Contains(re[0], v => Math.Abs(v) > 0.1f);
    }
}
