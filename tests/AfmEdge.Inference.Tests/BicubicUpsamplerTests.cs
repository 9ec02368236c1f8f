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

    [Theory]
    [InlineData(1, 3)]
    [InlineData(5, 2)]
    [InlineData(6, 4)]
    [InlineData(13, 7)]
    [InlineData(64, 5)]
    public void Upsample_RandomSamples_EqualsTheTapsSummedInOrderBitwise(int w, int h)
    {
        var random = new Random(w * 31 + h);
        var input = Enumerable.Range(0, w * h).Select(_ => (float)((random.NextDouble() * 200) - 100)).ToArray();
        var output = new float[4 * w * h];

        BicubicUpsampler.Upsample(input, w, h, output);

        // The definition, sample by sample: each row pass sums its four products from zero in tap order, the column pass
        // sums the four rows' products in order; edges replicated. The SIMD passes must give these bits.
        float Row(int y, int ox)
        {
            var weights = ox % 2 == 0 ? BicubicUpsampler.LeftPhase : BicubicUpsampler.RightPhase;
            var first = (ox / 2) - 2 + (ox % 2);
            var sum = 0f;
            for (var k = 0; k < 4; k++)
            {
                sum += weights[k] * input[(y * w) + Math.Clamp(first + k, 0, w - 1)];
            }

            return sum;
        }

        for (var oy = 0; oy < 2 * h; oy++)
        {
            var weights = oy % 2 == 0 ? BicubicUpsampler.LeftPhase : BicubicUpsampler.RightPhase;
            var first = (oy / 2) - 2 + (oy % 2);
            for (var ox = 0; ox < 2 * w; ox++)
            {
                int Y(int k) => Math.Clamp(first + k, 0, h - 1);
                var expected = (weights[0] * Row(Y(0), ox)) + (weights[1] * Row(Y(1), ox)) + (weights[2] * Row(Y(2), ox)) + (weights[3] * Row(Y(3), ox));
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(output[(oy * 2 * w) + ox]),
                    $"({ox}, {oy}): expected {expected}, got {output[(oy * 2 * w) + ox]}");
            }
        }
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
    public void Enhance_WithOutputBuffers_WritesIntoAReturnedArrayWhatANewOneGets()
    {
        var scan = new ScanSettings { SizeX = 2e-6, SizeY = 2e-6, PixelsX = 8, PixelsY = 8, LineRateHz = 1 };
        var samples = Enumerable.Range(0, 64).Select(i => MathF.Sin(i * 0.37f)).ToArray();
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), scan,
            [new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), 8, 8, samples)]);
        var pool = new ChannelBufferPool();
        var stale = Enumerable.Repeat(float.NaN, 256).ToArray();
        pool.Return(stale);

        var pooled = new BicubicUpsampler { OutputBuffers = pool }.Enhance(frame).GetChannel("Height");
        var fresh = new BicubicUpsampler().Enhance(frame).GetChannel("Height");

        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(pooled.Memory, out var segment));
        Assert.Same(stale, segment.Array);
        Assert.Equal(fresh.Data.ToArray(), pooled.Data.ToArray());
    }

    [Fact]
    public void Upsample_WrongOutputSize_Throws() =>
        Assert.Throws<ArgumentException>(() => BicubicUpsampler.Upsample(new float[16], 4, 4, new float[32]));
}
