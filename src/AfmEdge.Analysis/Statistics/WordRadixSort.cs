using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AfmEdge.Analysis.Statistics;

/// <summary>
/// Stable radix sorts of words by their top 32 bits (<see cref="SortedChannel.SortWords"/>): an LSD sort, and for a large
/// segment (from <see cref="SortedChannel.WideFrom"/> words on: a frame's background) a sort in parts. An LSD sort of the
/// whole of such a segment scatters every pass into thousands of write streams spread over twice the segment (4 MiB for a
/// 512² background), each write a miss in the caches. Here one pass first splits the words by the top 16 bits of their keys into parts of about
/// <see cref="PartWords"/> words, each a range of keys, whose bounds come from a count of those top bits so that the parts
/// hold about as many words whatever the keys' spread (a channel of both signs packs most keys into few exponents): that pass
/// writes a few streams only. Each part, a few hundred KiB with its spare room, is then LSD sorted by its keys less its
/// smallest top value, in two digits of at most 12 bits (three of at most 11 for a part spanning more than 24 bits), in a
/// core's L2 cache. Every pass is a stable scatter, so ties keep their input order, as in a single LSD sort.
/// </summary>
internal static class WordRadixSort
{
    /// <summary>Words per part: a part and the spare room it is sorted through (2 × 128 KiB) stay in a core's L2 cache.</summary>
    public const int PartWords = 1 << 14;

    private const int TopBits = 16;
    private const int TopValues = 1 << TopBits;

    /// <summary>Parts at most: a part's number is kept in a byte per top value.</summary>
    private const int MaxParts = 256;

    /// <summary>Widest digit of a part's two (4096 counters); a part spanning more bits takes three of at most 11.</summary>
    private const int WidestDigit = 12;

    /// <summary>
    /// Sorts <paramref name="words"/> in parts by their top 32 bits (stable) through <paramref name="scratch"/> (as long);
    /// returns whichever of the two holds the result.
    /// </summary>
    public static Span<ulong> SortInParts(Span<ulong> words, Span<ulong> scratch)
    {
        var n = words.Length;
        if (scratch.Length < n)
        {
            throw new ArgumentException($"The scratch holds {scratch.Length} words; {n} are sorted.", nameof(scratch));
        }

        scratch = scratch[..n];
        if (n < 2)
        {
            return words;
        }

        var tops = AnalysisPool<int>.Shared.Rent(2 * TopValues);
        var partOf = AnalysisPool<byte>.Shared.Rent(TopValues);
        var digitCounts = AnalysisPool<int>.Shared.Rent(2 << WidestDigit);
        try
        {
            CountTops(words, tops);
            Span<int> start = stackalloc int[MaxParts + 1];
            Span<int> firstTop = stackalloc int[MaxParts];
            Span<int> lastTop = stackalloc int[MaxParts];
            Span<int> firstHalf = stackalloc int[MaxParts];
            var parts = Partition(tops, partOf, n, start, firstTop, lastTop, firstHalf);
            if (parts == 1)
            {
                // One part (every key within a few top values): no split; sorted where it is.
                SortPart(words, scratch, (uint)firstTop[0] << TopBits, lastTop[0] - firstTop[0], digitCounts);
                return words;
            }

            Split(words, scratch, partOf, start[..parts], firstHalf[..parts]);

            // The parts are in the scratch now; each is sorted through the start of the words, the same room every time,
            // which stays in the cache from part to part.
            for (var p = 0; p < parts; p++)
            {
                var length = start[p + 1] - start[p];
                SortPart(scratch.Slice(start[p], length), words[..length], (uint)firstTop[p] << TopBits, lastTop[p] - firstTop[p], digitCounts);
            }

            return scratch;
        }
        finally
        {
            AnalysisPool<int>.Shared.Return(digitCounts);
            AnalysisPool<byte>.Shared.Return(partOf);
            AnalysisPool<int>.Shared.Return(tops);
        }
    }

    /// <summary>
    /// Counts the words' top values: the first half of the words in <paramref name="tops"/>[0, 2¹⁶), the second (and an odd
    /// last word) in the next 2¹⁶, so that <see cref="Split"/> can take the two halves side by side.
    /// </summary>
    private static void CountTops(ReadOnlySpan<ulong> words, int[] tops)
    {
        Array.Clear(tops, 0, 2 * TopValues);
        var half = words.Length / 2;
        ref var word0 = ref MemoryMarshal.GetReference(words);
        ref var second0 = ref Unsafe.Add(ref word0, half);
        ref var first = ref MemoryMarshal.GetArrayDataReference(tops);
        ref var second = ref Unsafe.Add(ref first, TopValues);

        // Unchecked indexing: a word's top 16 bits are below 2¹⁶.
        for (var i = 0; i < half; i++)
        {
            Unsafe.Add(ref first, (nint)(Unsafe.Add(ref word0, i) >> 48))++;
            Unsafe.Add(ref second, (nint)(Unsafe.Add(ref second0, i) >> 48))++;
        }

        if ((words.Length & 1) != 0)
        {
            Unsafe.Add(ref second, (nint)(words[^1] >> 48))++;
        }
    }

    /// <summary>
    /// The parts, from the top values' counts: consecutive top values, each part closed once it holds
    /// <see cref="PartWords"/> words (more for a segment of more than 256 such parts). Per part: its <paramref name="start"/>
    /// (the count's end after the last), its first and last top value present, and how many of its words are in the first half
    /// of the words; per top value present, its part. Returns the count of parts.
    /// </summary>
    private static int Partition(int[] tops, byte[] partOf, int n, Span<int> start, Span<int> firstTop, Span<int> lastTop, Span<int> firstHalf)
    {
        var per = Math.Max(PartWords, (n + MaxParts - 1) / MaxParts);
        var parts = 0;
        var size = 0;
        var inFirst = 0;
        var at = 0;
        var opened = false;
        ref var counts = ref MemoryMarshal.GetArrayDataReference(tops);
        var lanes = Vector256<int>.Count;
        for (var block = 0; block < TopValues; block += lanes)
        {
            // Most top values are absent (a channel spans a few thousand at most): eight at a time until one is there.
            if ((Vector256.LoadUnsafe(ref counts, (nuint)block) | Vector256.LoadUnsafe(ref counts, (nuint)(block + TopValues))) == Vector256<int>.Zero)
            {
                continue;
            }

            for (var top = block; top < block + lanes; top++)
            {
                var first = tops[top];
                var count = first + tops[TopValues + top];
                if (count == 0)
                {
                    continue;
                }

                if (!opened || size >= per)
                {
                    if (opened)
                    {
                        parts++;
                        at += size;
                    }

                    opened = true;
                    start[parts] = at;
                    firstTop[parts] = top;
                    size = 0;
                    inFirst = 0;
                }

                partOf[top] = (byte)parts;
                lastTop[parts] = top;
                size += count;
                inFirst += first;
                firstHalf[parts] = inFirst;
            }
        }

        parts++;
        start[parts] = at + size;
        return parts;
    }

    /// <summary>
    /// Scatters the words to their parts in <paramref name="scratch"/>, in order within each (stable). The two halves of the
    /// words go side by side, each with its own fill counts (the second half's start where the first half's words of the part
    /// end): neighbouring words often go to one part, and a single count advanced word after word waits on its own store
    /// (one stream instead: the whole sort about a tenth slower).
    /// </summary>
    private static void Split(ReadOnlySpan<ulong> words, Span<ulong> scratch, byte[] partOf, ReadOnlySpan<int> start, ReadOnlySpan<int> firstHalf)
    {
        var parts = start.Length;
        Span<int> fillFirst = stackalloc int[parts];
        Span<int> fillSecond = stackalloc int[parts];
        for (var p = 0; p < parts; p++)
        {
            fillFirst[p] = start[p];
            fillSecond[p] = start[p] + firstHalf[p];
        }

        var half = words.Length / 2;
        ref var word0 = ref MemoryMarshal.GetReference(words);
        ref var second0 = ref Unsafe.Add(ref word0, half);
        ref var part0 = ref MemoryMarshal.GetArrayDataReference(partOf);
        ref var target = ref MemoryMarshal.GetReference(scratch);
        ref var first = ref MemoryMarshal.GetReference(fillFirst);
        ref var second = ref MemoryMarshal.GetReference(fillSecond);

        // Unchecked indexing: every word's top value was counted, so has a part, and each part's fill stays within it.
        for (var i = 0; i < half; i++)
        {
            var x = Unsafe.Add(ref word0, i);
            var y = Unsafe.Add(ref second0, i);
            ref var at = ref Unsafe.Add(ref first, Unsafe.Add(ref part0, (nint)(x >> 48)));
            ref var atSecond = ref Unsafe.Add(ref second, Unsafe.Add(ref part0, (nint)(y >> 48)));
            Unsafe.Add(ref target, at++) = x;
            Unsafe.Add(ref target, atSecond++) = y;
        }

        if ((words.Length & 1) != 0)
        {
            var y = words[^1];
            scratch[fillSecond[partOf[(int)(y >> 48)]]] = y;
        }
    }

    /// <summary>
    /// LSD sort of one part in place, through <paramref name="spare"/> (as long), by its keys less <paramref name="baseKey"/>
    /// (its first top value, low 16 bits clear): they span <paramref name="topSpan"/> + 1 top values, 16 bits and the span's.
    /// </summary>
    private static void SortPart(Span<ulong> part, Span<ulong> spare, uint baseKey, int topSpan, int[] digitCounts)
    {
        var bits = TopBits + (32 - BitOperations.LeadingZeroCount((uint)topSpan));
        var digits = bits <= 2 * WidestDigit ? 2 : 3;
        var sorted = SortLsd(part, spare, baseKey, digits, (bits + digits - 1) / digits, digitCounts);
        if (sorted != part)
        {
            sorted.CopyTo(part);
        }
    }

    /// <summary>
    /// LSD sort of <paramref name="words"/> by their keys less <paramref name="baseKey"/>, through <paramref name="scratch"/>
    /// (as long), in <paramref name="digits"/> digits of <paramref name="width"/> bits that cover those keys' bits. Returns
    /// whichever of the two holds the result. A digit that is the same for every word (a channel within a narrow range) costs
    /// no pass at all.
    /// </summary>
    /// <remarks>Inlined: where the digits are constants (the small segments' sort), their shifts and masks are too.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<ulong> SortLsd(Span<ulong> words, Span<ulong> scratch, uint baseKey, int digits, int width, scoped Span<int> counts)
    {
        var n = words.Length;
        if (width is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, "A digit is 1 to 16 bits wide.");
        }

        var buckets = 1 << width;
        var mask = (uint)(buckets - 1);
        if (digits is < 2 or > 3 || counts.Length < digits * buckets || scratch.Length < n)
        {
            throw new ArgumentException($"{digits} digits of {width} bits need {digits * buckets} counts ({counts.Length} given) and {n} words of scratch ({scratch.Length} given).", nameof(counts));
        }

        counts = counts[..(digits * buckets)];
        counts.Clear();
        ref var low = ref MemoryMarshal.GetReference(counts);
        ref var middle = ref Unsafe.Add(ref low, buckets);
        ref var word0 = ref MemoryMarshal.GetReference(words);

        // Unchecked indexing: every digit is masked to its bucket count. The keys less the base must be below
        // 2^(digits · width) for the order to be right (the callers' promise: 3 · 11 ≥ 32 bits, a part's span).
        if (digits == 2)
        {
            for (var i = 0; i < n; i++)
            {
                var key = (uint)(Unsafe.Add(ref word0, i) >> 32) - baseKey;
                Unsafe.Add(ref low, (nint)(key & mask))++;
                Unsafe.Add(ref middle, (nint)((key >> width) & mask))++;
            }
        }
        else
        {
            ref var high = ref Unsafe.Add(ref middle, buckets);
            for (var i = 0; i < n; i++)
            {
                var key = (uint)(Unsafe.Add(ref word0, i) >> 32) - baseKey;
                Unsafe.Add(ref low, (nint)(key & mask))++;
                Unsafe.Add(ref middle, (nint)((key >> width) & mask))++;
                Unsafe.Add(ref high, (nint)((key >> (2 * width)) & mask))++;
            }
        }

        var from = words;
        var to = scratch[..n];
        for (var d = 0; d < digits; d++)
        {
            var digitCounts = counts.Slice(d * buckets, buckets);
            var shift = d * width;
            if (n == 0 || digitCounts[(int)((((uint)(words[0] >> 32) - baseKey) >> shift) & mask)] == n)
            {
                continue;
            }

            var sum = 0;
            for (var b = 0; b < buckets; b++)
            {
                var c = digitCounts[b];
                digitCounts[b] = sum;
                sum += c;
            }

            // Unchecked indexing: a bucket's offset stays below n (the counts are of exactly these words, by the same digit).
            ref var offsets = ref MemoryMarshal.GetReference(digitCounts);
            ref var source = ref MemoryMarshal.GetReference(from);
            ref var target = ref MemoryMarshal.GetReference(to);
            for (var i = 0; i < n; i++)
            {
                var word = Unsafe.Add(ref source, i);
                ref var offset = ref Unsafe.Add(ref offsets, (nint)((((uint)(word >> 32) - baseKey) >> shift) & mask));
                Unsafe.Add(ref target, offset++) = word;
            }

            var swap = from;
            from = to;
            to = swap;
        }

        return from;
    }
}
