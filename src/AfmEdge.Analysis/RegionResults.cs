namespace AfmEdge.Analysis;

/// <summary>The region names used in summaries, CSV and label images (index = label value).</summary>
public static class Regions
{
    public const string Frame = "frame";
    public const string Background = "background";
    public const string PArm = "pArm";
    public const string Centromere = "centromere";
    public const string QArm = "qArm";

    /// <summary>Label value → name: 0 background, 1 p arm, 2 centromere, 3 q arm.</summary>
    public static IReadOnlyList<string> ByLabel { get; } = [Background, PArm, Centromere, QArm];
}

/// <summary>Size of one region: pixels, area (m²) and the volume under the leveled height (m³).</summary>
public sealed record RegionSummary(string Region, int PixelCount, double Area, double HeightVolume);

/// <summary>Statistics of one channel over one region (finite samples only). MAD is the raw median absolute deviation (not scaled to σ).</summary>
public sealed record RegionChannelStatistics(string Region, string Channel, string Unit, int Count, double Area,
    double? Mean, double? Median, double? StdDev, double? Mad);

/// <summary>
/// How height relates to one channel over one region (its interior when <see cref="AnalysisOptions.CorrelationGuard"/> is on;
/// <see cref="Count"/> is the number of pairs used): Pearson and Spearman with block-bootstrap 95%
/// intervals (percentile) and two-sided p-values (Fisher z over its bootstrap σ), and the mutual information
/// (bits, rank/copula histogram, Miller–Madow bias corrected). Null where undefined (constant data, too few blocks).
/// </summary>
public sealed record RegionCorrelation(string Region, string Channel, int Count,
    double? Pearson, double? PearsonLow, double? PearsonHigh, double? PearsonP,
    double? Spearman, double? SpearmanLow, double? SpearmanHigh, double? SpearmanP,
    double? MutualInformation)
{
    /// <summary>
    /// Pearson r over the region's core: its pairs more than <see cref="AnalysisOptions.CoreDepth"/> 4-connected steps from a
    /// pixel of another region (off its rim, where a scanned pixel mixes the region with its neighbour). Null where the core
    /// holds fewer than three pairs or has no spread.
    /// </summary>
    public double? PearsonCore { get; init; }

    /// <summary>
    /// How many pixels deep the rim left out of <see cref="PearsonCore"/> (and <see cref="SpearmanCore"/>) is:
    /// <see cref="AnalysisOptions.CoreDepth"/> for a chromosome region; for the background, as far as the chromosomes reach into
    /// it (<see cref="AnalysisOptions.BackgroundCoreReach"/>). Null where the analysis took no cores.
    /// </summary>
    public int? CoreDepth { get; init; }

    /// <summary>
    /// Low end of r's interval with the rim's uncertainty: the bootstrap interval widened to take in the same interval moved
    /// onto <see cref="PearsonCore"/> (−1 where the region has no core r: only mixed pixels stand behind r) and onto
    /// <see cref="PearsonFromCore"/>. Null where r has no bootstrap interval.
    /// </summary>
    public double? PearsonSpanLow { get; init; }

    /// <summary>High end of the interval of <see cref="PearsonSpanLow"/> (+1 where the region has no core r).</summary>
    public double? PearsonSpanHigh { get; init; }

    /// <summary>
    /// Spearman's ρ over the region's core (the pairs of <see cref="PearsonCore"/>), each value ranked among the core's alone.
    /// Null where the core holds fewer than three pairs or has no spread.
    /// </summary>
    public double? SpearmanCore { get; init; }

    /// <summary>
    /// Low end of ρ's interval with the rim's uncertainty, as <see cref="PearsonSpanLow"/> is r's: the bootstrap interval
    /// widened to take in the same interval moved onto <see cref="SpearmanCore"/> (−1 where the region has no core ρ). Null
    /// where ρ has no bootstrap interval.
    /// </summary>
    public double? SpearmanSpanLow { get; init; }

    /// <summary>High end of the interval of <see cref="SpearmanSpanLow"/> (+1 where the region has no core ρ).</summary>
    public double? SpearmanSpanHigh { get; init; }

    /// <summary>
    /// r over the whole region with the rim's fields taken from the inside: the field's line against height (slope and scatter)
    /// fitted over the region's pairs off its first ring, or over its core (<see cref="PearsonCore"/>'s pairs) where the rest of
    /// the rim is pulled too (<see cref="RimMixing.LineDepth"/>; the background's always over its core), height's spread over
    /// every pixel. Where the chromosomes disturb the background past its rim (<see cref="CoreDepth"/> beyond
    /// <see cref="AnalysisOptions.CoreDepth"/>: the feedback's moat), the background's heights there are not the substrate's,
    /// and its value is <see cref="PearsonCore"/>, r over its far core (its mean, the far core's). The estimate for a frame
    /// whose rims are mixed (<see cref="RimMixing.Mixed"/>); on an exact frame <see cref="Pearson"/> is exact and this is not.
    /// Null where the core has fewer than three pairs or no spread of height.
    /// </summary>
    public double? PearsonFromCore { get; init; }

    /// <summary>
    /// The channel's mean over the whole region from that line at the region's mean height (every pixel's): the
    /// mean for a frame whose rims are mixed, as <see cref="PearsonFromCore"/> is r. Null where that line is not known.
    /// </summary>
    public double? MeanFromCore { get; init; }

    /// <summary>
    /// How far the field's mean over the region's first ring (one step from another region) lies off the core's line, in the
    /// core's scatter about it, signed towards the neighbouring region's field (positive: pulled towards it). Chromosome
    /// regions only (their neighbour the substrate); null where not known.
    /// </summary>
    public double? RimShift { get; init; }
}

/// <summary>
/// Whether a frame's rims mix its regions' fields: <see cref="Score"/> is the mean <see cref="RegionCorrelation.RimShift"/>
/// over the chromosome regions and channels, and the rims count as mixed above <see cref="Threshold"/>
/// (<see cref="AnalysisOptions.RimMixingThreshold"/>). Where they are, <see cref="RegionCorrelation.PearsonFromCore"/> and
/// <see cref="RegionCorrelation.MeanFromCore"/> are the region's r and means to read; elsewhere r and the means as measured.
/// </summary>
public sealed record RimMixing(double? Score, double Threshold, bool Mixed)
{
    /// <summary>The same score of the rims' pairs past the first ring (null where none is known).</summary>
    public double? DeeperScore { get; init; }

    /// <summary>
    /// How deep a rim the core's line leaves out, in pixels: 1 (every pair off the first ring) unless the rims' deeper pairs are
    /// pulled too (<see cref="DeeperScore"/> above 0.75: an interpolated frame's edges), then the core's own depth
    /// (<see cref="AnalysisOptions.CoreDepth"/>). The background's line is always its core's.
    /// </summary>
    public int LineDepth { get; init; }
}

/// <summary>
/// One channel's line offsets as the analysis judged them before its statistics (<see cref="AnalysisOptions.AlignRowsToSubstrate"/>):
/// <see cref="JumpRatio"/>, how much more the substrate's level jumps from line to line than from column to column (null where
/// too few lines or columns have substrate to tell, or where the columns' levels do not vary at all and the lines' do, which
/// counts as offset; above <see cref="AnalysisOptions.RowJumpThreshold"/> the lines are
/// offset); <see cref="Aligned"/>, whether the statistics read the channel less each line's offset; <see cref="OffsetSd"/>,
/// the standard deviation of the offsets taken out, in the channel's unit (null where none were).
/// </summary>
public sealed record RowOffsets(string Channel, double? JumpRatio, bool Aligned, double? OffsetSd);

/// <summary>
/// Region B against region A for one channel: the difference of means with Cohen's d (pooled σ), and the
/// difference of Pearson r with its bootstrap 95% interval and Cohen's q (difference of Fisher z).
/// </summary>
public sealed record RegionDifference(string Channel, string RegionA, string RegionB,
    double? MeanDifference, double? CohensD, double? PearsonDifference, double? PearsonDifferenceLow, double? PearsonDifferenceHigh, double? CohensQ)
{
    /// <summary>
    /// Low end of the difference's interval with the rims' uncertainty: the bootstrap interval widened to take in the same
    /// interval moved onto the difference of the two regions' <see cref="RegionCorrelation.PearsonCore"/> (−2 where either has
    /// no core r). Null where the difference has no bootstrap interval.
    /// </summary>
    public double? PearsonDifferenceSpanLow { get; init; }

    /// <summary>High end of the interval of <see cref="PearsonDifferenceSpanLow"/> (+2 where either region has no core r).</summary>
    public double? PearsonDifferenceSpanHigh { get; init; }
}
