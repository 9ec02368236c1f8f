using AfmEdge.Inference.Evaluation;
using AfmEdge.Inference.Training;

namespace AfmEdge.Inference.Tests.Training;

public sealed class ImageQualityAndAdamTests
{
    [Fact]
    public void Psnr_KnownError_UsesReferencePeakToPeak()
    {
        float[] reference = [0, 10, 20, 30];
        float[] test = [1, 11, 19, 29];

        // range 30, MSE 1 → 10·log10(900).
        Assert.Equal(10 * Math.Log10(900), ImageQuality.Psnr(reference, test), 9);
        Assert.Equal(double.PositiveInfinity, ImageQuality.Psnr(reference, reference));
    }

    [Fact]
    public void Ssim_IdenticalAndNoisy_OneAndLess()
    {
        const int W = 32, H = 24;
        var random = new Random(1);
        var reference = Enumerable.Range(0, W * H).Select(i => (float)Math.Sin(i % W * 0.3) * 5 + (i / W * 0.1f)).ToArray();
        var noisy = reference.Select(v => v + (float)(random.NextDouble() - 0.5)).ToArray();

        Assert.Equal(1, ImageQuality.Ssim(reference, reference, W, H), 9);
        var ssim = ImageQuality.Ssim(reference, noisy, W, H);
        Assert.InRange(ssim, 0.3, 0.999);
        Assert.True(ImageQuality.Ssim(reference, [.. noisy.Select((v, i) => v + (float)(random.NextDouble() - 0.5) * 3)], W, H) < ssim);
    }

    [Fact]
    public void Step_FirstUpdate_MovesEachParameterByLearningRateAgainstGradientSign()
    {
        float[] parameters = [1, -2, 3, 0.5f, 0, 7, -1, 2, 4];
        var before = parameters.ToArray();
        var adam = new AdamOptimizer([parameters]);
        float[] gradient = [0.3f, -5, 1e-3f, 2, -0.1f, 8, 1, -1, 0.5f];

        adam.Step([gradient], 0.01);

        // Bias-corrected first step: m̂/√v̂ = g/|g|, so every parameter moves by lr (up to ε).
        for (var i = 0; i < parameters.Length; i++)
        {
            Assert.Equal(before[i] - (0.01f * Math.Sign(gradient[i])), parameters[i], 1e-5f);
        }

        Assert.Equal(1, adam.Steps);
    }
}
