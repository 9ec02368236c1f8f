using AfmEdge.Core;

namespace AfmEdge.Processing.Tests;

public sealed class TipStepTests
{
    private const int Size = 48;
    private const double Extent = 1e-6; // 48 px over 1 µm: ~20.8 nm pixels

    [Theory]
    [InlineData("tip-dilate:10", "tip-dilate:10")]
    [InlineData("tip-erode:2.5", "tip-erode:2.5")]
    [InlineData("tip-erode:blind", "tip-erode:blind")]
    [InlineData("tip-erode:blind:9", "tip-erode:blind:9")]
    [InlineData("tip-erode:blind:11:0.5", "tip-erode:blind:11:0.5")]
    public void Parse_TipStep_RoundTripsItsName(string step, string name) =>
        Assert.Equal(name, ProcessingChain.ParseList(step).Operations.Single().Name);

    [Theory]
    [InlineData("tip-dilate:0", "RADIUS_NM = '0'")]
    [InlineData("tip-dilate:10000", "RADIUS_NM = '10000'")]
    [InlineData("tip-erode:abc", "RADIUS_NM = 'abc'")]
    [InlineData("tip-erode:blind:10", "odd")]
    [InlineData("tip-erode:blind:9:-1", "THRESHOLD_NM = '-1'")]
    [InlineData("tip-dilate:blind", "RADIUS_NM = 'blind'")]
    public void Parse_BadTipStep_NamesStepAndParameter(string step, string expected)
    {
        Assert.False(ProcessingChain.TryParseStep(step, out var error));
        Assert.Contains($"'{step}'", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_Dilate_DilatesHeightWithRenderedTipAndLeavesOtherChannels()
    {
        var frame = Frame(out var height, out var current);

        var result = ProcessingChain.ParseList("tip-dilate:15").Apply(frame);

        var relief = height.Max() - height.Min();
        var tip = new TipModel(TipGeometry.Paraboloid, 15e-9).Render(Extent / Size, Extent / Size, relief, TipStep.MaxHalfSize);
        var expected = new float[height.Length];
        TipMorphology.Dilate(height, expected, Size, Size, tip);
        Assert.Equal(expected, result.GetChannel("Height").Data.ToArray());
        Assert.Equal(current, result.GetChannel("Current").Data.ToArray());
        Assert.Equal("tip-dilate:15", result.Metadata["processing"]);
        Assert.Contains($"Height: paraboloid R = 15 nm on {tip.Width}×{tip.Height} px", result.Metadata["tip"], StringComparison.Ordinal);
        Assert.DoesNotContain("Current", result.Metadata["tip"], StringComparison.Ordinal);
        Assert.Equal(height, frame.GetChannel("Height").Data.ToArray());
    }

    [Fact]
    public void Apply_ErodeAfterDilate_ReconstructionLiesBetweenSurfaceAndImage()
    {
        var frame = Frame(out var surface, out _);

        var result = ProcessingChain.ParseList("tip-dilate:20,tip-erode:20").Apply(frame);

        var image = ProcessingChain.ParseList("tip-dilate:20").Apply(frame).GetChannel("Height").Data.ToArray();
        var reconstruction = result.GetChannel("Height").Data.ToArray();
        for (var i = 0; i < surface.Length; i++)
        {
            Assert.True(reconstruction[i] >= surface[i] - 1e-15f && reconstruction[i] <= image[i], $"pixel {i}");
        }

        Assert.Contains(" | tip-erode:20: Height: paraboloid", result.Metadata["tip"], StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_BlindErosion_EstimatesTipAndNeverRaisesTheImage()
    {
        var frame = Frame(out var height, out _);

        var result = ProcessingChain.ParseList("tip-erode:blind:7").Apply(frame);

        var eroded = result.GetChannel("Height").Data.ToArray();
        Assert.All(Enumerable.Range(0, height.Length), i => Assert.True(eroded[i] <= height[i], $"pixel {i}"));
        Assert.Contains("Height: blind tip 7×7 px", result.Metadata["tip"], StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_NaNPixels_StayNaNAndAreReported()
    {
        var frame = Frame(out var height, out _);
        height[100] = float.NaN;
        height[200] = float.PositiveInfinity;
        var withHoles = new Frame(frame.Id, frame.Scan, [frame.Channels[0].WithData(Size, Size, height), frame.Channels[1]]);

        foreach (var step in new[] { "tip-dilate:10", "tip-erode:10", "tip-erode:blind:5" })
        {
            var result = ProcessingChain.ParseList(step).Apply(withHoles);
            var data = result.GetChannel("Height").Data.ToArray();
            Assert.True(float.IsNaN(data[100]) && float.IsNaN(data[200]), step);
            Assert.All(data.Where((_, i) => i is not 100 and not 200), v => Assert.True(float.IsFinite(v), step));
            Assert.Contains("2 NaN/Inf px left out", result.Metadata["tip"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Apply_BlindTipLargerThanImage_NamesStepAndChannel()
    {
        const int small = 8;
        var scan = new ScanSettings { SizeX = 1e-7, SizeY = 1e-7, PixelsX = small, PixelsY = small, LineRateHz = 1 };
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), scan,
            [new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), small, small, new float[small * small])]);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ProcessingChain.ParseList("tip-erode:blind:9").Apply(frame));
        Assert.Contains("'tip-erode:blind:9'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Height", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A 48² frame of 1 µm: a height channel of bumps (metres) and a current channel (amperes).</summary>
    private static Frame Frame(out float[] height, out float[] current)
    {
        var random = new Random(3);
        height = [.. Enumerable.Range(0, Size * Size).Select(i =>
            (float)((20e-9 * Math.Sin((i % Size) * 0.4) * Math.Cos((i / Size) * 0.3)) + (1e-9 * random.NextDouble())))];
        current = [.. Enumerable.Range(0, Size * Size).Select(i => (float)(1e-9 * Math.Sin(i * 0.05)))];
        var scan = new ScanSettings { SizeX = Extent, SizeY = Extent, PixelsX = Size, PixelsY = Size, LineRateHz = 1 };
        return new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), scan,
        [
            new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), Size, Size, height),
            new Channel(new ChannelDescriptor("Current", PhysicalUnit.Ampere), Size, Size, current),
        ]);
    }
}
