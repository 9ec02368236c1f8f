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
        var clusters = new List<int>();
        for (var k = 0; k < measurements.Length; k++)
        {
            if (measurements[k].IsCluster)
            {
                clusters.Add(k);
            }
        }

        if (clusters.Count > 0)
        {
            crossingAxes = [];

            // Rented (a frame-sized array is fresh pages to fault in), read only by this frame's measurements.
            stacked = AnalysisPool<bool>.Shared.Rent(width * rows);
            stacked.AsSpan(0, width * rows).Clear();
            var added = SplitClusters(segmentation, clusters, axes, measurements, boxes, frame.PixelSizeX, frame.PixelSizeY, next, crossingAxes, stacked);
            for (var c = 0; c < clusters.Count; c++)
            {
                if (added[c] > 0)
                {
                    split ??= [];
                    split.Add(clusters[c] + 1);
                    split.AddRange(Enumerable.Range(next, added[c]));
                    next += added[c];
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
        // Each chromosome writes only its own pixels' labels: they may be written side by side.
        var labels = FrameArrays<byte>.Rent(width * rows, clear: true);
        ForEachObject(segmentation.Count, k => axes[k].Label(boxes[k], labels));

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

        clock = times.Lap("labels", clock);
        RegionResults results;

        // The labels' rim, made once: the line offsets' substrate lies beyond it, and the statistics' cores inside it.
        var rim = AnalysisPool<byte>.Shared.Rent(width * rows);
        CoreCorrelation.Rim(statisticsLabels.AsSpan(0, width * rows), width, rows, RegionAnalysis.RimDepth(Options), rim.AsSpan(0, width * rows));
        var (statisticsHeight, statisticsChannels, rowOffsets, lineOffsets, aligned) = AlignedToSubstrate(statisticsLabels, rim, leveled, segmentation.LowThreshold, others, width, rows);
        times.Lap("statistics: line offsets", clock);
        try
        {
            results = RegionAnalysis.Run(statisticsLabels, statisticsHeight, statisticsChannels, width, rows, frame.PixelSizeX, frame.PixelSizeY, Options, times, rim: rim);
        }
        finally
        {
            if (rented is not null)
            {
                AnalysisPool<byte>.Shared.Return(rented);
            }

            AnalysisPool<byte>.Shared.Return(rim);

            foreach (var array in aligned)
            {
                AnalysisPool<float>.Shared.Return(array);
            }
        }

        times?.CountFrame();
        return new ChromosomeAnalysis(frame, segmentation, labels, measurements, results, channels, Options) { RowOffsets = rowOffsets, LineOffsets = lineOffsets };
    }

    private (ChromosomeAxis[] Axes, ChromosomeMeasurement[] Measurements, (int X0, int Y0, int X1, int Y1)[] Boxes) Measure(
        ChromosomeSegmentation segmentation, float[] leveled, int width, int rows, double pixelX, double pixelY, bool[]? pieces,
        Dictionary<int, (double X, double Y)[]>? crossings = null, bool[]? stacked = null, (ChromosomeAxis Axis, ChromosomeMeasurement Measurement)?[]? kept = null)
    {
        var boxes = Boxes(segmentation.InstanceData, width, segmentation.Count);
        var axes = new ChromosomeAxis[segmentation.Count];
        var measurements = new ChromosomeMeasurement[segmentation.Count];
        // Each object's axis and measurement read the shared images and write only their own slots: side by side.
        ForEachObject(segmentation.Count, k =>
        {
            if (kept?[k + 1] is var (keptAxis, keptMeasurement))
            {
                axes[k] = keptAxis.Renumbered(segmentation.InstanceData, k + 1);
                measurements[k] = keptMeasurement with { Id = k + 1 };
                return;
            }

            // The first measurement keeps a cluster's distance transform for the splitters (which take the same one).
            var crossing = crossings is not null && crossings.TryGetValue(k + 1, out var axis) ? axis : null;
            axes[k] = new ChromosomeAxis(segmentation.InstanceData, width, rows, k + 1, crossing, crossing is null ? null : stacked);
            measurements[k] = axes[k].Measure(leveled, boxes[k], pixelX, pixelY, Options, pieces is not null && pieces[k + 1], keepDistances: pieces is null);
            if (!measurements[k].IsCluster)
            {
                axes[k].ReleaseDistances();
            }
        });
        return (axes, measurements, boxes);
    }

    /// <summary>
    /// Tries to split every cluster (indices into <paramref name="measurements"/>) into chromosomes lying against (TouchingSplitter)
    /// or across (CrossingSplitter, StackedSplitter) each other; returns how many pieces each added. Their pieces are numbered from
    /// <paramref name="next"/> in the clusters' order, as one attempt after the other would number them. An attempt reads and writes
    /// only its own object's pixels (of the instances and <paramref name="stacked"/>), so attempts run side by side: each numbers
    /// its pieces from a base of its own, far enough apart (a cluster adds fewer pieces than its box has pixels), and once all
    /// are done those ids and their crossing axes are moved down to the sequential ones.
    /// </summary>
    private int[] SplitClusters(ChromosomeSegmentation segmentation, List<int> clusters, ChromosomeAxis[] axes, ChromosomeMeasurement[] measurements,
        (int X0, int Y0, int X1, int Y1)[] boxes, double pixelX, double pixelY, int next, Dictionary<int, (double X, double Y)[]> crossingAxes, bool[] stacked)
    {
        var added = new int[clusters.Count];
        var bases = new int[clusters.Count];
        long provisional = next;
        foreach (var k in clusters)
        {
            provisional += (long)(boxes[k].X1 - boxes[k].X0 + 1) * (boxes[k].Y1 - boxes[k].Y0 + 1);
        }

        if (!Options.ParallelWithinFrame || clusters.Count < 2 || provisional >= int.MaxValue)
        {
            // One after the other, each numbering from where the last stopped.
            for (var c = 0; c < clusters.Count; c++)
            {
                added[c] = SplitCluster(segmentation, clusters[c], axes, measurements, boxes, pixelX, pixelY, next, crossingAxes, stacked);
                next += added[c];
            }

            return added;
        }

        var found = new Dictionary<int, (double X, double Y)[]>[clusters.Count];
        bases[0] = next;
        for (var c = 1; c < clusters.Count; c++)
        {
            var box = boxes[clusters[c - 1]];
            bases[c] = bases[c - 1] + ((box.X1 - box.X0 + 1) * (box.Y1 - box.Y0 + 1));
        }

        Parallel.For(0, clusters.Count, c =>
        {
            found[c] = [];
            added[c] = SplitCluster(segmentation, clusters[c], axes, measurements, boxes, pixelX, pixelY, bases[c], found[c], stacked);
        });

        // In the clusters' order: the pieces' ids moved from each attempt's base to the next free ones. The ranges never
        // overlap: every final range ends at or below its own base, and every base lies past the ranges before it.
        var instances = segmentation.InstanceData;
        var width = segmentation.Width;
        for (var c = 0; c < clusters.Count; c++)
        {
            var (from, count, shift) = (bases[c], added[c], bases[c] - next);
            if (count > 0 && shift != 0)
            {
                var box = boxes[clusters[c]];
                for (var y = box.Y0; y <= box.Y1; y++)
                {
                    foreach (ref var id in instances.AsSpan((y * width) + box.X0, box.X1 - box.X0 + 1))
                    {
                        if (id >= from && id < from + count)
                        {
                            id -= shift;
                        }
                    }
                }
            }

            foreach (var (id, axis) in found[c])
            {
                crossingAxes[id >= from ? id - shift : id] = axis;
            }

            next += count;
        }

        return added;
    }

    /// <summary>One cluster's split attempt: how many pieces it added, numbered from <paramref name="nextId"/>.</summary>
    private int SplitCluster(ChromosomeSegmentation segmentation, int k, ChromosomeAxis[] axes, ChromosomeMeasurement[] measurements,
        (int X0, int Y0, int X1, int Y1)[] boxes, double pixelX, double pixelY, int nextId, Dictionary<int, (double X, double Y)[]> crossingAxes, bool[] stacked)
    {
        var (instances, leveled, width, rows) = (segmentation.InstanceData, segmentation.LeveledData, segmentation.Width, segmentation.Height);
        var added = TouchingSplitter.Split(instances, width, rows, leveled, k + 1, boxes[k], pixelX, pixelY, Options, nextId,
            measurements[k].IsClusterAsPiece, axes[k].BoxDistances);
        if (added == 0)
        {
            // Not side by side: chromosomes lying across each other.
            added = CrossingSplitter.Split(instances, width, rows, leveled, k + 1, boxes[k], pixelX, pixelY, Options, nextId, crossingAxes, stacked,
                axes[k].ThinnedMask, axes[k].BoxDistances);
            if (added == 0)
            {
                // No junction in the skeleton: a shallow crossing, or a short chromosome across a longer one, told by where heights add.
                added = StackedSplitter.Split(instances, width, leveled, k + 1, boxes[k], pixelX, pixelY, Options, nextId, crossingAxes, stacked,
                    axes[k].BoxDistances);
            }
        }

        axes[k].ReleaseDistances();
        return added;
    }

    /// <summary>
    /// <paramref name="body"/> for every object index below <paramref name="count"/>: side by side when the options allow and
    /// there are two or more (every body writes only its own object's results), else in order on this thread.
    /// </summary>
    private void ForEachObject(int count, Action<int> body)
    {
        if (Options.ParallelWithinFrame && count > 1)
        {
            Parallel.For(0, count, body);
            return;
        }

        for (var k = 0; k < count; k++)
        {
            body(k);
        }
    }

    /// <summary>
    /// Height and the other channels as the statistics read them: each less its line offsets against the substrate where its
    /// lines are offset (<see cref="SubstrateRows"/>), else as they are. Returns every channel's judgement (height first), the
    /// offsets taken out of each aligned channel (for the plots and maps, which read what the statistics read), and the arrays
    /// rented for the aligned copies, to return once the statistics are done; the frame's own data is not touched.
    /// </summary>
    private (float[] Height, ChannelData[] Channels, IReadOnlyList<RowOffsets> Judged, Dictionary<string, double[]> Offsets, List<float[]> Rented) AlignedToSubstrate(
        byte[] labels, byte[] rim, float[] height, double lowThreshold, ChannelData[] channels, int width, int rows)
    {
        var rented = new List<float[]>();
        var taken = new Dictionary<string, double[]>(StringComparer.Ordinal);
        if (!Options.AlignRowsToSubstrate)
        {
            return (height, channels, [], taken, rented);
        }

        var judged = new RowOffsets[channels.Length + 1];
        var data = new float[channels.Length + 1][];
        var pixels = width * rows;

        // The substrate each line's and column's level is taken over: the background below the low threshold, beyond the
        // chromosomes' reach (the rim, as far as the background's core may start) where there is enough of it.
        var lineMask = AnalysisPool<float>.Shared.Rent(pixels);
        var columnMask = AnalysisPool<float>.Shared.Rent(pixels);
        try
        {
            SubstrateRows.Masks(labels.AsSpan(0, pixels), rim.AsSpan(0, pixels), height.AsSpan(0, pixels), lowThreshold, width, rows,
                lineMask.AsSpan(0, pixels), columnMask.AsSpan(0, pixels));
            for (var c = 0; c <= channels.Length; c++)
            {
                var (name, source) = c == 0 ? (FrameAnalyzer.HeightChannel, height) : (channels[c - 1].Name, channels[c - 1].Data);
                var offsets = new double[rows];
                var (ratio, offset) = SubstrateRows.Measure(source.AsSpan(0, pixels), lineMask.AsSpan(0, pixels), columnMask.AsSpan(0, pixels), width, rows,
                    Options.RowJumpThreshold, offsets);
                data[c] = source;
                double? spread = null;
                if (offset)
                {
                    data[c] = AnalysisPool<float>.Shared.Rent(pixels);
                    rented.Add(data[c]);
                    SubstrateRows.Subtract(source, offsets, width, rows, data[c]);
                    spread = StandardDeviation(offsets);
                    taken[name] = offsets;
                }

                judged[c] = new RowOffsets(name, double.IsFinite(ratio) ? ratio : null, offset, spread);
            }
        }
        finally
        {
            AnalysisPool<float>.Shared.Return(lineMask);
            AnalysisPool<float>.Shared.Return(columnMask);
        }

        return (data[0], [.. channels.Select((channel, c) => channel with { Data = data[c + 1] })], judged, taken, rented);

        static double StandardDeviation(double[] values)
        {
            var mean = values.Average();
            return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
        }
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

            // Background between objects a run at a time (the loop's step lands on the next object pixel).
            var last = row.LastIndexOfAnyExcept(0);
            for (var x = first; x <= last; x++)
            {
                var id = row[x];
                if (id == 0)
                {
                    x += row[x..].IndexOfAnyExcept(0) - 1;
                    continue;
                }

                ref var b = ref boxes[id - 1];
                b = (Math.Min(b.X0, x), Math.Min(b.Y0, y), Math.Max(b.X1, x), Math.Max(b.Y1, y));
            }
        }

        return boxes;
    }
}
