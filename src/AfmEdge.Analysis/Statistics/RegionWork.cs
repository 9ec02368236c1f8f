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

    /// <summary>Ranks the correlated members' heights from the region's sorted heights.</summary>
    public void RankHeight(SortedChannel heightOrder)
    {
        _heightRanks ??= AnalysisPool<float>.Shared.Rent(Math.Max(1, Pairs));
        heightOrder.Ranks(PairOf.AsSpan(0, Members.Length), _heightRanks);
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

    /// <summary>
    /// Every region's sorted values from the frame's order in one pass: pixel p goes to region labels[p] (those at or above
    /// <paramref name="regions"/>.Length go nowhere) at member position <paramref name="position"/>[p]; a region holds at
    /// most <paramref name="sizes"/>[r] values. Ties keep raster order.
    /// </summary>
    public static void Split(FrameOrder order, byte[] labels, int[] position, ReadOnlySpan<int> sizes, Span<SortedChannel?> regions)
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
            var p = pixels[i];
            var r = labels[p];
            if (r < count)
            {
                var f = fill[r]++;
                var v = sorted[i];
                values[r][f] = v;
                positions[r][f] = position[p];
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
            var end = start + 1;
            var value = _values[start];
            var included = pairOf[_positions[start]] >= 0 ? 1 : 0;
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
