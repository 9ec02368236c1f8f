namespace AfmEdge.Analysis.Plots;

/// <summary>
/// One figure of an analysis (<see cref="AnalysisPlots.All"/>): its <paramref name="Name"/> (a file name's stem and an
/// MQTT topic level), the channel it is about (null for the label overlay), a sentence saying what it shows, and its PNG.
/// </summary>
public sealed record AnalysisPlot(string Name, string? Channel, string Title, byte[] Png);

/// <summary>
/// How large a plot's PNG may be: its longest side in pixels, and its length in bytes (a larger one is halved in side
/// until it fits, or reaches <see cref="AnalysisPlots.MinSide"/>).
/// </summary>
public readonly record struct PlotLimits(int MaxSide, int MaxBytes)
{
    /// <summary>Full resolution, any size (the CLI's files).</summary>
    public static PlotLimits None => new(int.MaxValue, int.MaxValue);
}
