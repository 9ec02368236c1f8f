using AfmEdge.Core;

namespace AfmEdge.Analysis;

/// <summary>
/// Measures a frame: statistics of every channel and the Pearson correlation between height and each
/// other trace channel over the whole frame. The chromosome analysis will add per-region rows.
/// </summary>
public sealed class FrameAnalyzer
{
    public const string HeightChannel = "Height";
    private readonly TimeProvider _time;

    public FrameAnalyzer(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
    }

    public FrameSummary Analyze(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var channels = frame.Channels
            .Select(c =>
            {
                var stats = ChannelStatistics.Of(c.Data);
                return new ChannelSummary(c.Name, c.Direction == ScanDirection.Trace ? "trace" : "retrace", c.Unit.Symbol,
                    stats.Mean, stats.StdDev, stats.Min, stats.Max, stats.NonFinite);
            })
            .ToArray();

        var correlations = new List<CorrelationSummary>();
        if (frame.TryGetChannel(HeightChannel, out var height))
        {
            foreach (var other in frame.Channels)
            {
                if (other.Direction != ScanDirection.Trace || ReferenceEquals(other, height))
                {
                    continue;
                }

                var (r, count) = Correlation.Pearson(height.Data, other.Data);
                correlations.Add(new CorrelationSummary("frame", other.Name, double.IsNaN(r) ? null : r, count));
            }
        }

        return new FrameSummary
        {
            FrameId = frame.Id.ToString(),
            AcquiredAt = frame.AcquiredAt,
            AnalysedAt = _time.GetUtcNow(),
            Width = frame.Width,
            Height = frame.Height,
            SizeX = frame.SizeX,
            SizeY = frame.SizeY,
            Enhancer = frame.Metadata.TryGetValue("enhancer", out var enhancer) ? enhancer : "none",
            Processing = frame.Metadata.TryGetValue("processing", out var steps) ? steps.Split(',') : [],
            Channels = channels,
            Correlations = correlations,
        };
    }
}
