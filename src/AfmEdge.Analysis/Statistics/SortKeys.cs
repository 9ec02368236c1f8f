using System.Runtime.Intrinsics;

namespace AfmEdge.Analysis.Statistics;

/// <summary>
/// Least-significant-digit radix sort of float keys with an int payload: three 11-bit passes, linear in the
/// count. Regions hold up to a whole frame of pixels; a comparison sort of 250 k keys per channel would
/// take most of the frame's time budget.
/// </summary>
internal static class SortKeys
{
    private const int Bits = 11;
    private const int Buckets = 1 << Bits;
    private const int Digits = 3;

    /// <summary>
    /// Sorts <paramref name="keys"/> ascending (by <see cref="Sortable(float)"/>: −0 before +0, NaNs by their bits) and permutes
    /// <paramref name="items"/> with them; stable, so equal keys keep their order. Each key and its item go as one 64-bit word
    /// (<see cref="WordRadixSort.SortLsd"/>): one scatter stream a pass rather than two, and no pass for a digit all keys share.
    /// </summary>
    public static void Sort(Span<float> keys, Span<int> items)
    {
        var n = keys.Length;
        if (items.Length != n)
        {
            throw new ArgumentException($"{n} keys but {items.Length} items.", nameof(items));
        }

        var pool = AnalysisPool<ulong>.Shared;
        var words = pool.Rent(Math.Max(1, n));
        var scratch = pool.Rent(Math.Max(1, n));
        try
        {
            for (var i = 0; i < n; i++)
            {
                words[i] = ((ulong)Sortable(keys[i]) << 32) | (uint)items[i];
            }

            Span<int> counts = stackalloc int[Digits * Buckets];
            var sorted = WordRadixSort.SortLsd(words.AsSpan(0, n), scratch.AsSpan(0, n), 0, Digits, Bits, counts);
            for (var i = 0; i < n; i++)
            {
                var word = sorted[i];
                keys[i] = FromSortable((uint)(word >> 32));
                items[i] = (int)(uint)word;
            }
        }
        finally
        {
            pool.Return(words);
            pool.Return(scratch);
        }
    }

    /// <summary>The float's bits as an unsigned key in the same order (negatives flipped, positives above them).</summary>
    /// <remarks>
    /// Branch-free (the sign spreads into a mask): a channel around zero, in raster order, would mispredict a branch on the
    /// sign at every other pixel.
    /// </remarks>
    internal static uint Sortable(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        return bits ^ ((uint)((int)bits >> 31) | 0x8000_0000u);
    }

    internal static float FromSortable(uint key) =>
        BitConverter.UInt32BitsToSingle(key ^ ((uint)((int)~key >> 31) | 0x8000_0000u));

    /// <summary><see cref="Sortable(float)"/> lane by lane, of floats' bits.</summary>
    internal static Vector256<uint> Sortable(Vector256<uint> bits) =>
        bits ^ (Vector256.ShiftRightArithmetic(bits.AsInt32(), 31).AsUInt32() | Vector256.Create(0x8000_0000u));

    /// <summary><see cref="FromSortable(uint)"/> lane by lane, to floats' bits.</summary>
    internal static Vector256<uint> FromSortable(Vector256<uint> keys) =>
        keys ^ (Vector256.ShiftRightArithmetic((~keys).AsInt32(), 31).AsUInt32() | Vector256.Create(0x8000_0000u));
}
