using AfmEdge.Core;

namespace AfmEdge.Analysis;

/// <summary>One region's Pearson r between height and a channel, raw and corrected for the attenuation by measurement noise.</summary>
/// <param name="Corrected">Null where a channel's noise is unknown or the region's variance is mostly noise (reliability below <see cref="NoiseAttenuation.MinReliability"/>).</param>
/// <param name="HeightReliability">1 − σ²(noise) / variance of height over the region; NaN where the noise is unknown.</param>
/// <param name="ChannelReliability">The same for the channel.</param>
public sealed record AttenuatedCorrelation(string Region, string Channel, double Pearson, double? Corrected, double HeightReliability, double ChannelReliability);

/// <summary>
/// Spearman's correction for attenuation. Independent noise in two channels adds to their variances but not to their
/// covariance, so the measured r is the true one times √(ρₕ·ρ꜀), with ρ = 1 − σ²(noise)/variance the share of a region's
/// variance that is signal; dividing by it restores r. The noise σ must come from the data without the signal in it:
/// the "merge-retrace" processing step measures it from trace − retrace (both directions read the same surface, so
/// the difference is noise alone, substrate roughness included in neither) and writes it to the frame metadata
/// (<see cref="MeasurementNoise"/>: "noise.CHANNEL" in the channel's base unit and "noise.grid" = "W×H"). Those entries hold only for the frame they
/// were measured on: a frame of another size, or one an enhancer produced (metadata "enhancer": its noise is not the
/// scan's), gets no correction. Slow noise that trace and retrace share (1/f components slower than a line) is not seen
/// by the difference, so the correction is a lower bound of the attenuation.
/// </summary>
public static class NoiseAttenuation
{
    /// <summary>Below this reliability the region's variance is mostly noise and a corrected r would be noise amplified.</summary>
    public const double MinReliability = 0.1;

    /// <summary>The noise σ of <paramref name="channel"/> the frame's metadata carries for this frame, if any.</summary>
    public static bool TryNoise(Frame frame, string channel, out double sigma)
    {
        ArgumentNullException.ThrowIfNull(frame);
        sigma = double.NaN;
        return !frame.Metadata.ContainsKey("enhancer") && MeasurementNoise.TryGet(frame, channel, out sigma);
    }

    /// <summary>Every region correlation of <paramref name="analysis"/> with its correction where the noise is known.</summary>
    public static IReadOnlyList<AttenuatedCorrelation> Correct(ChromosomeAnalysis analysis)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        var frame = analysis.Frame;
        var heightKnown = TryNoise(frame, FrameAnalyzer.HeightChannel, out var heightNoise);
        var result = new List<AttenuatedCorrelation>();
        foreach (var c in analysis.Correlations)
        {
            if (c.Pearson is not { } r)
            {
                continue;
            }

            var heightSd = analysis.Statistics.FirstOrDefault(s => s.Region == c.Region && s.Channel == FrameAnalyzer.HeightChannel)?.StdDev;
            var channelSd = analysis.Statistics.FirstOrDefault(s => s.Region == c.Region && s.Channel == c.Channel)?.StdDev;
            var channelKnown = TryNoise(frame, c.Channel, out var channelNoise);
            var rh = heightKnown ? Reliability(heightSd, heightNoise) : double.NaN;
            var rc = channelKnown ? Reliability(channelSd, channelNoise) : double.NaN;
            double? corrected = rh >= MinReliability && rc >= MinReliability ? Math.Clamp(r / Math.Sqrt(rh * rc), -1, 1) : null;
            result.Add(new AttenuatedCorrelation(c.Region, c.Channel, r, corrected, rh, rc));
        }

        return result;
    }

    /// <summary>1 − σ²/s²: the share of the variance s² that is not noise (NaN without a variance).</summary>
    public static double Reliability(double? sd, double noise) =>
        sd is { } s && s > 0 && double.IsFinite(s) ? 1 - (noise * noise / (s * s)) : double.NaN;
}
