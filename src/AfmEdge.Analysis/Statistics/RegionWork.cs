namespace AfmEdge.Analysis.Statistics;

/// <summary>
/// One region as the correlations see it: its members (pixel indices, raster order), which of them are
/// correlated (the interior when guarded, finite height), the bootstrap block of each, and the table of
/// per-block sums the channels fill (block-major, <see cref="Stride"/> doubles per block). The height side of the
/// pairs is the same for every channel finite wherever the height is (the usual case): the correlated members'
/// heights, blocks and height ranks are kept here once for all of them. Buffers are rented.
/// </summary>
internal sealed class RegionFrame : IDisposable
{
    private float[]? _heightRanks;

    private RegionFrame(ReadOnlyMemory<int> members, bool[] correlated, int[] blockOf, int blocks, int stride, double[] table,
        int[] pairOf, double[] pairHeight, int[] pairBlock, int pairs, double heightSum)
    {
        Members = members;
        Correlated = correlated;
        BlockOf = blockOf;
        Blocks = blocks;
        Stride = stride;
        Table = table;
        PairOf = pairOf;
        PairHeight = pairHeight;
        PairBlock = pairBlock;
        Pairs = pairs;
        HeightSum = heightSum;
    }

    public ReadOnlyMemory<int> Members { get; }

    /// <summary>Per member: correlated (interior and finite height).</summary>
    public bool[] Correlated { get; }

    /// <summary>Per member: the slot of its block among the blocks holding correlated members.</summary>
    public int[] BlockOf { get; }

    public int Blocks { get; }

    public int Stride { get; }

    public double[] Table { get; }

    /// <summary>Per member: its place among the correlated members, or -1.</summary>
    public int[] PairOf { get; }

    /// <summary>Per correlated member, in member order: its height.</summary>
    public double[] PairHeight { get; }

    /// <summary>Per correlated member: its block slot.</summary>
    public int[] PairBlock { get; }

    /// <summary>How many members are correlated.</summary>
    public int Pairs { get; }

    /// <summary>Σ <see cref="PairHeight"/>, summed in member order.</summary>
    public double HeightSum { get; }

    /// <summary>Per correlated member: the rank of its height among them (1-based, ties averaged); set by <see cref="RankHeight"/>.</summary>
    public ReadOnlySpan<float> HeightRanks => _heightRanks is null
        ? throw new InvalidOperationException("The heights of the region are not ranked yet.")
        : _heightRanks.AsSpan(0, Pairs);

    /// <summary>The height side of the pairs, once <see cref="RankHeight"/> ran (null when fewer than 3 pairs or no spread in height).</summary>
    public HeightSide? Height { get; private set; }

    /// <summary>Ranks the correlated members' heights from the region's sorted heights, and sums their height side.</summary>
    public void RankHeight(SortedChannel heightOrder, int bins)
    {
        _heightRanks ??= AnalysisPool<float>.Shared.Rent(Math.Max(1, Pairs));
        heightOrder.Ranks(PairOf.AsSpan(0, Members.Length), _heightRanks);
        Height = HeightSide.Create(PairHeight.AsSpan(0, Pairs), PairBlock.AsSpan(0, Pairs), HeightSum, HeightRanks, bins);
    }

    public static RegionFrame Create(ReadOnlyMemory<int> members, byte[] labels, float[] height, int width, int rows, int blockPixels, bool guard, int channels)
    {
        var span = members.Span;
        var m = span.Length;
        var correlated = AnalysisPool<bool>.Shared.Rent(Math.Max(1, m));
        var blockOf = AnalysisPool<int>.Shared.Rent(Math.Max(1, m));

        // Members are in raster order: their row and column are followed along, not divided out of each index
        // (six integer divisions per pixel were most of this pass over a quarter-million background pixels).
        var interior = 0;
        int row = 0, rowStart = 0;
        for (var k = 0; k < m; k++)
        {
            var p = span[k];
            while (p >= rowStart + width)
            {
                rowStart += width;
                row++;
            }

            var inside = !guard || IsInterior(p, p - rowStart, row, labels, width, rows);
            correlated[k] = inside;
            interior += inside ? 1 : 0;

            // The column, kept for the block pass below.
            blockOf[k] = p - rowStart;
        }

        // A region too thin to have an interior is correlated over all its pixels.
        for (var k = 0; k < m; k++)
        {
            correlated[k] = (correlated[k] || interior < 3) && float.IsFinite(height[span[k]]);
        }

        var blocksX = (width + blockPixels - 1) / blockPixels;
        var blocksY = (rows + blockPixels - 1) / blockPixels;
        var slots = AnalysisPool<int>.Shared.Rent(blocksX * blocksY);
        Array.Fill(slots, -1, 0, blocksX * blocksY);
        var blockColumn = AnalysisPool<int>.Shared.Rent(width);
        for (var x = 0; x < width; x++)
        {
            blockColumn[x] = x / blockPixels;
        }

        var blocks = 0;
        row = 0;
        rowStart = 0;
        var rowBlocks = 0;
        for (var k = 0; k < m; k++)
        {
            var p = span[k];
            while (p >= rowStart + width)
            {
                rowStart += width;
                row++;
                rowBlocks = row / blockPixels * blocksX;
            }

            if (!correlated[k])
            {
                blockOf[k] = -1;
                continue;
            }

            var block = rowBlocks + blockColumn[blockOf[k]];
            if (slots[block] < 0)
            {
                slots[block] = blocks++;
            }

            blockOf[k] = slots[block];
        }

        AnalysisPool<int>.Shared.Return(blockColumn);
        AnalysisPool<int>.Shared.Return(slots);

        // The height side of the pairs, shared by every channel finite over the correlated members.
        var pairOf = AnalysisPool<int>.Shared.Rent(Math.Max(1, m));
        var pairHeight = AnalysisPool<double>.Shared.Rent(Math.Max(1, m));
        var pairBlock = AnalysisPool<int>.Shared.Rent(Math.Max(1, m));
        var pairs = 0;
        double heightSum = 0;
        for (var k = 0; k < m; k++)
        {
            if (correlated[k])
            {
                double h = height[span[k]];
                pairHeight[pairs] = h;
                pairBlock[pairs] = blockOf[k];
                heightSum += h;
                pairOf[k] = pairs++;
            }
            else
            {
                pairOf[k] = -1;
            }
        }

        // Channels' columns padded to whole vectors so a resample adds a block with vector adds only.
        var lanes = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated
            ? System.Runtime.Intrinsics.Vector512<double>.Count
            : System.Numerics.Vector<double>.Count;
        var stride = Math.Max(lanes, ((channels * 12) + lanes - 1) / lanes * lanes);
        var table = AnalysisPool<double>.Shared.Rent(Math.Max(1, blocks * stride));
        Array.Clear(table, 0, blocks * stride);
        return new RegionFrame(members, correlated, blockOf, blocks, stride, table, pairOf, pairHeight, pairBlock, pairs, heightSum);
    }

    public void Dispose()
    {
        AnalysisPool<bool>.Shared.Return(Correlated);
        AnalysisPool<int>.Shared.Return(BlockOf);
        AnalysisPool<double>.Shared.Return(Table);
        AnalysisPool<int>.Shared.Return(PairOf);
        AnalysisPool<double>.Shared.Return(PairHeight);
        AnalysisPool<int>.Shared.Return(PairBlock);
        if (_heightRanks is not null)
        {
            AnalysisPool<float>.Shared.Return(_heightRanks);
        }

        Height?.Dispose();
    }

    /// <summary>
    /// None of the pixel's 4-neighbours lies in another chromosome region: a pixel on a region's edge mixes both
    /// sides (tip footprint, pixel footprint, a boundary placed to within a pixel), and in a small region a few such
    /// pixels from a region with another mean bias r far more than they bias a mean. A chromosome's outer rim stays
    /// (dropping it would cut the low end of the height range); only boundaries towards a chromosome region count.
    /// </summary>
    private static bool IsInterior(int p, int x, int y, byte[] labels, int width, int rows)
    {
        var l = labels[p];
        return (x == 0 || Same(labels[p - 1], l)) && (x == width - 1 || Same(labels[p + 1], l))
            && (y == 0 || Same(labels[p - width], l)) && (y == rows - 1 || Same(labels[p + width], l));

        static bool Same(byte neighbour, byte label) => neighbour == label || neighbour == 0;
    }
}

/// <summary>
/// What every channel finite over a region's correlated members shares in its correlation with height: the heights' mean and
/// σ, each pair's height rank bin (premultiplied by the bin count: the joint histogram's row), and per run of pairs in one
/// bootstrap block (a block's width along a row) the sums of the standardised heights, of their squares, of the centred
/// ranks and of theirs, with the totals of the squares. Each is summed exactly as the per-channel pass summed it.
/// </summary>
internal sealed class HeightSide : IDisposable
{
    private HeightSide(double mean, double inverseSd, int[] bins, int runs, int[] runEnd, int[] runBlock, double[] runSums, double sumSquares, double rankSumSquares)
    {
        Mean = mean;
        InverseSd = inverseSd;
        Bins = bins;
        Runs = runs;
        RunEnd = runEnd;
        RunBlock = runBlock;
        RunSums = runSums;
        SumSquares = sumSquares;
        RankSumSquares = rankSumSquares;
    }

    public double Mean { get; }

    public double InverseSd { get; }

    /// <summary>Per pair: its height's rank bin times the bin count.</summary>
    public int[] Bins { get; }

    public int Runs { get; }

    /// <summary>Per run: the pair after its last.</summary>
    public int[] RunEnd { get; }

    /// <summary>Per run: its block slot.</summary>
    public int[] RunBlock { get; }

    /// <summary>Per run, four: Σa, Σa², Σr, Σr² (a the standardised height, r the centred, scaled rank).</summary>
    public double[] RunSums { get; }

    /// <summary>Σ over runs of Σa².</summary>
    public double SumSquares { get; }

    /// <summary>Σ over runs of Σr².</summary>
    public double RankSumSquares { get; }

    public static HeightSide? Create(ReadOnlySpan<double> xs, ReadOnlySpan<int> blockOfPair, double sum, ReadOnlySpan<float> rankX, int bins)
    {
        var n = xs.Length;
        if (n < 3)
        {
            return null;
        }

        var mx = sum / n;
        var sdx = RegionAnalysis.PopulationSd(xs, mx);
        if (!(sdx > 0))
        {
            return null;
        }

        var invX = 1 / sdx;
        var rankMean = (n + 1) / 2.0;
        var rankScale = 1.0 / n;
        var binScale = (double)bins / n;
        var binOf = AnalysisPool<int>.Shared.Rent(n);
        var runEnd = AnalysisPool<int>.Shared.Rent(n);
        var runBlock = AnalysisPool<int>.Shared.Rent(n);
        var runSums = AnalysisPool<double>.Shared.Rent(4 * n);
        double pxx = 0, rxx = 0;
        var runs = 0;
        var q = 0;
        while (q < n)
        {
            var block = blockOfPair[q];
            double sa = 0, saa = 0, qa = 0, qaa = 0;
            for (; q < n && blockOfPair[q] == block; q++)
            {
                var a = (xs[q] - mx) * invX;
                var ra = (rankX[q] - rankMean) * rankScale;
                binOf[q] = RegionAnalysis.RankBin(rankX[q], binScale, bins) * bins;
                sa += a;
                saa += a * a;
                qa += ra;
                qaa += ra * ra;
            }

            runEnd[runs] = q;
            runBlock[runs] = block;
            runSums[4 * runs] = sa;
            runSums[(4 * runs) + 1] = saa;
            runSums[(4 * runs) + 2] = qa;
            runSums[(4 * runs) + 3] = qaa;
            runs++;
            pxx += saa;
            rxx += qaa;
        }

        return new HeightSide(mx, invX, binOf, runs, runEnd, runBlock, runSums, pxx, rxx);
    }

    public void Dispose()
    {
        AnalysisPool<int>.Shared.Return(Bins);
        AnalysisPool<int>.Shared.Return(RunEnd);
        AnalysisPool<int>.Shared.Return(RunBlock);
        AnalysisPool<double>.Shared.Return(RunSums);
    }
}

/// <summary>One channel's finite values over one region, sorted, with the member position of each. Buffers are rented.</summary>
internal sealed class SortedChannel : IDisposable
{
    private readonly float[] _values;
    private readonly int[] _positions;
    private readonly int _count;

    private SortedChannel(float[] values, int[] positions, int count, double sum)
    {
        _values = values;
        _positions = positions;
        _count = count;
        Sum = sum;
    }

    public ReadOnlySpan<float> Values => _values.AsSpan(0, _count);

    /// <summary>Σ <see cref="Values"/> in double, added in their sorted order.</summary>
    public double Sum { get; }

    /// <summary>Bits of a member's place in the values <see cref="Split"/> reads (the region's label is above them).</summary>
    public const int PlaceBits = 24;

    /// <summary>
    /// Every region's sorted values from the frame's order in one pass: pixel p goes to region place[p] &gt;&gt; <see cref="PlaceBits"/>
    /// (those at or above <paramref name="regions"/>.Length, -1 included, go nowhere) at member position place[p]'s low bits;
    /// a region holds at most <paramref name="sizes"/>[r] values. Ties keep raster order.
    /// </summary>
    public static void Split(FrameOrder order, int[] place, ReadOnlySpan<int> sizes, Span<SortedChannel?> regions)
    {
        var count = regions.Length;
        var values = new float[count][];
        var positions = new int[count][];
        for (var r = 0; r < count; r++)
        {
            values[r] = AnalysisPool<float>.Shared.Rent(Math.Max(1, sizes[r]));
            positions[r] = AnalysisPool<int>.Shared.Rent(Math.Max(1, sizes[r]));
        }

        Span<int> fill = stackalloc int[count];
        fill.Clear();
        Span<double> sums = stackalloc double[count];
        sums.Clear();
        var sorted = order.Values;
        var pixels = order.Pixels;
        for (var i = 0; i < sorted.Length; i++)
        {
            var at = place[pixels[i]];
            var r = (int)((uint)at >> PlaceBits);
            if (r < count)
            {
                var f = fill[r]++;
                var v = sorted[i];
                values[r][f] = v;
                positions[r][f] = at & ((1 << PlaceBits) - 1);
                sums[r] += v;
            }
        }

        for (var r = 0; r < count; r++)
        {
            regions[r] = new SortedChannel(values[r], positions[r], fill[r], sums[r]);
        }
    }

    /// <summary>
    /// 1-based ranks (ties averaged) among the members with <paramref name="pairOf"/> ≥ 0, written to
    /// <paramref name="ranks"/>[pairOf[member]]: a walk along the sorted order that skips the others.
    /// </summary>
    public void Ranks(ReadOnlySpan<int> pairOf, Span<float> ranks)
    {
        var before = 0;
        var start = 0;
        while (start < _count)
        {
            var value = _values[start];

            // A value of its own (nearly every one of a measured channel): one lookup of its member's pair, not two (the
            // lookups go all over the region, in value order, and were most of the walk's time).
            var first = pairOf[_positions[start]];
            if (start + 1 == _count || _values[start + 1] != value)
            {
                if (first >= 0)
                {
                    ranks[first] = (float)(before + (0.5 * (1 + 1)));
                    before++;
                }

                start++;
                continue;
            }

            var end = start + 1;
            var included = first >= 0 ? 1 : 0;
            while (end < _count && _values[end] == value)
            {
                included += pairOf[_positions[end]] >= 0 ? 1 : 0;
                end++;
            }

            if (included > 0)
            {
                // Exact in single precision: a half-integer below 2²³.
                var rank = (float)(before + (0.5 * (included + 1)));
                for (var k = start; k < end; k++)
                {
                    var pair = pairOf[_positions[k]];
                    if (pair >= 0)
                    {
                        ranks[pair] = rank;
                    }
                }

                before += included;
            }

            start = end;
        }
    }

    public void Dispose()
    {
        AnalysisPool<float>.Shared.Return(_values);
        AnalysisPool<int>.Shared.Return(_positions);
    }
}
