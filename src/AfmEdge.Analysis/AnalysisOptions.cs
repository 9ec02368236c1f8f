using System.Globalization;

namespace AfmEdge.Analysis;

/// <summary>
/// How chromosomes are found and measured. Lengths are in metres so the same options hold at any pixel
/// count; the defaults suit metaphase chromosomes in air (100–300 nm high, 0.7–1.4 µm wide).
/// </summary>
public sealed record AnalysisOptions
{
    /// <summary>The lower hysteresis threshold is this many robust noise σ above the substrate…</summary>
    public double LowThresholdSigmas { get; init; } = 4;

    /// <summary>…but never less than this height above it (metres): the extent of an object.</summary>
    public double MinLowThreshold { get; init; } = 1.5e-9;

    /// <summary>An object must rise this high above the substrate somewhere (metres); debris on mica stays below.</summary>
    public double MinPeakHeight { get; init; } = 70e-9;

    /// <summary>
    /// How far (metres) an object reaches beyond its core (where it stands at least half of
    /// <see cref="MinPeakHeight"/>): a chromosome's flank drops to the substrate within a pixel or two (more under
    /// a blunt tip or blur), so anything further out is low debris lying against it.
    /// </summary>
    public double RimWidth { get; init; } = 0.15e-6;

    /// <summary>
    /// A chromosome's outline is where its height falls to this fraction of its local crest (the top of the flank beside
    /// it), not where it leaves the substrate's noise: a scan broadens every flank outwards (tip, pixel dwell, feedback),
    /// and the skirt of substrate-mixed pixels that adds lies below this fraction. An object whose outermost pixels mostly
    /// stand above it (a clean image: no skirt) keeps its outline. 0 keeps every pixel above the extent threshold.
    /// </summary>
    public double OutlineFraction { get; init; } = 0.2;

    /// <summary>Smallest accepted chromosome area (m²).</summary>
    public double MinArea { get; init; } = 0.4e-12;

    /// <summary>Smallest and largest accepted chromosome width (metres, twice the largest inscribed radius).</summary>
    public double MinWidth { get; init; } = 0.2e-6;

    public double MaxWidth { get; init; } = 4e-6;

    /// <summary>An object longer than this (tip to tip, metres) is taken for several chromosomes end to end.</summary>
    public double MaxChromosomeLength { get; init; } = 13e-6;

    /// <summary>
    /// An object wider than this (metres, the 80% quantile of its width profile) is taken for chromosomes lying side
    /// by side or along each other: metaphase chromosomes are 0.7–1.4 µm wide.
    /// </summary>
    public double MaxChromosomeWidth { get; init; } = 1.6e-6;

    /// <summary>
    /// An object higher than this (metres above the substrate) is taken for chromosomes stacked on each other:
    /// metaphase chromosomes stand 100–300 nm high in air, and debris on one adds at most tens of nanometres.
    /// </summary>
    public double MaxChromosomeHeight { get; init; } = 400e-9;

    /// <summary>
    /// An object whose ridge height along the middle 80% of its axis spreads more than this (90th over 10th
    /// percentile) is taken for two chromosomes of different heights, or one lying across another: along one
    /// chromosome the height varies only by its bands (±6%) and the primary constriction (at most ~25% lower).
    /// </summary>
    public double MaxHeightSpread { get; init; } = 1.6;

    /// <summary>
    /// Watershed merge rule: two height basins stay apart only where the saddle between them is below this
    /// fraction of the lower peak. Sister-chromatid grooves (≤ 30%) and the primary constriction (≤ 25% in
    /// height) stay well above 0.5; two touching chromosomes meet near the substrate.
    /// </summary>
    public double SplitSaddleRatio { get; init; } = 0.5;

    /// <summary>
    /// Splitting touching chromosomes: distance to the object's edge counts only up to this radius (metres), so
    /// the split's landscape (height × capped distance) dips at necks narrower than any chromosome (a tip against a
    /// side) and elsewhere follows the height (its valley between two chromosomes side by side). Half the narrowest
    /// chromosome's width.
    /// </summary>
    public double SplitNeckRadius { get; init; } = 0.35e-6;

    /// <summary>
    /// Half-length of the centromere band along the axis, as a fraction of the chromosome's width: the
    /// primary constriction's extent, where the width has recovered to ~90% (1.3 σ of a Gaussian narrowing
    /// whose σ is 0.35 × width).
    /// </summary>
    public double CentromereHalfBand { get; init; } = 0.455;

    /// <summary>
    /// The arms are told apart only when their lengths differ by at least this much (metres): the centromere and
    /// the tips are each placed to within about a pixel, so a nearly metacentric chromosome's p and q arms cannot
    /// be told apart by length, and labelling them at random would mix the two arms' statistics.
    /// </summary>
    public double ArmTolerance { get; init; } = 0.15e-6;

    /// <summary>
    /// Correlate without the pixels that touch another chromosome region (4-neighbours): edge pixels mix
    /// two regions. Counts, areas, means and the other statistics always use every pixel.
    /// </summary>
    public bool CorrelationGuard { get; init; } = true;

    /// <summary>
    /// Pixels of a chromosome within this many pixels (4-connected steps) of the background are mixed pixels: the pixel's
    /// dwell average, the tip's flank and the feedback's lag blend the substrate into them, so they are left out of the
    /// per-region statistics and correlations (0 keeps them). The chromosome's own area, length and labels are unchanged.
    /// </summary>
    public int EdgeExclusion { get; init; }

    /// <summary>
    /// Depth of a region's rim, in 4-connected steps from a pixel of another region, for r over the region's core
    /// (<see cref="RegionCorrelation.PearsonCore"/>) and r's interval with the rim's uncertainty: a scan's edges are mixed
    /// over about two pixels (dwell, tip, feedback; an interpolated frame's wider), so the core starts two pixels in.
    /// </summary>
    public int CoreDepth { get; init; } = 2;

    /// <summary>
    /// How far, at most, the background's rim reaches for r over its core: the background's core starts past the last ring of
    /// background pixels (4-connected steps from a chromosome) whose mean height or mean of any channel still differs from the
    /// far background's by more than a quarter of its σ, and at least <see cref="CoreDepth"/> out. On the host's fast scans the
    /// feedback's moat and the fields' lag beside each chromosome reach 6–12 pixels into the enhanced frame's background and,
    /// over every pixel, gave the background r of +0.26 where the truth is 0; ten pixels out, r is −0.03 (Accuracy.md). 0 turns
    /// it off (the background's rim <see cref="CoreDepth"/> deep, as every region's).
    /// </summary>
    public int BackgroundCoreReach { get; init; } = 16;

    /// <summary>
    /// Before the region statistics, take each channel's line offsets out against the substrate where its lines are offset
    /// (<see cref="RowJumpThreshold"/>): each line less its mean over the substrate beyond the chromosomes' reach
    /// (<see cref="BackgroundCoreReach"/>), the frame's level kept. The offsets are noise
    /// in every region's r and mean, and most in a narrow one (the centromere spans a few dozen lines). The frame and its
    /// channels are not changed; only what the statistics read. Each channel's judgement is in <see cref="ChromosomeAnalysis.RowOffsets"/>.
    /// </summary>
    public bool AlignRowsToSubstrate { get; init; } = true;

    /// <summary>
    /// A channel's lines count as offset where the substrate's level jumps from line to line more than this many times as much
    /// as from column to column (<see cref="Analysis.RowOffsets.JumpRatio"/>; without line offsets the two are alike).
    /// </summary>
    public double RowJumpThreshold { get; init; } = 1.5;

    /// <summary>
    /// Above this <see cref="RimMixing.Score"/> a frame's rims count as mixed, and its regions' r and means are read with the
    /// rim's fields from the core (<see cref="RegionCorrelation.PearsonFromCore"/>, <see cref="RegionCorrelation.MeanFromCore"/>):
    /// the mean shift, in the core's scatter, of the chromosome regions' first rings towards the substrate's fields. Exact
    /// frames of the simulator scored −1.3…+1.15 (two of 40 above 1), its scans and their enlargements 0.85–23 (one of 200
    /// below 1; `afmedge eval analysis`, Accuracy.md).
    /// </summary>
    public double RimMixingThreshold { get; init; } = 1.0;

    /// <summary>
    /// Also rank each region's core among itself for Spearman's ρ over the core (<see cref="RegionCorrelation.SpearmanCore"/>) and
    /// ρ's interval with the rim's uncertainty (<see cref="RegionCorrelation.SpearmanSpanLow"/>). Off by default: ranking the
    /// cores walks every channel's order of each region's pairs again, 6–10 ms more of one core's time per 512² frame of four
    /// channels (`afmedge bench analyse --phases [--rank-core]`, "statistics: core r"), a twentieth to a tenth of the host's time
    /// per frame, for ρ's intervals on enhanced frames holding the truth in three quarters of cells rather than three fifths to
    /// seven tenths (Accuracy.md). `afmedge correlate` and `afmedge eval analysis` turn it on.
    /// </summary>
    public bool RankCore { get; init; }

    /// <summary>Bootstrap resamples for the confidence intervals (0 turns the bootstrap off).</summary>
    public int BootstrapResamples { get; init; } = 400;

    /// <summary>Seed of the bootstrap: the same frame gives the same intervals.</summary>
    public ulong BootstrapSeed { get; init; } = 0x5EED;

    /// <summary>
    /// Side of the square blocks the bootstrap resamples (metres). Neighbouring pixels are not independent,
    /// so whole blocks about twice a field's correlation length are drawn, not single pixels.
    /// </summary>
    public double BootstrapBlockSize { get; init; } = 0.5e-6;

    /// <summary>Bins per axis of the rank (copula) histogram behind the mutual information.</summary>
    public int MutualInformationBins { get; init; } = 16;

    /// <summary>Half-side of the local-correlation window (metres).</summary>
    public double LocalWindowRadius { get; init; } = 0.3e-6;

    /// <summary>
    /// Whether a frame's independent pieces of work run on several cores at once, shortening one frame's wall time: each
    /// chromosome's axis and measurement, split attempt and labels; the two halves of the substrate plane fits, of Otsu's
    /// histogram and of the substrate's values (frames of 2^16 pixels or more); the two halves of a large region's shared
    /// correlation pass. The results are the same bits either way (every piece writes its own outputs, and sums are combined
    /// in the serial order); false runs them one after the other on the calling thread. The host keeps it on: with its two
    /// analysis workers on two cores the pipeline's frame rate measured the same either way.
    /// </summary>
    public bool ParallelWithinFrame { get; init; } = true;

    /// <summary>Every violated constraint, each naming the property and its value; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        Check(LowThresholdSigmas > 0 && LowThresholdSigmas < 100, nameof(LowThresholdSigmas), LowThresholdSigmas, "must be in (0, 100)", errors);
        Check(MinLowThreshold >= 0 && MinLowThreshold < 1e-6, nameof(MinLowThreshold), MinLowThreshold, "must be in [0, 1 µm)", errors);
        Check(MinPeakHeight > 0 && MinPeakHeight < 1e-5, nameof(MinPeakHeight), MinPeakHeight, "must be in (0, 10 µm)", errors);
        Check(RimWidth > 0 && RimWidth < 1e-5, nameof(RimWidth), RimWidth, "must be in (0, 10 µm)", errors);
        Check(OutlineFraction is >= 0 and < 0.9, nameof(OutlineFraction), OutlineFraction, "must be in [0, 0.9)", errors);
        Check(MinArea >= 0 && MinArea < 1e-8, nameof(MinArea), MinArea, "must be in [0, 1e-8 m²)", errors);
        Check(MinWidth >= 0 && MaxWidth > MinWidth && MaxWidth < 1e-4, nameof(MinWidth), MinWidth, $"must be >= 0 and below MaxWidth = {MaxWidth}", errors);
        Check(MaxChromosomeWidth > 0 && MaxChromosomeWidth < 1e-4, nameof(MaxChromosomeWidth), MaxChromosomeWidth, "must be in (0, 100 µm)", errors);
        Check(MaxChromosomeHeight > 0 && MaxChromosomeHeight < 1e-4, nameof(MaxChromosomeHeight), MaxChromosomeHeight, "must be in (0, 100 µm)", errors);
        Check(MaxHeightSpread > 1 && MaxHeightSpread < 100, nameof(MaxHeightSpread), MaxHeightSpread, "must be in (1, 100)", errors);
        Check(SplitSaddleRatio > 0 && SplitSaddleRatio < 1, nameof(SplitSaddleRatio), SplitSaddleRatio, "must be in (0, 1)", errors);
        Check(SplitNeckRadius > 0 && SplitNeckRadius < 1e-5, nameof(SplitNeckRadius), SplitNeckRadius, "must be in (0, 10 µm)", errors);
        Check(ArmTolerance >= 0 && ArmTolerance < 1e-5, nameof(ArmTolerance), ArmTolerance, "must be in [0, 10 µm)", errors);
        Check(CentromereHalfBand > 0 && CentromereHalfBand < 5, nameof(CentromereHalfBand), CentromereHalfBand, "must be in (0, 5)", errors);
        Check(EdgeExclusion is >= 0 and <= 16, nameof(EdgeExclusion), EdgeExclusion, "must be in [0, 16] pixels", errors);
        Check(CoreDepth is >= 1 and <= 16, nameof(CoreDepth), CoreDepth, "must be in [1, 16] pixels", errors);
        Check(BackgroundCoreReach == 0 || (BackgroundCoreReach >= CoreDepth && BackgroundCoreReach <= 64), nameof(BackgroundCoreReach), BackgroundCoreReach,
            $"must be 0 (off) or in [CoreDepth = {CoreDepth}, 64] pixels", errors);
        Check(RimMixingThreshold >= 0 && double.IsFinite(RimMixingThreshold), nameof(RimMixingThreshold), RimMixingThreshold, "must be finite and >= 0", errors);
        Check(RowJumpThreshold >= 1 && double.IsFinite(RowJumpThreshold), nameof(RowJumpThreshold), RowJumpThreshold, "must be finite and >= 1", errors);
        Check(BootstrapResamples is >= 0 and <= 100_000, nameof(BootstrapResamples), BootstrapResamples, "must be in [0, 100000]", errors);
        Check(BootstrapBlockSize > 0 && double.IsFinite(BootstrapBlockSize), nameof(BootstrapBlockSize), BootstrapBlockSize, "must be a positive length", errors);
        Check(MutualInformationBins is >= 2 and <= 256, nameof(MutualInformationBins), MutualInformationBins, "must be in [2, 256]", errors);
        Check(LocalWindowRadius > 0 && double.IsFinite(LocalWindowRadius), nameof(LocalWindowRadius), LocalWindowRadius, "must be a positive length", errors);
        return errors;
    }

    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid analysis options: " + string.Join(" ", errors));
        }
    }

    private static void Check(bool ok, string name, double value, string rule, List<string> errors)
    {
        if (!ok)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{name} = {value}: {rule}."));
        }
    }
}
