using AfmEdge.Core;

namespace AfmEdge.Core.Tests;

public sealed class FrameTests
{
    private static readonly ScanSettings Scan = new() { SizeX = 20e-6, SizeY = 10e-6, PixelsX = 8, PixelsY = 4, LineRateHz = 1 };

    private static Channel Make(string name, PhysicalUnit unit, ScanDirection direction = ScanDirection.Trace, int w = 8, int h = 4) =>
        new(new ChannelDescriptor(name, unit, direction), w, h, new float[w * h]);

    [Fact]
    public void Geometry_FromScanAndGrid_GivesPixelSizeAndCentres()
    {
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 1), Scan, [Make("Height", PhysicalUnit.Metre)]);
        Assert.Equal(2.5e-6, frame.PixelSizeX, 1e-18);
        Assert.Equal(2.5e-6, frame.PixelSizeY, 1e-18);
        var (x, y) = frame.PixelCentre(0, 3);
        Assert.Equal(1.25e-6, x, 1e-18);
        Assert.Equal(8.75e-6, y, 1e-18);
    }

    [Fact]
    public void Geometry_AfterUpsampling_KeepsPhysicalSize()
    {
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 1), Scan, [Make("Height", PhysicalUnit.Metre, w: 16, h: 8)]);
        Assert.Equal(20e-6, frame.SizeX);
        Assert.Equal(1.25e-6, frame.PixelSizeX, 1e-18);
    }

    [Fact]
    public void GetChannel_ByNameAndDirection_FindsItCaseInsensitively()
    {
        var trace = Make("Height", PhysicalUnit.Metre);
        var retrace = Make("Height", PhysicalUnit.Metre, ScanDirection.Retrace);
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 1), Scan, [trace, retrace, Make("Current", PhysicalUnit.Ampere)]);
        Assert.Same(trace, frame.GetChannel("height"));
        Assert.Same(retrace, frame.GetChannel("Height", ScanDirection.Retrace));
        Assert.Equal("Height-retrace", retrace.Descriptor.Key);
        Assert.True(frame.TryGetChannel("Current", out var current));
        Assert.Equal(PhysicalUnit.Ampere, current.Unit);
    }

    [Fact]
    public void GetChannel_Missing_NamesWhatExists()
    {
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 1), Scan, [Make("Height", PhysicalUnit.Metre)]);
        var e = Assert.Throws<KeyNotFoundException>(() => frame.GetChannel("Potential"));
        Assert.Contains("Potential", e.Message);
        Assert.Contains("Height", e.Message);
    }

    [Fact]
    public void Constructor_MismatchedChannelSizes_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new Frame(new FrameId(DateTimeOffset.UnixEpoch, 1), Scan,
            [Make("Height", PhysicalUnit.Metre), Make("Current", PhysicalUnit.Ampere, w: 4)]));
        Assert.Contains("Current", e.Message);
    }

    [Fact]
    public void Constructor_DuplicateChannel_Throws() =>
        Assert.Throws<ArgumentException>(() => new Frame(new FrameId(DateTimeOffset.UnixEpoch, 1), Scan,
            [Make("Height", PhysicalUnit.Metre), Make("Height", PhysicalUnit.Metre)]));

    [Fact]
    public void Channel_DataLengthNotGrid_Throws() =>
        Assert.Throws<ArgumentException>(() => new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), 4, 4, new float[15]));

    [Fact]
    public void With_NewChannels_KeepsIdAndAddsMetadata()
    {
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 7), Scan, [Make("Height", PhysicalUnit.Metre)]);
        var next = frame.With([Make("Height", PhysicalUnit.Metre)], "processing", "level:plane").With([Make("Height", PhysicalUnit.Metre)], "enhancer", "bicubic");
        Assert.Equal(frame.Id, next.Id);
        Assert.Equal("level:plane", next.Metadata["processing"]);
        Assert.Equal("bicubic", next.Metadata["enhancer"]);
        Assert.Empty(frame.Metadata);
    }

    [Fact]
    public void FrameId_ToStringParse_RoundTrips()
    {
        var id = new FrameId(new DateTimeOffset(2026, 11, 25, 10, 15, 30, 123, TimeSpan.Zero), 42);
        Assert.Equal("20261125T101530123Z-000042", id.ToString());
        Assert.Equal(id, FrameId.Parse(id.ToString()));
        Assert.Throws<FormatException>(() => FrameId.Parse("not-an-id"));
    }
}
