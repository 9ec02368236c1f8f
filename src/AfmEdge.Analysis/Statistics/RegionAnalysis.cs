namespace AfmEdge.Analysis.Statistics;

/// <summary>One channel as the region statistics see it.</summary>
internal sealed record ChannelData(string Name, string Unit, float[] Data);

/// <summary>What <see cref="RegionAnalysis"/> measures for one frame.</summary>
internal sealed record RegionResults(
    IReadOnlyList<RegionSummary> Regions,
    IReadOnlyList<RegionChannelStatistics> Statistics,
    IReadOnlyList<RegionCorrelation> Correlations,
    IReadOnlyList<RegionDifference> Differences);

/// <summary>
/// Per-region statistics and height correlations. Pixels are grouped by label once; each (region, channel)
/// pair is then independent work. The bootstrap resamples square blocks of pixels (neighbouring pixels are
/// correlated, so single-pixel resampling would understate the uncertainty): per-block sums of the
/// standardised values and of their ranks are taken once, and every resample only adds block sums.
/// The same block draws serve every channel of a region, seeded from the options and the region only,
/// so results do not depend on thread scheduling.
/// </summary>
internal static class RegionAnalysis
{
    /// <summary>Label of pixels left out of every region (chromosome clusters).</summary>
    public const byte Excluded = 255;

    private const int RegionCount = 4;

    // Per block: n, Σx, Σy, Σxx, Σyy, Σxy for values, then the same six for ranks.
    private const int Moments = 12;

    public static RegionResults Run(byte[] labels, float[] height, IReadOnlyList<ChannelData> channels, int width, int rows,
        double pixelX, double pixelY, AnalysisOptions options)
    {
        var pixelArea = pixelX * pixelY;

        // Group pixel indices by region (counting sort, raster order inside each region).
        var counts = new int[RegionCount + 1];
        foreach (var l in labels)
        {
            if (l < RegionCount)
            {
                counts[l + 1]++;
            }
        }

        for (var r = 0; r < RegionCount; r++)
        {
            counts[r + 1] += counts[r];
        }

        var grouped = new int[labels.Length];
        var fill = counts[..RegionCount].ToArray();
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] < RegionCount)
            {
                grouped[fill[labels[i]]++] = i;
            }
        }

        var blockPixels = Math.Max(2, (int)Math.Round(options.BootstrapBlockSize / Math.Sqrt(pixelArea)));
        var blocksX = (width + blockPixels - 1) / blockPixels;
        var regions = new RegionSummary[RegionCount];
        var all = new List<ChannelData>(channels.Count + 1) { new("Height", "m", height) };
        all.AddRange(channels);
        var stats = new RegionChannelStatistics[RegionCount * all.Count];
        var correlations = new RegionCorrelation[RegionCount * channels.Count];
        var draws = new double[RegionCount * channels.Count][];
        var moments = new (double Mean, double Sd, int Count)[RegionCount * all.Count];

        for (var r = 0; r < RegionCount; r++)
        {
            var members = grouped.AsSpan(counts[r], counts[r + 1] - counts[r]);
            double volume = 0;
            foreach (var i in members)
            {
                var h = height[i];
                volume += float.IsFinite(h) ? h : 0;
            }

            regions[r] = new RegionSummary(Regions.ByLabel[r], members.Length, members.Length * pixelArea, volume * pixelArea);
        }

        // Height ranks and block membership per region, shared by every channel.
        var work = new List<(int Region, int Channel)>();
        for (var r = 0; r < RegionCount; r++)
        {
            for (var c = 0; c < all.Count; c++)
            {
                work.Add((r, c));
            }
        }

        // Each region's interior and the ranks of its heights, shared by every channel of the region.
        var interiors = new Lazy<(int[] Index, double[] HeightRanks)>[RegionCount];
        for (var r = 0; r < RegionCount; r++)
        {
            var region = r;
            interiors[r] = new Lazy<(int[], double[])>(() =>
            {
                var interior = Interior(grouped.AsSpan(counts[region], counts[region + 1] - counts[region]), labels, width, rows, options.CorrelationGuard);
                var finite = interior.Where(i => float.IsFinite(height[i])).ToArray();
                return (finite, Ranks([.. finite.Select(i => height[i])]));
            });
        }

        Parallel.ForEach(work, item =>
        {
            var (r, c) = item;
            var members = grouped.AsSpan(counts[r], counts[r + 1] - counts[r]);
            var channel = all[c];
            var (stat, mean, sd, count) = Describe(members, channel, Regions.ByLabel[r], pixelArea);
            stats[(r * all.Count) + c] = stat;
            moments[(r * all.Count) + c] = (mean, sd, count);
            if (c > 0)
            {
                var (correlation, rDraws) = Correlate(interiors[r].Value, height, channel, Regions.ByLabel[r], width, blockPixels, blocksX, rows, r, options);
                correlations[(r * channels.Count) + (c - 1)] = correlation;
                draws[(r * channels.Count) + (c - 1)] = rDraws;
            }
        });

        var differences = new List<RegionDifference>();
        for (var c = 0; c < channels.Count; c++)
        {
            for (var a = 0; a < RegionCount; a++)
            {
                for (var b = a + 1; b < RegionCount; b++)
                {
                    differences.Add(Difference(channels[c].Name, a, b,
                        moments[(a * all.Count) + c + 1], moments[(b * all.Count) + c + 1],
                        correlations[(a * channels.Count) + c], correlations[(b * channels.Count) + c],
                        draws[(a * channels.Count) + c], draws[(b * channels.Count) + c]));
                }
            }
        }

        return new RegionResults(regions, stats, correlations, differences);
    }

    /// <summary>
    /// The region's pixels none of whose 4-neighbours lies in another chromosome region: a pixel on a region's edge mixes both
    /// sides (tip footprint, pixel footprint, a boundary placed to within a pixel), and in a small region a
    /// few such pixels from a region with another mean bias r far more than they bias a mean.
    /// </summary>
    private static int[] Interior(ReadOnlySpan<int> members, byte[] labels, int width, int rows, bool guard)
    {
        if (!guard)
        {
            return members.ToArray();
        }

        var result = new List<int>(members.Length);
        foreach (var p in members)
        {
            var x = p % width;
            var y = p / width;
            var l = labels[p];
            if ((x == 0 || Same(labels[p - 1], l)) && (x == width - 1 || Same(labels[p + 1], l))
                && (y == 0 || Same(labels[p - width], l)) && (y == rows - 1 || Same(labels[p + width], l)))
            {
                result.Add(p);
            }
        }

        // A chromosome's outer rim stays (dropping it would cut the low end of the height range); only
        // boundaries towards a chromosome region count.
        static bool Same(byte neighbour, byte label) => neighbour == label || neighbour == 0;

        // A region too thin to have an interior is correlated over all its pixels.
        return result.Count >= 3 ? [.. result] : members.ToArray();
    }

    private static (RegionChannelStatistics Stats, double Mean, double Sd, int Count) Describe(ReadOnlySpan<int> members, ChannelData channel, string region, double pixelArea)
    {
        var values = new float[members.Length];
        var n = 0;
        double sum = 0;
        foreach (var i in members)
        {
            var v = channel.Data[i];
            if (float.IsFinite(v))
            {
                values[n++] = v;
                sum += v;
            }
        }

        if (n == 0)
        {
            return (new RegionChannelStatistics(region, channel.Name, channel.Unit, 0, 0, null, null, null, null), double.NaN, double.NaN, 0);
        }

        var mean = sum / n;
        double squares = 0;
        for (var k = 0; k < n; k++)
        {
            squares += (values[k] - mean) * (values[k] - mean);
        }

        var sd = n > 1 ? Math.Sqrt(squares / (n - 1)) : 0;
        var span = values.AsSpan(0, n);
        var median = Selection.Median(span);
        for (var k = 0; k < n; k++)
        {
            span[k] = (float)Math.Abs(span[k] - median);
        }

        var mad = Selection.Median(span);
        return (new RegionChannelStatistics(region, channel.Name, channel.Unit, n, n * pixelArea, mean, median, sd, mad), mean, sd, n);
    }

    private static (RegionCorrelation Correlation, double[] Draws) Correlate((int[] Index, double[] HeightRanks) interior, float[] height, ChannelData channel, string region,
        int width, int blockPixels, int blocksX, int rows, int regionIndex, AnalysisOptions options)
    {
        // Finite pairs only (height is finite at every interior index already).
        var members = interior.Index;
        var index = new int[members.Length];
        var n = 0;
        foreach (var i in members)
        {
            if (float.IsFinite(channel.Data[i]))
            {
                index[n++] = i;
            }
        }

        if (n < 3)
        {
            return (new RegionCorrelation(region, channel.Name, n, null, null, null, null, null, null, null, null, null), []);
        }

        var x = new float[n];
        var y = new float[n];
        for (var k = 0; k < n; k++)
        {
            x[k] = height[index[k]];
            y[k] = channel.Data[index[k]];
        }

        var (mx, sx) = MeanSd(x);
        var (my, sy) = MeanSd(y);
        var rankX = n == members.Length ? interior.HeightRanks : Ranks(x);
        var rankY = Ranks(y);
        if (!(sx > 0) || !(sy > 0))
        {
            return (new RegionCorrelation(region, channel.Name, n, null, null, null, null, null, null, null, null, null), []);
        }

        // Block sums of standardised values and centred ranks.
        var blocksY = (rows + blockPixels - 1) / blockPixels;
        var blockOf = new int[blocksX * blocksY];
        Array.Fill(blockOf, -1);
        var sums = new double[Math.Min(blockOf.Length, n) * Moments];
        var blocks = 0;
        var rankMean = (n + 1) / 2.0;
        var rankScale = 1.0 / n;
        double pxy = 0, pxx = 0, pyy = 0, rxy = 0, rxx = 0, ryy = 0;
        for (var k = 0; k < n; k++)
        {
            var p = index[k];
            var block = ((p / width / blockPixels) * blocksX) + (p % width / blockPixels);
            var slot = blockOf[block];
            if (slot < 0)
            {
                slot = blocks++;
                blockOf[block] = slot;
            }

            var a = (x[k] - mx) / sx;
            var b = (y[k] - my) / sy;
            var ra = (rankX[k] - rankMean) * rankScale;
            var rb = (rankY[k] - rankMean) * rankScale;
            var o = slot * Moments;
            sums[o] += 1;
            sums[o + 1] += a;
            sums[o + 2] += b;
            sums[o + 3] += a * a;
            sums[o + 4] += b * b;
            sums[o + 5] += a * b;
            sums[o + 6] += 1;
            sums[o + 7] += ra;
            sums[o + 8] += rb;
            sums[o + 9] += ra * ra;
            sums[o + 10] += rb * rb;
            sums[o + 11] += ra * rb;
            pxy += a * b;
            pxx += a * a;
            pyy += b * b;
            rxy += ra * rb;
            rxx += ra * ra;
            ryy += rb * rb;
        }

        var pearson = Math.Clamp(pxy / Math.Sqrt(pxx * pyy), -1, 1);
        var spearman = rxx > 0 && ryy > 0 ? Math.Clamp(rxy / Math.Sqrt(rxx * ryy), -1, 1) : double.NaN;
        var mi = MutualInformation(rankX, rankY, options.MutualInformationBins);

        var resamples = options.BootstrapResamples;
        if (blocks < 2 || resamples < 10)
        {
            return (new RegionCorrelation(region, channel.Name, n, pearson, null, null, null, Nullable(spearman), null, null, null, mi), []);
        }

        var table = sums;
        var pearsonDraws = new double[resamples];
        var spearmanDraws = new double[resamples];
        var random = new SplitMix64(options.BootstrapSeed ^ (0x9E3779B97F4A7C15UL * (ulong)(regionIndex + 1)));
        Span<double> acc = stackalloc double[Moments];
        for (var b = 0; b < resamples; b++)
        {
            acc.Clear();
            for (var k = 0; k < blocks; k++)
            {
                var o = random.NextInt(blocks) * Moments;
                for (var m = 0; m < Moments; m++)
                {
                    acc[m] += table[o + m];
                }
            }

            pearsonDraws[b] = FromSums(acc[..6]);
            spearmanDraws[b] = FromSums(acc[6..]);
        }

        var (pLow, pHigh, pP) = Interval(pearson, pearsonDraws);
        var (sLow, sHigh, sP) = Interval(spearman, spearmanDraws);
        return (new RegionCorrelation(region, channel.Name, n, pearson, pLow, pHigh, pP, Nullable(spearman), sLow, sHigh, sP, mi), pearsonDraws);
    }

    private static double FromSums(ReadOnlySpan<double> s)
    {
        var n = s[0];
        var cov = s[5] - (s[1] * s[2] / n);
        var vx = s[3] - (s[1] * s[1] / n);
        var vy = s[4] - (s[2] * s[2] / n);
        return vx > 0 && vy > 0 ? Math.Clamp(cov / Math.Sqrt(vx * vy), -1, 1) : double.NaN;
    }

    /// <summary>Percentile 95% interval and a two-sided p-value from the bootstrap σ of Fisher's z.</summary>
    private static (double? Low, double? High, double? P) Interval(double estimate, double[] draws)
    {
        var finite = draws.Where(double.IsFinite).Order().ToArray();
        if (finite.Length < 10 || double.IsNaN(estimate))
        {
            return (null, null, null);
        }

        var low = Percentile(finite, 0.025);
        var high = Percentile(finite, 0.975);
        double sum = 0, sum2 = 0;
        foreach (var d in finite)
        {
            var z = Math.Atanh(Math.Clamp(d, -0.999999, 0.999999));
            sum += z;
            sum2 += z * z;
        }

        var mean = sum / finite.Length;
        var sd = Math.Sqrt(Math.Max(0, (sum2 / finite.Length) - (mean * mean)));
        var zEstimate = Math.Atanh(Math.Clamp(estimate, -0.999999, 0.999999));
        var p = sd > 0 ? Normal.TwoSidedP(zEstimate / sd) : (zEstimate == 0 ? 1 : 0);
        return (low, high, p);
    }

    private static double Percentile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var i = (int)Math.Floor(position);
        var f = position - i;
        return i + 1 < sorted.Length ? sorted[i] + (f * (sorted[i + 1] - sorted[i])) : sorted[i];
    }

    private static RegionDifference Difference(string channel, int a, int b,
        (double Mean, double Sd, int Count) ma, (double Mean, double Sd, int Count) mb,
        RegionCorrelation ca, RegionCorrelation cb, double[] da, double[] db)
    {
        double? meanDifference = null, cohensD = null, pearsonDifference = null, low = null, high = null, cohensQ = null;
        if (ma.Count > 0 && mb.Count > 0)
        {
            meanDifference = mb.Mean - ma.Mean;
            if (ma.Count + mb.Count > 2)
            {
                var pooled = Math.Sqrt((((ma.Count - 1) * ma.Sd * ma.Sd) + ((mb.Count - 1) * mb.Sd * mb.Sd)) / (ma.Count + mb.Count - 2));
                cohensD = pooled > 0 ? meanDifference / pooled : null;
            }
        }

        if (ca.Pearson is { } ra && cb.Pearson is { } rb)
        {
            pearsonDifference = rb - ra;
            cohensQ = Math.Atanh(Math.Clamp(rb, -0.999999, 0.999999)) - Math.Atanh(Math.Clamp(ra, -0.999999, 0.999999));
            if (da.Length > 0 && da.Length == db.Length)
            {
                var diffs = new double[da.Length];
                for (var i = 0; i < diffs.Length; i++)
                {
                    diffs[i] = db[i] - da[i];
                }

                var sorted = diffs.Where(double.IsFinite).Order().ToArray();
                if (sorted.Length >= 10)
                {
                    low = Percentile(sorted, 0.025);
                    high = Percentile(sorted, 0.975);
                }
            }
        }

        return new RegionDifference(channel, Regions.ByLabel[a], Regions.ByLabel[b], meanDifference, cohensD, pearsonDifference, low, high, cohensQ);
    }

    private static double? Nullable(double v) => double.IsFinite(v) ? v : null;

    private static (double Mean, double Sd) MeanSd(float[] values)
    {
        double sum = 0;
        foreach (var v in values)
        {
            sum += v;
        }

        var mean = sum / values.Length;
        double squares = 0;
        foreach (var v in values)
        {
            squares += (v - mean) * (v - mean);
        }

        return (mean, Math.Sqrt(squares / values.Length));
    }

    /// <summary>1-based ranks, ties averaged.</summary>
    internal static double[] Ranks(float[] values)
    {
        var n = values.Length;
        var keys = (float[])values.Clone();
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        SortKeys.Sort(keys, order, new uint[n], new uint[n], new int[n]);
        var ranks = new double[n];
        var start = 0;
        while (start < n)
        {
            var end = start + 1;
            while (end < n && keys[end] == keys[start])
            {
                end++;
            }

            var rank = 0.5 * (start + end + 1);
            for (var k = start; k < end; k++)
            {
                ranks[order[k]] = rank;
            }

            start = end;
        }

        return ranks;
    }

    /// <summary>Mutual information (bits) of the rank-binned pair, less the Miller–Madow bias (B−1)²/(2n ln 2); never negative.</summary>
    internal static double MutualInformation(double[] rankX, double[] rankY, int bins)
    {
        var n = rankX.Length;
        var joint = new int[bins * bins];
        var mx = new int[bins];
        var my = new int[bins];
        for (var k = 0; k < n; k++)
        {
            var bx = Math.Min(bins - 1, (int)((rankX[k] - 1) * bins / n));
            var by = Math.Min(bins - 1, (int)((rankY[k] - 1) * bins / n));
            joint[(bx * bins) + by]++;
            mx[bx]++;
            my[by]++;
        }

        double mi = 0;
        for (var i = 0; i < bins; i++)
        {
            for (var j = 0; j < bins; j++)
            {
                var c = joint[(i * bins) + j];
                if (c > 0)
                {
                    mi += c * Math.Log((double)c * n / ((double)mx[i] * my[j]));
                }
            }
        }

        mi /= n;
        var bias = (bins - 1.0) * (bins - 1.0) / (2.0 * n);
        return Math.Max(0, (mi - bias) / Math.Log(2));
    }
}

/// <summary>SplitMix64: a tiny, fast, seedable generator whose sequence is fixed by its seed on every platform.</summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound) by the multiply-high method (bias below 2⁻³² for any bound used here).</summary>
    public int NextInt(int bound) => (int)(((Next() >> 32) * (ulong)bound) >> 32);
}
