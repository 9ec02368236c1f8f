namespace AfmEdge.Core;

/// <summary>
/// What the scanner is asked to do for one frame. Lengths are in metres, angles in degrees.
/// The fast axis is x (pixels along a line), the slow axis y (lines).
/// </summary>
public sealed record ScanSettings
{
    public const int MinPixels = 8;
    public const int MaxPixels = 8192;

    public required double SizeX { get; init; }
    public required double SizeY { get; init; }
    public required int PixelsX { get; init; }
    public required int PixelsY { get; init; }

    /// <summary>Lines per second (one trace plus its retrace counts as one line).</summary>
    public required double LineRateHz { get; init; }

    public double AngleDegrees { get; init; }
    public double OffsetX { get; init; }
    public double OffsetY { get; init; }

    /// <summary>Extra fast-axis travel past each end, as a fraction of the line, to let the piezo settle.</summary>
    public double Overscan { get; init; }

    public double PixelSizeX => SizeX / PixelsX;
    public double PixelSizeY => SizeY / PixelsY;
    public TimeSpan LineTime => TimeSpan.FromSeconds(1.0 / LineRateHz);
    public TimeSpan FrameTime => TimeSpan.FromSeconds(PixelsY / LineRateHz);

    /// <summary>Every violated constraint, each naming the property and its value; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!(SizeX > 0 && double.IsFinite(SizeX)))
        {
            errors.Add($"SizeX = {SizeX}: must be a positive length in metres.");
        }

        if (!(SizeY > 0 && double.IsFinite(SizeY)))
        {
            errors.Add($"SizeY = {SizeY}: must be a positive length in metres.");
        }

        if (PixelsX is < MinPixels or > MaxPixels)
        {
            errors.Add($"PixelsX = {PixelsX}: must be between {MinPixels} and {MaxPixels}.");
        }

        if (PixelsY is < MinPixels or > MaxPixels)
        {
            errors.Add($"PixelsY = {PixelsY}: must be between {MinPixels} and {MaxPixels}.");
        }

        if (!(LineRateHz > 0 && LineRateHz <= 1000))
        {
            errors.Add($"LineRateHz = {LineRateHz}: must be above 0 and at most 1000.");
        }

        if (!(AngleDegrees >= -360 && AngleDegrees <= 360))
        {
            errors.Add($"AngleDegrees = {AngleDegrees}: must be between -360 and 360.");
        }

        if (!double.IsFinite(OffsetX) || !double.IsFinite(OffsetY))
        {
            errors.Add($"Offset = ({OffsetX}, {OffsetY}): must be finite.");
        }

        if (!(Overscan >= 0 && Overscan <= 0.5))
        {
            errors.Add($"Overscan = {Overscan}: must be between 0 and 0.5.");
        }

        return errors;
    }

    /// <summary>The settings of the same area sampled with a different pixel count (what ×2 enhancement produces).</summary>
    public ScanSettings WithPixels(int pixelsX, int pixelsY) => this with { PixelsX = pixelsX, PixelsY = pixelsY };
}
