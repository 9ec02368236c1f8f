using AfmEdge.Core;

namespace AfmEdge.Processing.Tests;

public sealed class ProcessingChainTests
{
    [Theory]
    [InlineData("level:plane")]
    [InlineData("level:poly:2")]
    [InlineData("align-rows:median")]
    [InlineData("align-rows:poly:1")]
    [InlineData("scars")]
    [InlineData("gauss:2")]
    [InlineData("gauss:0.5")]
    [InlineData("median:5")]
    [InlineData(" Median:3 ")]
    public void TryParseStep_KnownStep_Succeeds(string step) => Assert.True(ProcessingChain.TryParseStep(step, out _));

    [Theory]
    [InlineData("gauss:abc", "SIGMA = 'abc'")]
    [InlineData("gauss:-1", "SIGMA = '-1'")]
    [InlineData("median:0", "SIZE = '0'")]
    [InlineData("median:99", "SIZE = '99'")]
    [InlineData("level:poly:4", "K = '4'")]
    [InlineData("align-rows:trimmed:0.7", "FRACTION = '0.7'")]
    [InlineData("align-rows:modus", "is unknown")]
    [InlineData("gauss", "is unknown")]
    public void TryParseStep_BadStep_NamesStepAndParameter(string step, string expected)
    {
        Assert.False(ProcessingChain.TryParseStep(step, out var error));
        Assert.Contains($"'{step}'", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseList_CommaSeparated_KeepsOrder()
    {
        var chain = ProcessingChain.ParseList("align-rows:median, level:plane,gauss:2");
        Assert.Equal(["align-rows:median", "level:plane", "gauss:2"], chain.Operations.Select(o => o.Name));
    }

    [Fact]
    public void Apply_NaNPixels_MaskedKeptAsNaNAndReported()
    {
        const int w = 32, h = 16;
        var data = TestData.Field(w, h, 4);
        data[5] = float.NaN;
        data[100] = float.NegativeInfinity;
        var original = (float[])data.Clone();
        var scan = new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = w, PixelsY = h, LineRateHz = 1 };
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), scan,
            [new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), w, h, data)]);
        var processed = ProcessingChain.ParseList("align-rows:median,level:plane,gauss:1,median:3").Apply(frame);
        var result = processed.Channels[0].Data.ToArray();
        Assert.True(float.IsNaN(result[5]) && float.IsNaN(result[100]));
        Assert.All(result.Where((_, i) => i is not 5 and not 100), v => Assert.True(float.IsFinite(v)));
        Assert.Contains("2 NaN/Inf px", processed.Metadata["processing.masked"], StringComparison.Ordinal);
        Assert.Equal(original, frame.Channels[0].Data.ToArray());

        // Masked pixels stay out of the plane fit: the result equals a masked reference fit.
        var mask = new byte[w * h];
        mask[5] = mask[100] = 1;
        var plane = ProcessingChain.Parse(["level:plane"]).Apply(frame).Channels[0].Data.ToArray();
        var expected = Reference.PolyLevel(original.Select(v => float.IsFinite(v) ? v : 0f).ToArray(), w, h, Reference.PlaneTerms, mask);
        expected[5] = expected[100] = 0;
        plane[5] = plane[100] = 0;
        TestData.AssertClose(expected, plane);
    }

    [Fact]
    public void Apply_OneRowFrame_ThrowsNamingStep()
    {
        var scan = new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = 8, PixelsY = 1, LineRateHz = 1 };
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), scan,
            [new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), 8, 1, new float[8])]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ProcessingChain.Parse(["level:poly:2"]).Apply(frame));
        Assert.Contains("level:poly:2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_FourChannelFrame_EachChannelAsProcessedAlone()
    {
        const int w = 300, h = 256; // above the parallel threshold
        var scan = new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = w, PixelsY = h, LineRateHz = 1 };
        var channels = Enumerable.Range(0, 4)
            .Select(c => new Channel(new ChannelDescriptor($"C{c}", PhysicalUnit.Metre), w, h, TestData.Field(w, h, c)))
            .ToArray();
        var chain = ProcessingChain.ParseList("align-rows:median,level:plane,scars");
        var processed = chain.Apply(new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), scan, channels));
        for (var c = 0; c < 4; c++)
        {
            Assert.Equal(chain.Apply(channels[c], out _).Data.ToArray(), processed.Channels[c].Data.ToArray());
        }
    }
}
