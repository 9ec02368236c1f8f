using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AfmEdge.Core;

namespace AfmEdge.Analysis.Statistics;

/// <summary>One channel as the region statistics see it.</summary>
internal sealed record ChannelData(string Name, string Unit, float[] Data);

/// <summary>What <see cref="RegionAnalysis"/> measures for one frame.</summary>
internal sealed record RegionResults(
    IReadOnlyList<RegionSummary> Regions,
    IReadOnlyList<RegionChannelStatistics> Statistics,
    IReadOnlyList<RegionCorrelation> Correlations,
    IReadOnlyList<RegionDifference> Differences)
{
    /// <summary>How mixed the frame's rims are (<see cref="RimFromCore.Score"/>; its score null where no chromosome region has a core line).</summary>
    public RimMixing? RimMixing { get; init; }
}

/// <summary>
/// Per-region statistics and height correlations. Pixels are grouped by label once. Every (region, channel)
/// pair is sorted once (radix sort, all regions of a channel in one go): the median and MAD are read off the sorted
/// values, and the ranks of the correlated pairs come out of the same walk along them. The bootstrap resamples square blocks of
/// pixels (neighbouring pixels are correlated, so single-pixel resampling would understate the uncertainty):
/// per-block sums of the standardised values and of their ranks are taken once, and every resample only adds
/// block sums, for all channels of a region at once. Resample b of region r draws its blocks from a generator
/// seeded by the options, r and b only, so results do not depend on thread scheduling. Big buffers are rented.
/// </summary>
internal static class RegionAnalysis
{
    /// <summary>Label of pixels left out of every region (chromosome clusters).</summary>
    public const byte Excluded = 255;

    private const int RegionCount = 4;

    // Resamples per parallel work item of the bootstrap.
    private const int ResampleChunk = 64;

    /// <summary>
    /// How deep the labels' rim (<see cref="CoreCorrelation.Rim"/>) is taken for the statistics: as deep as the background's
    /// core may start (<see cref="AnalysisOptions.BackgroundCoreReach"/>), and at least every region's core depth.
    /// </summary>
    public static int RimDepth(AnalysisOptions options) => Math.Max(options.CoreDepth, options.BackgroundCoreReach);

    /// <param name="shareHeightSide">Whether channels finite wherever height is take the height side of their sums from the region's <see cref="HeightSide"/> (false: each sums it again; the tests compare the two).</param>
    /// <param name="rim"><paramref name="labels"/>' rim <see cref="RimDepth"/> deep, where the caller has made it already; null: made here.</param>
    public static RegionResults Run(byte[] labels, float[] height, IReadOnlyList<ChannelData> channels, int width, int rows,
        double pixelX, double pixelY, AnalysisOptions options, AnalysisStageTimes? times = null, bool shareHeightSide = true, byte[]? rim = null)
    {
        var clock = StageClock.Start(times);

        var pixelArea = pixelX * pixelY;

        // Group pixel indices by region (counting sort, raster order inside each region).
        // The labels may be a rented array, longer than the frame.
        var pixels = width * rows;
        if (pixels > SortedChannel.Uncorrelated)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"A {width}×{rows} frame has more than 2^{SortedChannel.PlaceBits} − 1 pixels, the most the region statistics index.");
        }

        var counts = new int[RegionCount + 1];
        var pool = AnalysisPool<int>.Shared;
        var grouped = pool.Rent(pixels);
        // Per pixel, its region (top 8 bits) and its pair among the region's correlated members (low 24; set by the region's
        // frame): what each channel's values are sorted and ranked by.
        var place = pool.Rent(pixels);
        GroupByRegion(labels.AsSpan(0, pixels), counts, grouped, place);

        var sizes = new int[RegionCount];
        for (var r = 0; r < RegionCount; r++)
        {
            sizes[r] = counts[r + 1] - counts[r];
        }

        var all = new List<ChannelData>(channels.Count + 1) { new("Height", "m", height) };
        all.AddRange(channels);
        var channelCount = all.Count;
        var blockPixels = Math.Max(2, (int)Math.Round(options.BootstrapBlockSize / Math.Sqrt(pixelArea)));
        var regions = new RegionSummary[RegionCount];
        var frames = new RegionFrame[RegionCount];
        var sorted = new SortedChannel[RegionCount * channelCount];
        var stats = new RegionChannelStatistics[RegionCount * channelCount];
        var moments = new (double Mean, double Sd, int Count)[RegionCount * channelCount];
        var correlations = new RegionCorrelation[RegionCount * channels.Count];
        var estimates = new (double Pearson, double Spearman)[RegionCount * channels.Count];
        var draws = new double[RegionCount * channels.Count][];
        clock = times.Lap("statistics: group by region", clock);
        var (rimScore, deeperScore, lineDepth) = (double.NaN, (double?)null, 0);
        try
        {
            // Per region: its members, which of them are correlated (interior, finite height), their pairs and blocks.
            Parallel.For(0, RegionCount, r =>
            {
                frames[r] = RegionFrame.Create(grouped.AsMemory(counts[r], counts[r + 1] - counts[r]), labels, height, width, rows, blockPixels,
                    options.CorrelationGuard, channels.Count, place, r);
                regions[r] = new RegionSummary(Regions.ByLabel[r], frames[r].Members.Length, frames[r].Members.Length * pixelArea,
                    frames[r].HeightVolume * pixelArea);
            });

            var pairs = new int[RegionCount];
            for (var r = 0; r < RegionCount; r++)
            {
                pairs[r] = frames[r].Pairs;
            }

            clock = times.Lap("statistics: region frames", clock);

            // Per channel: the regions' sorted values and their pairs' ranks (and, but for height, whose pairs' values the
            // region frames hold, the pairs' values), and their statistics; once the heights are ranked, every region's
            // height side of the pairs, shared by all channels. First every channel's pass over the frame, then every
            // (channel, region) sort on its own, largest first: a channel sorted whole was too coarse a piece of work (five
            // channels on two cores left one core idle for most of a channel).
            var gathered = new SortedChannel.Gathered?[channelCount];
            try
            {
                // The height's pass also adds up each region's Σ(h − mean)² over its pairs (the height side's σ).
                var heightMeans = new double[RegionCount];
                for (var r = 0; r < RegionCount; r++)
                {
                    heightMeans[r] = frames[r].HeightSum / frames[r].Pairs;
                }

                Parallel.For(0, channelCount, c =>
                    gathered[c] = SortedChannel.Gathered.From(all[c].Data.AsSpan(0, pixels), place, sizes, pairs, gatherPairs: c > 0,
                        c == 0 ? heightMeans : null));
                var pieces = new List<(int Channel, int Region, int Count)>(channelCount * RegionCount);
                for (var c = 0; c < channelCount; c++)
                {
                    for (var r = 0; r < RegionCount; r++)
                    {
                        pieces.Add((c, r, gathered[c]!.Count(r)));
                    }
                }

                pieces.Sort((a, b) => a.Count != b.Count ? b.Count.CompareTo(a.Count) : (a.Channel, a.Region).CompareTo((b.Channel, b.Region)));
                Parallel.ForEach(Partitioner.Create(pieces, EnumerablePartitionerOptions.NoBuffering), piece =>
                {
                    var (c, r, _) = piece;
                    var split = gathered[c]!.Sort(r);
                    sorted[(r * channelCount) + c] = split;
                    if (c == 0)
                    {
                        frames[r].RankHeight(split, options.MutualInformationBins, gathered[0]!.PairSquares(r));
                    }
                });
            }
            finally
            {
                foreach (var g in gathered)
                {
                    g?.Dispose();
                }
            }

            // Every region's channels described together: their σ sums side by side (Describe).
            for (var r = 0; r < RegionCount; r++)
            {
                Describe(sorted.AsSpan(r * channelCount, channelCount), all, Regions.ByLabel[r], pixelArea,
                    stats.AsSpan(r * channelCount, channelCount), moments.AsSpan(r * channelCount, channelCount));
            }

            // The regions' tables, laid out now that it is known which channels share the height side.
            Span<bool> sharing = stackalloc bool[channels.Count];
            for (var r = 0; r < RegionCount; r++)
            {
                for (var c = 0; c < channels.Count; c++)
                {
                    sharing[c] = shareHeightSide && frames[r].Height is not null && sorted[(r * channelCount) + c + 1].PairValuesComplete;
                }

                frames[r].LayOut(sharing);
            }

            clock = times.Lap("statistics: sort, rank, describe", clock);

            // Every (region, channel other than height): the pairs, ranks from the two orders, r, ρ, MI and block sums.
            // Per region, the channels sharing the height side in one pass over the pairs (their sums side by side in
            // vector lanes); every other channel on its own.
            var items = new List<(int Region, int Channel)>();
            for (var r = 0; r < RegionCount; r++)
            {
                var anyShared = false;
                for (var c = 0; c < channels.Count; c++)
                {
                    if (frames[r].SharedColumns[c])
                    {
                        anyShared = true;
                    }
                    else
                    {
                        items.Add((r, c));
                    }
                }

                if (anyShared)
                {
                    items.Add((r, -1));
                }
            }

            Parallel.ForEach(items, item =>
            {
                var (r, c) = item;
                if (c < 0)
                {
                    CorrelateShared(frames[r], sorted.AsSpan(r * channelCount, channelCount), all, Regions.ByLabel[r], options,
                        correlations.AsSpan(r * channels.Count, channels.Count), estimates.AsSpan(r * channels.Count, channels.Count));
                    return;
                }

                var (correlation, pearson, spearman) = Correlate(frames[r], sorted[(r * channelCount) + c + 1], height,
                    all[c + 1], c, Regions.ByLabel[r], options);
                correlations[(r * channels.Count) + c] = correlation;
                estimates[(r * channels.Count) + c] = (pearson, spearman);
            });

            clock = times.Lap("statistics: ranks, correlations, MI", clock);
            Bootstrap(frames, estimates, correlations, draws, channels.Count, options);
            clock = times.Lap("statistics: bootstrap", clock);
            (rimScore, deeperScore, lineDepth) = AddCore(labels, rim, place, height, channels, width, rows, options, frames, sorted, moments, channelCount, correlations);
            clock = times.Lap("statistics: core r", clock);
        }
        finally
        {
            foreach (var s in sorted)
            {
                s?.Dispose();
            }

            foreach (var f in frames)
            {
                f?.Dispose();
            }

            pool.Return(grouped);
            pool.Return(place);
        }

        var differences = new List<RegionDifference>();
        for (var c = 0; c < channels.Count; c++)
        {
            for (var a = 0; a < RegionCount; a++)
            {
                for (var b = a + 1; b < RegionCount; b++)
                {
                    differences.Add(Difference(channels[c].Name, a, b,
                        moments[(a * channelCount) + c + 1], moments[(b * channelCount) + c + 1],
                        correlations[(a * channels.Count) + c], correlations[(b * channels.Count) + c],
                        draws[(a * channels.Count) + c] ?? [], draws[(b * channels.Count) + c] ?? []));
                }
            }
        }

        times.Lap("statistics: release, differences", clock);
        return new RegionResults(regions, stats, correlations, differences)
        {
            RimMixing = new RimMixing(double.IsFinite(rimScore) ? rimScore : null, options.RimMixingThreshold, rimScore > options.RimMixingThreshold)
            {
                DeeperScore = deeperScore,
                LineDepth = lineDepth,
            },
        };
    }

    /// <summary>
    /// Every correlation's r and ρ over its region's core (<see cref="CoreCorrelation"/>, <see cref="CoreRanks"/>) and, where
    /// they have bootstrap intervals, those intervals widened to take in the core's (<see cref="RegionCorrelation.PearsonSpanLow"/>,
    /// <see cref="RegionCorrelation.SpearmanSpanLow"/>); r and the field's mean with the rim's fields from the core
    /// (<see cref="RimFromCore"/>). Returns how mixed the frame's first rings are (<see cref="RimFromCore.Score"/>), the same
    /// score of the rest of the rims, and how deep a rim the core's line leaves out.
    /// </summary>
    private static (double Score, double? DeeperScore, int LineDepth) AddCore(byte[] labels, byte[]? givenRim, int[] place, float[] height, IReadOnlyList<ChannelData> channels, int width, int rows, AnalysisOptions options,
        RegionFrame[] frames, SortedChannel[] sorted, (double Mean, double Sd, int Count)[] moments, int channelCount, RegionCorrelation[] correlations)
    {
        Span<double> heightShift = stackalloc double[RegionCount];
        Span<int> pairs = stackalloc int[RegionCount];
        var channelShift = new double[RegionCount * channels.Count];
        for (var r = 0; r < RegionCount; r++)
        {
            pairs[r] = frames[r].Pairs;
            heightShift[r] = frames[r].Pairs > 0 ? frames[r].HeightSum / frames[r].Pairs : 0;
            for (var c = 0; c < channels.Count; c++)
            {
                var mean = moments[(r * channelCount) + c + 1].Mean;
                channelShift[(r * channels.Count) + c] = double.IsFinite(mean) ? mean : 0;
            }
        }

        var pixels = width * rows;
        var classes = AnalysisPool<int>.Shared.Rent(pixels);
        double[] coreSums, ringSums;
        double[]? coreRho = null;
        int backgroundDepth;
        try
        {
            // The rim as deep as the background's may reach (the caller's, or made here), then how far the chromosomes do reach
            // into it, then each pixel's class with its region's depth.
            var ownRim = givenRim is null ? AnalysisPool<byte>.Shared.Rent(pixels) : null;
            var rim = givenRim ?? ownRim!;
            try
            {
                var reach = options.BackgroundCoreReach;
                if (ownRim is not null)
                {
                    CoreCorrelation.Rim(labels.AsSpan(0, pixels), width, rows, RimDepth(options), rim.AsSpan(0, pixels));
                }

                backgroundDepth = reach == 0 ? options.CoreDepth
                    : CoreCorrelation.BackgroundDepth(labels.AsSpan(0, pixels), rim, height, channels, moments.AsSpan(0, channelCount), options.CoreDepth, reach);
                CoreCorrelation.Classes(labels.AsSpan(0, pixels), rim, place, RegionCount, options.CoreDepth, backgroundDepth, classes.AsSpan(0, pixels));
                coreSums = CoreCorrelation.Sum(classes, height, channels, width, rows, RegionCount, heightShift, channelShift);
                if (options.RankCore)
                {
                    coreRho = CoreRanks.Compute(classes.AsSpan(0, pixels), place.AsSpan(0, pixels), pairs, sorted, channels.Count);
                }

                // The first ring and the rest of the rim: how far their fields lie off the core's line (RimFromCore).
                CoreCorrelation.Rings(labels.AsSpan(0, pixels), rim, place, RegionCount, options.CoreDepth, backgroundDepth, classes.AsSpan(0, pixels));
                ringSums = CoreCorrelation.Sum(classes, height, channels, width, rows, 2 * RegionCount, [.. heightShift, .. heightShift], [.. channelShift, .. channelShift]);
            }
            finally
            {
                if (ownRim is not null)
                {
                    AnalysisPool<byte>.Shared.Return(ownRim);
                }
            }
        }
        finally
        {
            AnalysisPool<int>.Shared.Return(classes);
        }

        // How far the first ring and the rest of the rim are pulled off the core's line, towards the substrate's field (a
        // chromosome region's neighbour; the background's rings are not judged).
        var shifts = new double[correlations.Length];
        var deeper = new double[correlations.Length];
        shifts.AsSpan().Fill(double.NaN);
        deeper.AsSpan().Fill(double.NaN);
        for (var slot = channels.Count; slot < correlations.Length; slot++)
        {
            if (correlations[slot] is null || FieldLine.Through(CoreSums.Of(coreSums, slot)) is not { } coreLine)
            {
                continue;
            }

            var neighbour = moments[(slot % channels.Count) + 1].Mean - channelShift[slot];
            shifts[slot] = coreLine.Shift(CoreSums.Of(ringSums, slot), neighbour);
            deeper[slot] = coreLine.Shift(CoreSums.Of(ringSums, slot + correlations.Length), neighbour);
        }

        var deeperScore = RimFromCore.Score(deeper);

        // The line goes through every pair off the first ring unless the rest of the rim is pulled as well (an interpolated
        // frame's edges mix over two pixels): then through the core alone. The background's line is its core's.
        var lineDepth = options.CoreDepth > 1 && !(deeperScore > RimFromCore.DeeperRimThreshold) ? 1 : options.CoreDepth;
        for (var slot = 0; slot < correlations.Length; slot++)
        {
            if (correlations[slot] is not { } correlation)
            {
                continue;
            }

            var region = slot / channels.Count;
            var r = CoreSums.Of(coreSums, slot).Pearson;
            var (heightMean, heightSd, _) = moments[region * channelCount];
            var linePairs = region > 0 && lineDepth < options.CoreDepth
                ? CoreSums.Of(coreSums, slot) + CoreSums.Of(ringSums, slot + correlations.Length)
                : CoreSums.Of(coreSums, slot);
            var (fromCore, meanFromCore) = FieldLine.Through(linePairs) is { } line
                ? (line.Pearson(heightSd), line.At(heightMean - heightShift[region]))
                : (double.NaN, double.NaN);
            if (region == 0 && backgroundDepth > options.CoreDepth)
            {
                // The chromosomes disturb the background past its rim (the feedback's moat): its heights there are not the
                // substrate's, so σₕ over every background pixel is no measure of it. Its far core is: r and the mean over that.
                (fromCore, meanFromCore) = (r, CoreSums.Of(coreSums, slot).MeanF);
            }

            var shift = shifts[slot];
            var rho = coreRho?[slot] ?? double.NaN;

            // r's interval with the rim takes in the interval moved onto r over the core and onto r with the rim's fields from inside.
            var span = Union(Widened(correlation.Pearson, correlation.PearsonLow, correlation.PearsonHigh, r),
                double.IsFinite(fromCore) ? Widened(correlation.Pearson, correlation.PearsonLow, correlation.PearsonHigh, fromCore) : null);
            var rankSpan = coreRho is null ? null : Widened(correlation.Spearman, correlation.SpearmanLow, correlation.SpearmanHigh, rho);
            correlations[slot] = correlation with
            {
                CoreDepth = slot < channels.Count ? backgroundDepth : options.CoreDepth,
                PearsonCore = correlation.Pearson is not null && double.IsFinite(r) ? r : null,
                PearsonSpanLow = span?.Low,
                PearsonSpanHigh = span?.High,
                SpearmanCore = correlation.Spearman is not null && double.IsFinite(rho) ? rho : null,
                SpearmanSpanLow = rankSpan?.Low,
                SpearmanSpanHigh = rankSpan?.High,
                PearsonFromCore = correlation.Pearson is not null && double.IsFinite(fromCore) ? fromCore : null,
                MeanFromCore = double.IsFinite(meanFromCore) ? meanFromCore + channelShift[slot] : null,
                RimShift = double.IsFinite(shift) ? shift : null,
            };
        }

        return (RimFromCore.Score(shifts), double.IsFinite(deeperScore) ? deeperScore : null, lineDepth);

        static (double Low, double High)? Union((double Low, double High)? a, (double Low, double High)? b) =>
            a is { } x && b is { } y ? (Math.Min(x.Low, y.Low), Math.Max(x.High, y.High)) : a ?? b;

        // An estimate's bootstrap interval widened onto the core's value; none where there is no interval.
        static (double Low, double High)? Widened(double? estimate, double? low, double? high, double core) =>
            estimate is { } e && low is { } l && high is { } h ? CoreCorrelation.Span(e, l, h, core) : null;
    }

    /// <summary>
    /// Pixel indices grouped by region (a counting sort, raster order inside each region) into <paramref name="grouped"/>,
    /// region r's from <paramref name="counts"/>[r] (as long as <see cref="RegionCount"/> + 1: set here to the regions' starts
    /// and, last, their total); a pixel in no region gets the place −1. Labels come in long runs (rows of background): they
    /// are counted 32 at a time by vector compares (a counter incremented pixel after pixel waits on its own store), and 32
    /// of the current run's region go as 32 consecutive indices; otherwise the run's fill count stays in a register.
    /// </summary>
    internal static void GroupByRegion(ReadOnlySpan<byte> labels, int[] counts, int[] grouped, int[] place)
    {
        var pixels = labels.Length;
        if (counts.Length != RegionCount + 1 || grouped.Length < pixels || place.Length < pixels)
        {
            throw new ArgumentException($"{pixels} labels need {RegionCount + 1} counts ({counts.Length} given) and as many indices and places ({grouped.Length}, {place.Length}).", nameof(counts));
        }

        const int Lanes = 32;
        var vectors = Vector256.IsHardwareAccelerated;
        ref var label0 = ref MemoryMarshal.GetReference(labels);
        Array.Clear(counts);
        var i = 0;
        if (vectors)
        {
            for (; i <= pixels - Lanes; i += Lanes)
            {
                var block = Vector256.LoadUnsafe(ref label0, (nuint)i);
                for (var r = 0; r < RegionCount; r++)
                {
                    counts[r + 1] += BitOperations.PopCount(Vector256.Equals(block, Vector256.Create((byte)r)).ExtractMostSignificantBits());
                }
            }
        }

        for (; i < pixels; i++)
        {
            if (labels[i] < RegionCount)
            {
                counts[labels[i] + 1]++;
            }
        }

        for (var r = 0; r < RegionCount; r++)
        {
            counts[r + 1] += counts[r];
        }

        Span<int> fill = stackalloc int[RegionCount];
        counts.AsSpan(0, RegionCount).CopyTo(fill);
        var current = 0;
        var at = fill[0];
        ref var grouped0 = ref MemoryMarshal.GetArrayDataReference(grouped);
        i = 0;
        while (i < pixels)
        {
            // Unchecked: 32 pixels of the current region fit in its part of the grouped indices.
            if (vectors && i <= pixels - Lanes && Vector256.LoadUnsafe(ref label0, (nuint)i) == Vector256.Create((byte)current))
            {
                var index = Vector256.Create(i) + Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
                for (var v = 0; v < Lanes; v += Vector256<int>.Count)
                {
                    (index + Vector256.Create(v)).StoreUnsafe(ref grouped0, (nuint)(at + v));
                }

                at += Lanes;
                i += Lanes;
                continue;
            }

            for (var end = Math.Min(pixels, i + Lanes); i < end; i++)
            {
                var l = labels[i];
                if (l >= RegionCount)
                {
                    place[i] = -1;
                    continue;
                }

                if (l != current)
                {
                    fill[current] = at;
                    current = l;
                    at = fill[l];
                }

                grouped[at++] = i;
            }
        }
    }

    /// <summary>
    /// Mean, σ, median and MAD of a region's finite values, for each channel. The MAD walks outwards from the median through the
    /// sorted values: the deviations on either side are already in order, so the middle of their merge is found by bisection.
    /// The σ's sum of squares was taken by the channel's split, in eight partial sums, while its values were in that core's caches.
    /// </summary>
    private static void Describe(ReadOnlySpan<SortedChannel> orders, List<ChannelData> all, string region, double pixelArea,
        Span<RegionChannelStatistics> stats, Span<(double Mean, double Sd, int Count)> moments)
    {
        for (var c = 0; c < orders.Length; c++)
        {
            var values = orders[c].Values;
            var n = values.Length;
            if (n == 0)
            {
                stats[c] = new RegionChannelStatistics(region, all[c].Name, all[c].Unit, 0, 0, null, null, null, null);
                moments[c] = (double.NaN, double.NaN, 0);
                continue;
            }

            var mean = orders[c].Mean;
            var sd = n > 1 ? Math.Sqrt(orders[c].SquaredDeviations / (n - 1)) : 0;
            var median = n % 2 == 1 ? values[n / 2] : 0.5 * ((double)values[(n / 2) - 1] + values[n / 2]);

            // Deviations: left of the split they grow leftwards, right of it rightwards: two sorted runs, whose merged order's
            // middle is found by bisection rather than by walking the merge (half the region, a mispredicted branch a step).
            var right = UpperBound(values, median);
            var upper = n / 2;
            var current = Merged(values, median, right, upper);
            var previous = n % 2 == 1 ? 0 : Merged(values, median, right, upper - 1);
            var mad = n % 2 == 1 ? current : 0.5 * (previous + current);
            stats[c] = new RegionChannelStatistics(region, all[c].Name, all[c].Unit, n, n * pixelArea, mean, median, sd, mad);
            moments[c] = (mean, sd, n);
        }
    }

    /// <summary>How many of the sorted <paramref name="values"/> are at most <paramref name="limit"/>.</summary>
    private static int UpperBound(ReadOnlySpan<float> values, double limit)
    {
        int low = 0, high = values.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (values[mid] <= limit)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    /// <summary>
    /// The <paramref name="rank"/>-th smallest (0-based) of the deviations from <paramref name="median"/>: median − values[i]
    /// for i &lt; <paramref name="split"/> (those at or below it) and values[i] − median from there on, by bisection over how
    /// many of the first kind lie among the rank + 1 smallest.
    /// </summary>
    internal static double Merged(ReadOnlySpan<float> values, double median, int split, int rank)
    {
        var below = split;
        var above = values.Length - split;
        var take = rank + 1;
        int low = Math.Max(0, take - above), high = Math.Min(take, below);
        while (low < high)
        {
            // i from below, take − i from above: too few from below while the last one taken from above exceeds the next below.
            var i = (low + high) / 2;
            var j = take - i;
            if (j > 0 && Deviation(values, median, split, -j) > Deviation(values, median, split, i))
            {
                low = i + 1;
            }
            else
            {
                high = i;
            }
        }

        var from = take - low;
        var a = low > 0 ? Deviation(values, median, split, low - 1) : double.NegativeInfinity;
        var b = from > 0 ? Deviation(values, median, split, -from) : double.NegativeInfinity;
        return Math.Max(a, b);

        // k ≥ 0: the (k+1)-th deviation below the split, going down; k < 0: the (−k)-th above it, going up.
        static double Deviation(ReadOnlySpan<float> values, double median, int split, int k) =>
            k >= 0 ? median - values[split - 1 - k] : values[split - 1 - k] - median;
    }

    private static (RegionCorrelation Correlation, double Pearson, double Spearman) Correlate(RegionFrame frame, SortedChannel channelOrder,
        float[] height, ChannelData channel, int channelIndex, string region, AnalysisOptions options)
    {
        var members = frame.Members.Span;
        var m = members.Length;
        var intPool = AnalysisPool<int>.Shared;
        var floatPool = AnalysisPool<float>.Shared;
        var doublePool = AnalysisPool<double>.Shared;
        int[]? ownBlocks = null;
        float[]? ownRankX = null, ownRankY = null;
        double[]? ownXs = null;
        float[]? ownYs = null;
        try
        {
            // Pairs: correlated members (interior, finite height) whose value is finite too, in member order, in contiguous
            // columns so the passes below read them in sequence. Where the channel is finite over every correlated member
            // (its split gathered their values then) the height side is the region's own (heights, blocks, ranks), shared
            // by all channels.
            var data = channel.Data;
            var shared = channelOrder.PairValuesComplete;
            var n = shared ? frame.Pairs : 0;
            var sy = shared ? channelOrder.PairSum : 0;
            ReadOnlySpan<float> ys = shared ? channelOrder.PairValues : default;
            double sx;
            ReadOnlySpan<double> xs;
            ReadOnlySpan<int> blockOfPair;
            ReadOnlySpan<float> rankX;
            ReadOnlySpan<float> rankY;
            if (shared)
            {
                sx = frame.HeightSum;
                xs = frame.PairHeight.AsSpan(0, n);
                blockOfPair = frame.PairBlock.AsSpan(0, n);
                rankX = n >= 3 ? frame.HeightRanks : default;

                // The channel's split ranked it over exactly these pairs (it is finite at every one).
                rankY = channelOrder.Ranks;
            }
            else
            {
                // The pairs are the correlated members where this channel is finite too: its split ranked it among exactly
                // those (a non-finite value is in no order), by the region's pair; the heights are ranked among them here.
                ownBlocks = intPool.Rent(Math.Max(1, m));
                ownXs = doublePool.Rent(Math.Max(1, m));
                ownYs = floatPool.Rent(Math.Max(1, m));
                ownRankY = floatPool.Rent(Math.Max(1, m));
                var heights = floatPool.Rent(Math.Max(1, m));
                var correlated = frame.Correlated;
                var blockOf = frame.BlockOf;
                var pairOf = frame.PairOf;
                var channelRanks = channelOrder.Ranks;
                n = 0;
                sx = 0;
                sy = 0;
                for (var k = 0; k < m; k++)
                {
                    var i = members[k];
                    var v = data[i];
                    if (correlated[k] && float.IsFinite(v))
                    {
                        double h = height[i];
                        ownXs[n] = h;
                        heights[n] = height[i];
                        ownYs[n] = v;
                        ownBlocks[n] = blockOf[k];
                        ownRankY[n] = channelRanks[pairOf[k]];
                        sx += h;
                        sy += v;
                        n++;
                    }
                }

                xs = ownXs.AsSpan(0, n);
                blockOfPair = ownBlocks.AsSpan(0, n);
                if (n >= 3)
                {
                    ownRankX = floatPool.Rent(n);
                    Ranks(heights.AsSpan(0, n), ownRankX);
                }

                floatPool.Return(heights);
                rankX = ownRankX;
                rankY = ownRankY.AsSpan(0, n);
                ys = ownYs.AsSpan(0, n);
            }

            var none = new RegionCorrelation(region, channel.Name, n, null, null, null, null, null, null, null, null, null);
            if (n < 3)
            {
                return (none, double.NaN, double.NaN);
            }

            var mx = sx / n;
            var my = sy / n;
            double vx = 0, vy = 0;
            for (var p = 0; p < n; p++)
            {
                var dx = xs[p] - mx;
                var dy = ys[p] - my;
                vx += dx * dx;
                vy += dy * dy;
            }

            var sdx = Math.Sqrt(vx / n);
            var sdy = Math.Sqrt(vy / n);
            if (!(sdx > 0) || !(sdy > 0))
            {
                return (none, double.NaN, double.NaN);
            }

            // Block sums of standardised values and centred ranks into this channel's columns of the region's table.
            // Pairs come in raster order, so a block's pixels arrive in runs (a block's width along a row): each run
            // is summed in registers and added to the table once.
            var invX = 1 / sdx;
            var invY = 1 / sdy;
            var rankMean = (n + 1) / 2.0;
            var rankScale = 1.0 / n;
            var table = frame.Table;
            var stride = frame.Stride;
            var column = frame.Columns[channelIndex];
            double pxy = 0, pxx = 0, pyy = 0, rxy = 0, rxx = 0, ryy = 0;

            // The rank-binned joint histogram behind the mutual information, filled in the same pass.
            var bins = options.MutualInformationBins;
            var binScale = (double)bins / n;
            var joint = intPool.Rent(bins * bins);
            Array.Clear(joint, 0, bins * bins);
            var q = 0;
            while (q < n)
            {
                var block = blockOfPair[q];
                var start = q;
                double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, qa = 0, qb = 0, qaa = 0, qbb = 0, qab = 0;
                for (; q < n && blockOfPair[q] == block; q++)
                {
                    var a = (xs[q] - mx) * invX;
                    var b = (ys[q] - my) * invY;
                    var ra = (rankX[q] - rankMean) * rankScale;
                    var rb = (rankY[q] - rankMean) * rankScale;
                    joint[(RankBin(rankX[q], binScale, bins) * bins) + RankBin(rankY[q], binScale, bins)]++;
                    sa += a;
                    sb += b;
                    saa += a * a;
                    sbb += b * b;
                    sab += a * b;
                    qa += ra;
                    qb += rb;
                    qaa += ra * ra;
                    qbb += rb * rb;
                    qab += ra * rb;
                }

                var count = q - start;
                var o = (block * stride) + column;
                table[o] += count;
                table[o + 1] += sa;
                table[o + 2] += sb;
                table[o + 3] += saa;
                table[o + 4] += sbb;
                table[o + 5] += sab;
                table[o + 6] += count;
                table[o + 7] += qa;
                table[o + 8] += qb;
                table[o + 9] += qaa;
                table[o + 10] += qbb;
                table[o + 11] += qab;
                pxy += sab;
                pxx += saa;
                pyy += sbb;
                rxy += qab;
                rxx += qaa;
                ryy += qbb;
            }

            var pearson = Math.Clamp(pxy / Math.Sqrt(pxx * pyy), -1, 1);
            var spearman = rxx > 0 && ryy > 0 ? Math.Clamp(rxy / Math.Sqrt(rxx * ryy), -1, 1) : double.NaN;
            var mi = MutualInformation(joint.AsSpan(0, bins * bins), bins, n);
            intPool.Return(joint);
            return (new RegionCorrelation(region, channel.Name, n, pearson, null, null, null, Nullable(spearman), null, null, null, mi), pearson, spearman);
        }
        finally
        {
            if (ownBlocks is not null)
            {
                intPool.Return(ownBlocks);
                doublePool.Return(ownXs!);
                floatPool.Return(ownYs!);
                floatPool.Return(ownRankY!);
            }

            if (ownRankX is not null)
            {
                floatPool.Return(ownRankX);
            }
        }
    }

    /// <summary>
    /// <see cref="Correlate"/> for every channel of a region finite over all its correlated members (its table's
    /// <see cref="RegionFrame.SharedColumns"/>): their pairs' height side (the standardised heights' block sums, their rank
    /// bins and sums, σ) was summed once (<see cref="HeightSide"/>), and the channels' own sums go side by side in the lanes of
    /// 256-bit vectors, up to four channels a pass over the pairs. Each lane adds exactly what the per-channel pass added, in
    /// the same order, so the results are the same to the last bit; the pairs' heights, ranks and bins are read once for all.
    /// </summary>
    private static void CorrelateShared(RegionFrame frame, ReadOnlySpan<SortedChannel> orders, List<ChannelData> all, string region,
        AnalysisOptions options, Span<RegionCorrelation> correlations, Span<(double Pearson, double Spearman)> estimates)
    {
        var side = frame.Height!;
        var n = frame.Pairs;
        const int Lanes = 4;

        // Channels with spread (σ of each from one pass for up to four), in groups of up to four lanes.
        var live = new List<int>(correlations.Length);
        var means = new double[correlations.Length];
        var inverseSds = new double[correlations.Length];
        var candidates = new List<int>(correlations.Length);
        for (var c = 0; c < correlations.Length; c++)
        {
            if (frame.SharedColumns[c])
            {
                candidates.Add(c);
                means[c] = orders[c + 1].PairSum / n;
            }
        }

        Span<double> squares = stackalloc double[Lanes];
        for (var from = 0; from < candidates.Count; from += Lanes)
        {
            var group = candidates.GetRange(from, Math.Min(Lanes, candidates.Count - from));
            PopulationSquares(orders, group, means, n, squares);
            for (var g = 0; g < group.Count; g++)
            {
                var c = group[g];
                var sdy = Math.Sqrt(squares[g] / n);
                if (!(sdy > 0))
                {
                    correlations[c] = new RegionCorrelation(region, all[c + 1].Name, n, null, null, null, null, null, null, null, null, null);
                    estimates[c] = (double.NaN, double.NaN);
                    continue;
                }

                inverseSds[c] = 1 / sdy;
                live.Add(c);
            }
        }

        var bins = options.MutualInformationBins;
        var cells = bins * bins;
        for (var from = 0; from < live.Count; from += Lanes)
        {
            var group = live.GetRange(from, Math.Min(Lanes, live.Count - from));
            var joint = AnalysisPool<int>.Shared.Rent(2 * Lanes * cells);
            try
            {
                Array.Clear(joint, 0, 2 * Lanes * cells);
                var (pxy, pyy, rxy, ryy) = SharedPass(frame, side, orders, group, means, inverseSds, bins, joint, options.ParallelWithinFrame);
                for (var g = 0; g < group.Count; g++)
                {
                    var c = group[g];
                    var pearson = Math.Clamp(pxy[g] / Math.Sqrt(side.SumSquares * pyy[g]), -1, 1);
                    var rxx = side.RankSumSquares;
                    var spearman = rxx > 0 && ryy[g] > 0 ? Math.Clamp(rxy[g] / Math.Sqrt(rxx * ryy[g]), -1, 1) : double.NaN;

                    // The lane's two histograms (even and odd pairs) into one.
                    var own = joint.AsSpan(2 * g * cells, 2 * cells);
                    for (var cell = 0; cell < cells; cell++)
                    {
                        own[cell] += own[cells + cell];
                    }

                    var mi = MutualInformation(own[..cells], bins, n);
                    correlations[c] = new RegionCorrelation(region, all[c + 1].Name, n, pearson, null, null, null, Nullable(spearman), null, null, null, mi);
                    estimates[c] = (pearson, spearman);
                }
            }
            finally
            {
                AnalysisPool<int>.Shared.Return(joint);
            }
        }
    }

    /// <summary>Four channels' values of one pair as doubles (exact): one conversion of the four where the processor has it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Widen(float y0, float y1, float y2, float y3) =>
        Avx.IsSupported ? Avx.ConvertToVector256Double(Vector128.Create(y0, y1, y2, y3)) : Vector256.Create(y0, (double)y1, y2, y3);

    /// <summary>
    /// Four rows of four (a channel's four consecutive pairs each) into <paramref name="columns"/>: column j holds element j of
    /// each row (pair j's four channels), in row order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose(Vector128<float> r0, Vector128<float> r1, Vector128<float> r2, Vector128<float> r3, Span<Vector128<float>> columns)
    {
        if (columns.Length < 4)
        {
            throw new ArgumentException($"Four columns are written; {columns.Length} given.", nameof(columns));
        }

        if (Sse.IsSupported)
        {
            // (r0₀ r1₀ r0₁ r1₁), (r2₀ r3₀ r2₁ r3₁), (r0₂ r1₂ r0₃ r1₃), (r2₂ r3₂ r2₃ r3₃); then their low and high halves paired.
            var low01 = Sse.UnpackLow(r0, r1);
            var low23 = Sse.UnpackLow(r2, r3);
            var high01 = Sse.UnpackHigh(r0, r1);
            var high23 = Sse.UnpackHigh(r2, r3);
            columns[0] = Sse.MoveLowToHigh(low01, low23);
            columns[1] = Sse.MoveHighToLow(low23, low01);
            columns[2] = Sse.MoveLowToHigh(high01, high23);
            columns[3] = Sse.MoveHighToLow(high23, high01);
            return;
        }

        for (var j = 0; j < 4; j++)
        {
            columns[j] = Vector128.Create(r0.GetElement(j), r1.GetElement(j), r2.GetElement(j), r3.GetElement(j));
        }
    }

    /// <summary>Per lane (channel of <paramref name="group"/>), Σ(y − mean)² over the pairs, one pair after another in pair order.</summary>
    private static void PopulationSquares(ReadOnlySpan<SortedChannel> orders, List<int> group, double[] means, int n, Span<double> squares)
    {
        var ys = new float[4][];
        var mean = new double[4];
        for (var g = 0; g < 4; g++)
        {
            // Unused lanes repeat the first channel; their sums are not read.
            var c = group[Math.Min(g, group.Count - 1)];
            ys[g] = orders[c + 1].PairValueArray;
            mean[g] = means[c];
        }

        float[] y0 = ys[0], y1 = ys[1], y2 = ys[2], y3 = ys[3];
        if (y0.Length < n || y1.Length < n || y2.Length < n || y3.Length < n)
        {
            throw new InvalidOperationException("A channel's pair values are shorter than the region's pairs.");
        }

        var m = Vector256.Create(mean[0], mean[1], mean[2], mean[3]);
        var sum = Vector256<double>.Zero;
        for (var q = 0; q < n; q++)
        {
            var d = Widen(y0[q], y1[q], y2[q], y3[q]) - m;
            sum += d * d;
        }

        for (var g = 0; g < group.Count; g++)
        {
            squares[g] = sum.GetElement(g);
        }
    }

    /// <summary>
    /// The pass over the pairs for up to four channels sharing the height side: their block sums into the table (run after run,
    /// as <see cref="Correlate"/> adds them), their joint rank-bin histograms (two per lane, even and odd pairs, so
    /// consecutive increments of a counter need not wait on each other), and per lane the totals Σab, Σb², Σrs, Σs².
    /// A large region's runs are taken in two halves side by side when <paramref name="parallel"/>: every run's sums start from
    /// zero, so the later half's are the same numbers; they wait in a buffer and are added to the table and the totals after the
    /// earlier half's, in run order, as one pass adds them. The histograms are counts: the later half's are added to the earlier's.
    /// </summary>
    private static (double[] Pxy, double[] Pyy, double[] Rxy, double[] Ryy) SharedPass(RegionFrame frame, HeightSide side,
        ReadOnlySpan<SortedChannel> orders, List<int> group, double[] means, double[] inverseSds, int bins, int[] joint, bool parallel)
    {
        var pass = new SharedRuns(frame, side, orders, group, means, inverseSds, bins);
        var totals = new Vector256<double>[4];
        var later = parallel && frame.Pairs >= SharedRuns.ParallelPairs ? side.RunAfter(frame.Pairs / 2) : side.Runs;
        if (later <= 0 || later >= side.Runs)
        {
            pass.Sum(0, side.Runs, joint, null, totals);
        }
        else
        {
            var buffered = AnalysisPool<double>.Shared.Rent((side.Runs - later) * SharedRuns.RunDoubles);
            var laterJoint = AnalysisPool<int>.Shared.Rent(joint.Length);
            try
            {
                Array.Clear(laterJoint);
                FrameWork.Both(true,
                    () => pass.Sum(0, later, joint, null, totals),
                    () => pass.Sum(later, side.Runs, laterJoint, buffered, null));
                pass.AddBuffered(later, side.Runs, buffered, totals);
                for (var i = 0; i < joint.Length; i++)
                {
                    joint[i] += laterJoint[i];
                }
            }
            finally
            {
                AnalysisPool<double>.Shared.Return(buffered);
                AnalysisPool<int>.Shared.Return(laterJoint);
            }
        }

        var lanes = group.Count;
        return (Lane(totals[0], lanes), Lane(totals[1], lanes), Lane(totals[2], lanes), Lane(totals[3], lanes));

        static double[] Lane(Vector256<double> v, int lanes)
        {
            var values = new double[lanes];
            for (var g = 0; g < lanes; g++)
            {
                values[g] = v.GetElement(g);
            }

            return values;
        }
    }

    /// <summary>What <see cref="SharedPass"/> reads for up to four channels, and its pass over a range of the height side's runs.</summary>
    private sealed class SharedRuns
    {
        /// <summary>Pairs from which a region's pass is split in two halves (each half then takes a fraction of a millisecond or more).</summary>
        public const int ParallelPairs = 1 << 15;

        /// <summary>Doubles a buffered run takes: six sums of four lanes.</summary>
        public const int RunDoubles = 6 * 4;

        private readonly RegionFrame _frame;
        private readonly HeightSide _side;
        private readonly float[] _y0, _y1, _y2, _y3, _s0, _s1, _s2, _s3;
        private readonly int[] _columns = new int[4];
        private readonly int _lanes;
        private readonly int _bins;
        private readonly Vector256<double> _my, _invY;

        public SharedRuns(RegionFrame frame, HeightSide side, ReadOnlySpan<SortedChannel> orders, List<int> group, double[] means, double[] inverseSds, int bins)
        {
            var n = frame.Pairs;
            var ys = new float[4][];
            var ranks = new float[4][];
            var mean = new double[4];
            var inverse = new double[4];
            for (var g = 0; g < 4; g++)
            {
                var c = group[Math.Min(g, group.Count - 1)];
                ys[g] = orders[c + 1].PairValueArray;
                ranks[g] = orders[c + 1].RankArray;
                _columns[g] = frame.Columns[c];
                mean[g] = means[c];
                inverse[g] = inverseSds[c];
            }

            (_y0, _y1, _y2, _y3) = (ys[0], ys[1], ys[2], ys[3]);
            (_s0, _s1, _s2, _s3) = (ranks[0], ranks[1], ranks[2], ranks[3]);
            if (_y0.Length < n || _y1.Length < n || _y2.Length < n || _y3.Length < n || _s0.Length < n || _s1.Length < n || _s2.Length < n || _s3.Length < n)
            {
                throw new InvalidOperationException("A channel's pairs are shorter than the region's.");
            }

            (_frame, _side, _lanes, _bins) = (frame, side, group.Count, bins);
            _my = Vector256.Create(mean[0], mean[1], mean[2], mean[3]);
            _invY = Vector256.Create(inverse[0], inverse[1], inverse[2], inverse[3]);
        }

        /// <summary>
        /// Runs <paramref name="firstRun"/> up to <paramref name="endRun"/>: their pairs into <paramref name="joint"/>, and their sums
        /// into the table and <paramref name="totals"/> (Σab, Σb², Σrs, Σs² per lane), or, given <paramref name="buffer"/>, into it
        /// (<see cref="RunDoubles"/> a run) for <see cref="AddBuffered"/>.
        /// </summary>
        public void Sum(int firstRun, int endRun, int[] joint, double[]? buffer, Vector256<double>[]? totals)
        {
            // The totals in registers while the runs are added (written back at the end: the same adds in the same order).
            Vector256<double> pxy = default, pyy = default, rxy = default, ryy = default;
            if (totals is not null)
            {
                (pxy, pyy, rxy, ryy) = (totals[0], totals[1], totals[2], totals[3]);
            }

            var side = _side;
            var n = _frame.Pairs;
            var cells = _bins * _bins;
            if (firstRun < 0 || endRun > side.Runs || (endRun > firstRun && side.RunEnd[endRun - 1] > n) || joint.Length < 8 * cells)
            {
                throw new ArgumentOutOfRangeException(nameof(endRun), $"Runs {firstRun} to {endRun} of {side.Runs} over {n} pairs, or a joint histogram of {joint.Length} counts, do not fit.");
            }

            // Unchecked indexing below: every run ends within the pairs (checked above), each channel's arrays hold them all (checked
            // when this was made), and every cell lies in its lane's two histograms.
            ref var y0 = ref MemoryMarshal.GetArrayDataReference(_y0);
            ref var y1 = ref MemoryMarshal.GetArrayDataReference(_y1);
            ref var y2 = ref MemoryMarshal.GetArrayDataReference(_y2);
            ref var y3 = ref MemoryMarshal.GetArrayDataReference(_y3);
            ref var s0 = ref MemoryMarshal.GetArrayDataReference(_s0);
            ref var s1 = ref MemoryMarshal.GetArrayDataReference(_s1);
            ref var s2 = ref MemoryMarshal.GetArrayDataReference(_s2);
            ref var s3 = ref MemoryMarshal.GetArrayDataReference(_s3);
            ref var xs = ref MemoryMarshal.GetArrayDataReference(_frame.PairHeight);
            ref var rankX = ref MemoryMarshal.GetReference(_frame.HeightRanks);
            ref var binX = ref MemoryMarshal.GetArrayDataReference(side.Bins);
            ref var joint0 = ref MemoryMarshal.GetArrayDataReference(joint);
            if (_frame.PairHeight.Length < n || _frame.HeightRanks.Length < n || side.Bins.Length < n)
            {
                throw new InvalidOperationException("The region's height side is shorter than its pairs.");
            }

            var mx = side.Mean;
            var invX = side.InverseSd;
            var rankMean = (n + 1) / 2.0;
            var rankScale = 1.0 / n;
            var binScale = (double)_bins / n;
            var (my, invY) = (_my, _invY);
            var rankMeanV = Vector256.Create(rankMean);
            var rankScaleV = Vector256.Create(rankScale);
            var one = Vector256.Create(1.0);
            var binScaleV = Vector256.Create(binScale);
            var lastBin = Vector256.Create((long)(_bins - 1));
            var laneCells = Vector256.Create(0L, 2 * cells, 4 * cells, 6 * cells);
            var lastBin32 = Vector128.Create(_bins - 1);
            var laneCells32 = Vector128.Create(0, 2 * cells, 4 * cells, 6 * cells);
            var narrow = Avx.IsSupported;

            // Four pairs' values and ranks of the four channels, transposed to one vector per pair (lane = channel): four loads a
            // channel instead of sixteen single values put together lane by lane. Converted to double one pair at a time, as Widen.
            Span<Vector128<float>> fourY = stackalloc Vector128<float>[4];
            Span<Vector128<float>> fourS = stackalloc Vector128<float>[4];
            var q = firstRun == 0 ? 0 : side.RunEnd[firstRun - 1];
            for (var run = firstRun; run < endRun; run++)
            {
                var end = side.RunEnd[run];
                Vector256<double> sb = default, sbb = default, sab = default, qb = default, qbb = default, qab = default;
                // Fours are taken only where four pairs are left in the run: none is left over at its end.
                int left = 0, next = 0;
                for (; q < end; q++)
                {
                    if (left == 0 && narrow && end - q >= 4)
                    {
                        Transpose(Vector128.LoadUnsafe(ref y0, (nuint)q), Vector128.LoadUnsafe(ref y1, (nuint)q), Vector128.LoadUnsafe(ref y2, (nuint)q),
                            Vector128.LoadUnsafe(ref y3, (nuint)q), fourY);
                        Transpose(Vector128.LoadUnsafe(ref s0, (nuint)q), Vector128.LoadUnsafe(ref s1, (nuint)q), Vector128.LoadUnsafe(ref s2, (nuint)q),
                            Vector128.LoadUnsafe(ref s3, (nuint)q), fourS);
                        (left, next) = (4, 0);
                    }

                    Vector256<double> y, ry;
                    if (left > 0)
                    {
                        y = Avx.ConvertToVector256Double(fourY[next]);
                        ry = Avx.ConvertToVector256Double(fourS[next]);
                        next++;
                        left--;
                    }
                    else
                    {
                        y = Widen(Unsafe.Add(ref y0, q), Unsafe.Add(ref y1, q), Unsafe.Add(ref y2, q), Unsafe.Add(ref y3, q));
                        ry = Widen(Unsafe.Add(ref s0, q), Unsafe.Add(ref s1, q), Unsafe.Add(ref s2, q), Unsafe.Add(ref s3, q));
                    }

                    var a = Vector256.Create((Unsafe.Add(ref xs, q) - mx) * invX);
                    var ra = Vector256.Create((Unsafe.Add(ref rankX, q) - rankMean) * rankScale);
                    var b = (y - my) * invY;
                    var rb = (ry - rankMeanV) * rankScaleV;

                    // Each lane's rank bin, as RankBin: (rank − 1) · bins / n, truncated (it is never negative, and below 2³¹: the
                    // plain 32-bit truncation, with none of the saturating conversion's fix-ups), at most bins − 1; then its cell
                    // in the lane's histogram for this pair's parity.
                    var row = Unsafe.Add(ref binX, q) + ((q & 1) * cells);
                    if (narrow)
                    {
                        var cell = Vector128.Min(Avx.ConvertToVector128Int32WithTruncation((ry - one) * binScaleV), lastBin32)
                            + Vector128.Create(row) + laneCells32;
                        Unsafe.Add(ref joint0, cell.ToScalar())++;
                        Unsafe.Add(ref joint0, cell.GetElement(1))++;
                        Unsafe.Add(ref joint0, cell.GetElement(2))++;
                        Unsafe.Add(ref joint0, cell.GetElement(3))++;
                    }
                    else
                    {
                        var cell = Vector256.Min(Vector256.ConvertToInt64((ry - one) * binScaleV), lastBin) + Vector256.Create((long)row) + laneCells;
                        Unsafe.Add(ref joint0, (nint)cell.GetElement(0))++;
                        Unsafe.Add(ref joint0, (nint)cell.GetElement(1))++;
                        Unsafe.Add(ref joint0, (nint)cell.GetElement(2))++;
                        Unsafe.Add(ref joint0, (nint)cell.GetElement(3))++;
                    }

                    sb += b;
                    sbb += b * b;
                    sab += a * b;
                    qb += rb;
                    qbb += rb * rb;
                    qab += ra * rb;
                }

                if (buffer is null)
                {
                    AddRun(run, sb, sbb, sab, qb, qbb, qab, ref pxy, ref pyy, ref rxy, ref ryy);
                    continue;
                }

                var at = (run - firstRun) * RunDoubles;
                sb.CopyTo(buffer, at);
                sbb.CopyTo(buffer, at + 4);
                sab.CopyTo(buffer, at + 8);
                qb.CopyTo(buffer, at + 12);
                qbb.CopyTo(buffer, at + 16);
                qab.CopyTo(buffer, at + 20);
            }

            if (totals is not null)
            {
                (totals[0], totals[1], totals[2], totals[3]) = (pxy, pyy, rxy, ryy);
            }
        }

        /// <summary>The buffered sums of runs <paramref name="firstRun"/> up to <paramref name="endRun"/>, added in run order.</summary>
        public void AddBuffered(int firstRun, int endRun, double[] buffer, Vector256<double>[] totals)
        {
            var (pxy, pyy, rxy, ryy) = (totals[0], totals[1], totals[2], totals[3]);
            for (var run = firstRun; run < endRun; run++)
            {
                var at = (run - firstRun) * RunDoubles;
                AddRun(run, Vector256.Create(buffer.AsSpan(at)), Vector256.Create(buffer.AsSpan(at + 4)), Vector256.Create(buffer.AsSpan(at + 8)),
                    Vector256.Create(buffer.AsSpan(at + 12)), Vector256.Create(buffer.AsSpan(at + 16)), Vector256.Create(buffer.AsSpan(at + 20)),
                    ref pxy, ref pyy, ref rxy, ref ryy);
            }

            (totals[0], totals[1], totals[2], totals[3]) = (pxy, pyy, rxy, ryy);
        }

        /// <summary>One run's sums into its block's row of the table, and into the totals.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void AddRun(int run, Vector256<double> sb, Vector256<double> sbb, Vector256<double> sab, Vector256<double> qb, Vector256<double> qbb,
            Vector256<double> qab, ref Vector256<double> pxy, ref Vector256<double> pyy, ref Vector256<double> rxy, ref Vector256<double> ryy)
        {
            var table = _frame.Table;
            var block = _side.RunBlock[run] * _frame.Stride;
            for (var g = 0; g < _lanes; g++)
            {
                // The height's columns (n, Σa, Σa², Σr, Σr²) are the region's, filled once from the height side.
                var o = block + _columns[g];
                table[o] += sb.GetElement(g);
                table[o + 1] += sbb.GetElement(g);
                table[o + 2] += sab.GetElement(g);
                table[o + 3] += qb.GetElement(g);
                table[o + 4] += qbb.GetElement(g);
                table[o + 5] += qab.GetElement(g);
            }

            pxy += sab;
            pyy += sbb;
            rxy += qab;
            ryy += qbb;
        }
    }

    /// <summary>Block bootstrap of every region's r and ρ, all channels of a region per resample, chunks of resamples in parallel.</summary>
    private static void Bootstrap(RegionFrame[] frames, (double Pearson, double Spearman)[] estimates, RegionCorrelation[] correlations, double[]?[] draws,
        int channels, AnalysisOptions options)
    {
        var resamples = options.BootstrapResamples;
        if (resamples < 10 || channels == 0)
        {
            return;
        }

        var spearmanDraws = new double[draws.Length][];
        var work = new List<(int Region, int From, int To)>();
        for (var r = 0; r < RegionCount; r++)
        {
            if (frames[r].Blocks < 2)
            {
                continue;
            }

            for (var c = 0; c < channels; c++)
            {
                if (double.IsFinite(estimates[(r * channels) + c].Pearson))
                {
                    draws[(r * channels) + c] = new double[resamples];
                    spearmanDraws[(r * channels) + c] = new double[resamples];
                }
            }

            for (var from = 0; from < resamples; from += ResampleChunk)
            {
                work.Add((r, from, Math.Min(resamples, from + ResampleChunk)));
            }
        }

        Parallel.ForEach(work, item =>
        {
            var frame = frames[item.Region];
            var stride = frame.Stride;
            var blocks = frame.Blocks;
            var table = frame.Table.AsSpan(0, blocks * stride);
            Span<double> acc = stackalloc double[2 * stride];
            var accA = acc[..stride];
            var accB = acc[stride..];

            // Two resamples' draws side by side (each padded to whole vectors of draws), so one sweep adds both.
            var padded = (blocks + 15) / 16 * 16;
            var offsets = AnalysisPool<int>.Shared.Rent(2 * padded);
            try
            {
                var offsetsA = offsets.AsSpan(0, padded);
                var offsetsB = offsets.AsSpan(padded, padded);
                for (var b = item.From; b < item.To; b += 2)
                {
                    var both = b + 1 < item.To;
                    Draw(ResampleSeed(options.BootstrapSeed, item.Region, b), blocks, stride, offsetsA);
                    if (both)
                    {
                        Draw(ResampleSeed(options.BootstrapSeed, item.Region, b + 1), blocks, stride, offsetsB);
                        SumRows(table, offsetsA[..blocks], offsetsB[..blocks], accA, accB);
                    }
                    else
                    {
                        SumRows(table, offsetsA[..blocks], accA);
                    }

                    Record(frame, item.Region, b, accA);
                    if (both)
                    {
                        Record(frame, item.Region, b + 1, accB);
                    }
                }
            }
            finally
            {
                AnalysisPool<int>.Shared.Return(offsets);
            }
        });

        // Resample b's r and ρ of every channel of the region from its sums.
        void Record(RegionFrame frame, int region, int b, ReadOnlySpan<double> acc)
        {
            for (var c = 0; c < channels; c++)
            {
                var slot = (region * channels) + c;
                if (draws[slot] is { } pearsonDraws)
                {
                    var column = frame.Columns[c];
                    if (frame.SharedColumns[c])
                    {
                        // n, Σa, Σa², Σr, Σr² from the region's height columns; Σb, Σb², Σab, Σs, Σs², Σrs its own.
                        pearsonDraws[b] = FromSums(acc[0], acc[1], acc[column], acc[2], acc[column + 1], acc[column + 2]);
                        spearmanDraws[slot]![b] = FromSums(acc[0], acc[3], acc[column + 3], acc[4], acc[column + 4], acc[column + 5]);
                    }
                    else
                    {
                        pearsonDraws[b] = FromSums(acc[column], acc[column + 1], acc[column + 2], acc[column + 3], acc[column + 4], acc[column + 5]);
                        spearmanDraws[slot]![b] = FromSums(acc[column + 6], acc[column + 7], acc[column + 8], acc[column + 9], acc[column + 10], acc[column + 11]);
                    }
                }
            }
        }

        for (var slot = 0; slot < draws.Length; slot++)
        {
            if (draws[slot] is not { } pearsonDraws)
            {
                continue;
            }

            var (pLow, pHigh, pP) = Interval(estimates[slot].Pearson, pearsonDraws);
            var (sLow, sHigh, sP) = Interval(estimates[slot].Spearman, spearmanDraws[slot]!);
            correlations[slot] = correlations[slot] with
            {
                PearsonLow = pLow, PearsonHigh = pHigh, PearsonP = pP, SpearmanLow = sLow, SpearmanHigh = sHigh, SpearmanP = sP,
            };
        }
    }

    /// <summary>
    /// <paramref name="acc"/> = the sum of the table rows starting at <paramref name="offsets"/>, added in that order (so
    /// every column is the same sum, to the last bit, as adding the rows one after the other). Columns go 32 at a time
    /// in four 512-bit registers (the last up to 24 in as many as they need), all drawn rows through them, rather than each row into a running sum in memory, whose
    /// every addition would wait on the store of the one before.
    /// </summary>
    internal static void SumRows(ReadOnlySpan<double> table, ReadOnlySpan<int> offsets, Span<double> acc)
    {
        acc.Clear();
        var column = 0;
        if (VectorWidth.Has512)
        {
            ref var t = ref MemoryMarshal.GetReference(table);
            ref var a = ref MemoryMarshal.GetReference(acc);
            var lanes = Vector512<double>.Count;
            for (; column + (4 * lanes) <= acc.Length; column += 4 * lanes)
            {
                Vector512<double> a0 = default, a1 = default, a2 = default, a3 = default;
                foreach (var o in offsets)
                {
                    var at = (nuint)(o + column);
                    a0 += Vector512.LoadUnsafe(ref t, at);
                    a1 += Vector512.LoadUnsafe(ref t, at + (nuint)lanes);
                    a2 += Vector512.LoadUnsafe(ref t, at + (nuint)(2 * lanes));
                    a3 += Vector512.LoadUnsafe(ref t, at + (nuint)(3 * lanes));
                }

                a0.StoreUnsafe(ref a, (nuint)column);
                a1.StoreUnsafe(ref a, (nuint)(column + lanes));
                a2.StoreUnsafe(ref a, (nuint)(column + (2 * lanes)));
                a3.StoreUnsafe(ref a, (nuint)(column + (3 * lanes)));
            }

            // The rest (up to three vectors) in one sweep of the drawn rows too.
            switch ((acc.Length - column) / lanes)
            {
                case 3:
                {
                    Vector512<double> a0 = default, a1 = default, a2 = default;
                    foreach (var o in offsets)
                    {
                        var at = (nuint)(o + column);
                        a0 += Vector512.LoadUnsafe(ref t, at);
                        a1 += Vector512.LoadUnsafe(ref t, at + (nuint)lanes);
                        a2 += Vector512.LoadUnsafe(ref t, at + (nuint)(2 * lanes));
                    }

                    a0.StoreUnsafe(ref a, (nuint)column);
                    a1.StoreUnsafe(ref a, (nuint)(column + lanes));
                    a2.StoreUnsafe(ref a, (nuint)(column + (2 * lanes)));
                    column += 3 * lanes;
                    break;
                }

                case 2:
                {
                    Vector512<double> a0 = default, a1 = default;
                    foreach (var o in offsets)
                    {
                        var at = (nuint)(o + column);
                        a0 += Vector512.LoadUnsafe(ref t, at);
                        a1 += Vector512.LoadUnsafe(ref t, at + (nuint)lanes);
                    }

                    a0.StoreUnsafe(ref a, (nuint)column);
                    a1.StoreUnsafe(ref a, (nuint)(column + lanes));
                    column += 2 * lanes;
                    break;
                }

                case 1:
                {
                    Vector512<double> a0 = default;
                    foreach (var o in offsets)
                    {
                        a0 += Vector512.LoadUnsafe(ref t, (nuint)(o + column));
                    }

                    a0.StoreUnsafe(ref a, (nuint)column);
                    column += lanes;
                    break;
                }

                default:
                    break;
            }

            if (column == acc.Length)
            {
                return;
            }
        }

        // Without 512-bit vectors (or for a ragged tail): row after row, as the bootstrap always did.
        var rest = acc[column..];
        foreach (var o in offsets)
        {
            Add(rest, table.Slice(o + column, rest.Length));
        }
    }

    /// <summary>
    /// <see cref="SumRows(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double})"/> for two resamples at once (as many draws
    /// each): every column of each is added in its own draw order, as alone, but the two resamples' chains of additions
    /// run side by side, so each addition need not wait on the one before it. Rows up to three 512-bit vectors wide; wider ones
    /// (or without 512-bit vectors) one resample after the other.
    /// </summary>
    internal static void SumRows(ReadOnlySpan<double> table, ReadOnlySpan<int> offsetsA, ReadOnlySpan<int> offsetsB, Span<double> accA, Span<double> accB)
    {
        var lanes = Vector512<double>.Count;
        var width = accA.Length;
        if (!VectorWidth.Has512 || width % lanes != 0 || width > 3 * lanes || accB.Length != width || offsetsB.Length != offsetsA.Length)
        {
            SumRows(table, offsetsA, accA);
            SumRows(table, offsetsB, accB);
            return;
        }

        var rows = table.Length;
        ref var t = ref MemoryMarshal.GetReference(table);
        ref var a = ref MemoryMarshal.GetReference(offsetsA);
        ref var b = ref MemoryMarshal.GetReference(offsetsB);
        var count = offsetsA.Length;
        for (var k = 0; k < count; k++)
        {
            // The unchecked loads below stay inside the table.
            if ((uint)Unsafe.Add(ref a, k) > (uint)(rows - width) || (uint)Unsafe.Add(ref b, k) > (uint)(rows - width))
            {
                throw new ArgumentOutOfRangeException(nameof(offsetsA), "A drawn row lies outside the table.");
            }
        }

        switch (width / lanes)
        {
            case 3:
            {
                Vector512<double> a0 = default, a1 = default, a2 = default, b0 = default, b1 = default, b2 = default;
                for (var k = 0; k < count; k++)
                {
                    var oa = (nuint)Unsafe.Add(ref a, k);
                    var ob = (nuint)Unsafe.Add(ref b, k);
                    a0 += Vector512.LoadUnsafe(ref t, oa);
                    a1 += Vector512.LoadUnsafe(ref t, oa + (nuint)lanes);
                    a2 += Vector512.LoadUnsafe(ref t, oa + (nuint)(2 * lanes));
                    b0 += Vector512.LoadUnsafe(ref t, ob);
                    b1 += Vector512.LoadUnsafe(ref t, ob + (nuint)lanes);
                    b2 += Vector512.LoadUnsafe(ref t, ob + (nuint)(2 * lanes));
                }

                a0.CopyTo(accA);
                a1.CopyTo(accA[lanes..]);
                a2.CopyTo(accA[(2 * lanes)..]);
                b0.CopyTo(accB);
                b1.CopyTo(accB[lanes..]);
                b2.CopyTo(accB[(2 * lanes)..]);
                break;
            }

            case 2:
            {
                Vector512<double> a0 = default, a1 = default, b0 = default, b1 = default;
                for (var k = 0; k < count; k++)
                {
                    var oa = (nuint)Unsafe.Add(ref a, k);
                    var ob = (nuint)Unsafe.Add(ref b, k);
                    a0 += Vector512.LoadUnsafe(ref t, oa);
                    a1 += Vector512.LoadUnsafe(ref t, oa + (nuint)lanes);
                    b0 += Vector512.LoadUnsafe(ref t, ob);
                    b1 += Vector512.LoadUnsafe(ref t, ob + (nuint)lanes);
                }

                a0.CopyTo(accA);
                a1.CopyTo(accA[lanes..]);
                b0.CopyTo(accB);
                b1.CopyTo(accB[lanes..]);
                break;
            }

            default:
            {
                Vector512<double> a0 = default, b0 = default;
                for (var k = 0; k < count; k++)
                {
                    a0 += Vector512.LoadUnsafe(ref t, (nuint)Unsafe.Add(ref a, k));
                    b0 += Vector512.LoadUnsafe(ref t, (nuint)Unsafe.Add(ref b, k));
                }

                a0.CopyTo(accA);
                b0.CopyTo(accB);
                break;
            }
        }
    }

    /// <summary>The seed of resample <paramref name="resample"/> of <paramref name="region"/>: fixed by the options, the region and the resample only.</summary>
    internal static ulong ResampleSeed(ulong seed, int region, int resample) =>
        seed ^ (0x9E3779B97F4A7C15UL * (ulong)(region + 1)) ^ (0xD1B54A32D192ED03UL * (ulong)(resample + 1));

    /// <summary>
    /// A resample's <paramref name="blocks"/> draws in [0, blocks), times <paramref name="stride"/>, into <paramref name="offsets"/>
    /// (at least <paramref name="blocks"/> rounded up to 16 long; what lies past the draws is scratch): draws 2j and 2j + 1 are the
    /// high and low halves of <see cref="SplitMix64"/>'s output j from <paramref name="seed"/>, as
    /// <see cref="SplitMix64.NextIntPair(int)"/> and, for an odd count, <see cref="SplitMix64.NextInt(int)"/> give them. Output j
    /// depends on j alone (the generator's state only steps by a constant), so eight are mixed at once in 512-bit vectors.
    /// </summary>
    internal static void Draw(ulong seed, int blocks, int stride, Span<int> offsets)
    {
        var outputs = (blocks + 1) / 2;
        if (offsets.Length < (blocks + 15) / 16 * 16)
        {
            throw new ArgumentOutOfRangeException(nameof(offsets), $"{offsets.Length} slots for {blocks} draws; at least {(blocks + 15) / 16 * 16} are needed.");
        }

        // Little-endian: a word's low half is the earlier of its two draws.
        var words = MemoryMarshal.Cast<int, ulong>(offsets);
        var j = 0;
        if (VectorWidth.Has512 && BitConverter.IsLittleEndian)
        {
            var lanes = Vector512<ulong>.Count;
            var state = Vector512.Create(seed) + (Vector512.Create(1UL, 2, 3, 4, 5, 6, 7, 8) * Vector512.Create(SplitMix64.Gamma));
            var step = Vector512.Create(SplitMix64.Gamma * (ulong)lanes);
            var bound = Vector512.Create((ulong)blocks);
            var scale = Vector512.Create((ulong)stride);
            var low = Vector512.Create(0xFFFF_FFFFUL);
            for (; j < outputs; j += lanes)
            {
                var z = state;
                z = (z ^ (z >> 30)) * Vector512.Create(0xBF58476D1CE4E5B9UL);
                z = (z ^ (z >> 27)) * Vector512.Create(0x94D049BB133111EBUL);
                z ^= z >> 31;
                var first = ((z >> 32) * bound) >> 32;
                var second = ((z & low) * bound) >> 32;
                ((first * scale) | ((second * scale) << 32)).StoreUnsafe(ref MemoryMarshal.GetReference(words), (nuint)j);
                state += step;
            }

            return;
        }

        var random = new SplitMix64(seed);
        for (var k = 0; k + 1 < blocks; k += 2)
        {
            var (first, second) = random.NextIntPair(blocks);
            offsets[k] = first * stride;
            offsets[k + 1] = second * stride;
        }

        if (blocks % 2 == 1)
        {
            offsets[blocks - 1] = random.NextInt(blocks) * stride;
        }
    }

    private static void Add(Span<double> acc, ReadOnlySpan<double> block)
    {
        var k = 0;
        if (VectorWidth.Has512)
        {
            // The table's stride is a whole number of 512-bit vectors here (RegionFrame pads it to the widest one used).
            ref var a = ref MemoryMarshal.GetReference(acc);
            ref var b = ref MemoryMarshal.GetReference(block);
            for (; k + Vector512<double>.Count <= acc.Length; k += Vector512<double>.Count)
            {
                (Vector512.LoadUnsafe(ref a, (nuint)k) + Vector512.LoadUnsafe(ref b, (nuint)k)).StoreUnsafe(ref a, (nuint)k);
            }
        }
        else if (Vector.IsHardwareAccelerated)
        {
            var accVectors = MemoryMarshal.Cast<double, Vector<double>>(acc);
            var blockVectors = MemoryMarshal.Cast<double, Vector<double>>(block);
            for (var v = 0; v < accVectors.Length; v++)
            {
                accVectors[v] += blockVectors[v];
            }

            k = accVectors.Length * Vector<double>.Count;
        }

        for (; k < acc.Length; k++)
        {
            acc[k] += block[k];
        }
    }

    private static double FromSums(double n, double sx, double sy, double sxx, double syy, double sxy)
    {
        var cov = sxy - (sx * sy / n);
        var vx = sxx - (sx * sx / n);
        var vy = syy - (sy * sy / n);
        return vx > 0 && vy > 0 ? Math.Clamp(cov / Math.Sqrt(vx * vy), -1, 1) : double.NaN;
    }

    /// <summary>Percentile 95% interval and a two-sided p-value from the bootstrap σ of Fisher's z.</summary>
    private static (double? Low, double? High, double? P) Interval(double estimate, double[] draws)
    {
        var buffer = AnalysisPool<double>.Shared.Rent(draws.Length);
        try
        {
            return IntervalOfSorted(estimate, SortedFinite(draws, buffer));
        }
        finally
        {
            AnalysisPool<double>.Shared.Return(buffer);
        }
    }

    private static (double? Low, double? High, double? P) IntervalOfSorted(double estimate, ReadOnlySpan<double> finite)
    {
        if (finite.Length < 10 || double.IsNaN(estimate))
        {
            return (null, null, null);
        }

        var low = Percentile(finite, 0.025);
        var high = Percentile(finite, 0.975);
        double sum = 0, sum2 = 0;
        foreach (var d in finite)
        {
            var z = Math.Atanh(Math.Clamp(d, -0.999999, 0.999999));
            sum += z;
            sum2 += z * z;
        }

        var mean = sum / finite.Length;
        var sd = Math.Sqrt(Math.Max(0, (sum2 / finite.Length) - (mean * mean)));
        var zEstimate = Math.Atanh(Math.Clamp(estimate, -0.999999, 0.999999));
        var p = sd > 0 ? Normal.TwoSidedP(zEstimate / sd) : (zEstimate == 0 ? 1 : 0);
        return (low, high, p);
    }

    /// <summary>
    /// The finite ones of <paramref name="values"/> in ascending order, in <paramref name="buffer"/> (at least as long; it may
    /// be the values' own array): a rented place rather than a sorted copy per interval. The sort is not stable, but equal
    /// values are the same bits except ±0, whose order changes no percentile (x + f·(y − x) is +0 for any of them) and no
    /// sum (+0 + −0 is +0): the results are those of a stable sort.
    /// </summary>
    private static Span<double> SortedFinite(ReadOnlySpan<double> values, double[] buffer)
    {
        var sorted = Finite(values, buffer);
        sorted.Sort();
        return sorted;
    }

    internal static double Percentile(ReadOnlySpan<double> sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var i = (int)Math.Floor(position);
        var f = position - i;
        return i + 1 < sorted.Length ? sorted[i] + (f * (sorted[i + 1] - sorted[i])) : sorted[i];
    }

    /// <summary>The finite ones of <paramref name="values"/>, in their order, in <paramref name="buffer"/> (at least as long; it may be the values' own array).</summary>
    private static Span<double> Finite(ReadOnlySpan<double> values, double[] buffer)
    {
        var count = 0;
        foreach (var v in values)
        {
            if (double.IsFinite(v))
            {
                buffer[count++] = v;
            }
        }

        return buffer.AsSpan(0, count);
    }

    /// <summary>Most values a tail <see cref="TailPercentiles"/> keeps in order; a longer tail sorts all the values.</summary>
    private const int TailMost = 64;

    /// <summary>
    /// The 2.5 and 97.5 percentiles of <paramref name="values"/> (finite, any order; reordered here), as <see cref="Percentile"/> of
    /// the sorted values gives them: only the order statistics each interpolates between are needed, so each tail's few
    /// smallest or largest values are kept in order in one pass (a new one among them is rare once a few hundred draws are in)
    /// instead of sorting all. Equal values are the same bits but for ±0, which change no interpolation (see <see cref="SortedFinite"/>).
    /// </summary>
    internal static (double Low, double High) TailPercentiles(Span<double> values)
    {
        var n = values.Length;
        var lowAt = (int)Math.Floor(0.025 * (n - 1));
        var highAt = (int)Math.Floor(0.975 * (n - 1));
        var lowKeep = Math.Min(n, lowAt + 2);
        var highKeep = n - highAt;
        if (n < 2 || lowKeep > TailMost || highKeep > TailMost)
        {
            values.Sort();
            return (Percentile(values, 0.025), Percentile(values, 0.975));
        }

        // smallest: ascending, the lowKeep smallest so far; largest: ascending, the highKeep largest so far.
        Span<double> smallest = stackalloc double[lowKeep];
        Span<double> largest = stackalloc double[highKeep];
        int low = 0, high = 0;
        foreach (var v in values)
        {
            if (low < lowKeep || v < smallest[lowKeep - 1])
            {
                var at = Math.Min(low, lowKeep - 1);
                for (; at > 0 && smallest[at - 1] > v; at--)
                {
                    smallest[at] = smallest[at - 1];
                }

                smallest[at] = v;
                low = Math.Min(low + 1, lowKeep);
            }

            if (high < highKeep || v > largest[0])
            {
                // Shift the smaller ones down (dropping the smallest once full) until v's place.
                int at;
                if (high < highKeep)
                {
                    at = high;
                    for (; at > 0 && largest[at - 1] > v; at--)
                    {
                        largest[at] = largest[at - 1];
                    }

                    high++;
                }
                else
                {
                    at = 0;
                    for (; at + 1 < highKeep && largest[at + 1] < v; at++)
                    {
                        largest[at] = largest[at + 1];
                    }
                }

                largest[at] = v;
            }
        }

        // Order statistic k of the values: smallest[k] for k < lowKeep, largest[k − (n − highKeep)] for k ≥ n − highKeep.
        return (Interpolated(smallest, lowAt, 0.025, n), Interpolated(largest, highAt - (n - highKeep), 0.975, n));

        // Percentile's interpolation, between order statistics at and at + 1 (kept at i and i + 1 of tail).
        static double Interpolated(ReadOnlySpan<double> tail, int i, double q, int n)
        {
            var position = q * (n - 1);
            var k = (int)Math.Floor(position);
            var f = position - k;
            return k + 1 < n ? tail[i] + (f * (tail[i + 1] - tail[i])) : tail[i];
        }
    }

    private static RegionDifference Difference(string channel, int a, int b,
        (double Mean, double Sd, int Count) ma, (double Mean, double Sd, int Count) mb,
        RegionCorrelation ca, RegionCorrelation cb, double[] da, double[] db)
    {
        double? meanDifference = null, cohensD = null, pearsonDifference = null, low = null, high = null, cohensQ = null;
        if (ma.Count > 0 && mb.Count > 0)
        {
            meanDifference = mb.Mean - ma.Mean;
            if (ma.Count + mb.Count > 2)
            {
                var pooled = Math.Sqrt((((ma.Count - 1) * ma.Sd * ma.Sd) + ((mb.Count - 1) * mb.Sd * mb.Sd)) / (ma.Count + mb.Count - 2));
                cohensD = pooled > 0 ? meanDifference / pooled : null;
            }
        }

        if (ca.Pearson is { } ra && cb.Pearson is { } rb)
        {
            pearsonDifference = rb - ra;
            cohensQ = Math.Atanh(Math.Clamp(rb, -0.999999, 0.999999)) - Math.Atanh(Math.Clamp(ra, -0.999999, 0.999999));
            if (da.Length > 0 && da.Length == db.Length)
            {
                var diffs = AnalysisPool<double>.Shared.Rent(da.Length);
                try
                {
                    for (var i = 0; i < da.Length; i++)
                    {
                        diffs[i] = db[i] - da[i];
                    }

                    var finite = Finite(diffs.AsSpan(0, da.Length), diffs);
                    if (finite.Length >= 10)
                    {
                        (low, high) = TailPercentiles(finite);
                    }
                }
                finally
                {
                    AnalysisPool<double>.Shared.Return(diffs);
                }
            }
        }

        var difference = new RegionDifference(channel, Regions.ByLabel[a], Regions.ByLabel[b], meanDifference, cohensD, pearsonDifference, low, high, cohensQ);
        if (pearsonDifference is not { } d || low is not { } l || high is not { } h)
        {
            return difference;
        }

        // With the rims' uncertainty, as each region's r (RegionCorrelation.PearsonSpanLow): the difference of the cores' r.
        var core = cb.PearsonCore is { } coreB && ca.PearsonCore is { } coreA ? coreB - coreA : double.NaN;
        var (spanLow, spanHigh) = CoreCorrelation.Span(d, l, h, core, bound: 2);
        return difference with { PearsonDifferenceSpanLow = spanLow, PearsonDifferenceSpanHigh = spanHigh };
    }

    private static double? Nullable(double v) => double.IsFinite(v) ? v : null;

    /// <summary>1-based ranks, ties averaged.</summary>
    internal static float[] Ranks(float[] values)
    {
        var ranks = new float[values.Length];
        Ranks(values, ranks);
        return ranks;
    }

    /// <summary>The same into <paramref name="ranks"/> (at least as long).</summary>
    internal static void Ranks(ReadOnlySpan<float> values, Span<float> ranks)
    {
        var n = values.Length;
        var keys = values.ToArray();
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        SortKeys.Sort(keys, order);
        var start = 0;
        while (start < n)
        {
            var end = start + 1;
            while (end < n && keys[end] == keys[start])
            {
                end++;
            }

            var rank = (float)(0.5 * (start + end + 1));
            for (var k = start; k < end; k++)
            {
                ranks[order[k]] = rank;
            }

            start = end;
        }
    }

    /// <summary>Mutual information (bits) of the rank-binned pair, less the Miller–Madow bias (B−1)²/(2n ln 2); never negative.</summary>
    internal static double MutualInformation(ReadOnlySpan<float> rankX, ReadOnlySpan<float> rankY, int bins)
    {
        var n = rankX.Length;
        var joint = new int[bins * bins];
        var scale = (double)bins / n;
        for (var k = 0; k < n; k++)
        {
            joint[(RankBin(rankX[k], scale, bins) * bins) + RankBin(rankY[k], scale, bins)]++;
        }

        return MutualInformation(joint, bins, n);
    }

    /// <summary>The rank's bin of <paramref name="bins"/> equal-count bins; <paramref name="scale"/> is bins / n.</summary>
    internal static int RankBin(float rank, double scale, int bins) => Math.Min(bins - 1, (int)((rank - 1) * scale));

    /// <summary>The same from the joint histogram of the bins (row: x bin); its marginals are its row and column sums.</summary>
    private static double MutualInformation(ReadOnlySpan<int> joint, int bins, int n)
    {
        Span<long> mx = stackalloc long[bins];
        Span<long> my = stackalloc long[bins];
        mx.Clear();
        my.Clear();
        for (var i = 0; i < bins; i++)
        {
            for (var j = 0; j < bins; j++)
            {
                mx[i] += joint[(i * bins) + j];
                my[j] += joint[(i * bins) + j];
            }
        }

        double mi = 0;
        for (var i = 0; i < bins; i++)
        {
            for (var j = 0; j < bins; j++)
            {
                var c = joint[(i * bins) + j];
                if (c > 0)
                {
                    mi += c * Math.Log((double)c * n / ((double)mx[i] * my[j]));
                }
            }
        }

        mi /= n;
        var bias = (bins - 1.0) * (bins - 1.0) / (2.0 * n);
        return Math.Max(0, (mi - bias) / Math.Log(2));
    }
}

/// <summary>SplitMix64: a tiny, fast, seedable generator whose sequence is fixed by its seed on every platform.</summary>
internal struct SplitMix64(ulong seed)
{
    /// <summary>What the state steps by at every output.</summary>
    public const ulong Gamma = 0x9E3779B97F4A7C15UL;

    private ulong _state = seed;

    public ulong Next()
    {
        var z = _state += Gamma;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound) by the multiply-high method (bias below 2⁻³² for any bound used here).</summary>
    public int NextInt(int bound) => (int)(((Next() >> 32) * (ulong)bound) >> 32);

    /// <summary>Two independent uniform draws in [0, bound) from one output: its high and its low 32 bits.</summary>
    public (int First, int Second) NextIntPair(int bound)
    {
        var z = Next();
        return ((int)(((z >> 32) * (ulong)bound) >> 32), (int)(((z & 0xFFFF_FFFFUL) * (ulong)bound) >> 32));
    }
}
