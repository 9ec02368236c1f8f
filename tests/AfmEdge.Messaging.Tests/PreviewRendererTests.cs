using AfmEdge.Core;
using AfmEdge.Messaging;
using SkiaSharp;

namespace AfmEdge.Messaging.Tests;

public sealed class PreviewRendererTests
{
    private static Channel Noise(int side, int seed)
    {
        var random = new Random(seed);
        var data = new float[side * side];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)(random.NextDouble() * 1e-7);
        }

        return new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), side, side, data);
    }

    [Fact]
    public void Render_LargeNoisyChannel_FitsSizeLimitAndSide()
    {
        var png = new PreviewRenderer(256).Render(Noise(1024, 1));
        Assert.True(png.Length <= PreviewRenderer.MaxBytes, $"{png.Length} bytes");
        using var bitmap = SKBitmap.Decode(png);
        Assert.True(bitmap.Width <= 256 && bitmap.Height <= 256, $"{bitmap.Width}×{bitmap.Height}");
        Assert.True(bitmap.Width >= 16);
    }

    [Fact]
    public void Render_OneRendererForFramesOfSeveralSizes_GivesWhatAFreshRendererGives()
    {
        // The renderer keeps its scratch between renders: a larger frame before, a smaller one after (and the shrinking
        // retries of a noisy one) must not show through.
        var withGaps = Noise(200, 3);
        var gaps = withGaps.Data.ToArray();
        for (var i = 0; i < gaps.Length; i += 7)
        {
            gaps[i] = float.NaN;
        }

        Channel[] channels = [Noise(1024, 1), Noise(96, 2), new(withGaps.Descriptor, 200, 200, gaps), Noise(512, 4)];
        var shared = new PreviewRenderer(256);

        foreach (var channel in channels)
        {
            Assert.Equal(new PreviewRenderer(256).Render(channel), shared.Render(channel));
        }
    }

    [Fact]
    public void Render_Ramp_IsDarkAtLowAndBrightAtHigh()
    {
        var data = new float[64 * 64];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = i % 64;
        }

        var png = new PreviewRenderer(64).Render(new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), 64, 64, data));
        using var bitmap = SKBitmap.Decode(png);
        var dark = bitmap.GetPixel(0, 10);
        var bright = bitmap.GetPixel(63, 10);
        Assert.True(dark.Red + dark.Green + dark.Blue < 100, dark.ToString());
        Assert.True(bright.Red + bright.Green + bright.Blue > 600, bright.ToString());
    }

    [Fact]
    public void Render_AllNaN_StillRenders()
    {
        var data = Enumerable.Repeat(float.NaN, 32 * 32).ToArray();
        var png = new PreviewRenderer().Render(new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), 32, 32, data));
        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal(32, bitmap.Width);
    }

    [Fact]
    public void Render_OneHugeOutlier_ContrastFollowsThePercentiles()
    {
        // A ramp with one dust grain a thousand times higher: without percentiles every other pixel would be dark.
        var data = new float[64 * 64];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = i / 64;
        }

        data[5] = 1e6f;
        var png = new PreviewRenderer(64).Render(new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), 64, 64, data));
        using var bitmap = SKBitmap.Decode(png);
        var top = bitmap.GetPixel(10, 0);
        var nearBottom = bitmap.GetPixel(10, 62);
        Assert.True(top.Red + top.Green + top.Blue < 100, top.ToString());
        Assert.True(nearBottom.Red + nearBottom.Green + nearBottom.Blue > 600, nearBottom.ToString());
    }
}
