using AfmEdge.Core;
using AfmEdge.Inference;

namespace AfmEdge.Inference.Tests;

public sealed class BicubicUpsamplerTests
{
    [Fact]
    public void Upsample_Constant_StaysConstant()
    {
        var input = Enumerable.Repeat(3.5f, 7 * 5).ToArray();
        var output = new float[4 * input.Length];
        BicubicUpsampler.Upsample(input, 7, 5, output);
        Assert.All(output, v => Assert.Equal(3.5f, v, 1e-5f));
    }

    [Fact]
    public void Upsample_LinearRamp_InterpolatesExactlyAwayFromBorders()
    {
        const int w = 12, h = 10;
        var input = new float[w * h];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                input[(y * w) + x] = (2f * x) + (3f * y);
            }
        }

        var output = new float[4 * w * h];
        BicubicUpsampler.Upsample(input, w, h, output);
        // Output pixel (X, Y) sits at input coordinate ((X + 0.5) / 2 − 0.5, …); a cubic reproduces a ramp there.
        for (var y = 4; y < (2 * h) - 4; y++)
        {
            for (var x = 4; x < (2 * w) - 4; x++)
            {
                var expected = (2 * (((x + 0.5) / 2) - 0.5)) + (3 * (((y + 0.5) / 2) - 0.5));
                Assert.Equal(expected, output[(y * 2 * w) + x], 1e-4);
            }
        }
    }

    [Fact]
    public void Upsample_Impulse_MatchesKeysKernelWeights()
    {
        const int w = 9, h = 9;
        var input = new float[w * h];
        input[(4 * w) + 4] = 1;
        var output = new float[4 * w * h];
        BicubicUpsampler.Upsample(input, w, h, output);
        // Output (8, 8) is ¼ pixel up-left of the impulse: weight Keys(0.25)² with a = −0.5.
        var k = (1.5 * 0.25 * 0.25 * 0.25) - (2.5 * 0.25 * 0.25) + 1;
        Assert.Equal(k * k, output[(8 * 2 * w) + 8], 1e-6);
        // Each 1-D phase pair sums to 2 (twice as many outputs, each with weights summing to 1), so 2 × 2 in 2-D.
        Assert.Equal(4.0, output.Sum(v => (double)v), 1e-5);
    }

    [Fact]
    public void Enhance_Frame_DoublesGridKeepsSizeAndRecordsEnhancer()
    {
        var scan = new ScanSettings { SizeX = 2e-6, SizeY = 2e-6, PixelsX = 8, PixelsY = 8, LineRateHz = 1 };
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), scan,
        [
            new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), 8, 8, new float[64]),
            new Channel(new ChannelDescriptor("Current", PhysicalUnit.Ampere), 8, 8, new float[64]),
        ]);
        var enhanced = new BicubicUpsampler().Enhance(frame);
        Assert.Equal((16, 16), (enhanced.Width, enhanced.Height));
        Assert.Equal(2e-6, enhanced.SizeX);
        Assert.Equal(PhysicalUnit.Ampere, enhanced.GetChannel("Current").Unit);
        Assert.Equal("bicubic", enhanced.Metadata["enhancer"]);
    }

    [Fact]
    public void Upsample_WrongOutputSize_Throws() =>
        Assert.Throws<ArgumentException>(() => BicubicUpsampler.Upsample(new float[16], 4, 4, new float[32]));
}
