using System.Runtime.InteropServices;
using AfmEdge.Core;

namespace AfmEdge.Analysis;

/// <summary>
/// Measures a frame: statistics of every channel, the Pearson correlation between height and each other
/// trace channel over the whole frame, and (when the frame has a Height channel) the chromosome analysis:
/// chromosomes, regions, per-region statistics, correlations and differences.
/// </summary>
public sealed class FrameAnalyzer
{
    public const string HeightChannel = "Height";
    private readonly TimeProvider _time;
    private readonly ChromosomeAnalyzer _chromosomes;

    public FrameAnalyzer(TimeProvider time)
        : this(time, new ChromosomeAnalyzer())
    {
    }

    public FrameAnalyzer(TimeProvider time, ChromosomeAnalyzer chromosomes)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(chromosomes);
        _time = time;
        _chromosomes = chromosomes;
    }

    /// <summary>Analyses the frame; throws <see cref="ArgumentException"/> naming the channel when one has no finite sample.</summary>
    public FrameSummary Analyze(Frame frame)
    {
        var summary = Analyze(frame, out var analysis);
        // The summary copies what it reports, and nothing else sees this analysis: its frame-sized arrays serve the next frame.
        analysis?.Recycle();
        return summary;
    }

    /// <summary>
    /// Analyses the frame as <see cref="Analyze(Frame)"/> does, and hands over the chromosome analysis (null without a
    /// Height channel) for a caller that reads more of it (the host's plots). That caller calls
    /// <see cref="ChromosomeAnalysis.Recycle"/> once done with it, or leaves it to the collector.
    /// </summary>
    public FrameSummary Analyze(Frame frame, out ChromosomeAnalysis? analysis)
    {
        ArgumentNullException.ThrowIfNull(frame);
        analysis = frame.TryGetChannel(HeightChannel, out _) ? _chromosomes.Analyze(frame) : null;
        return analysis is null ? Summarize(frame, null) : Summarize(analysis);
    }

    /// <summary>The summary of an analysis already made (the CLI writes its tables and plots from the same analysis).</summary>
    public FrameSummary Summarize(ChromosomeAnalysis analysis)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        return Summarize(analysis.Frame, analysis);
    }

    private static int IndexOf(IReadOnlyList<Channel> channels, Channel channel)
    {
        for (var c = 0; c < channels.Count; c++)
        {
            if (ReferenceEquals(channels[c], channel))
            {
                return c;
            }
        }

        throw new InvalidOperationException($"Channel '{channel.Descriptor.Key}' is not among its frame's channels.");
    }

    private FrameSummary Summarize(Frame frame, ChromosomeAnalysis? analysis)
    {
        // Every channel's statistics and height's correlation with each other trace channel, in two passes over the frame.
        var frameChannels = frame.Channels;
        var samples = new ReadOnlyMemory<float>[frameChannels.Count];
        var pairs = new List<(int A, int B)>(frameChannels.Count);
        var heightIndex = frame.TryGetChannel(HeightChannel, out var height) ? IndexOf(frameChannels, height) : -1;
        for (var c = 0; c < frameChannels.Count; c++)
        {
            samples[c] = frameChannels[c].Memory;
            if (heightIndex >= 0 && c != heightIndex && frameChannels[c].Direction == ScanDirection.Trace)
            {
                pairs.Add((heightIndex, c));
            }
        }

        var statistics = new ChannelStatistics?[frameChannels.Count];
        var pearson = new (double R, int Count)[pairs.Count];
        FrameStatistics.Measure(samples, CollectionsMarshal.AsSpan(pairs), statistics, pearson);
        var channels = new ChannelSummary[frameChannels.Count];
        for (var c = 0; c < channels.Length; c++)
        {
            var (channel, stats) = (frameChannels[c], statistics[c]!);
            channels[c] = new ChannelSummary(channel.Name, channel.Direction == ScanDirection.Trace ? "trace" : "retrace", channel.Unit.Symbol,
                stats.Mean, stats.StdDev, stats.Min, stats.Max, stats.NonFinite);
        }

        var correlations = new List<CorrelationSummary>(pairs.Count);
        for (var p = 0; p < pairs.Count; p++)
        {
            var (r, count) = pearson[p];
            correlations.Add(new CorrelationSummary("frame", frameChannels[pairs[p].B].Name, double.IsNaN(r) ? null : r, count));
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
            ChromosomeCount = analysis?.Chromosomes.Count,
            Note = analysis is null ? "no Height channel: no chromosome analysis"
                : analysis.Chromosomes.Count == 0 ? "no chromosome found" : null,
            Segmentation = analysis is null ? null : new SegmentationSummary(analysis.Segmentation.NoiseSigma, analysis.Segmentation.LowThreshold,
                analysis.Segmentation.OtsuThreshold, analysis.Segmentation.Rejected),
            Chromosomes = analysis?.Chromosomes.Select(c => new ChromosomeSummary(c.Id, c.PixelCount, c.Area, c.Length, c.Width, c.PeakHeight, c.Volume,
                c.PArmLength, c.QArmLength, c.CentromericIndex, c.ConstrictionDepth, c.Centromere.X, c.Centromere.Y, c.IsCluster, c.ArmsAssigned)).ToArray(),
            Regions = analysis?.Regions,
            RegionStatistics = analysis?.Statistics,
            RegionCorrelations = analysis?.Correlations,
            RegionDifferences = analysis?.Differences,
            Bootstrap = analysis is null ? null
                : new BootstrapSummary(_chromosomes.Options.BootstrapResamples, _chromosomes.Options.BootstrapSeed, _chromosomes.Options.BootstrapBlockSize),
            RimMixing = analysis?.RimMixing,
            RowOffsets = analysis is { RowOffsets.Count: > 0 } ? analysis.RowOffsets : null,
        };
    }
}
