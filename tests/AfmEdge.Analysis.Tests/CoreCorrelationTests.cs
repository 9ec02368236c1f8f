using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

public sealed class CoreCorrelationTests
{
    private const int Regions = 4;

    /// <summary>The reference rim: every pixel at a <see cref="ReferenceDistance"/> up to <paramref name="depth"/>.</summary>
    private static bool[] ReferenceRim(byte[] labels, int width, int rows, int depth) =>
        [.. ReferenceDistance(labels, width, rows).Select(d => d <= depth)];

    /// <summary>
    /// By breadth-first search: a pixel with a 4-neighbour of another label is at distance 1; every other pixel one 4-connected
    /// step further than its nearest such pixel (<see cref="int.MaxValue"/> where no pixel differs).
    /// </summary>
    private static int[] ReferenceDistance(byte[] labels, int width, int rows)
    {
        var distance = new int[labels.Length];
        Array.Fill(distance, int.MaxValue);
        var queue = new Queue<int>();
        for (var p = 0; p < labels.Length; p++)
        {
            int x = p % width, y = p / width;
            foreach (var q in Neighbours(x, y, width, rows))
            {
                if (labels[q] != labels[p])
                {
                    distance[p] = 1;
                    queue.Enqueue(p);
                    break;
                }
            }
        }

        while (queue.Count > 0)
        {
            var p = queue.Dequeue();
            int x = p % width, y = p / width;
            foreach (var q in Neighbours(x, y, width, rows))
            {
                if (distance[q] == int.MaxValue)
                {
                    distance[q] = distance[p] + 1;
                    queue.Enqueue(q);
                }
            }
        }

        return distance;
    }

    private static IEnumerable<int> Neighbours(int x, int y, int width, int rows)
    {
        if (x > 0)
        {
            yield return (y * width) + x - 1;
        }

        if (x < width - 1)
        {
            yield return (y * width) + x + 1;
        }

        if (y > 0)
        {
            yield return ((y - 1) * width) + x;
        }

        if (y < rows - 1)
        {
            yield return ((y + 1) * width) + x;
        }
    }

    /// <summary>Rectangles of arm / centromere / arm on a background, some cut by the frame's edges, a few excluded pixels.</summary>
    private static byte[] Labels(int width, int rows, int seed)
    {
        var random = new Random(seed);
        var labels = new byte[width * rows];
        for (var k = 0; k < 5; k++)
        {
            int x0 = random.Next(-4, width - 4), y0 = random.Next(-10, rows - 10), w = random.Next(3, 20), h = random.Next(12, 60);
            for (var y = Math.Max(0, y0); y < Math.Min(rows, y0 + h); y++)
            {
                for (var x = Math.Max(0, x0); x < Math.Min(width, x0 + w); x++)
                {
                    var along = (y - y0) / (double)h;
                    labels[(y * width) + x] = (byte)(along < 0.4 ? 1 : along < 0.5 ? 2 : 3);
                }
            }
        }

        for (var k = 0; k < 20; k++)
        {
            labels[random.Next(labels.Length)] = RegionAnalysis.Excluded;
        }

        return labels;
    }

    [Theory]
    [InlineData(7, 9, 1)] // narrower than a vector step: every pixel one by one
    [InlineData(64, 48, 1)]
    [InlineData(64, 48, 2)]
    [InlineData(77, 40, 3)] // a remainder past the last step of sixteen
    public void Rim_MatchesTheDistanceThroughTheRegion(int width, int rows, int depth)
    {
        for (var seed = 0; seed < 6; seed++)
        {
            var labels = Labels(width, rows, seed);
            var rim = new byte[labels.Length];
            CoreCorrelation.Rim(labels, width, rows, depth, rim);
            var expected = ReferenceRim(labels, width, rows, depth);
            for (var p = 0; p < labels.Length; p++)
            {
                Assert.True(expected[p] == (rim[p] != 0), $"seed {seed}, pixel ({p % width}, {p / width}): expected rim {expected[p]}, got {rim[p]}");
            }
        }
    }

    [Theory]
    [InlineData(64, 48, 6)]
    [InlineData(77, 40, 9)]
    [InlineData(130, 70, 16)]
    [InlineData(20, 150, 64)] // offsets along a row past its width
    public void Rim_MarksEachPixelWithTheStepThatReachesIt(int width, int rows, int depth)
    {
        for (var seed = 0; seed < 4; seed++)
        {
            var labels = Labels(width, rows, seed);
            var rim = new byte[labels.Length];
            CoreCorrelation.Rim(labels, width, rows, depth, rim);
            var distance = ReferenceDistance(labels, width, rows);
            for (var p = 0; p < labels.Length; p++)
            {
                var expected = distance[p] <= depth ? distance[p] : 0;
                Assert.True(expected == rim[p], $"seed {seed}, pixel ({p % width}, {p / width}): expected step {expected}, got {rim[p]}");
            }
        }
    }

    [Theory]
    [InlineData(64, 48, 1, 5)]
    [InlineData(77, 40, 2, 7)] // a remainder past the last step of sixteen
    [InlineData(77, 40, 3, 3)]
    public void Classes_LeaveOutEachRegionsRimAtItsOwnDepth(int width, int rows, int depth, int backgroundDepth)
    {
        var random = new Random(width * rows);
        var labels = Labels(width, rows, 5);
        var place = labels.Select(l => random.Next(6) == 0 ? SortedChannel.Uncorrelated : 0).ToArray();
        var rim = new byte[labels.Length];
        CoreCorrelation.Rim(labels, width, rows, Math.Max(depth, backgroundDepth), rim);
        var classes = new int[labels.Length];
        CoreCorrelation.Classes(labels, rim, place, Regions, depth, backgroundDepth, classes);

        var distance = ReferenceDistance(labels, width, rows);
        for (var p = 0; p < labels.Length; p++)
        {
            var label = labels[p];
            var core = label < Regions && distance[p] > (label == 0 ? backgroundDepth : depth) && place[p] != SortedChannel.Uncorrelated;
            Assert.True((core ? label : -1) == classes[p], $"pixel ({p % width}, {p / width}), label {label}, distance {distance[p]}: class {classes[p]}");
        }

        Assert.Contains(0, classes);
        Assert.Contains(3, classes);
    }

    [Fact]
    public void BackgroundDepth_IsTheLastRingWhoseMeanStandsOutOfTheBackground()
    {
        // A 20-pixel-wide chromosome across a 96² background of unit noise; the rings 1–6 beside it sit 0.8 σ low in height (a
        // moat), and Current's rings 1–9 0.6 σ high; ring 3 of Potential 0.1 σ high, within the tolerance of the far background.
        const int Side = 96;
        var random = new Random(11);
        var labels = new byte[Side * Side];
        var height = new float[labels.Length];
        float[] current = new float[labels.Length], potential = new float[labels.Length];
        for (var p = 0; p < labels.Length; p++)
        {
            int x = p % Side;
            labels[p] = (byte)(x is >= 38 and < 58 ? 1 : 0);
            var ring = x < 38 ? 38 - x : x >= 58 ? x - 57 : 0;
            height[p] = (float)(Gaussian(random) - (ring is >= 1 and <= 6 ? 0.8 : 0));
            current[p] = (float)(Gaussian(random) + (ring is >= 1 and <= 9 ? 0.6 : 0));
            potential[p] = (float)(Gaussian(random) + (ring == 3 ? 0.1 : 0));
        }

        var rim = new byte[labels.Length];
        CoreCorrelation.Rim(labels, Side, Side, 16, rim);
        ChannelData[] channels = [new("Current", "A", current), new("Potential", "V", potential)];
        (double, double, int)[] background = [Moments(height, labels), Moments(current, labels), Moments(potential, labels)];
        Assert.Equal(9, CoreCorrelation.BackgroundDepth(labels, rim, height, channels, background, 2, 16));

        // Reaching no further than 7 caps it; without the halo in Current the moat's 6 is left; without either, the least depth.
        Assert.Equal(7, CoreCorrelation.BackgroundDepth(labels, rim, height, channels, background, 2, 7));
        Assert.Equal(6, CoreCorrelation.BackgroundDepth(labels, rim, height, [channels[1]], [background[0], background[2]], 2, 16));
        var flat = labels.Select(_ => (float)Gaussian(random)).ToArray();
        Assert.Equal(2, CoreCorrelation.BackgroundDepth(labels, rim, flat, [channels[1]], [Moments(flat, labels), background[2]], 2, 16));

        // NaN in a ring leaves that value out.
        current[37] = float.NaN;
        Assert.Equal(9, CoreCorrelation.BackgroundDepth(labels, rim, height, channels, [background[0], Moments(current, labels), background[2]], 2, 16));

        // Twelve rows: every ring holds 24 values, too few to judge, whatever their means.
        const int Rows = 12;
        var strip = labels.AsSpan(0, Side * Rows).ToArray();
        var stripHeight = height.AsSpan(0, Side * Rows).ToArray();
        var stripRim = new byte[strip.Length];
        CoreCorrelation.Rim(strip, Side, Rows, 16, stripRim);
        Assert.Equal(2, CoreCorrelation.BackgroundDepth(strip, stripRim, stripHeight, [], [Moments(stripHeight, strip)], 2, 16));
    }

    /// <summary>Mean, σ and count of the background's finite values.</summary>
    private static (double Mean, double Sd, int Count) Moments(float[] values, byte[] labels)
    {
        var background = values.Where((v, p) => labels[p] == 0 && float.IsFinite(v)).Select(v => (double)v).ToArray();
        var mean = background.Average();
        return (mean, Math.Sqrt(background.Sum(v => (v - mean) * (v - mean)) / (background.Length - 1)), background.Length);
    }

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Theory]
    [InlineData(64, 48, 2)]
    [InlineData(83, 37, 1)]
    public void Compute_MatchesPearsonOverTheCorePairsInDouble(int width, int rows, int depth)
    {
        var random = new Random(width + rows);
        var labels = Labels(width, rows, 3);
        var pixels = width * rows;
        var height = new float[pixels];
        var fields = new[] { new float[pixels], new float[pixels], new float[pixels] };
        var place = new int[pixels];
        for (var p = 0; p < pixels; p++)
        {
            // Heights in metres (the shift keeps the sums from cancelling), fields on other scales, some NaN.
            height[p] = (float)(2e-7 + (labels[p] is > 0 and < Regions ? 1e-7 : 0) + (random.NextDouble() * 2e-8));
            fields[0][p] = (float)((height[p] * 3e2) + (random.NextDouble() * 1e-5));
            fields[1][p] = random.Next(50) == 0 ? float.NaN : (float)(0.5 - (height[p] * 1e6) + random.NextDouble());
            fields[2][p] = (float)random.NextDouble();
            place[p] = labels[p] >= Regions ? -1 : (labels[p] << SortedChannel.PlaceBits) | (random.Next(10) == 0 ? SortedChannel.Uncorrelated : p);
        }

        var channels = fields.Select((f, c) => new ChannelData("C" + c, "u", f)).ToList();
        var heightShift = new double[Regions];
        var channelShift = new double[Regions * channels.Count];
        for (var r = 0; r < Regions; r++)
        {
            heightShift[r] = r == 0 ? 2e-7 : 3e-7;
            for (var c = 0; c < channels.Count; c++)
            {
                channelShift[(r * channels.Count) + c] = c == 0 ? heightShift[r] * 3e2 : 0.5;
            }
        }

        var core = CoreCorrelation.Compute(labels, place, height, channels, width, rows, Regions, depth, heightShift, channelShift);
        var oneByOne = CoreCorrelation.Compute(labels, place, height, channels, width, rows, Regions, depth, heightShift, channelShift, vectors: false);

        var rim = ReferenceRim(labels, width, rows, depth);
        for (var r = 0; r < Regions; r++)
        {
            for (var c = 0; c < channels.Count; c++)
            {
                var xs = new List<double>();
                var ys = new List<double>();
                for (var p = 0; p < pixels; p++)
                {
                    if (labels[p] == r && !rim[p] && (place[p] & SortedChannel.Uncorrelated) != SortedChannel.Uncorrelated && float.IsFinite(fields[c][p]))
                    {
                        xs.Add(height[p]);
                        ys.Add(fields[c][p]);
                    }
                }

                var expected = xs.Count >= 3 ? Pearson(xs, ys) : double.NaN;
                foreach (var actual in new[] { core[(r * channels.Count) + c], oneByOne[(r * channels.Count) + c] })
                {
                    if (double.IsNaN(expected))
                    {
                        Assert.True(double.IsNaN(actual), $"region {r}, channel {c}: {xs.Count} core pairs, r {actual} where none is defined");
                    }
                    else
                    {
                        Assert.True(Math.Abs(expected - actual) < 1e-4, $"region {r}, channel {c}: {xs.Count} core pairs, r {actual}, expected {expected}");
                    }
                }
            }
        }

        // The frame has core pairs in every region: the comparison above is not between NaNs only.
        Assert.All(Enumerable.Range(0, Regions), r => Assert.False(double.IsNaN(core[r * channels.Count]), $"region {r} has no core r"));
    }

    private static double Pearson(List<double> xs, List<double> ys)
    {
        double mx = xs.Average(), my = ys.Average(), sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < xs.Count; i++)
        {
            sxy += (xs[i] - mx) * (ys[i] - my);
            sxx += (xs[i] - mx) * (xs[i] - mx);
            syy += (ys[i] - my) * (ys[i] - my);
        }

        return sxy / Math.Sqrt(sxx * syy);
    }

    [Theory]
    [InlineData(64, 48, 2, 1000000)] // nearly every value its own
    [InlineData(83, 37, 1, 9)] // few distinct values: long runs of ties, in the whole region and in its core
    [InlineData(120, 90, 2, 40)]
    public void CoreRanks_MatchSpearmanOverTheCorePairsRankedAmongThemselves(int width, int rows, int depth, int distinct)
    {
        var random = new Random(width * rows);
        var labels = Labels(width, rows, 3);
        var pixels = width * rows;
        var height = new float[pixels];
        var fields = new[] { new float[pixels], new float[pixels], new float[pixels] };
        var place = new int[pixels];
        var pairs = new int[Regions];
        for (var p = 0; p < pixels; p++)
        {
            // Quantised as an ADC quantises (ties), the second field with a few NaN (ranked among its finite pairs only).
            height[p] = random.Next(distinct) + (labels[p] is > 0 and < Regions ? distinct / 2 : 0);
            fields[0][p] = (float)Math.Round((height[p] * 0.7) + (random.Next(distinct) * 0.5));
            fields[1][p] = random.Next(30) == 0 ? float.NaN : -height[p] + random.Next(distinct);
            fields[2][p] = random.Next(distinct);
            var label = labels[p];
            place[p] = label >= Regions ? -1 : (label << SortedChannel.PlaceBits) | (random.Next(8) == 0 ? SortedChannel.Uncorrelated : pairs[label]++);
        }

        var sizes = Enumerable.Range(0, Regions).Select(r => labels.Count(l => l == r)).ToArray();
        var sorted = new SortedChannel[Regions * 4];
        try
        {
            foreach (var (data, c) in new[] { height }.Concat(fields).Select((d, c) => (d, c)))
            {
                var split = new SortedChannel?[Regions];
                SortedChannel.Split(data, place, sizes, pairs, split);
                for (var r = 0; r < Regions; r++)
                {
                    sorted[(r * 4) + c] = split[r]!;
                }
            }

            var classes = new int[pixels];
            CoreCorrelation.Classify(labels, place, width, rows, Regions, depth, classes);
            var rho = CoreRanks.Compute(classes, place, pairs, sorted, fields.Length);

            var rim = ReferenceRim(labels, width, rows, depth);
            for (var r = 0; r < Regions; r++)
            {
                for (var c = 0; c < fields.Length; c++)
                {
                    var members = Enumerable.Range(0, pixels)
                        .Where(p => labels[p] == r && !rim[p] && (place[p] & SortedChannel.Uncorrelated) != SortedChannel.Uncorrelated && float.IsFinite(fields[c][p]))
                        .ToList();
                    var expected = members.Count >= 3
                        ? Pearson(MidRanks(members.Select(p => (double)height[p]).ToList()), MidRanks(members.Select(p => (double)fields[c][p]).ToList()))
                        : double.NaN;
                    var actual = rho[(r * fields.Length) + c];
                    if (double.IsNaN(expected))
                    {
                        Assert.True(double.IsNaN(actual), $"region {r}, channel {c}: {members.Count} core pairs, ρ {actual} where none is defined");
                    }
                    else
                    {
                        Assert.True(Math.Abs(expected - actual) < 1e-9, $"region {r}, channel {c}: {members.Count} core pairs, ρ {actual}, expected {expected}");
                    }
                }
            }

            // The frame has core pairs in every region: the comparison above is not between NaNs only.
            Assert.All(Enumerable.Range(0, Regions), r => Assert.False(double.IsNaN(rho[r * fields.Length]), $"region {r} has no core ρ"));
        }
        finally
        {
            foreach (var s in sorted)
            {
                s?.Dispose();
            }
        }
    }

    /// <summary>1-based ranks, ties averaged, by the definition: the values below, and half of those equal (itself included) plus a half.</summary>
    private static List<double> MidRanks(List<double> values)
    {
        var order = values.Order().ToArray();
        return values.Select(v =>
        {
            var below = Array.BinarySearch(order, v);
            while (below > 0 && order[below - 1] == v)
            {
                below--;
            }

            var equal = 0;
            while (below + equal < order.Length && order[below + equal] == v)
            {
                equal++;
            }

            return below + (0.5 * (equal + 1));
        }).ToList();
    }

    [Fact]
    public void Span_TakesInTheCoreRWithTheIntervalsOwnDistances()
    {
        // r −0.30 in [−0.38, −0.20]; the core's r −0.10: the interval moved there is [−0.18, 0.00].
        var (low, high) = CoreCorrelation.Span(-0.30, -0.38, -0.20, -0.10);
        Assert.Equal(-0.38, low, 12);
        Assert.Equal(0.00, high, 12);

        // The core's r on the other side, near −1: clamped.
        (low, high) = CoreCorrelation.Span(-0.90, -0.95, -0.80, -0.99);
        Assert.Equal(-1, low, 12);
        Assert.Equal(-0.80, high, 12);

        // The same r in the core: the bootstrap interval as it was.
        Assert.Equal((-0.38, -0.20), CoreCorrelation.Span(-0.30, -0.38, -0.20, -0.30));

        // A percentile interval beside its own estimate: the span still takes in the core's r.
        (low, high) = CoreCorrelation.Span(-0.30, -0.28, -0.20, -0.05);
        Assert.True(low <= -0.28 && high >= -0.05, $"[{low}, {high}]");

        // A difference of two r: within ±2.
        Assert.Equal((-1.2, 2.0), CoreCorrelation.Span(-1.0, -1.2, -0.8, 1.9, bound: 2));

        // No core r (the region is all rim): nothing narrower than [−1, 1] is honest.
        Assert.Equal((-1.0, 1.0), CoreCorrelation.Span(-0.30, -0.38, -0.20, double.NaN));
    }

    [Fact]
    public void Options_CoreDepthOutOfRange_NamesIt()
    {
        var e = Assert.Throws<ArgumentException>(() => new ChromosomeAnalyzer(new AnalysisOptions { CoreDepth = 0 }));
        Assert.Contains("CoreDepth = 0", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)] // shallower than every region's rim
    [InlineData(65)]
    public void Options_BackgroundCoreReachOutOfRange_NamesIt(int reach)
    {
        var e = Assert.Throws<ArgumentException>(() => new ChromosomeAnalyzer(new AnalysisOptions { BackgroundCoreReach = reach }));
        Assert.Contains($"BackgroundCoreReach = {reach}", e.Message, StringComparison.Ordinal);
        Assert.Empty(new AnalysisOptions { BackgroundCoreReach = 0 }.Validate());
    }
}
