using AfmEdge.Core;

namespace AfmEdge.Analysis.Statistics;

/// <summary>Order statistics in linear expected time (Hoare's quickselect with median-of-three pivots); reorders the span.</summary>
internal static class Selection
{
    /// <summary>The median (mean of the two middle values for an even count); NaN for an empty span.</summary>
    public static double Median(Span<float> values)
    {
        var n = values.Length;
        if (n == 0)
        {
            return double.NaN;
        }

        var upper = OrderStatistics.Select(values, n / 2);
        if (n % 2 == 1)
        {
            return upper;
        }

        // After selecting n/2, everything left of it is ≤ it: the lower middle is their maximum.
        var lower = float.NegativeInfinity;
        foreach (var v in values[..(n / 2)])
        {
            lower = Math.Max(lower, v);
        }

        return 0.5 * ((double)lower + upper);
    }

    /// <summary>
    /// The median of finite values (mean of the two middle ones for an even count), exactly as <see cref="Median"/>, by
    /// a radix select: one histogram of the top 16 bits of each value's order-preserving key finds the bucket(s) holding
    /// the middle, and only those are selected among. Two passes over a large span instead of quickselect's several;
    /// <paramref name="values"/> is not reordered, <paramref name="scratch"/> must be as long.
    /// </summary>
    public static double MedianOfFinite(ReadOnlySpan<float> values, Span<float> scratch)
    {
        var n = values.Length;
        if (n == 0)
        {
            return double.NaN;
        }

        var histogram = AnalysisPool<int>.Shared.Rent(1 << 16);
        try
        {
            Array.Clear(histogram, 0, 1 << 16);
            foreach (var v in values)
            {
                histogram[(int)(SortKeys.Sortable(v) >> 16)]++;
            }

            // Buckets of the lower and upper middle (equal unless the middle straddles two buckets).
            var upperRank = n / 2;
            var lowerRank = n % 2 == 1 ? upperRank : upperRank - 1;
            int lowBucket = -1, highBucket = -1, before = 0, below = 0;
            for (var b = 0; b < histogram.Length; b++)
            {
                var next = before + histogram[b];
                if (lowBucket < 0 && lowerRank < next)
                {
                    lowBucket = b;
                    below = before;
                }

                if (upperRank < next)
                {
                    highBucket = b;
                    break;
                }

                before = next;
            }

            var count = 0;
            foreach (var v in values)
            {
                var bucket = (int)(SortKeys.Sortable(v) >> 16);
                if (bucket >= lowBucket && bucket <= highBucket)
                {
                    scratch[count++] = v;
                }
            }

            var candidates = scratch[..count];
            var upper = OrderStatistics.Select(candidates, upperRank - below);
            if (lowerRank == upperRank)
            {
                return upper;
            }

            // After selecting the upper middle, everything left of it is ≤ it: the lower middle is their maximum.
            var lower = float.NegativeInfinity;
            foreach (var v in candidates[..(upperRank - below)])
            {
                lower = Math.Max(lower, v);
            }

            return 0.5 * ((double)lower + upper);
        }
        finally
        {
            AnalysisPool<int>.Shared.Return(histogram);
        }
    }
}
