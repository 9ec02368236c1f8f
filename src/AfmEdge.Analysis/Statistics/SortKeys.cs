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

    /// <summary>Sorts <paramref name="keys"/> ascending and permutes <paramref name="items"/> with them; the scratch spans must be as long.</summary>
    public static void Sort(Span<float> keys, Span<int> items, Span<uint> scratchKeys, Span<uint> scratchKeys2, Span<int> scratchItems)
    {
        var n = keys.Length;
        var a = scratchKeys[..n];
        var b = scratchKeys2[..n];
        // All three digit histograms in one read of the keys, then one scatter pass per digit.
        Span<int> histograms = stackalloc int[3 * Buckets];
        histograms.Clear();
        for (var i = 0; i < n; i++)
        {
            var k = Sortable(keys[i]);
            a[i] = k;
            histograms[(int)(k & (Buckets - 1))]++;
            histograms[Buckets + (int)((k >> Bits) & (Buckets - 1))]++;
            histograms[(2 * Buckets) + (int)(k >> (2 * Bits))]++;
        }

        var itemsA = items;
        var itemsB = scratchItems[..n];
        for (var pass = 0; pass < 3; pass++)
        {
            var shift = pass * Bits;
            var counts = histograms.Slice(pass * Buckets, Buckets);
            var sum = 0;
            for (var i = 0; i < Buckets; i++)
            {
                var c = counts[i];
                counts[i] = sum;
                sum += c;
            }

            for (var i = 0; i < n; i++)
            {
                var bucket = (int)((a[i] >> shift) & (Buckets - 1));
                var target = counts[bucket]++;
                b[target] = a[i];
                itemsB[target] = itemsA[i];
            }

            var swapKeys = a;
            a = b;
            b = swapKeys;
            var swapItems = itemsA;
            itemsA = itemsB;
            itemsB = swapItems;
        }

        // Three passes: the result sits in the scratch buffers; copy it back.
        for (var i = 0; i < n; i++)
        {
            keys[i] = FromSortable(a[i]);
        }

        itemsA.CopyTo(items);
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
