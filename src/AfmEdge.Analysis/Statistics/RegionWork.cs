using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    private readonly Lock _gate = new();
    private readonly int[] _place;
    private readonly bool _ownPlace;
    private float[]? _heightRanks;
    private int _pairsRanked;
    private bool[]? _correlated;
    private int[]? _blockOf;
    private int[]? _pairOf;

    private RegionFrame(ReadOnlyMemory<int> members, int[] place, bool ownPlace, int blocks, int channels,
        double[] pairHeight, int[] pairBlock, int pairs, double heightSum)
    {
        Members = members;
        _place = place;
        _ownPlace = ownPlace;
        Blocks = blocks;
        Columns = new int[channels];
        SharedColumns = new bool[channels];
        PairHeight = pairHeight;
        PairBlock = pairBlock;
        Pairs = pairs;
        HeightSum = heightSum;
    }

    public ReadOnlyMemory<int> Members { get; }

    /// <summary>Per member: correlated (interior and finite height). Taken from the places on first use (see <see cref="FillMembers"/>).</summary>
    public bool[] Correlated
    {
        get
        {
            FillMembers();
            return _correlated!;
        }
    }

    /// <summary>Per member: the slot of its block among the blocks holding correlated members, or -1.</summary>
    public int[] BlockOf
    {
        get
        {
            FillMembers();
            return _blockOf!;
        }
    }

    public int Blocks { get; }

    /// <summary>Doubles per block in <see cref="Table"/> (a whole number of vectors); set by <see cref="LayOut"/>.</summary>
    public int Stride { get; private set; }

    /// <summary>Per block, <see cref="Stride"/> sums (block-major); rented by <see cref="LayOut"/>.</summary>
    public double[] Table { get; private set; } = [];

    /// <summary>Per channel but height: the first of its columns in <see cref="Table"/>.</summary>
    public int[] Columns { get; }

    /// <summary>
    /// Per channel but height: whether it shares the height columns (<see cref="HeaderColumns"/> at the start of each row:
    /// n, Σa, Σa², Σr, Σr², summed once from the <see cref="HeightSide"/>) and has six of its own (Σb, Σb², Σab, Σs, Σs², Σrs);
    /// otherwise all twelve are its own (n, Σa, Σb, Σa², Σb², Σab, then the same for the ranks).
    /// </summary>
    public bool[] SharedColumns { get; }

    /// <summary>Columns at the start of every row of the table that channels sharing the height side read.</summary>
    public const int HeaderColumns = 5;

    /// <summary>Per member: its place among the correlated members, or -1.</summary>
    public int[] PairOf
    {
        get
        {
            FillMembers();
            return _pairOf!;
        }
    }

    /// <summary>
    /// The per-member arrays, from the places the pass set (a member's pair, or <see cref="SortedChannel.Uncorrelated"/>) and
    /// the pairs' blocks: only a channel not finite over every pair reads them, so the pass over the region does not write them
    /// (three frame-sized arrays, a fifth of its time). Once; several channels of a region may ask at once.
    /// </summary>
    private void FillMembers()
    {
        lock (_gate)
        {
            if (_correlated is not null)
            {
                return;
            }

            var members = Members.Span;
            var m = members.Length;
            var correlated = AnalysisPool<bool>.Shared.Rent(Math.Max(1, m));
            var blockOf = AnalysisPool<int>.Shared.Rent(Math.Max(1, m));
            var pairOf = AnalysisPool<int>.Shared.Rent(Math.Max(1, m));
            for (var k = 0; k < m; k++)
            {
                var pair = _place[members[k]] & SortedChannel.Uncorrelated;
                var isPair = pair != SortedChannel.Uncorrelated;
                correlated[k] = isPair;
                pairOf[k] = isPair ? pair : -1;
                blockOf[k] = isPair ? PairBlock[pair] : -1;
            }

            _blockOf = blockOf;
            _pairOf = pairOf;
            _correlated = correlated;
        }
    }

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
        : _heightRanks.AsSpan(0, _pairsRanked);

    /// <summary>The height side of the pairs, once <see cref="RankHeight"/> ran (null when fewer than 3 pairs or no spread in height).</summary>
    public HeightSide? Height { get; private set; }

    /// <summary>
    /// Takes the correlated members' height ranks from the region's split of the height order (<see cref="SortedChannel.Ranks"/>:
    /// every correlated member has a finite height, so all are ranked), and sums their height side.
    /// </summary>
    /// <param name="squares">Σ(h − <see cref="HeightSum"/> / <see cref="Pairs"/>)² over <see cref="PairHeight"/> in pair order.</param>
    public void RankHeight(SortedChannel heightOrder, int bins, double squares)
    {
        if (heightOrder.Ranks.Length != Pairs)
        {
            throw new ArgumentException($"The height order ranks {heightOrder.Ranks.Length} pairs; the region has {Pairs}.", nameof(heightOrder));
        }

        _heightRanks = heightOrder.RankArray;
        _pairsRanked = Pairs;
        Height = HeightSide.Create(PairHeight.AsSpan(0, Pairs), PairBlock.AsSpan(0, Pairs), HeightSum, squares, HeightRanks, bins);
    }

    /// <param name="place">Per pixel (width × rows at least; without it the frame takes its own): every member's entry is set for <see cref="SortedChannel.Split"/>, <paramref name="region"/> in the top bits, its pair (its place among the correlated members) or <see cref="SortedChannel.Uncorrelated"/> in the low <see cref="SortedChannel.PlaceBits"/>. The frame reads its members' entries until disposed.</param>
    public static RegionFrame Create(ReadOnlyMemory<int> members, byte[] labels, float[] height, int width, int rows, int blockPixels, bool guard, int channels,
        int[]? place = null, int region = 0)
    {
        var span = members.Span;
        var m = span.Length;
        var ownPlace = place is null;
        place ??= AnalysisPool<int>.Shared.Rent(Math.Max(1, width * rows));
        var pairHeight = AnalysisPool<double>.Shared.Rent(Math.Max(1, m));
        var pairBlock = AnalysisPool<int>.Shared.Rent(Math.Max(1, m));
        var blocksX = (width + blockPixels - 1) / blockPixels;
        var blocksY = (rows + blockPixels - 1) / blockPixels;
        var slots = AnalysisPool<int>.Shared.Rent(blocksX * blocksY);
        var blockColumn = AnalysisPool<int>.Shared.Rent(width);
        for (var x = 0; x < width; x++)
        {
            blockColumn[x] = x / blockPixels;
        }

        try
        {
            // One pass, taking the interior as it goes; a region too thin to have an interior (fewer than 3 interior pixels)
            // is correlated over all its pixels, which takes a second pass, over its few pixels.
            var (pairs, blocks, heightSum, volume, interior) = Pass(span, labels, height, width, rows, blockPixels, blocksX, guard, thin: false,
                pairHeight, pairBlock, slots, blockColumn, place, region);
            if (interior < 3 && guard)
            {
                (pairs, blocks, heightSum, _, _) = Pass(span, labels, height, width, rows, blockPixels, blocksX, guard, thin: true,
                    pairHeight, pairBlock, slots, blockColumn, place, region);
            }

            return new RegionFrame(members, place, ownPlace, blocks, channels, pairHeight, pairBlock, pairs, heightSum) { HeightVolume = volume };
        }
        finally
        {
            AnalysisPool<int>.Shared.Return(blockColumn);
            AnalysisPool<int>.Shared.Return(slots);
        }
    }

    /// <summary>Σ of the members' finite heights, in member order.</summary>
    public double HeightVolume { get; private init; }

    /// <summary>
    /// The members in raster order: which are correlated (interior, or all when <paramref name="thin"/>, and finite height),
    /// their blocks (numbered in order of first appearance), pairs, the pairs' heights and Σ, and the places for the splits.
    /// Rows are followed along, not divided out of each index. Eight members that are consecutive pixels away from the frame's
    /// edges (nearly every eight of the background) have their interior and finiteness tested in vectors; when all eight are
    /// pairs, their places and heights are stored eight at a time. The sums are added member after member in either case.
    /// </summary>
    private static (int Pairs, int Blocks, double HeightSum, double Volume, int Interior) Pass(ReadOnlySpan<int> members, byte[] labels, float[] height,
        int width, int rows, int blockPixels, int blocksX, bool guard, bool thin, double[] pairHeight,
        int[] pairBlock, int[] slots, int[] blockColumn, int[] place, int region)
    {
        var pixels = width * rows;
        if (labels.Length < pixels || height.Length < pixels || place.Length < pixels || blockColumn.Length < width
            || pairHeight.Length < members.Length || pairBlock.Length < members.Length)
        {
            throw new ArgumentException($"A {width}×{rows} frame's labels, heights and places, or {members.Length} members' pairs, do not fit the buffers given.", nameof(members));
        }

        var blockSlots = blocksX * ((rows + blockPixels - 1) / blockPixels);
        Array.Fill(slots, -1, 0, blockSlots);
        var top = region << SortedChannel.PlaceBits;
        var pairs = 0;
        var blocks = 0;
        var interior = 0;
        double heightSum = 0, volume = 0;
        int rowStart = 0, rowBlocks = 0, row = 0;
        var vectors = Vector256.IsHardwareAccelerated && Vector128.IsHardwareAccelerated;
        ref var label0 = ref MemoryMarshal.GetArrayDataReference(labels);
        ref var height0 = ref MemoryMarshal.GetArrayDataReference(height);
        ref var place0 = ref MemoryMarshal.GetArrayDataReference(place);
        ref var pairHeight0 = ref MemoryMarshal.GetArrayDataReference(pairHeight);
        ref var pairBlock0 = ref MemoryMarshal.GetArrayDataReference(pairBlock);
        ref var slot0 = ref MemoryMarshal.GetArrayDataReference(slots);
        ref var column0 = ref MemoryMarshal.GetArrayDataReference(blockColumn);
        var m = members.Length;
        var k = 0;
        while (k < m)
        {
            var p = members[k];
            if ((uint)p >= (uint)pixels || p < rowStart)
            {
                throw new ArgumentException($"Member {k} ({p}) lies outside the {width}×{rows} frame or out of raster order.", nameof(members));
            }

            if (p >= rowStart + width)
            {
                row = p / width;
                rowStart = row * width;
                rowBlocks = row / blockPixels * blocksX;
            }

            var x = p - rowStart;

            // Unchecked below: members rise (checked above for the first of each step), so eight consecutive ones end within the row.
            if (vectors && k <= m - PassLanes && members[k + PassLanes - 1] == p + PassLanes - 1 && x + PassLanes <= width)
            {
                // Which of the eight are finite and (with the guard, away from the frame's edges) interior.
                var finite = ~Vector256.Equals(Vector256.LoadUnsafe(ref height0, (nuint)p).AsUInt32() & Vector256.Create(0x7F80_0000u),
                    Vector256.Create(0x7F80_0000u)).ExtractMostSignificantBits() & 0xFFu;
                var inside = 0xFFu;
                var tested = true;
                if (guard)
                {
                    tested = x >= 1 && x + PassLanes < width && row >= 1 && row < rows - 1;
                    if (tested)
                    {
                        inside = InteriorEight(ref label0, p, width);
                    }
                }

                if (tested)
                {
                    interior += BitOperations.PopCount(inside);
                    var pairMask = (thin ? 0xFFu : inside) & finite;
                    if (pairMask == 0xFFu)
                    {
                        // Eight pairs: places and heights eight at a time; the sums in member order.
                        (Vector256.Create(top | pairs) + Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7)).StoreUnsafe(ref place0, (nuint)p);
                        var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref height0, (nuint)p));
                        low.StoreUnsafe(ref pairHeight0, (nuint)pairs);
                        high.StoreUnsafe(ref pairHeight0, (nuint)(pairs + 4));
                        for (var i = 0; i < PassLanes; i++)
                        {
                            double h = Unsafe.Add(ref height0, p + i);
                            volume += h;
                            heightSum += h;
                        }

                        var firstBlock = Unsafe.Add(ref column0, x);
                        if (firstBlock == Unsafe.Add(ref column0, x + PassLanes - 1))
                        {
                            Vector256.Create(SlotOf(ref slot0, rowBlocks + firstBlock, ref blocks)).StoreUnsafe(ref pairBlock0, (nuint)pairs);
                        }
                        else
                        {
                            for (var i = 0; i < PassLanes; i++)
                            {
                                Unsafe.Add(ref pairBlock0, pairs + i) = SlotOf(ref slot0, rowBlocks + Unsafe.Add(ref column0, x + i), ref blocks);
                            }
                        }

                        pairs += PassLanes;
                        k += PassLanes;
                        continue;
                    }

                    for (var i = 0; i < PassLanes; i++)
                    {
                        var h = Unsafe.Add(ref height0, p + i);
                        volume += float.IsFinite(h) ? h : 0;
                        if ((pairMask & (1u << i)) == 0)
                        {
                            Unsafe.Add(ref place0, p + i) = top | SortedChannel.Uncorrelated;
                            continue;
                        }

                        Unsafe.Add(ref pairBlock0, pairs) = SlotOf(ref slot0, rowBlocks + Unsafe.Add(ref column0, x + i), ref blocks);
                        Unsafe.Add(ref pairHeight0, pairs) = h;
                        heightSum += h;
                        Unsafe.Add(ref place0, p + i) = top | pairs++;
                    }

                    k += PassLanes;
                    continue;
                }
            }

            // One member (a region's edge, the frame's, members that are not consecutive).
            var isInside = !guard || IsInterior(p, x, row, labels, width, rows);
            interior += isInside ? 1 : 0;
            var value = height[p];
            volume += float.IsFinite(value) ? value : 0;
            if ((isInside || thin) && float.IsFinite(value))
            {
                pairBlock[pairs] = SlotOf(ref slot0, rowBlocks + blockColumn[x], ref blocks);
                pairHeight[pairs] = value;
                heightSum += value;
                place[p] = top | pairs++;
            }
            else
            {
                place[p] = top | SortedChannel.Uncorrelated;
            }

            k++;
        }

        return (pairs, blocks, heightSum, volume, interior);
    }

    /// <summary>Members <see cref="Pass"/> takes in one vector step.</summary>
    private const int PassLanes = 8;

    /// <summary>
    /// Bit i set when pixel <paramref name="p"/> + i (i &lt; 8) is interior (<see cref="IsInterior"/>); all eight and their four
    /// neighbours must lie in the frame.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint InteriorEight(ref byte label0, int p, int width)
    {
        var centre = Eight(ref label0, p);
        var same = Same(Eight(ref label0, p - 1), centre) & Same(Eight(ref label0, p + 1), centre)
            & Same(Eight(ref label0, p - width), centre) & Same(Eight(ref label0, p + width), centre);
        return same.ExtractMostSignificantBits() & 0xFFu;

        static Vector128<byte> Eight(ref byte label0, int at) => Vector128.CreateScalar(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref label0, at))).AsByte();

        static Vector128<byte> Same(Vector128<byte> neighbour, Vector128<byte> label) =>
            Vector128.Equals(neighbour, label) | Vector128.Equals(neighbour, Vector128<byte>.Zero);
    }

    /// <summary>The slot of <paramref name="block"/>, the next free one (<paramref name="blocks"/>, advanced) the first time it is asked for.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SlotOf(ref int slot0, int block, ref int blocks)
    {
        ref var slot = ref Unsafe.Add(ref slot0, block);
        if (slot < 0)
        {
            slot = blocks++;
        }

        return slot;
    }

    /// <summary>
    /// Lays the table out once it is known which channels share the height side (<paramref name="shared"/>, per channel
    /// but height): their height columns are the same sums, added in the same order, for every one of them, so they are
    /// kept once and every bootstrap resample adds fewer columns. Rents and clears the table and, when the height side
    /// exists, fills the shared height columns.
    /// </summary>
    public void LayOut(ReadOnlySpan<bool> shared)
    {
        if (shared.Length != Columns.Length)
        {
            throw new ArgumentException($"{shared.Length} channels given; the region was made for {Columns.Length}.", nameof(shared));
        }

        var column = HeaderColumns;
        for (var c = 0; c < shared.Length; c++)
        {
            SharedColumns[c] = shared[c];
            Columns[c] = column;
            column += shared[c] ? 6 : 12;
        }

        // Rows padded to whole vectors so a resample adds a block with vector adds only.
        var lanes = AfmEdge.Core.VectorWidth.Has512
            ? System.Runtime.Intrinsics.Vector512<double>.Count
            : System.Numerics.Vector<double>.Count;
        Stride = Math.Max(lanes, (column + lanes - 1) / lanes * lanes);
        if (Table.Length > 0)
        {
            AnalysisPool<double>.Shared.Return(Table);
        }

        Table = AnalysisPool<double>.Shared.Rent(Math.Max(1, Blocks * Stride));
        Array.Clear(Table, 0, Blocks * Stride);
        Height?.AddHeader(Table, Stride);
    }

    public void Dispose()
    {
        if (_correlated is not null)
        {
            AnalysisPool<bool>.Shared.Return(_correlated);
            AnalysisPool<int>.Shared.Return(_blockOf!);
            AnalysisPool<int>.Shared.Return(_pairOf!);
        }

        if (_ownPlace)
        {
            AnalysisPool<int>.Shared.Return(_place);
        }

        if (Table.Length > 0)
        {
            AnalysisPool<double>.Shared.Return(Table);
        }

        AnalysisPool<double>.Shared.Return(PairHeight);
        AnalysisPool<int>.Shared.Return(PairBlock);

        // The height ranks belong to the height's SortedChannel.
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

    /// <summary>The first run that ends past pair <paramref name="pair"/> (<see cref="Runs"/> when none does): where a pass over the runs may be cut in two.</summary>
    public int RunAfter(int pair)
    {
        // The ends rise strictly (no run is empty).
        var at = RunEnd.AsSpan(0, Runs).BinarySearch(pair);
        return at >= 0 ? at + 1 : ~at;
    }

    /// <summary>Per run, four: Σa, Σa², Σr, Σr² (a the standardised height, r the centred, scaled rank).</summary>
    public double[] RunSums { get; }

    /// <summary>Σ over runs of Σa².</summary>
    public double SumSquares { get; }

    /// <summary>Σ over runs of Σr².</summary>
    public double RankSumSquares { get; }

    /// <param name="squares">Σ(x − sum / n)² over <paramref name="xs"/>, added one after another in order (the height's gathering
    /// pass adds it, <see cref="SortedChannel.Gathered.PairSquares"/>).</param>
    public static HeightSide? Create(ReadOnlySpan<double> xs, ReadOnlySpan<int> blockOfPair, double sum, double squares, ReadOnlySpan<float> rankX, int bins)
    {
        var n = xs.Length;
        if (n < 3)
        {
            return null;
        }

        var mx = sum / n;
        var sdx = Math.Sqrt(squares / n);
        if (!(sdx > 0))
        {
            return null;
        }

        var invX = 1 / sdx;
        var rankMean = (n + 1) / 2.0;
        var rankScale = 1.0 / n;
        var binScale = (double)bins / n;
        if (blockOfPair.Length < n || rankX.Length < n)
        {
            throw new ArgumentException($"{n} pairs' heights, but {blockOfPair.Length} blocks and {rankX.Length} ranks.", nameof(blockOfPair));
        }

        var binOf = AnalysisPool<int>.Shared.Rent(n);
        var runEnd = AnalysisPool<int>.Shared.Rent(n);
        var runBlock = AnalysisPool<int>.Shared.Rent(n);
        var runSums = AnalysisPool<double>.Shared.Rent(4 * n);
        RankBins(rankX[..n], binScale, bins, binOf);

        // Unchecked indexing below: q stays below n, and every span holds n (checked above).
        ref var x0 = ref MemoryMarshal.GetReference(xs);
        ref var block0 = ref MemoryMarshal.GetReference(blockOfPair);
        ref var rank0 = ref MemoryMarshal.GetReference(rankX);
        double pxx = 0, rxx = 0;
        var runs = 0;
        var q = 0;
        while (q < n)
        {
            var block = Unsafe.Add(ref block0, q);
            double sa = 0, saa = 0, qa = 0, qaa = 0;
            for (; q < n && Unsafe.Add(ref block0, q) == block; q++)
            {
                var a = (Unsafe.Add(ref x0, q) - mx) * invX;
                var ra = (Unsafe.Add(ref rank0, q) - rankMean) * rankScale;
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

    /// <summary>
    /// Each rank's bin (<see cref="RegionAnalysis.RankBin"/>) times the bin count, into <paramref name="binOf"/>; four at a time
    /// where the processor converts them so: (rank − 1) · scale is never negative and is below 2³¹, where the plain truncation
    /// is the saturating conversion's (with none of its fix-ups). Rank − 1 is exact in single precision (a half-integer below 2²³).
    /// </summary>
    internal static void RankBins(ReadOnlySpan<float> ranks, double scale, int bins, Span<int> binOf)
    {
        var n = ranks.Length;
        if (binOf.Length < n)
        {
            throw new ArgumentException($"{n} ranks, {binOf.Length} bins' slots.", nameof(binOf));
        }

        var q = 0;
        if (Avx.IsSupported)
        {
            ref var rank0 = ref MemoryMarshal.GetReference(ranks);
            ref var bin0 = ref MemoryMarshal.GetReference(binOf);
            var factor = Vector256.Create(scale);
            var last = Vector128.Create(bins - 1);
            var width = Vector128.Create(bins);
            for (; q <= n - 4; q += 4)
            {
                var below = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref rank0, (nuint)q) - Vector128.Create(1f));
                (Vector128.Min(Avx.ConvertToVector128Int32WithTruncation(below * factor), last) * width).StoreUnsafe(ref bin0, (nuint)q);
            }
        }

        for (; q < n; q++)
        {
            binOf[q] = RegionAnalysis.RankBin(ranks[q], scale, bins) * bins;
        }
    }

    /// <summary>
    /// Adds every run's count and sums into its block's first <see cref="RegionFrame.HeaderColumns"/> columns (n, Σa, Σa², Σr,
    /// Σr²), run after run: the very additions every channel sharing this side made into its own columns.
    /// </summary>
    public void AddHeader(double[] table, int stride)
    {
        var start = 0;
        for (var run = 0; run < Runs; run++)
        {
            var end = RunEnd[run];
            var o = RunBlock[run] * stride;
            table[o] += end - start;
            table[o + 1] += RunSums[4 * run];
            table[o + 2] += RunSums[(4 * run) + 1];
            table[o + 3] += RunSums[(4 * run) + 2];
            table[o + 4] += RunSums[(4 * run) + 3];
            start = end;
        }
    }

    public void Dispose()
    {
        AnalysisPool<int>.Shared.Return(Bins);
        AnalysisPool<int>.Shared.Return(RunEnd);
        AnalysisPool<int>.Shared.Return(RunBlock);
        AnalysisPool<double>.Shared.Return(RunSums);
    }
}

/// <summary>
/// One channel's finite values over one region, sorted, and the rank of each correlated member's value among the
/// correlated members where the channel is finite (1-based, ties averaged), by pair. Buffers are rented.
/// </summary>
internal sealed class SortedChannel : IDisposable
{
    /// <summary>Bits of a member's pair in the place <see cref="Split"/> reads (the region's label is above them).</summary>
    public const int PlaceBits = 24;

    /// <summary>The pair of a member that is not correlated.</summary>
    public const int Uncorrelated = (1 << PlaceBits) - 1;

    /// <summary>Set on an entry of <see cref="Order"/> whose value differs from the entry's before it (a run of equal values starts).</summary>
    public const int RunStart = 1 << 31;

    private readonly float[] _values;
    private readonly float[] _ranks;
    private readonly int[] _order;
    private readonly float[]? _pairValues;
    private readonly int _count;
    private readonly int _pairs;
    private readonly int _ranked;

    private SortedChannel(float[] values, float[] ranks, int[] order, int ranked, int count, int pairs, double sum, double squaredDeviations, float[]? pairValues,
        bool pairValuesComplete, double pairSum)
    {
        _values = values;
        _ranks = ranks;
        _order = order;
        _ranked = ranked;
        _count = count;
        _pairs = pairs;
        Sum = sum;
        SquaredDeviations = squaredDeviations;
        _pairValues = pairValues;
        PairValuesComplete = pairValuesComplete;
        PairSum = pairSum;
    }

    /// <summary>Whether the split gathered the pairs' values and every one is finite (<see cref="PairValues"/> holds them all).</summary>
    public bool PairValuesComplete { get; }

    /// <summary>Per pair, its value, when <see cref="PairValuesComplete"/>.</summary>
    public ReadOnlySpan<float> PairValues => PairValuesComplete ? _pairValues.AsSpan(0, _pairs) : throw new InvalidOperationException("The pairs' values were not all gathered.");

    /// <summary>The array behind <see cref="PairValues"/>, when <see cref="PairValuesComplete"/> (the shared correlation pass reads it directly).</summary>
    internal float[] PairValueArray => PairValuesComplete ? _pairValues! : throw new InvalidOperationException("The pairs' values were not all gathered.");

    /// <summary>Σ <see cref="PairValues"/>, added in pair order, when <see cref="PairValuesComplete"/>.</summary>
    public double PairSum { get; }

    public ReadOnlySpan<float> Values => _values.AsSpan(0, _count);

    /// <summary>Σ <see cref="Values"/> in double, as <see cref="SumOf"/> adds them.</summary>
    public double Sum { get; }

    /// <summary><see cref="Sum"/> over the count (NaN when there are no values).</summary>
    public double Mean => Sum / _count;

    /// <summary>Σ (v − <see cref="Mean"/>)² over <see cref="Values"/> in double, as <see cref="SumOfSquares"/> adds them (0 when there are none).</summary>
    public double SquaredDeviations { get; }

    /// <summary>
    /// Per pair (correlated member, in member order): its value's rank among the pairs where this channel is finite,
    /// 1-based, ties averaged. A pair whose value is not finite has no rank: its entry is left as it was.
    /// </summary>
    public ReadOnlySpan<float> Ranks => _ranks.AsSpan(0, _pairs);

    /// <summary>The array behind <see cref="Ranks"/> (the region's frame reads the height's ranks from it while this lives).</summary>
    internal float[] RankArray => _ranks;

    /// <summary>
    /// The ranked pairs (those where this channel is finite) in ascending order of value, equal values in raster order, each
    /// pair with <see cref="RunStart"/> where its value is not the one before's: what ranks a subset of the pairs in one walk
    /// (<see cref="CoreRanks"/>).
    /// </summary>
    public ReadOnlySpan<int> Order => _order.AsSpan(0, _ranked);

    /// <summary>
    /// Every region's sorted values and ranks of one channel: pixel p goes to region place[p] &gt;&gt; <see cref="PlaceBits"/>
    /// (those at or above <paramref name="regions"/>.Length, -1 included, go nowhere) and, unless its low bits are
    /// <see cref="Uncorrelated"/>, is ranked as that pair; a region holds at most <paramref name="sizes"/>[r] pixels and
    /// <paramref name="pairs"/>[r] pairs. The finite values are gathered in raster order straight into their region's
    /// segment, each value's order-preserving key packed with its pair in one 64-bit word, and each segment is radix
    /// sorted (<see cref="SortWords(Span{ulong}, Span{ulong})"/>): the regions' orders come out of the sort itself, with no pass that looks
    /// every pixel's region up in value order (all over the frame). Ties keep raster order. With
    /// <paramref name="gatherPairs"/>, the same pass writes each pair's value (pairs come in raster order: one stream per
    /// region) and sums them, so the correlations need not gather them again.
    /// </summary>
    public static void Split(ReadOnlySpan<float> data, int[] place, ReadOnlySpan<int> sizes, ReadOnlySpan<int> pairs, Span<SortedChannel?> regions,
        bool gatherPairs = false)
    {
        using var gathered = Gathered.From(data, place, sizes[..regions.Length], pairs, gatherPairs);
        for (var r = 0; r < regions.Length; r++)
        {
            regions[r] = gathered.Sort(r);
        }
    }

    /// <summary>
    /// <see cref="Split"/> in two steps: one channel's finite values gathered into their regions' segments (the pass over the
    /// frame), then each region sorted and ranked on its own (<see cref="Sort"/>), in any order, several side by side: the
    /// analysis runs the regions of all channels as separate work, largest first, so that its cores finish together rather
    /// than one sorting a last channel alone. Buffers are rented until disposed.
    /// </summary>
    internal sealed class Gathered : IDisposable
    {
        private readonly ulong[] _packed;
        private readonly ulong[] _scratch;
        private readonly int[] _start;
        private readonly int[] _fill;
        private readonly int[] _pairs;
        private readonly float[]?[] _pairValues;
        // Per region, Σ of the pairs' values, or with means given Σ(v − mean)² (what FromSorted is passed is then not read).
        private readonly double[] _pairSums;
        private bool _squares;

        private Gathered(ulong[] packed, ulong[] scratch, int[] start, int[] pairs, float[]?[] pairValues)
        {
            _packed = packed;
            _scratch = scratch;
            _start = start;
            _fill = start[..^1];
            _pairs = pairs;
            _pairValues = pairValues;
            _pairSums = new double[pairs.Length];
        }

        /// <summary>The gathering pass of <see cref="Split"/> over <paramref name="sizes"/>.Length regions.</summary>
        /// <param name="pairMeans">Per region, its pairs' mean (not with <paramref name="gatherPairs"/>): the same pass then adds up the
        /// pairs' Σ(v − mean)² in pair order (<see cref="PairSquares"/>), one after another (as the correlation passes sum each side of the pairs) over the
        /// pairs' values widened to double. The height's: its chain of dependent adds hides behind the pass's own work instead
        /// of taking a pass of its own over the region's pairs.</param>
        public static Gathered From(ReadOnlySpan<float> data, int[] place, ReadOnlySpan<int> sizes, ReadOnlySpan<int> pairs, bool gatherPairs,
            double[]? pairMeans = null)
        {
            var count = sizes.Length;
            if (pairs.Length < count || (pairMeans is not null && (gatherPairs || pairMeans.Length < count)))
            {
                throw new ArgumentException($"{count} regions' sizes but {pairs.Length} pair counts and {pairMeans?.Length} pair means (none when the pairs' values are gathered).", nameof(pairs));
            }

            var start = new int[count + 1];
            for (var r = 0; r < count; r++)
            {
                start[r + 1] = start[r] + sizes[r];
            }

            var pairValues = new float[]?[count];
            if (gatherPairs)
            {
                for (var r = 0; r < count; r++)
                {
                    pairValues[r] = AnalysisPool<float>.Shared.Rent(Math.Max(1, pairs[r]));
                }
            }

            var total = start[count];
            var gathered = new Gathered(AnalysisPool<ulong>.Shared.Rent(Math.Max(1, total)), AnalysisPool<ulong>.Shared.Rent(Math.Max(1, total)),
                start, pairs[..count].ToArray(), pairValues);
            SortedChannel.Gather(data, place, count, gathered._fill, gathered._packed, gatherPairs ? pairValues : null, pairMeans, gathered._pairSums);
            gathered._squares = pairMeans is not null;
            return gathered;
        }

        /// <summary>Region <paramref name="region"/>'s Σ(v − mean)² over its pairs in pair order, when <see cref="From"/> was given the means.</summary>
        public double PairSquares(int region) => _squares
            ? _pairSums[region]
            : throw new InvalidOperationException("The pairs' squared deviations were not summed (no means given).");

        /// <summary>How many finite values region <paramref name="region"/> holds (what its sort costs).</summary>
        public int Count(int region) => _fill[region] - _start[region];

        /// <summary>Region <paramref name="region"/>'s sorted values and ranks (once per region; its pairs' values pass to it).</summary>
        public SortedChannel Sort(int region)
        {
            var n = Count(region);
            var sorted = SortWords(_packed.AsSpan(_start[region], n), _scratch.AsSpan(_start[region], n));
            var values = _pairValues[region];
            _pairValues[region] = null;
            return FromSorted(sorted, _pairs[region], values, _squares ? 0 : _pairSums[region]);
        }

        public void Dispose()
        {
            AnalysisPool<ulong>.Shared.Return(_packed);
            AnalysisPool<ulong>.Shared.Return(_scratch);
            for (var r = 0; r < _pairValues.Length; r++)
            {
                if (_pairValues[r] is { } values)
                {
                    AnalysisPool<float>.Shared.Return(values);
                    _pairValues[r] = null;
                }
            }
        }
    }

    /// <summary>
    /// The pass of <see cref="Split"/> over the frame: each finite value's word into its region's segment (at
    /// <paramref name="fill"/>[r], advanced) and, with <paramref name="pairValues"/>, each pair's value. Pixels of one region
    /// come in long runs (rows of background): the run's fill count is kept in a register, not read back from memory at every
    /// pixel (each increment would wait on the store of the one before). Within a run, eight pixels that are consecutive pairs
    /// of the region, all finite (nearly every eight of the background), take one vector step: their words and their values
    /// are stored eight at a time, and the values are added to the pairs' sum one by one, in raster order, as below. With
    /// <paramref name="pairMeans"/> (and no pair values), each pair's (v − mean)² is added instead.
    /// </summary>
    private static void Gather(ReadOnlySpan<float> data, int[] place, int count, Span<int> fill, ulong[] packed, float[]?[]? pairValues,
        double[]? pairMeans, Span<double> pairSums)
    {
        var current = -1;
        var at = 0;
        double sum = 0;
        var mean = double.NaN;
        float[]? values = null;
        var vectors = Vector256.IsHardwareAccelerated;
        ref var place0 = ref MemoryMarshal.GetArrayDataReference(place);
        ref var data0 = ref MemoryMarshal.GetReference(data);
        ref var packed0 = ref MemoryMarshal.GetArrayDataReference(packed);

        // Where an eight failed the test, the pixels up to its end go one by one (a region's edge, a run of pairs broken).
        var oneByOne = 0;
        for (var p = 0; p < data.Length; p++)
        {
            if (vectors && current >= 0 && p >= oneByOne && p <= data.Length - Lanes)
            {
                if (TryGatherEight(ref place0, ref data0, ref packed0, p, current, ref at, values, pairMeans is not null, mean, ref sum))
                {
                    p += Lanes - 1;
                    continue;
                }

                oneByOne = p + Lanes;
            }

            var where = place[p];
            var r = (int)((uint)where >> PlaceBits);
            var v = data[p];
            if (r >= count || !float.IsFinite(v))
            {
                continue;
            }

            if (r != current)
            {
                if (current >= 0)
                {
                    fill[current] = at;
                    pairSums[current] = sum;
                }

                current = r;
                at = fill[r];
                sum = pairSums[r];
                values = pairValues?[r];
                mean = pairMeans is null ? double.NaN : pairMeans[r];
            }

            var pair = where & Uncorrelated;

            packed[at++] = ((ulong)SortKeys.Sortable(v) << 32) | (uint)pair;
            if (values is not null && pair != Uncorrelated)
            {
                values[pair] = v;
                sum += v;
            }
            else if (pairMeans is not null && pair != Uncorrelated)
            {
                var d = v - mean;
                sum += d * d;
            }
        }

        if (current >= 0)
        {
            fill[current] = at;
            pairSums[current] = sum;
        }
    }

    /// <summary>Values a vector step of <see cref="Gather"/> and <see cref="FromSorted"/> takes.</summary>
    private const int Lanes = 8;

    /// <summary>
    /// Pixels p to p + 7 when they are eight consecutive pairs of region <paramref name="current"/>, all finite: their words at
    /// <paramref name="at"/> (advanced), and with <paramref name="values"/> their values at their pairs, added to (or with
    /// <paramref name="squares"/> their (v − <paramref name="mean"/>)² added to)
    /// <paramref name="sum"/> in raster order. False (nothing written) otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryGatherEight(ref int place0, ref float data0, ref ulong packed0, int p, int current, ref int at, float[]? values,
        bool squares, double mean, ref double sum)
    {
        var where = Vector256.LoadUnsafe(ref place0, (nuint)p);
        var first = where.ToScalar();
        var bits = Vector256.LoadUnsafe(ref data0, (nuint)p).AsUInt32();
        var exponent = Vector256.Create(0x7F80_0000u);

        // Consecutive places whose first pair is at least eight below Uncorrelated: one region, every one a pair, in order.
        if ((first >>> PlaceBits) != current || (first & Uncorrelated) > Uncorrelated - Lanes
            || where != Vector256.Create(first) + Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7)
            || Vector256.EqualsAny(bits & exponent, exponent))
        {
            return false;
        }

        var keys = SortKeys.Sortable(bits);
        var (keysLow, keysHigh) = Vector256.Widen(keys);
        var (pairsLow, pairsHigh) = Vector256.Widen(where.AsUInt32() & Vector256.Create((uint)Uncorrelated));
        ((keysLow << 32) | pairsLow).StoreUnsafe(ref packed0, (nuint)at);
        ((keysHigh << 32) | pairsHigh).StoreUnsafe(ref packed0, (nuint)(at + 4));
        at += Lanes;
        if (values is not null)
        {
            bits.AsSingle().StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(values), (nuint)(first & Uncorrelated));
            var (low, high) = Vector256.Widen(bits.AsSingle());
            sum = Add(Add(sum, low), high);
        }
        else if (squares)
        {
            // Each lane's (v − mean)² as the scalar path rounds it; added one after the other.
            var (low, high) = Vector256.Widen(bits.AsSingle());
            var centre = Vector256.Create(mean);
            low -= centre;
            high -= centre;
            sum = Add(Add(sum, low * low), high * high);
        }

        return true;
    }

    /// <summary><paramref name="sum"/> plus the four lanes, one after the other (the order a scalar loop adds them in).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Add(double sum, Vector256<double> lanes) =>
        sum + lanes.GetElement(0) + lanes.GetElement(1) + lanes.GetElement(2) + lanes.GetElement(3);

    /// <summary>
    /// The region's values and its pairs' ranks from its sorted words, in one walk (their sums after it): a pair's rank is one past
    /// the pairs before it, and a run of equal values shares the average of the ranks its pairs span. Equal values are
    /// equal keys, but for −0 and +0 (adjacent keys). With <paramref name="pairValues"/>, the pairs' values are complete
    /// when every pair was ranked (every one is finite); their sum is then taken in pair order.
    /// </summary>
    private static SortedChannel FromSorted(ReadOnlySpan<ulong> sorted, int pairs, float[]? pairValues, double pairSum)
    {
        var n = sorted.Length;
        var values = AnalysisPool<float>.Shared.Rent(Math.Max(1, n));

        // One spare slot past the pairs: where uncorrelated members' ranks go, so the walk need not branch on them; the
        // order likewise (a member that is no pair is written at the next pair's place, then over).
        var ranks = AnalysisPool<float>.Shared.Rent(pairs + 1);
        var order = AnalysisPool<int>.Shared.Rent(pairs + 1);
        ref var rank0 = ref MemoryMarshal.GetArrayDataReference(ranks);
        ref var order0 = ref MemoryMarshal.GetArrayDataReference(order);
        ref var value0 = ref MemoryMarshal.GetArrayDataReference(values);
        var before = 0;
        var k = 0;
        var vectors = Vector256.IsHardwareAccelerated;
        ref var word0 = ref MemoryMarshal.GetReference(sorted);

        // Where an eight failed the test, the words up to its end go one by one (ties, members that are no pair).
        var oneByOne = 0;
        while (k < n)
        {
            // Eight pairs' values whose runs of equal values end within the eight (nearly every eight of a measured channel):
            // one vector step; the ranks are stored one by one (their pairs are all over).
            if (vectors && k >= oneByOne && k < n - Lanes)
            {
                if (TryRankEight(ref word0, k, ref value0, ref rank0, ref order0, before))
                {
                    k += Lanes;
                    before += Lanes;
                    continue;
                }

                oneByOne = k + Lanes;
            }

            var word = sorted[k];
            var key = (uint)(word >> 32);
            var pair = (int)((uint)word & Uncorrelated);

            // A value of its own (nearly every one of a measured channel).
            if (k + 1 == n || !SameValue(key, (uint)(sorted[k + 1] >> 32)))
            {
                var value = SortKeys.FromSortable(key);
                Unsafe.Add(ref value0, k) = value;
                var ranked = pair != Uncorrelated ? 1 : 0;

                // Exact in single precision: an integer below 2²⁴.
                Unsafe.Add(ref rank0, ranked != 0 ? pair : pairs) = before + 1;
                Unsafe.Add(ref order0, before) = pair | RunStart;
                before += ranked;
                k++;
                continue;
            }

            // Equal values (−0 and +0 among them: their keys differ).
            var end = k + 1;
            var included = pair != Uncorrelated ? 1 : 0;
            while (end < n && SameValue(key, (uint)(sorted[end] >> 32)))
            {
                included += ((uint)sorted[end] & Uncorrelated) != Uncorrelated ? 1 : 0;
                end++;
            }

            // Exact in single precision: a half-integer below 2²³.
            var rank = (float)(before + (0.5 * (included + 1)));
            var at = before;
            for (var j = k; j < end; j++)
            {
                var v = SortKeys.FromSortable((uint)(sorted[j] >> 32));
                values[j] = v;
                var p = (int)((uint)sorted[j] & Uncorrelated);
                if (p != Uncorrelated)
                {
                    ranks[p] = rank;
                    order[at] = at == before ? p | RunStart : p;
                    at++;
                }
            }

            before += included;
            k = end;
        }

        // The pairs' values are all there when all pairs were ranked. Σ(v − mean)² (σ) here, while the values are still in this
        // core's caches rather than where the regions are described.
        var complete = pairValues is not null && before == pairs;
        var sum = SumOf(values.AsSpan(0, n));
        var squares = n > 0 ? SumOfSquares(values.AsSpan(0, n), sum / n) : 0;
        return new SortedChannel(values, ranks, order, before, n, pairs, sum, squares, pairValues, complete, pairSum);

        // Keys in ascending order (first ≤ next): equal values unless −0 is followed by +0.
        static bool SameValue(uint first, uint next) => first == next || (first == 0x7FFF_FFFFu && next == 0x8000_0000u);
    }

    /// <summary>Partial sums <see cref="LaneSumVector{TTerm}"/> keeps: one per lane of two 4-double vectors.</summary>
    internal const int SumLanes = 8;

    /// <summary>Σ v in double, as <see cref="LaneSumVector{TTerm}"/> adds.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static double SumOf(ReadOnlySpan<float> values) =>
        Vector256.IsHardwareAccelerated ? LaneSumVector<Plain>(values, 0) : LaneSumScalar<Plain>(values, 0);

    /// <summary>Σ (v − <paramref name="mean"/>)² in double, as <see cref="LaneSumVector{TTerm}"/> adds.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static double SumOfSquares(ReadOnlySpan<float> values, double mean) =>
        Vector256.IsHardwareAccelerated ? LaneSumVector<Squared>(values, mean) : LaneSumScalar<Squared>(values, mean);

    /// <summary>
    /// Σ term(v) in double: value i goes to partial sum i mod 8, the eight are added pairwise ((0+1)+(2+3))+((4+5)+(6+7)),
    /// then the last count mod 8 terms one by one. One running sum made each a chain of dependent additions (the σ's alone
    /// took about 4 ms of each 512² frame's processor time); eight independent ones let the adds overlap. The vector path
    /// and the scalar one add the same numbers in the same order: equal to the last bit, on any hardware.
    /// With two Vector256&lt;double&gt; of partial sums.
    /// </summary>
    internal static double LaneSumVector<TTerm>(ReadOnlySpan<float> values, double centre)
        where TTerm : struct, ILaneTerm
    {
        var c = Vector256.Create(centre);
        Vector256<double> low = Vector256<double>.Zero, high = Vector256<double>.Zero;
        ref var value0 = ref MemoryMarshal.GetReference(values);
        var whole = values.Length - (values.Length % SumLanes);
        for (var i = 0; i < whole; i += SumLanes)
        {
            var (first, second) = Vector256.Widen(Vector256.LoadUnsafe(ref value0, (nuint)i));
            low += TTerm.Of(first, c);
            high += TTerm.Of(second, c);
        }

        var total = ((low.GetElement(0) + low.GetElement(1)) + (low.GetElement(2) + low.GetElement(3)))
            + ((high.GetElement(0) + high.GetElement(1)) + (high.GetElement(2) + high.GetElement(3)));
        return AddTail<TTerm>(total, values[whole..], centre);
    }

    /// <summary><see cref="LaneSumVector{TTerm}"/> with eight scalar partial sums: the reference of the vector path.</summary>
    internal static double LaneSumScalar<TTerm>(ReadOnlySpan<float> values, double centre)
        where TTerm : struct, ILaneTerm
    {
        Span<double> partial = stackalloc double[SumLanes];
        partial.Clear();
        var whole = values.Length - (values.Length % SumLanes);
        for (var i = 0; i < whole; i++)
        {
            partial[i % SumLanes] += TTerm.Of(values[i], centre);
        }

        var total = ((partial[0] + partial[1]) + (partial[2] + partial[3])) + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
        return AddTail<TTerm>(total, values[whole..], centre);
    }

    private static double AddTail<TTerm>(double total, ReadOnlySpan<float> tail, double centre)
        where TTerm : struct, ILaneTerm
    {
        foreach (var v in tail)
        {
            total += TTerm.Of(v, centre);
        }

        return total;
    }

    /// <summary>What <see cref="LaneSumVector{TTerm}"/> adds per value.</summary>
    internal interface ILaneTerm
    {
        static abstract double Of(double value, double centre);

        static abstract Vector256<double> Of(Vector256<double> values, Vector256<double> centre);
    }

    /// <summary>The value itself (the centre is not used: v − 0 would be v anyway).</summary>
    internal readonly struct Plain : ILaneTerm
    {
        public static double Of(double value, double centre) => value;

        public static Vector256<double> Of(Vector256<double> values, Vector256<double> centre) => values;
    }

    /// <summary>The squared deviation from the centre.</summary>
    internal readonly struct Squared : ILaneTerm
    {
        public static double Of(double value, double centre) => (value - centre) * (value - centre);

        public static Vector256<double> Of(Vector256<double> values, Vector256<double> centre) => (values - centre) * (values - centre);
    }

    /// <summary>
    /// Words k to k + 7 of <see cref="FromSorted"/>'s walk (k + 8 is read too: the next key) when each is a pair's and the run
    /// of equal values of the last ends with it (runs start with the eight: the walk is at one's start): their values at k,
    /// their ranks, runs within the eight sharing their average (<see cref="RunRanks"/>), and their pairs at
    /// <paramref name="before"/> of the order. False (nothing written) otherwise.
    /// </summary>
    /// <remarks>
    /// Runs of two or three equal values are common in a channel of few distinct values (one in fifteen values tied): with the
    /// eight given up at any tie, two fifths of such a channel's words went one by one, and the walk took twice as long as on a
    /// channel without ties, most of it in mispredicted branches.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryRankEight(ref ulong word0, int k, ref float value0, ref float rank0, ref int order0, int before)
    {
        var low = Vector256.LoadUnsafe(ref word0, (nuint)k);
        var high = Vector256.LoadUnsafe(ref word0, (nuint)(k + 4));
        var keys = Vector256.Narrow(low >>> 32, high >>> 32);
        var next = Vector256.Narrow(Vector256.LoadUnsafe(ref word0, (nuint)(k + 1)) >>> 32, Vector256.LoadUnsafe(ref word0, (nuint)(k + 5)) >>> 32);
        var pairs = Vector256.Narrow(low, high) & Vector256.Create((uint)Uncorrelated);

        // Bit i: value i equals value i + 1 (equal keys, or −0 then +0).
        var same = (Vector256.Equals(keys, next)
            | (Vector256.Equals(keys, Vector256.Create(0x7FFF_FFFFu)) & Vector256.Equals(next, Vector256.Create(0x8000_0000u)))).ExtractMostSignificantBits();
        if ((same & (1u << (Lanes - 1))) != 0 || Vector256.EqualsAny(pairs, Vector256.Create((uint)Uncorrelated)))
        {
            return false;
        }

        var values = SortKeys.FromSortable(keys);
        values.StoreUnsafe(ref Unsafe.As<float, uint>(ref value0), (nuint)k);
        // A run starts at the first and wherever the value before differs.
        var starts = Vector256.Equals(Vector256.Create(~(same << 1)) & RunBits, RunBits) & Vector256.Create(unchecked((uint)RunStart));
        (pairs | starts).StoreUnsafe(ref Unsafe.As<int, uint>(ref order0), (nuint)before);

        // Each one rounding of the exact average rank, as the walk's (float)(before + ...): before + 1 is exact (below 2²⁴).
        var ranks = Vector256.Create((float)(before + 1)) + RunRanks[(int)same];
        Unsafe.Add(ref rank0, pairs.GetElement(0)) = ranks.GetElement(0);
        Unsafe.Add(ref rank0, pairs.GetElement(1)) = ranks.GetElement(1);
        Unsafe.Add(ref rank0, pairs.GetElement(2)) = ranks.GetElement(2);
        Unsafe.Add(ref rank0, pairs.GetElement(3)) = ranks.GetElement(3);
        Unsafe.Add(ref rank0, pairs.GetElement(4)) = ranks.GetElement(4);
        Unsafe.Add(ref rank0, pairs.GetElement(5)) = ranks.GetElement(5);
        Unsafe.Add(ref rank0, pairs.GetElement(6)) = ranks.GetElement(6);
        Unsafe.Add(ref rank0, pairs.GetElement(7)) = ranks.GetElement(7);
        return true;
    }

    /// <summary>
    /// Per pattern of equal neighbours among eight values (bit i: value i equals value i + 1; the last bit clear), each value's
    /// rank less that of the first: the average of the places its run spans, (first + last) / 2 (0 to 7, 0.5 to 6.5).
    /// </summary>
    private static readonly Vector256<float>[] RunRanks = MakeRunRanks();

    /// <summary>Lane i: bit i.</summary>
    private static readonly Vector256<uint> RunBits = Vector256.Create(1u, 2, 4, 8, 16, 32, 64, 128);

    private static Vector256<float>[] MakeRunRanks()
    {
        var table = new Vector256<float>[1 << (Lanes - 1)];
        Span<float> lanes = stackalloc float[Lanes];
        for (var same = 0; same < table.Length; same++)
        {
            for (var first = 0; first < Lanes;)
            {
                var last = first;
                while ((same & (1 << last)) != 0)
                {
                    last++;
                }

                lanes[first..(last + 1)].Fill(0.5f * (first + last));
                first = last + 1;
            }

            table[same] = Vector256.Create<float>(lanes);
        }

        return table;
    }

    // Segments below WideFrom words: three digits of 11 bits cover the 32-bit key, and 2048 buckets keep every write stream
    // of a pass in the caches. From WideFrom words on, the words are split by key range into parts that are each sorted in the
    // caches (WordRadixSort.SortInParts): an LSD pass over the whole of such a segment writes all over twice its size.
    private const int Bits = 11;
    private const int Buckets = 1 << Bits;
    private const int Digits = 3;

    /// <summary>Words from which a segment is sorted in parts (<see cref="WordRadixSort.SortInParts"/>).</summary>
    internal const int WideFrom = 1 << 16;

    /// <summary>
    /// Stable radix sort of <paramref name="words"/> by their top 32 bits, through <paramref name="scratch"/> (as long);
    /// returns whichever of the two holds the result. A digit that is the same for every word (a channel within a narrow
    /// range) costs no pass at all.
    /// </summary>
    internal static Span<ulong> SortWords(Span<ulong> words, Span<ulong> scratch)
    {
        if (words.Length >= WideFrom)
        {
            return WordRadixSort.SortInParts(words, scratch);
        }

        Span<int> counts = stackalloc int[Digits * Buckets];
        return WordRadixSort.SortLsd(words, scratch, 0, Digits, Bits, counts);
    }

    public void Dispose()
    {
        AnalysisPool<float>.Shared.Return(_values);
        AnalysisPool<float>.Shared.Return(_ranks);
        AnalysisPool<int>.Shared.Return(_order);
        if (_pairValues is not null)
        {
            AnalysisPool<float>.Shared.Return(_pairValues);
        }
    }
}
