namespace AfmEdge.Analysis.Geometry;

/// <summary>A point in scan coordinates (metres from the scan origin along the fast and slow axes), as Frame.PixelCentre measures.</summary>
public readonly record struct PointM(double X, double Y);

/// <summary>
/// One chromosome as measured: its medial axis from the p telomere to the q telomere (tip to tip), the
/// primary constriction, the arms and the profiles along the axis. Lengths in metres, area in m², volume in m³.
/// </summary>
public sealed record ChromosomeMeasurement
{
    public required int Id { get; init; }
    public required int PixelCount { get; init; }
    public required double Area { get; init; }

    /// <summary>Axis length, tip to tip.</summary>
    public required double Length { get; init; }

    /// <summary>Median width across the axis (away from the constriction this is the full width of both chromatids).</summary>
    public required double Width { get; init; }

    public required double PeakHeight { get; init; }

    /// <summary>Volume above the substrate plane.</summary>
    public required double Volume { get; init; }

    /// <summary>Smoothed medial axis (spline samples), p telomere first.</summary>
    public required IReadOnlyList<PointM> Axis { get; init; }

    public required PointM Centromere { get; init; }

    /// <summary>Arc length from the p tip to the centromere.</summary>
    public required double PArmLength { get; init; }

    public required double QArmLength { get; init; }

    /// <summary>p-arm length over total length (≤ 0.5 by definition of the p arm).</summary>
    public required double CentromericIndex { get; init; }

    /// <summary>How deep the constriction is: 1 − width at the centromere / median width.</summary>
    public required double ConstrictionDepth { get; init; }

    /// <summary>
    /// True when the object looks like several chromosomes merged (crossing or lying on or against each other):
    /// its axis and arms are a best effort, and its pixels are left out of the per-region statistics.
    /// </summary>
    public required bool IsCluster { get; init; }

    /// <summary>
    /// Whether the same outline measures as a cluster even as a piece split off a neighbour (whose skeleton may branch
    /// more): a test the touching splitter then need not make again on the whole object.
    /// </summary>
    internal bool IsClusterAsPiece { get; init; }

    /// <summary>
    /// False when the two arms' lengths differ by less than <see cref="AnalysisOptions.ArmTolerance"/>: which one is
    /// the p arm is then a coin toss, so the arms are labelled as a best guess but left out of the p- and q-arm
    /// statistics (the centromere still counts).
    /// </summary>
    public required bool ArmsAssigned { get; init; }

    /// <summary>Arc-length step of the profiles (metres).</summary>
    public required double ProfileStep { get; init; }

    /// <summary>Width across the axis at every profile step, p tip first.</summary>
    public required IReadOnlyList<double> WidthProfile { get; init; }

    /// <summary>Highest point across the axis at every profile step.</summary>
    public required IReadOnlyList<double> HeightProfile { get; init; }
}
