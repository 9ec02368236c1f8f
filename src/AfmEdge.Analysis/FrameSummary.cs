namespace AfmEdge.Analysis;

/// <summary>
/// What the analysis of one frame found, published as JSON on the summary topic. Schema version 1
/// (Schemas/summary.v1.schema.json). <see cref="Correlations"/> holds the whole-frame ("frame") rows; the
/// chromosome analysis adds the optional sections after it (absent in summaries from before it, null when
/// the frame has no Height channel to segment).
/// </summary>
public sealed record FrameSummary
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string FrameId { get; init; }
    public required DateTimeOffset AcquiredAt { get; init; }
    public required DateTimeOffset AnalysedAt { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }

    /// <summary>Physical size in metres.</summary>
    public required double SizeX { get; init; }

    public required double SizeY { get; init; }
    public required string Enhancer { get; init; }
    public required IReadOnlyList<string> Processing { get; init; }
    public required IReadOnlyList<ChannelSummary> Channels { get; init; }
    public required IReadOnlyList<CorrelationSummary> Correlations { get; init; }

    /// <summary>Chromosomes found (0: the frame shows none, and <see cref="Note"/> says so).</summary>
    public int? ChromosomeCount { get; init; }

    /// <summary>A sentence for people, e.g. "no chromosome found".</summary>
    public string? Note { get; init; }

    public SegmentationSummary? Segmentation { get; init; }
    public IReadOnlyList<ChromosomeSummary>? Chromosomes { get; init; }
    public IReadOnlyList<RegionSummary>? Regions { get; init; }
    public IReadOnlyList<RegionChannelStatistics>? RegionStatistics { get; init; }
    public IReadOnlyList<RegionCorrelation>? RegionCorrelations { get; init; }
    public IReadOnlyList<RegionDifference>? RegionDifferences { get; init; }
    public BootstrapSummary? Bootstrap { get; init; }

    /// <summary>Whether the frame's rims mix its regions' fields (schema v1, optional): which of r and pearsonFromCore, mean and meanFromCore to read.</summary>
    public RimMixing? RimMixing { get; init; }

    /// <summary>
    /// Each channel's line offsets as judged before the region statistics (schema v1, optional; height first): where aligned,
    /// the statistics read the channel less each line's offset against the substrate.
    /// </summary>
    public IReadOnlyList<RowOffsets>? RowOffsets { get; init; }
}

public sealed record ChannelSummary(string Name, string Direction, string Unit, double Mean, double StdDev, double Min, double Max, int NonFinite);

/// <summary>Pearson r between height and <see cref="Channel"/> over <see cref="Region"/>; null when undefined (constant data).</summary>
public sealed record CorrelationSummary(string Region, string Channel, double? Pearson, int Count);

/// <summary>The thresholds the segmentation used (metres above the substrate plane) and how many objects it rejected as debris.</summary>
public sealed record SegmentationSummary(double NoiseSigma, double LowThreshold, double OtsuThreshold, int Rejected);

/// <summary>
/// One chromosome in the summary (metres, m², m³; centromere in scan coordinates). <see cref="Cluster"/>: the
/// object looks like several chromosomes merged; its geometry is a best effort and it is left out of the region statistics.
/// </summary>
public sealed record ChromosomeSummary(int Id, int PixelCount, double Area, double Length, double Width, double PeakHeight, double Volume,
    double PArmLength, double QArmLength, double CentromericIndex, double ConstrictionDepth, double CentromereX, double CentromereY, bool Cluster, bool ArmsAssigned);

/// <summary>How the confidence intervals were drawn: resamples of square blocks of <see cref="BlockSize"/> metres, seeded.</summary>
public sealed record BootstrapSummary(int Resamples, ulong Seed, double BlockSize);
