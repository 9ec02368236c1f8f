using System.Globalization;

namespace AfmEdge.Core;

/// <summary>
/// The frame metadata that carries a channel's measurement noise σ (base unit, invariant culture): "noise.CHANNEL", and
/// "noise.grid" = "W×H" naming the grid it was measured on. A processing step that can see the noise alone writes it
/// (merge-retrace, from trace − retrace); the analysis reads it to correct correlations for noise. One definition here,
/// so the writer and the reader, in layers that do not reference each other, cannot drift apart.
/// </summary>
public static class MeasurementNoise
{
    /// <summary>The entry naming the grid ("W×H") the noise entries were measured on.</summary>
    public const string GridKey = "noise.grid";

    /// <summary>The entry holding the noise σ of <paramref name="channel"/>.</summary>
    public static string Key(string channel) => "noise." + channel;

    /// <summary>How <see cref="GridKey"/> writes a grid.</summary>
    public static string GridText(int width, int height) => string.Create(CultureInfo.InvariantCulture, $"{width}×{height}");

    /// <summary><paramref name="frame"/> with the noise σ of each channel in <paramref name="noise"/>, measured on its own grid.</summary>
    public static Frame With(Frame frame, IReadOnlyCollection<(string Channel, double Sigma)> noise)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(noise);
        var result = frame;
        foreach (var (channel, sigma) in noise)
        {
            result = result.With(result.Channels, Key(channel), sigma.ToString("R", CultureInfo.InvariantCulture));
        }

        return noise.Count == 0 ? result : result.With(result.Channels, GridKey, GridText(frame.Width, frame.Height));
    }

    /// <summary>The noise σ of <paramref name="channel"/> when the frame carries one measured on its own grid (a finite σ ≥ 0).</summary>
    public static bool TryGet(Frame frame, string channel, out double sigma)
    {
        ArgumentNullException.ThrowIfNull(frame);
        sigma = double.NaN;
        return frame.Metadata.TryGetValue(GridKey, out var measuredOn) && measuredOn == GridText(frame.Width, frame.Height)
            && frame.Metadata.TryGetValue(Key(channel), out var text)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out sigma)
            && sigma >= 0 && double.IsFinite(sigma);
    }
}
