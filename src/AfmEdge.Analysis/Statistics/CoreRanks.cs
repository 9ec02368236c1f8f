using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AfmEdge.Analysis.Statistics;

/// <summary>
/// Spearman's ρ of height against each channel over each region's core (<see cref="CoreCorrelation.Classify"/>), with the
/// values ranked among the core's pairs alone, not the whole region's: ρ reacts to a scan's mixed rim as r does (against
/// the virtual microscope's truth its bootstrap interval held the true ρ in a third to two thirds of the cells). No second
/// sort: the region's sort already put its pairs in order (<see cref="SortedChannel.Order"/>, runs of equal values marked),
/// and a subset keeps the order and the ties of the whole, so one walk along that order, counting only the core's pairs,
/// ranks them among themselves, each core pair's rank less the mean rank written at its pair (0 at the others'), so that ρ's
/// cross products are one pass in pair order.
/// </summary>
internal static class CoreRanks
{
    /// <summary>
    /// Per region and channel (region × channels + channel), ρ over the region's core pairs where the channel is finite;
    /// NaN where fewer than three or no spread. <paramref name="sorted"/> holds each region's orders, height first:
    /// [region × (channels + 1) + 0] the height's, [… + 1 + c] channel c's; <paramref name="pairs"/>[region] its pairs.
    /// </summary>
    public static double[] Compute(ReadOnlySpan<int> classes, ReadOnlySpan<int> place, ReadOnlySpan<int> pairs, IReadOnlyList<SortedChannel> sorted, int channels)
    {
        var regionCount = pairs.Length;
        if (sorted.Count != regionCount * (channels + 1))
        {
            throw new ArgumentException($"{regionCount} regions of height and {channels} channels need {regionCount * (channels + 1)} orders; {sorted.Count} given.", nameof(sorted));
        }

        if (place.Length < classes.Length)
        {
            throw new ArgumentException($"{classes.Length} classes need as many places; {place.Length} given.", nameof(place));
        }

        var rho = new double[regionCount * channels];
        rho.AsSpan().Fill(double.NaN);
        var most = 1;
        foreach (var count in pairs)
        {
            most = Math.Max(most, count);
        }

        var words = AnalysisPool<ulong>.Shared;
        var floats = AnalysisPool<float>.Shared;
        var inCore = new ulong[regionCount][];
        var mask = words.Rent(Words(most));
        var heightRanks = floats.Rent(most);
        var ownHeightRanks = floats.Rent(most);
        var channelRanks = floats.Rent(most);
        try
        {
            for (var r = 0; r < regionCount; r++)
            {
                inCore[r] = words.Rent(Words(pairs[r]));
                Array.Clear(inCore[r], 0, Words(pairs[r]));
            }

            Mark(classes, place, inCore);

            for (var r = 0; r < regionCount; r++)
            {
                var n = pairs[r];
                var core = inCore[r].AsSpan(0, Words(n));
                var height = sorted[r * (channels + 1)].Order;
                var heightCount = Count(core);
                var heightSquares = RankAmong(height, core, heightCount, heightRanks.AsSpan(0, n));
                for (var c = 0; c < channels; c++)
                {
                    var channel = sorted[(r * (channels + 1)) + 1 + c].Order;
                    if (channel.Length == n)
                    {
                        // Finite at every pair: the core pairs are the height's, ranked once for all such channels.
                        rho[(r * channels) + c] = ChannelWalk(channel, core, heightCount, heightSquares, heightRanks.AsSpan(0, n), channelRanks.AsSpan(0, n));
                        continue;
                    }

                    // The core pairs where this channel is finite: the height ranked again among them alone.
                    var finite = mask.AsSpan(0, core.Length);
                    finite.Clear();
                    foreach (var entry in channel)
                    {
                        var pair = entry & SortedChannel.Uncorrelated;
                        finite[pair >> 6] |= 1ul << pair;
                    }

                    for (var w = 0; w < finite.Length; w++)
                    {
                        finite[w] &= core[w];
                    }

                    var count = Count(finite);
                    var squares = RankAmong(height, finite, count, ownHeightRanks.AsSpan(0, n));
                    rho[(r * channels) + c] = ChannelWalk(channel, finite, count, squares, ownHeightRanks.AsSpan(0, n), channelRanks.AsSpan(0, n));
                }
            }
        }
        finally
        {
            foreach (var flags in inCore)
            {
                if (flags is not null)
                {
                    words.Return(flags);
                }
            }

            words.Return(mask);
            floats.Return(heightRanks);
            floats.Return(ownHeightRanks);
            floats.Return(channelRanks);
        }

        return rho;
    }

    private static int Words(int bits) => Math.Max(1, (bits + 63) >> 6);

    /// <summary>
    /// Each region's core pairs as bits, from the pixels' classes: a region's pairs are numbered in raster order, so its bits
    /// come in order too and are gathered a word at a time, the background's (most pixels) in registers.
    /// </summary>
    private static void Mark(ReadOnlySpan<int> classes, ReadOnlySpan<int> place, ulong[][] inCore)
    {
        var regionCount = inCore.Length;
        Span<ulong> word = stackalloc ulong[regionCount];
        Span<int> next = stackalloc int[regionCount];
        var background = inCore[0];
        ulong backgroundWord = 0;
        var backgroundNext = 0;
        for (var p = 0; p < classes.Length; p++)
        {
            var where = place[p];
            var r = (int)((uint)where >> SortedChannel.PlaceBits);
            if (r >= regionCount || (where & SortedChannel.Uncorrelated) == SortedChannel.Uncorrelated)
            {
                continue;
            }

            var inRegion = classes[p] == r ? 1ul : 0;
            if (r == 0)
            {
                // Kept in locals: a count and a word in memory, read and written back at every pixel, each waits on the last store.
                backgroundWord |= inRegion << backgroundNext;
                if ((backgroundNext & 63) == 63)
                {
                    background[backgroundNext >> 6] = backgroundWord;
                    backgroundWord = 0;
                }

                backgroundNext++;
                continue;
            }

            var pair = next[r]++;
            word[r] |= inRegion << pair;
            if ((pair & 63) == 63)
            {
                inCore[r][pair >> 6] = word[r];
                word[r] = 0;
            }
        }

        word[0] = backgroundWord;
        next[0] = backgroundNext;
        for (var r = 0; r < regionCount; r++)
        {
            if ((next[r] & 63) != 0)
            {
                inCore[r][next[r] >> 6] = word[r];
            }
        }
    }

    private static int Count(ReadOnlySpan<ulong> bits)
    {
        var count = 0;
        foreach (var word in bits)
        {
            count += BitOperations.PopCount(word);
        }

        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Member(ReadOnlySpan<ulong> bits, int pair) => (int)(bits[pair >> 6] >> pair) & 1;

    /// <summary>
    /// Ranks the <paramref name="count"/> pairs <paramref name="member"/> marks among themselves (1-based, ties averaged) from the
    /// order, into <paramref name="centred"/>[pair] less their mean, (count + 1) / 2; every other pair of the order gets 0. Returns
    /// Σ (rank − mean)² over the members: (m³ − m) / 12 less (t³ − t) / 12 for every run of t tied members.
    /// </summary>
    internal static double RankAmong(ReadOnlySpan<int> order, ReadOnlySpan<ulong> member, int count, Span<float> centred)
    {
        // Exact in single precision: ranks and their mean are half-integers below 2²³.
        var mean = (float)(0.5 * (count + 1));
        var before = 0;
        double ties = 0;
        var n = order.Length;
        if (centred.Length < n)
        {
            throw new ArgumentException($"{n} pairs in the order need as many ranks; {centred.Length} given.", nameof(centred));
        }

        ref var centred0 = ref MemoryMarshal.GetReference(centred);
        ref var order0 = ref MemoryMarshal.GetReference(order);
        for (var k = 0; k < n;)
        {
            // Unchecked: the order's pairs are below its length, k + 1 below n where read.
            var pair = Unsafe.Add(ref order0, k) & SortedChannel.Uncorrelated;
            if (k + 1 == n || Unsafe.Add(ref order0, k + 1) < 0)
            {
                // A value of its own (RunStart is the sign bit): the next rank, or 0 for a pair not counted.
                // Branch-free: the core's pairs are scattered through the order, a branch on each would be mispredicted often.
                var own = Member(member, pair);
                Unsafe.Add(ref centred0, pair) = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits((before + 1) - mean) & -own);
                before += own;
                k++;
                continue;
            }

            var end = k + 1;
            var inRun = Member(member, pair);
            for (; end < n && Unsafe.Add(ref order0, end) >= 0; end++)
            {
                inRun += Member(member, Unsafe.Add(ref order0, end) & SortedChannel.Uncorrelated);
            }

            var shared = (float)(before + (0.5 * (inRun + 1))) - mean;
            for (var j = k; j < end; j++)
            {
                var q = Unsafe.Add(ref order0, j) & SortedChannel.Uncorrelated;
                Unsafe.Add(ref centred0, q) = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(shared) & -Member(member, q));
            }

            ties += ((double)inRun * inRun * inRun) - inRun;
            before += inRun;
            k = end;
        }

        return ((((double)count * count * count) - count) - ties) / 12;
    }

    /// <summary>
    /// ρ of the channel against the height over the <paramref name="count"/> pairs <paramref name="member"/> marks: the channel ranked
    /// among them along its order as the height is (<see cref="RankAmong"/>, into <paramref name="centred"/>), then the products
    /// with the height's <paramref name="heightCentred"/> added up pair by pair (0 at pairs not marked on both sides).
    /// </summary>
    /// <remarks>
    /// The products are taken in pair order, four at a time. Reading the height's rank at each pair along the channel's walk
    /// instead, with nothing written, took as long: either way the walk touches the region's pairs all over, and that is its cost.
    /// </remarks>
    internal static double ChannelWalk(ReadOnlySpan<int> order, ReadOnlySpan<ulong> member, int count, double heightSquares,
        ReadOnlySpan<float> heightCentred, Span<float> centred)
    {
        if (count < 3)
        {
            return double.NaN;
        }

        var n = heightCentred.Length;
        if (order.Length < n)
        {
            // Pairs where the channel is not finite are in no order, and the walk writes no entry for them.
            centred[..n].Clear();
        }

        var squares = RankAmong(order, member, count, centred[..n]);
        ref var x0 = ref MemoryMarshal.GetReference(heightCentred);
        ref var y0 = ref MemoryMarshal.GetReference(centred);
        var q = 0;
        double products = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var lanes = Vector256<double>.Zero;
            for (; q <= n - Vector128<float>.Count; q += Vector128<float>.Count)
            {
                var x = Vector256.WidenLower(Vector128.LoadUnsafe(ref x0, (nuint)q).ToVector256Unsafe());
                var y = Vector256.WidenLower(Vector128.LoadUnsafe(ref y0, (nuint)q).ToVector256Unsafe());
                lanes += x * y;
            }

            products = Vector256.Sum(lanes);
        }

        for (; q < n; q++)
        {
            products += (double)heightCentred[q] * centred[q];
        }

        return heightSquares > 0 && squares > 0 ? Math.Clamp(products / Math.Sqrt(heightSquares * squares), -1, 1) : double.NaN;
    }
}
