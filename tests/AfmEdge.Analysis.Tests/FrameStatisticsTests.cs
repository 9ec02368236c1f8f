using AfmEdge.Analysis;
using AfmEdge.Core;

namespace AfmEdge.Analysis.Tests;

public sealed class FrameStatisticsTests
{
    // Shorter than one vector, whole 128-bit but not 256-bit vectors, a tail after either, pieces (2048) and a part piece.
    public static TheoryData<int> Lengths => [1, 3, 4, 7, 8, 12, 13, 2048, 2052, 4096 + 13, 9000];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Measure_MixedNonFinite_EqualsStatisticsAndPearsonBitForBit(int length)
    {
        var channels = Enumerable.Range(0, 4).Select(c => Samples(length, 10 + c, c == 0 ? 2e-7 : 3e-10 * (c + 1))).ToArray();
        (int, int)[] pairs = [(0, 1), (0, 2), (0, 3), (2, 1)];
        var statistics = new ChannelStatistics?[channels.Length];
        var correlations = new (double R, int Count)[pairs.Length];

        FrameStatistics.Measure(channels.Select(c => (ReadOnlyMemory<float>)c).ToArray(), pairs, statistics, correlations);

        for (var c = 0; c < channels.Length; c++)
        {
            AssertSameBits(ChannelStatistics.Of(channels[c]), statistics[c]!);
        }

        for (var p = 0; p < pairs.Length; p++)
        {
            var (r, count) = Correlation.Pearson(channels[pairs[p].Item1], channels[pairs[p].Item2]);
            Assert.Equal(count, correlations[p].Count);
            Assert.Equal(BitConverter.DoubleToInt64Bits(r), BitConverter.DoubleToInt64Bits(correlations[p].R));
        }
    }

    [Fact]
    public void Measure_ChannelWithoutFiniteSamples_GivesNaNStatisticsAndNaNCorrelations()
    {
        var none = Enumerable.Repeat(float.NaN, 21).ToArray();
        var some = Samples(21, 3, 1);
        var statistics = new ChannelStatistics?[2];
        var correlations = new (double R, int Count)[1];
        FrameStatistics.Measure([none, some], [(1, 0)], statistics, correlations);
        Assert.Equal((0, 21), (statistics[0]!.Count, statistics[0]!.NonFinite));
        Assert.True(double.IsNaN(statistics[0]!.Mean));
        AssertSameBits(ChannelStatistics.Of(some), statistics[1]!);
        Assert.Equal(0, correlations[0].Count);
        Assert.True(double.IsNaN(correlations[0].R));
    }

    [Fact]
    public void Measure_UnequalLengths_ThrowsNamingTheChannel()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            FrameStatistics.Measure([new float[8], new float[9]], [], new ChannelStatistics?[2], []));
        Assert.Contains("channel 1 has 9 samples", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Measure_PairOutsideTheFrame_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            FrameStatistics.Measure([new float[8]], [(0, 1)], new ChannelStatistics?[1], new (double, int)[1]));
        Assert.Contains("(0, 1)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(29, 2)]
    [InlineData(1000, 3)]
    [InlineData(10_001, 4)]
    [InlineData(10_001, 5)]
    public void StatisticsAndPearson_AddInFourLanes_AsTheScalarModelDoes(int length, int seed)
    {
        // The lanes' order written out one sample at a time: eight samples at a time must add what four did.
        var a = Samples(length, seed, 2e-7);
        var b = Samples(length, seed + 100, 5e-10);
        var whole = length - (length % 4);

        var sums = new double[4];
        var count = 0;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        for (var i = 0; i < length; i++)
        {
            if (i == whole)
            {
                sums[0] = (sums[0] + sums[2]) + (sums[1] + sums[3]);
            }

            if (float.IsFinite(a[i]))
            {
                sums[i < whole ? i % 4 : 0] += a[i];
                count++;
                (min, max) = (Math.Min(min, a[i]), Math.Max(max, a[i]));
            }
        }

        var sum = whole == length ? (sums[0] + sums[2]) + (sums[1] + sums[3]) : sums[0];
        var mean = sum / count;
        Array.Clear(sums);
        for (var i = 0; i < length; i++)
        {
            if (i == whole)
            {
                sums[0] = (sums[0] + sums[2]) + (sums[1] + sums[3]);
            }

            if (float.IsFinite(a[i]))
            {
                sums[i < whole ? i % 4 : 0] += (a[i] - mean) * (a[i] - mean);
            }
        }

        var squares = whole == length ? (sums[0] + sums[2]) + (sums[1] + sums[3]) : sums[0];
        AssertSameBits(new ChannelStatistics(count, length - count, mean, Math.Sqrt(squares / count), min, max), ChannelStatistics.Of(a));

        var (r, pairs) = Correlation.Pearson(a, b);
        Assert.Equal(BitConverter.DoubleToInt64Bits(PearsonInLanes(a, b, whole, pairs)), BitConverter.DoubleToInt64Bits(r));
    }

    [Theory]
    [InlineData(37, 3)]
    [InlineData(40, 17)]
    [InlineData(2061, 2050)]
    public void Statistics_SignedZerosAtTheEnds_MinIsMinusZeroAndMaxPlusZero(int length, int minusZeroAt)
    {
        // −0 orders below +0: the minimum of ±0 and positives is −0 wherever the −0 lies, the maximum of ±0 and negatives +0.
        var positive = Enumerable.Range(0, length).Select(i => i % 3 == 0 ? 0f : i % 5 == 0 ? float.NaN : 1f + i).ToArray();
        positive[minusZeroAt] = -0f;
        var negative = positive.Select(v => v == 0 ? -0f : -v).ToArray();
        negative[minusZeroAt + 1] = 0f;
        var statistics = new ChannelStatistics?[2];
        FrameStatistics.Measure([positive, negative], [], statistics, []);
        foreach (var stats in new[] { ChannelStatistics.Of(positive), statistics[0]! })
        {
            Assert.Equal(Bits(-0.0), Bits(stats.Min));
        }

        foreach (var stats in new[] { ChannelStatistics.Of(negative), statistics[1]! })
        {
            Assert.Equal(Bits(0.0), Bits(stats.Max));
        }
    }

    [Fact]
    public void Summarize_FrameWithoutHeight_HasEachChannelsStatisticsAndNoCorrelation()
    {
        var frame = FrameOf(13, 11, ("Current", ScanDirection.Trace), ("Potential", ScanDirection.Trace), ("Current", ScanDirection.Retrace));
        var summary = new FrameAnalyzer(TimeProvider.System).Analyze(frame);
        Assert.Empty(summary.Correlations);
        AssertChannelsMatch(frame, summary);
    }

    [Fact]
    public void Summarize_FrameWithHeight_CorrelatesHeightWithTheOtherTraceChannelsBitForBit()
    {
        var frame = FrameOf(13, 11, ("Current", ScanDirection.Trace), ("Height", ScanDirection.Trace), ("Height", ScanDirection.Retrace),
            ("Potential", ScanDirection.Trace), ("Adhesion", ScanDirection.Trace));
        var summary = new FrameAnalyzer(TimeProvider.System).Analyze(frame);
        AssertChannelsMatch(frame, summary);
        var height = frame.GetChannel("Height").Data;
        Assert.Equal(["Current", "Potential", "Adhesion"], summary.Correlations.Select(c => c.Channel));
        foreach (var correlation in summary.Correlations)
        {
            var (r, count) = Correlation.Pearson(height, frame.GetChannel(correlation.Channel).Data);
            Assert.Equal(count, correlation.Count);
            Assert.Equal(BitConverter.DoubleToInt64Bits(r), BitConverter.DoubleToInt64Bits(correlation.Pearson!.Value));
        }
    }

    private static double PearsonInLanes(float[] a, float[] b, int whole, int count)
    {
        // Lane j (0, 1) adds samples 4k + j and 4k + j + 2 together first; the tail follows one by one.
        static double Reduce(double[] lanes) => lanes[0] + lanes[1];
        bool Both(int i) => float.IsFinite(a[i]) && float.IsFinite(b[i]);
        double[] sumA = new double[2], sumB = new double[2];
        for (var i = 0; i < whole; i += 4)
        {
            for (var j = 0; j < 2; j++)
            {
                sumA[j] += (Both(i + j) ? a[i + j] : 0d) + (Both(i + j + 2) ? a[i + j + 2] : 0d);
                sumB[j] += (Both(i + j) ? b[i + j] : 0d) + (Both(i + j + 2) ? b[i + j + 2] : 0d);
            }
        }

        double totalA = Reduce(sumA), totalB = Reduce(sumB);
        for (var i = whole; i < a.Length; i++)
        {
            if (Both(i))
            {
                (totalA, totalB) = (totalA + a[i], totalB + b[i]);
            }
        }

        if (count < 2)
        {
            return double.NaN;
        }

        double meanA = totalA / count, meanB = totalB / count;
        double[] ab = new double[2], aa = new double[2], bb = new double[2];
        for (var i = 0; i < whole; i += 4)
        {
            for (var j = 0; j < 2; j++)
            {
                var (i0, i2) = (i + j, i + j + 2);
                double da0 = Both(i0) ? a[i0] - meanA : 0, db0 = Both(i0) ? b[i0] - meanB : 0;
                double da2 = Both(i2) ? a[i2] - meanA : 0, db2 = Both(i2) ? b[i2] - meanB : 0;
                ab[j] += (da0 * db0) + (da2 * db2);
                aa[j] += (da0 * da0) + (da2 * da2);
                bb[j] += (db0 * db0) + (db2 * db2);
            }
        }

        double sab = Reduce(ab), saa = Reduce(aa), sbb = Reduce(bb);
        for (var i = whole; i < a.Length; i++)
        {
            if (Both(i))
            {
                double da = a[i] - meanA, db = b[i] - meanB;
                (sab, saa, sbb) = (sab + (da * db), saa + (da * da), sbb + (db * db));
            }
        }

        return saa > 0 && sbb > 0 ? Math.Clamp(sab / Math.Sqrt(saa * sbb), -1, 1) : double.NaN;
    }

    private static void AssertChannelsMatch(Frame frame, FrameSummary summary)
    {
        Assert.Equal(frame.Channels.Count, summary.Channels.Count);
        for (var c = 0; c < frame.Channels.Count; c++)
        {
            var expected = ChannelStatistics.Of(frame.Channels[c].Data);
            var actual = summary.Channels[c];
            Assert.Equal(
                (Bits(expected.Mean), Bits(expected.StdDev), Bits(expected.Min), Bits(expected.Max), expected.NonFinite),
                (Bits(actual.Mean), Bits(actual.StdDev), Bits(actual.Min), Bits(actual.Max), actual.NonFinite));
        }
    }

    private static Frame FrameOf(int width, int height, params (string Name, ScanDirection Direction)[] channels)
    {
        var scan = new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = width, PixelsY = height, LineRateHz = 1 };
        return new Frame(new FrameId(DateTimeOffset.UnixEpoch, 5), scan, channels.Select((c, i) =>
        {
            // Height stays finite (the chromosome analysis wants it so); the others carry NaN and ±∞ too.
            var data = c.Name == "Height" ? Samples(width * height, 40 + i, 1e-7, nonFinite: false) : Samples(width * height, 40 + i, 1e-9);
            return new Channel(new ChannelDescriptor(c.Name, PhysicalUnit.Metre, c.Direction), width, height, data);
        }));
    }

    private static float[] Samples(int length, int seed, double scale, bool nonFinite = true)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => random.Next(nonFinite ? 16 : 6) switch
        {
            0 => 0f,
            1 => -0f,
            13 => float.NaN,
            14 => float.PositiveInfinity,
            15 => float.NegativeInfinity,
            // Magnitudes 2⁻³⁰ to 2³⁰ apart, so that the double sums round and any change of their order shows.
            _ => (float)((random.NextDouble() - 0.3) * scale * Math.ScaleB(1, random.Next(-30, 31))),
        }).ToArray();
    }

    private static long Bits(double value) => BitConverter.DoubleToInt64Bits(value);

    private static void AssertSameBits(ChannelStatistics expected, ChannelStatistics actual) =>
        Assert.Equal(
            (expected.Count, expected.NonFinite, Bits(expected.Mean), Bits(expected.StdDev), Bits(expected.Min), Bits(expected.Max)),
            (actual.Count, actual.NonFinite, Bits(actual.Mean), Bits(actual.StdDev), Bits(actual.Min), Bits(actual.Max)));
}
