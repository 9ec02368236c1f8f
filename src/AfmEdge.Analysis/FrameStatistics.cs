namespace AfmEdge.Analysis;

/// <summary>
/// <see cref="ChannelStatistics.Of"/> of every channel of a frame and <see cref="Correlation.Pearson"/> of chosen pairs
/// of them, bit for bit, in two passes over the frame instead of two per channel and two per pair: each pass walks
/// the frame a piece at a time and feeds that piece of every channel to every channel's and every pair's lanes, so a
/// channel is read from memory once per pass and stays in cache for the pairs that share it.
/// </summary>
internal static class FrameStatistics
{
    // Samples per piece: a multiple of the widest vector, small enough that a piece of every channel stays in cache.
    private const int PieceLength = 2048;

    // Channels (or pairs) whose lanes live on the stack; a frame with more takes them from the heap.
    private const int StackLanes = 16;

    /// <summary>
    /// Fills <paramref name="statistics"/> (one per channel) and <paramref name="correlations"/> (one per pair of
    /// channel indices); throws <see cref="ArgumentException"/> on channels of unequal lengths or a pair naming no channel.
    /// </summary>
    public static void Measure(IReadOnlyList<ReadOnlyMemory<float>> channels, ReadOnlySpan<(int A, int B)> pairs,
        Span<ChannelStatistics?> statistics, Span<(double R, int Count)> correlations)
    {
        ArgumentNullException.ThrowIfNull(channels);
        Validate(channels, pairs, statistics.Length, correlations.Length);
        if (channels.Count == 0)
        {
            return;
        }

        var length = channels[0].Length;
        var whole = ChannelStatistics.WholeVectors(length);
        Span<FiniteSumLanes> sums = channels.Count <= StackLanes ? stackalloc FiniteSumLanes[channels.Count] : new FiniteSumLanes[channels.Count];
        Span<PairSumLanes> pairSums = pairs.Length <= StackLanes ? stackalloc PairSumLanes[pairs.Length] : new PairSumLanes[pairs.Length];
        sums.Fill(new FiniteSumLanes());
        pairSums.Clear();
        for (var start = 0; start < whole; start += PieceLength)
        {
            var count = Math.Min(PieceLength, whole - start);
            for (var c = 0; c < channels.Count; c++)
            {
                sums[c].Add(channels[c].Span.Slice(start, count));
            }

            for (var p = 0; p < pairs.Length; p++)
            {
                pairSums[p].Add(channels[pairs[p].A].Span.Slice(start, count), channels[pairs[p].B].Span.Slice(start, count));
            }
        }

        // The means, and which channels and pairs go on to the second pass (those with enough finite samples).
        Span<double> means = channels.Count <= StackLanes ? stackalloc double[channels.Count] : new double[channels.Count];
        Span<(double A, double B)> pairMeans = pairs.Length <= StackLanes ? stackalloc (double, double)[pairs.Length] : new (double, double)[pairs.Length];
        Span<(int Count, float Min, float Max)> firsts = channels.Count <= StackLanes ? stackalloc (int, float, float)[channels.Count] : new (int, float, float)[channels.Count];
        Span<int> pairCounts = pairs.Length <= StackLanes ? stackalloc int[pairs.Length] : new int[pairs.Length];
        for (var c = 0; c < channels.Count; c++)
        {
            var (count, sum, min, max) = sums[c].Finish(channels[c].Span[whole..]);
            firsts[c] = (count, min, max);
            means[c] = count == 0 ? double.NaN : ChannelStatistics.MeanOf(sum, count);
        }

        for (var p = 0; p < pairs.Length; p++)
        {
            var (count, sumA, sumB) = pairSums[p].Finish(channels[pairs[p].A].Span[whole..], channels[pairs[p].B].Span[whole..]);
            pairCounts[p] = count;
            pairMeans[p] = count < 2 ? (double.NaN, double.NaN) : (ChannelStatistics.MeanOf(sumA, count), ChannelStatistics.MeanOf(sumB, count));
        }

        Span<CentredSquareLanes> squares = channels.Count <= StackLanes ? stackalloc CentredSquareLanes[channels.Count] : new CentredSquareLanes[channels.Count];
        Span<PairCentredLanes> centred = pairs.Length <= StackLanes ? stackalloc PairCentredLanes[pairs.Length] : new PairCentredLanes[pairs.Length];
        squares.Clear();
        centred.Clear();
        for (var start = 0; start < whole; start += PieceLength)
        {
            var count = Math.Min(PieceLength, whole - start);
            for (var c = 0; c < channels.Count; c++)
            {
                if (firsts[c].Count > 0)
                {
                    squares[c].Add(channels[c].Span.Slice(start, count), means[c]);
                }
            }

            for (var p = 0; p < pairs.Length; p++)
            {
                if (pairCounts[p] >= 2)
                {
                    centred[p].Add(channels[pairs[p].A].Span.Slice(start, count), channels[pairs[p].B].Span.Slice(start, count), pairMeans[p].A, pairMeans[p].B);
                }
            }
        }

        for (var c = 0; c < channels.Count; c++)
        {
            var (count, min, max) = firsts[c];
            statistics[c] = count == 0 ? ChannelStatistics.NoFinite(length)
                : ChannelStatistics.Finished(length, count, means[c], squares[c].Finish(channels[c].Span[whole..], means[c]), min, max);
        }

        for (var p = 0; p < pairs.Length; p++)
        {
            if (pairCounts[p] < 2)
            {
                correlations[p] = (double.NaN, pairCounts[p]);
                continue;
            }

            var (sab, saa, sbb) = centred[p].Finish(channels[pairs[p].A].Span[whole..], channels[pairs[p].B].Span[whole..], pairMeans[p].A, pairMeans[p].B);
            correlations[p] = (Correlation.Coefficient(sab, saa, sbb), pairCounts[p]);
        }
    }

    private static void Validate(IReadOnlyList<ReadOnlyMemory<float>> channels, ReadOnlySpan<(int A, int B)> pairs, int statistics, int correlations)
    {
        if (statistics != channels.Count || correlations != pairs.Length)
        {
            throw new ArgumentException(
                $"Frame statistics need one statistics slot per channel and one correlation slot per pair: {channels.Count} channels and {pairs.Length} pairs, " +
                $"given {statistics} and {correlations} slots.");
        }

        for (var c = 1; c < channels.Count; c++)
        {
            if (channels[c].Length != channels[0].Length)
            {
                throw new ArgumentException($"Frame statistics need channels of one length: channel {c} has {channels[c].Length} samples, channel 0 {channels[0].Length}.");
            }
        }

        foreach (var (a, b) in pairs)
        {
            if ((uint)a >= (uint)channels.Count || (uint)b >= (uint)channels.Count)
            {
                throw new ArgumentException($"Correlation pair ({a}, {b}) names a channel outside the frame's {channels.Count}.");
            }
        }
    }
}
