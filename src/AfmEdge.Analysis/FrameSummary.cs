namespace AfmEdge.Analysis;

/// <summary>
/// What the analysis of one frame found, published as JSON on the summary topic. Schema version 1
/// (Schemas/summary.v1.schema.json). Regions are "frame" (the whole image) now; the chromosome
/// analysis adds "background", "pArm", "centromere" and "qArm" rows with the same shape.
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
}

public sealed record ChannelSummary(string Name, string Direction, string Unit, double Mean, double StdDev, double Min, double Max, int NonFinite);

/// <summary>Pearson r between height and <see cref="Channel"/> over <see cref="Region"/>; null when undefined (constant data).</summary>
public sealed record CorrelationSummary(string Region, string Channel, double? Pearson, int Count);
