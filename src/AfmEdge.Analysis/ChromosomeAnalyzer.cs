using AfmEdge.Analysis.Geometry;
using AfmEdge.Analysis.Segmentation;
using AfmEdge.Analysis.Statistics;
using AfmEdge.Core;

namespace AfmEdge.Analysis;

/// <summary>
/// The chromosome analysis of one frame: segmentation of the height, axis, centromere and arms of every
/// chromosome, the 0/1/2/3 label image, and per-region statistics and correlations of every trace channel
/// with height. An object that measures as several chromosomes (touching side to side or tip to side) is split by
/// <see cref="Segmentation.TouchingSplitter"/> into pieces that each measure as one, and those are numbered and measured
/// like the others; chromosomes lying across each other are told apart by <see cref="Segmentation.CrossingSplitter"/>
/// (one instance each, the one beneath possibly in two pieces, its axis through the crossing) but stay clusters for the
/// statistics; what cannot be split stays a cluster, out of the statistics. Stateless and thread-safe.
/// </summary>
public sealed class ChromosomeAnalyzer
{
    public ChromosomeAnalyzer(AnalysisOptions? options = null)
    {
        Options = options ?? new AnalysisOptions();
        Options.ThrowIfInvalid();
    }

    public AnalysisOptions Options { get; }

    /// <summary>
    /// Analyses <paramref name="frame"/>. Throws <see cref="ArgumentException"/> naming the problem when the
    /// frame has no trace Height channel, a channel has no finite sample, or Height is not in metres.
    /// A frame without chromosomes is not an error: the result has none, and everything is background.
    /// </summary>
    public ChromosomeAnalysis Analyze(Frame frame) => Analyze(frame, null);

    /// <summary>The same, adding the time of each stage to <paramref name="times"/> when given.</summary>
    public ChromosomeAnalysis Analyze(Frame frame, AnalysisStageTimes? times)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var clock = StageClock.Start(times);
        if (!frame.TryGetChannel(FrameAnalyzer.HeightChannel, out var height))
        {
            throw new ArgumentException(
                $"Frame {frame.Id} has no '{FrameAnalyzer.HeightChannel}' channel to segment; it has {string.Join(", ", frame.Channels.Select(c => c.Descriptor.Key))}.",
                nameof(frame));
        }

        if (height.Unit != PhysicalUnit.Metre)
        {
            throw new ArgumentException($"Channel 'Height' of frame {frame.Id} is in '{height.Unit.Symbol}', not metres.", nameof(frame));
        }

        var channels = new Dictionary<string, Channel>(StringComparer.Ordinal);
        foreach (var channel in frame.Channels)
        {
            if (channel.Direction != ScanDirection.Trace)
            {
                continue;
            }

            if (!HasFinite(channel.Data))
            {
                throw new ArgumentException($"Channel '{channel.Name}' of frame {frame.Id} has no finite sample (all NaN or infinite).", nameof(frame));
            }

            channels[channel.Name] = channel;
        }

        var others = channels.Values.Where(c => c.Name != FrameAnalyzer.HeightChannel)
            .Select(c => new ChannelData(c.Name, c.Unit.Symbol, ArrayOf(c.Memory)))
            .ToArray();
        int width = frame.Width, rows = frame.Height;
        clock = times.Lap("check channels", clock);

        var segmentation = HeightSegmenter.Segment(height.Data, width, rows, frame.PixelSizeX, frame.PixelSizeY, Options, times);
        clock = StageClock.Start(times);

        var (axes, measurements, boxes) = Measure(segmentation, segmentation.LeveledData, width, rows, frame.PixelSizeX, frame.PixelSizeY, null);
        clock = times.Lap("axes", clock);

        // Touching chromosomes: split what measures as a cluster into pieces that each measure as one chromosome,
        // then number and measure again (only frames with such a split pay for it).
        var next = segmentation.Count + 1;
        List<int>? split = null;
        Dictionary<int, (double X, double Y)[]>? crossingAxes = null;
        bool[]? stacked = null;
        for (var k = 0; k < measurements.Length; k++)
        {
            if (measurements[k].IsCluster)
            {
                var added = TouchingSplitter.Split(segmentation.InstanceData, width, rows, segmentation.LeveledData, k + 1, boxes[k],
                    frame.PixelSizeX, frame.PixelSizeY, Options, next, measurements[k].IsClusterAsPiece, axes[k].BoxDistances);
                if (added == 0)
                {
                    // Not side by side: chromosomes lying across each other.
                    crossingAxes ??= [];
                    if (stacked is null)
                    {
                        // Rented (a frame-sized array is fresh pages to fault in), read only by this frame's measurements.
                        stacked = AnalysisPool<bool>.Shared.Rent(width * rows);
                        stacked.AsSpan(0, width * rows).Clear();
                    }

                    added = CrossingSplitter.Split(segmentation.InstanceData, width, rows, segmentation.LeveledData, k + 1, boxes[k],
                        frame.PixelSizeX, frame.PixelSizeY, Options, next, crossingAxes, stacked, axes[k].ThinnedMask, axes[k].BoxDistances);
                    if (added == 0)
                    {
                        // No junction in the skeleton: a shallow crossing, or a short chromosome across a longer one, told by where heights add.
                        added = StackedSplitter.Split(segmentation.InstanceData, width, segmentation.LeveledData, k + 1, boxes[k],
                            frame.PixelSizeX, frame.PixelSizeY, Options, next, crossingAxes, stacked, axes[k].BoxDistances);
                    }
                }

                axes[k].ReleaseDistances();
                if (added > 0)
                {
                    split ??= [];
                    split.Add(k + 1);
                    split.AddRange(Enumerable.Range(next, added));
                    next += added;
                }
            }
        }

        if (split is not null)
        {
            segmentation = segmentation.Renumbered(next - 1, out var map);
            var pieces = new bool[segmentation.Count + 1];
            foreach (var id in split)
            {
                pieces[map[id]] = true;
            }

            var crossings = new Dictionary<int, (double X, double Y)[]>();
            foreach (var (id, axis) in crossingAxes ?? [])
            {
                crossings[map[id]] = axis;
            }

            // The objects no split touched keep their pixels, so their axis and measurement, under their new id.
            var kept = new (ChromosomeAxis Axis, ChromosomeMeasurement Measurement)?[segmentation.Count + 1];
            for (var old = 1; old <= measurements.Length; old++)
            {
                if (map[old] > 0 && !pieces[map[old]])
                {
                    kept[map[old]] = (axes[old - 1], measurements[old - 1]);
                }
            }

            (axes, measurements, boxes) = Measure(segmentation, segmentation.LeveledData, width, rows, frame.PixelSizeX, frame.PixelSizeY, pieces,
                crossings, stacked, kept);

            // A chromosome split off a crossing is its own instance with its axis through the crossing, but it stays a
            // cluster for the statistics: where they overlap heights add, which one lies on top is a guess, and its
            // primary constriction may be hidden under the other.
            foreach (var id in crossings.Keys)
            {
                measurements[id - 1] = measurements[id - 1] with { IsCluster = true };
            }
        }

        clock = times.Lap("split touching", clock);
        // One after the other: a chromosome's labels take a fraction of a millisecond, less than what fanning out
        // costs in processor time (workers waking and spinning), and frames are analysed several at once anyway.
        var labels = FrameArrays<byte>.Rent(width * rows, clear: true);
        for (var k = 0; k < segmentation.Count; k++)
        {
            axes[k].Label(boxes[k], labels);
        }

        if (stacked is not null)
        {
            AnalysisPool<bool>.Shared.Return(stacked);
        }

        var leveled = segmentation.LeveledData;

        // Merged clusters keep their best-effort labels in the image but stay out of the statistics (label 255),
        // and so do the arms of a chromosome whose p and q arms cannot be told apart.
        var statisticsLabels = labels;
        byte[]? rented = null;
        if (measurements.Any(m => m.IsCluster || !m.ArmsAssigned))
        {
            // A copy only the statistics read: rented (a fresh quarter-megabyte array per frame is fresh pages to fault in).
            rented = AnalysisPool<byte>.Shared.Rent(labels.Length);
            statisticsLabels = rented;
            labels.CopyTo(statisticsLabels, 0);
            var instances = segmentation.InstanceData;
            for (var y = 0; y < rows; y++)
            {
                // Only between the row's first and last object pixel (the rest is background).
                var row = instances.AsSpan(y * width, width);
                var first = row.IndexOfAnyExcept(0);
                var last = first < 0 ? -1 : row.LastIndexOfAnyExcept(0);
                for (var i = (y * width) + Math.Max(first, 0); i <= (y * width) + last; i++)
                {
                    if (instances[i] > 0 && measurements[instances[i] - 1] is var m
                        && (m.IsCluster || (!m.ArmsAssigned && labels[i] != 2)))
                    {
                        statisticsLabels[i] = RegionAnalysis.Excluded;
                    }
                }
            }
        }

        // Chromosome rims (mixed with the substrate) out of the statistics when asked: on the statistics' own copy.
        if (Options.EdgeExclusion > 0)
        {
            if (rented is null)
            {
                rented = AnalysisPool<byte>.Shared.Rent(labels.Length);
                statisticsLabels = rented;
                labels.CopyTo(statisticsLabels, 0);
            }

            MixedEdges.Exclude(statisticsLabels, segmentation.InstanceData, width, rows, Options.EdgeExclusion);
        }

        times.Lap("labels", clock);
        RegionResults results;
        try
        {
            results = RegionAnalysis.Run(statisticsLabels, leveled, others, width, rows, frame.PixelSizeX, frame.PixelSizeY, Options, times);
        }
        finally
        {
            if (rented is not null)
            {
                AnalysisPool<byte>.Shared.Return(rented);
            }
        }

        times?.CountFrame();
        return new ChromosomeAnalysis(frame, segmentation, labels, measurements, results, channels, Options);
    }

    private (ChromosomeAxis[] Axes, ChromosomeMeasurement[] Measurements, (int X0, int Y0, int X1, int Y1)[] Boxes) Measure(
        ChromosomeSegmentation segmentation, float[] leveled, int width, int rows, double pixelX, double pixelY, bool[]? pieces,
        Dictionary<int, (double X, double Y)[]>? crossings = null, bool[]? stacked = null, (ChromosomeAxis Axis, ChromosomeMeasurement Measurement)?[]? kept = null)
    {
        var boxes = Boxes(segmentation.InstanceData, width, segmentation.Count);
        var axes = new ChromosomeAxis[segmentation.Count];
        var measurements = new ChromosomeMeasurement[segmentation.Count];
        // Sequential, as the labels: the processor time is the budget (frames are analysed several at once), and a
        // parallel loop over a few chromosomes costs more in waking and spinning workers than it spreads.
        for (var k = 0; k < segmentation.Count; k++)
        {
            if (kept?[k + 1] is var (keptAxis, keptMeasurement))
            {
                axes[k] = keptAxis.Renumbered(segmentation.InstanceData, k + 1);
                measurements[k] = keptMeasurement with { Id = k + 1 };
                continue;
            }

            // The first measurement keeps a cluster's distance transform for the splitters (which take the same one).
            var crossing = crossings is not null && crossings.TryGetValue(k + 1, out var axis) ? axis : null;
            axes[k] = new ChromosomeAxis(segmentation.InstanceData, width, rows, k + 1, crossing, crossing is null ? null : stacked);
            measurements[k] = axes[k].Measure(leveled, boxes[k], pixelX, pixelY, Options, pieces is not null && pieces[k + 1], keepDistances: pieces is null);
            if (!measurements[k].IsCluster)
            {
                axes[k].ReleaseDistances();
            }
        }
        return (axes, measurements, boxes);
    }

    /// <summary>The channel's own array (read only here), copied only when the memory is not a whole array.</summary>
    private static float[] ArrayOf(ReadOnlyMemory<float> memory) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : memory.ToArray();

    private static bool HasFinite(ReadOnlySpan<float> data)
    {
        foreach (var v in data)
        {
            if (float.IsFinite(v))
            {
                return true;
            }
        }

        return false;
    }

    private static (int X0, int Y0, int X1, int Y1)[] Boxes(int[] instances, int width, int count)
    {
        var boxes = new (int X0, int Y0, int X1, int Y1)[count];
        for (var k = 0; k < count; k++)
        {
            boxes[k] = (int.MaxValue, int.MaxValue, -1, -1);
        }

        // Row by row, over the stretch of each row between its first and last object pixel (found a vector at a time).
        for (var y = 0; y * width < instances.Length; y++)
        {
            var row = instances.AsSpan(y * width, width);
            var first = row.IndexOfAnyExcept(0);
            if (first < 0)
            {
                continue;
            }

            var last = row.LastIndexOfAnyExcept(0);
            for (var x = first; x <= last; x++)
            {
                var id = row[x];
                if (id == 0)
                {
                    continue;
                }

                ref var b = ref boxes[id - 1];
                b = (Math.Min(b.X0, x), Math.Min(b.Y0, y), Math.Max(b.X1, x), Math.Max(b.Y1, y));
            }
        }

        return boxes;
    }
}
