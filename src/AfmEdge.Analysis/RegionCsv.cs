using System.Globalization;

namespace AfmEdge.Analysis;

/// <summary>
/// The per-region table as CSV: one row per region and channel, statistics then (for channels other than
/// Height) the correlation with height. SI units, invariant culture, round-trip numbers, empty cells where undefined.
/// </summary>
public static class RegionCsv
{
    public const string Header =
        "region,channel,unit,count,area_m2,mean,median,std,mad,pearson,pearson_low,pearson_high,pearson_p," +
        "spearman,spearman_low,spearman_high,spearman_p,mutual_information_bits,correlation_count,pearson_core,pearson_span_low,pearson_span_high," +
        "spearman_core,spearman_span_low,spearman_span_high,core_depth,pearson_from_core,mean_from_core,rim_shift";

    public static void Write(TextWriter writer, IReadOnlyList<RegionChannelStatistics> statistics, IReadOnlyList<RegionCorrelation> correlations)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(correlations);
        writer.WriteLine(Header);
        foreach (var s in statistics)
        {
            var c = correlations.FirstOrDefault(r => r.Region == s.Region && r.Channel == s.Channel);
            string[] cells =
            [
                s.Region, s.Channel, s.Unit, Cell(s.Count), Cell(s.Area), Cell(s.Mean), Cell(s.Median), Cell(s.StdDev), Cell(s.Mad),
                Cell(c?.Pearson), Cell(c?.PearsonLow), Cell(c?.PearsonHigh), Cell(c?.PearsonP),
                Cell(c?.Spearman), Cell(c?.SpearmanLow), Cell(c?.SpearmanHigh), Cell(c?.SpearmanP), Cell(c?.MutualInformation),
                c is null ? string.Empty : Cell(c.Count),
                Cell(c?.PearsonCore), Cell(c?.PearsonSpanLow), Cell(c?.PearsonSpanHigh),
                Cell(c?.SpearmanCore), Cell(c?.SpearmanSpanLow), Cell(c?.SpearmanSpanHigh),
                c?.CoreDepth is { } depth ? Cell(depth) : string.Empty,
                Cell(c?.PearsonFromCore), Cell(c?.MeanFromCore), Cell(c?.RimShift),
            ];
            writer.WriteLine(string.Join(',', cells));
        }
    }

    private static string Cell(double? value) =>
        value is { } v && double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : string.Empty;

    private static string Cell(int value) => value.ToString(CultureInfo.InvariantCulture);
}
