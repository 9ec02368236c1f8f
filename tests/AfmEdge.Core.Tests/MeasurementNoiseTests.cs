namespace AfmEdge.Core.Tests;

public sealed class MeasurementNoiseTests
{
    private static readonly ScanSettings Scan = new() { SizeX = 1e-6, SizeY = 1e-6, PixelsX = 8, PixelsY = 4, LineRateHz = 1 };

    private static Frame Make(int width, int height) =>
        new(new FrameId(DateTimeOffset.UnixEpoch, 1), Scan,
            [new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), width, height, new float[width * height])]);

    [Fact]
    public void With_ThenTryGet_RoundTripsEachChannelOnItsGrid()
    {
        var frame = MeasurementNoise.With(Make(8, 4), [("Height", 1.25e-10), ("Current", 3e-12)]);

        Assert.True(MeasurementNoise.TryGet(frame, "Height", out var height));
        Assert.True(MeasurementNoise.TryGet(frame, "Current", out var current));
        Assert.Equal((1.25e-10, 3e-12), (height, current));
        Assert.Equal("8×4", frame.Metadata[MeasurementNoise.GridKey]);
        Assert.False(MeasurementNoise.TryGet(frame, "Potential", out var missing));
        Assert.True(double.IsNaN(missing));
    }

    [Fact]
    public void TryGet_OtherGridOrBadValue_HasNoNoise()
    {
        // Measured on another grid (the frame was resampled since), or not a finite σ ≥ 0: not this frame's noise.
        var resampled = Make(16, 8).With([Make(16, 8).Channels[0]], MeasurementNoise.GridKey, MeasurementNoise.GridText(8, 4))
            .With([Make(16, 8).Channels[0]], MeasurementNoise.Key("Height"), "1e-10");
        var negative = MeasurementNoise.With(Make(8, 4), [("Height", -1.0)]);
        var empty = MeasurementNoise.With(Make(8, 4), []);

        Assert.False(MeasurementNoise.TryGet(resampled, "Height", out _));
        Assert.False(MeasurementNoise.TryGet(negative, "Height", out _));
        Assert.False(MeasurementNoise.TryGet(empty, "Height", out _));
        Assert.False(empty.Metadata.ContainsKey(MeasurementNoise.GridKey));
    }
}
