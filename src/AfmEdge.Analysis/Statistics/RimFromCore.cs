namespace AfmEdge.Analysis.Statistics;

/// <summary>One (class, channel) slot of <see cref="CoreCorrelation.Sum"/>: count, Σh, Σf, Σh², Σf², Σhf.</summary>
internal readonly record struct CoreSums(double Count, double SumH, double SumF, double SumHH, double SumFF, double SumHF)
{
    public static CoreSums Of(double[] sums, int slot)
    {
        var s = sums.AsSpan(slot * CoreCorrelation.Sums, CoreCorrelation.Sums);
        return new(s[0], s[1], s[2], s[3], s[4], s[5]);
    }

    /// <summary>The sums of two sets of pairs together.</summary>
    public static CoreSums operator +(CoreSums a, CoreSums b) =>
        new(a.Count + b.Count, a.SumH + b.SumH, a.SumF + b.SumF, a.SumHH + b.SumHH, a.SumFF + b.SumFF, a.SumHF + b.SumHF);

    public double MeanH => SumH / Count;

    public double MeanF => SumF / Count;

    /// <summary>Variance of h over the pairs (divided by the count).</summary>
    public double VarianceH => (SumHH - (SumH * SumH / Count)) / Count;

    public double VarianceF => (SumFF - (SumF * SumF / Count)) / Count;

    public double Covariance => (SumHF - (SumH * SumF / Count)) / Count;

    /// <summary>Pearson r; NaN where fewer than three pairs or no spread.</summary>
    public double Pearson
    {
        get
        {
            var (vh, vf) = (VarianceH, VarianceF);
            return Count >= 3 && vh > 0 && vf > 0 ? Math.Clamp(Covariance / Math.Sqrt(vh * vf), -1, 1) : double.NaN;
        }
    }
}

/// <summary>
/// The least-squares line f = a + b·h of a field against height through a set of pairs, and the scatter s² about it: what
/// <see cref="RimFromCore"/> takes from inside a region's rim. Heights and fields are less the region's shifts, as
/// <see cref="CoreSums"/> hold them.
/// </summary>
internal readonly record struct FieldLine(double Slope, double Scatter, double MeanH, double MeanF)
{
    /// <summary>The line through <paramref name="pairs"/>; null where they are fewer than three or their heights do not spread.</summary>
    public static FieldLine? Through(CoreSums pairs)
    {
        var vh = pairs.VarianceH;
        if (pairs.Count < 3 || !(vh > 0))
        {
            return null;
        }

        var slope = pairs.Covariance / vh;
        return new(slope, Math.Max(0, pairs.VarianceF - (slope * pairs.Covariance)), pairs.MeanH, pairs.MeanF);
    }

    /// <summary>The field on the line at <paramref name="height"/>: at a region's mean height, the region's mean field.</summary>
    public double At(double height) => MeanF + (Slope * (height - MeanH));

    /// <summary>
    /// r over a region whose heights spread <paramref name="heightSd"/> and whose field follows the line with its scatter:
    /// b·σₕ / √(b²σₕ² + s²); NaN where that has no spread.
    /// </summary>
    public double Pearson(double heightSd)
    {
        var along = Slope * heightSd;
        var spread = Math.Sqrt((along * along) + Scatter);
        return spread > 0 ? Math.Clamp(along / spread, -1, 1) : double.NaN;
    }

    /// <summary>
    /// How far the mean field of <paramref name="ring"/> lies off the line at the ring's mean height, in the scatter s, signed
    /// towards <paramref name="neighbourMean"/> (positive: pulled towards the neighbouring region's field). NaN where the ring
    /// has fewer than three pairs, the line no scatter, or there is no neighbour mean.
    /// </summary>
    public double Shift(CoreSums ring, double neighbourMean)
    {
        if (ring.Count < 3 || !(Scatter > 0) || !double.IsFinite(neighbourMean))
        {
            return double.NaN;
        }

        var onLine = At(ring.MeanH);
        var toward = Math.Sign(neighbourMean - onLine);
        return toward == 0 ? double.NaN : toward * (ring.MeanF - onLine) / Math.Sqrt(Scatter);
    }
}

/// <summary>
/// A region's r and field mean with its rim's fields taken from inside it (its core, or every pair off its first ring). On a
/// scan a region's rim mixes its fields with the neighbour's (the pixel's dwell, the signals' lag, registration's
/// interpolation: the substrate's 50 pA and 8 nN against chromatin's 9–20 pA and 3–4.5 nN), and r and the means over every
/// pixel follow those mixed values (Accuracy.md); leaving the rim out instead biases them the other way, because the rim is
/// where the region's lowest heights are. Height itself is measured well out to the outline (the crest outline), so this
/// keeps every pixel's height and takes the field's relation to height from inside the rim: the least-squares line
/// f = a + b·h over the pairs off the first ring (or the core's alone, where the rest of the rim is pulled too:
/// <see cref="DeeperRimThreshold"/>) and the scatter s² about it. Then r = b·σₕ / √(b²σₕ² + s²) with σₕ over every pixel of
/// the region, and the mean a + b·h̄ at the whole region's mean height. The assumption is the one Pearson's r already makes:
/// the field follows height linearly, the same way on the rim as inside. It is an estimator for mixed frames only: on an
/// exact frame r over every pixel is exact and this one is not (the line fitted on a narrower range of heights spreads it),
/// so <see cref="Score"/> decides whether a frame's rims are mixed at all.
/// </summary>
internal static class RimFromCore
{
    /// <summary>
    /// Above this <see cref="Score"/> of the rims' pairs past the first ring, those are pulled too and the line goes through the
    /// core alone; at or below it, through every pair off the first ring (more pairs and a wider range of heights: a steadier
    /// slope). The simulator's bicubic ×2 frames scored 0.65–2.3 there, every other frame −0.9…+0.9 (`afmedge eval analysis`,
    /// Accuracy.md).
    /// </summary>
    public const double DeeperRimThreshold = 0.75;

    /// <summary>
    /// How mixed a frame's rims are: the mean of the chromosome regions' <see cref="FieldLine.Shift"/>s over every channel (NaN
    /// where none is known). An exact frame's first rings lie on their cores' lines up to the fields' own texture and the
    /// outline's pixel (the simulator's clean frames: −1.3…+1.15); a scan's are pulled towards the substrate's fields by one
    /// to several scatters (0.85–23).
    /// </summary>
    public static double Score(ReadOnlySpan<double> shifts) => FiniteMean.Of(shifts);
}
