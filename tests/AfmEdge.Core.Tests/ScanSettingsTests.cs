using AfmEdge.Core;

namespace AfmEdge.Core.Tests;

public sealed class ScanSettingsTests
{
    private static readonly ScanSettings Valid = new() { SizeX = 20e-6, SizeY = 20e-6, PixelsX = 256, PixelsY = 128, LineRateHz = 2 };

    [Fact]
    public void Derived_Times_FollowLineRate()
    {
        Assert.Equal(TimeSpan.FromSeconds(0.5), Valid.LineTime);
        Assert.Equal(TimeSpan.FromSeconds(64), Valid.FrameTime);
        Assert.Empty(Valid.Validate());
    }

    [Theory]
    [InlineData("SizeX")]
    [InlineData("PixelsY")]
    [InlineData("LineRateHz")]
    [InlineData("Overscan")]
    public void Validate_OutOfRange_NamesTheProperty(string property)
    {
        var bad = property switch
        {
            "SizeX" => Valid with { SizeX = -1 },
            "PixelsY" => Valid with { PixelsY = 2 },
            "LineRateHz" => Valid with { LineRateHz = 0 },
            _ => Valid with { Overscan = 0.9 },
        };
        var error = Assert.Single(bad.Validate());
        Assert.StartsWith(property + " = ", error, StringComparison.Ordinal);
    }
}
