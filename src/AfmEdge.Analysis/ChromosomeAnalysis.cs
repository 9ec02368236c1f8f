using AfmEdge.Analysis.Geometry;
using AfmEdge.Analysis.Segmentation;
using AfmEdge.Core;

namespace AfmEdge.Analysis;

/// <summary>Everything the chromosome analysis found in one frame: segmentation, labels, chromosomes and the per-region tables.</summary>
public sealed class ChromosomeAnalysis
{
    private readonly byte[] _labels;
    private readonly IReadOnlyDictionary<string, Channel> _channels;
    private readonly AnalysisOptions _options;

    internal ChromosomeAnalysis(Frame frame, ChromosomeSegmentation segmentation, byte[] labels, IReadOnlyList<ChromosomeMeasurement> chromosomes,
        Statistics.RegionResults results, IReadOnlyDictionary<string, Channel> channels, AnalysisOptions options)
    {
        Frame = frame;
        Segmentation = segmentation;
        _labels = labels;
        Chromosomes = chromosomes;
        Regions = results.Regions;
        Statistics = results.Statistics;
        Correlations = results.Correlations;
        Differences = results.Differences;
        RimMixing = results.RimMixing;
        _channels = channels;
        _options = options;
    }

    public Frame Frame { get; }

    /// <summary>The options the analysis ran with.</summary>
    public AnalysisOptions Options => _options;

    public ChromosomeSegmentation Segmentation { get; }

    /// <summary>Per pixel: 0 background, 1 p arm, 2 centromere, 3 q arm.</summary>
    public ReadOnlySpan<byte> Labels => _labels;

    public IReadOnlyList<ChromosomeMeasurement> Chromosomes { get; }
    public IReadOnlyList<RegionSummary> Regions { get; }

    /// <summary>Region × channel (Height first, then the other trace channels in frame order).</summary>
    public IReadOnlyList<RegionChannelStatistics> Statistics { get; }

    /// <summary>Region × channel other than Height.</summary>
    public IReadOnlyList<RegionCorrelation> Correlations { get; }

    public IReadOnlyList<RegionDifference> Differences { get; }

    /// <summary>Whether the frame's rims mix its regions' fields, and so which r and means to read (<see cref="Analysis.RimMixing"/>).</summary>
    public RimMixing? RimMixing { get; }

    /// <summary>
    /// Each channel's line offsets as judged before the statistics, height first (<see cref="AnalysisOptions.AlignRowsToSubstrate"/>;
    /// empty where that is off): where <see cref="Analysis.RowOffsets.Aligned"/>, the statistics read the channel less them.
    /// </summary>
    public IReadOnlyList<RowOffsets> RowOffsets { get; init; } = [];

    /// <summary>Each aligned channel's line offsets (height by its name), as <see cref="StatisticsData"/> takes them out.</summary>
    internal IReadOnlyDictionary<string, double[]> LineOffsets { get; init; } = new Dictionary<string, double[]>();

    /// <summary>
    /// A channel as the statistics read it: the leveled height, or the channel's data, less its line offsets where the analysis
    /// aligned its lines (then a copy from the analysis's pool, returned on Dispose; else the frame's own data). The plots and
    /// the local-correlation map read the same.
    /// </summary>
    internal StatisticsChannel StatisticsData(string channel)
    {
        var data = channel == FrameAnalyzer.HeightChannel ? Segmentation.Leveled : _channels[channel].Data;
        if (!LineOffsets.TryGetValue(channel, out var offsets))
        {
            return new StatisticsChannel(data, null);
        }

        var aligned = AfmEdge.Analysis.Statistics.AnalysisPool<float>.Shared.Rent(data.Length);
        AfmEdge.Analysis.Statistics.SubstrateRows.Subtract(data, offsets, Frame.Width, Frame.Height, aligned);
        return new StatisticsChannel(aligned.AsSpan(0, data.Length), aligned);
    }

    /// <summary>The channels correlated with height, in frame order.</summary>
    public IEnumerable<string> CorrelatedChannels => _channels.Keys.Where(k => k != FrameAnalyzer.HeightChannel);

    /// <summary>The label image as a dimensionless channel named "Labels" (for labels.gsf).</summary>
    public Channel LabelChannel() =>
        new(new ChannelDescriptor("Labels", PhysicalUnit.Dimensionless), Frame.Width, Frame.Height, [.. _labels.Select(l => (float)l)]);

    /// <summary>
    /// The windowed Pearson map between the leveled height and <paramref name="channel"/>, window half-side
    /// <see cref="AnalysisOptions.LocalWindowRadius"/> (at least one pixel).
    /// </summary>
    public float[] LocalCorrelationMap(string channel)
    {
        if (!_channels.TryGetValue(channel, out var other) || channel == FrameAnalyzer.HeightChannel)
        {
            throw new ArgumentException($"'{channel}' is not a channel correlated with height; those are {string.Join(", ", CorrelatedChannels)}.", nameof(channel));
        }

        var radius = LocalRadius(Frame, _options);
        var map = new float[Frame.Width * Frame.Height];
        using var height = StatisticsData(FrameAnalyzer.HeightChannel);
        using var field = StatisticsData(other.Name);
        LocalCorrelation.Compute(height.Data, field.Data, Frame.Width, Frame.Height, radius, map);
        return map;
    }

    /// <summary>
    /// Hands the frame-sized arrays (leveled height, instances, labels) to the next analysis: for a caller that has taken
    /// what it needs (a summary) and lets this analysis go. Nothing of it may be read afterwards.
    /// </summary>
    public void Recycle()
    {
        AfmEdge.Analysis.Statistics.FrameArrays<float>.Return(Segmentation.LeveledData);
        AfmEdge.Analysis.Statistics.FrameArrays<int>.Return(Segmentation.InstanceData);
        AfmEdge.Analysis.Statistics.FrameArrays<byte>.Return(_labels);
    }

    internal static int LocalRadius(Frame frame, AnalysisOptions options) =>
        Math.Max(1, (int)Math.Round(options.LocalWindowRadius / Math.Sqrt(frame.PixelSizeX * frame.PixelSizeY)));
}

/// <summary>A channel as the statistics read it (<see cref="ChromosomeAnalysis.StatisticsData"/>), lent for a plot or a map.</summary>
internal ref struct StatisticsChannel
{
    private readonly float[]? _rented;

    public StatisticsChannel(ReadOnlySpan<float> data, float[]? rented)
    {
        Data = data;
        _rented = rented;
    }

    public ReadOnlySpan<float> Data { get; }

    /// <summary>Returns the aligned copy, if one was made, to the analysis's pool; <see cref="Data"/> may not be read afterwards.</summary>
    public readonly void Dispose()
    {
        if (_rented is not null)
        {
            AfmEdge.Analysis.Statistics.AnalysisPool<float>.Shared.Return(_rented);
        }
    }
}
