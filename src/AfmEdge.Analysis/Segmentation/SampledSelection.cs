using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AfmEdge.Analysis.Statistics;
using AfmEdge.Core;

namespace AfmEdge.Analysis.Segmentation;

/// <summary>
/// The median of many finite values (the substrate's heights and their deviations, a few hundred thousand a frame),
/// exactly as <see cref="Selection.MedianOfFinite"/> finds it: the order statistics of the values' order-preserving keys
/// (<see cref="SortKeys.Sortable"/>, so −0 before +0 as there). A sample brackets the middle between two keys; one pass a
/// vector at a time counts the values below the bracket and packs the keys inside it, and only those are selected among.
/// When the bracket misses the middle (it cannot for these sizes but for a freak sample) the radix select answers.
/// </summary>
internal static class SampledSelection
{
    // Sampled evenly over the values: the middle's place among the sample keys is off by about √S/2 = 32 of S = 4096 at
    // most ranks, so a bracket 4 of those wide either side holds the middle, with about 6% of the values.
    private const int SampleSize = 4096;
    private const int Margin = 128;

    // Below this many the radix select's fixed costs are small anyway and the sample would be most of the values.
    private const int Sampled = 8 * SampleSize;

    /// <summary>
    /// The median of <paramref name="values"/> (all finite; mean of the two middle ones for an even count), NaN for none;
    /// <paramref name="scratch"/> at least as long. <paramref name="values"/> is not reordered.
    /// </summary>
    public static double MedianOfFinite(ReadOnlySpan<float> values, Span<float> scratch)
    {
        var n = values.Length;
        if (n < Sampled)
        {
            return Selection.MedianOfFinite(values, scratch);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(scratch.Length, n, nameof(scratch));
        var upperRank = n / 2;
        var lowerRank = n % 2 == 1 ? upperRank : upperRank - 1;
        Span<uint> sample = stackalloc uint[SampleSize];
        for (var k = 0; k < SampleSize; k++)
        {
            sample[k] = SortKeys.Sortable(values[(int)((((long)k * n) + (n / 2)) / SampleSize)]);
        }

        var centre = (int)((long)lowerRank * SampleSize / n);
        var low = Math.Max(0, centre - Margin);
        var high = Math.Min(SampleSize - 1, centre + Margin);
        var lo = OrderStatistics.Select(sample, low);
        // The first selection left the keys above its own to its right: the second selects among those alone.
        var hi = OrderStatistics.Select(sample[(low + 1)..], high - low - 1);

        var keys = MemoryMarshal.Cast<float, uint>(scratch);
        var (below, count) = Bracket(values, lo, hi, keys, Vector256.IsHardwareAccelerated);
        if (below > lowerRank || below + count <= upperRank)
        {
            return Selection.MedianOfFinite(values, scratch);
        }

        var (lower, upper) = SelectInside(keys[..count], lo, hi, upperRank - below);
        return lowerRank == upperRank ? SortKeys.FromSortable(upper) : 0.5 * ((double)SortKeys.FromSortable(lower) + SortKeys.FromSortable(upper));
    }

    // Buckets of the radix step among the bracket's keys: a few thousand keys over a range of keys far wider than this leave a
    // handful in the middle's bucket.
    private const int BucketBits = 11;

    /// <summary>
    /// The key of rank <paramref name="rank"/> among <paramref name="keys"/> (all from <paramref name="lo"/> to <paramref name="hi"/>),
    /// and the key of the rank before (the upper one again for rank 0); reorders the keys. One radix step over
    /// <see cref="BucketBits"/> bits of the key less <paramref name="lo"/> finds the bucket holding the rank, and only that bucket
    /// (with the nearest one below for a rank first in its bucket) is selected among: quickselect over all of them mispredicts a
    /// branch for every few keys it moves.
    /// </summary>
    internal static (uint Before, uint At) SelectInside(Span<uint> keys, uint lo, uint hi, int rank)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, keys.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lo, hi);
        var shift = Math.Max(0, 32 - BitOperations.LeadingZeroCount(hi - lo) - BucketBits);
        Span<int> counts = stackalloc int[1 << BucketBits];
        counts.Clear();
        foreach (var key in keys)
        {
            counts[(int)((key - lo) >> shift)]++;
        }

        var (bucket, before) = (0, 0);
        while (before + counts[bucket] <= rank)
        {
            before += counts[bucket++];
        }

        // The rank first in its bucket: the rank before is the greatest key of the nearest bucket below with any, gathered
        // too (the buckets between are empty, so the gathered buckets are a run).
        var first = bucket;
        if (rank == before && before > 0)
        {
            do
            {
                first--;
            }
            while (counts[first] == 0);
            before -= counts[first];
        }

        // The gathered keys to the front (written never past the one being read), without a branch: keys below the run
        // come in no order a predictor could follow.
        var taken = 0;
        var run = (uint)(bucket - first);
        for (var i = 0; i < keys.Length; i++)
        {
            var key = keys[i];
            keys[taken] = key;
            taken += ((key - lo) >> shift) - (uint)first <= run ? 1 : 0;
        }

        var gathered = keys[..taken];
        var within = rank - before;
        var upper = OrderStatistics.Select(gathered, within);
        if (within == 0)
        {
            return (upper, upper);
        }

        // After the selection everything left of it is at most it: the rank before is their greatest.
        var lower = 0u;
        foreach (var key in gathered[..within])
        {
            lower = Math.Max(lower, key);
        }

        return (lower, upper);
    }

    /// <summary>
    /// How many of <paramref name="values"/> have a key below <paramref name="lo"/>, and how many from <paramref name="lo"/>
    /// to <paramref name="hi"/>; those keys are packed in order into <paramref name="keys"/> (at least as long as the values).
    /// </summary>
    internal static (int Below, int Count) Bracket(ReadOnlySpan<float> values, uint lo, uint hi, Span<uint> keys, bool vectors)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keys.Length, values.Length, nameof(keys));
        int below = 0, count = 0, i = 0;
        if (vectors && Avx2.IsSupported)
        {
            ref var start = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<float, uint>(values));
            ref var target = ref MemoryMarshal.GetReference(keys);
            var los = Vector256.Create(lo);
            var his = Vector256.Create(hi);
            for (; i + Vector256<uint>.Count <= values.Length; i += Vector256<uint>.Count)
            {
                var bits = Vector256.LoadUnsafe(ref start, (nuint)i);
                var key = SortKeys.Sortable(bits);
                var less = Vector256.LessThan(key, los);
                var inside = ~(less | Vector256.GreaterThan(key, his));
                below += BitOperations.PopCount(less.ExtractMostSignificantBits());

                // The inside lanes moved to the front in lane order and all eight stored: those past them are overwritten
                // by the next block or left past the count (count + 8 ≤ i + 8 ≤ the span's length).
                var mask = inside.ExtractMostSignificantBits();
                var order = Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(HeightSegmenter.TakenLanesFirst), (nuint)(mask * Vector256<int>.Count));
                Avx2.PermuteVar8x32(key, order.AsUInt32()).StoreUnsafe(ref target, (nuint)count);
                count += BitOperations.PopCount(mask);
            }
        }

        for (; i < values.Length; i++)
        {
            var key = SortKeys.Sortable(values[i]);
            if (key < lo)
            {
                below++;
            }
            else if (key <= hi)
            {
                keys[count++] = key;
            }
        }

        return (below, count);
    }
}
