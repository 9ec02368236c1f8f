using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

/// <summary>r and the means with the rim's fields from the core's line (RimFromCore), and the score that says a frame's rims are mixed.</summary>
public sealed class RimFromCoreTests
{
    /// <summary>
    /// A region whose field follows height linearly with scatter: the core holds the higher heights (a chromosome's interior),
    /// the rim the lower ones. Returns every pixel's height and field and which are the core's and the first ring's.
    /// </summary>
    private static (double[] Height, double[] Field, bool[] Core, bool[] Ring) Region(int seed, int pixels = 6000)
    {
        var random = new Random(seed);
        var height = new double[pixels];
        var field = new double[pixels];
        var core = new bool[pixels];
        var ring = new bool[pixels];
        for (var p = 0; p < pixels; p++)
        {
            height[p] = 100 + (150 * random.NextDouble());
            field[p] = 12 - (0.04 * height[p]) + (2 * Gaussian(random));
            core[p] = height[p] > 150;
            ring[p] = height[p] < 120;
        }

        return (height, field, core, ring);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static CoreSums Sums(double[] height, double[] field, bool[] members)
    {
        double n = 0, sh = 0, sf = 0, shh = 0, sff = 0, shf = 0;
        for (var p = 0; p < height.Length; p++)
        {
            if (members[p])
            {
                n++;
                sh += height[p];
                sf += field[p];
                shh += height[p] * height[p];
                sff += field[p] * field[p];
                shf += height[p] * field[p];
            }
        }

        return new CoreSums(n, sh, sf, shh, sff, shf);
    }

    private static (double Mean, double Sd) Moments(double[] values)
    {
        var mean = values.Average();
        return (mean, Math.Sqrt(values.Average(v => (v - mean) * (v - mean))));
    }

    /// <summary>r and the mean over the whole region from the line through <paramref name="inside"/>, and the ring's shift off it (NaN without a line).</summary>
    private static (double Pearson, double Mean, double Shift) Estimate(CoreSums inside, CoreSums ring, double heightMean, double heightSd, double neighbourMean) =>
        FieldLine.Through(inside) is { } line
            ? (line.Pearson(heightSd), line.At(heightMean), line.Shift(ring, neighbourMean))
            : (double.NaN, double.NaN, double.NaN);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Estimate_FromTheCoreAlone_GivesTheWholeRegionsROfALinearField(int seed)
    {
        var (height, field, core, ring) = Region(seed);
        var all = Enumerable.Repeat(true, height.Length).ToArray();
        var whole = Sums(height, field, all);
        var (heightMean, heightSd) = Moments(height);
        var coreSums = Sums(height, field, core);

        // The core alone has a narrower range of heights, so its own r is far weaker than the whole region's.
        Assert.True(Math.Abs(coreSums.Pearson) < Math.Abs(whole.Pearson) - 0.15, $"core r {coreSums.Pearson:F3}, whole {whole.Pearson:F3}");

        var (pearson, mean, shift) = Estimate(coreSums, Sums(height, field, ring), heightMean, heightSd, neighbourMean: 50);
        Assert.True(Math.Abs(pearson - whole.Pearson) < 0.03, $"from the core {pearson:F3}, whole {whole.Pearson:F3}");
        Assert.True(Math.Abs(mean - whole.MeanF) < 0.1, $"mean from the core {mean:F3}, whole {whole.MeanF:F3}");

        // The ring lies on the core's line: its mean is off it by no more than its own sampling spread.
        Assert.True(Math.Abs(shift) < 0.25, $"shift {shift:F3}");
    }

    [Fact]
    public void Estimate_RimMixedWithTheNeighbour_ShiftsTowardsItWhileTheCoresEstimateHolds()
    {
        var (height, field, core, ring) = Region(4);
        var (heightMean, heightSd) = Moments(height);
        var whole = Sums(height, field, Enumerable.Repeat(true, height.Length).ToArray());

        // The lowest heights' fields 40 % of the way to a neighbour's (−30): r over every pixel moves far from the truth.
        var mixed = field.Select((f, p) => ring[p] ? (0.6 * f) + (0.4 * -30) : f).ToArray();
        var measured = Sums(height, mixed, Enumerable.Repeat(true, height.Length).ToArray());
        Assert.True(Math.Abs(measured.Pearson - whole.Pearson) > 0.3, $"mixed r {measured.Pearson:F3}, true {whole.Pearson:F3}");
        Assert.True(Math.Abs(measured.MeanF - whole.MeanF) > 1, $"mixed mean {measured.MeanF:F3}, true {whole.MeanF:F3}");

        var (pearson, mean, shift) = Estimate(Sums(height, mixed, core), Sums(height, mixed, ring), heightMean, heightSd, neighbourMean: -30);
        Assert.True(Math.Abs(pearson - whole.Pearson) < 0.03, $"from the core {pearson:F3}, true {whole.Pearson:F3}");
        Assert.True(Math.Abs(mean - whole.MeanF) < 0.1, $"mean from the core {mean:F3}, true {whole.MeanF:F3}");
        Assert.True(shift > 3, $"shift {shift:F3}");

        // Mixed with a neighbour above the line, the pull reads positive too: the sign is towards the neighbour.
        var above = field.Select((f, p) => ring[p] ? (0.6 * f) + (0.4 * 50) : f).ToArray();
        var (_, _, shiftAbove) = Estimate(Sums(height, above, core), Sums(height, above, ring), heightMean, heightSd, neighbourMean: 50);
        Assert.True(shiftAbove > 3, $"shift {shiftAbove:F3}");
    }

    [Fact]
    public void Estimate_WithoutALine_IsNaN()
    {
        var (height, field, core, ring) = Region(5);
        var (heightMean, heightSd) = Moments(height);
        var ringSums = Sums(height, field, ring);

        // Fewer than three core pairs; no spread of height over the core; no neighbour to sign the shift by.
        var firstTwo = Enumerable.Range(0, height.Length).Where(p => core[p]).Take(2).ToHashSet();
        var few = Estimate(Sums(height, field, [.. Enumerable.Range(0, height.Length).Select(firstTwo.Contains)]), ringSums, heightMean, heightSd, 50);
        Assert.True(double.IsNaN(few.Pearson) && double.IsNaN(few.Mean) && double.IsNaN(few.Shift));

        var flat = Estimate(Sums(Enumerable.Repeat(200.0, height.Length).ToArray(), field, core), ringSums, heightMean, heightSd, 50);
        Assert.True(double.IsNaN(flat.Pearson) && double.IsNaN(flat.Mean) && double.IsNaN(flat.Shift));

        var lone = Estimate(Sums(height, field, core), ringSums, heightMean, heightSd, double.NaN);
        Assert.True(double.IsFinite(lone.Pearson) && double.IsFinite(lone.Mean) && double.IsNaN(lone.Shift));
    }

    [Fact]
    public void Score_IsTheMeanOfTheKnownShifts()
    {
        Assert.Equal(2.0, RimFromCore.Score([double.NaN, 1, 3, double.NaN, 2]), 12);
        Assert.True(double.IsNaN(RimFromCore.Score([double.NaN, double.NaN])));
        Assert.True(double.IsNaN(RimFromCore.Score([])));
    }

    [Fact]
    public void Rings_ClassEachRegionsFirstRingAndTheRestOfItsRim()
    {
        // Background, then a p arm beside a centromere, four rows deep; the arm's pixel (2, 1) is no correlated pair.
        byte[] labels =
        [
            0, 0, 0, 0, 0, 0,
            1, 1, 1, 2, 2, 2,
            1, 1, 1, 2, 2, 2,
            1, 1, 1, 2, 2, 2,
        ];
        const int Width = 6, Rows = 4, Regions = 4;
        var rim = new byte[labels.Length];
        CoreCorrelation.Rim(labels, Width, Rows, 3, rim);
        var place = new int[labels.Length];
        place[8] = SortedChannel.Uncorrelated;
        var classes = new int[labels.Length];
        CoreCorrelation.Rings(labels, rim, place, Regions, depth: 2, backgroundDepth: 1, classes);
        for (var p = 0; p < labels.Length; p++)
        {
            var ownDepth = labels[p] == 0 ? 1 : 2;
            var expected = p == 8 || rim[p] == 0 || rim[p] > ownDepth ? -1 : labels[p] + (rim[p] == 1 ? 0 : Regions);
            Assert.True(expected == classes[p], $"pixel ({p % Width}, {p / Width}): class {classes[p]}, expected {expected} (rim {rim[p]})");
        }

        Assert.Equal([0, 0, 0, 0, 0, 0], classes[..6]);
        Assert.Equal(1 + Regions, classes[12]); // two steps from the background, beside no centromere
        Assert.Equal(-1, classes[18]); // three steps in: the core
    }

    [Theory]
    [InlineData(37, 23, 2, 2)]
    [InlineData(64, 40, 2, 16)]
    [InlineData(50, 31, 3, 9)]
    public void Rings_SixteenAtATime_MatchOneByOne(int width, int rows, int depth, int backgroundDepth)
    {
        // Random blobs of four labels, some pixels no correlated pair: the vector path against the pixel-by-pixel one.
        var random = new Random(width * rows);
        var labels = new byte[width * rows];
        for (var blob = 0; blob < 12; blob++)
        {
            int cx = random.Next(width), cy = random.Next(rows), radius = random.Next(2, 9);
            var label = (byte)random.Next(1, 5); // 4: not a region, left out
            for (var p = 0; p < labels.Length; p++)
            {
                if (((p % width) - cx) * ((p % width) - cx) + (((p / width) - cy) * ((p / width) - cy)) <= radius * radius)
                {
                    labels[p] = label;
                }
            }
        }

        var rim = new byte[labels.Length];
        CoreCorrelation.Rim(labels, width, rows, Math.Max(depth, backgroundDepth), rim);
        var place = labels.Select(_ => random.Next(10) == 0 ? SortedChannel.Uncorrelated : random.Next(1000)).ToArray();
        var vector = new int[labels.Length];
        var scalar = new int[labels.Length];
        CoreCorrelation.Rings(labels, rim, place, 4, depth, backgroundDepth, vector);
        CoreCorrelation.Rings(labels, rim, place, 4, depth, backgroundDepth, scalar, vectors: false);
        Assert.Equal(scalar, vector);
        Assert.Contains(0, scalar);
        Assert.Contains(scalar, c => c >= 4);
    }

    [Theory]
    [InlineData(-0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Options_RimMixingThresholdOutOfRange_NamesIt(double threshold)
    {
        var e = Assert.Throws<ArgumentException>(() => new ChromosomeAnalyzer(new AnalysisOptions { RimMixingThreshold = threshold }));
        Assert.Contains("RimMixingThreshold", e.Message, StringComparison.Ordinal);
        Assert.Empty(new AnalysisOptions { RimMixingThreshold = 0 }.Validate());
    }
}
